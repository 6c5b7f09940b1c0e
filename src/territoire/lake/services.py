"""Writes to the lake: ingest a file into a new immutable Parquet version, swap the served version,
set type overrides and lake settings, reload the current source.

A version is written once: the engine stages the Parquet file in ``lake/.staging/<uuid>/`` (fsynced),
it is hard-linked (or renamed) to ``lake/<slug>/v<N>-<hash8>.parquet`` — never over an existing
file — and only then, in one transaction, the version row is created, the dataset's current version
is swapped and the audit event is written. Any failure removes what this run wrote; the previous
version keeps serving.

Actors: a user, or ``None`` for the platform itself (the `territoire ingest` command run without an
account, a scheduled refresh). Views and routers never pass ``None``: they pass ``request.user`` or the
token's user, which is an ``AnonymousUser`` when nobody is logged in.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.text import get_valid_filename

from territoire.accounts import permissions
from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset
from territoire.core.errors import PermissionRefused, TerritoireError, ValidationFailed
from territoire.trust.services import audit_record, model_snapshot, snapshot_diff

from .models import Conformity, DatasetLake, DatasetVersion
from .report import IngestReport, error_issue

logger = logging.getLogger(__name__)

COLUMN_TYPES = ("integer", "decimal", "boolean", "date", "datetime", "geo_point", "geometry", "text")
Progress = Callable[[int, str], None]


# -- paths -------------------------------------------------------------------------------------

def lake_root() -> Path:
    return Path(settings.TERRITOIRE_HOME) / "lake"


def uploads_root() -> Path:
    """Where web and API uploads wait for the worker (outside the lake: they are not versions)."""
    return Path(settings.TERRITOIRE_HOME) / "uploads" / "ingest"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _place(staged: Path, final: Path) -> None:
    """Move a finished file to its final name atomically, refusing to replace an existing file."""
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(staged, final)  # fails if `final` exists: versions are never overwritten
        staged.unlink()
    except FileExistsError:
        raise
    except OSError:  # file systems without hard links
        if final.exists():
            raise FileExistsError(final) from None
        os.rename(staged, final)
    _fsync_dir(final.parent)


def _remove_empty_dirs(*paths: Path) -> None:
    for path in paths:
        try:
            path.rmdir()
        except OSError:
            pass


# -- permissions and settings --------------------------------------------------------------------

def _require_edit(actor, dataset: Dataset) -> None:
    if actor is None:  # the platform itself (CLI without account, scheduled refresh)
        return
    if not permissions.can_edit_dataset(actor, dataset):
        raise PermissionRefused(
            f"Vous ne pouvez pas déposer de données dans « {dataset.slug} » : il faut être administrateur "
            "des données ou relais données du service producteur.",
            f"You may not load data into '{dataset.slug}': you must be the data officer or a steward of "
            "its producing service.",
            where="dataset",
        )


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


def dataset_set_type_overrides(*, actor, dataset: Dataset, overrides: dict[str, str], reason: str = "") -> DatasetLake:
    """Force column types (by column identifier) for this and every next ingestion; an empty type
    removes the override. Reload the current version with `dataset_reingest` to apply them now."""
    _require_edit(actor, dataset)
    with transaction.atomic():
        lake = DatasetLake.objects.select_for_update().get(pk=dataset_lake_get(dataset).pk)
        current = lake.current_version
        clean = _check_overrides(overrides, current.columns if current else None)
        before = model_snapshot(lake)
        lake.type_overrides = clean
        lake.save(update_fields=["type_overrides"])
        changes = snapshot_diff(before, model_snapshot(lake))
        if changes:
            audit_record(actor=actor, action="update", instance=lake, changes=changes, reason=reason)
    return lake


def dataset_lake_update(
    *, actor, dataset: Dataset, key_column: str | None = None, schema_ref: str | None = None,
    sheet: str | None = None, source_url: str | None = None,
) -> DatasetLake:
    """Change the lake settings of a dataset; `None` leaves a setting as it is, "" clears it."""
    _require_edit(actor, dataset)
    if schema_ref:
        _schema_load(schema_ref)
    if source_url and not source_url.startswith(("http://", "https://")):
        raise ValidationFailed(
            "L'URL de la source doit commencer par http:// ou https://.", "The source URL must start with http:// or https://.",
            where="source_url",
        )
    with transaction.atomic():
        lake = DatasetLake.objects.select_for_update().get(pk=dataset_lake_get(dataset).pk)
        if key_column:
            columns = {c["id"] for c in (lake.current_version.columns if lake.current_version else [])}
            if key_column not in columns:
                raise ValidationFailed(
                    f"La colonne clé « {key_column} » n'existe pas dans la version courante.",
                    f"Key column '{key_column}' is not in the current version.", where="key_column",
                )
        before = model_snapshot(lake)
        for name, value in {"key_column": key_column, "schema_ref": schema_ref, "sheet": sheet, "source_url": source_url}.items():
            if value is not None:
                setattr(lake, name, value.strip())
        lake.save()
        changes = snapshot_diff(before, model_snapshot(lake))
        if changes:
            audit_record(actor=actor, action="update", instance=lake, changes=changes)
    return lake


def _schema_load(ref: str) -> dict:
    from territoire.schemas.registry import schema_load

    return schema_load(ref)


def _effective_options(options, lake: DatasetLake):
    from .engine import IngestOptions

    options = options or IngestOptions()
    return IngestOptions(
        sheet=options.sheet or lake.sheet or None,
        encoding=options.encoding,
        delimiter=options.delimiter,
        type_overrides={**(lake.type_overrides or {}), **(options.type_overrides or {})},
    )


def _options_fingerprint(options, schema_ref: str) -> dict[str, Any]:
    return {
        "sheet": options.sheet, "encoding": options.encoding, "delimiter": options.delimiter,
        "type_overrides": dict(sorted((options.type_overrides or {}).items())), "schema_ref": schema_ref or "",
    }


# -- ingestion -----------------------------------------------------------------------------------

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
    *, actor, dataset: Dataset, source: Path, original_name: str | None = None, schema_ref: str | None = None,
    options=None, publish: bool = False, progress: Progress | None = None,
) -> IngestReport:
    """Ingest `source` into a new version of `dataset`, or report that its content is unchanged.

    Problems with the input (unreadable file, unknown schema, concurrent ingestion…) come back as a
    report with status "failed" and its errors; a refused permission raises PermissionRefused. A
    `schema_ref` or `options.sheet` given here is remembered for the next ingestions.
    """
    from . import engine

    started = time.monotonic()
    _require_edit(actor, dataset)
    notify = progress or (lambda percent, stage: None)
    source = Path(source)
    name = original_name or source.name
    lake = dataset_lake_get(dataset)
    current = lake.current_version
    report = IngestReport(dataset=dataset.slug, status="failed", previous_version=current.number if current else None)
    report.source = {"name": name}
    effective_schema = schema_ref if schema_ref is not None else lake.schema_ref
    try:
        schema = _schema_load(effective_schema) if effective_schema else None
        options = _effective_options(options, lake)
        fingerprint = _options_fingerprint(options, effective_schema)
        notify(5, "Calcul de l'empreinte du fichier")
        checksum = engine.source_checksum(source)
    except (TerritoireError, OSError) as exc:
        return _failed(report, exc, name, started)
    report.source_checksum = checksum
    report.schema = effective_schema or None
    if current is not None and current.source_checksum == checksum and current.options == fingerprint:
        _version_report(report, current)
        report.status = "unchanged"
        report.source = current.report.get("source", report.source)
        report.message_fr = f"Contenu identique à la version {current.number} : aucune nouvelle version."
        report.message_en = f"Same content as version {current.number}: no new version."
        notify(100, "Contenu inchangé")
        return _finish(report, actor, dataset, publish, started)
    report = _ingest_new_version(
        actor=actor, dataset=dataset, lake=lake, source=source, name=name, schema_ref=effective_schema, schema=schema,
        options=options, fingerprint=fingerprint, checksum=checksum, report=report, notify=notify,
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
        report.errors = [{
            "severity": "error", "code": "io_error", "file": name, "line": None, "column": None,
            "message_fr": f"Lecture ou écriture impossible : {exc}. Vérifiez le fichier et l'espace disque.",
            "message_en": f"Could not read or write: {exc}. Check the file and the free disk space.",
            "hint_fr": None, "hint_en": None,
        }]
    report.status = "failed"
    report.message_fr = "Échec de l'ingestion : la version précédente reste en service."
    report.message_en = "Ingestion failed: the previous version keeps serving."
    report.seconds = time.monotonic() - started
    return report


def _finish(report: IngestReport, actor, dataset: Dataset, publish: bool, started: float) -> IngestReport:
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
    *, actor, dataset, lake, source, name, schema_ref, schema, options, fingerprint, checksum, report, notify, explicit,
) -> IngestReport:
    from . import engine

    started = time.monotonic()
    staging = lake_root() / ".staging" / uuid.uuid4().hex
    dataset_dir = lake_root() / dataset.slug
    placed: list[Path] = []
    staged = None
    try:
        staging.mkdir(parents=True)
        notify(10, "Lecture et typage des colonnes")
        staged = engine.stage(source, workdir=staging, options=options, original_name=name)
        columns = [c.as_dict() for c in staged.columns]
        report.warnings, report.errors = _issues(staged.issues)
        report.source = {
            "name": name, "format": staged.source_format, "encoding": staged.encoding,
            "delimiter": staged.delimiter, "has_header": staged.has_header, "sheet": getattr(staged, "sheet", None),
        }
        validation, conformity = None, Conformity.NONE
        if schema is not None:
            notify(45, "Validation du schéma")
            from territoire.schemas.validation import validate_table

            result = validate_table(staged.con, "raw", schema, columns, line_column="__line__", file_name=name)
            validation = result.as_dict()
            conformity = Conformity.VALID if result.valid else Conformity.INVALID
        notify(60, "Recherche de données personnelles")
        from territoire.trust.personal_data import detect_personal_data

        flags = list(detect_personal_data(staged.con, "raw", columns))
        _published_gate(dataset, flags)
        notify(70, "Écriture de la version Parquet")
        parquet = Path(staged.parquet_path)
        parquet_checksum = _file_sha256(parquet)
        byte_size = parquet.stat().st_size
        source_copy = staging / "source-copy"
        shutil.copyfile(source, source_copy)
        with source_copy.open("rb") as handle:
            os.fsync(handle.fileno())
        number = (DatasetVersion.objects.filter(dataset=dataset).aggregate(n=Max("number"))["n"] or 0) + 1
        final = dataset_dir / f"v{number}-{parquet_checksum[:8]}.parquet"
        suffix = get_valid_filename(Path(name).suffix.lower())[:12] if Path(name).suffix else ""
        source_final = dataset_dir / "sources" / f"v{number}-{checksum[:8]}{suffix}"
        _place(parquet, final)
        placed.append(final)
        _place(source_copy, source_final)
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
                dataset=dataset, number=number, path=str(final.relative_to(root)), source_name=name[:300],
                source_path=str(source_final.relative_to(root)), source_format=staged.source_format or "",
                source_checksum=checksum, parquet_checksum=parquet_checksum, byte_size=byte_size,
                row_count=staged.row_count, columns=columns, options=fingerprint, conformity=conformity,
                schema_ref=schema_ref or "", validation=validation or {}, personal_data=flags,
                created_by=actor if permissions.is_authenticated(actor) else None, report={},
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
                actor=actor, action="update", instance=dataset,
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
        _remove_empty_dirs(dataset_dir / "sources", dataset_dir)
        report.status = "failed"
        report.version, report.rows = None, None
        if isinstance(exc, TerritoireError | OSError):
            return _failed(report, exc, name, started)
        raise
    finally:
        if staged is not None:
            staged.close()
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty_dirs(lake_root() / ".staging")


def dataset_reingest(*, actor, dataset: Dataset, publish: bool = False, progress: Progress | None = None) -> IngestReport:
    """Load the current version's source file again, with today's type overrides and settings."""
    _require_edit(actor, dataset)
    lake = dataset_lake_get(dataset)
    version = lake.current_version
    if version is None or not version.source_path or not (lake_root() / version.source_path).is_file():
        raise ValidationFailed(
            f"« {dataset.slug} » n'a pas de fichier source conservé à recharger : déposez un fichier.",
            f"'{dataset.slug}' has no stored source file to reload: upload a file.", where="dataset",
        )
    from .engine import IngestOptions

    saved = version.options or {}
    options = IngestOptions(sheet=saved.get("sheet"), encoding=saved.get("encoding"), delimiter=saved.get("delimiter"))
    return dataset_ingest(
        actor=actor, dataset=dataset, source=lake_root() / version.source_path, original_name=version.source_name,
        options=options, publish=publish, progress=progress,
    )


# -- command line: a path or a URL, creating the dataset if needed ----------------------------------

def _default_publisher(actor):
    """The organisation of the actor's (stewarded, else any) service, else the first organisation."""
    from territoire.organizations.models import Organization, Service

    service = None
    if permissions.is_authenticated(actor):
        stewarded = permissions.stewarded_service_ids(actor)
        ids = stewarded or permissions.member_service_ids(actor)
        service = Service.objects.select_related("organization").filter(id__in=ids).order_by("id").first()
    if service is not None:
        return service.organization, (service if service.id in permissions.stewarded_service_ids(actor) else None)
    organization = Organization.objects.order_by("id").first()
    if organization is None:
        raise ValidationFailed(
            "Aucune organisation n'existe pour publier ce jeu de données : créez-en une dans le back-office "
            "(/admin/) ou lancez `territoire demo`.",
            "No organisation exists to publish this dataset: create one in the back-office (/admin/) or run "
            "`territoire demo`.",
            where="publisher",
        )
    return organization, None


def dataset_ingest_by_slug(
    *, actor, slug: str, source: str, title: str | None = None, schema_ref: str | None = None,
    publish: bool = False, sheet: str | None = None, progress: Progress | None = None,
) -> IngestReport:
    """Ingest a path or http(s) URL into dataset `slug`, creating the dataset if it does not exist.

    A new dataset is published by the organisation of the actor's stewarded service (else of any of
    their services, else the first organisation), is public when `publish` is asked and internal
    otherwise, and is titled `title` or after the file name. Creating one needs an account (the
    catalogue's rule): the system actor (`None`) can only load existing datasets.
    """
    from .engine import IngestOptions
    from .sources import fetch_url, is_url

    dataset = Dataset.objects.filter(slug=slug).first()
    if dataset is not None:
        _require_edit(actor, dataset)
    fetch_dir = None
    try:
        if is_url(source):
            fetch_dir = lake_root() / ".staging" / f"fetch-{uuid.uuid4().hex}"
            fetched = fetch_url(source, dest_dir=fetch_dir)
            path, name = fetched.path, fetched.name
        else:
            path = Path(source).expanduser()
            name = path.name
            if not path.is_file():
                raise ValidationFailed(
                    f"Fichier introuvable : {source}. Vérifiez le chemin.", f"File not found: {source}. Check the path.",
                    where="source",
                )
        if dataset is None:
            if actor is None:
                raise ValidationFailed(
                    f"Le jeu de données « {slug} » n'existe pas et aucun compte n'est indiqué pour le créer : "
                    "créez un administrateur des données (`territoire createsuperuser`) ou passez --as.",
                    f"Dataset '{slug}' does not exist and no account is given to create it: create a data "
                    "officer (`territoire createsuperuser`) or pass --as.",
                    where="actor",
                )
            publisher, service = _default_publisher(actor)
            values: dict[str, Any] = {"access_level": "public" if publish else "internal"}
            if service is not None:
                values["publisher_service"] = service
            dataset = catalog_services.dataset_create(
                actor=actor, title=title or Path(name).stem.replace("_", " ").replace("-", " ").strip() or slug,
                publisher=publisher, slug=slug, **values,
            )
        return dataset_ingest(
            actor=actor, dataset=dataset, source=path, original_name=name, schema_ref=schema_ref,
            options=IngestOptions(sheet=sheet) if sheet else None, publish=publish, progress=progress,
        )
    finally:
        if fetch_dir is not None:
            shutil.rmtree(fetch_dir, ignore_errors=True)
            _remove_empty_dirs(lake_root() / ".staging")


def upload_store(*, chunks, original_name: str) -> Path:
    """Write an uploaded file (an iterable of byte chunks) where the worker will find it."""
    directory = uploads_root() / uuid.uuid4().hex
    directory.mkdir(parents=True)
    path = directory / (get_valid_filename(Path(original_name).name)[:200] or "fichier")
    try:
        with path.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return path


def upload_discard(path: str | Path) -> None:
    """Remove an upload once its job is over; only ever inside the uploads directory."""
    path = Path(path)
    root = uploads_root().resolve()
    try:
        parent = path.resolve().parent
    except OSError:
        return
    if parent.parent == root:
        shutil.rmtree(parent, ignore_errors=True)
