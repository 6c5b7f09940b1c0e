"""``stage()``: any supported file → DuckDB ``raw`` table + typed Parquet in the work directory.

Steps: recognise the format from the content and read the file into ``raw_data`` as text (the
reader registry, :mod:`.readers`), infer every column's type over the whole column
(:mod:`.inference`), write the typed Parquet and read its statistics back (:mod:`.writer`).
All of it runs in a child process with memory and time limits (:mod:`.isolation`).

Failure leaves nothing behind: every file the engine creates lives in a scratch directory inside
``workdir`` (transcoded copy, DuckDB spill files) or is the temporary Parquet; on any error they
are removed before :class:`IngestError` is raised. An unexpected exception is also turned into
an ``IngestError`` (code ``internal_error``) rather than a traceback.
"""
# ruff: noqa: S608 - SQL is assembled from identifiers quoted by quote_ident(); no SQL text
# ever comes from users.

from __future__ import annotations

import logging
import resource
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import duckdb

from territoire.core.duckdb import load_extension

from . import isolation, readers
from .csvreader import quote_ident
from .duckdb_ext import connect
from .inference import infer, mark_lat_lon
from .isolation import Job
from .issues import ERROR, IngestError, Issue, error, warning
from .model import ColumnInfo, IngestOptions, StagedTable
from .patterns import TYPES
from .readers.base import ReadContext
from .sqlexpr import cast_expr, storage_type
from .textfile import sha256_file
from .writer import column_stats, write_parquet

log = logging.getLogger(__name__)

# Pairs of formats whose extensions are used for one another without anyone being misled.
_COMPATIBLE = {frozenset({"json", "geojson"}), frozenset({"json", "ndjson"})}


def source_checksum(path: Path) -> str:
    """SHA-256 (hex) of the file's bytes, read in chunks."""
    return sha256_file(Path(path))


def stage(
    source: Path,
    *,
    workdir: Path,
    options: IngestOptions | None = None,
    original_name: str | None = None,
) -> StagedTable:
    """Read ``source``, infer types over whole columns, write typed Parquet in ``workdir``."""
    source = Path(source)
    workdir = Path(workdir)
    options = options or IngestOptions()
    workdir.mkdir(parents=True, exist_ok=True)
    job = Job(
        source=source,
        scratch=Path(tempfile.mkdtemp(prefix=".stage-", dir=workdir)),
        parquet_path=workdir / f".staged-{uuid.uuid4().hex}.parquet.tmp",
        options=options,
        label=original_name or source.name,
    )
    if options.limits.isolated:
        return isolation.run(job, stage_here)
    return stage_here(job)


def stage_here(job: Job) -> StagedTable:
    """The staging itself, in this process (the isolated child runs this)."""
    con = None
    try:
        con = connect(job.scratch / "duckdb")
        staged = _stage(con, job)
        staged.scratch_dir = job.scratch
        return staged
    except BaseException as exc:
        if con is not None:
            try:
                con.close()
            except Exception:  # noqa: S110 - closing a broken connection must not mask the cause
                pass
        shutil.rmtree(job.scratch, ignore_errors=True)
        job.parquet_path.unlink(missing_ok=True)
        if isinstance(exc, IngestError) or not isinstance(exc, Exception):
            raise
        log.exception("ingestion of %s failed", job.label)
        raise IngestError([_unexpected(exc, job.label)]) from exc


def _unexpected(exc: Exception, label: str) -> Issue:
    message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, MemoryError | duckdb.OutOfMemoryException):
        return error(
            "out_of_memory",
            "Mémoire insuffisante pour lire ce fichier.",
            "Not enough memory to read this file.",
            file=label,
            hint_fr="Réessayez plus tard ou découpez le fichier.",
            hint_en="Retry later or split the file.",
        )
    if isinstance(exc, OSError):
        return error(
            "io_error",
            f"Erreur de lecture ou d'écriture : {message}",
            f"Read or write error: {message}",
            file=label,
            hint_fr="Vérifiez l'espace disque et les droits du dossier de données.",
            hint_en="Check disk space and permissions of the data directory.",
        )
    return error(
        "internal_error",
        f"Le fichier n'a pas pu être lu : {message}",
        f"The file could not be read: {message}",
        file=label,
        hint_fr="Signalez ce fichier aux administrateurs de la plateforme.",
        hint_en="Report this file to the platform administrators.",
    )


def _stage(con, job: Job) -> StagedTable:
    source, options, label = job.source, job.options, job.label
    timings: dict[str, float] = {}
    clock = [time.perf_counter(), _cpu()]

    def lap(step: str) -> None:
        now, cpu = time.perf_counter(), _cpu()
        timings[step] = round(now - clock[0], 4)
        timings[f"{step}_cpu"] = round(cpu - clock[1], 4)
        clock[0], clock[1] = now, cpu

    if not source.is_file():
        raise IngestError(
            [error("not_found", "Fichier introuvable.", "File not found.", file=label)]
        )
    detected = readers.detect(source, label=label)
    fmt = detected.format
    issues: list[Issue] = []
    announced = readers.extension_format(label)
    if announced and announced != fmt and frozenset({announced, fmt}) not in _COMPATIBLE:
        said, found = readers.format_name(announced), readers.format_name(fmt)
        issues.append(
            warning(
                "extension_mismatch",
                f"L'extension du fichier annonce {said} mais son contenu est {found} : il a été "
                f"lu comme {found}.",
                f"The file extension says {said} but its content is {found}: it was read as "
                f"{found}.",
                file=label,
                hint_fr="Renommez le fichier avec la bonne extension pour éviter la confusion.",
                hint_en="Rename the file with the right extension to avoid confusion.",
            )
        )

    spatial_loaded = False

    def load_spatial() -> None:
        nonlocal spatial_loaded
        if not spatial_loaded:
            load_extension(con, "spatial")
            spatial_loaded = True

    context = ReadContext(
        con=con,
        source=source,
        scratch=job.scratch,
        options=options,
        label=label,
        probe=detected.probe,
        lap=lap,
        load_spatial=load_spatial,
    )
    read = readers.reader_for(fmt).read(context)
    ids, labels = read.ids, read.labels
    issues.extend(read.issues)
    checksum = read.checksum or sha256_file(source)

    lap("read")
    (row_count,) = con.execute("SELECT count(*) FROM raw_data").fetchone()
    if row_count == 0:
        issues.append(
            warning(
                "no_rows",
                "Le fichier ne contient aucune ligne de données (seulement l'en-tête).",
                "The file holds no data rows (header only).",
                file=label,
            )
        )
    label_of = dict(zip(ids, labels, strict=True))
    overrides = _resolve_overrides(options.type_overrides, ids, labels, label)
    inferred = infer(
        con,
        ids,
        label_of,
        row_count=row_count,
        overrides=overrides,
        file_label=label,
        load_spatial=load_spatial,
        physical_lines=read.physical_lines,
    )
    lap("infer")
    errors = [i for i in inferred.issues if i.severity == ERROR]
    if errors:
        raise IngestError(errors + [i for i in inferred.issues if i.severity != ERROR])
    issues.extend(inferred.issues)

    decisions = inferred.decisions
    select = (
        ", ".join(f"{cast_expr(i, decisions[i])} AS {quote_ident(i)}" for i in ids)
        or "NULL AS empty"
    )
    metadata = [{"id": i, "label": label_of[i], "type": decisions[i].type} for i in ids]
    write_parquet(con, f"SELECT {select} FROM raw_data", job.parquet_path, {"columns": metadata})
    lap("write")
    written, stats = column_stats(
        con, job.parquet_path, [(i, decisions[i].type) for i in ids], rows=row_count
    )
    lap("stats")
    mark_lat_lon(decisions, stats)
    columns = [
        ColumnInfo(
            id=i,
            label=label_of[i],
            type=decisions[i].type,
            storage_type=storage_type(decisions[i]),
            stats=stats[i],
            reason=decisions[i].reason,
            overridden=bool(decisions[i].params.get("overridden")),
            geo_role=decisions[i].geo_role,
        )
        for i in ids
    ]
    return StagedTable(
        con=con,
        parquet_path=job.parquet_path,
        row_count=written,
        columns=columns,
        issues=issues,
        source_format=fmt,
        source_checksum=checksum,
        encoding=read.encoding,
        delimiter=read.delimiter,
        has_header=read.has_header,
        sheet=read.sheet,
        timings=timings,
    )


def _cpu() -> float:
    """CPU seconds of this process, all threads (DuckDB's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _resolve_overrides(
    overrides: dict[str, str], ids: list[str], labels: list[str], label: str
) -> dict[str, str]:
    resolved = {}
    problems = []
    for key, type_name in (overrides or {}).items():
        if key in ids:
            col = key
        elif key in labels:
            col = ids[labels.index(key)]
        else:
            problems.append(
                error(
                    "unknown_column",
                    f"Type imposé pour la colonne « {key} », absente du fichier.",
                    f"Type forced for column '{key}', which is not in the file.",
                    file=label,
                    column=key,
                    hint_fr="Colonnes du fichier : " + ", ".join(labels[:30]),
                    hint_en="Columns in the file: " + ", ".join(labels[:30]),
                )
            )
            continue
        if type_name not in TYPES:
            problems.append(
                error(
                    "unknown_type",
                    f"Type « {type_name} » inconnu pour la colonne « {key} ».",
                    f"Unknown type '{type_name}' for column '{key}'.",
                    file=label,
                    column=key,
                    hint_fr="Types possibles : " + ", ".join(TYPES),
                    hint_en="Possible types: " + ", ".join(TYPES),
                )
            )
            continue
        resolved[col] = type_name
    if problems:
        raise IngestError(problems)
    return resolved
