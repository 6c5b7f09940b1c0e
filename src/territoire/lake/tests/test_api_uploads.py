"""API uploads run as background jobs (ImmediateBackend in tests): tokens with the "write" scope or
a session with its CSRF token, authorisation matrices for uploads, jobs and type overrides."""

from __future__ import annotations

import pytest
from django.test import Client

from territoire.accounts.services import token_create
from territoire.catalog.selectors import dataset_check_editable
from territoire.core.errors import PermissionRefused
from territoire.lake import services
from territoire.lake.models import DatasetVersion, IngestJob

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings):
    settings.TERRITOIRE_API_RATE = "100000/60"


def bearer(user, scopes=("read", "write")) -> dict:
    _, plaintext = token_create(actor=user, user=user, name="tests", scopes=list(scopes))
    return {"Authorization": f"Bearer {plaintext}"}


def upload(client, slug, path, headers=None, **extra):
    with path.open("rb") as handle:
        return client.post(
            f"/api/v1/datasets/{slug}/uploads", {"file": handle, **extra}, headers=headers or {}
        )


def uploads_left(home) -> list:
    root = home / "uploads" / "ingest"
    return list(root.rglob("*")) if root.exists() else []


def test_upload_with_a_write_token_runs_the_job_and_reports(
    client, home, make_dataset, steward, budget_csv
):
    dataset = make_dataset(access_level="internal")
    response = upload(client, dataset.slug, budget_csv, bearer(steward))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["dataset"] == dataset.slug
    assert body["status_url"] == f"/api/v1/jobs/{body['job']}"

    job = client.get(body["status_url"], headers=bearer(steward))
    assert job.status_code == 200
    data = job.json()
    assert data["status"] == "succeeded" and data["progress"] == 100
    assert data["version"] == 1 and data["created_by"] == "steward"
    assert (data["stage"], data["stage_en"]) == ("Terminé", "Completed")  # stored French
    client.force_login(steward)
    page = client.get(f"/espace/taches/{body['job']}/", headers={"accept-language": "en"})
    assert "<dd data-job-stage>Completed</dd>" in page.content.decode()
    client.logout()
    report = data["report"]
    assert report["status"] == "created" and report["rows"] == 1448
    assert report["source"]["name"] == budget_csv.name
    assert {c["id"]: c["type"] for c in report["columns"]}["bp"] == "decimal"
    assert DatasetVersion.objects.get(dataset=dataset).source_name == budget_csv.name
    assert uploads_left(home) == [], "the upload is removed once the job is over"

    again = upload(client, dataset.slug, budget_csv, bearer(steward))
    assert (
        client.get(again.json()["status_url"], headers=bearer(steward)).json()["status"]
        == "unchanged"
    )
    assert DatasetVersion.objects.filter(dataset=dataset).count() == 1


def test_failed_upload_job_keeps_the_previous_version(
    client, home, make_dataset, steward, budget_csv, tmp_path, lake_files
):
    dataset = make_dataset()
    upload(client, dataset.slug, budget_csv, bearer(steward))
    before = lake_files()
    bad = tmp_path / "vide.csv"
    bad.write_bytes(b"")
    response = upload(client, dataset.slug, bad, bearer(steward))
    assert response.status_code == 202
    data = client.get(response.json()["status_url"], headers=bearer(steward)).json()
    assert data["status"] == "failed"
    assert data["error"]["error"] == "ingestion_failed"
    assert data["report"]["errors"][0]["file"] == "vide.csv"
    assert DatasetVersion.objects.filter(dataset=dataset).count() == 1
    assert lake_files() == before
    assert uploads_left(home) == []


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("citizen", 404),
        ("reuser", 404),
        ("agent", 403),
        ("steward", 202),
        ("data_officer", 202),
    ],
)
def test_upload_authorisation_matrix(
    client, home, make_dataset, roles, budget_csv, who, status, lake_files, audit_count
):
    dataset = make_dataset(access_level="internal")
    user = roles[who]
    headers = bearer(user) if user else {}
    before = audit_count()
    response = upload(client, dataset.slug, budget_csv, headers)
    assert response.status_code == status, response.content
    body = response.json()
    if status != 202:
        assert body["message"] and body["message_en"]
        assert not IngestJob.objects.exists()
        assert not DatasetVersion.objects.exists()
        assert uploads_left(home) == []
        assert lake_files() == set()
        assert audit_count() == before
    else:
        assert IngestJob.objects.get().created_by == user


def test_an_upload_refused_to_an_agent_gives_the_one_edit_message(
    client, home, make_dataset, agent, budget_csv, audit_count
):
    """The router, the job queue and the ingestion service ask one edit check: the refusal is the
    catalogue's, in French and English, whichever of them refuses first."""
    dataset = make_dataset(access_level="internal")
    headers = bearer(agent)
    before = audit_count()
    response = upload(client, dataset.slug, budget_csv, headers)
    assert response.status_code == 403
    body = response.json()
    with pytest.raises(PermissionRefused) as refused:
        dataset_check_editable(agent, dataset)
    assert (body["message"], body["message_en"], body["where"]) == (
        refused.value.message_fr,
        refused.value.message_en,
        refused.value.where,
    )
    with pytest.raises(PermissionRefused) as by_service:
        services.dataset_ingest(actor=agent, dataset=dataset, source=budget_csv)
    assert by_service.value.message_fr == body["message"]
    assert not IngestJob.objects.exists() and uploads_left(home) == []
    assert audit_count() == before


def test_read_only_token_cannot_upload(client, home, make_dataset, steward, budget_csv):
    dataset = make_dataset()
    response = upload(client, dataset.slug, budget_csv, bearer(steward, scopes=["read"]))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert not IngestJob.objects.exists() and uploads_left(home) == []


def test_session_upload_needs_the_csrf_token(home, make_dataset, steward, budget_csv):
    dataset = make_dataset()
    client = Client(enforce_csrf_checks=True)
    client.force_login(steward)
    refused = upload(client, dataset.slug, budget_csv)
    assert refused.status_code == 403
    assert refused.json()["where"] == "csrf"
    assert not IngestJob.objects.exists() and uploads_left(home) == []

    client.get("/espace/")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = upload(client, dataset.slug, budget_csv, headers={"X-CSRFToken": token})
    assert accepted.status_code == 202
    assert IngestJob.objects.get().status == "succeeded"


def test_upload_without_file_is_refused(client, home, make_dataset, steward):
    dataset = make_dataset()
    response = client.post(f"/api/v1/datasets/{dataset.slug}/uploads", {}, headers=bearer(steward))
    assert response.status_code == 422
    assert "file" in response.json()["where"]
    assert not IngestJob.objects.exists()


@pytest.mark.parametrize(
    "schema", ["/etc/passwd", "http://127.0.0.1:9/schema.json", "n-existe-pas"]
)
def test_upload_refuses_schema_paths_and_urls(
    client, home, make_dataset, steward, budget_csv, schema
):
    dataset = make_dataset()
    response = upload(client, dataset.slug, budget_csv, bearer(steward), schema=schema)
    assert response.status_code == 400
    body = response.json()
    assert body["where"] == "schema" and "inconnu" in body["message"]
    assert not IngestJob.objects.exists() and uploads_left(home) == []


def test_upload_with_a_schema_and_publish(client, home, make_dataset, data_officer, shared_data):
    folder = shared_data / "schemas" / "comptage-mobilites-channel"
    dataset = make_dataset("Comptages")
    response = upload(
        client,
        dataset.slug,
        folder / "exemple-valide.csv",
        bearer(data_officer),
        schema="comptage-mobilites-channel",
        publish="true",
    )
    assert response.status_code == 202
    report = client.get(response.json()["status_url"], headers=bearer(data_officer)).json()[
        "report"
    ]
    assert report["conformity"] == "valid"
    dataset.refresh_from_db()
    assert dataset.is_published is report["published"]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 404),
        ("citizen", 404),
        ("reuser", 404),
        ("agent", 404),
        ("steward", 200),
        ("data_officer", 200),
    ],
)
def test_job_status_authorisation_matrix(
    client, home, make_dataset, roles, budget_csv, who, status
):
    dataset = make_dataset()
    job_url = upload(client, dataset.slug, budget_csv, bearer(roles["steward"])).json()[
        "status_url"
    ]
    user = roles[who]
    response = client.get(job_url, headers=bearer(user) if user else {})
    assert response.status_code == status
    if status == 404:
        assert response.json()["error"] == "not_found"


def test_type_overrides_put_stores_and_reloads(client, home, make_dataset, steward, budget_csv):
    dataset = make_dataset()
    upload(client, dataset.slug, budget_csv, bearer(steward))
    response = client.put(
        f"/api/v1/datasets/{dataset.slug}/type-overrides",
        {"overrides": {"exercice": "text", "nature": "text"}},
        content_type="application/json",
        headers=bearer(steward),
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["type_overrides"] == {"exercice": "text", "nature": "text"}
    job = client.get(body["status_url"], headers=bearer(steward)).json()
    assert job["status"] == "succeeded" and job["kind"] == "reingest" and job["version"] == 2
    types = {c["id"]: c["type"] for c in job["report"]["columns"]}
    assert types["exercice"] == "text" and types["nature"] == "text"

    bad = client.put(
        f"/api/v1/datasets/{dataset.slug}/type-overrides",
        {"overrides": {"exercice": "chiffre"}},
        content_type="application/json",
        headers=bearer(steward),
    )
    assert bad.status_code == 400
    assert "chiffre" in bad.json()["message"]


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 401), ("citizen", 404), ("agent", 403), ("steward", 200)]
)
def test_type_overrides_authorisation_matrix(
    client, home, make_dataset, roles, who, status, audit_count
):
    dataset = make_dataset(access_level="internal")
    user = roles[who]
    headers = bearer(user) if user else {}
    before = audit_count()
    response = client.put(
        f"/api/v1/datasets/{dataset.slug}/type-overrides",
        {"overrides": {}, "reload": False},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == status
    if status != 200:
        assert audit_count() == before


def test_a_job_whose_worker_died_is_reported_failed(
    client, home, make_dataset, steward, budget_csv
):
    import datetime

    from django.utils import timezone

    from territoire.lake import services

    dataset = make_dataset()
    path = services.upload_store(chunks=[budget_csv.read_bytes()], original_name=budget_csv.name)
    job = IngestJob.objects.create(
        dataset=dataset,
        created_by=steward,
        status="running",
        progress=40,
        upload_path=str(path),
        source_name=budget_csv.name,
        started_at=timezone.now() - datetime.timedelta(hours=7),
    )
    data = client.get(f"/api/v1/jobs/{job.pk}", headers=bearer(steward)).json()
    assert data["status"] == "failed" and data["error"]["error"] == "job_lost"
    assert "territoire worker" in data["error"]["message"]
    assert uploads_left(home) == []

    recent = IngestJob.objects.create(
        dataset=dataset, created_by=steward, status="running", started_at=timezone.now()
    )
    assert (
        client.get(f"/api/v1/jobs/{recent.pk}", headers=bearer(steward)).json()["status"]
        == "running"
    )


def _stale_job(dataset, steward, path, *, attempts: int, seconds_ago: int):
    import datetime

    from django.utils import timezone

    beat = timezone.now() - datetime.timedelta(seconds=seconds_ago)
    return IngestJob.objects.create(
        dataset=dataset,
        created_by=steward,
        status="running",
        progress=40,
        upload_path=str(path),
        source_name="VilleMTP_MTP_BudgetPri_2014.csv",
        started_at=beat,
        heartbeat_at=beat,
        attempts=attempts,
    )


def test_a_job_whose_worker_stopped_beating_runs_again_once(
    client, home, make_dataset, steward, budget_csv, settings
):
    from territoire.lake import services

    settings.TERRITOIRE_INGEST_JOB_LOST_SECONDS = 180
    dataset = make_dataset()
    path = services.upload_store(chunks=[budget_csv.read_bytes()], original_name=budget_csv.name)
    alive = _stale_job(dataset, steward, path, attempts=1, seconds_ago=30)
    assert client.get(f"/api/v1/jobs/{alive.pk}", headers=bearer(steward)).json()["status"] == (
        "running"
    )  # a recent sign of life: left alone
    lost = _stale_job(dataset, steward, path, attempts=1, seconds_ago=600)
    data = client.get(f"/api/v1/jobs/{lost.pk}", headers=bearer(steward)).json()
    lost.refresh_from_db()
    # run again from the same upload (the test backend runs it at once): a version, 2 attempts
    assert lost.status == "succeeded" and lost.attempts == 2 and lost.version.number == 1
    assert data["status"] == "succeeded"
    assert uploads_left(home) == []


def test_a_job_lost_twice_is_failed_and_its_upload_removed(
    client, home, make_dataset, steward, budget_csv
):
    from territoire.lake import services, tasks

    dataset = make_dataset()
    path = services.upload_store(chunks=[budget_csv.read_bytes()], original_name=budget_csv.name)
    job = _stale_job(dataset, steward, path, attempts=2, seconds_ago=600)
    assert tasks.ingest_jobs_recover() == 1  # what a starting worker does
    job.refresh_from_db()
    assert job.status == "failed" and job.error["error"] == "job_lost"
    assert "2 fois" in job.error["message"] and "2 times" in job.error["message_en"]
    assert uploads_left(home) == [] and not DatasetVersion.objects.exists()
    assert tasks.ingest_jobs_recover() == 0


@pytest.mark.django_db(transaction=True)
def test_a_running_job_shows_signs_of_life(home, make_dataset, steward, monkeypatch):
    import datetime
    import time

    from django.utils import timezone

    from territoire.lake import tasks

    monkeypatch.setattr(tasks, "HEARTBEAT_SECONDS", 0.05)
    old = timezone.now() - datetime.timedelta(minutes=10)
    job = IngestJob.objects.create(
        dataset=make_dataset(), created_by=steward, status="running", heartbeat_at=old
    )
    with tasks._Heartbeat(job.pk):
        time.sleep(0.5)
    job.refresh_from_db()
    assert job.heartbeat_at > old + datetime.timedelta(minutes=9)
