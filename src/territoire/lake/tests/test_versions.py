"""Versions through the API: listed, described, served as Parquet, compared; access follows the
dataset's level and reads of non-public data are audited."""

from __future__ import annotations

import io

import pyarrow.parquet as pq
import pytest

from territoire.accounts.services import token_create
from territoire.catalog.models import Dataset
from territoire.catalog.services import dataset_delete
from territoire.lake import services
from territoire.lake.models import DatasetLake, DatasetVersion
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings):
    settings.TERRITOIRE_API_RATE = "100000/60"


def bearer(user) -> dict:
    if user is None:
        return {}
    _, plaintext = token_create(actor=user, user=user, name="lecture", scopes=["read"])
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def two_versions(home, make_dataset, data_officer, budget_csv, tmp_path):
    """An internal dataset with two versions: the second removes line 4, changes line 1, adds one."""
    dataset = make_dataset("Budget", access_level="internal")
    services.dataset_ingest(actor=data_officer, dataset=dataset, source=budget_csv)
    raw = budget_csv.read_bytes().decode("cp1252").splitlines(keepends=True)
    rows = raw[1:]
    del rows[3]
    rows[0] = rows[0].replace("1 063 850,00", "2 000 000,00")
    rows.append("2014;F;D;999;99; 12,50    ;LIGNE AJOUTEE\r\n")
    changed = tmp_path / "budget-2.csv"
    changed.write_bytes((raw[0] + "".join(rows)).encode("cp1252"))
    services.dataset_ingest(actor=data_officer, dataset=dataset, source=changed)
    return dataset


def test_versions_are_listed_newest_first(
    client, two_versions, data_officer, django_assert_max_num_queries
):
    headers = bearer(data_officer)
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/v1/datasets/{two_versions.slug}/versions", headers=headers)
    assert response.status_code == 200
    versions = response.json()
    assert [v["number"] for v in versions] == [2, 1]
    assert [v["is_current"] for v in versions] == [True, False]
    assert versions[1]["row_count"] == 1448 and versions[0]["row_count"] == 1448
    assert versions[0]["parquet_url"] == f"/api/v1/datasets/{two_versions.slug}/versions/2/parquet"
    assert versions[0]["created_by"] == "officer"


def test_version_detail_has_columns_stats_and_report(client, two_versions, data_officer):
    response = client.get(
        f"/api/v1/datasets/{two_versions.slug}/versions/1", headers=bearer(data_officer)
    )
    assert response.status_code == 200
    data = response.json()
    assert data["number"] == 1 and data["is_current"] is False
    bp = next(c for c in data["columns"] if c["id"] == "bp")
    assert bp["type"] == "decimal" and bp["label"].strip() == "BP"
    assert {"nulls", "distinct", "min", "max", "examples"} <= set(bp["stats"])
    assert data["report"]["status"] == "created" and data["report"]["version"] == 1
    missing = client.get(
        f"/api/v1/datasets/{two_versions.slug}/versions/9", headers=bearer(data_officer)
    )
    assert missing.status_code == 404 and missing.json()["where"] == "number"


def test_parquet_of_any_version_is_served(client, home, two_versions, data_officer):
    response = client.get(
        f"/api/v1/datasets/{two_versions.slug}/versions/1/parquet", headers=bearer(data_officer)
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apache.parquet"
    assert f"{two_versions.slug}-v1.parquet" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    version = DatasetVersion.objects.get(dataset=two_versions, number=1)
    assert body == (home / "lake" / version.path).read_bytes()
    assert response["ETag"] == f'"{version.parquet_checksum}"'
    table = pq.read_table(io.BytesIO(body))
    assert table.num_rows == 1448
    assert table.column("exercice").to_pylist()[0] == 2014


def test_compare_two_versions_by_key_and_schema(client, two_versions, data_officer):
    lake = DatasetLake.objects.get(dataset=two_versions)
    assert lake.key_column == ""
    response = client.get(
        f"/api/v1/datasets/{two_versions.slug}/versions/compare?from=1&to=2",
        headers=bearer(data_officer),
    )
    assert response.status_code == 200, response.content
    diff = response.json()
    assert diff["from"] == 1 and diff["to"] == 2 and diff["key"] is None
    assert diff["rows"]["old"] == 1448 and diff["rows"]["new"] == 1448

    same = client.get(
        f"/api/v1/datasets/{two_versions.slug}/versions/compare?from=2&to=2",
        headers=bearer(data_officer),
    )
    assert same.status_code == 400
    bad = client.get(
        f"/api/v1/datasets/{two_versions.slug}/versions/compare?from=1",
        headers=bearer(data_officer),
    )
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 404),
        ("citizen", 404),
        ("reuser", 404),
        ("agent", 200),
        ("steward", 200),
        ("data_officer", 200),
    ],
)
def test_versions_of_an_internal_dataset_matrix(client, two_versions, roles, who, status):
    user = roles[who]
    headers = bearer(user)
    reads_before = AuditEvent.objects.filter(action="read").count()
    for path in ["versions", "versions/2", "versions/2/parquet", "versions/compare?from=1&to=2"]:
        response = client.get(f"/api/v1/datasets/{two_versions.slug}/{path}", headers=headers)
        assert response.status_code == status, (path, response.content)
    reads = (
        AuditEvent.objects.filter(action="read", object_id=str(two_versions.pk)).count()
        - reads_before
    )
    assert reads == (4 if status == 200 else 0)
    if status == 200:
        event = AuditEvent.objects.filter(action="read").latest("id")
        assert event.actor == user and event.reason == "api/v1 lac"


def test_versions_of_a_public_dataset_are_open_and_not_audited(
    client, home, make_dataset, data_officer, budget_csv
):
    dataset = make_dataset("Budget ouvert", publish=True)
    services.dataset_ingest(actor=data_officer, dataset=dataset, source=budget_csv)
    reads_before = AuditEvent.objects.filter(action="read").count()
    response = client.get(f"/api/v1/datasets/{dataset.slug}/versions")
    assert response.status_code == 200 and response.json()[0]["number"] == 1
    assert client.get(f"/api/v1/datasets/{dataset.slug}/versions/1/parquet").status_code == 200
    assert AuditEvent.objects.filter(action="read").count() == reads_before


def test_deleting_a_dataset_removes_its_version_rows(
    two_versions, data_officer, django_capture_on_commit_callbacks
):
    files = [
        services.lake_root() / name
        for pair in DatasetVersion.objects.values_list("path", "source_path")
        for name in pair
        if name
    ]
    assert len(files) >= 2 and all(f.is_file() for f in files)
    with django_capture_on_commit_callbacks(execute=True):
        dataset_delete(actor=data_officer, dataset=two_versions)
    assert not Dataset.objects.filter(pk=two_versions.pk).exists()
    assert not DatasetVersion.objects.exists() and not DatasetLake.objects.exists()
    assert not any(f.exists() for f in files)  # its Parquet files went with it
    assert not (services.lake_root() / two_versions.slug).exists()


def test_a_rolled_back_delete_keeps_the_files_and_a_new_dataset_reuses_the_slug(
    two_versions, data_officer, make_dataset, budget_csv, django_capture_on_commit_callbacks
):
    from django.db import transaction

    files = [
        services.lake_root() / p for p in DatasetVersion.objects.values_list("path", flat=True)
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                dataset_delete(actor=data_officer, dataset=two_versions)
                raise RuntimeError("the caller's transaction fails")
        except RuntimeError:
            pass
    assert callbacks == [] and all(f.is_file() for f in files)
    assert DatasetVersion.objects.count() == 2
    slug = two_versions.slug
    with django_capture_on_commit_callbacks(execute=True):
        dataset_delete(actor=data_officer, dataset=Dataset.objects.get(slug=slug))
    again = make_dataset("Budget", access_level="internal")
    assert again.slug == slug
    report = services.dataset_ingest(actor=data_officer, dataset=again, source=budget_csv)
    assert report.status == "created" and report.version == 1


def test_admin_lists_versions_and_jobs_read_only(client, two_versions, data_officer, steward):
    client.force_login(data_officer)
    listing = client.get("/admin/lake/datasetversion/")
    assert listing.status_code == 200 and "Budget" in listing.content.decode()
    version = DatasetVersion.objects.get(dataset=two_versions, number=1)
    assert client.get(f"/admin/lake/datasetversion/{version.pk}/change/").status_code == 200
    assert client.get("/admin/lake/datasetversion/add/").status_code == 403
    assert (
        client.post(f"/admin/lake/datasetversion/{version.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.get("/admin/lake/ingestjob/").status_code == 200
    assert DatasetVersion.objects.filter(pk=version.pk).exists()
    client.force_login(steward)
    assert client.get("/admin/lake/datasetversion/").status_code == 403


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("anonymous", False),
        ("citizen", False),
        ("reuser", False),
        ("agent", True),
        ("steward", True),
        ("data_officer", True),
    ],
)
def test_who_loaded_a_version_is_shown_to_staff_only(
    client, home, make_dataset, steward, budget_csv, roles, who, shown
):
    """A username is half of a login: readers of a public dataset do not get the staff's."""
    dataset = make_dataset("Budget", publish=True)
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    headers = bearer(roles[who])
    listed = client.get(f"/api/v1/datasets/{dataset.slug}/versions", headers=headers).json()
    detail = client.get(f"/api/v1/datasets/{dataset.slug}/versions/1", headers=headers).json()
    expected = "steward" if shown else None
    assert [v["created_by"] for v in listed] == [expected]
    assert detail["created_by"] == expected
    assert listed[0]["row_count"] == detail["row_count"] == 1448
