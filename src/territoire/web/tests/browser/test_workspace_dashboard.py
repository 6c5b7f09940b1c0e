"""The data officer's pilotage dashboard, legal duties, notifications and guide in a real
browser, French and English: axe-core finds nothing, in the site's CSP (the chart's bars are CSS
classes, no inline style). Screenshots in test-artifacts/screenshots/pilotage-*.png."""

from __future__ import annotations

import datetime

import pytest

from .conftest import BROWSER_TEST, format_violations

pytestmark = [*BROWSER_TEST, pytest.mark.postgres_browser]  # on PostgreSQL too


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pilotage_pages(open_tab, portal, home, steward, data_officer, budget_csv, lang):
    from django.utils import timezone

    from territoire.catalog import services as catalog_services
    from territoire.lake import services as lake_services
    from territoire.lake.models import DatasetVersion

    budget = catalog_services.dataset_create(
        actor=data_officer,
        title="Budget mensuel",
        publisher=steward.memberships.first().service.organization,
        publisher_service=steward.memberships.first().service,
        frequency="MONTHLY",
        steward=steward,
    )
    lake_services.dataset_ingest(actor=steward, dataset=budget, source=budget_csv)
    DatasetVersion.objects.filter(dataset=budget).update(
        created_at=timezone.now() - datetime.timedelta(days=60)
    )
    catalog_services.dataset_submit(actor=steward, dataset=budget)

    found: dict[str, list] = {}
    tab = open_tab(lang)
    tab.login(data_officer)
    tab.goto("/espace/pilotage/")
    assert tab.page.locator("#retards + ul a", has_text="Budget mensuel").count() == 1
    assert tab.page.locator("table.chart-table tbody tr").count() == 12
    found["pilotage"] = tab.axe()
    tab.screenshot(f"pilotage-{lang}-dashboard")
    tab.goto("/espace/obligations/")
    found["legal duties"] = tab.axe()
    tab.screenshot(f"pilotage-{lang}-legal")
    tab.goto("/espace/notifications/")
    assert tab.page.locator("li.notification-unread").count() == 1
    found["notifications"] = tab.axe()
    tab.goto(f"/espace/jeux-de-donnees/{budget.slug}/fiche/")
    assert tab.page.locator("#qualite").count() == 1
    found["dataset form with quality"] = tab.axe()
    tab.goto(f"/espace/jeux-de-donnees/{budget.slug}/lectures/")
    found["who read this"] = tab.axe()
    tab.goto("/espace/guide/parcours/")
    found["guide"] = tab.axe()
    tab.goto("/espace/administration/jeux-de-donnees/")
    found["inventory with quality"] = tab.axe()

    violations = {name: v for name, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)
