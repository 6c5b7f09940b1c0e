"""The lake settings of a dataset: permission, type overrides, key column, schema, sheet, source URL."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from territoire.catalog import selectors as catalog_selectors
from territoire.catalog.models import Dataset
from territoire.core.errors import ValidationFailed
from territoire.schemas.registry import schema_load
from territoire.trust.services import audit_record, model_snapshot, snapshot_diff

from ..engine import IngestOptions, Limits
from ..engine.names import to_identifier
from ..models import DatasetLake

COLUMN_TYPES = (
    "integer",
    "decimal",
    "boolean",
    "date",
    "datetime",
    "geo_point",
    "geometry",
    "text",
)


def require_edit(actor, dataset: Dataset) -> None:
    """The catalogue's edit check; the platform itself (``None``: the CLI without an account, a
    scheduled refresh) may load data into existing datasets."""
    if actor is None:
        return
    catalog_selectors.dataset_check_editable(actor, dataset)


def dataset_lake_get(dataset: Dataset) -> DatasetLake:
    """The dataset's lake settings, created empty on first use (no audit: it holds no decision yet)."""
    lake, _ = DatasetLake.objects.get_or_create(dataset=dataset)
    return lake


def _check_overrides(overrides: dict[str, str], columns: list[dict] | None) -> dict[str, str]:
    clean: dict[str, str] = {}
    known = {c["id"] for c in columns} if columns else None
    for column, kind in overrides.items():
        if not kind:
            continue
        if kind not in COLUMN_TYPES:
            raise ValidationFailed(
                f"Type « {kind} » inconnu pour la colonne « {column} ». Types possibles : {', '.join(COLUMN_TYPES)}.",
                f"Unknown type '{kind}' for column '{column}'. Allowed: {', '.join(COLUMN_TYPES)}.",
                where=f"type_overrides.{column}",
            )
        if known is not None and column not in known:
            raise ValidationFailed(
                f"La colonne « {column} » n'existe pas dans la version courante. Colonnes : {', '.join(sorted(known))}.",
                f"Column '{column}' is not in the current version. Columns: {', '.join(sorted(known))}.",
                where=f"type_overrides.{column}",
            )
        clean[column] = kind
    return clean


def dataset_set_type_overrides(
    *, actor, dataset: Dataset, overrides: dict[str, str], reason: str = ""
) -> DatasetLake:
    """Force column types (by column identifier) for this and every next ingestion; an empty type
    removes the override. Reload the current version with `dataset_reingest` to apply them now."""
    require_edit(actor, dataset)
    with transaction.atomic():
        lake = DatasetLake.objects.select_for_update().get(pk=dataset_lake_get(dataset).pk)
        current = lake.current_version
        clean = _check_overrides(overrides, current.columns if current else None)
        before = model_snapshot(lake)
        lake.type_overrides = clean
        lake.save(update_fields=["type_overrides"])
        changes = snapshot_diff(before, model_snapshot(lake))
        if changes:
            audit_record(
                actor=actor, action="update", instance=lake, changes=changes, reason=reason
            )
    return lake


def dataset_lake_update(
    *,
    actor,
    dataset: Dataset,
    key_column: str | None = None,
    schema_ref: str | None = None,
    sheet: str | None = None,
    source_url: str | None = None,
) -> DatasetLake:
    """Change the lake settings of a dataset; `None` leaves a setting as it is, "" clears it."""
    require_edit(actor, dataset)
    if schema_ref:
        schema_load(schema_ref)
    if source_url and not source_url.startswith(("http://", "https://")):
        raise ValidationFailed(
            "L'URL de la source doit commencer par http:// ou https://.",
            "The source URL must start with http:// or https://.",
            where="source_url",
        )
    with transaction.atomic():
        lake = DatasetLake.objects.select_for_update().get(pk=dataset_lake_get(dataset).pk)
        if key_column:
            columns = {
                c["id"] for c in (lake.current_version.columns if lake.current_version else [])
            }
            if key_column not in columns:
                raise ValidationFailed(
                    f"La colonne clé « {key_column} » n'existe pas dans la version courante.",
                    f"Key column '{key_column}' is not in the current version.",
                    where="key_column",
                )
        before = model_snapshot(lake)
        for name, value in {
            "key_column": key_column,
            "schema_ref": schema_ref,
            "sheet": sheet,
            "source_url": source_url,
        }.items():
            if value is not None:
                setattr(lake, name, value.strip())
        lake.save()
        changes = snapshot_diff(before, model_snapshot(lake))
        if changes:
            audit_record(actor=actor, action="update", instance=lake, changes=changes)
    return lake


def ingest_limits() -> Limits:
    """The reading process's limits, from the settings (docs/configuration.md)."""
    return Limits(
        memory_mb=settings.TERRITOIRE_INGEST_MEMORY_MB,
        seconds=settings.TERRITOIRE_INGEST_SECONDS,
        max_columns=settings.TERRITOIRE_INGEST_MAX_COLUMNS,
    )


def effective_options(options, lake: DatasetLake):
    options = options or IngestOptions()
    return IngestOptions(
        sheet=options.sheet or lake.sheet or None,
        encoding=options.encoding,
        delimiter=options.delimiter,
        type_overrides={**(lake.type_overrides or {}), **(options.type_overrides or {})},
        limits=ingest_limits(),
    )


def type_overrides_release(*, actor, dataset: Dataset, issues) -> list[str]:
    """After an ingestion refused because values do not fit a stored type override, remove
    those overrides (audited), so that the next upload is typed from its content instead of
    failing again. Returns the labels of the columns released."""
    failed = {
        getattr(i, "column", None) or (i.get("column") if isinstance(i, dict) else None)
        for i in issues or []
        if (getattr(i, "code", None) or (i.get("code") if isinstance(i, dict) else None))
        == "override_mismatch"
    }
    failed.discard(None)
    if not failed:
        return []
    with transaction.atomic():
        lake = DatasetLake.objects.select_for_update().get(pk=dataset_lake_get(dataset).pk)
        stored = dict(lake.type_overrides or {})
        labels = _labels(lake)
        failed_ids = {to_identifier(label) for label in failed if label is not None}
        released = [
            column
            for column in stored
            if column in failed or column in failed_ids or labels.get(column) in failed
        ]
        if not released:
            return []
        before = model_snapshot(lake)
        lake.type_overrides = {k: v for k, v in stored.items() if k not in released}
        lake.save(update_fields=["type_overrides"])
        audit_record(
            actor=actor,
            action="update",
            instance=lake,
            changes=snapshot_diff(before, model_snapshot(lake)),
            reason="types imposés retirés : des valeurs du fichier ne s'y prêtent pas"[:500],
        )
    return [labels.get(column, column) for column in released]


def _labels(lake: DatasetLake) -> dict[str, str]:
    columns = lake.current_version.columns if lake.current_version else []
    return {c["id"]: c.get("label") or c["id"] for c in columns}


def options_fingerprint(options, schema_ref: str) -> dict[str, Any]:
    return {
        "sheet": options.sheet,
        "encoding": options.encoding,
        "delimiter": options.delimiter,
        "type_overrides": dict(sorted((options.type_overrides or {}).items())),
        "schema_ref": schema_ref or "",
    }
