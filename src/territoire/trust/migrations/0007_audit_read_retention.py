"""Reads of non-public data (action ``read``) may be deleted once older than the retention period
(TERRITOIRE_AUDIT_READ_RETENTION_DAYS, enforced by the worker: trust.services.audit_reads_prune);
the database itself still refuses every UPDATE, every TRUNCATE, and every DELETE of any other
event or of a read younger than 30 days (the setting's floor)."""

from django.db import migrations

FLOOR_DAYS = 30

SQLITE_UP = [
    "DROP TRIGGER IF EXISTS trust_auditevent_no_delete;",
    f"""CREATE TRIGGER trust_auditevent_no_delete BEFORE DELETE ON trust_auditevent
       WHEN NOT (OLD.action = 'read'
                 AND OLD.created_at < strftime('%Y-%m-%d %H:%M:%S', 'now', '-{FLOOR_DAYS} days'))
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS trust_auditevent_no_delete;",
    """CREATE TRIGGER trust_auditevent_no_delete BEFORE DELETE ON trust_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
POSTGRES_UP = [
    f"""CREATE OR REPLACE FUNCTION trust_auditevent_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND OLD.action = 'read'
            AND OLD.created_at < now() - interval '{FLOOR_DAYS} days' THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'audit log is append-only';
       END; $$ LANGUAGE plpgsql;""",
]
POSTGRES_DOWN = [
    """CREATE OR REPLACE FUNCTION trust_auditevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
]


def _run(connection, statements):
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection):
    _run(connection, POSTGRES_UP if connection.vendor == "postgresql" else SQLITE_UP)


def uninstall(connection):
    _run(connection, POSTGRES_DOWN if connection.vendor == "postgresql" else SQLITE_DOWN)


def forwards(apps, schema_editor):
    from django.conf import settings

    if not getattr(settings, "TERRITOIRE_AUDIT_TRIGGERS", True):  # as 0002: the suite's setting
        return
    install(schema_editor.connection)


def backwards(apps, schema_editor):
    from django.conf import settings

    if not getattr(settings, "TERRITOIRE_AUDIT_TRIGGERS", True):
        return
    uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("trust", "0006_access_requests_grants_agreements")]
    operations = [migrations.RunPython(forwards, backwards)]
