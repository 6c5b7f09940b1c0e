"""The documentation of a dataset's columns (label, description, unit), kept by column
identifier across versions; one audited change per save."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from territoire.core.errors import ValidationFailed
from territoire.trust.services import audit_record

from ..models import ColumnDescription, Dataset
from ..selectors import dataset_check_editable

DOCUMENTED = ("label", "description", "unit")
LIMITS = {"label": 200, "unit": 50, "description": 5000}


def _clean(column: str, values: Mapping[str, str]) -> dict[str, str]:
    cleaned = {}
    for key in DOCUMENTED:
        raw = str(values.get(key) or "")
        value = raw.strip() if key == "description" else " ".join(raw.split())
        if len(value) > LIMITS[key]:
            raise ValidationFailed(
                f"Colonne « {column} » : {LIMITS[key]} caractères au plus pour ce champ.",
                f"Column '{column}': at most {LIMITS[key]} characters for this field.",
                where=f"{column}.{key}",
            )
        cleaned[key] = value
    return cleaned


def column_descriptions_set(
    *, actor, dataset: Dataset, descriptions: Mapping[str, Mapping[str, str]]
) -> dict[str, ColumnDescription]:
    """Document the columns named in ``descriptions`` ({column id: {label, description, unit}});
    a column left with nothing documented loses its row. Columns not named keep theirs (those
    of earlier versions included). One audit event lists what changed, old → new."""
    dataset_check_editable(actor, dataset)
    cleaned = {str(column): _clean(str(column), values) for column, values in descriptions.items()}
    changes: dict[str, list] = {}
    with transaction.atomic():
        existing = {
            d.column: d
            for d in ColumnDescription.objects.select_for_update().filter(
                dataset=dataset, column__in=list(cleaned)
            )
        }
        for column, values in cleaned.items():
            row = existing.get(column)
            before = {key: getattr(row, key) if row else "" for key in DOCUMENTED}
            if before == values:
                continue
            for key in DOCUMENTED:
                if before[key] != values[key]:
                    changes[f"{column} — {key}"] = [before[key] or None, values[key] or None]
            if not any(values.values()):
                if row is not None:
                    row.delete()
                continue
            row = row or ColumnDescription(dataset=dataset, column=column)
            for key, value in values.items():
                setattr(row, key, value)
            row.save()
        if changes:
            audit_record(
                actor=actor,
                action="update",
                instance=dataset,
                changes={"columns": changes},
                reason="documentation des colonnes",
            )
    return {
        d.column: d for d in ColumnDescription.objects.filter(dataset=dataset).order_by("column")
    }
