"""One journey across reports and participation, in a real browser: a citizen files a report on
the map, the service's steward takes it in charge and links it, with a measured effect, to the
project; the project's page then shows the report count and the effect. axe-core finds nothing
on the pages visited. Screenshots: test-artifacts/screenshots/journey-*."""

from __future__ import annotations

import pytest

from territoire.participation.tests.effects import evaluation_on_panel

from .conftest import BROWSER_TEST, format_violations

pytestmark = BROWSER_TEST


@pytest.fixture
def setting(portal, service, agent, steward, data_officer, make_dataset, tmp_path):
    from territoire.participation import services
    from territoire.reports.services import category_save

    category_save(actor=data_officer, code="voirie", name="Voirie", service=service)
    project = services.project_create(
        actor=agent, service=service, title="Réseau de défibrillateurs", territory=portal.commune,
        summary="Où installer les prochains défibrillateurs.", is_published=True,
    )  # fmt: skip
    evaluation = evaluation_on_panel(tmp_path, make_dataset, data_officer, service)
    return project, evaluation


@pytest.mark.postgres_browser  # a journey of its issue's « done when »: PostgreSQL too
def test_a_report_reaches_the_project_page_beside_its_measured_effect(
    open_tab, setting, citizen, steward, tmp_path, settings
):
    from territoire.reports.models import Report

    project, evaluation = setting
    settings.MEDIA_ROOT = tmp_path / "uploads"
    found: dict[str, list] = {}
    tab = open_tab("fr")
    page = tab.page
    tab.login(citizen)
    tab.goto("/signalements/nouveau/")
    page.locator("#id_category").select_option("voirie")
    page.locator("#id_description").fill("Défibrillateur de la médiathèque hors service")
    montpellier = page.locator(".point-picker path",
                               has=page.locator("title", has_text="Montpellier")).first  # fmt: skip
    montpellier.scroll_into_view_if_needed()
    box = montpellier.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tab.submit("main form.report-form button[type=submit]")
    errors = page.locator("#erreurs")
    assert errors.count() == 0, page.locator(".field-error").all_inner_texts()
    report = Report.objects.get()

    staff = open_tab("fr")
    staff.login(steward)
    staff.goto(f"/espace/signalements/{report.pk}/")
    staff.page.locator("#id_status").select_option("pris_en_charge")
    staff.page.locator("#id_message").fill("Un technicien passe demain.")
    staff.submit("main form.form button[type=submit]")
    report.refresh_from_db()
    assert report.status == "pris_en_charge"
    staff.goto(f"/espace/participation/projets/{project.slug}/")
    staff.page.get_by_label(str(report)).check()
    staff.page.get_by_label(evaluation.title).check()
    found["project form"] = staff.axe()
    staff.submit("main form.form button[type=submit]")
    assert list(project.reports.all()) == [report]

    tab.goto(f"/projets/{project.slug}/")
    results = page.locator("section[aria-labelledby=resultats]")
    text = results.inner_text()
    assert "1 signalement des habitants est rattaché à ce projet" in text
    assert "pris en charge : 1" in text
    assert evaluation.title in text and "Intervalle de confiance à 95 %" in text
    assert f"{report} rattaché au projet" in page.locator("ol.timeline").inner_text()
    found["project page"] = tab.axe()
    tab.screenshot("journey-project-results-fr", "section[aria-labelledby=resultats]")
    assert not any(found.values()), format_violations(found)
    assert not tab.csp_violations() and not staff.csp_violations()
