"""New public questions and proposals are told to the owner service's members through the
workspace notifications: in the workspace, and in the daily digest e-mail unless they
unsubscribed; nobody else is told."""

from __future__ import annotations

from django.core import mail

from territoire.accounts.models import Membership
from territoire.participation import services
from territoire.trust.models import AuditEvent
from territoire.workspace import services as workspace_services
from territoire.workspace.models import Notification, NotificationKind


def test_members_of_the_service_are_told_in_the_workspace_and_by_email(
    client, agent, steward, other_service, data_officer, participant, project
):
    outsider = data_officer.__class__.objects.create(username="ailleurs", role="agent",
                                                     email="ailleurs@example.fr")  # fmt: skip
    Membership.objects.create(user=outsider, service=other_service, role="member")
    workspace_services.notifications_collect()  # nothing before: the cursor starts here
    question = services.question_ask(actor=participant, project=project,
                                     text="Où seront les données des appels ?")  # fmt: skip
    proposal = services.proposal_create(actor=participant, title="Un DAE au marché",
                                        text="Le dimanche matin.", category="sante",
                                        project=project)  # fmt: skip
    assert workspace_services.notifications_collect() == 4  # 2 members × 2 contributions
    assert workspace_services.notifications_collect() == 0  # each fact once
    notes = Notification.objects.filter(kind=NotificationKind.PUBLIC_CONTRIBUTION)
    assert {(n.recipient.username, n.key) for n in notes} == {
        (agent.username, f"question:{question.pk}"), (agent.username, f"proposal:{proposal.pk}"),
        (steward.username, f"question:{question.pk}"), (steward.username, f"proposal:{proposal.pk}"),
    }  # fmt: skip
    client.force_login(agent)
    page = client.get("/espace/notifications/").content.decode()
    assert "Camille34 attend une réponse de votre service" in page
    assert "Où seront les données des appels ?" in page
    workspace_services.digest_preference_set(actor=steward, user=steward, daily_digest=False)
    assert workspace_services.digest_send() == 1
    assert [m.to for m in mail.outbox] == [[agent.email]]
    body = mail.outbox[0].body
    assert "Un DAE au marché" in body and "/espace/participation/#propositions" in body
    assert mail.outbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert AuditEvent.objects.filter(object_type="participation.question",
                                     object_id=str(question.pk), action="create").exists()  # fmt: skip


def test_a_contribution_hidden_by_moderation_before_collection_is_not_told(agent, participant,
                                                                           project):  # fmt: skip
    workspace_services.notifications_collect()
    question = services.question_ask(actor=participant, project=project, text="Pub ici")
    question.is_hidden = True
    question.save()
    workspace_services.notifications_collect()
    assert not Notification.objects.filter(kind=NotificationKind.PUBLIC_CONTRIBUTION).exists()
