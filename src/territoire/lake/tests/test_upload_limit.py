"""The upload size limit (TERRITOIRE_UPLOAD_MAX_BYTES): refused before the body is read when
the request announces more, refused while writing when it does not; nothing is kept."""

from __future__ import annotations

import pytest

from territoire.core.errors import TooLarge
from territoire.lake import services
from territoire.lake.models import IngestJob
from territoire.lake.tests.test_api_uploads import bearer, upload, uploads_left

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_csv(tmp_path, budget_csv):
    """The real budget file, repeated past the multipart allowance (64 KiB)."""
    raw = budget_csv.read_bytes()
    header, body = raw.split(b"\n", 1)
    path = tmp_path / "budget-gros.csv"
    path.write_bytes(header + b"\n" + body * (1 + (200_000 // len(body))))
    return path


def test_api_upload_over_the_limit_is_a_413_and_keeps_nothing(
    client, home, make_dataset, steward, big_csv, settings
):
    settings.TERRITOIRE_API_RATE = "100000/60"
    settings.TERRITOIRE_UPLOAD_MAX_BYTES = 100_000
    dataset = make_dataset()
    response = upload(client, dataset.slug, big_csv, bearer(steward))
    assert response.status_code == 413
    body = response.json()
    assert body["error"] == "too_large" and body["where"] == "file"
    assert "0,1 Mo" in body["message"] and "TERRITOIRE_UPLOAD_MAX_BYTES" in body["message"]
    assert "territoire ingest" in body["message_en"]
    assert not IngestJob.objects.exists() and uploads_left(home) == []
    settings.TERRITOIRE_UPLOAD_MAX_BYTES = 10_000_000  # the same file under the limit: accepted
    assert upload(client, dataset.slug, big_csv, bearer(steward)).status_code == 202


def test_web_upload_over_the_limit_says_so_in_french(
    client, home, make_dataset, steward, big_csv, settings
):
    settings.TERRITOIRE_UPLOAD_MAX_BYTES = 100_000
    dataset = make_dataset()
    client.force_login(steward)
    with big_csv.open("rb") as handle:
        response = client.post(
            f"/espace/jeux-de-donnees/{dataset.slug}/depot/", {"file": handle, "schema": ""}
        )
    assert response.status_code == 413
    page = response.content.decode()
    assert "Fichier trop gros" in page and "la limite de cette plateforme est de 0,1 Mo" in page
    assert 'role="alert"' in page
    assert not IngestJob.objects.exists() and uploads_left(home) == []


def test_a_body_without_length_is_cut_while_written(home, settings):
    settings.TERRITOIRE_UPLOAD_MAX_BYTES = 1000
    chunks = (b"x" * 300 for _ in range(10))
    with pytest.raises(TooLarge) as caught:
        services.upload_store(chunks=chunks, original_name="flux.csv")
    assert caught.value.status == 413 and caught.value.where == "file"
    assert uploads_left(home) == []
    path = services.upload_store(chunks=[b"a;b\n1;2\n"], original_name="petit.csv")
    assert path.read_bytes() == b"a;b\n1;2\n"
