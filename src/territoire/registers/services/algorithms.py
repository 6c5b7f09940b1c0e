"""Writes to the register of public algorithms."""

from __future__ import annotations

import math
from typing import Any

from territoire.core.errors import ValidationFailed

from .. import selectors
from ..models import Algorithm
from ..vocabularies import Automation
from .common import check_datasets, entry_delete, entry_save, require

FIELDS = {
    "name",
    "slug",
    "service",
    "purpose",
    "decision",
    "legal_basis",
    "automation",
    "parameters",
    "human_oversight",
    "how_to_contest",
    "contact",
    "source_code_url",
    "is_published",
    "internal_notes",
}


def _weight(value: Any, name: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        weight = float(str(value).replace(",", "."))
    except ValueError:
        weight = math.nan
    if not math.isfinite(weight) or weight < 0:
        raise ValidationFailed(
            f"Paramètre « {name} » : la pondération doit être un nombre positif ou nul "
            f"(reçu « {value} »).",
            f"Parameter '{name}': the weight must be a non-negative number (got '{value}').",
            where="parameters",
        )
    return weight


def _check_parameters(values: dict[str, Any]) -> None:
    """Parameters are structured data: a name, what it means, a weight (a number, or none when
    the parameter is a condition rather than a weighted term)."""
    if "parameters" not in values:
        return
    items = values["parameters"]
    cleaned, seen = [], set()
    for raw in items if isinstance(items, list) else [None]:
        item: dict[str, Any] = raw if isinstance(raw, dict) else {}
        name = str(item.get("name") or "").strip()
        if not name:
            raise ValidationFailed(
                "Chaque paramètre a un nom.", "Each parameter has a name.", where="parameters"
            )
        if name.casefold() in seen:
            raise ValidationFailed(
                f"Le paramètre « {name} » est donné deux fois.",
                f"Parameter '{name}' is given twice.",
                where="parameters",
            )
        seen.add(name.casefold())
        cleaned.append(
            {
                "name": name,
                "description": str(item.get("description") or "").strip(),
                "weight": _weight(item.get("weight"), name),
            }
        )
    values["parameters"] = cleaned


def _check(values: dict[str, Any]) -> None:
    unknown = set(values) - FIELDS
    if unknown:
        raise ValidationFailed(
            f"Champs inconnus : {', '.join(sorted(unknown))}.",
            f"Unknown fields: {', '.join(sorted(unknown))}.",
        )
    if "automation" in values and values["automation"] not in Automation.values:
        raise ValidationFailed(
            f"Degré d'automatisation inconnu : {values['automation']} (attendu : assist ou "
            "decide).",
            f"Unknown degree of automation: {values['automation']} (expected assist or decide).",
            where="automation",
        )
    _check_parameters(values)


def _check_processing(actor, processing: list | None) -> None:
    if processing is None:
        return
    visible = set(
        selectors.processing_list_for_actor(actor)
        .filter(pk__in=[p.pk for p in processing])
        .values_list("pk", flat=True)
    )
    missing = [p.slug for p in processing if p.pk not in visible]
    if missing:
        raise ValidationFailed(
            f"Traitement introuvable : {', '.join(missing)}.",
            f"Processing activity not found: {', '.join(missing)}.",
            where="processing_activities",
        )


def _check_complete(name: str, purpose: str) -> None:
    require({"name": name, "purpose": purpose}, "name", "nom de l'algorithme")
    require({"name": name, "purpose": purpose}, "purpose", "finalité")


def algorithm_create(
    *,
    actor,
    name: str,
    service,
    purpose: str,
    datasets: list | None = None,
    processing_activities: list | None = None,
    reason: str = "",
    **values: Any,
) -> Algorithm:
    values.update(name=name, service=service, purpose=purpose)
    _check(values)
    _check_complete(name, purpose)
    check_datasets(actor, datasets)
    _check_processing(actor, processing_activities)
    return entry_save(  # type: ignore[return-value]
        actor=actor,
        instance=Algorithm(**values),
        values={},
        relations={
            "datasets": datasets or [],
            "processing_activities": processing_activities or [],
        },
        reason=reason,
    )


def algorithm_update(
    *,
    actor,
    entry: Algorithm,
    datasets: list | None = None,
    processing_activities: list | None = None,
    reason: str = "",
    **values: Any,
) -> Algorithm:
    _check(values)
    _check_complete(values.get("name", entry.name), values.get("purpose", entry.purpose))
    check_datasets(actor, datasets)
    _check_processing(actor, processing_activities)
    return entry_save(  # type: ignore[return-value]
        actor=actor,
        instance=entry,
        values=values,
        relations={"datasets": datasets, "processing_activities": processing_activities},
        reason=reason,
    )


def algorithm_delete(*, actor, entry: Algorithm, reason: str = "") -> None:
    entry_delete(actor=actor, instance=entry, reason=reason)
