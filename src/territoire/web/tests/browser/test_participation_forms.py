"""In a real browser: the proposal form's map picker (a click or the arrow keys fill the latitude
and longitude; without JavaScript the two number fields are the form), and the staff's
consultation edit form (locked fields said why). axe-core finds nothing, in French and English."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from .conftest import BROWSER_TEST, format_violations

pytestmark = BROWSER_TEST


@pytest.fixture
def project(portal, service, agent, citizen):
    from territoire.participation import services
    from territoire.participation.models import Participant

    Participant.objects.create(user=citizen, pseudonym="Léa", email_confirmed_at=timezone.now())
    return services.project_create(
        actor=agent, service=service, title="Réseau de défibrillateurs", territory=portal.commune,
        summary="Où installer les prochains défibrillateurs.", is_published=True,
    )  # fmt: skip


def _fill(page) -> None:
    page.get_by_label("Titre").fill("Un DAE place de la Comédie")
    page.get_by_label("Votre proposition").fill("Près de l'arrêt de tramway.")
    page.get_by_label("Catégorie").select_option("sante")


def test_a_click_or_the_arrow_keys_place_the_proposal(open_tab, project, citizen):
    from territoire.participation.models import Proposal

    tab = open_tab("fr")
    tab.login(citizen.username)
    tab.goto(f"/propositions/nouvelle/?projet={project.slug}")
    page = tab.page
    picker = page.locator("figure.point-picker svg")
    assert picker.is_visible()
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    latitude, longitude = page.locator("#id_latitude"), page.locator("#id_longitude")
    lat, lon = float(latitude.input_value()), float(longitude.input_value())
    assert 43.4 < lat < 43.8 and 3.6 < lon < 4.1, (lat, lon)  # within Montpellier Méditerranée
    assert "Point placé" in page.locator("#picker-status").inner_text()
    picker.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")
    assert float(longitude.input_value()) > lon and float(latitude.input_value()) > lat
    tab.screenshot("participation-picker-fr", "fieldset.point-picker-fieldset")
    _fill(page)
    placed = (float(latitude.input_value()), float(longitude.input_value()))
    tab.submit()
    proposal = Proposal.objects.get(title="Un DAE place de la Comédie")
    assert (proposal.latitude, proposal.longitude) == pytest.approx(placed, abs=1e-6)
    assert not tab.csp_violations() and not tab.console_errors, tab.console_errors


def test_without_javascript_the_number_fields_are_the_form(open_tab, project, citizen):
    from territoire.participation.models import Proposal

    tab = open_tab("fr", javascript=False)
    tab.login(citizen.username)
    tab.goto(f"/propositions/nouvelle/?projet={project.slug}")
    page = tab.page
    assert not page.locator("figure.point-picker").is_visible()
    _fill(page)
    page.get_by_label("Latitude (facultatif)").fill("43.6086")
    page.get_by_label("Longitude (facultatif)").fill("3.8794")
    tab.submit()
    proposal = Proposal.objects.get(title="Un DAE place de la Comédie")
    assert (proposal.latitude, proposal.longitude) == (43.6086, 3.8794)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_picker_and_edit_form_have_no_axe_violations(open_tab, project, citizen, agent,
                                                     participant_user, lang):  # fmt: skip
    from territoire.participation import services

    now = timezone.now()
    consultation = services.consultation_create(
        actor=agent, project=project, title="Lieux prioritaires", slug="lieux-prioritaires",
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=5),
        questions=[{"kind": "single", "label": "Le lieu", "choices": ["Écoles", "Stades"]}],
    )  # fmt: skip
    services.response_submit(actor=participant_user, consultation=consultation,
                             answers={consultation.questions.get().pk: "Stades"})  # fmt: skip
    found = {}
    tab = open_tab(lang)
    tab.login(citizen.username)
    tab.goto("/propositions/nouvelle/")
    tab.page.locator("figure.point-picker svg").focus()
    tab.page.keyboard.press("ArrowDown")
    found["/propositions/nouvelle/"] = tab.axe()
    staff = open_tab(lang)
    staff.login(agent.username)
    url = f"/espace/participation/consultations/{consultation.slug}/"
    staff.goto(url)
    page = staff.page
    assert page.locator("#id_questions").is_disabled()
    assert page.locator("#id_title").is_disabled()
    found[url] = staff.axe()
    staff.screenshot(f"participation-consultation-edit-{lang}")
    closes = timezone.localtime(consultation.closes_at + datetime.timedelta(days=2))
    page.locator("#id_closes_at").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_description").fill("Prolongée de deux jours.")
    staff.submit("main form.form button[type=submit]")
    consultation.refresh_from_db()
    assert consultation.description == "Prolongée de deux jours."
    assert timezone.localtime(consultation.closes_at).strftime("%Y-%m-%d %H:%M") == closes.strftime(
        "%Y-%m-%d %H:%M"
    )
    found[f"{url} (saved)"] = staff.axe()
    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)


@pytest.fixture
def participant_user(db):
    from territoire.accounts.models import User
    from territoire.participation.models import Participant

    user = User.objects.create(username="voisin", role="citizen", email="voisin@example.fr")
    Participant.objects.create(user=user, pseudonym="Voisin", email_confirmed_at=timezone.now())
    return user
