"""The reports' open dataset in the lake: no author, no free text, no photo, rounded positions,
hidden reports left out; a refresh without change writes no version."""

import duckdb
import pytest

from territoire.catalog.models import Dataset
from territoire.core.errors import ValidationFailed
from territoire.lake.models import DatasetVersion
from territoire.reports import services

from .conftest import jpeg_with_gps


@pytest.fixture(autouse=True)
def _lake(settings, tmp_path):
    settings.TERRITOIRE_HOME = tmp_path


def test_the_dataset_is_public_anonymous_and_rounded(file_report, citizen, steward, data_officer):
    kept = file_report(citizen, photo=jpeg_with_gps(100, 100), address="12 rue de la Loge",
                       position=(43.608512, 3.879567))  # fmt: skip
    hidden = file_report(citizen, description="Un texte injurieux qu'on masquera")
    services.report_moderate(actor=steward, report=hidden, hide=True, reason="Injurieux")
    report = services.reports_dataset_refresh(actor=data_officer)
    assert report.status == "created", report.errors
    dataset = Dataset.objects.get(slug=services.DATASET_SLUG)
    assert dataset.is_published and dataset.access_level == "public"
    version = DatasetVersion.objects.get(dataset=dataset)
    relation = duckdb.sql(f"SELECT * FROM '{version.absolute_path}'")
    rows, names = relation.fetchall(), relation.columns
    assert len(rows) == 1 and "identifiant" in names and "latitude" in names
    flat = " ".join(str(v) for v in rows[0])
    assert str(kept.pk) in flat
    assert "citizen" not in flat and "rue de la Loge" not in flat and "Nid-de-poule" not in flat
    assert "43.609" in flat and "3.88" in flat and "43.608512" not in flat
    assert not any("photo" in str(n) or "auteur" in str(n) for n in names)
    again = services.reports_dataset_refresh(actor=None)
    assert again.status == "unchanged"


def test_the_platform_alone_cannot_create_the_dataset(file_report, citizen):
    file_report(citizen)
    with pytest.raises(ValidationFailed):
        services.reports_dataset_refresh(actor=None)
    assert not Dataset.objects.filter(slug=services.DATASET_SLUG).exists()


def test_changes_refresh_the_dataset_through_the_worker(
    file_report, citizen, steward, data_officer, django_capture_on_commit_callbacks
):
    first = file_report(citizen)
    services.reports_dataset_refresh(actor=data_officer)
    dataset = Dataset.objects.get(slug=services.DATASET_SLUG)
    with django_capture_on_commit_callbacks(execute=True):  # the immediate task backend
        services.report_answer(actor=steward, report=first, status="resolu")
    latest = DatasetVersion.objects.filter(dataset=dataset).order_by("-number").first()
    assert latest.number == 2
    rows = duckdb.sql(f"SELECT statut FROM '{latest.absolute_path}'").fetchall()
    assert rows == [("resolu",)]
