"""The indicators' pages in a real browser: axe-core finds nothing on the public page (with and
without JavaScript, French and English) nor on the workspace's builder with a refusal shown."""

from __future__ import annotations

import pytest

from .conftest import BROWSER_TEST, format_violations

pytestmark = BROWSER_TEST


@pytest.fixture
def published_indicator(reference_rows, montpellier, make_dataset, data_officer, steward, service):
    import datetime as dt

    from territoire.indicators import services
    from territoire.indicators.tests.conftest import BUDGET
    from territoire.lake import services as lake_services

    budget = make_dataset("Budget primitif 2014", slug="budget")
    lake_services.dataset_ingest(actor=data_officer, dataset=budget, source=BUDGET)
    indicator = services.indicator_create(
        actor=steward, title="Dépenses du budget primitif par habitant", publisher_service=service,
        definition={
            "dataset": "budget", "measure": {"kind": "sum", "column": "bp"},
            "filters": [{"column": "d_r", "op": "=", "value": "D"}],
            "period": {"column": "exercice", "truncate": "year"}, "territory": {"code": "34172"},
            "normalisation": {"kind": "per_inhabitant"},
        },
        unit="€", direction="lower", method="Somme des dépenses du budget primitif, divisée par la population municipale.",
        baseline_date=dt.date(2013, 12, 31), baseline_value=3000.0, access_level="public",
    )  # fmt: skip
    services.indicator_targets_set(
        actor=steward, indicator=indicator, targets=[(dt.date(2020, 12, 31), 2500.0)]
    )
    services.indicator_compute(actor=steward, indicator=indicator)
    services.indicator_publish(actor=data_officer, indicator=indicator, reason="Source publique.")
    return indicator


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_public_indicator_pages(open_tab, published_indicator, lang):
    found = {}
    for javascript in (True, False):
        tab = open_tab(lang, javascript=javascript)
        tab.goto("/indicateurs/")
        found[f"list js={javascript}"] = tab.axe() if javascript else []
        tab.goto(f"/indicateurs/{published_indicator.slug}/")
        assert tab.page.locator("main table tbody tr").count() == 1
        assert tab.page.locator(".progress-list li").count() == 1
        if javascript:
            found["detail"] = tab.axe()
            tab.screenshot(f"indicator-{lang}")
    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)


def test_builder_with_a_refusal(open_tab, published_indicator, steward):
    tab = open_tab("fr")
    tab.login(steward.username)
    tab.goto(f"/espace/indicateurs/{published_indicator.slug}/")
    found = {"builder": tab.axe()}
    tab.page.locator("#id_measure_column").fill("montant")
    tab.page.locator("button[value=preview]").click()
    assert tab.page.locator("#id_measure_column_errors").count() == 1
    found["builder, refusal"] = tab.axe()
    tab.screenshot("indicator-builder-refusal")
    tab.goto("/espace/indicateurs/")
    found["list"] = tab.axe()
    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)
