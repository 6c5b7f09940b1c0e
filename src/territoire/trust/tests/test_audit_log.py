"""The audit log is append-only, in the ORM and in the database itself."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader

from territoire.trust.models import AppendOnlyError, AuditEvent
from territoire.trust.services import audit_record


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
