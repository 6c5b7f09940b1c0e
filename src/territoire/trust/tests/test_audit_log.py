"""The audit log is append-only, in the ORM and in the database itself."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from territoire.trust.models import AppendOnlyError, AuditEvent
from territoire.trust.services import audit_reads_prune, audit_record


@pytest.mark.django_db
def test_events_cannot_be_changed_or_deleted_through_the_orm(data_officer):
    event = audit_record(
        actor=data_officer,
        action="update",
        object_type="catalog.dataset",
        object_id="1",
        changes={"title": ["a", "b"]},
    )
    event.reason = "réécriture"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.django_db(transaction=True)
def test_the_migration_installs_triggers_that_refuse_raw_update_and_delete(data_officer, settings):
    """What migration trust 0002 does to a database, run as migrate runs it. The test settings
    turn the triggers off (the suite flushes tables between transactional tests), so this test
    applies the migration itself, with the production setting, then takes it back."""
    settings.TERRITOIRE_AUDIT_TRIGGERS = True
    loader = MigrationLoader(connection)
    migration = loader.get_migration("trust", "0002_append_only_triggers")
    event = audit_record(actor=data_officer, action="create", object_type="x", object_id="1")
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.schema_editor() as editor:
        migration.apply(loader.project_state(("trust", "0001_initial")), editor)
    try:
        for sql in (
            f"UPDATE {table} SET reason = 'x' WHERE id = %s",
            f"DELETE FROM {table} WHERE id = %s",
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, [event.pk])
    finally:
        with connection.schema_editor() as editor:
            migration.unapply(loader.project_state(("trust", "0002_append_only_triggers")), editor)
    assert AuditEvent.objects.filter(pk=event.pk, reason="").exists()


@pytest.mark.django_db
def test_system_actor_is_named(db):
    event = audit_record(
        actor=None, action="create", object_type="territories.territory", object_id="1"
    )
    assert event.actor is None and event.actor_repr == "système"


# Run in a fresh database migrated by `territoire migrate` with the production settings module:
# an audit event is written through the service, then raw SQL tries to change and delete it.
RAW_SQL_ATTEMPTS = """
import json
from django.db import DatabaseError, connection, transaction
from territoire.trust.models import AuditEvent
from territoire.trust.services import audit_record
event = audit_record(actor=None, action="create", object_type="x", object_id="1")
table = connection.ops.quote_name(AuditEvent._meta.db_table)
outcome = {}
for verb, sql in (
    ("update", f"UPDATE {table} SET reason = 'x' WHERE id = %s"),
    ("delete", f"DELETE FROM {table} WHERE id = %s"),
):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
        outcome[verb] = "accepted"
    except DatabaseError as exc:
        outcome[verb] = str(exc)
outcome["kept"] = AuditEvent.objects.filter(pk=event.pk, reason="").exists()
print(json.dumps(outcome))
"""


@pytest.fixture
def scratch_database_url(tmp_path):
    """A database of its own, of the kind the suite runs on: a SQLite file, or a PostgreSQL
    database created on the same server and dropped afterwards."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    import psycopg

    settings_dict = connection.settings_dict
    name = f"territoire_migrate_{uuid.uuid4().hex[:12]}"
    params = {
        "host": settings_dict["HOST"] or "127.0.0.1",
        "port": settings_dict["PORT"] or 5432,
        "user": settings_dict["USER"],
        "password": settings_dict["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = settings_dict["USER"] + (
        f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    )
    try:
        yield f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    finally:
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.database
def test_a_database_migrated_as_in_production_refuses_update_and_delete(
    tmp_path, scratch_database_url
):
    """The test above applies migration 0002 itself, with the setting forced on; this one runs
    `territoire migrate` as an operator does (production settings module, no test setting) on an
    empty database and checks the result: a migration that stopped installing the triggers —
    whatever the reason, a changed default included — fails here."""
    territoire = Path(sys.executable).with_name("territoire")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "TERRITOIRE_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="territoire.settings.base",
        TERRITOIRE_HOME=str(tmp_path / "home"),
        DATABASE_URL=scratch_database_url,
        SECRET_KEY="a-production-like-secret-key-for-this-test-0123456789",
    )
    (tmp_path / "home").mkdir()
    migrate = subprocess.run(
        [str(territoire), "migrate", "-v", "0"], env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr
    attempt = subprocess.run(
        [str(territoire), "shell", "-c", RAW_SQL_ATTEMPTS], env=env, capture_output=True, text=True
    )
    assert attempt.returncode == 0, attempt.stderr
    outcome = json.loads(attempt.stdout.strip().splitlines()[-1])
    assert "append-only" in outcome["update"], outcome
    assert "append-only" in outcome["delete"], outcome
    assert outcome["kept"] is True


@pytest.mark.django_db(transaction=True)
def test_reads_older_than_the_retention_are_pruned_and_nothing_else(data_officer, settings):
    """Migration 0007 lets the database delete reads of non-public data older than 30 days, and
    nothing else; the worker's prune deletes reads older than the configured retention."""
    settings.TERRITOIRE_AUDIT_TRIGGERS = True
    settings.TERRITOIRE_AUDIT_READ_RETENTION_DAYS = 60
    now = timezone.now()
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    ages = {"old_read": ("read", 400), "read_90": ("read", 90), "read_40": ("read", 40),
            "read_10": ("read", 10), "old_change": ("create", 400)}  # fmt: skip
    events = {}
    for name, (action, days) in ages.items():
        event = audit_record(actor=data_officer, action=action, object_type="x", object_id=name)
        with connection.cursor() as cursor:  # before the triggers: dates in the past
            cursor.execute(
                f"UPDATE {table} SET created_at = %s WHERE id = %s",
                [now - dt.timedelta(days=days), event.pk],
            )
        events[name] = event.pk
    loader = MigrationLoader(connection)
    steps = [
        ("0002_append_only_triggers", ("trust", "0001_initial")),
        ("0007_audit_read_retention", ("trust", "0006_access_requests_grants_agreements")),
    ]
    applied = []
    try:
        for name, before in steps:
            migration = loader.get_migration("trust", name)
            with connection.schema_editor() as editor:
                migration.apply(loader.project_state(before), editor)
            applied.append((migration, name))
        for name in ("old_change", "read_10"):  # never / not yet deletable, even in raw SQL
            with pytest.raises(DatabaseError, match="append-only"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {table} WHERE id = %s", [events[name]])
        assert audit_reads_prune() == 2  # the reads of 400 and 90 days; 40 is within 60
        left = set(AuditEvent.objects.filter(object_type="x").values_list("object_id", flat=True))
        assert left == {"read_40", "read_10", "old_change"}
        pruning = AuditEvent.objects.filter(object_type="trust.auditevent").get()
        assert pruning.action == "delete" and "60 jours" in pruning.reason
        assert audit_reads_prune() == 0
    finally:
        for migration, name in reversed(applied):
            with connection.schema_editor() as editor:
                migration.unapply(loader.project_state(("trust", name)), editor)
