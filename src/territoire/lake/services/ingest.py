"""Ingest a file into a new version: stage, validate, flag, place, swap in one transaction."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils.text import get_valid_filename

from territoire.accounts import permissions
from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset
from territoire.core.errors import TerritoireError, ValidationFailed
from territoire.trust.services import audit_record

from .. import engine
from ..engine import IngestOptions
from ..models import Conformity, DatasetLake, DatasetVersion
from ..report import IngestReport, error_issue
from .files import file_sha256, lake_root, place, remove_empty_dirs
from .lake_settings import (
    dataset_lake_get,
    effective_options,
    options_fingerprint,
    require_edit,
    schema_load,
)

Progress = Callable[[int, str], None]


def _version_report(report: IngestReport, version: DatasetVersion) -> None:
    report.version = version.number
    report.rows = version.row_count
    report.columns = version.columns
    report.validation = version.validation or None
    report.conformity = version.conformity
    report.schema = version.schema_ref or None
    report.personal_data = version.personal_data
    report.parquet_checksum = version.parquet_checksum


def _issues(issues) -> tuple[list[dict], list[dict]]:
    warnings, errors = [], []
    for issue in issues or []:
        data = issue.as_dict() if hasattr(issue, "as_dict") else dict(issue)
        (errors if data.get("severity") == "error" else warnings).append(data)
    return warnings, errors


def _published_gate(dataset: Dataset, flags: list[dict]) -> None:
    """A published dataset must not start serving personal data without a data officer's decision."""
    if not flags or not dataset.is_published:
        return
    from territoire.trust.selectors import personal_data_decision_latest

    decision = personal_data_decision_latest(dataset)
    if decision is not None and decision.decision == "publish_as_is":
        return
    columns = ", ".join(sorted({str(f.get("column") or f.get("label") or "?") for f in flags}))
    raise ValidationFailed(
        f"La nouvelle version contient des données personnelles (colonnes : {columns}) alors que le jeu de "
        "données est publié. La version précédente reste en service : un administrateur des données doit "
        "enregistrer une décision (publier tel quel ou garder privé), ou dépubliez le jeu avant de recharger.",
        f"The new version holds personal data (columns: {columns}) while the dataset is published. The "
        "previous version keeps serving: a data officer must record a decision (publish as is or keep "
        "private), or unpublish the dataset before loading.",
        where="personal_data",
    )


def dataset_ingest(
    *,
    actor,
    dataset: Dataset,
    source: Path,
    original_name: str | None = None,
    schema_ref: str | None = None,
    options=None,
    publish: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest `source` into a new version of `dataset`, or report that its content is unchanged.

    Problems with the input (unreadable file, unknown schema, concurrent ingestion…) come back as a
    report with status "failed" and its errors; a refused permission raises PermissionRefused. A
    `schema_ref` or `options.sheet` given here is remembered for the next ingestions.
    """
    started = time.monotonic()
    require_edit(actor, dataset)
    notify = progress or (lambda percent, stage: None)
    source = Path(source)
    name = original_name or source.name
    lake = dataset_lake_get(dataset)
    current = lake.current_version
    report = IngestReport(
        dataset=dataset.slug, status="failed", previous_version=current.number if current else None
    )
    report.source = {"name": name}
    effective_schema = schema_ref if schema_ref is not None else lake.schema_ref
    try:
        schema = schema_load(effective_schema) if effective_schema else None
        options = effective_options(options, lake)
        fingerprint = options_fingerprint(options, effective_schema)
        checksum = None
        if current is not None and current.options == fingerprint:
            # Only then can the content be unchanged: hash it first, to skip a whole ingestion.
            # Otherwise staging hashes it anyway, while DuckDB reads it (one pass, not two).
            notify(5, "Calcul de l'empreinte du fichier")
            checksum = engine.source_checksum(source)
    except (TerritoireError, OSError) as exc:
        return _failed(report, exc, name, started)
    report.source_checksum = checksum
    report.schema = effective_schema or None
    if current is not None and checksum is not None and current.source_checksum == checksum:
        _version_report(report, current)
        report.status = "unchanged"
        report.source = current.report.get("source", report.source)
        report.message_fr = (
            f"Contenu identique à la version {current.number} : aucune nouvelle version."
        )
        report.message_en = f"Same content as version {current.number}: no new version."
        notify(100, "Contenu inchangé")
        return _finish(report, actor, dataset, publish, started)
    report = _ingest_new_version(
        actor=actor,
        dataset=dataset,
        lake=lake,
        source=source,
        name=name,
        schema_ref=effective_schema,
        schema=schema,
        options=options,
        fingerprint=fingerprint,
        checksum=checksum,
        report=report,
        notify=notify,
        explicit={"schema_ref": schema_ref, "sheet": options.sheet},
    )
    if report.status == "failed":
        report.seconds = time.monotonic() - started
        return report
    return _finish(report, actor, dataset, publish, started)


def _failed(report: IngestReport, exc: BaseException, name: str, started: float) -> IngestReport:
    issues = getattr(exc, "issues", None)
    if issues:
        report.warnings, report.errors = _issues(issues)
        if not report.errors:
            report.errors = [error_issue(exc, file=name)]
    elif isinstance(exc, TerritoireError):
        report.errors = [error_issue(exc, file=name)]
    else:
        report.errors = [
            {
                "severity": "error",
                "code": "io_error",
                "file": name,
                "line": None,
                "column": None,
                "message_fr": f"Lecture ou écriture impossible : {exc}. Vérifiez le fichier et l'espace disque.",
                "message_en": f"Could not read or write: {exc}. Check the file and the free disk space.",
                "hint_fr": None,
                "hint_en": None,
            }
        ]
    report.status = "failed"
    report.message_fr = "Échec de l'ingestion : la version précédente reste en service."
    report.message_en = "Ingestion failed: the previous version keeps serving."
    report.seconds = time.monotonic() - started
    return report


def _finish(
    report: IngestReport, actor, dataset: Dataset, publish: bool, started: float
) -> IngestReport:
    if publish:
        try:
            catalog_services.dataset_publish(actor=actor, dataset=dataset, reason="ingestion")
        except TerritoireError as exc:
            report.errors.append(error_issue(exc, code="publication_refused"))
    dataset.refresh_from_db(fields=["is_published"])
    report.published = dataset.is_published
    report.seconds = time.monotonic() - started
    return report


def _ingest_new_version(
    *,
    actor,
    dataset,
    lake,
    source,
    name,
    schema_ref,
    schema,
    options,
    fingerprint,
    checksum,
    report,
    notify,
    explicit,
) -> IngestReport:
    started = time.monotonic()
    staging = lake_root() / ".staging" / uuid.uuid4().hex
    dataset_dir = lake_root() / dataset.slug
    placed: list[Path] = []
    staged = None
    try:
        staging.mkdir(parents=True)
        notify(10, "Lecture et typage des colonnes")
        staged = engine.stage(source, workdir=staging, options=options, original_name=name)
        checksum = checksum or staged.source_checksum
        report.source_checksum = checksum
        columns = [c.as_dict() for c in staged.columns]
        report.warnings, report.errors = _issues(staged.issues)
        report.source = {
            "name": name,
            "format": staged.source_format,
            "encoding": staged.encoding,
            "delimiter": staged.delimiter,
            "has_header": staged.has_header,
            "sheet": getattr(staged, "sheet", None),
        }
        validation, conformity = None, Conformity.NONE
        if schema is not None:
            notify(45, "Validation du schéma")
            from territoire.schemas.validation import validate_table

            result = validate_table(
                staged.con, "raw", schema, columns, line_column="__line__", file_name=name
            )
            validation = result.as_dict()
            conformity = Conformity.VALID if result.valid else Conformity.INVALID
        notify(60, "Recherche de données personnelles")
        from territoire.trust.personal_data import detect_personal_data

        flags = list(detect_personal_data(staged.con, "raw", columns))
        _published_gate(dataset, flags)
        notify(70, "Écriture de la version Parquet")
        parquet = Path(staged.parquet_path)
        parquet_checksum = file_sha256(parquet)
        byte_size = parquet.stat().st_size
        source_copy = staging / "source-copy"
        shutil.copyfile(source, source_copy)
        with source_copy.open("rb") as handle:
            os.fsync(handle.fileno())
        number = (
            DatasetVersion.objects.filter(dataset=dataset).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        final = dataset_dir / f"v{number}-{parquet_checksum[:8]}.parquet"
        suffix = get_valid_filename(Path(name).suffix.lower())[:12] if Path(name).suffix else ""
        source_final = dataset_dir / "sources" / f"v{number}-{checksum[:8]}{suffix}"
        place(parquet, final)
        placed.append(final)
        place(source_copy, source_final)
        placed.append(source_final)
        notify(90, "Enregistrement de la version")
        root = lake_root()
        with transaction.atomic():
            lake = DatasetLake.objects.select_for_update().get(pk=lake.pk)
            if DatasetVersion.objects.filter(dataset=dataset, number=number).exists():
                raise ValidationFailed(
                    f"Une autre ingestion a créé la version {number} de « {dataset.slug} » pendant celle-ci. "
                    "Rien n'a été écrit : relancez l'ingestion.",
                    f"Another ingestion created version {number} of '{dataset.slug}' meanwhile. Nothing was "
                    "written: run the ingestion again.",
                    where="version",
                )
            previous = lake.current_version
            report.seconds = time.monotonic() - started
            version = DatasetVersion.objects.create(
                dataset=dataset,
                number=number,
                path=str(final.relative_to(root)),
                source_name=name[:300],
                source_path=str(source_final.relative_to(root)),
                source_format=staged.source_format or "",
                source_checksum=checksum,
                parquet_checksum=parquet_checksum,
                byte_size=byte_size,
                row_count=staged.row_count,
                columns=columns,
                options=fingerprint,
                conformity=conformity,
                schema_ref=schema_ref or "",
                validation=validation or {},
                personal_data=flags,
                created_by=actor if permissions.is_authenticated(actor) else None,
                report={},
            )
            report.status = "created"
            report.message_fr = f"Version {number} créée ({staged.row_count} lignes)."
            report.message_en = f"Version {number} created ({staged.row_count} rows)."
            _version_report(report, version)
            version.report = report.as_dict()
            version.save(update_fields=["report"])
            lake.current_version = version
            for setting, value in explicit.items():
                if value:
                    setattr(lake, setting, value)
            lake.save()
            audit_record(
                actor=actor,
                action="update",
                instance=dataset,
                changes={
                    "current_version": [previous.number if previous else None, number],
                    "version_path": [previous.path if previous else None, version.path],
                    "rows": [previous.row_count if previous else None, version.row_count],
                    "source_checksum": [previous.source_checksum if previous else None, checksum],
                },
                reason=f"ingestion de {name}"[:500],
            )
        return report
    except Exception as exc:
        for path in placed:
            path.unlink(missing_ok=True)
        remove_empty_dirs(dataset_dir / "sources", dataset_dir)
        report.status = "failed"
        report.version, report.rows = None, None
        if report.source_checksum is None:  # staging failed before hashing: say which file
            try:
                report.source_checksum = engine.source_checksum(source)
            except OSError:
                pass
        if isinstance(exc, TerritoireError | OSError):
            return _failed(report, exc, name, started)
        raise
    finally:
        if staged is not None:
            staged.close()
        shutil.rmtree(staging, ignore_errors=True)
        remove_empty_dirs(lake_root() / ".staging")


def dataset_reingest(
    *, actor, dataset: Dataset, publish: bool = False, progress: Progress | None = None
) -> IngestReport:
    """Load the current version's source file again, with today's type overrides and settings."""
    require_edit(actor, dataset)
    lake = dataset_lake_get(dataset)
    version = lake.current_version
    if (
        version is None
        or not version.source_path
        or not (lake_root() / version.source_path).is_file()
    ):
        raise ValidationFailed(
            f"« {dataset.slug} » n'a pas de fichier source conservé à recharger : déposez un fichier.",
            f"'{dataset.slug}' has no stored source file to reload: upload a file.",
            where="dataset",
        )
    saved = version.options or {}
    options = IngestOptions(
        sheet=saved.get("sheet"), encoding=saved.get("encoding"), delimiter=saved.get("delimiter")
    )
    return dataset_ingest(
        actor=actor,
        dataset=dataset,
        source=lake_root() / version.source_path,
        original_name=version.source_name,
        options=options,
        publish=publish,
        progress=progress,
    )
