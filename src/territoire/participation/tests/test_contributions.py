"""Proposals, supports, comments, consultations and moderation, through the services: each
refusal also checks that nothing was written."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from territoire.accounts.models import Membership, User
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.participation import services
from territoire.participation.models import Comment, Proposal, Response, Support
from territoire.participation.services.guard import form_token, form_token_use
from territoire.trust.models import AuditEvent

from .conftest import answers_for


@pytest.fixture
def proposal(participant, project):
    return services.proposal_create(actor=participant, title="Un DAE au stade",
                                    text="Près des vestiaires.", category="sante", project=project)  # fmt: skip


def test_html_in_a_proposal_is_refused_and_nothing_written(participant, project):
    for field in ("title", "text"):
        values = {"title": "Titre", "text": "Texte", "category": "sante", "project": project}
        values[field] = 'Bonjour <script>alert("x")</script>'
        with pytest.raises(ValidationFailed, match="HTML") as exc:
            services.proposal_create(actor=participant, **values)
        assert exc.value.where == field
    assert not Proposal.objects.exists()
    services.proposal_create(actor=participant, title="3 < 4 et <3", text="a < b, 2 <= 3", category="autre",
                             project=project)  # fmt: skip


def test_a_point_outside_the_territory_is_refused(montpellier, participant, project):
    inside = services.proposal_create(actor=participant, title="Place de la Comédie", text="Ici.",
                                      category="sante", project=project,
                                      latitude=43.6085, longitude=3.8800)  # fmt: skip
    assert inside.has_point
    with pytest.raises(ValidationFailed, match="hors du territoire"):
        services.proposal_create(actor=participant, title="Paris", text="Là.", category="sante",
                                 project=project, latitude=48.8566, longitude=2.3522)  # fmt: skip
    with pytest.raises(ValidationFailed, match="latitude et la longitude"):
        services.proposal_create(actor=participant, title="Moitié", text="Là.", category="sante",
                                 project=project, latitude=43.6)  # fmt: skip
    assert Proposal.objects.count() == 1


def test_one_support_per_account_and_none_once_answered(make_participant, proposal, agent):
    others = [make_participant(f"Soutien{n}") for n in range(3)]
    for user in others:
        services.proposal_support(actor=user, proposal=proposal)
    with pytest.raises(ValidationFailed, match="déjà"):
        services.proposal_support(actor=others[0], proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.support_count == 3 == Support.objects.filter(proposal=proposal).count()
    services.proposal_answer(
        actor=agent, proposal=proposal, status="rejected", answer="Budget épuisé."
    )
    late = make_participant("Tardif")
    with pytest.raises(ValidationFailed, match="réponse officielle"):
        services.proposal_support(actor=late, proposal=proposal)
    assert Support.objects.filter(proposal=proposal).count() == 3


def test_answers_rejected_needs_a_reason_accepted_joins_the_project(
    proposal, agent, steward, citizen
):
    with pytest.raises(ValidationFailed, match="obligatoire"):
        services.proposal_answer(actor=agent, proposal=proposal, status="rejected", answer="")
    with pytest.raises(PermissionRefused):
        services.proposal_answer(actor=citizen, proposal=proposal, status="accepted", answer="Oui")
    services.proposal_answer(actor=agent, proposal=proposal, status="accepted", answer="Retenue.")
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.answered_by == agent
    assert proposal.project.timeline.filter(text__contains="Un DAE au stade").exists()


def test_threaded_comments_and_followers_are_told(
    make_participant, proposal, django_capture_on_commit_callbacks
):
    author = proposal.author.user  # follows their own proposal
    other = make_participant("Voisin")
    with django_capture_on_commit_callbacks(execute=True):
        first = services.comment_add(actor=other, proposal=proposal, text="Bonne idée.")
    services.comment_add(actor=author, proposal=proposal, text="Merci !", parent=first)
    assert Comment.objects.get(text="Merci !").parent == first
    assert [m.to for m in mail.outbox] == [[author.email]]
    assert "Ne plus recevoir" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_replayed_or_forged_form_is_refused(participant, citizen):
    token = form_token(participant)
    form_token_use(token, participant)
    with pytest.raises(ValidationFailed, match="déjà été envoyé"):
        form_token_use(token, participant)
    with pytest.raises(ValidationFailed, match="autre compte"):
        form_token_use(form_token(citizen), participant)
    with pytest.raises(ValidationFailed, match="pas valide"):
        form_token_use("forged", participant)


def test_one_response_per_participant_and_only_while_open(participant, consultation):
    services.response_submit(actor=participant, consultation=consultation,
                             answers=answers_for(consultation))  # fmt: skip
    with pytest.raises(ValidationFailed, match="déjà répondu"):
        services.response_submit(actor=participant, consultation=consultation,
                                 answers=answers_for(consultation))  # fmt: skip
    assert Response.objects.count() == 1
    consultation.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    consultation.save()
    with pytest.raises(ValidationFailed, match="pas ouverte"):
        services.response_submit(actor=participant, consultation=consultation, answers={})


@pytest.mark.parametrize(("override", "message"), [
    ({"q0": "Piscines"}, "proposées"),
    ({"q2": ["A", "A", "C"]}, "classez"),
    ({"q3": 9}, "de 1 à 5"),
    ({"q0": ""}, "attendue"),
    ({"q4": "<img src=x onerror=alert(1)>"}, "HTML"),
])  # fmt: skip
def test_bad_answers_name_the_question_and_write_nothing(
    participant, consultation, override, message
):
    with pytest.raises(ValidationFailed, match=message):
        services.response_submit(actor=participant, consultation=consultation,
                                 answers=answers_for(consultation, **override))  # fmt: skip
    assert not Response.objects.exists()


def test_reports_hide_at_the_threshold_and_moderators_restore(
    settings, make_participant, proposal, citizen, data_officer
):
    settings.TERRITOIRE_MODERATION_REPORTS = 2
    reporters = [make_participant(f"Veilleur{n}") for n in range(2)]
    services.content_report(
        actor=reporters[0], kind="proposal", object_id=proposal.pk, reason="Spam"
    )
    with pytest.raises(ValidationFailed, match="déjà signalé"):
        services.content_report(
            actor=reporters[0], kind="proposal", object_id=proposal.pk, reason="Spam"
        )
    proposal.refresh_from_db()
    assert not proposal.is_hidden
    services.content_report(
        actor=reporters[1], kind="proposal", object_id=proposal.pk, reason="Pub"
    )
    proposal.refresh_from_db()
    assert proposal.is_hidden
    with pytest.raises(PermissionRefused):
        services.content_moderate(actor=citizen, kind="proposal", object_id=proposal.pk,
                                  act="restore", reason="ok")  # fmt: skip
    services.content_moderate(actor=data_officer, kind="proposal", object_id=proposal.pk,
                              act="restore", reason="Signalements abusifs")  # fmt: skip
    proposal.refresh_from_db()
    assert not proposal.is_hidden
    events = AuditEvent.objects.filter(object_type="participation.proposal", action="update")
    assert any("Signalements abusifs" in e.reason for e in events)


def test_moderation_edit_keeps_a_reason_and_refuses_html(proposal, data_officer):
    with pytest.raises(ValidationFailed, match="HTML"):
        services.content_moderate(actor=data_officer, kind="proposal", object_id=proposal.pk,
                                  act="edit", reason="Coordonnées retirées", text="<b>x</b>")  # fmt: skip
    services.content_moderate(actor=data_officer, kind="proposal", object_id=proposal.pk,
                              act="edit", reason="Coordonnées retirées", text="Texte corrigé")  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.text == "Texte corrigé" and not proposal.is_hidden


def test_questions_are_answered_by_the_service_only(participant, project, agent, other_service):
    question = services.question_ask(
        actor=participant, project=project, text="Qui entretient les DAE ?"
    )
    outsider = User.objects.create(username="outsider", role="agent")
    Membership.objects.create(user=outsider, service=other_service)
    with pytest.raises(PermissionRefused):
        services.question_answer(actor=outsider, question=question, answer="Nous.")
    services.question_answer(actor=agent, question=question, answer="Le service santé.")
    question.refresh_from_db()
    assert question.answer == "Le service santé." and question.answered_by == agent
