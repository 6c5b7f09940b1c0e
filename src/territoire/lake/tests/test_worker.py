"""`territoire worker`: its sign of life, what a job waiting without any worker says (API and
back-office page), and the lake maintenance it runs when it starts."""

from __future__ import annotations

import datetime
import io
import os
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from territoire.lake import tasks
from territoire.lake.models import IngestJob, Worker
from territoire.lake.services.cleanup import GRACE_SECONDS
from territoire.lake.tests.test_api_uploads import bearer, upload

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    """Jobs go to the database queue, as in production: nobody runs them until a worker does."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TERRITOIRE_API_RATE = "100000/60"


# The worker closes the connections it finds in a transaction (as after each task): these tests
# run outside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_a_job_queued_while_no_worker_runs_says_so_then_a_worker_runs_it(
    client, home, make_dataset, steward, budget_csv, database_tasks
):
    dataset = make_dataset()
    accepted = upload(client, dataset.slug, budget_csv, bearer(steward))
    assert accepted.status_code == 202
    job_url = accepted.json()["status_url"]

    waiting = client.get(job_url, headers=bearer(steward)).json()
    assert waiting["status"] == "queued" and waiting["progress"] == 0
    assert waiting["notice"]["code"] == "no_worker"
    assert "territoire worker" in waiting["notice"]["message"]
    assert "territoire worker" in waiting["notice"]["message_en"]
    client.force_login(steward)
    page = client.get(f"/espace/taches/{waiting['id']}/").content.decode()
    assert "Aucun processus de traitement ne tourne" in page and "territoire worker" in page

    out = io.StringIO()
    call_command("worker", "--batch", "--interval=0", stdout=out)
    done = client.get(job_url, headers=bearer(steward)).json()
    assert done["status"] == "succeeded" and done["version"] == 1
    assert done["notice"] is None
    assert not Worker.objects.exists(), "a worker that stopped leaves no sign of life behind"


def test_a_live_worker_silences_the_notice_and_a_silent_one_does_not(
    client, home, make_dataset, steward, settings
):
    settings.TERRITOIRE_INGEST_JOB_LOST_SECONDS = 180
    job = IngestJob.objects.create(dataset=make_dataset(), created_by=steward, status="queued")
    url = f"/api/v1/jobs/{job.pk}"
    worker = Worker.objects.create(hostname="serveur", pid=42, heartbeat_at=timezone.now())
    assert client.get(url, headers=bearer(steward)).json()["notice"] is None
    worker.heartbeat_at = timezone.now() - datetime.timedelta(minutes=10)  # killed long ago
    worker.save()
    assert client.get(url, headers=bearer(steward)).json()["notice"]["code"] == "no_worker"
    client.force_login(steward)
    page = client.get(f"/espace/taches/{job.pk}/", headers={"Accept-Language": "en"})
    assert "No worker process is running" in page.content.decode()


def test_running_and_finished_jobs_have_no_notice(home, make_dataset, steward):
    dataset = make_dataset()
    for status in ("running", "succeeded", "failed"):
        job = IngestJob.objects.create(
            dataset=dataset, created_by=steward, status=status, heartbeat_at=timezone.now()
        )
        assert tasks.job_notice(job) is None, status


@pytest.mark.django_db(transaction=True)
def test_a_worker_shows_signs_of_life_while_it_runs(home, monkeypatch):
    monkeypatch.setattr(tasks, "HEARTBEAT_SECONDS", 0.05)
    with tasks.worker_presence() as worker:
        assert tasks.worker_alive()
        first = Worker.objects.get(pk=worker.pk).heartbeat_at
        deadline = time.monotonic() + 60
        while Worker.objects.get(pk=worker.pk).heartbeat_at == first:
            assert time.monotonic() < deadline, "no sign of life"
            time.sleep(0.05)
    assert not Worker.objects.exists() and not tasks.worker_alive()


@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_removes_what_dead_runs_left(home, database_tasks):
    leftover = home / "lake" / ".staging" / "0badc0ffee" / ".staged.parquet.tmp"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"reste")
    then = time.time() - 2 * GRACE_SECONDS
    for path in (leftover, leftover.parent):
        os.utime(path, (then, then))
    out = io.StringIO()
    call_command("worker", "--batch", "--interval=0", stdout=out)
    assert not leftover.parent.exists()
    assert "1 fichier(s) ou dossier(s) abandonné(s) supprimé(s)" in out.getvalue()
