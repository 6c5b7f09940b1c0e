"""The audit log in words: « officer a publié le jeu de données « Budget » », then what changed,
old → new, with the fields' names and the choices' labels as people read them — not raw JSON.

Trust sits below every app: it reads field names and choice labels from the model registry
(``django.apps``), never by importing an app.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AuditEvent

# What each action reads as: "<actor> <verb> <object>".
VERBS = {
    "create": gettext_lazy("a créé"),
    "update": gettext_lazy("a modifié"),
    "delete": gettext_lazy("a supprimé"),
    "read": gettext_lazy("a consulté (données non publiques)"),
    "login": gettext_lazy("s'est connecté"),
    "login_failed": gettext_lazy("a échoué à se connecter"),
    "decision": gettext_lazy("a décidé sur les données personnelles de"),
    "publish": gettext_lazy("a publié"),
    "unpublish": gettext_lazy("a dépublié"),
    "submit": gettext_lazy("a soumis pour publication"),
    "send_back": gettext_lazy("a renvoyé au relais pour correction"),
    "decision_request": gettext_lazy("a demandé une décision sur les données personnelles de"),
    "access_request": gettext_lazy("a demandé l'accès à"),
    "access_grant": gettext_lazy("a accordé l'accès à"),
    "access_refuse": gettext_lazy("a refusé l'accès à"),
    "access_revoke": gettext_lazy("a révoqué l'accès à"),
    "agreement_push": gettext_lazy("a déposé des données dans le cadre de"),
}

# Keys of ``changes`` that are not model fields.
EXTRA_KEYS = {
    "themes": gettext_lazy("thèmes"),
    "territories": gettext_lazy("territoires couverts"),
    "personal_data_decision": gettext_lazy("décision"),
    "flagged_columns": gettext_lazy("colonnes signalées"),
    "decision_id": None,  # internal: not shown
    "columns": gettext_lazy("documentation des colonnes"),
    # what the lake records on a dataset when it serves a new version
    "current_version": gettext_lazy("version servie"),
    "version_path": gettext_lazy("fichier de la version"),
    "rows": gettext_lazy("lignes"),
    "source_checksum": gettext_lazy("empreinte du fichier d'origine"),
    "grant": gettext_lazy("autorisation d'accès"),
    "scope": gettext_lazy("périmètre"),
    "agreement": gettext_lazy("convention"),
}
# Bookkeeping fields a reader does not need to see.
HIDDEN_FIELDS = {"id", "created_at", "modified_at"}
COLUMN_KEYS = {
    "label": gettext_lazy("libellé"),
    "description": gettext_lazy("description"),
    "unit": gettext_lazy("unité"),
}
EXTRA_CHOICES = {
    "personal_data_decision": {
        "publish_as_is": gettext_lazy("publier tel quel"),
        "keep_private": gettext_lazy("garder privé"),
    }
}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _related_names(model, values) -> dict[str, str]:
    """A foreign key's stored ids as the objects' names (one query; gone ones keep their id)."""
    ids = [v for v in values if v not in (None, "")]
    if not ids:
        return {}
    return {str(o.pk): str(o) for o in model._default_manager.filter(pk__in=ids)}


def _value(value, choices: dict | None = None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if choices and str(value) in choices:
        return str(choices[str(value)])
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return str(value)


def object_kind(event: AuditEvent) -> str:
    """« jeu de données », « compte »… (the model's verbose name), else its label."""
    model = _model(event.object_type)
    return str(model._meta.verbose_name) if model is not None else event.object_type


def changes_readable(event: AuditEvent) -> list[Change]:
    """Each change of the event, with the field's name and values as people read them."""
    model = _model(event.object_type)
    readable: list[Change] = []
    for key, pair in (event.changes or {}).items():
        if key in HIDDEN_FIELDS or (key in EXTRA_KEYS and EXTRA_KEYS[key] is None):
            continue
        if key == "columns" and isinstance(pair, dict):
            for column_key, values in pair.items():
                column, _sep, part = str(column_key).rpartition(" — ")
                name = _("colonne « %(column)s » : %(part)s") % {
                    "column": column,
                    "part": COLUMN_KEYS.get(part, part),
                }
                readable.append(Change(name, _value(values[0]), _value(values[1])))
            continue
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        if _value(pair[0]) == "—" and _value(pair[1]) == "—":
            continue
        name, choices = str(EXTRA_KEYS.get(key, key)), EXTRA_CHOICES.get(key)
        if model is not None and key not in EXTRA_KEYS:
            try:
                field = model._meta.get_field(key)
            except FieldDoesNotExist:
                pass
            else:
                name = str(getattr(field, "verbose_name", key))
                if getattr(field, "choices", None):
                    choices = {str(k): v for k, v in field.flatchoices}
                elif field.many_to_one and field.related_model is not None:
                    choices = _related_names(field.related_model, pair)
        readable.append(Change(name, _value(pair[0], choices), _value(pair[1], choices)))
    return readable


def audit_event_sentence(event: AuditEvent) -> str:
    """One sentence: who did what to which object — « officer a publié « Budget » (jeu de
    données) », the object's kind after its name so that no article needs agreeing."""
    who = event.actor_repr or _("système")
    verb = str(VERBS.get(event.action, event.get_action_display()))
    if event.action in {"login", "login_failed"}:
        return f"{who} {verb}"
    return _("%(who)s %(verb)s « %(object)s » (%(kind)s)") % {
        "who": who,
        "verb": verb,
        "object": event.object_repr,
        "kind": object_kind(event),
    }


def audit_event_describe(event: AuditEvent) -> str:
    """The sentence, then the changes and the reason, in one line (the CSV export's)."""
    parts = [audit_event_sentence(event)]
    changes = changes_readable(event)
    if changes:
        parts.append(" ; ".join(f"{c.field} : {c.old} → {c.new}" for c in changes))
    if event.reason:
        parts.append(_("motif : %(reason)s") % {"reason": event.reason})
    return " — ".join(parts)
