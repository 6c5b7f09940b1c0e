"""A dashboard with a bar chart and a stacked-bar chart in a real browser: axe-core finds
nothing, in French and English, with and without JavaScript; the charts are images with a
name, their tables are there, and each block's export links download the SVG, PNG and CSV."""

from __future__ import annotations

import pytest

from .conftest import BROWSER_TEST, format_violations

pytestmark = BROWSER_TEST


@pytest.fixture
def chart_board(reference_rows, montpellier, make_dataset, data_officer, service, tmp_path):
    from territoire.indicators import services
    from territoire.lake import services as lake_services

    source = tmp_path / "equipements.csv"
    rows = ["annee;code_insee;equipements"]
    for year, values in ((2022, (40, 12, 7)), (2023, (44, 15, 9)), (2024, (51, 15, 12))):
        rows += [
            f"{year};{code};{n}"
            for code, n in zip(("34172", "34057", "34095"), values, strict=True)
        ]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    dataset = make_dataset("Équipements sportifs", slug="equipements", access_level="public",
                           publish=True)  # fmt: skip
    lake_services.dataset_ingest(actor=data_officer, dataset=dataset, source=source)
    indicator = services.indicator_create(
        actor=data_officer, title="Équipements sportifs", publisher_service=service,
        definition={"dataset": "equipements", "measure": {"kind": "sum", "column": "equipements"},
                    "period": {"column": "annee", "truncate": "year"},
                    "territory": {"column": "code_insee"}},
        unit="équipements", access_level="public",
    )  # fmt: skip
    run = services.indicator_compute(actor=data_officer, indicator=indicator)
    assert run.status == "created", run.error
    services.indicator_publish(actor=data_officer, indicator=indicator, reason="Source publique.")
    return services.dashboard_create(
        actor=data_officer, title="Équipements", publisher_service=service, access_level="public",
        blocks=[{"kind": "bar", "indicator": indicator.slug},
                {"kind": "stacked", "indicator": indicator.slug}],
    )  # fmt: skip


@pytest.mark.postgres_browser  # a journey of its issue's « done when »: PostgreSQL too
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_bar_and_stacked_charts_and_their_exports(open_tab, chart_board, lang):
    url = f"/tableaux-de-bord/{chart_board.slug}/"
    found = {}
    for javascript in (True, False):
        tab = open_tab(lang, javascript=javascript)
        tab.goto(url)
        charts = tab.page.locator("figure.dashboard-chart svg[role=img]")
        assert charts.count() == 2
        for i in range(2):
            labelled = charts.nth(i).get_attribute("aria-labelledby").split()
            assert all(tab.page.locator(f"#{id_}").count() == 1 for id_ in labelled)
        # The stacked chart's table: a column per commune, a row per year.
        stacked_table = tab.page.locator("div[role=region] table").first
        assert stacked_table.locator("thead th").count() == 4
        assert stacked_table.locator("tbody tr").count() == 3
        if javascript:
            found[f"dashboard ({lang})"] = tab.axe()
            tab.screenshot(f"dashboard-charts-{lang}")
            tab.screenshot(f"dashboard-stacked-{lang}", "figure.dashboard-chart >> nth=1")
    links = tab.page.locator(".block-exports a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) == 6  # CSV, SVG and PNG of each chart
    for href in hrefs:
        response = tab.page.request.get(tab.base_url + href)
        assert response.ok, href
        kind = {"csv": "text/csv", "svg": "image/svg+xml", "png": "image/png"}[
            href.rsplit(".", 1)[1]
        ]
        assert response.headers["content-type"].startswith(kind)
        assert "attachment" in response.headers["content-disposition"]
    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_publication_decision_and_delete_pages(open_tab, chart_board, data_officer, lang):
    from territoire.indicators import services
    from territoire.indicators.models import Dashboard

    services.indicator_unpublish(actor=data_officer, indicator=chart_board.tiles.first().indicator)
    services.dashboard_update(actor=data_officer, dashboard=chart_board, access_level="internal")
    found = {}
    tab = open_tab(lang)
    tab.login(data_officer)
    tab.goto(f"/espace/tableaux-de-bord/{chart_board.slug}/")
    assert tab.page.locator("select option[value=stacked]").count() >= 1  # the composer's forms
    found["composer"] = tab.axe()
    tab.page.locator(f"a[href='/espace/tableaux-de-bord/{chart_board.slug}/publication/']").click()
    assert tab.page.locator("main li", has_text="Équipements sportifs").count() == 1
    tab.submit()  # without a reason: refused, said on the field
    assert tab.page.locator("#id_reason[aria-invalid=true]").count() == 1
    found["publication refused"] = tab.axe()
    tab.screenshot(f"dashboard-publication-{lang}")
    tab.page.locator("#id_reason").fill("Agrégats d'une source publique.")
    tab.submit()
    chart_board.refresh_from_db()
    assert chart_board.access_level == "public" and chart_board.published_by == data_officer
    tab.goto(f"/espace/tableaux-de-bord/{chart_board.slug}/suppression/")
    found["delete"] = tab.axe()
    tab.screenshot(f"dashboard-delete-{lang}")
    tab.submit()
    assert not Dashboard.objects.filter(pk=chart_board.pk).exists()
    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)
