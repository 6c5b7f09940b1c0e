"""A version's serving file: the structures that make its reads fast, built once when the version is
written and stored beside its Parquet file as an immutable DuckDB database (``v3-1a2b3c4d.duckdb``
beside ``v3-1a2b3c4d.parquet``).

The Parquet file is the lake's storage; the serving file is what web processes read. Every web
process attaches it read-only (``records.serving``): nothing to warm up, nothing copied per
process, the operating system's page cache shared by all of them. It holds:

- ``records``: every row with its record id (``_id``, the 1-based row number of the Parquet file;
  ``_record_id`` when the data has its own ``_id``), in id order, so that row ``rowid`` is record
  ``rowid + 1``: a record by id is a direct row fetch, no index needed;
- **sorted** copies (``sorted_<n>``) on the columns that are sorted most (dates first, then
  numbers), in each direction: a page in that order is read off the top with no sort, a keyset
  cursor skips the row groups before it by their min/max, and an equality filter on the column
  reads one run of rows; the manifest lists the record ids of each copy's first rows
  (``head``), so that the first pages in that order are read from the rows file;
- **geo** copies (``geo_<n>``), one per point column, in strips of latitude sorted by longitude: a
  bounding box or a distance reads a few runs, the rest is skipped by min/max;
- the **rows by number** (``lake.engine.rowfile``): the same rows in an Arrow file beside it
  (``v3-1a2b3c4d.rows``), mapped by the readers: a record by id in tens of microseconds;
- the **counts of each value** (``values_<n>``) of the columns with few distinct values: a count
  filtered on one value is read, not counted; and a **clustered** copy (``sorted_c<n>_asc``) on
  the one of them with the most values: an equality on it, whatever else the filter asks, reads
  one run of rows in record-id order (``lake.engine.categories``);
- a **word index** of the text columns (``words_vocab`` and ``words_postings``): a full-text search
  reads the postings of the words that contain the term instead of matching every value (the
  words held by more than a fifth of the rows have no postings: such a term is read by a scan);
- ``_serving``: the manifest (which structures exist, under which names, for which columns).

Which structures are built is a registry (``STRUCTURES``) and a setting; a version smaller than the
threshold gets only ``records`` (a scan of a few thousand rows is as fast as any structure). The
SQL here contains no user input: quoted column ids of the version and numbers only.
"""

# ruff: noqa: S608 -- quoted column ids of the version, numbers, our own paths and manifest.

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from territoire.core.duckdb import load_extension, quote_literal
from territoire.core.duckdb import quote_identifier as quote
from territoire.core.search import WORD_SPLIT, normalized_sql

from . import rowfile
from .categories import clustered, value_counts

FORMAT = 1  # the manifest's format: a reader refuses (and falls back on Parquet) any other
# The structures a manifest without its list was built with (before "values" and "rows"): the
# worker rebuilds such a file when the settings want more.
LEGACY_STRUCTURES = ("sorted", "geo", "words")
SUFFIX = ".duckdb"
# The files that go with a version's Parquet file (same name, these suffixes): deleted, kept and
# cleaned up with it.
SERVING_SUFFIXES = (SUFFIX, rowfile.SUFFIX)
GEO_STRIPS = 64
SORTABLE = ("date", "datetime", "decimal", "integer")  # dates, amounts, then counts and ids
# The record ids of the first rows of each sorted copy, in the manifest: the first pages in that
# order are read from the rows file, without reading the copy's blocks (what a first request
# after a start would do: 4–6 ms for 20 rows of 8 columns).
SORTED_HEAD = 100
REPEATED_SHARE = 2  # at most half as many distinct values as rows: words split by value
# Words held by more than this share of the rows get no postings (their count stays in the
# vocabulary): a search for them reads as many rows as a scan, so the reader scans
# (records.selectors.sources), and they are a third of the postings of the benchmark table.
POSTINGS_SHARE = 0.2


def serving_path(parquet: Path) -> Path:
    """The serving file of a version, beside its Parquet file."""
    return parquet.with_suffix(SUFFIX)


def record_id_column(column_ids: Iterable[str]) -> str:
    """The record id's name: ``_id``, or ``_record_id`` (``__record_id``…) when the data has one."""
    ids = set(column_ids)
    name = "_id"
    while name in ids:
        name = "_record" + name if name == "_id" else "_" + name
    return name


@dataclass(frozen=True)
class Options:
    """What to build: the structure kinds (``STRUCTURES`` keys), from which row count, how many
    sorted columns, and the builder's memory."""

    structures: tuple[str, ...] = ("sorted", "geo", "words", "values", "clustered", "rows")
    min_rows: int = 20_000
    sorted_max: int = 2
    memory_mb: int = 1024
    threads: int | None = None


@dataclass
class Plan:
    """The version being built: its columns, the builder's connection, the manifest so far."""

    con: duckdb.DuckDBPyConnection
    columns: list[Mapping]
    id_column: str
    row_count: int
    options: Options
    manifest: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)

    def ids_of(self, *types: str) -> list[str]:
        return [str(c["id"]) for c in self.columns if c.get("type") in types]


# ---------------------------------------------------------------- structure kinds


def _sorted(plan: Plan) -> None:
    """Copies sorted on the first ``sorted_max`` sortable columns, ascending and descending, in the
    order the compiled ORDER BY gives (DuckDB's NULLS LAST both ways, ties by record id)."""
    chosen: list[str] = []
    for kind in SORTABLE:
        chosen += [c for c in plan.ids_of(kind) if c not in chosen]
    keys = []
    for n, column in enumerate(chosen[: plan.options.sorted_max]):
        for descending in (False, True):
            table = f"sorted_{n}_{'desc' if descending else 'asc'}"
            plan.con.execute(
                f"CREATE TABLE {table} AS SELECT * FROM records ORDER BY {quote(column)} "
                f"{'DESC' if descending else 'ASC'} NULLS LAST, {quote(plan.id_column)}"
            )
            head = plan.con.execute(
                f"SELECT {quote(plan.id_column)} FROM {table} LIMIT {SORTED_HEAD}"
            ).fetchall()
            keys.append(
                {"table": table, "keys": [[column, descending]], "head": [r[0] for r in head]}
            )
    plan.manifest["sorted"] = keys


def _geo(plan: Plan) -> None:
    """Per point column, the rows in strips of latitude (1/64 of the extent), by longitude inside."""
    copies = []
    for n, column in enumerate(plan.ids_of("geo_point")):
        lat, lon = (
            f"struct_extract({quote(column)}, 'lat')",
            f"struct_extract({quote(column)}, 'lon')",
        )
        extent = (
            f"(SELECT min({lat}) AS low, greatest(max({lat}) - min({lat}), 1e-9) AS span "
            "FROM records)"
        )
        table = f"geo_{n}"
        plan.con.execute(
            f"CREATE TABLE {table} AS SELECT t.* FROM records t, {extent} e "
            f"ORDER BY floor(({lat} - e.low) / e.span * {GEO_STRIPS}) NULLS LAST, "
            f"{lon} NULLS LAST, t.{quote(plan.id_column)}"
        )
        copies.append({"table": table, "column": column})
    plan.manifest["geo"] = copies


def _union_all(selects: list[str], empty_columns: str) -> str:
    """The SELECTs in one UNION ALL, or no row with these typed columns when there are none."""
    return " UNION ALL ".join(selects) or f"SELECT {empty_columns} LIMIT 0"


def _words(plan: Plan) -> None:
    """The word index of the text columns: ``words_vocab`` (tid, token, n) of every word in its
    search form (``n``: how many values hold it, an upper bound of its rows), and
    ``words_postings`` (tid, col, id) sorted by word, column, row, each once, for the words
    held by at most ``POSTINGS_SHARE`` of the rows (the manifest's ``postings_max``: the most
    values a word with postings is held by).

    Values that repeat (a commune's name, a service, a label written a few times) are split into
    words once per distinct value, and their rows get that value's word ids by a join, instead of
    lower-casing, stripping and splitting every row. Columns of mostly distinct values
    (identifiers, free text) are split row by row: there the distinct values would save nothing
    and cost a join on every value. Either way a value's words are made distinct in the value
    (``list_distinct``), so no table-wide DISTINCT is needed, and the postings are joined and
    sorted in one statement (1,000,000 rows, bench table: 4.9 → 3.0 s measured, the same
    postings; 3,000,000 distinct labels within 256 MB)."""
    texts = plan.ids_of("text")
    if not texts:
        return
    identifier = quote(plan.id_column)
    id_type = "INTEGER" if plan.row_count < 2**31 else "BIGINT"
    con = plan.con
    most = int(POSTINGS_SHARE * plan.row_count)
    distinct = con.execute(
        "SELECT " + ", ".join(f"approx_count_distinct({quote(c)})" for c in texts) + " FROM records"
    ).fetchone()
    repeated = {
        c for c, n in zip(texts, distinct, strict=True) if n * REPEATED_SHARE <= plan.row_count
    }

    def words(text: str) -> str:
        return (
            f"unnest(list_distinct(regexp_split_to_array({normalized_sql(text)}, '{WORD_SPLIT}')))"
        )

    by_row = _union_all(
        [
            f"SELECT CAST({i} AS SMALLINT) AS col, CAST({identifier} AS {id_type}) AS id, "
            f"{words(quote(c))} AS token FROM records"
            for i, c in enumerate(texts)
            if c not in repeated
        ],
        f"NULL::SMALLINT AS col, NULL::{id_type} AS id, NULL::VARCHAR AS token",
    )
    by_value = _union_all(
        [
            f"SELECT CAST({i} AS SMALLINT) AS col, {quote(c)} AS v, count(*) AS f FROM records "
            f"WHERE {quote(c)} IS NOT NULL GROUP BY {quote(c)}"
            for i, c in enumerate(texts)
            if c in repeated
        ],
        "NULL::SMALLINT AS col, NULL::VARCHAR AS v, NULL::BIGINT AS f",
    )
    con.execute(f"CREATE TEMP TABLE words_rows AS SELECT * FROM ({by_row}) WHERE token <> ''")
    # A repeated value's words, each once per value, with how many rows hold the value (f).
    con.execute(
        "CREATE TEMP TABLE words_values AS SELECT * FROM "
        f"(SELECT col, v, f, {words('v')} AS token FROM ({by_value})) WHERE token <> ''"
    )
    con.execute(
        "CREATE TABLE words_vocab AS SELECT CAST(row_number() OVER (ORDER BY token) AS INTEGER) "
        "AS tid, token, CAST(sum(n) AS BIGINT) AS n FROM ("
        "SELECT token, count(*) AS n FROM words_rows GROUP BY token UNION ALL "
        "SELECT token, sum(f) AS n FROM words_values GROUP BY token"
        ") GROUP BY token ORDER BY token"
    )
    con.execute(
        "CREATE TEMP TABLE words_value_ids AS SELECT w.col, w.v, t.tid FROM words_values w "
        f"JOIN words_vocab t USING (token) WHERE t.n <= {most}"
    )
    rows = _union_all(
        [
            f"SELECT CAST({i} AS SMALLINT) AS col, {quote(c)} AS v, "
            f"CAST({identifier} AS {id_type}) AS id FROM records WHERE {quote(c)} IS NOT NULL"
            for i, c in enumerate(texts)
            if c in repeated
        ],
        f"NULL::SMALLINT AS col, NULL::VARCHAR AS v, NULL::{id_type} AS id",
    )
    # Row by row, (col, id, token) is unique (list_distinct); by value, (col, v, token) is, and a
    # row has one value per column: each posting comes once.
    con.execute(
        f"CREATE TABLE words_postings AS SELECT tid, col, id AS {identifier} FROM ("
        "SELECT t.tid, w.col, w.id FROM words_rows w JOIN words_vocab t USING (token) "
        f"WHERE t.n <= {most} UNION ALL "
        f"SELECT w.tid, r.col, r.id FROM ({rows}) r "
        "JOIN words_value_ids w ON w.col = r.col AND w.v = r.v"
        ") ORDER BY tid, col, id"
    )
    for table in ("words_rows", "words_values", "words_value_ids"):
        con.execute(f"DROP TABLE {table}")
    plan.manifest["words"] = {
        "columns": texts,
        "vocab": "words_vocab",
        "postings": "words_postings",
        "postings_max": most,
    }


STRUCTURES: dict[str, Callable[[Plan], None]] = {
    "sorted": _sorted,
    "geo": _geo,
    "words": _words,
    "values": value_counts,
    "clustered": clustered,
}


# ---------------------------------------------------------------- building


def build(parquet: Path, target: Path, columns: Sequence[Mapping], options: Options) -> dict:
    """Write the serving file of the version in ``parquet`` to ``target`` (a temporary name the
    caller places; fsynced) and return its manifest, with the seconds each structure took."""
    target.unlink(missing_ok=True)
    started = time.monotonic()
    con = duckdb.connect(str(target))
    try:
        con.execute(f"SET memory_limit = '{int(options.memory_mb)}MB'")
        if options.threads:
            con.execute(f"SET threads = {int(options.threads)}")
        con.execute("SET preserve_insertion_order = true")
        if any(str(c.get("storage_type", "")).upper().startswith("GEOMETRY") for c in columns):
            load_extension(con, "spatial")
        id_column = record_id_column(str(c["id"]) for c in columns)
        has_row_number = any(str(c["id"]) == "file_row_number" for c in columns)
        path = quote_literal(str(parquet))  # no parameter: see quote_literal
        if has_row_number:  # the option's column name is taken: number the rows in file order
            source = (
                f"SELECT row_number() OVER () AS {quote(id_column)}, * FROM read_parquet({path})"
            )
        else:
            source = (
                f"SELECT file_row_number + 1 AS {quote(id_column)}, * EXCLUDE (file_row_number) "
                f"FROM read_parquet({path}, file_row_number = true)"
            )
        con.execute(f"CREATE TABLE records AS SELECT * FROM ({source}) ORDER BY {quote(id_column)}")
        row_count = int(con.execute("SELECT count(*) FROM records").fetchone()[0])
        plan = Plan(con, list(columns), id_column, row_count, options)
        plan.seconds["records"] = round(time.monotonic() - started, 3)
        rowid_is_id = _rowid_is_id(con, id_column, row_count)
        if "rows" in options.structures and rowid_is_id:
            # Whatever the size: a record by id costs DuckDB a millisecond even on small tables.
            lap = time.monotonic()
            entry = rowfile.write(con, "records", rowfile.rows_path(target))
            if entry is not None:
                plan.manifest["rows_file"] = entry
            plan.seconds["rows"] = round(time.monotonic() - lap, 3)
        if row_count >= options.min_rows:
            for kind in (k for k in STRUCTURES if k in options.structures):  # registry order
                lap = time.monotonic()
                STRUCTURES[kind](plan)
                plan.seconds[kind] = round(time.monotonic() - lap, 3)
        manifest = {
            "format": FORMAT,
            "id_column": id_column,
            "rows": row_count,
            # Row n of ``records`` is record n + 1: readers fetch a record by its rowid.
            "rowid_is_id": rowid_is_id,
            "structures": sorted(options.structures),  # asked for (each one applies or not)
            **plan.manifest,
        }
        con.execute("CREATE TABLE _serving (manifest VARCHAR)")
        text = json.dumps(manifest, ensure_ascii=False)
        con.execute(f"INSERT INTO _serving VALUES ({quote_literal(text)})")
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        target.unlink(missing_ok=True)
        Path(str(target) + ".wal").unlink(missing_ok=True)
        rowfile.rows_path(target).unlink(missing_ok=True)
        raise
    con.close()
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    manifest["seconds"] = {**plan.seconds, "total": round(time.monotonic() - started, 3)}
    manifest["bytes"] = target.stat().st_size
    return manifest


def _rowid_is_id(con: duckdb.DuckDBPyConnection, id_column: str, row_count: int) -> bool:
    if row_count == 0:
        return True
    first, last = con.execute(
        f"SELECT min({quote(id_column)}), max({quote(id_column)}) FROM records"
    ).fetchone()
    probe = con.execute(
        f"SELECT {quote(id_column)} FROM records WHERE rowid = {int(row_count) - 1}"
    ).fetchone()
    return first == 1 and last == row_count and probe is not None and probe[0] == row_count


def manifest_of(path: Path) -> dict | None:
    """The manifest of a serving file, or None when it is missing, unreadable or of another format."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except (duckdb.Error, OSError):
        return None
    try:
        found = con.execute("SELECT manifest FROM _serving").fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    manifest = json.loads(found[0]) if found else None
    return manifest if manifest and manifest.get("format") == FORMAT else None
