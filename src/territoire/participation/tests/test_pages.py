"""The portal's participation pages through HTTP: reading, signing up, contributing; refused
input comes back with what was typed, a message, and nothing written."""

import re

import pytest
from django.core import mail
from django.test import Client

from territoire.core.errors import ValidationFailed
from territoire.participation import services
from territoire.participation.models import Comment, Participant, Proposal, Question, Response
from territoire.participation.services.guard import TooManyWrites, form_token

from .conftest import answers_for


def _token(html: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', html).group(1)


def test_public_pages_read_without_an_account(client, project, consultation, participant):
    services.proposal_create(actor=participant, title="Un DAE au stade", text="Près du stade",
                             category="sante", project=project)  # fmt: skip
    for url in [
        "/participer/",
        f"/projets/{project.slug}/",
        f"/consultations/{consultation.slug}/",
        "/propositions/",
        "/participer/confidentialite/",
        "/participer/inscription/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"/projets/{project.slug}/").content.decode()
    assert "<strong>Carte</strong>" in page  # Markdown rendered
    assert "Fiche de transparence" in page and "Un DAE au stade" in page


def test_unpublished_projects_are_not_found_for_the_public(client, project, agent):
    services.project_update(actor=agent, project=project, is_published=False)
    assert client.get(f"/projets/{project.slug}/").status_code == 404
    client.force_login(agent)
    assert client.get(f"/projets/{project.slug}/").status_code == 200


def test_signup_then_confirm_through_the_pages(db, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/participer/inscription/", {
            "email": "nour@example.fr", "pseudonym": "Nour", "password": "un long mot de passe",
            "website": ""})  # fmt: skip
    assert response.status_code == 302
    link = re.search(r"http://[^\s]+/participer/confirmation/[^\s]+", mail.outbox[0].body).group(0)
    response = client.get(link.split("8000", 1)[1])
    assert response.status_code == 302
    assert Participant.objects.get(pseudonym="Nour").is_confirmed


def test_signup_refused_keeps_what_was_typed(db, client):
    response = client.post("/participer/inscription/", {
        "email": "nour@example.fr", "pseudonym": "<i>Nour</i>", "password": "un long mot de passe",
        "website": ""})  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert "contient du code HTML" in page and "nour@example.fr" in page
    assert "&lt;i&gt;Nour&lt;/i&gt;" in page and "<i>Nour</i>" not in page
    assert not Participant.objects.exists()


def test_propose_with_html_is_refused_text_kept_then_accepted(client, participant, project):
    client.force_login(participant)
    page = client.get("/propositions/nouvelle/").content.decode()
    data = {"form_token": _token(page), "title": "Un DAE", "category": "sante",
            "text": "Bonjour <script>alert(1)</script>", "project": project.pk, "website": ""}  # fmt: skip
    response = client.post("/propositions/nouvelle/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "contient du code HTML" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not Proposal.objects.exists()
    data.update(form_token=_token(page), text="Près des vestiaires.")
    response = client.post("/propositions/nouvelle/", data)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    replay = client.post("/propositions/nouvelle/", data)  # the same form sent again
    assert replay.status_code == 400 and "déjà été envoyé" in replay.content.decode()
    assert Proposal.objects.count() == 1
    assert client.post(f"/propositions/{proposal.pk}/soutien/").status_code == 302
    client.post(f"/propositions/{proposal.pk}/soutien/")
    proposal.refresh_from_db()
    assert proposal.support_count == 1


def test_comment_reply_and_question_through_the_pages(client, participant, project):
    proposal = services.proposal_create(actor=participant, title="Un DAE", text="Ici.",
                                        category="sante", project=project)  # fmt: skip
    client.force_login(participant)
    page = client.get(f"/propositions/{proposal.pk}/").content.decode()
    client.post(f"/propositions/{proposal.pk}/commentaires/",
                {"form_token": _token(page), "text": "Premier", "website": ""})  # fmt: skip
    first = Comment.objects.get()
    page = client.get(f"/propositions/{proposal.pk}/?reponse={first.pk}").content.decode()
    client.post(f"/propositions/{proposal.pk}/commentaires/",
                {"form_token": _token(page), "text": "Réponse", "parent": first.pk, "website": ""})  # fmt: skip
    assert Comment.objects.get(text="Réponse").parent == first
    page = client.get(f"/projets/{project.slug}/").content.decode()
    client.post(f"/projets/{project.slug}/questions/",
                {"form_token": _token(page), "text": "Qui entretient ?", "website": "x"})  # fmt: skip
    assert not Question.objects.exists()  # the honeypot


def test_answer_a_consultation_once(client, participant, consultation):
    client.force_login(participant)
    page = client.get(f"/consultations/{consultation.slug}/").content.decode()
    qs = list(consultation.questions.all())
    data = {"form_token": _token(page), "website": "", f"q{qs[0].pk}": "Écoles",
            f"q{qs[1].pk}": ["Jour"], f"q{qs[2].pk}_0": "2", f"q{qs[2].pk}_1": "1",
            f"q{qs[2].pk}_2": "3", f"q{qs[3].pk}": "9", f"q{qs[4].pk}": "Merci"}  # fmt: skip
    response = client.post(f"/consultations/{consultation.slug}/", data)
    assert response.status_code == 400 and "de 1 à 5" in response.content.decode()
    assert 'value="Merci"' not in response.content.decode()  # a textarea keeps it as content
    assert ">Merci</textarea>" in response.content.decode()
    data.update({"form_token": _token(response.content.decode()), f"q{qs[3].pk}": "4"})
    assert client.post(f"/consultations/{consultation.slug}/", data).status_code == 302
    answers = {a.question.label: a.value for a in Response.objects.get().answers.all()}
    assert answers["Classez"] == ["B", "A", "C"]
    data["form_token"] = form_token(participant)
    response = client.post(f"/consultations/{consultation.slug}/", data)
    assert response.status_code == 400 and "déjà répondu" in response.content.decode()
    assert Response.objects.count() == 1


@pytest.mark.parametrize("url", ["/participer/mon-espace/", "/propositions/nouvelle/"])
def test_contributing_pages_ask_to_sign_in(db, client, url):
    assert client.get(url).status_code == 302


def test_export_and_delete_from_the_participant_space(client, participant, consultation):
    services.response_submit(actor=participant, consultation=consultation,
                             answers=answers_for(consultation))  # fmt: skip
    client.force_login(participant)
    export = client.get("/participer/mon-espace/mes-donnees.json")
    assert export.json()["consultation_responses"][0]["consultation"] == consultation.slug
    response = client.post("/participer/mon-espace/suppression/", {"password": "faux"})
    assert response.status_code == 400 and Participant.objects.exists()
    client.post("/participer/mon-espace/suppression/", {"password": "un mot de passe solide 42"})
    assert not Participant.objects.exists()
    assert Response.objects.get().participant is None


def test_a_forged_form_without_csrf_is_refused(participant, project):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(participant)
    token = form_token(participant)
    response = browser.post("/propositions/nouvelle/", {
        "form_token": token, "title": "Forgé", "text": "Ailleurs", "category": "sante",
        "project": project.pk})  # fmt: skip
    assert response.status_code == 403 and not Proposal.objects.exists()


def test_unsubscribe_is_one_post_without_a_form(participant):
    token = services.participants.unsubscribe_token(participant)
    response = Client(enforce_csrf_checks=True).post(f"/participer/desinscription/{token}/",
                                                     {"List-Unsubscribe": "One-Click"})  # fmt: skip
    assert response.status_code == 200
    participant.participant.refresh_from_db()
    assert participant.participant.notification_mode == "none"


def test_guessing_invitation_codes_locks(participant):
    for n in range(5):  # five tries (core.ratelimit.attempt), then the lock
        with pytest.raises(ValidationFailed):
            services.residency_verify(participant=participant.participant, invitation_code=f"X{n}")
    with pytest.raises(TooManyWrites):
        services.residency_verify(participant=participant.participant, invitation_code="X9")


def test_located_proposals_are_on_the_map(client, montpellier, participant, project):
    services.proposal_create(actor=participant, title="Place de la Comédie", text="Ici.",
                             category="sante", project=project, latitude=43.6085, longitude=3.88)  # fmt: skip
    page = client.get("/propositions/").content.decode()
    assert "<circle" in page and "<title>Place de la Comédie</title>" in page
    assert "<circle" not in client.get("/propositions/?categorie=mobilite").content.decode()


def test_reporting_a_draft_projects_question_is_not_found(
    client, make_participant, participant, project, agent
):
    question = services.question_ask(actor=participant, project=project, text="Question discrète ?")
    services.project_update(actor=agent, project=project, is_published=False)
    client.force_login(make_participant("Curieux"))
    response = client.get(f"/participer/signaler/question/{question.pk}/")
    assert response.status_code == 404 and "discrète" not in response.content.decode()


def test_an_existing_account_makes_its_profile_then_confirms(
    client, citizen, django_capture_on_commit_callbacks
):
    client.force_login(citizen)
    page = client.get("/participer/mon-espace/").content.decode()
    assert "Mon profil de participant" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/participer/mon-espace/", {"pseudonym": "Léa", "website": ""})
    assert response.status_code == 302
    assert Participant.objects.get(user=citizen).pseudonym == "Léa"
    assert mail.outbox[0].to == [citizen.email]
    assert "à confirmer" in client.get("/participer/mon-espace/").content.decode()
