"""Placement of version files (never over a version's file, idempotent after a crash) and the
cleanup of what dead runs leave (only orphans, only when nobody works on them)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from territoire.catalog import services as catalog_services
from territoire.lake import services
from territoire.lake.models import IngestJob
from territoire.lake.services import files, locks
from territoire.lake.services.cleanup import lake_cleanup

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

pytestmark = pytest.mark.django_db


def staged_file(home, content: bytes):
    path = home / "lake" / ".staging" / "essai" / "fichier.tmp"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def age(path, seconds: float = 7200) -> None:
    """Make ``path`` look written ``seconds`` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def test_place_reuses_an_identical_file_left_by_a_dead_run(home):
    final = home / "lake" / "budget" / "v2-aaaaaaaa.parquet"
    final.parent.mkdir(parents=True)
    final.write_bytes(b"PAR1 contenu PAR1")
    staged = staged_file(home, b"PAR1 contenu PAR1")
    assert files.place(staged, final) is False
    assert final.read_bytes() == b"PAR1 contenu PAR1" and not staged.exists()


def test_place_replaces_a_damaged_file_that_no_version_names(home):
    final = home / "lake" / "budget" / "v2-aaaaaaaa.parquet"
    final.parent.mkdir(parents=True)
    final.write_bytes(b"PAR1 tronqu")
    staged = staged_file(home, b"PAR1 contenu complet PAR1")
    assert files.place(staged, final) is True
    assert final.read_bytes() == b"PAR1 contenu complet PAR1" and not staged.exists()


def test_place_never_replaces_a_file_a_version_names(home, make_dataset, steward, budget_csv):
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    version = dataset.versions.get()
    final = home / "lake" / version.path
    before = final.read_bytes()
    staged = staged_file(home, b"PAR1 autre contenu PAR1")
    with pytest.raises(FileExistsError):
        files.place(staged, final)
    assert final.read_bytes() == before, "a version's file is never overwritten"
    assert services.file_sha256(final) == version.parquet_checksum
    assert staged.read_bytes() == b"PAR1 autre contenu PAR1"


def test_place_puts_a_new_file_in_place(home):
    final = home / "lake" / "budget" / "sources" / "v1-bbbbbbbb.csv"
    staged = staged_file(home, b"a;b\n1;2\n")
    assert files.place(staged, final) is True
    assert final.read_bytes() == b"a;b\n1;2\n" and not staged.exists()


@pytest.fixture
def leftovers(home, make_dataset, steward, budget_csv, tmp_path):
    """A lake with one real version and, around it, what dead runs leave — all old."""
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    lake = home / "lake"
    orphan = lake / dataset.slug / "v2-0123abcd.parquet"
    orphan_source = lake / dataset.slug / "sources" / "v2-4567cdef.csv"
    not_ours = lake / dataset.slug / "notes-de-l-administrateur.txt"
    dead_staging = lake / ".staging" / "0badc0ffee"
    dead_upload = home / "uploads" / "ingest" / "abandonne" / "budget.csv"
    for path in (
        orphan,
        orphan_source,
        not_ours,
        dead_staging / ".staged.parquet.tmp",
        dead_upload,
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"reste")
    for path in (orphan, orphan_source, not_ours, dead_staging, dead_upload.parent):
        age(path)
    age(dead_staging / ".staged.parquet.tmp")
    age(dead_upload)
    return {
        "dataset": dataset,
        "orphans": {orphan, orphan_source},
        "staging": dead_staging,
        "upload": dead_upload,
        "not_ours": not_ours,
    }


def test_cleanup_removes_orphans_staging_and_uploads_nobody_uses(home, leftovers):
    version = leftovers["dataset"].versions.get()
    removed = lake_cleanup(grace_seconds=60)
    assert set(removed) == {
        str(path.relative_to(home))
        for path in (*leftovers["orphans"], leftovers["staging"], leftovers["upload"].parent)
    }
    assert not any(path.exists() for path in leftovers["orphans"])
    assert (home / "lake" / version.path).is_file() and (
        home / "lake" / version.source_path
    ).is_file()
    assert leftovers["not_ours"].is_file(), "only the names ingestion writes are considered"
    assert lake_cleanup(grace_seconds=60) == []


def test_cleanup_leaves_young_files_alone(home, leftovers):
    for path in (*leftovers["orphans"], leftovers["staging"] / ".staged.parquet.tmp"):
        os.utime(path)  # written a moment ago: perhaps by a run that is still alive
    os.utime(leftovers["upload"])
    assert lake_cleanup() == []
    assert all(path.exists() for path in leftovers["orphans"])
    assert leftovers["staging"].exists() and leftovers["upload"].exists()


def test_cleanup_leaves_what_live_processes_use(home, leftovers, steward):
    dataset = leftovers["dataset"]
    job = IngestJob.objects.create(
        dataset=dataset,
        created_by=steward,
        status="queued",
        upload_path=str(leftovers["upload"]),
    )
    staging = locks.Staging()
    age(staging.path)
    holding, release = threading.Event(), threading.Event()

    def other_ingestion():  # another process's lock: its own open file, like another process
        with locks.dataset_lock(dataset.slug, holder="une autre ingestion"):
            holding.set()
            release.wait()

    thread = threading.Thread(target=other_ingestion)
    thread.start()
    holding.wait()
    try:
        removed = lake_cleanup(grace_seconds=0)
    finally:
        release.set()
        thread.join()
        staging.remove()
    assert removed == [str(leftovers["staging"].relative_to(home))]
    assert all(path.exists() for path in leftovers["orphans"]), "its dataset's ingestion runs"
    assert leftovers["upload"].exists(), f"job {job.pk} waits for it"


def test_cleanup_removes_the_lock_file_of_a_deleted_dataset(
    home, make_dataset, steward, budget_csv, data_officer
):
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    lock = home / "lake" / ".locks" / f"{dataset.slug}.lock"
    assert lock.exists()
    lake_cleanup(grace_seconds=0)
    assert lock.exists(), "its dataset exists"
    catalog_services.dataset_delete(actor=data_officer, dataset=dataset)
    assert f"lake/.locks/{dataset.slug}.lock" in lake_cleanup(grace_seconds=0)
    assert not lock.exists()
