"""CSV/TSV/TXT into DuckDB: every value as VARCHAR, with its source line number.

The dialect comes from :mod:`.sniff`; DuckDB's reader is then run with everything explicit
(no auto-detection, ``strict_mode`` so that a row with too many fields is never silently
truncated, ``null_padding`` so that a short row is padded with nulls, and ``store_rejects`` so
that every faulty row is reported with its position instead of stopping at the first one).

Line numbers (``__line__``) count physical lines of the file, 1-based, header included. When
no value spans several lines, line = row index + lines before the first row; otherwise the
newlines inside each row's values are added up (a window sum, done only for such files).
Blank lines inside the data are skipped by the reader and not counted (documented limit).
A line holding only spaces (or only delimiters and spaces) is not a record either: DuckDB
reads it as a row of empty values, which is removed before anything else sees it (row ids, and
so line numbers, of the other rows do not move).
"""
# ruff: noqa: S608 - SQL is assembled from identifiers quoted by quote_ident() and literals
# escaped by q()/_q(); no SQL text ever comes from users.

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb

from territoire.core.duckdb import quote_identifier as quote_ident

from .issues import IngestError, Issue, error, info, warning
from .names import make_identifiers
from .patterns import WHITESPACE, q
from .sniff import NO_DELIMITER, CsvDialect

MAX_LINE_SIZE = 8 << 20  # one record may hold a long text; DuckDB buffers 16× this
_DELIMITER_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre"}


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _read_sql(path: Path, dialect: CsvDialect, ids: list[str], *, parallel: bool) -> str:
    columns = "{" + ", ".join(f"{_q(i)}: 'VARCHAR'" for i in ids) + "}"
    return (
        f"SELECT * FROM read_csv({_q(str(path))}, auto_detect = false, "
        f"delim = {_q(dialect.delimiter)}, quote = '\"', escape = '\"', header = false, "
        f"skip = {dialect.skip_lines}, columns = {columns}, null_padding = true, "
        f"strict_mode = true, store_rejects = true, ignore_errors = true, "
        f"rejects_table = 'csv_rejects', rejects_scan = 'csv_rejects_scan', "
        f"max_line_size = {MAX_LINE_SIZE}, parallel = {'true' if parallel else 'false'})"
    )


def _drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("raw_data", "csv_rejects", "csv_rejects_scan"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute("DROP VIEW IF EXISTS raw")


def _load(con, path, dialect, ids, label: str = "") -> None:
    parallel = not dialect.quoted_newlines
    try:
        try:
            con.execute(
                "CREATE TABLE raw_data AS " + _read_sql(path, dialect, ids, parallel=parallel)
            )
        except duckdb.Error as exc:
            if not (parallel and "parallel" in str(exc).lower()):
                raise
            _drop_scratch(con)
            con.execute("CREATE TABLE raw_data AS " + _read_sql(path, dialect, ids, parallel=False))
    except duckdb.Error as exc:
        if "line size" not in str(exc).lower():
            raise
        raise IngestError(
            [
                error(
                    "line_too_long",
                    f"Une ligne dépasse {MAX_LINE_SIZE >> 20} Mo : le fichier n'est probablement "
                    "pas un CSV, ou un guillemet n'est pas refermé.",
                    f"A line is longer than {MAX_LINE_SIZE >> 20} MB: the file is probably not a "
                    "CSV, or a quote is never closed.",
                    file=label,
                    hint_fr="Vérifiez le format du fichier et les guillemets.",
                    hint_en="Check the file format and the quotes.",
                )
            ]
        ) from exc


def physical_lines(path: Path, byte_positions: list[int]) -> dict[int, int]:
    """1-based line number of each byte offset, counting ``\\n`` in one forward pass."""
    result: dict[int, int] = {}
    wanted = sorted(set(p for p in byte_positions if p is not None))
    if not wanted:
        return result
    line, offset = 1, 0
    with open(path, "rb") as fh:
        for position in wanted:
            while offset < position:
                chunk = fh.read(min(8 << 20, position - offset))
                if not chunk:
                    break
                line += chunk.count(b"\n")
                offset += len(chunk)
            result[position] = line
    return result


def load_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    dialect: CsvDialect,
    *,
    label: str,
    total_lines,
) -> tuple[list[str], list[str], list[Issue]]:
    """Create ``raw_data`` and the view ``raw``; returns (ids, labels, issues)."""
    issues: list[Issue] = []
    labels = list(dialect.header)
    ids = make_identifiers(labels)
    _load(con, path, dialect, ids, label)
    rejects = con.execute(
        "SELECT error_type, line_byte_position, csv_line, error_message, column_idx "
        "FROM csv_rejects ORDER BY line_byte_position"
    ).fetchall()
    if rejects:
        extra = _trailing_only(rejects, dialect, len(ids))
        if extra:
            # Some rows end with more empty fields than the header: trailing delimiters.
            _drop_scratch(con)
            labels += [""] * extra
            ids = make_identifiers(labels)
            dialect.n_columns = len(ids)
            _load(con, path, dialect, ids, label)
            rejects = con.execute(
                "SELECT error_type, line_byte_position, csv_line, error_message, column_idx "
                "FROM csv_rejects ORDER BY line_byte_position"
            ).fetchall()
    if rejects:
        raise IngestError(_reject_issues(rejects, path, dialect, labels, label))
    con.execute("DROP TABLE IF EXISTS csv_rejects")
    con.execute("DROP TABLE IF EXISTS csv_rejects_scan")

    blank = _drop_blank_rows(con, ids)
    if blank:
        issues.append(
            info(
                "blank_lines",
                f"{blank} ligne(s) vide(s) ou ne contenant que des espaces ignorée(s).",
                f"{blank} blank or whitespace-only line(s) skipped.",
                file=label,
            )
        )
    # Columns created only by trailing delimiters: no label and no value.
    counts = con.execute(
        "SELECT " + ", ".join(f"count({quote_ident(i)})" for i in ids) + " FROM raw_data"
    ).fetchone()
    keep = len(ids)
    while keep > 1 and not labels[keep - 1].strip() and counts[keep - 1] == 0:
        keep -= 1
    if keep < len(ids):
        for name in ids[keep:]:
            con.execute(f"ALTER TABLE raw_data DROP COLUMN {quote_ident(name)}")
        issues.append(
            info(
                "trailing_delimiter",
                "Les lignes se terminent par un séparateur : la colonne vide qui en résulte "
                "est ignorée.",
                "Lines end with a delimiter: the resulting empty column is ignored.",
                file=label,
            )
        )
        ids, labels = ids[:keep], labels[:keep]
    if not dialect.has_header:
        labels = list(ids)  # no label in the file: the generated name stands for it
        issues.append(
            warning(
                "header_missing",
                "Aucune ligne d'en-tête détectée : les colonnes sont nommées colonne_1, colonne_2…",
                "No header row detected: columns are named colonne_1, colonne_2…",
                file=label,
                line=1,
                hint_fr="Ajoutez une première ligne avec le nom des colonnes si le fichier "
                "devait en avoir une.",
                hint_en="Add a first line with column names if the file should have one.",
            )
        )
    if dialect.delimiter != NO_DELIMITER:
        issues.append(
            info(
                "delimiter_detected",
                f"Séparateur : {_DELIMITER_NAMES.get(dialect.delimiter, dialect.delimiter)}.",
                f"Delimiter: {dialect.delimiter!r}.",
                file=label,
            )
        )
    _make_raw_view(con, ids, dialect, total_lines)
    return ids, labels, issues


def _drop_blank_rows(con, ids: list[str]) -> int:
    """Remove rows whose every value is empty or whitespace; returns how many."""
    if not ids:
        return 0
    tests = []
    for ident in ids:
        c = quote_ident(ident)
        # a prefix test first: most values start with a visible character and stop here
        tests.append(
            f"({c} IS NULL OR (({c} < '!' OR {c} LIKE {q(chr(0xA0) + '%')} OR {c} LIKE "
            f"{q(chr(0x202F) + '%')}) AND trim({c}, {q(WHITESPACE)}) = ''))"
        )
    (count,) = con.execute(f"DELETE FROM raw_data WHERE {' AND '.join(tests)}").fetchone()
    return int(count or 0)


def _make_raw_view(con, ids: list[str], dialect: CsvDialect, total_lines) -> None:
    """``total_lines``: the file's line count, or a callable returning it (or None)."""
    if callable(total_lines):
        total_lines = total_lines()
    first = dialect.skip_lines + 1
    (rows,) = con.execute("SELECT count(*) FROM raw_data").fetchone()
    cols = ", ".join(quote_ident(i) for i in ids)
    exact = total_lines is not None and rows == total_lines - dialect.skip_lines
    if not exact and rows and ids:
        newlines = " + ".join(
            f"coalesce(length({quote_ident(i)}) - length(replace({quote_ident(i)}, chr(10), '')), 0)"
            for i in ids
        )
        (has_newlines,) = con.execute(f"SELECT bool_or(({newlines}) > 0) FROM raw_data").fetchone()
        if has_newlines:
            con.execute(
                f"CREATE TABLE raw_data_lined AS SELECT {cols}, ({first} + rowid + coalesce(sum("
                f"{newlines}) OVER (ORDER BY rowid ROWS BETWEEN UNBOUNDED PRECEDING AND 1 "
                f"PRECEDING), 0))::BIGINT AS __line__ FROM raw_data ORDER BY rowid"
            )
            con.execute("DROP TABLE raw_data")
            con.execute("ALTER TABLE raw_data_lined RENAME TO raw_data")
            con.execute(f"CREATE VIEW raw AS SELECT {cols}, __line__ FROM raw_data")
            return
    con.execute(
        f"CREATE VIEW raw AS SELECT {cols}{', ' if cols else ''}"
        f"(rowid + {first})::BIGINT AS __line__ FROM raw_data"
    )


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(line), delimiter=delimiter, quotechar='"'))
    except (StopIteration, csv.Error):
        return []


def _trailing_only(rejects, dialect: CsvDialect, n_columns: int) -> int:
    """Extra columns needed if every reject is a row ending with empty fields; else 0."""
    extra = 0
    for error_type, _pos, csv_line, _msg, _col in rejects:
        if error_type != "TOO MANY COLUMNS":
            return 0
        fields = _split(csv_line or "", dialect.delimiter)
        if len(fields) <= n_columns or any(f.strip() for f in fields[n_columns:]):
            return 0
        extra = max(extra, len(fields) - n_columns)
    return extra


def _reject_issues(rejects, path: Path, dialect, labels, label) -> list[Issue]:
    lines = physical_lines(path, [r[1] - 1 if r[1] else None for r in rejects[:50]])
    by_type: dict[str, list] = {}
    for r in rejects:
        by_type.setdefault(r[0], []).append(r)
    issues = []
    for error_type, rows in by_type.items():
        first_lines = [lines.get(r[1] - 1) for r in rows[:50] if r[1]]
        first_lines = [n for n in first_lines if n][:5]
        where = ", ".join(str(n) for n in first_lines)
        more = (
            f" (et {len(rows) - len(first_lines)} autres)" if len(rows) > len(first_lines) else ""
        )
        more_en = (
            f" (and {len(rows) - len(first_lines)} more)" if len(rows) > len(first_lines) else ""
        )
        example = (rows[0][2] or "")[:200]
        if error_type == "TOO MANY COLUMNS":
            found = len(_split(rows[0][2] or "", dialect.delimiter))
            issues.append(
                error(
                    "too_many_fields",
                    f"{len(rows)} ligne(s) ont plus de champs que l'en-tête ({len(labels)} "
                    f"colonnes, {found} trouvés) : ligne(s) {where}{more}.",
                    f"{len(rows)} row(s) have more fields than the header ({len(labels)} "
                    f"columns, {found} found): line(s) {where}{more_en}.",
                    file=label,
                    line=first_lines[0] if first_lines else None,
                    hint_fr="Une valeur contient probablement le séparateur sans être entre "
                    f"guillemets (ligne : {example!r}). Mettez-la entre guillemets ou "
                    "corrigez la ligne, puis rechargez.",
                    hint_en="A value probably contains the delimiter without quotes "
                    f"(line: {example!r}). Quote it or fix the line, then reload.",
                )
            )
        elif error_type == "UNQUOTED VALUE" or error_type == "INVALID STATE":
            issues.append(
                error(
                    "bad_quotes",
                    f"Guillemets mal fermés ligne(s) {where}{more}.",
                    f"Badly closed quotes at line(s) {where}{more_en}.",
                    file=label,
                    line=first_lines[0] if first_lines else None,
                    hint_fr="Un guillemet \" ouvre une valeur qui n'est pas refermée, ou "
                    "apparaît au milieu d'une valeur non entourée de guillemets. Doublez les "
                    'guillemets à l\'intérieur des valeurs ("").',
                    hint_en="A quote opens a value that is never closed, or appears inside "
                    'an unquoted value. Double quotes inside values ("").',
                )
            )
        else:
            issues.append(
                error(
                    "csv_error",
                    f"Ligne(s) illisible(s) {where}{more} : {rows[0][3]}",
                    f"Unreadable line(s) {where}{more_en}: {rows[0][3]}",
                    file=label,
                    line=first_lines[0] if first_lines else None,
                    hint_fr="Corrigez ces lignes dans le fichier puis rechargez.",
                    hint_en="Fix these lines in the file, then reload.",
                )
            )
    return issues
