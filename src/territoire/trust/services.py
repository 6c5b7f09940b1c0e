"""Write audit events. Services call `audit_record` inside their own transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from territoire.core.errors import ValidationFailed

from .models import AuditAction, AuditEvent, PersonalDataDecision, PersonalDataDecisionChoice

SECRET_FIELDS = {"password", "secret_hash"}

M = TypeVar("M", bound=models.Model)


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def model_snapshot(instance: models.Model) -> dict[str, Any]:
    """The concrete field values of an instance, for old → new diffs (secrets masked)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if field.name == "geometry" and value:
            value = f"<{value.get('type', 'geometry')}>"
        data[field.name] = "••••" if field.name in SECRET_FIELDS and value else _jsonable(value)
    return data


def snapshot_diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list]:
    before = before or {}
    after = after or {}
    ignored = {"modified_at", "last_login", "last_used_at"}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if key not in ignored and before.get(key) != after.get(key)
    }


def audit_record(
    *,
    actor,
    action: str,
    instance: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
    changes: dict | None = None,
    reason: str = "",
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one audit event. Must run inside the caller's transaction."""
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or str(instance.pk or "")
        object_repr = object_repr or str(instance)[:300]
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_person else None,
        actor_repr=(actor.username if is_person else "système")[:200],
        action=action,
        object_type=object_type or "",
        object_id=object_id or "",
        object_repr=(object_repr or "")[:300],
        changes=_jsonable(changes or {}),
        reason=reason,
        ip_address=ip_address,
    )


def audited_save(*, actor, instance: M, reason: str = "", fields: list[str] | None = None) -> M:
    """Save an instance and record a create or update event with its old → new values."""
    with transaction.atomic():
        before = None
        if instance.pk is not None:
            previous = type(instance)._default_manager.filter(pk=instance.pk).first()
            before = model_snapshot(previous) if previous else None
        creating = before is None
        instance.save(update_fields=fields) if fields and not creating else instance.save()
        changes = snapshot_diff(before, model_snapshot(instance))
        if creating or changes:
            audit_record(
                actor=actor,
                action="create" if creating else "update",
                instance=instance,
                changes=changes,
                reason=reason,
            )
    return instance


def audited_delete(*, actor, instance: models.Model, reason: str = "") -> None:
    with transaction.atomic():
        snapshot = model_snapshot(instance)
        label, pk, text = instance._meta.label_lower, str(instance.pk), str(instance)
        instance.delete()
        audit_record(
            actor=actor,
            action="delete",
            object_type=label,
            object_id=pk,
            object_repr=text,
            changes=snapshot_diff(snapshot, None),
            reason=reason,
        )


def personal_data_decision_write(
    *, actor, dataset, decision: str, reason: str, flags: list[dict] | None
) -> PersonalDataDecision:
    """Write a decision on a dataset flagged as holding personal data, with its audit event, in
    one transaction. The reason is required (it is what the audit log and the register show).

    Who may decide, and what the decision changes (« garder privé » unpublishes), is the
    catalogue's: call ``catalog.services.personal_data_decision_record``, never this directly.
    """
    if decision not in PersonalDataDecisionChoice.values:
        raise ValidationFailed(
            f"Décision inconnue : « {decision} » (attendu : publish_as_is ou keep_private).",
            f"Unknown decision '{decision}' (expected publish_as_is or keep_private).",
            where="decision",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Indiquez le motif de la décision : il sera conservé dans le journal d'audit.",
            "Give the reason for the decision: it is kept in the audit log.",
            where="reason",
        )
    flags = _jsonable(list(flags or []))
    with transaction.atomic():
        record = PersonalDataDecision.objects.create(
            dataset=dataset,
            decided_by=actor,
            decision=decision,
            reason=reason,
            flags=flags,
        )
        audit_record(
            actor=actor,
            action=AuditAction.DECISION,
            instance=dataset,
            changes={
                "personal_data_decision": [None, decision],
                "decision_id": [None, record.pk],
                "flagged_columns": [
                    None,
                    sorted(
                        {
                            str(f.get("label") or f.get("column"))
                            for f in flags
                            if isinstance(f, dict)
                        }
                    ),
                ],
            },
            reason=reason,
        )
    return record


def audit_reads_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete the reads of non-public data (action ``read``) older than
    ``TERRITOIRE_AUDIT_READ_RETENTION_DAYS`` (365 by default, at least 30: the database refuses
    younger ones); every other event is kept for ever. Run by each worker's hourly round. The
    pruning itself is an audit event. Returns how many reads were deleted."""
    days = max(int(getattr(settings, "TERRITOIRE_AUDIT_READ_RETENTION_DAYS", 365)), 30)
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:  # the model's delete() refuses, by design
            cursor.execute(
                f"DELETE FROM {table} WHERE action = %s AND created_at < %s",  # noqa: S608
                [AuditAction.READ, cutoff],
            )
            deleted = cursor.rowcount
        if deleted:
            audit_record(
                actor=None,
                action=AuditAction.DELETE,
                object_type="trust.auditevent",
                object_repr=f"{deleted} lectures antérieures au {cutoff.date().isoformat()}",
                reason=f"durée de conservation des lectures : {days} jours",
            )
    return deleted
