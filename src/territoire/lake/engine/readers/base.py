"""What every reader shares: the registry entry, what a reader is given and returns, and the
helpers that turn values into the DuckDB table ``raw_data`` (all VARCHAR) and the view ``raw``.

Values are turned to text the way a person would write them: dates ``2013-12-03``, datetimes
ISO 8601, booleans ``true``/``false``, numbers without exponent when possible.
"""
# ruff: noqa: S608 - SQL is assembled from identifiers quoted by quote_ident() and literals
# escaped by _q(); no SQL text ever comes from users.

from __future__ import annotations

import csv
import datetime as dt
import decimal
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..csvreader import _q, quote_ident
from ..issues import IngestError, Issue, error, info
from ..model import IngestOptions, Limits
from ..names import make_identifiers
from ..sniff import Probe, _has_header

HEADER_PROBE = 50


@dataclass
class ReadContext:
    """What a reader is given: an open connection, the file, a scratch directory, the options."""

    con: duckdb.DuckDBPyConnection
    source: Path
    scratch: Path
    options: IngestOptions
    label: str  # the file name shown in messages
    probe: Probe
    lap: Callable[[str], None]  # records the time of a step in the report's timings
    load_spatial: Callable[[], None]  # loads DuckDB's spatial extension once

    @property
    def limits(self) -> Limits:
        return self.options.limits


@dataclass
class ReadResult:
    """What a reader returns once ``raw_data`` and ``raw`` exist."""

    ids: list[str]
    labels: list[str]
    issues: list[Issue] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    has_header: bool = True
    sheet: str | None = None  # sheet or layer read
    checksum: str | None = None  # when the reader hashed the file while reading it
    physical_lines: bool = False  # __line__ counts lines of text (values may span several)


@dataclass(frozen=True)
class Reader:
    """One format: how to recognise it from its content, and how to read it.

    ``sniff`` answers True (this format), False (not this one) or the reason of a refusal
    (a key of :data:`territoire.lake.engine.refusals.REFUSALS`, e.g. a truncated file).
    Readers are asked in ``order``; the first that answers other than False decides.
    """

    format: str  # stable code, stored with each version ("csv", "xlsx"…)
    name: str  # shown in messages ("Excel (XLSX)")
    extensions: tuple[str, ...]  # hints only: content decides
    sniff: Callable[[Probe], bool | str]
    read: Callable[[ReadContext], ReadResult]
    order: int = 50


def cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def check_width(width: int, limits: Limits, label: str) -> None:
    """Refuse, before anything is loaded, a file wider than the column cap."""
    if width <= limits.max_columns:
        return
    raise IngestError(
        [
            error(
                "too_many_columns",
                f"Le fichier a {width:,} colonnes ; la limite est de {limits.max_columns:,} "
                "colonnes par jeu de données.".replace(",", " "),
                f"The file has {width:,} columns; the limit is {limits.max_columns:,} columns "
                "per dataset.",
                file=label,
                hint_fr="Découpez le fichier en plusieurs jeux de données, ou demandez à un "
                "administrateur de relever la limite (TERRITOIRE_INGEST_MAX_COLUMNS).",
                hint_en="Split the file into several datasets, or ask an administrator to raise "
                "the limit (TERRITOIRE_INGEST_MAX_COLUMNS).",
            )
        ]
    )


def first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def sheet_error(label: str, wanted: str, available: list[str]) -> IngestError:
    return IngestError(
        [
            error(
                "sheet_not_found",
                f"Feuille « {wanted} » introuvable. Feuilles : {', '.join(available)}.",
                f"Sheet '{wanted}' not found. Sheets: {', '.join(available)}.",
                file=label,
                hint_fr="Choisissez l'une des feuilles listées (nom ou numéro à partir de 1).",
                hint_en="Pick one of the listed sheets (name or number from 1).",
            )
        ]
    )


def pick_sheet(names: list[str], wanted: str | None, label: str) -> int:
    """Index of the sheet or layer ``wanted`` (name, case-insensitive name, or 1-based number)."""
    if not wanted:
        return 0
    if wanted in names:
        return names.index(wanted)
    lowered = [n.strip().lower() for n in names]
    if wanted.strip().lower() in lowered:
        return lowered.index(wanted.strip().lower())
    if wanted.isdigit() and 1 <= int(wanted) <= len(names):
        return int(wanted) - 1
    raise sheet_error(label, wanted, names)


def load_rows(
    ctx: ReadContext, rows: Iterable[tuple[int, list[str | None]]]
) -> tuple[list[str], list[str], list[Issue]]:
    """Load ``(line number, values)`` rows (the first non-empty row may be the header) through a
    CSV in the scratch directory: memory stays flat whatever the size of the sheet."""
    label = ctx.label
    out = ctx.scratch / "rows.csv"
    iterator = iter(rows)
    probe: list[tuple[int, list]] = []
    for item in iterator:
        if any(v not in (None, "") for v in item[1]):
            probe.append(item)
        if len(probe) >= HEADER_PROBE:
            break
    if not probe:
        raise IngestError(
            [
                error(
                    "empty_file",
                    "La feuille ne contient aucune donnée.",
                    "The sheet holds no data.",
                    file=label,
                    hint_fr="Vérifiez la feuille choisie (option « feuille ») ou le fichier.",
                    hint_en="Check the chosen sheet or the file.",
                )
            ]
        )
    first = [v or "" for v in probe[0][1]]
    has_header = _has_header(first, [[v or "" for v in r] for _n, r in probe[1:]])
    check_width(max(len(_trimmed(r)) for _n, r in probe), ctx.limits, label)
    width = 0
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")

        def emit(line: int, values: list) -> None:
            nonlocal width
            values = _trimmed(values)
            if not values:
                return
            if len(values) > width:
                width = len(values)
                check_width(width, ctx.limits, label)
            writer.writerow([line, *[("" if v is None else v) for v in values]])

        for line, values in probe[1 if has_header else 0 :]:
            emit(line, values)
        for line, values in iterator:
            emit(line, values)
    header = _trimmed(first) if has_header else []
    end = len(header)
    while end and not header[end - 1].strip():
        end -= 1
    width = max(width, end)
    if width == 0:
        raise IngestError(
            [
                error(
                    "empty_file",
                    "Le fichier ne contient que des lignes vides.",
                    "The file holds only empty rows.",
                    file=label,
                )
            ]
        )
    labels = (header[:end] + [""] * width)[:width]
    ids = make_identifiers(labels)
    if not has_header:
        ids = [f"colonne_{k}" for k in range(1, width + 1)]
        labels = list(ids)
    columns = "{'__line__': 'BIGINT', " + ", ".join(f"{_q(i)}: 'VARCHAR'" for i in ids) + "}"
    ctx.con.execute(
        f"CREATE TABLE raw_data AS SELECT * FROM read_csv({_q(str(out))}, auto_detect = false, "
        f"delim = ',', quote = '\"', escape = '\"', header = false, columns = {columns}, "
        f"null_padding = true, parallel = false, max_line_size = {8 << 20})"
    )
    out.unlink()
    cols = ", ".join(quote_ident(i) for i in ids)
    ctx.con.execute(f"CREATE VIEW raw AS SELECT {cols}, __line__ FROM raw_data")
    issues = []
    if not has_header:
        issues.append(
            info(
                "header_missing",
                "Aucune ligne d'en-tête détectée : les colonnes sont nommées colonne_1…",
                "No header row detected: columns are named colonne_1…",
                file=label,
            )
        )
    return ids, labels, issues


def _trimmed(values: list) -> list:
    end = len(values)
    while end and values[end - 1] in (None, ""):
        end -= 1
    return values[:end]


def varchar_table(ctx: ReadContext, relation_sql: str) -> tuple[list[str], list[str]]:
    """``raw_data`` from any relation: every column cast to text, geometry as WKT."""
    con = ctx.con
    con.execute(f"CREATE TEMP VIEW __src AS {relation_sql}")
    described = con.execute("DESCRIBE __src").fetchall()
    check_width(len(described), ctx.limits, ctx.label)
    labels = [r[0] for r in described]
    ids = make_identifiers(labels)
    parts = []
    for (name, type_name, *_rest), ident in zip(described, ids, strict=True):
        col = quote_ident(name)
        upper = type_name.upper()
        if upper.startswith("GEOMETRY"):
            expr = f"ST_AsText({col})"
        elif upper.startswith(("STRUCT", "MAP")) or upper.endswith("[]") or upper == "JSON":
            expr = f"to_json({col})::VARCHAR"
        elif upper == "BLOB":
            expr = f"hex({col})"
        elif upper.startswith("TIMESTAMP") and "TIME ZONE" not in upper:
            expr = f"strftime({col}, '%Y-%m-%dT%H:%M:%S')"
        elif upper in ("FLOAT", "DOUBLE"):
            expr = (
                f"CASE WHEN {col} = trunc({col}) AND abs({col}) < 1e15 "
                f"THEN {col}::BIGINT::VARCHAR ELSE {col}::VARCHAR END"
            )
        else:
            expr = f"{col}::VARCHAR"
        parts.append(f"{expr} AS {quote_ident(ident)}")
    con.execute(
        f"CREATE TABLE raw_data AS SELECT {', '.join(parts)}{', ' if parts else ''}"
        "(row_number() OVER ())::BIGINT AS __line__ FROM __src"
    )
    con.execute("DROP VIEW __src")
    cols = ", ".join(quote_ident(i) for i in ids)
    con.execute(f"CREATE VIEW raw AS SELECT {cols}{', ' if cols else ''}__line__ FROM raw_data")
    return ids, labels
