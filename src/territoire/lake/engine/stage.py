"""``stage()``: any supported file → DuckDB ``raw`` table + typed Parquet in the work directory.

Steps: detect the format from the content (:mod:`.sniff`), read it into ``raw_data`` as text
(:mod:`.readers`, :mod:`.csvreader`), infer every column's type over the whole column
(:mod:`.inference`), write the typed Parquet and read its statistics back (:mod:`.writer`).

Failure leaves nothing behind: every file the engine creates lives in a scratch directory inside
``workdir`` (transcoded copy, DuckDB spill files) or is the temporary Parquet; on any error they
are removed before :class:`IngestError` is raised. An unexpected exception is also turned into
an ``IngestError`` (code ``internal_error``) rather than a traceback.
"""
# ruff: noqa: S608 - SQL is assembled from identifiers quoted by quote_ident() and literals
# escaped by q()/_q(); no SQL text ever comes from users.

from __future__ import annotations

import logging
import resource
import shutil
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from . import readers
from .csvreader import load_csv, quote_ident
from .duckdb_ext import connect, load_extension
from .inference import infer, mark_lat_lon
from .issues import ERROR, IngestError, Issue, error, info, warning
from .model import ColumnInfo, IngestOptions, StagedTable
from .patterns import TYPES
from .sniff import EXTENSIONS, SAMPLE_BYTES, Detected, detect_encoding, detect_format, sniff_csv
from .sqlexpr import cast_expr, storage_type
from .textfile import display_encoding, from_scan, prepare, scan_utf8, sha256_file
from .writer import column_stats, write_parquet

log = logging.getLogger(__name__)

_FORMAT_NAMES = {
    "csv": "CSV",
    "xlsx": "Excel (XLSX)",
    "ods": "OpenDocument (ODS)",
    "json": "JSON",
    "ndjson": "NDJSON",
    "geojson": "GeoJSON",
    "shapefile": "Shapefile (ZIP)",
    "geopackage": "GeoPackage",
    "parquet": "Parquet",
}


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
    label = original_name or source.name
    workdir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".stage-", dir=workdir))
    parquet_path = workdir / f".staged-{uuid.uuid4().hex}.parquet.tmp"
    con = None
    try:
        con = connect(scratch / "duckdb")
        staged = _stage(con, source, scratch, parquet_path, options, label)
        staged.scratch_dir = scratch
        return staged
    except BaseException as exc:
        if con is not None:
            try:
                con.close()
            except Exception:  # noqa: S110 - closing a broken connection must not mask the cause
                pass
        shutil.rmtree(scratch, ignore_errors=True)
        parquet_path.unlink(missing_ok=True)
        if isinstance(exc, IngestError) or not isinstance(exc, Exception):
            raise
        log.exception("ingestion of %s failed", label)
        raise IngestError([_unexpected(exc, label)]) from exc


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


def _unsupported(detected: Detected, label: str, extension_format: str | None) -> IngestError:
    reason = detected.reason
    texts = {
        "empty": (
            "empty_file",
            "Le fichier est vide.",
            "The file is empty.",
            "Vérifiez que l'export s'est bien terminé, puis chargez le fichier complet.",
            "Check that the export finished, then load the complete file.",
        ),
        "binary": (
            "binary_file",
            "Le fichier n'est pas du texte ni un format reconnu (contenu binaire).",
            "The file is neither text nor a recognised format (binary content).",
            "Formats acceptés : CSV, TSV, TXT, XLSX, ODS, JSON, NDJSON, GeoJSON, Shapefile "
            "zippé, GeoPackage, Parquet.",
            "Accepted: CSV, TSV, TXT, XLSX, ODS, JSON, NDJSON, GeoJSON, zipped Shapefile, "
            "GeoPackage, Parquet.",
        ),
        "truncated_zip": (
            "truncated_zip",
            f"L'archive ZIP est incomplète ou corrompue ({detected.detail}).",
            f"The ZIP archive is truncated or corrupt ({detected.detail}).",
            "Le téléchargement ou la copie a probablement été interrompu : récupérez à nouveau "
            "le fichier.",
            "The download or copy was probably interrupted: fetch the file again.",
        ),
        "truncated_parquet": (
            "truncated_file",
            "Le fichier Parquet est incomplet (pas de pied de fichier).",
            "The Parquet file is truncated (no footer).",
            "Récupérez à nouveau le fichier complet.",
            "Fetch the complete file again.",
        ),
        "xls": (
            "unsupported_format",
            "Format Excel 97-2003 (.xls) non pris en charge.",
            "Excel 97-2003 (.xls) is not supported.",
            "Ouvrez-le dans un tableur et enregistrez-le en .xlsx, .ods ou .csv.",
            "Open it in a spreadsheet and save as .xlsx, .ods or .csv.",
        ),
        "pdf": (
            "unsupported_format",
            "Le fichier est un PDF : ses tableaux ne peuvent pas être lus comme des données.",
            "The file is a PDF: its tables cannot be read as data.",
            "Demandez le fichier source (tableur ou CSV) au service producteur.",
            "Ask the producing service for the source file (spreadsheet or CSV).",
        ),
        "compressed": (
            "unsupported_format",
            "Fichier compressé (gzip, bzip2 ou xz) non pris en charge.",
            "Compressed file (gzip, bzip2 or xz) is not supported.",
            "Décompressez-le ou envoyez-le dans une archive ZIP.",
            "Decompress it, or send it as a ZIP archive.",
        ),
        "bare_shapefile": (
            "incomplete_shapefile",
            "Fichier .shp seul : un Shapefile a besoin de ses fichiers .shx, .dbf et .prj.",
            "A lone .shp file: a shapefile needs its .shx, .dbf and .prj files.",
            "Zippez ensemble les fichiers .shp, .shx, .dbf et .prj, puis chargez le ZIP.",
            "Zip the .shp, .shx, .dbf and .prj files together and load the ZIP.",
        ),
        "zip_unknown": (
            "unsupported_format",
            f"Archive ZIP sans fichier reconnu ({detected.detail}).",
            f"ZIP archive without a recognised file ({detected.detail}).",
            "Une archive ZIP doit contenir un Shapefile (.shp, .shx, .dbf, .prj) ou un GeoPackage.",
            "A ZIP archive must hold a shapefile (.shp, .shx, .dbf, .prj) or a GeoPackage.",
        ),
    }
    code, fr, en, hint_fr, hint_en = texts.get(
        reason,
        (
            "unsupported_format",
            "Format de fichier non reconnu.",
            "Unrecognised file format.",
            "Formats acceptés : CSV, XLSX, ODS, JSON, GeoJSON, Shapefile zippé, GeoPackage, "
            "Parquet.",
            "Accepted: CSV, XLSX, ODS, JSON, GeoJSON, zipped Shapefile, GeoPackage, Parquet.",
        ),
    )
    if extension_format and reason in ("binary", "truncated_zip") and extension_format != "csv":
        fr += f" L'extension annonce pourtant {_FORMAT_NAMES[extension_format]}."
        en += f" Its extension says {_FORMAT_NAMES[extension_format]}."
    return IngestError([error(code, fr, en, file=label, hint_fr=hint_fr, hint_en=hint_en)])


def _stage(con, source: Path, scratch: Path, parquet_path: Path, options, label) -> StagedTable:
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
    issues: list[Issue] = []
    extension_format = EXTENSIONS.get(Path(label).suffix.lower())
    detected = detect_format(source)
    fmt = detected.format
    if fmt is None:
        raise _unsupported(detected, label, extension_format)
    if extension_format and extension_format != fmt and not _compatible(extension_format, fmt):
        issues.append(
            warning(
                "extension_mismatch",
                f"L'extension du fichier annonce {_FORMAT_NAMES[extension_format]} mais son "
                f"contenu est {_FORMAT_NAMES[fmt]} : il a été lu comme {_FORMAT_NAMES[fmt]}.",
                f"The file extension says {_FORMAT_NAMES[extension_format]} but its content is "
                f"{_FORMAT_NAMES[fmt]}: it was read as {_FORMAT_NAMES[fmt]}.",
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

    encoding = delimiter = None
    has_header = True
    sheet = None
    checksum = None
    if fmt == "csv":
        with open(source, "rb") as fh:
            head = fh.read(SAMPLE_BYTES)
        encoding = options.encoding or detect_encoding(head)
        if encoding is None:
            raise _unsupported(Detected(None, "binary"), label, extension_format)
        _check_codec(encoding, label)
        text_file, ids, labels, more, dialect = _load_text(
            con, source, scratch, encoding, options, label, lap
        )
        checksum = text_file.checksum
        issues.extend(text_file.issues)
        issues.extend(more)
        if text_file.transcoded:
            text_file.path.unlink(missing_ok=True)
        encoding = {"utf-8-sig": "utf-8-sig"}.get(encoding, encoding)
        delimiter = dialect.delimiter if len(ids) > 1 else None
        has_header = dialect.has_header
        if encoding not in ("utf-8", "utf-8-sig") and not any(
            i.code == "encoding_detected" for i in issues
        ):
            issues.append(
                info(
                    "encoding_detected",
                    f"Encodage : {display_encoding(encoding)}.",
                    f"Encoding: {display_encoding(encoding)}.",
                    file=label,
                )
            )
    elif fmt in ("xlsx", "ods"):
        try:
            if fmt == "xlsx":
                sheet, rows = readers.xlsx_rows(source, options.sheet, label)
            else:
                sheet, rows = readers.ods_rows(source, options.sheet, label)
            ids, labels, more = readers.load_rows(con, scratch, rows, label=label)
        except IngestError:
            raise
        except Exception as exc:
            raise IngestError(
                [
                    error(
                        "bad_spreadsheet",
                        f"Classeur illisible : {str(exc)[:200]}",
                        f"Unreadable workbook: {str(exc)[:200]}",
                        file=label,
                        hint_fr="Ouvrez-le dans un tableur et réenregistrez-le.",
                        hint_en="Open it in a spreadsheet application and save it again.",
                    )
                ]
            ) from exc
        issues.extend(more)
        has_header = not any(i.code == "header_missing" for i in more)
    elif fmt in ("json", "ndjson"):
        ids, labels = readers.load_json(con, source, ndjson=fmt == "ndjson", label=label)
    elif fmt in ("geojson", "shapefile", "geopackage"):
        load_spatial()
        ids, labels, more = readers.load_spatial_file(
            con, source, fmt, detected.zip_members, layer=options.sheet, label=label
        )
        issues.extend(more)
    elif fmt == "parquet":
        ids, labels = readers.load_parquet(con, source, label=label, load_spatial=load_spatial)
    else:  # pragma: no cover - detect_format only returns known formats
        raise IngestError(
            [error("unsupported_format", "Format non pris en charge.", "Unsupported.")]
        )
    if checksum is None:
        checksum = sha256_file(source)

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
    write_parquet(con, f"SELECT {select} FROM raw_data", parquet_path, {"columns": metadata})
    lap("write")
    written, stats = column_stats(con, parquet_path, [(i, decisions[i].type) for i in ids])
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
        parquet_path=parquet_path,
        row_count=written,
        columns=columns,
        issues=issues,
        source_format=fmt,
        source_checksum=checksum,
        encoding=encoding,
        delimiter=delimiter,
        has_header=has_header,
        sheet=sheet,
        timings=timings,
    )


def _cpu() -> float:
    """CPU seconds of this process, all threads (DuckDB's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _compatible(extension_format: str, fmt: str) -> bool:
    same = {frozenset({"json", "geojson"}), frozenset({"json", "ndjson"})}
    return frozenset({extension_format, fmt}) in same


def _check_codec(encoding: str, label: str) -> None:
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise IngestError(
            [
                error(
                    "unknown_encoding",
                    f"Encodage inconnu : « {encoding} ».",
                    f"Unknown encoding: '{encoding}'.",
                    file=label,
                    hint_fr="Exemples : utf-8, cp1252, latin-1, utf-16.",
                    hint_en="Examples: utf-8, cp1252, latin-1, utf-16.",
                )
            ]
        ) from exc


def _load_text(con, source: Path, scratch: Path, encoding: str, options, label: str, lap):
    """Checksum, encoding check and DuckDB load of a text file.

    A UTF-8 file is loaded straight from the source while a worker thread hashes it and checks
    every byte (hashlib and DuckDB both release the GIL, so the two overlap); if the check finds
    something DuckDB cannot take as is (invalid UTF-8 further down, mixed line endings), the load
    is thrown away and redone from a cleaned UTF-8 copy. Other encodings are transcoded first.
    """
    if encoding in ("utf-8", "utf-8-sig"):
        with ThreadPoolExecutor(max_workers=1) as pool:
            scan = pool.submit(scan_utf8, source)
            failure: BaseException | None = None
            result = None
            try:
                dialect = _dialect(source, options)

                def lines() -> int | None:
                    checksum, problem, count, _quotes = scan.result()
                    return count if problem is None else None

                result = load_csv(con, source, dialect, label=label, total_lines=lines)
            except (IngestError, duckdb.Error) as exc:
                failure = exc
            text_file = from_scan(source, scratch, encoding, scan.result(), label=label)
        lap("checksum_read")
        if not text_file.transcoded:
            if failure is not None:
                raise failure
            if text_file.quotes % 2:
                _unclosed_quote(text_file.path, label)
            return (text_file, *result, dialect)
        for table in ("raw_data", "raw_data_lined", "csv_rejects", "csv_rejects_scan"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute("DROP VIEW IF EXISTS raw")
    else:
        text_file = prepare(source, scratch, encoding, label=label)
        lap("transcode")
    dialect = _dialect(text_file.path, options)
    if text_file.quotes % 2:
        _unclosed_quote(text_file.path, label)
    ids, labels, more = load_csv(
        con, text_file.path, dialect, label=label, total_lines=text_file.lines
    )
    return text_file, ids, labels, more, dialect


def _dialect(path: Path, options):
    with open(path, "rb") as fh:
        sample_bytes = fh.read(SAMPLE_BYTES)
    sample = sample_bytes.decode("utf-8", errors="replace").lstrip("\ufeff")
    truncated = len(sample_bytes) == SAMPLE_BYTES
    return sniff_csv(sample, delimiter=options.delimiter, truncated=truncated)


def _unclosed_quote(path: Path, label: str) -> None:
    """An odd number of quotes: find the line of the quote that is never closed."""
    import csv

    line = None
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        inside = False
        for number, text in enumerate(fh, start=1):
            if text.count('"') % 2:
                inside = not inside
                if inside:
                    line = number
        if not inside:
            line = None
    del csv
    raise IngestError(
        [
            error(
                "bad_quotes",
                "Un guillemet ouvrant n'est jamais refermé"
                + (f" (ligne {line})" if line else "")
                + " : la suite du fichier serait lue comme une seule valeur.",
                "An opening quote is never closed"
                + (f" (line {line})" if line else "")
                + ": the rest of the file would be read as one value.",
                file=label,
                line=line,
                hint_fr="Fermez la valeur entre guillemets, ou doublez les guillemets à "
                'l\'intérieur des valeurs (""), puis rechargez.',
                hint_en='Close the quoted value, or double quotes inside values (""), then reload.',
            )
        ]
    )


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
