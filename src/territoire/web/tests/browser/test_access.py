"""Access requests in a real browser: a reuser finds a non-public dataset in the inventory,
asks for it (an error first, then sent), follows it in « mes demandes »; the steward grants it
for a scope from the workspace's queue and records a data-sharing agreement. axe-core finds
nothing, in French and in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from .conftest import BROWSER_TEST, format_violations

pytestmark = BROWSER_TEST

CSV = (
    "commune;date_releve;volume_m3;matricule\n"
    "Grabels;15/01/2024;12,5;C-001\n"
    "Lattes;20/02/2024;8,25;C-003\n"
)


@pytest.fixture
def access_world(portal, home, steward, reuser, data_officer, tmp_path):
    from territoire.lake import services as lake_services
    from territoire.organizations.models import Organization

    path = tmp_path / "releves.csv"
    path.write_bytes(CSV.encode("latin-1"))
    report = lake_services.dataset_ingest(
        actor=data_officer, dataset=portal.internal, source=path, original_name=path.name
    )
    assert report.status == "created"
    Organization.objects.create(name="Délégataire de l'eau", slug="delegataire-eau")
    return portal


@pytest.mark.postgres_browser  # a journey of its issue's « done when »: PostgreSQL too
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_request_and_grant_journey(open_tab, access_world, reuser, steward, service, lang):
    from territoire.trust.models import AccessGrant, Agreement

    found: dict[str, list] = {}
    tab = open_tab(lang)
    tab.login(reuser)
    tab.goto("/donnees-non-ouvertes/")
    found["inventory"] = tab.axe()
    tab.page.locator(
        f"a[href='/jeux-de-donnees/{access_world.internal.slug}/demande-d-acces/']"
    ).click()
    tab.page.locator("#id_purpose").fill("trop court")
    tab.submit("main form.form button[type=submit]")
    assert tab.page.locator("#id_purpose").get_attribute("aria-invalid") == "true"
    found["request form, with an error"] = tab.axe()
    tab.page.locator("#id_purpose").fill("Étude des consommations d'eau des communes du sud")
    tab.submit("main form.form button[type=submit]")
    assert tab.page.url.endswith("/mes-demandes-d-acces/")
    found["my requests"] = tab.axe()
    tab.screenshot(f"access-{lang}-my-requests")

    staff = open_tab(lang)
    staff.login(steward)
    staff.goto("/espace/acces/")
    found["access queue"] = staff.axe()
    staff.page.locator("a[href^='/espace/acces/demandes/']").first.click()
    found["decide"] = staff.axe()
    page = staff.page
    page.locator("#id_expires_on").fill("2000-01-01")
    page.locator("input[name=columns][value=commune]").check()
    page.locator("input[name=columns][value=volume_m3]").check()
    staff.submit("main form.form:first-of-type button[type=submit]")
    assert page.locator("#erreurs").count() == 1
    found["decide, with an error"] = staff.axe()
    expires = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    page.locator("#id_expires_on").fill(expires)
    page.locator("#id_row_filters").fill("commune ; = ; Lattes")
    staff.submit("main form.form:first-of-type button[type=submit]")
    grant = AccessGrant.objects.get()
    assert grant.columns == ["commune", "volume_m3"] and grant.row_filters
    found["access queue with a grant"] = staff.axe()
    staff.screenshot(f"access-{lang}-queue")

    staff.goto("/espace/conventions/nouvelle/")
    found["new agreement"] = staff.axe()
    page.locator("#id_title").fill("Convention eau potable")
    page.locator("#id_reference").fill("conv-eau")
    page.locator("#id_partner").select_option(label="Délégataire de l'eau")
    page.locator("#id_service").select_option(str(service.pk))
    page.locator("#id_purpose").fill("Suivi de la délégation de service public")
    page.locator("#id_starts_on").fill(timezone.localdate().isoformat())
    page.locator("#id_ends_on").fill(expires)
    staff.submit("main form.form button[type=submit]")
    assert Agreement.objects.filter(reference="conv-eau").exists()
    found["agreement"] = staff.axe()
    staff.goto("/espace/conventions/")
    found["agreements"] = staff.axe()

    tab.goto("/mes-demandes-d-acces/")
    assert tab.page.locator("table a").count() == 1  # the granted dataset, now readable
    tab.goto(f"/jeux-de-donnees/{access_world.internal.slug}/")
    assert "Grabels" not in tab.page.content()
    found["dataset read under a scoped grant"] = tab.axe()
    violations = {name: v for name, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)
