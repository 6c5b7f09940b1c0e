"""Staff notifications: who is told what (from the audit log, failed jobs, late datasets), once;
the in-app list; the daily digest by e-mail with its one-click unsubscribe; `territoire digest`."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from territoire.catalog import services as catalog_services
from territoire.lake import services as lake_services
from territoire.lake.models import DatasetVersion, IngestJob, JobStatus
from territoire.lake.tasks import lake_maintenance
from territoire.trust.models import AuditEvent
from territoire.workspace import services
from territoire.workspace.models import Notification, NotificationPreference

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]
pytestmark = pytest.mark.django_db


def _kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_the_workflow_tells_each_side(make_dataset, steward, data_officer):
    dataset = make_dataset("Budget primitif", steward=steward)
    catalog_services.dataset_submit(actor=steward, dataset=dataset, comment="À relire")
    catalog_services.personal_data_review_request(actor=steward, dataset=dataset)
    services.notifications_collect()
    assert _kinds(data_officer) == ["decision_requested", "submitted"]
    assert _kinds(steward) == []  # not told of what they did themselves
    catalog_services.dataset_send_back(
        actor=data_officer, dataset=dataset, comment="Ajoutez la licence"
    )
    services.notifications_collect()
    [sent_back] = Notification.objects.filter(recipient=steward)
    assert sent_back.kind == "sent_back" and sent_back.detail == "Ajoutez la licence"
    catalog_services.dataset_submit(actor=steward, dataset=dataset)
    catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
    services.notifications_collect()
    assert _kinds(steward) == ["published", "sent_back"]


def test_collecting_again_adds_nothing(make_dataset, steward, data_officer):
    dataset = make_dataset("Budget primitif", steward=steward)
    catalog_services.dataset_submit(actor=steward, dataset=dataset)
    assert services.notifications_collect() == 1
    assert services.notifications_collect() == 0
    assert Notification.objects.count() == 1


def test_a_relay_publishing_alone_tells_nobody(make_dataset, steward, data_officer):
    dataset = make_dataset("Budget primitif", steward=steward)
    catalog_services.dataset_publish(actor=steward, dataset=dataset)
    services.notifications_collect()
    assert Notification.objects.count() == 0


def test_failed_upload_and_overdue_update(
    home, make_dataset, steward, data_officer, budget_csv, other_service
):
    budget = make_dataset("Budget primitif", frequency="MONTHLY")  # no named steward: the
    lake_services.dataset_ingest(actor=data_officer, dataset=budget, source=budget_csv)
    DatasetVersion.objects.filter(dataset=budget).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )  # service's relays are told
    orphan = make_dataset("Compteurs", publisher_service=other_service, frequency="DAILY")
    IngestJob.objects.create(
        dataset=orphan,
        status=JobStatus.FAILED,
        finished_at=timezone.now(),
        created_by=data_officer,
        error={"message_fr": "Fichier vide"},
    )
    services.notifications_collect()
    assert _kinds(steward) == ["overdue"]
    [failed] = Notification.objects.filter(recipient=data_officer)
    assert failed.kind == "job_failed" and failed.detail == "Fichier vide"
    assert services.notifications_collect() == 0


def test_the_page_lists_in_words_and_marks_read(client, make_dataset, steward, data_officer):
    dataset = make_dataset("Budget primitif", steward=steward)
    catalog_services.dataset_submit(actor=steward, dataset=dataset)
    client.force_login(data_officer)
    page = client.get(reverse("workspace:notifications")).content.decode()
    assert "steward a soumis « Budget primitif » pour publication." in page
    assert "notification-unread" in page
    client.post(reverse("workspace:notifications_read"))
    assert not Notification.objects.filter(recipient=data_officer, read_at__isnull=True).exists()
    page = client.get(reverse("workspace:notifications")).content.decode()
    assert "notification-unread" not in page


@pytest.mark.parametrize("who,status", [("citizen", 403), ("reuser", 403), ("agent", 200)])
def test_notifications_are_for_agents(client, roles, who, status):
    client.force_login(roles[who])
    assert client.get(reverse("workspace:notifications")).status_code == status


def test_daily_digest_once_then_unsubscribe_in_one_click(
    client, make_dataset, steward, data_officer
):
    dataset = make_dataset("Budget primitif", steward=steward)
    catalog_services.dataset_submit(actor=steward, dataset=dataset)
    assert services.digest_send() == 1
    [message] = mail.outbox
    assert message.to == ["officer@example.fr"]
    assert "1 notification non lue" in message.subject
    assert "a soumis « Budget primitif » pour publication" in message.body
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in message.body and message.extra_headers["List-Unsubscribe-Post"]
    assert services.digest_send() == 0  # already e-mailed
    path = urlsplit(link).path
    assert client.get(path).status_code == 200  # a page that asks, nothing changed yet
    assert services.digest_wanted(data_officer)
    before = AuditEvent.objects.count()
    assert client.post(path).status_code == 200
    assert not services.digest_wanted(data_officer)
    assert AuditEvent.objects.count() == before + 1
    catalog_services.personal_data_review_request(actor=steward, dataset=dataset)
    assert services.digest_send() == 0 and len(mail.outbox) == 1


def test_a_forged_unsubscribe_link_is_not_found(client, data_officer):
    token = services.unsubscribe_token(data_officer)
    assert (
        client.post(reverse("workspace:unsubscribe", args=[token[:-2] + "xx"])).status_code == 404
    )
    assert not NotificationPreference.objects.exists()


def test_preference_from_the_page(client, agent):
    client.force_login(agent)
    client.post(reverse("workspace:notifications_preference"), {"daily_digest": "0"})
    assert not services.digest_wanted(agent)
    client.post(reverse("workspace:notifications_preference"), {"daily_digest": "1"})
    assert services.digest_wanted(agent)


def test_digest_command(make_dataset, steward, data_officer, capsys):
    dataset = make_dataset("Budget primitif", steward=steward)
    catalog_services.dataset_submit(actor=steward, dataset=dataset)
    call_command("digest", "--collect-only")
    assert "1 notification(s) ajoutée(s)" in capsys.readouterr().out and not mail.outbox
    call_command("digest")
    assert "1 résumé(s) envoyé(s)" in capsys.readouterr().out and len(mail.outbox) == 1


def test_the_worker_round_collects_hourly_and_sends_the_digest_once_a_day(
    settings, make_dataset, steward, data_officer
):
    settings.TERRITOIRE_DIGEST_HOUR = 7
    dataset = make_dataset("Budget primitif", steward=steward)
    catalog_services.dataset_submit(actor=steward, dataset=dataset)
    early = timezone.make_aware(datetime.datetime(2026, 12, 4, 6, 0))
    assert services.worker_round(now=early) == 0  # before the hour: collected, not e-mailed
    assert Notification.objects.filter(recipient=data_officer, emailed_at=None).count() == 1
    assert not mail.outbox
    nine = early + datetime.timedelta(hours=3)
    assert services.worker_round(now=nine) == 1 and len(mail.outbox) == 1
    catalog_services.personal_data_review_request(actor=steward, dataset=dataset)
    assert services.worker_round(now=nine + datetime.timedelta(hours=1)) == 0  # same day
    assert len(mail.outbox) == 1
    assert services.worker_round(now=nine + datetime.timedelta(days=1)) == 1  # the next day
    assert len(mail.outbox) == 2
    other = make_dataset("Subventions", steward=steward)
    catalog_services.dataset_submit(actor=steward, dataset=other)
    lake_maintenance()  # the worker's hourly round runs the workspace's part (registered)
    assert Notification.objects.filter(recipient=data_officer, dataset=other).exists()
