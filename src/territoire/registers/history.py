"""An entry's history of changes, as the public reads it (when, what kind of change, which fields:
never the values, which may name a dataset the reader may not see, nor the internal fields) and
as the staff read it (the audit log in words, old → new)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from territoire.trust import describe

from .selectors import entry_history

INTERNAL_FIELDS = {"internal_notes", "security_detail"}
ACTIONS = {"create": _("création"), "update": _("modification"), "delete": _("suppression")}


@dataclass(frozen=True)
class PublicChange:
    date: object
    action: str
    fields: list[str]


def _field_name(model: type[Model], key: str) -> str:
    try:
        return str(model._meta.get_field(key).verbose_name)  # type: ignore[union-attr]
    except Exception:  # a key that is no longer a field: say its name
        return key


def public_history(entry: Model) -> list[PublicChange]:
    history = []
    for event in entry_history(entry):
        keys = [k for k in (event.changes or {}) if k not in INTERNAL_FIELDS | {"modified_at"}]
        if event.action == "update" and not keys:
            continue  # only internal fields changed
        fields = [] if event.action == "create" else [_field_name(type(entry), k) for k in keys]
        history.append(
            PublicChange(event.created_at, str(ACTIONS.get(event.action, event.action)), fields)
        )
    return history


def staff_history(entry: Model) -> list[dict]:
    return [
        {
            "event": event,
            "sentence": describe.audit_event_sentence(event),
            "changes": describe.changes_readable(event),
        }
        for event in entry_history(entry)
    ]
