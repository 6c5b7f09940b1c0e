"""Real processes: an ingestion SIGKILLed between placing its files and committing its version,
and two ingestions of one dataset at once. Nothing is lost, nothing blocks the next run, the
cleanup removes exactly what the dead run left, and two ingestions run one after the other."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from territoire.lake import selectors, services
from territoire.lake.models import DatasetVersion
from territoire.lake.services.cleanup import lake_cleanup
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

PATIENCE = 300  # seconds a child may take on a loaded machine before the test gives up


def changed_budget(budget_csv: Path, tmp_path: Path, name: str = "budget-modifie.csv") -> Path:
    """The real budget with one more line (its label names the file: two calls, two contents)."""
    path = tmp_path / name
    path.write_bytes(budget_csv.read_bytes() + f"2014;F;D;999;99; 12,50    ;{name}\r\n".encode())
    return path


def child(shared_database, *args, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "territoire.lake.tests.child", *map(str, args)],
        env=shared_database.env(),
        stdout=subprocess.PIPE,
        text=True,
        **popen,
    )


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def killed_run(shared_database, dataset, path, moment) -> None:
    """Run an ingestion in a child that SIGKILLs itself at `moment`, then read its database."""
    shared_database.share()
    process = child(shared_database, dataset.slug, path, "steward", "--kill-at", moment)
    out, _ = process.communicate(timeout=PATIENCE)
    assert process.returncode == -signal.SIGKILL, out
    shared_database.take_back()


@pytest.mark.parametrize("moment", ["placed", "transaction"])
def test_a_run_killed_before_commit_leaves_the_lake_as_it_was_and_the_same_file_loads_again(
    moment, shared_database, home, make_dataset, steward, budget_csv, tmp_path, lake_files
):
    dataset = make_dataset()
    first = services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    assert first.status == "created"
    changed = changed_budget(budget_csv, tmp_path)
    files_before, events_before = lake_files(), AuditEvent.objects.count()

    killed_run(shared_database, dataset, changed, moment)

    # the database is as it was: version 1 served, no version 2, no audit event
    assert selectors.dataset_current_version(dataset).number == 1
    assert DatasetVersion.objects.filter(dataset=dataset).count() == 1
    assert AuditEvent.objects.count() == events_before
    left = lake_files() - files_before
    placed = {name for name in left if name.startswith(f"{dataset.slug}/") and "/v2-" in f"/{name}"}
    assert {Path(name).suffix for name in placed} == {".parquet", ".duckdb", ".rows", ".csv"}, left
    assert any(name.startswith(".staging/") for name in left), left

    # the same file again: the orphans are the very files this run needs, and are reused
    again = services.dataset_ingest(actor=steward, dataset=dataset, source=changed)
    assert again.status == "created", again.as_dict()
    version = selectors.dataset_current_version(dataset)
    serving_file = version.path.replace(".parquet", ".duckdb")  # rebuilt: another file, same name
    rows_file = version.path.replace(".parquet", ".rows")
    assert version.number == 2
    assert {version.path, serving_file, rows_file, version.source_path} == placed
    assert services.file_sha256(home / "lake" / version.path) == version.parquet_checksum

    # the cleanup then removes exactly what the dead run left in staging, nothing of the lake
    staging_left = {name for name in left if name.startswith(".staging/")}
    removed = lake_cleanup(grace_seconds=0)
    assert set(removed) == {f"lake/{name}" for name in staging_left if name.count("/") == 1}, (
        removed
    )
    assert lake_files() == files_before | placed


def test_the_cleanup_removes_exactly_what_a_killed_run_left(
    shared_database, home, make_dataset, steward, budget_csv, tmp_path, lake_files
):
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    files_before = lake_files()
    killed_run(shared_database, dataset, changed_budget(budget_csv, tmp_path), "placed")
    left = lake_files() - files_before
    top_level = {
        f"lake/{name}"
        for name in left
        if not name.startswith(".staging/") or name.count("/") == 1
        if name != ".staging"
    }

    assert lake_cleanup() == [], "younger than the grace period: left alone"
    assert set(lake_cleanup(grace_seconds=0)) == top_level
    assert lake_files() == files_before
    current = selectors.dataset_current_version(dataset)
    assert current.number == 1 and (home / "lake" / current.path).is_file()

    other = changed_budget(budget_csv, tmp_path, "autre.csv")
    assert services.dataset_ingest(actor=steward, dataset=dataset, source=other).version == 2


@pytest.mark.parametrize("same_file", [True, False], ids=["same-file", "another-file"])
def test_two_ingestions_of_one_dataset_at_once_run_one_after_the_other(
    same_file, shared_database, home, make_dataset, steward, budget_csv, tmp_path
):
    """A child process holds the dataset's ingestion lock; `territoire ingest` started meanwhile
    says it waits, then — once the first has committed — finds the same content (unchanged) or
    writes the next version."""
    dataset = make_dataset()
    first_file = changed_budget(budget_csv, tmp_path)
    second_file = first_file if same_file else budget_csv
    go, ready, errors = tmp_path / "go", tmp_path / "ready", tmp_path / "second.err"
    shared_database.share()
    first = child(
        shared_database,
        dataset.slug,
        first_file,
        "steward",
        "--hold-until",
        go,
        "--ready",
        ready,
    )
    wait_for(ready.exists, "the first ingestion to hold the lock")
    with errors.open("w") as stderr:
        second = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "territoire"),
                "ingest",
                str(second_file),
                "--dataset",
                dataset.slug,
                "--as",
                "steward",
                "--json",
            ],
            env=shared_database.env(),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        wait_for(lambda: "En attente" in errors.read_text(), "the second one to say it waits")
        assert f"le processus de test {first.pid}" in errors.read_text()
        go.touch()
        first_out, _ = first.communicate(timeout=PATIENCE)
        second_out, _ = second.communicate(timeout=PATIENCE)
    shared_database.take_back()

    assert first.returncode == 0 and second.returncode == 0, errors.read_text()
    first_report, second_report = json.loads(first_out), json.loads(second_out)
    assert first_report["status"] == "created" and first_report["version"] == 1
    waited = second_report["warnings"][0]
    assert waited["code"] == "waited_for_other_ingestion"
    assert f"le processus de test {first.pid}" in waited["message_fr"]
    versions = list(DatasetVersion.objects.filter(dataset=dataset).order_by("number"))
    if same_file:
        assert second_report["status"] == "unchanged" and second_report["version"] == 1
        assert "Contenu identique à la version 1" in second_report["message"]
        assert [v.number for v in versions] == [1]
    else:
        assert second_report["status"] == "created" and second_report["version"] == 2
        assert [v.number for v in versions] == [1, 2]
        assert versions[1].source_checksum == services.file_sha256(budget_csv)
    assert selectors.dataset_current_version(dataset).number == versions[-1].number
    assert sorted(p.name for p in (home / "lake" / dataset.slug).glob("*.parquet")) == sorted(
        Path(v.path).name for v in versions
    )
