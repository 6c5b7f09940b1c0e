"""« Créer une version anonymisée » in a real browser: the steward chooses the steps with their
widgets, previews a check that fails (communes kept as they are), groups the rare communes,
previews a check that passes, writes the derived version and reads its lineage. axe-core finds
nothing, in French and in English."""

from __future__ import annotations

import pytest

from .conftest import BROWSER_TEST, format_violations

pytestmark = BROWSER_TEST
pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]


@pytest.fixture
def personal(portal, home, data_officer, make_dataset):
    from territoire.demo.anonymisation import FILE
    from territoire.lake import services as lake_services

    dataset = make_dataset("Bénéficiaires des aides", slug="beneficiaires", access_level="personal")
    report = lake_services.dataset_ingest(
        actor=data_officer, dataset=dataset, source=FILE, original_name=FILE.name
    )
    assert report.status == "created"
    return dataset


@pytest.mark.postgres_browser  # a journey of its issue's « done when »: PostgreSQL too
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_anonymise_preview_write_lineage(open_tab, personal, steward, lang):
    from territoire.lake.models import DatasetVersion

    found: dict[str, list] = {}
    tab = open_tab(lang)
    tab.login(steward)
    tab.goto(f"/espace/jeux-de-donnees/{personal.slug}/anonymisation/")
    found["form"] = tab.axe()
    page = tab.page
    for column in ("nom", "prenom", "telephone", "adresse", "date_de_naissance", "code_commune"):
        page.locator(f"input[name=drop][value={column}]").check()
    page.locator("input[name=pseudonymise][value=n_dossier]").check()
    page.locator("input[name=dates_to_month][value=date_de_la_demande]").check()
    page.locator("#id_age_column").select_option("age")
    page.locator("#id_top_code_column").select_option("montant_accorde")
    for column in ("age", "sexe", "commune"):
        page.locator(f"input[name=quasi_identifiers][value={column}]").check()
    page.locator("#id_sensitive").select_option("aide")
    tab.submit("main form.form button[value=preview]")
    assert page.locator("#resultat h2").count() == 1
    assert page.locator("#resultat table").first.locator("tbody tr").count() == 5
    found["preview that fails"] = tab.axe()
    tab.screenshot(f"anonymise-{lang}-fails")
    assert page.locator("input[name=drop][value=nom]").is_checked(), "what was chosen is kept"
    page.locator("input[name=rare][value=commune]").check()
    page.locator("#id_rare_min_count").fill("150")
    tab.submit("main form.form button[value=preview]")
    found["preview that passes"] = tab.axe()
    tab.submit("main form.form button[value=write]")
    assert page.url.endswith("/espace/jeux-de-donnees/beneficiaires-anonymise/lignee/")
    found["lineage"] = tab.axe()
    tab.screenshot(f"anonymise-{lang}-lineage")
    version = DatasetVersion.objects.get(dataset__slug="beneficiaires-anonymise")
    assert version.lineage["check"]["may_open"] and version.lineage["by"]["username"] == "steward"
    # opened and published through the rule: the portal says where it comes from
    from territoire.catalog import services as catalog_services

    derived = version.dataset
    catalog_services.dataset_update(actor=steward, dataset=derived, access_level="public")
    catalog_services.dataset_publish(actor=steward, dataset=derived)
    visitor = open_tab(lang)
    visitor.goto(f"/jeux-de-donnees/{derived.slug}/")
    visitor.page.locator("dl.facts details summary").click()
    assert visitor.page.locator("dl.facts details ol li").count() == len(version.lineage["plan"])
    found["portal page of the derived dataset"] = visitor.axe()
    visitor.screenshot(f"anonymise-{lang}-portal")
    assert not any(found.values()), format_violations(found)
