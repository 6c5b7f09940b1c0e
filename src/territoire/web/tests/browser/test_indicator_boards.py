"""The comparison (choropleth map and ranking), the evaluation and the dashboard pages in a real
browser: axe-core finds nothing, in French and English, with and without JavaScript; the map's
territories are reachable with the keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import BROWSER_TEST, format_violations

pytestmark = BROWSER_TEST

DEFIBRILLATORS = (
    Path(__file__).resolve().parents[3]
    / "demo" / "data" / "montpellier-defibrillateurs" / "VilleMTP_MTP_Defibrillateurs.csv"
)  # fmt: skip


@pytest.fixture
def boards(reference_rows, montpellier, make_dataset, data_officer, service):
    import datetime as dt

    from territoire.indicators import services
    from territoire.lake import services as lake_services

    dataset = make_dataset("Défibrillateurs", slug="defibrillateurs")
    lake_services.dataset_ingest(actor=data_officer, dataset=dataset, source=DEFIBRILLATORS)
    indicator = services.indicator_create(
        actor=data_officer, title="Défibrillateurs pour 10 000 habitants", publisher_service=service,
        definition={
            "dataset": "defibrillateurs", "measure": {"kind": "count"}, "reference_period": "2024",
            "territory": {"longitude": "coord_x", "latitude": "coord_y", "boundaries": "commune"},
            "normalisation": {"kind": "per_10000"},
        },
        unit="DAE pour 10 000 hab.", access_level="public",
    )  # fmt: skip
    run = services.indicator_compute(actor=data_officer, indicator=indicator)
    assert run.status == "created", run.error
    services.indicator_publish(actor=data_officer, indicator=indicator, reason="Source publique.")
    evaluation = services.evaluation_create(
        actor=data_officer, indicator=indicator, title="Plan DAE", intervention_date=dt.date(2024, 6, 1),
        treated=["34172"], comparison=["34057"],
    )  # fmt: skip
    dashboard = services.dashboard_create(
        actor=data_officer, title="Le territoire en chiffres", publisher_service=service,
        access_level="public", blocks=[
            {"kind": "text", "text": "Les **défibrillateurs** de la métropole."},
            {"kind": "kpi", "indicator": indicator.slug},
            {"kind": "map", "indicator": indicator.slug},
            {"kind": "table", "indicator": indicator.slug},
        ],
    )  # fmt: skip
    return indicator, evaluation, dashboard


@pytest.mark.postgres_browser  # a journey of its issue's « done when »: PostgreSQL too
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_comparison_evaluation_and_dashboard_pages(open_tab, boards, lang):
    indicator, evaluation, dashboard = boards
    pages = {
        "comparison": f"/indicateurs/{indicator.slug}/comparaison/",
        "evaluation": f"/evaluations/{evaluation.slug}/",
        "evaluations": "/evaluations/",
        "dashboards": "/tableaux-de-bord/",
        "dashboard": f"/tableaux-de-bord/{dashboard.slug}/",
        "dashboard embed": f"/tableaux-de-bord/{dashboard.slug}/integration/",
    }
    found = {}
    for javascript in (True, False):
        tab = open_tab(lang, javascript=javascript)
        for name, url in pages.items():
            tab.goto(url)
            if name == "comparison":
                assert tab.page.locator("figure.choropleth svg a").count() == 31
                assert tab.page.locator("main table tbody tr").count() >= 31
            if javascript:
                found[f"{name} ({lang})"] = tab.axe()
                tab.screenshot(f"indicator-{name}-{lang}")
    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)


def test_map_territories_are_reachable_with_the_keyboard(open_tab, boards):
    indicator, _evaluation, _dashboard = boards
    tab = open_tab("fr")
    tab.goto(f"/indicateurs/{indicator.slug}/comparaison/")
    tab.page.locator("figure.choropleth svg a").first.focus()
    focused = tab.page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused
    tab.page.keyboard.press("Tab")
    following = tab.page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert following and following != focused
    tab.screenshot("indicator-comparison-focus", "figure.choropleth")
