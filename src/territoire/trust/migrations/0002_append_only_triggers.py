"""Refuse UPDATE and DELETE on the audit log in the database itself, on SQLite and PostgreSQL."""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER trust_auditevent_no_update BEFORE UPDATE ON trust_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    """CREATE TRIGGER trust_auditevent_no_delete BEFORE DELETE ON trust_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS trust_auditevent_no_update;", "DROP TRIGGER IF EXISTS trust_auditevent_no_delete;"]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION trust_auditevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER trust_auditevent_append_only BEFORE UPDATE OR DELETE ON trust_auditevent
       FOR EACH ROW EXECUTE FUNCTION trust_auditevent_append_only();""",
    """CREATE TRIGGER trust_auditevent_no_truncate BEFORE TRUNCATE ON trust_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION trust_auditevent_append_only();""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS trust_auditevent_append_only ON trust_auditevent;",
    "DROP TRIGGER IF EXISTS trust_auditevent_no_truncate ON trust_auditevent;",
    "DROP FUNCTION IF EXISTS trust_auditevent_append_only();",
]


def forwards(apps, schema_editor):
    from django.conf import settings

    # The test suite flushes tables between transactional tests; it installs the triggers itself
    # in the test that checks them (trust/tests/test_audit_log.py).
    if not getattr(settings, "TERRITOIRE_AUDIT_TRIGGERS", True):
        return
    install(schema_editor.connection)


def install(connection):
    statements = POSTGRES_UP if connection.vendor == "postgresql" else SQLITE_UP
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def backwards(apps, schema_editor):
    uninstall(schema_editor.connection)


def uninstall(connection):
    statements = POSTGRES_DOWN if connection.vendor == "postgresql" else SQLITE_DOWN
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("trust", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
