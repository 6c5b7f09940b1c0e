"""A citizen's journey through participation in a real browser: discover a project, read its
transparency sheet, answer a consultation, propose, support, comment. axe-core finds nothing on
the pages (French and English), which also read without JavaScript."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from .conftest import BROWSER_TEST, format_violations

pytestmark = BROWSER_TEST


@pytest.fixture
def participation(portal, service, agent, citizen):
    from territoire.accounts.models import User
    from territoire.participation import services
    from territoire.participation.models import Participant

    project = services.project_create(
        actor=agent, service=service, title="Réseau de défibrillateurs", territory=portal.commune,
        summary="Où installer les prochains défibrillateurs.", is_published=True,
        presentation="Chaque minute compte : **10 %** de chances de survie en moins.",
        purpose="Réduire le délai d'accès à un défibrillateur.",
        benefits="Plus de survies.", risks="Appareils en panne : contrôle mensuel.",
        decision_maker="Le conseil municipal.", contact="sante@example.fr",
    )  # fmt: skip
    services.project_set_links(actor=agent, project=project, datasets=[portal.defibrillators])
    now = timezone.now()
    consultation = services.consultation_create(
        actor=agent, project=project, title="Lieux prioritaires", slug="lieux-prioritaires",
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=5),
        questions=[
            {"kind": "single", "label": "Le lieu le plus prioritaire", "choices": ["Écoles", "Stades"]},
            {"kind": "multiple", "label": "Quand ?", "choices": ["Jour", "Nuit"]},
            {"kind": "ranking", "label": "Classez", "choices": ["Gares", "Marchés"]},
            {"kind": "scale", "label": "Utilité", "scale_min": 1, "scale_max": 5},
            {"kind": "text", "label": "Un lieu précis ?", "is_required": False},
        ],
    )  # fmt: skip
    Participant.objects.create(user=citizen, pseudonym="Léa", email_confirmed_at=now)
    other = User.objects.create(username="voisin", role="citizen", email="voisin@example.fr")
    Participant.objects.create(user=other, pseudonym="Voisin", email_confirmed_at=now)
    theirs = services.proposal_create(actor=other, title="Un DAE au marché", text="Le samedi.",
                                      category="sante", project=project,
                                      latitude=43.6085, longitude=3.8800)  # fmt: skip
    closed = services.consultation_create(
        actor=agent, project=project, title="Bilan", slug="bilan",
        opens_at=now - datetime.timedelta(days=3), closes_at=now + datetime.timedelta(days=1),
        questions=[{"kind": "single", "label": "Utile ?", "choices": ["Oui", "Non"]},
                   {"kind": "ranking", "label": "Ordre", "choices": ["A", "B"]}],
    )  # fmt: skip
    q1, q2 = closed.questions.all()
    services.response_submit(
        actor=other, consultation=closed, answers={q1.pk: "Oui", q2.pk: ["B", "A"]}
    )
    closed.closes_at = now - datetime.timedelta(minutes=1)
    closed.save()
    services.results_publish(actor=portal.data_officer, consultation=closed)
    return project, consultation, theirs


@pytest.mark.postgres_browser  # a journey of its issue's « done when »: PostgreSQL too
def test_citizen_journey(open_tab, participation, citizen):
    project, consultation, theirs = participation
    tab = open_tab("fr")
    tab.login(citizen.username)
    tab.goto("/")
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name="Participer", exact=True).first.click()
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name=project.title).click()
    assert tab.page.locator("#fiche").is_visible()
    assert "Réduire le délai" in tab.page.locator("dl.register-entry").inner_text()
    tab.screenshot("participation-project-fr")
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name="Lieux prioritaires").click()
    page = tab.page
    page.get_by_label("Stades").check()
    page.get_by_label("Nuit").check()
    page.get_by_label("Gares").select_option("2")
    page.get_by_label("Marchés").select_option("1")
    page.get_by_label("4", exact=True).check()
    page.get_by_label("Un lieu précis ?").fill("Le stade Philippidès")
    tab.screenshot("participation-consultation-fr")
    tab.submit()
    assert "votre réponse est enregistrée" in page.locator(".messages").inner_text()
    tab.goto(f"/propositions/nouvelle/?projet={project.slug}")
    page.get_by_label("Titre").fill("Des DAE accessibles la nuit")
    page.get_by_label("Votre proposition").fill("Dans des boîtiers extérieurs.")
    page.get_by_label("Catégorie").select_option("sante")
    tab.submit()
    assert page.locator("h1").inner_text() == "Des DAE accessibles la nuit"
    tab.goto(f"/propositions/{theirs.pk}/")
    tab.submit("form[action$='/soutien/'] button")
    assert "Merci pour votre soutien" in page.locator(".messages").inner_text()
    page.get_by_label("Votre commentaire").fill("Bonne idée, le samedi matin surtout.")
    tab.submit("form[action$='/commentaires/'] button[type=submit]")
    assert "Bonne idée" in page.locator("section[aria-labelledby=commentaires]").inner_text()
    assert "1 soutien" in page.locator("section[aria-labelledby=soutiens]").inner_text()
    tab.screenshot("participation-proposal-fr")
    assert not tab.csp_violations(), tab.console_errors


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_participation_pages_have_no_axe_violations(open_tab, participation, citizen, lang):
    project, consultation, theirs = participation
    public = ["/participer/", f"/projets/{project.slug}/", f"/consultations/{consultation.slug}/",
              "/consultations/bilan/",
              "/propositions/", f"/propositions/{theirs.pk}/", "/participer/inscription/",
              "/participer/confidentialite/"]  # fmt: skip
    reader = open_tab(lang, javascript=False)
    for path in public:
        reader.goto(path)
        assert reader.page.locator("main h1").count() == 1, path
    tab = open_tab(lang)
    found = {}
    for path in public:
        tab.goto(path)
        found[path] = tab.axe()
    tab.login(citizen.username)
    for path in [f"/consultations/{consultation.slug}/", f"/projets/{project.slug}/",
                 "/propositions/nouvelle/", f"/propositions/{theirs.pk}/",
                 "/participer/mon-espace/", f"/participer/signaler/proposal/{theirs.pk}/"]:  # fmt: skip
        tab.goto(path)
        found[f"{path} (signed in)"] = tab.axe()
    tab.goto("/propositions/nouvelle/")
    tab.submit()  # empty: errors shown
    found["/propositions/nouvelle/ (errors)"] = tab.axe()
    tab.screenshot(f"participation-proposal-errors-{lang}")
    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)


def test_staff_workspace_has_no_axe_violations(open_tab, participation, agent, data_officer):
    tab = open_tab("fr")
    tab.login(data_officer.username)
    found = {}
    for path in ["/espace/participation/", "/espace/participation/projets/nouveau/",
                 f"/espace/participation/projets/{participation[0].slug}/",
                 f"/espace/participation/projets/{participation[0].slug}/consultations/nouvelle/"]:  # fmt: skip
        tab.goto(path)
        found[path] = tab.axe()
    tab.screenshot("participation-workspace-fr")
    violations = {page: v for page, v in found.items() if v}
    assert not violations, "axe-core violations:" + format_violations(violations)
