"""Ingest a file into a new version: stage, validate, flag, place, swap in one transaction.

Ingestions of one dataset run one at a time (``locks.dataset_lock``): the second waits for the
first, then compares with what it left — identical content is reported unchanged, anything else
becomes the next version. Files are placed before the transaction that makes them a version; a
run killed in between leaves orphans that the next run reuses (``files.place``) and the worker's
cleanup removes (``cleanup.lake_cleanup``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from django.db import DatabaseError, transaction
from django.db.models import Max
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_noop

from territoire.accounts import permissions
from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset
from territoire.core.errors import TerritoireError, ValidationFailed
from territoire.schemas.registry import schema_load
from territoire.schemas.validation import validate_table
from territoire.trust.personal_data import detect_personal_data
from territoire.trust.services import audit_record

from .. import engine, hooks
from ..engine import IngestOptions
from ..engine.serving import serving_path
from ..models import Conformity, DatasetLake, DatasetVersion
from ..report import IngestReport, Laps, error_issue, released_warning, waited_issue
from .files import file_sha256, is_referenced, lake_root, place, remove_empty_dirs
from .lake_settings import (
    dataset_lake_get,
    effective_options,
    options_fingerprint,
    require_edit,
    type_overrides_release,
)
from .locks import Staging, dataset_lock
from .serving import serving_build_staged, serving_place, serving_unbuilt_warning

Progress = Callable[[int, str], None]
# Called on the staged Parquet file (path, columns) before it becomes a version: returns what
# the lineage records of the check, or raises (the ingestion then fails and writes nothing).
Verify = Callable[[Path, list[dict]], dict]


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
    warnings: list[dict] = []
    errors: list[dict] = []
    for issue in issues or []:
        data = issue.as_dict() if hasattr(issue, "as_dict") else dict(issue)
        (errors if data.get("severity") == "error" else warnings).append(data)
    return warnings, errors


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
    holder: str = "",
    lineage: dict | None = None,
    verify: Verify | None = None,
) -> IngestReport:
    """Ingest `source` into a new version of `dataset`, or report that its content is unchanged.

    ``lineage`` is recorded on a derived version (``lake.services.anonymise``), with what
    ``verify`` returns for the staged file under ``lineage["check"]``.

    Problems with the input (unreadable file, unknown schema…) come back as a report with status
    "failed" and its errors; a refused permission raises PermissionRefused. A `schema_ref` or
    `options.sheet` given here is remembered for the next ingestions. While another ingestion of
    the dataset runs, this one waits for it (the progress stage says so, naming `holder` of the
    other one: "tâche n° 12"…), then compares with the version it left.
    """
    require_edit(actor, dataset)
    notify = progress or (lambda percent, stage: None)
    name = original_name or Path(source).name
    holder = holder or _holder_default(actor, f"l'ingestion de « {name} »")
    with _dataset_locked(dataset, holder, notify) as waited:
        report = _ingest_locked(
            actor=actor,
            dataset=dataset,
            source=Path(source),
            name=name,
            schema_ref=schema_ref,
            options=options,
            publish=publish,
            notify=notify,
            lineage=lineage,
            verify=verify,
        )
    if waited:
        report.warnings.insert(0, waited_issue(waited[0], name))
    return report


@contextlib.contextmanager
def _dataset_locked(dataset: Dataset, holder: str, notify: Progress):
    """Hold the dataset's ingestion lock; yields the holders this run waited for (at most one)."""
    waited: list[str] = []

    def on_wait(other: str) -> None:
        waited.append(other or "une autre ingestion")
        notify(2, f"En attente : {waited[0]} charge déjà ce jeu de données"[:200])

    with dataset_lock(dataset.slug, holder=holder, on_wait=on_wait):
        yield waited


def _holder_default(actor, what: str) -> str:
    who = actor.get_username() if permissions.is_authenticated(actor) else "la plateforme"
    return f"{what} par {who}"[:200]


def _ingest_locked(
    *,
    actor,
    dataset,
    source: Path,
    name: str,
    schema_ref,
    options,
    publish,
    notify,
    lineage=None,
    verify=None,
) -> IngestReport:
    started = time.monotonic()
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
            notify(5, gettext_noop("Calcul de l'empreinte du fichier"))
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
        notify(100, gettext_noop("Contenu inchangé"))
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
        lineage=lineage,
        verify=verify,
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
            # Where publication needs the data officer's review, a steward's --publish submits.
            catalog_services.dataset_publish_or_submit(
                actor=actor, dataset=dataset, reason="ingestion"
            )
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
    lineage=None,
    verify=None,
) -> IngestReport:
    started = time.monotonic()
    laps = Laps(report.timings)
    dataset_dir = lake_root() / dataset.slug
    placed: list[Path] = []
    staging = staged = None
    try:
        staging = Staging()
        notify(10, gettext_noop("Lecture et typage des colonnes"))
        staged = engine.stage(source, workdir=staging.path, options=options, original_name=name)
        laps.lap("staging")
        report.timings["staging_steps"] = dict(getattr(staged, "timings", None) or {})
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
            notify(45, gettext_noop("Validation du schéma"))
            result = validate_table(
                staged.con, "raw", schema, columns, line_column="__line__", file_name=name
            )
            validation = result.as_dict()
            conformity = Conformity.VALID if result.valid else Conformity.INVALID
            laps.lap("validation")
        notify(60, gettext_noop("Recherche de données personnelles"))
        flags = list(detect_personal_data(staged.con, "raw", columns))
        notify(70, gettext_noop("Écriture de la version Parquet"))
        parquet = Path(staged.parquet_path)
        laps.lap("personal_data")
        parquet_checksum = file_sha256(parquet)
        lineage = dict(lineage or {})
        if verify is not None:
            notify(72, gettext_noop("Contrôle de k-anonymat du fichier écrit"))
            lineage["check"] = verify(parquet, columns) | {"parquet_checksum": parquet_checksum}
        candidate = {
            "lineage": lineage,
            "parquet_checksum": parquet_checksum,
            "personal_data": flags,
        }
        catalog_services.dataset_personal_data_check(
            dataset=dataset, flags=flags, candidate=candidate
        )
        byte_size = parquet.stat().st_size
        source_copy = staging.path / "source-copy"
        shutil.copyfile(source, source_copy)
        with source_copy.open("rb") as handle:
            os.fsync(handle.fileno())
        number = (
            DatasetVersion.objects.filter(dataset=dataset).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        final = dataset_dir / f"v{number}-{parquet_checksum[:8]}.parquet"
        suffix = get_valid_filename(Path(name).suffix.lower())[:12] if Path(name).suffix else ""
        source_final = dataset_dir / "sources" / f"v{number}-{checksum[:8]}{suffix}"
        laps.lap("hashing")
        notify(75, gettext_noop("Structures de lecture rapide"))
        serving_file, manifest, unbuilt = serving_build_staged(parquet, columns, staging.path)
        if manifest is not None:
            report.timings["serving_steps"] = dict(manifest.get("seconds") or {})
        if serving_file is None:
            report.warnings.append(serving_unbuilt_warning(unbuilt))
        laps.lap("serving")
        place(parquet, final, checksum=parquet_checksum)
        placed.append(final)
        if serving_file is not None:
            placed += serving_place(serving_file, serving_path(final))
        place(source_copy, source_final, checksum=checksum)
        placed.append(source_final)
        laps.lap("placement")
        notify(90, gettext_noop("Enregistrement de la version"))
        report.seconds = time.monotonic() - started
        _version_commit(
            actor=actor,
            dataset=dataset,
            lake=lake,
            report=report,
            explicit=explicit,
            name=name,
            values={
                "number": number,
                "path": str(final.relative_to(lake_root())),
                "source_name": name[:300],
                "source_path": str(source_final.relative_to(lake_root())),
                "source_format": staged.source_format or "",
                "source_checksum": checksum,
                "parquet_checksum": parquet_checksum,
                "byte_size": byte_size,
                "row_count": staged.row_count,
                "columns": columns,
                "options": fingerprint,
                "conformity": conformity,
                "schema_ref": schema_ref or "",
                "validation": validation or {},
                "personal_data": flags,
                "lineage": lineage,
            },
        )
        laps.lap("commit")
        report.seconds = time.monotonic() - started
        return report
    except Exception as exc:
        _remove_unreferenced(placed)
        remove_empty_dirs(dataset_dir / "sources", dataset_dir)
        report.status = "failed"
        report.version, report.rows = None, None
        if report.source_checksum is None:  # staging failed before hashing: say which file
            try:
                report.source_checksum = engine.source_checksum(source)
            except OSError:
                pass
        if isinstance(exc, TerritoireError | OSError):
            released = type_overrides_release(
                actor=actor, dataset=dataset, issues=getattr(exc, "issues", None)
            )
            report = _failed(report, exc, name, started)
            if released:
                report.warnings.append(released_warning(released, name))
            return report
        raise
    finally:
        if staged is not None:
            staged.close()
        if staging is not None:
            staging.remove()


def _remove_unreferenced(placed: list[Path]) -> None:
    """After a failure, remove the files this run placed (or reused), unless a version names them.
    When the database cannot tell, they stay: the worker's cleanup removes orphans later."""
    for path in placed:
        try:
            if not is_referenced(path):
                path.unlink(missing_ok=True)
        except DatabaseError:
            return


def _version_commit(*, actor, dataset, lake, report, explicit, name, values) -> DatasetVersion:
    """One transaction, under the lake row's lock: the version row, the swap of the served
    version, the remembered settings and the audit event. Nothing of it exists if any part fails."""
    number = values["number"]
    with transaction.atomic():
        # The personal-data rule again, the dataset row locked as publication locks it: a
        # publication while this version was staged has either happened (then the rule sees it)
        # or waits for this swap (then its own check sees this version's flags).
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        catalog_services.dataset_personal_data_check(
            dataset=locked,
            flags=values["personal_data"],
            candidate={
                "lineage": values.get("lineage") or {},
                "parquet_checksum": values["parquet_checksum"],
                "personal_data": values["personal_data"],
            },
        )
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
        version = DatasetVersion.objects.create(
            dataset=dataset,
            created_by=actor if permissions.is_authenticated(actor) else None,
            report={},
            **values,
        )
        report.status = "created"
        report.message_fr = f"Version {number} créée ({version.row_count} lignes)."
        report.message_en = f"Version {number} created ({version.row_count} rows)."
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
                "source_checksum": [
                    previous.source_checksum if previous else None,
                    version.source_checksum,
                ],
            },
            reason=f"ingestion de {name}"[:500],
        )
        hooks.version_created_notify_on_commit(version)
    return version


def dataset_reingest(
    *,
    actor,
    dataset: Dataset,
    publish: bool = False,
    progress: Progress | None = None,
    holder: str = "",
) -> IngestReport:
    """Load the current version's source file again, with today's type overrides and settings.
    The current version is read once the dataset's lock is held (after any running ingestion)."""
    require_edit(actor, dataset)
    notify = progress or (lambda percent, stage: None)
    holder = holder or _holder_default(actor, f"le rechargement de « {dataset.slug} »")
    with _dataset_locked(dataset, holder, notify) as waited:
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
            sheet=saved.get("sheet"),
            encoding=saved.get("encoding"),
            delimiter=saved.get("delimiter"),
        )
        report = dataset_ingest(
            actor=actor,
            dataset=dataset,
            source=lake_root() / version.source_path,
            original_name=version.source_name,
            options=options,
            publish=publish,
            progress=progress,
        )
    if waited:
        report.warnings.insert(0, waited_issue(waited[0], version.source_name))
    return report
