"""The version row, the swap of the served version and the audit event are one transaction, taken
under the lock of the dataset's lake row: a failure in it leaves nothing, and a lake setting
changed meanwhile by someone else is never overwritten."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import DatabaseError, connection, connections, transaction

from territoire.lake import selectors, services
from territoire.lake.models import DatasetLake, DatasetVersion
from territoire.lake.services import ingest
from territoire.lake.tests.test_crash_and_concurrency import changed_budget
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]


@pytest.mark.django_db
def test_a_failure_inside_the_swap_leaves_no_version_and_no_file(
    home, make_dataset, steward, budget_csv, tmp_path, lake_files, monkeypatch
):
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    files_before, events_before = lake_files(), AuditEvent.objects.count()

    def audit_unavailable(**kwargs):
        raise DatabaseError("journal d'audit indisponible")

    monkeypatch.setattr(ingest, "audit_record", audit_unavailable)
    with pytest.raises(DatabaseError):
        services.dataset_ingest(
            actor=steward, dataset=dataset, source=changed_budget(budget_csv, tmp_path)
        )
    assert list(
        DatasetVersion.objects.filter(dataset=dataset).values_list("number", flat=True)
    ) == [1]
    assert DatasetLake.objects.get(dataset=dataset).current_version.number == 1
    assert AuditEvent.objects.count() == events_before
    assert lake_files() == files_before


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_the_swap_waits_for_a_lake_setting_being_changed_and_keeps_it(
    home, make_dataset, steward, budget_csv, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises whole write transactions")
    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    holding, failures = threading.Event(), []

    def setting_changed_meanwhile():
        """A steward sets the key column in a transaction that commits only once the ingestion
        is blocked on the lake row."""
        try:
            with transaction.atomic():
                services.dataset_lake_update(actor=steward, dataset=dataset, key_column="nature")
                holding.set()
                deadline = time.monotonic() + 300
                while not _waiting_for_a_lock():
                    assert time.monotonic() < deadline, "the ingestion never waited for the row"
                    time.sleep(0.02)
        except BaseException as exc:  # seen by the test below
            failures.append(exc)
            holding.set()
        finally:
            connections.close_all()

    other = threading.Thread(target=setting_changed_meanwhile)

    def progress(percent, stage):
        if stage == "Enregistrement de la version":  # the files are placed; the swap comes next
            other.start()
            holding.wait()

    report = services.dataset_ingest(
        actor=steward,
        dataset=dataset,
        source=changed_budget(budget_csv, tmp_path),
        progress=progress,
    )
    other.join()
    assert failures == []
    assert report.status == "created" and report.version == 2
    lake = DatasetLake.objects.get(dataset=dataset)
    assert lake.key_column == "nature", "the setting committed meanwhile is kept"
    assert selectors.dataset_current_version(dataset).number == 2


@pytest.mark.django_db(transaction=True)
def test_a_publication_during_the_swap_is_seen_by_the_personal_data_rule(
    home, make_dataset, steward, budget_csv, delibs_csv
):
    """Publication and the swap lock the dataset row: a publication committing while a version
    flagged as personal data is swapped in is either seen by the swap (the version is refused) or
    sees the version (the publication is refused). Never a published dataset serving names."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises whole write transactions")
    from territoire.catalog import services as catalog_services

    dataset = make_dataset()
    services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    holding, failures = threading.Event(), []

    def published_meanwhile():
        """The steward publishes the clean version 1; the transaction commits only once the
        ingestion is blocked on the dataset row (or after 20 s if it never is)."""
        try:
            with transaction.atomic():
                catalog_services.dataset_publish(actor=steward, dataset=dataset)
                holding.set()
                deadline = time.monotonic() + 20
                while not _waiting_for_a_lock():
                    if time.monotonic() > deadline:
                        failures.append("the swap never waited for the dataset row")
                        break
                    time.sleep(0.02)
        except BaseException as exc:  # seen by the test below
            failures.append(exc)
            holding.set()
        finally:
            connections.close_all()

    other = threading.Thread(target=published_meanwhile)

    def progress(percent, stage):
        if stage == "Enregistrement de la version":  # the files are placed; the swap comes next
            other.start()
            holding.wait()

    report = services.dataset_ingest(
        actor=steward, dataset=dataset, source=delibs_csv, progress=progress
    )
    other.join()
    assert failures == []
    dataset.refresh_from_db()
    assert dataset.is_published
    assert report.status != "created", "a published dataset started serving flagged names"
    assert selectors.dataset_current_version(dataset).number == 1
    assert not DatasetVersion.objects.filter(dataset=dataset, number=2).exists()
