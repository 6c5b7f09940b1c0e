"""A new report (signalement) is told to the members of its category's service through the
workspace notifications (in the workspace, and in their daily digest e-mail), without naming its
author; the other services are not told, nor is a report hidden before the collection."""

from __future__ import annotations

from django.core import mail

from territoire.accounts.models import Membership
from territoire.workspace import services as workspace_services
from territoire.workspace.models import Notification, NotificationKind


def test_the_category_service_is_told_without_the_author(
    client, agent, citizen, other_service, data_officer, file_report, proprete
):
    outsider = data_officer.__class__.objects.create(
        username="proprete-agent", role="agent", email="proprete@example.fr"
    )
    Membership.objects.create(user=outsider, service=other_service, role="member")
    workspace_services.notifications_collect()  # the cursor starts here
    report = file_report(citizen, description="Lampadaire éteint rue de la Loge")
    assert workspace_services.notifications_collect() == 1  # the voirie service's one agent
    assert workspace_services.notifications_collect() == 0
    note = Notification.objects.get(kind=NotificationKind.PUBLIC_CONTRIBUTION)
    assert (note.recipient, note.key) == (agent, f"report:{report.pk}")
    assert note.link == f"/espace/signalements/{report.pk}/"
    client.force_login(agent)
    page = client.get("/espace/notifications/").content.decode()
    assert "Un habitant attend une réponse de votre service" in page
    assert "Voirie : Lampadaire éteint rue de la Loge" in page
    assert citizen.username not in page
    assert workspace_services.digest_send() == 1
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert f"/espace/signalements/{report.pk}/" in mail.outbox[0].body
    assert citizen.email not in mail.outbox[0].body


def test_a_report_hidden_before_the_collection_is_not_told(agent, citizen, file_report):
    workspace_services.notifications_collect()
    report = file_report(citizen)
    report.moderation = "masque"
    report.save()
    workspace_services.notifications_collect()
    assert not Notification.objects.filter(kind=NotificationKind.PUBLIC_CONTRIBUTION).exists()
