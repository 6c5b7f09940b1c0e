"""The staff workspace in a real browser: the relay's journey (create a dataset with typed
keywords, fix a wrong field, document its columns, submit it) and the data officer's (queues,
inventory, send back, publish, audit log), axe-core clean in French and English; the forms
work without JavaScript. Screenshots in test-artifacts/screenshots/workspace-*.png."""

from __future__ import annotations

import pytest

from .conftest import BROWSER_TEST, PASSWORD, format_violations

pytestmark = BROWSER_TEST


def _login(tab, user) -> None:
    tab.goto("/connexion/")
    tab.page.locator("#id_username").fill(user.username)
    tab.page.locator("#id_password").fill(PASSWORD)
    tab.submit()


@pytest.fixture
def workspace_world(portal, home, steward, service, data_officer):
    from territoire.catalog import services as catalog_services

    catalog_services.publication_review_rule_set(actor=data_officer, review_required=True)
    return portal


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_relay_and_data_officer_journeys(
    open_tab, workspace_world, steward, data_officer, budget_csv, lang
):
    from territoire.catalog.models import Dataset
    from territoire.lake import services as lake_services

    found: dict[str, list] = {}
    tab = open_tab(lang)
    _login(tab, steward)
    tab.goto("/espace/")
    found["workspace home"] = tab.axe()
    tab.page.locator("a[href='/espace/jeux-de-donnees/nouveau/']").first.click()
    tab.page.wait_for_url("**/nouveau/")
    page = tab.page
    page.locator("#id_title").fill("Budget primitif 2014 de la Ville")
    page.locator("#id_keywords").fill("budget, finances, vote")
    page.locator("input[name=themes][value=ECON]").check()
    page.locator("#id_contact_email").fill("pas-un-courriel")
    page.locator("#id_frequency").select_option("ANNUAL")
    page.locator("input[name=access_level][value=public]").check()
    tab.submit("main form.form button[type=submit]")
    assert page.locator("#erreurs").count() == 1
    assert page.locator("#id_contact_email").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_keywords").input_value() == "budget, finances, vote"
    found["new dataset, with an error"] = tab.axe()
    tab.screenshot(f"workspace-{lang}-new-dataset-error")
    page.locator("#id_contact_email").fill("finances@example.fr")
    tab.submit("main form.form button[type=submit]")
    dataset = Dataset.objects.get(title="Budget primitif 2014 de la Ville")
    assert dataset.keywords == ["budget", "finances", "vote"]
    assert page.url.endswith(f"/espace/jeux-de-donnees/{dataset.slug}/#depot")
    found["upload page"] = tab.axe()

    # What the worker does with the uploaded file.
    lake_services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    tab.goto(f"/espace/jeux-de-donnees/{dataset.slug}/colonnes/")
    found["columns"] = tab.axe()
    row = page.locator("fieldset.column-doc", has=page.locator("code", has_text="bp")).first
    row.locator("input[name$=_label]").fill("Montant voté")
    row.locator("input[name$=_unit]").fill("€")
    tab.submit("main form.form button[type=submit]")
    tab.screenshot(f"workspace-{lang}-columns")
    tab.goto(f"/espace/jeux-de-donnees/{dataset.slug}/fiche/")
    found["dataset form"] = tab.axe()
    assert page.locator("button[value=publish]").count() == 0  # review required
    tab.submit("button[value=submit]")
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "submitted"
    tab.screenshot(f"workspace-{lang}-submitted")

    officer = open_tab(lang)
    _login(officer, data_officer)
    officer.goto("/espace/administration/")
    assert officer.page.locator("#soumis + ul a", has_text="Budget primitif 2014").count() == 1
    found["officer dashboard"] = officer.axe()
    officer.screenshot(f"workspace-{lang}-officer-dashboard")
    officer.goto("/espace/administration/jeux-de-donnees/")
    found["inventory"] = officer.axe()
    officer.screenshot(f"workspace-{lang}-inventory")
    officer.goto(f"/espace/jeux-de-donnees/{dataset.slug}/fiche/")
    officer.page.locator("textarea[name=comment]").fill("Précisez la période couverte.")
    officer.submit("button[value=send_back]")
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "sent_back"
    tab.goto(f"/espace/jeux-de-donnees/{dataset.slug}/fiche/")
    assert "Précisez la période couverte." in page.content()
    tab.submit("button[value=submit]")
    officer.goto(f"/espace/jeux-de-donnees/{dataset.slug}/fiche/")
    officer.submit("button[value=publish]")
    assert Dataset.objects.get(pk=dataset.pk).is_published
    officer.goto("/espace/administration/journal/?what=Budget+primitif+2014")
    text = officer.page.content()
    assert "publication_state" not in text
    found["audit log"] = officer.axe()
    officer.screenshot(f"workspace-{lang}-audit")
    officer.goto("/espace/administration/journal/?since=2026-12-31&until=2026-01-01", status=400)
    found["audit log, bad period"] = officer.axe()
    tab.goto(f"/jeux-de-donnees/{dataset.slug}/")
    assert "Montant voté" in page.content()

    violations = {name: v for name, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)


def test_forms_work_without_javascript(open_tab, workspace_world, steward):
    from territoire.catalog.models import Dataset

    tab = open_tab("fr", javascript=False)
    _login(tab, steward)
    tab.goto("/espace/jeux-de-donnees/nouveau/")
    tab.page.locator("#id_title").fill("Arceaux vélo")
    tab.page.locator("#id_keywords").fill("vélo ; stationnement")
    tab.submit("main form.form button[type=submit]")
    dataset = Dataset.objects.get(title="Arceaux vélo")
    assert dataset.keywords == ["vélo", "stationnement"]
    tab.goto(f"/espace/jeux-de-donnees/{dataset.slug}/fiche/")
    tab.submit("button[value=submit]")
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "submitted"
