"""Sign-up, confirmation, residency, notifications and the GDPR rights, through the services."""

import json

import pytest
from django.core import mail, signing

from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.participation import services
from territoire.participation.models import InvitationCode, Participant, Proposal
from territoire.trust.models import AuditEvent


def _token_from(message) -> str:
    return message.body.split("/participer/confirmation/")[1].split("/")[0]


def test_signup_sends_a_link_and_contributions_wait_for_confirmation(
    db, django_capture_on_commit_callbacks, project
):
    with django_capture_on_commit_callbacks(execute=True):
        participant = services.participant_signup(
            email="Lea@Example.fr", pseudonym="Léa", password="un long mot de passe"
        )
    assert participant.user.email == "lea@example.fr" and participant.user.role == "citizen"
    assert len(mail.outbox) == 1 and "/participer/confirmation/" in mail.outbox[0].body
    with pytest.raises(PermissionRefused, match="Confirmez"):
        services.question_ask(actor=participant.user, project=project, text="Combien ?")
    services.participant_confirm(token=_token_from(mail.outbox[0]))
    participant.refresh_from_db()
    assert participant.is_confirmed
    services.question_ask(actor=participant.user, project=project, text="Combien ?")


def test_signup_refusals_write_nothing(db, make_participant):
    make_participant("Pris")
    cases = [
        ({"honeypot": "http://spam"}, "website"),
        ({"pseudonym": "<b>moi</b>"}, "pseudonym"),
        ({"pseudonym": "pris"}, "pseudonym"),
        ({"email": "pas-une-adresse"}, "email"),
        ({"email": "pris@example.fr"}, "email"),
        ({"password": "court"}, "password"),
    ]
    before = (Participant.objects.count(), AuditEvent.objects.count())
    for override, where in cases:
        values = {"email": "x@example.fr", "pseudonym": "Nouveau", "password": "assez long 123"}
        values.update(override)
        with pytest.raises(ValidationFailed) as exc:
            services.participant_signup(**values)
        assert exc.value.where == where
    assert (Participant.objects.count(), AuditEvent.objects.count()) == before


def test_forged_or_foreign_confirmation_tokens_are_refused(participant):
    with pytest.raises(ValidationFailed, match="pas valide"):
        services.participant_confirm(token="abc:def")
    forged = signing.dumps({"p": participant.participant.pk, "e": "autre@example.fr"},
                           salt=services.participants.CONFIRM_SALT)  # fmt: skip
    with pytest.raises(ValidationFailed, match="aucun compte"):
        services.participant_confirm(token=forged)


def test_residency_by_postal_code_and_by_one_use_invitation(montpellier, make_participant):
    one, two = make_participant("Un").participant, make_participant("Deux").participant
    services.residency_verify(participant=one, postal_code="34000")
    assert one.is_resident and one.residency_commune.name == "Montpellier"
    with pytest.raises(ValidationFailed, match="75001"):
        services.residency_verify(participant=two, postal_code="75001")
    InvitationCode.objects.create(code="MTP-2026-A")
    services.residency_verify(participant=two, invitation_code="mtp-2026-a")
    assert two.is_resident and two.residency_method == "invitation"
    three = make_participant("Trois").participant
    with pytest.raises(ValidationFailed, match="déjà utilisé"):
        services.residency_verify(participant=three, invitation_code="MTP-2026-A")
    three.refresh_from_db()
    assert not three.is_resident


def test_export_holds_everything_and_deletion_keeps_contributions_anonymous(participant, project):
    proposal = services.proposal_create(actor=participant, title="Un DAE au stade",
                                        text="Près des vestiaires.", category="sante",
                                        project=project)  # fmt: skip
    data = json.loads(services.participant_export(participant=participant.participant))
    assert data["profile"]["pseudonym"] == "Camille34"
    assert data["proposals"][0]["title"] == "Un DAE au stade"
    assert data["account"]["email"] == "camille34@example.fr"
    with pytest.raises(ValidationFailed, match="Mot de passe incorrect"):
        services.participant_delete(participant=participant.participant, password="faux")
    services.participant_delete(participant=participant.participant,
                                password="un mot de passe solide 42")  # fmt: skip
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.author is None and proposal.title == "Un DAE au stade"
    assert not Participant.objects.filter(pseudonym="Camille34").exists()
    assert AuditEvent.objects.filter(
        object_type="participation.participant", action="delete"
    ).exists()


def test_unsubscribe_link_stops_every_email(participant):
    token = services.participants.unsubscribe_token(participant)
    services.participant_unsubscribe(token=token)
    participant.participant.refresh_from_db()
    assert participant.participant.notification_mode == "none"
    with pytest.raises(ValidationFailed):
        services.participant_unsubscribe(token=token + "x")


def test_digest_gathers_the_news_in_one_email(
    make_participant, project, agent, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    follower = make_participant("Lecteur")
    follower.participant.notification_mode = "digest"
    follower.participant.save()
    services.follow_set(actor=follower, kind="project", object_id=project.pk, following=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.project_update(actor=agent, project=project, progress=40, status="in_progress")
    assert mail.outbox == []
    call_command("participation_digest")
    assert len(mail.outbox) == 1 and "40 %" in mail.outbox[0].body
    assert "desinscription" in mail.outbox[0].body
    call_command("participation_digest")
    assert len(mail.outbox) == 1
