"""The staff workspace in a real browser, French and English, axe-core clean on every page visited.

The relay (Finances) creates a dataset (typed keywords, a wrong field fixed), uploads Montpellier's
defibrillators file through the upload form, documents its dBase-labelled columns, fixes a column
type (the file is re-ingested and the new type shows), asks for the personal-data decision the
phone numbers need and submits. The data officer finds it in the queues, takes the decision,
sends it back once, publishes it, follows the dashboard, and downloads the inventory (CSV, XLSX)
and the audit log (CSV), whose rows are read back from the downloaded files. The forms work
without JavaScript. Screenshots in test-artifacts/screenshots/workspace-*.png."""

from __future__ import annotations

import csv
import io
import re

import pytest

from .conftest import BROWSER_TEST, format_violations

pytestmark = [*BROWSER_TEST, pytest.mark.postgres_browser]  # on PostgreSQL too

TITLE = "Défibrillateurs de la Ville"


def _download(tab, selector: str, tmp_path, name: str):
    """Click a download link and keep what the browser received: (suggested name, bytes)."""
    with tab.page.expect_download() as info:
        tab.page.locator(selector).first.click()
    download = info.value
    target = tmp_path / f"{name}-{download.suggested_filename}"
    download.save_as(target)
    return download.suggested_filename, target.read_bytes()


def _column(page, column: str):
    """The columns page's fieldset of one column (its identifier, exactly)."""
    code = page.locator("legend code", has_text=re.compile(f"^{column}$"))
    return page.locator("fieldset.column-doc", has=code)


def _csv_rows(content: bytes) -> list[list[str]]:
    """The workspace's CSVs: UTF-8 with a BOM, « ; » between values."""
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


@pytest.fixture
def workspace_world(portal, home, steward, service, data_officer):
    from territoire.catalog import services as catalog_services

    catalog_services.publication_review_rule_set(actor=data_officer, review_required=True)
    return portal


def _relay_journey(tab, found: dict, lang: str, defib_csv):
    """Create, upload, document, fix a type, ask for the decision, submit. Returns the dataset."""
    from django.utils import translation

    from territoire.catalog.models import Dataset
    from territoire.lake.forms import TYPE_LABELS
    from territoire.lake.models import DatasetLake

    with translation.override(lang):
        type_labels = {key: str(label) for key, label in TYPE_LABELS.items()}
    page = tab.page
    tab.goto("/espace/")
    found["workspace home"] = tab.axe()
    # The data officer's pages refuse a relay, and an unknown dataset is not found: both are
    # pages of the site (its header, its navigation) in the page's language.
    for path, status, title in (
        ("/espace/administration/", 403, {"fr": "Accès refusé", "en": "Access denied"}),
        (
            "/espace/jeux-de-donnees/nexiste-pas/fiche/",
            404,
            {"fr": "Page introuvable", "en": "Page not found"},
        ),
    ):
        tab.goto(path, status=status)
        assert page.locator("header.site-header").count() == 1
        assert page.locator("h1").inner_text() == title[lang]
        assert page.locator("html").get_attribute("lang") == lang
        found[f"{status} page"] = tab.axe()
    tab.screenshot(f"workspace-{lang}-404")
    tab.goto("/espace/")
    page.locator("a[href='/espace/jeux-de-donnees/nouveau/']").first.click()
    page.wait_for_url("**/nouveau/")
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_keywords").fill("santé, DAE, secours")
    page.locator("input[name=themes][value=HEAL]").check()
    page.locator("#id_contact_email").fill("pas-un-courriel")
    page.locator("#id_frequency").select_option("ANNUAL")
    page.locator("input[name=access_level][value=public]").check()
    tab.submit("main form.form button[type=submit]")
    assert page.locator("#erreurs").count() == 1
    assert page.locator("#id_contact_email").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_keywords").input_value() == "santé, DAE, secours"
    found["new dataset, with an error"] = tab.axe()
    tab.screenshot(f"workspace-{lang}-new-dataset-error")
    page.locator("#id_contact_email").fill("sante@example.fr")
    tab.submit("main form.form button[type=submit]")
    dataset = Dataset.objects.get(title=TITLE)
    assert dataset.keywords == ["santé", "DAE", "secours"]
    assert page.url.endswith(f"/espace/jeux-de-donnees/{dataset.slug}/#depot")
    found["upload page"] = tab.axe()

    # The upload form: the test settings run the ingestion job at once (no worker to wait for).
    page.locator("#id_file").set_input_files(str(defib_csv))
    tab.submit("form[action$='/depot/'] button[type=submit]")
    assert "/espace/taches/" in page.url
    assert page.locator("[data-job-state]").get_attribute("class").endswith("status-succeeded")
    assert "VilleMTP_MTP_Defibrillateurs.csv" in page.locator("dl.facts").first.inner_text()
    found["job report"] = tab.axe()
    tab.screenshot(f"workspace-{lang}-job-report")
    lake = DatasetLake.objects.get(dataset=dataset)
    version = lake.current_version
    assert version.row_count == 167 and version.number == 1
    assert {f["column"] for f in version.personal_data} >= {"tel"}

    tab.goto(f"/espace/jeux-de-donnees/{dataset.slug}/colonnes/")
    found["columns"] = tab.axe()
    row = _column(page, "id")
    assert f"({type_labels['integer']})" in row.locator("legend").inner_text()
    row = _column(page, "nom")
    row.locator("input[name$=_label]").fill("Lieu d'implantation")
    row.locator("textarea[name$=_description], input[name$=_description]").first.fill(
        "Établissement ou espace public où se trouve l'appareil."
    )
    row = _column(page, "coord_x")
    row.locator("input[name$=_label]").fill("Longitude")
    row.locator("input[name$=_unit]").fill("°")
    tab.submit("main form.form button[type=submit]")
    tab.screenshot(f"workspace-{lang}-columns")

    # Fix a type: the identifiers were read as integers; the relay wants them as text.
    tab.goto(f"/espace/jeux-de-donnees/{dataset.slug}/#types")
    assert page.locator("#id_type__id").input_value() == ""
    # the file's dBase header « Id,N,9,0 » reads « Id » here, as on the columns page
    assert page.locator("label[for=id_type__id]").inner_text().startswith("Id (id)")
    page.locator("#id_type__id").select_option("text")
    tab.submit("form[action$='/types/'] button[type=submit]")
    assert "/espace/taches/" in page.url
    assert page.locator("[data-job-state]").get_attribute("class").endswith("status-succeeded")
    lake.refresh_from_db()
    assert lake.type_overrides == {"id": "text"}
    assert lake.current_version.number == 2
    types = {c["id"]: c["type"] for c in lake.current_version.columns}
    assert types["id"] == "text" and types["coord_x"] == "decimal"
    tab.goto(f"/espace/jeux-de-donnees/{dataset.slug}/")
    assert page.locator("#id_type__id").input_value() == "text"
    found["dataset page after the type fix"] = tab.axe()
    tab.screenshot(f"workspace-{lang}-types-fixed")
    tab.goto(f"/espace/jeux-de-donnees/{dataset.slug}/colonnes/")
    row = _column(page, "id")
    assert f"({type_labels['text']})" in row.locator("legend").inner_text()
    row = _column(page, "nom")
    assert row.locator("input[name$=_label]").input_value() == "Lieu d'implantation"  # kept

    # The phone numbers need the data officer's decision: one click asks for it.
    tab.goto(f"/espace/jeux-de-donnees/{dataset.slug}/#donnees-personnelles")
    tab.submit("button[value=request_decision]")
    assert Dataset.objects.get(pk=dataset.pk).personal_data_review_requested_at is not None
    tab.goto(f"/espace/jeux-de-donnees/{dataset.slug}/fiche/")
    found["dataset form"] = tab.axe()
    assert page.locator("button[value=publish]").count() == 0  # review required
    tab.submit("button[value=submit]")
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "submitted"
    tab.screenshot(f"workspace-{lang}-submitted")
    return dataset


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_relay_and_data_officer_journeys(
    open_tab, workspace_world, steward, data_officer, defib_csv, tmp_path, lang
):
    from django.utils import translation
    from openpyxl import load_workbook

    from territoire.catalog.models import Dataset
    from territoire.catalog.vocabularies import PublicationState
    from territoire.trust.models import AuditAction
    from territoire.trust.selectors import personal_data_decision_latest
    from territoire.workspace import exports

    found: dict[str, list] = {}
    tab = open_tab(lang)
    tab.login(steward)
    dataset = _relay_journey(tab, found, lang, defib_csv)
    page = tab.page

    officer = open_tab(lang)
    officer.login(data_officer)
    officer.goto("/espace/administration/")
    assert officer.page.locator("#soumis + ul a", has_text=TITLE).count() == 1
    assert officer.page.locator("#decisions ~ table a", has_text=TITLE).count() == 1
    found["officer dashboard"] = officer.axe()
    officer.screenshot(f"workspace-{lang}-officer-dashboard")

    # The decision, on the dataset's page, then the review.
    officer.page.locator("#decisions ~ table a", has_text=TITLE).click()
    officer.page.wait_for_url(f"**/espace/jeux-de-donnees/{dataset.slug}/*")
    found["dataset page, decision to take"] = officer.axe()
    officer.page.locator("input[name=decision][value=publish_as_is]").check()
    officer.page.locator("textarea[name=reason], input[name=reason]").first.fill(
        "Standards d'établissements recevant du public, pas des personnes."
    )
    officer.submit("form[action$='/decision/'] button[type=submit]")
    decision = personal_data_decision_latest(dataset)
    assert decision is not None and decision.decision == "publish_as_is"
    assert decision.decided_by == data_officer
    officer.screenshot(f"workspace-{lang}-decision-taken")
    officer.goto("/espace/administration/")
    assert officer.page.locator("#decisions ~ table a", has_text=TITLE).count() == 0

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

    officer.goto("/espace/pilotage/")
    found["pilotage dashboard"] = officer.axe()
    officer.screenshot(f"workspace-{lang}-pilotage")

    # The inventory, on screen and exported: read back from the files the browser received.
    officer.goto("/espace/administration/jeux-de-donnees/")
    found["inventory"] = officer.axe()
    officer.screenshot(f"workspace-{lang}-inventory")
    with translation.override(lang):
        header = exports.inventory_header()
        published = str(PublicationState.PUBLISHED.label)
        decided = str(decision.get_decision_display())
    assert header[1] == {"fr": "titre", "en": "title"}[lang]
    name, content = _download(officer, "a[href$='format=csv']", tmp_path, "inventory")
    assert name.startswith("inventaire-") and name.endswith(".csv")
    rows = _csv_rows(content)
    assert rows[0] == header
    by_slug = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_slug) == set(Dataset.objects.values_list("slug", flat=True))
    mine = by_slug[dataset.slug]
    assert mine[header[1]] == TITLE and mine[header[4]] == "steward"
    assert mine[header[6]] == published and mine[header[12]] == decided
    assert mine[header[11]] == "Tel" and mine[header[13]] == "2"
    assert mine[header[14]] == "santé, DAE, secours"
    name, content = _download(officer, "a[href$='format=xlsx']", tmp_path, "inventory")
    assert name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    cells = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == header and len(cells) == len(rows)
    xlsx_mine = next(dict(zip(header, r, strict=True)) for r in cells if r[0] == dataset.slug)
    assert xlsx_mine[header[1]] == TITLE and xlsx_mine[header[6]] == published
    assert xlsx_mine[header[13]] == 2  # a number in the spreadsheet, not text

    # The audit log in words, and its CSV export of the same search.
    officer.goto(f"/espace/administration/journal/?what={TITLE.replace(' ', '+')}")
    text = officer.page.content()
    assert "publication_state" not in text
    found["audit log"] = officer.axe()
    officer.screenshot(f"workspace-{lang}-audit")
    name, content = _download(officer, "a[href$='format=csv']", tmp_path, "audit")
    assert name.startswith("journal-audit-") and name.endswith(".csv")
    rows = _csv_rows(content)
    assert len(rows[0]) == 9 and rows[0][1] == {"fr": "auteur", "en": "author"}[lang]
    with translation.override(lang):
        labels = {a: str(AuditAction(a).label) for a in AuditAction.values}
        expected = {
            (labels[action], who)
            for action, who in (
                ("create", "steward"),
                ("decision_request", "steward"),
                ("submit", "steward"),
                ("decision", "officer"),
                ("send_back", "officer"),
                ("publish", "officer"),
            )
        }
    assert expected <= {(r[2], r[1]) for r in rows[1:]}
    assert all(TITLE in r[5] or TITLE in r[6] for r in rows[1:])
    decision_row = next(r for r in rows[1:] if r[2] == labels["decision"])
    assert "Standards d'établissements recevant du public" in decision_row[6] + decision_row[7]
    officer.goto("/espace/administration/journal/?since=2026-12-31&until=2026-01-01", status=400)
    found["audit log, bad period"] = officer.axe()

    tab.goto(f"/jeux-de-donnees/{dataset.slug}/")
    assert "Lieu d'implantation" in page.content()

    violations = {name: v for name, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)


def test_forms_work_without_javascript(open_tab, workspace_world, steward):
    from territoire.catalog.models import Dataset

    tab = open_tab("fr", javascript=False)
    tab.login(steward)
    tab.goto("/espace/jeux-de-donnees/nouveau/")
    tab.page.locator("#id_title").fill("Arceaux vélo")
    tab.page.locator("#id_keywords").fill("vélo ; stationnement")
    tab.submit("main form.form button[type=submit]")
    dataset = Dataset.objects.get(title="Arceaux vélo")
    assert dataset.keywords == ["vélo", "stationnement"]
    tab.goto(f"/espace/jeux-de-donnees/{dataset.slug}/fiche/")
    tab.submit("button[value=submit]")
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "submitted"
