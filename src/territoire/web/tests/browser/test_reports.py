"""Reports in a real browser: a citizen files a report with a photo by clicking the map, the
service's steward moves it to « résolu » with a message, the citizen sees it. axe-core finds
nothing on any page, in French and English. Screenshots in test-artifacts/screenshots/reports-*."""

from __future__ import annotations

import pytest

from territoire.reports.tests.conftest import jpeg_with_gps

from .conftest import BROWSER_TEST, format_violations

pytestmark = BROWSER_TEST


@pytest.fixture
def categories(portal, service, other_service, data_officer):
    from territoire.reports.services import category_save

    category_save(actor=data_officer, code="voirie", name="Voirie", service=service)
    category_save(actor=data_officer, code="proprete", name="Propreté", service=other_service)


@pytest.mark.postgres_browser  # a journey of its issue's « done when »: PostgreSQL too
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_file_a_report_then_follow_it_to_resolved(
    open_tab, categories, citizen, steward, tmp_path, settings, lang
):
    from territoire.reports.models import Report

    settings.MEDIA_ROOT = tmp_path / "uploads"
    found: dict[str, list] = {}
    tab = open_tab(lang)
    page = tab.page
    tab.login(citizen)
    tab.goto("/signalements/nouveau/")
    page.locator("#id_description").fill("Trop court")
    tab.submit("main form.report-form button[type=submit]")
    assert page.locator("#erreurs").count() == 1
    assert page.locator("#id_description").input_value() == "Trop court"
    found["new report, with errors"] = tab.axe()
    tab.screenshot(f"reports-{lang}-new-errors")

    page.locator("#id_category").select_option("voirie")
    page.locator("#id_description").fill("Nid-de-poule profond devant la médiathèque")
    page.locator("#id_address").fill("Place de la Comédie")
    montpellier = page.locator(".point-picker path", has=page.locator("title", has_text="Montpellier")).first  # fmt: skip
    box = montpellier.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    latitude = float(page.locator("#id_latitude").input_value())
    longitude = float(page.locator("#id_longitude").input_value())
    assert 43.5 < latitude < 43.7 and 3.7 < longitude < 4.0
    # the commune of the point, from the reverse lookup, is told (and read out: aria-live)
    told = page.locator(".report-place[aria-live=polite]")
    told.filter(has_text="Montpellier").wait_for()
    photo = tmp_path / "IMG_0042.jpg"
    photo.write_bytes(jpeg_with_gps(1200, 900))
    page.locator("#id_photo").set_input_files(str(photo))
    found["new report, filled"] = tab.axe()
    tab.screenshot(f"reports-{lang}-new-filled")
    tab.submit("main form.report-form button[type=submit]")
    report = Report.objects.get()
    assert page.url.endswith(f"/signalements/{report.pk}/")
    # Classes rather than words: the English catalogue is regenerated when the branch lands.
    assert page.locator(".timeline .status-nouveau").count() == 1
    assert page.locator(f"form[action='/signalements/{report.pk}/suivre/'] button").count() == 1
    assert page.locator(".report-photo img").evaluate("img => img.naturalWidth") == 1200
    found["report page"] = tab.axe()
    tab.screenshot(f"reports-{lang}-report-new")

    staff = open_tab(lang)
    staff.login(steward)
    staff.goto("/espace/signalements/")
    found["service queue"] = staff.axe()
    staff.screenshot(f"reports-{lang}-queue")
    with staff.page.expect_navigation():
        staff.page.locator(f"a[href='/espace/signalements/{report.pk}/']").click()
    staff.page.locator("#id_status").select_option("resolu")
    staff.page.locator("#id_message").fill("Le trou a été rebouché ce matin.")
    found["handling page"] = staff.axe()
    staff.screenshot(f"reports-{lang}-handle")
    staff.submit("main form.form button[type=submit]")
    assert Report.objects.get().status == "resolu"

    tab.goto(f"/signalements/{report.pk}/")
    assert page.locator("dl.facts .status-resolu").count() == 1
    assert page.get_by_text("Le trou a été rebouché ce matin.").count() == 1
    found["report page, resolved"] = tab.axe()
    tab.screenshot(f"reports-{lang}-report-resolved")
    tab.goto("/signalements/")
    assert page.locator("#carte svg circle").count() == 1
    found["map and list"] = tab.axe()
    tab.screenshot(f"reports-{lang}-list")
    tab.goto("/signalements/?statut=nouveau")
    assert page.locator("#liste table").count() == 0

    assert not any(found.values()), format_violations(found)
    assert not tab.csp_violations() and not staff.csp_violations()
    # The refused form answers 400 on purpose (Chromium logs it); nothing else may fail.
    unexpected = [e for e in tab.console_errors if "favicon" not in e and "(Bad Request)" not in e]
    assert not unexpected, tab.console_errors


def test_the_form_works_without_javascript(open_tab, categories, citizen):
    """Without JavaScript the map is an image button: a click comes back with the point placed
    and the text kept; then the report is sent. (axe-core needs JavaScript: the pages are
    checked with it in the test above; here the image button has its text alternative.)"""
    from territoire.reports.models import Report

    tab = open_tab("fr", javascript=False)
    tab.login(citizen)
    tab.goto("/signalements/nouveau/")
    page = tab.page
    assert not page.locator(".point-picker").is_visible()
    page.locator("#id_category").select_option("proprete")
    page.locator("#id_description").fill("Dépôt sauvage de gravats sur le trottoir")
    image = page.locator("input[type=image][name=carte]")
    # Drawn at its natural size (a scaled image would move the clicked pixel).
    assert image.evaluate("i => [i.clientWidth, i.clientHeight]") == [360, 270]
    image.click(position={"x": 180, "y": 135})
    page.wait_for_selector(".messages")
    assert (
        page.locator("#id_description").input_value() == "Dépôt sauvage de gravats sur le trottoir"
    )
    assert 43.4 < float(page.locator("#id_latitude").input_value()) < 43.8
    assert "Point placé à " in page.locator(".messages").inner_text()  # its commune, found
    assert image.get_attribute("alt")
    tab.screenshot("reports-fr-placed-without-js")
    tab.submit("main form.report-form button[type=submit]")
    assert Report.objects.get().category.code == "proprete"
