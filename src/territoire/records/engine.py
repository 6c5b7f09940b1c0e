"""Run record queries on DuckDB: pages with their count, facets, exports — within a time limit.

Every read of records goes through here or through ``odsql.compile_query``; nothing else builds
SQL from user input. When a limit is hit the answer says so in ``limits`` (never a silently
empty or shortened result).
"""

# This module assembles SQL text on purpose: identifiers come quoted from the validated column
# list and every user value is a bound parameter (see sqlgen), which S608 cannot see.
# ruff: noqa: S608

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .odsql import QueryError, RecordQuery, Schema, compile_filter, compile_query
from .odsql.compiler import DEFAULT_SOURCE
from .odsql.errors import computation_error
from .odsql.refine import FacetFilter
from .odsql.sqlgen import quote
from .odsql.validate import GEO, TEMPORAL
from .odsql.values import row_converter

DEFAULT_TIMEZONE = "Europe/Paris"
# Errors a valid query can meet on the data itself (overflow, impossible cast): the user's to fix.
DATA_ERRORS = (duckdb.OutOfRangeException, duckdb.ConversionException)


def connect(
    *, timezone: str = DEFAULT_TIMEZONE, database: str = ":memory:"
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection set up for record queries (file order kept, local time zone)."""
    con = duckdb.connect(database)
    con.execute("SET preserve_insertion_order = true")
    set_timezone(con, timezone)
    return con


def set_timezone(con: duckdb.DuckDBPyConnection, timezone: str) -> None:
    from zoneinfo import ZoneInfo

    ZoneInfo(timezone)  # refuse unknown names before they reach SQL
    con.execute(f"SET TimeZone = '{timezone}'")


def ensure_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load a DuckDB extension from its pinned PyPI wheel (never downloaded at run time)."""
    loaded = con.execute(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = ?", [name]
    ).fetchone()
    if loaded and loaded[0]:
        return
    package = importlib.import_module(f"duckdb_extension_{name}")
    path = (
        Path(package.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / f"{name}.duckdb_extension"
    )
    con.install_extension(str(path))
    con.load_extension(name)


def _timezone_of(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_setting('TimeZone')").fetchone()[0]


def with_storage_types(
    con: duckdb.DuckDBPyConnection, parquet_path, columns: list[dict]
) -> list[dict]:
    """Columns with their ``storage_type`` filled in from the file when a geometry lacks it.

    Geometries may be stored as GEOMETRY (GeoParquet, what the lake writes) or as WKB BLOBs;
    the SQL differs. The lake records storage types; this covers column lists without them.
    """
    if not any(c["type"] == "geometry" and not c.get("storage_type") for c in columns):
        return columns
    described = con.execute(
        "DESCRIBE SELECT * FROM read_parquet(?)", [str(parquet_path)]
    ).fetchall()
    types = {row[0]: row[1] for row in described}
    return [
        {**c, "storage_type": types.get(c["id"], "")}
        if c["type"] == "geometry" and not c.get("storage_type")
        else c
        for c in columns
    ]


# ---------------------------------------------------------------- time limit


class _Deadline:
    """Interrupts the connection's running statement when the time is up."""

    def __init__(self, con: duckdb.DuckDBPyConnection, seconds: float | None):
        self.con = con
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._active = True
        self._timer = None
        if seconds is not None:
            self._timer = threading.Timer(max(seconds, 0.0), self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._active:  # never interrupt a statement that runs after this deadline ended
                self.expired = True
                self.con.interrupt()

    def close(self) -> None:
        with self._lock:
            self._active = False
        if self._timer is not None:
            self._timer.cancel()


@contextmanager
def deadline(con: duckdb.DuckDBPyConnection, seconds: float | None):
    d = _Deadline(con, seconds)
    try:
        yield d
    finally:
        d.close()


def time_limit(seconds: float, part: str) -> dict:
    return {
        "name": "time_limit",
        "value": seconds,
        "part": part,
        "message": f"La limite de temps de {seconds:g} s a été atteinte ({part}) : affinez la requête ou utilisez un export",
        "message_en": f"The time limit of {seconds:g} s was reached ({part}): narrow the query or use an export",
    }


# ---------------------------------------------------------------- records


def run_query(
    con: duckdb.DuckDBPyConnection,
    q: RecordQuery,
    *,
    parquet_path: str | Path,
    columns: list[dict],
    max_limit: int | None = 10000,
    default_limit: int | None = 10,
    timeout_s: float | None = 10.0,
    with_count: bool = True,
    search_column: str | None = None,
) -> dict:
    """One page of records (or groups) and the total count.

    Returns ``{"total_count": int | None, "results": [rows], "limits": [...], "columns": [...]}``.
    ``total_count`` is None when it was not asked for or could not be computed in time; then
    ``limits`` says why. Raises QueryError for a bad query.
    """
    timezone = _timezone_of(con)
    columns = with_storage_types(con, parquet_path, columns)
    compiled = compile_query(
        q,
        columns=columns,
        source_params=[str(parquet_path)],
        max_limit=max_limit,
        default_limit=default_limit,
        timezone=timezone,
        search_column=search_column,
    )
    for extension in compiled.extensions:
        ensure_extension(con, extension)
    convert = row_converter(compiled.columns, timezone)
    limits: list[dict] = []
    started = time.monotonic()
    with deadline(con, timeout_s) as d:
        try:
            rows = con.execute(compiled.sql, compiled.params).fetchall()
        except DATA_ERRORS as exc:
            raise computation_error(exc) from exc
        except duckdb.InterruptException:
            if not d.expired:
                raise
            return {
                "total_count": None,
                "results": [],
                "limits": [time_limit(timeout_s, "results")],
                "columns": compiled.columns,
            }
    results = [convert(row) for row in rows]

    total = None
    page_is_short = compiled.limit is not None and len(rows) < compiled.limit
    if page_is_short and (rows or not compiled.offset):
        total = compiled.offset + len(rows)  # the page holds the end of the result: no count needed
    elif with_count and compiled.count_sql:
        remaining = (
            None if timeout_s is None else max(timeout_s - (time.monotonic() - started), 0.001)
        )
        with deadline(con, remaining) as d:
            try:
                total = int(con.execute(compiled.count_sql, compiled.count_params).fetchone()[0])
            except DATA_ERRORS as exc:
                raise computation_error(exc) from exc
            except duckdb.InterruptException:
                if not d.expired:
                    raise
                limits.append(time_limit(timeout_s, "total_count"))
    return {"total_count": total, "results": results, "limits": limits, "columns": compiled.columns}


def export_stream(
    con: duckdb.DuckDBPyConnection,
    q: RecordQuery,
    *,
    parquet_path: str | Path,
    columns: list[dict],
    batch_size: int = 10000,
    search_column: str | None = None,
) -> Iterator[dict]:
    """Every matching row, converted, in a stable order, without loading them all in memory.

    No row cap and no time limit (exports run as long as they need); ``limit`` and
    ``offset`` are honoured when given. Rows come in file order unless ``order_by`` is given.
    """
    timezone = _timezone_of(con)
    columns = with_storage_types(con, parquet_path, columns)
    compiled = compile_query(
        q,
        columns=columns,
        source_params=[str(parquet_path)],
        max_limit=None,
        default_limit=None,
        timezone=timezone,
        search_column=search_column,
    )
    for extension in compiled.extensions:
        ensure_extension(con, extension)
    convert = row_converter(compiled.columns, timezone)
    cursor = con.cursor()  # its own statement, so other queries can run on ``con`` meanwhile
    try:
        set_timezone(cursor, timezone)  # a cursor starts with default settings
        try:
            result = cursor.execute(compiled.sql, compiled.params)
        except DATA_ERRORS as exc:
            raise computation_error(exc) from exc
        while True:
            batch = result.fetchmany(batch_size)
            if not batch:
                break
            for row in batch:
                yield convert(row)
    finally:
        cursor.close()


# ---------------------------------------------------------------- facets


def facets(
    con: duckdb.DuckDBPyConnection,
    *,
    parquet_path: str | Path,
    columns: list[dict],
    facet_fields: list[str],
    where: str | list[str] | None = None,
    refine: list[str] | None = None,
    exclude: list[str] | None = None,
    limit_per_facet: int = 50,
    timeout_s: float | None = 10.0,
    lang: str = "fr",
    search_column: str | None = None,
    source_sql: str = DEFAULT_SOURCE,
    source_params: list | None = None,
) -> list[dict]:
    """Value counts of each facet field over the matching records, in OpenDataSoft's shape.

    ``[{"name": field, "facets": [{"name", "count", "state", "value"}, …], "limits": [...]}]``.
    Values are sorted by count (most frequent first); dates are hierarchical (years, then the
    months of a refined year, then the days of a refined month) and come most recent first.
    States: "refined" for a refined value, "excluded" (no count) for an excluded one,
    "displayed" otherwise. When a facet has more values than ``limit_per_facet``, or the time
    limit is hit, the facet's ``limits`` says so. ``source_sql``/``source_params`` read another
    source than the Parquet file (e.g. a hot copy of the version, see records.hot).
    """
    schema = Schema(columns)
    fields = []
    for index, name in enumerate(facet_fields):
        column = schema.find(name)
        if column is None:
            hint = schema.suggestion(name)
            raise QueryError(
                f"Le champ « {name} » n'existe pas dans ce jeu de données."
                + (f" Vouliez-vous dire « {hint} » ?" if hint else ""),
                f"Field '{name}' does not exist in this dataset."
                + (f" Did you mean '{hint}'?" if hint else ""),
                clause="facet",
                position=1,
                index=index,
            )
        if column.type in GEO:
            raise QueryError(
                f"Le champ « {column.id} » est une position : il n'a pas de facette",
                f"Field '{column.id}' is a location: it has no facet",
                clause="facet",
                position=1,
                index=index,
            )
        if column not in fields:
            fields.append(column)
    if not fields:
        return []
    if limit_per_facet < 1:
        raise QueryError(
            "La limite par facette doit être positive",
            "The limit per facet must be positive",
            clause="facet",
        )

    timezone = _timezone_of(con)
    columns = with_storage_types(con, parquet_path, columns)
    compiled = compile_filter(
        columns=columns,
        where=where,
        refine=refine,
        exclude=exclude,
        timezone=timezone,
        search_column=search_column,
        lang=lang,
    )
    for extension in compiled.extensions:
        ensure_extension(con, extension)
    condition, params, filters = compiled.condition, compiled.params, compiled.filters
    levels = {c.id: _date_level(c, filters) for c in fields if c.type in TEMPORAL}
    keys = []
    for i, column in enumerate(fields):
        sql = quote(column.id)
        if column.type in TEMPORAL:
            sql = f"strftime({sql}, '{('%Y', '%Y/%m', '%Y/%m/%d')[levels[column.id] - 1]}')"
        keys.append(f"{sql} AS k{i}")
    ks = [f"k{i}" for i in range(len(fields))]
    dates = [i for i, c in enumerate(fields) if c.type in TEMPORAL]
    gid = " + ".join(f"grouping(k{i}) * {2**i}" for i in range(len(fields)))
    rank_key = (
        "CASE "
        + " ".join(f"WHEN _gid = {_gid_of(i, len(fields))} THEN _r_key" for i in dates)
        + " ELSE _r_count END"
        if dates
        else "_r_count"
    )
    sql = (
        f"SELECT * FROM (SELECT {gid} AS _gid, {', '.join(ks)}, count(*) AS n, "
        f"sum(count(*)) OVER (PARTITION BY {gid}) AS total, "
        f"row_number() OVER (PARTITION BY {gid} ORDER BY count(*) DESC, {', '.join(ks)}) AS _r_count, "
        f"row_number() OVER (PARTITION BY {gid} ORDER BY {', '.join(k + ' DESC' for k in ks)}) AS _r_key "
        f"FROM (SELECT {', '.join(keys)} FROM {source_sql}"
        + (f" WHERE {condition}" if condition else "")
        + ") "
        f"GROUP BY GROUPING SETS ({', '.join(f'({k})' for k in ks)}) "
        f"HAVING {' OR '.join(f'(grouping({k}) = 0 AND {k} IS NOT NULL)' for k in ks)}) "
        f"WHERE {rank_key} <= {int(limit_per_facet) + 1} ORDER BY _gid, {rank_key}"
    )
    with deadline(con, timeout_s) as d:
        try:
            source = [str(parquet_path)] if source_params is None else list(source_params)
            rows = con.execute(sql, source + params).fetchall()
        except DATA_ERRORS as exc:
            raise computation_error(exc) from exc
        except duckdb.InterruptException:
            if not d.expired:
                raise
            return [
                {"name": c.id, "facets": [], "limits": [time_limit(timeout_s, "facets")]}
                for c in fields
            ]

    by_field: dict[int, list[tuple]] = {i: [] for i in range(len(fields))}
    totals: dict[int, int] = {}
    for row in rows:
        gid_value = row[0]
        index = next(i for i in range(len(fields)) if gid_value == _gid_of(i, len(fields)))
        by_field[index].append((row[1 + index], int(row[1 + len(fields)])))
        totals[index] = int(row[2 + len(fields)])
    answer = []
    for i, column in enumerate(fields):
        values = by_field[i]
        limits = []
        if len(values) > limit_per_facet:
            values = values[:limit_per_facet]
            limits.append(
                {
                    "name": "facet_limit",
                    "value": limit_per_facet,
                    "message": f"Seules les {limit_per_facet} premières valeurs sont affichées",
                    "message_en": f"Only the first {limit_per_facet} values are shown",
                }
            )
        mine = [f for f in filters if f.column.id == column.id]
        if column.type in TEMPORAL:
            entries = _date_entries(values, mine, levels[column.id], totals.get(i, 0))
        else:
            entries = _value_entries(column, values, mine)
        entries.extend(
            {"name": f.path, "state": "excluded", "value": f.path} for f in mine if f.excluded
        )
        answer.append({"name": column.id, "facets": entries, "limits": limits})
    return answer


def _gid_of(index: int, count: int) -> int:
    return (2**count - 1) - 2**index


def _date_level(column, filters: list[FacetFilter]) -> int:
    depths = [f.depth for f in filters if f.column.id == column.id and not f.excluded]
    return min(min(depths) + 1, 3) if depths else 1


def _value_text(column, value) -> str:
    from .odsql.values import _text

    if column.type == "boolean":
        return "true" if value else "false"
    return _text(value)


def _value_entries(column, values: list[tuple], mine: list[FacetFilter]) -> list[dict]:
    refined = [f for f in mine if not f.excluded]
    entries = []
    seen = set()
    for value, count in values:
        text = _value_text(column, value)
        is_refined = any(f.value == value or f.raw == text for f in refined)
        entries.append(
            {
                "name": text,
                "count": count,
                "state": "refined" if is_refined else "displayed",
                "value": text,
            }
        )
        seen.add(text)
    for f in refined:
        text = _value_text(column, f.value) if column.type != "text" else f.raw
        if text not in seen:
            entries.append({"name": text, "count": 0, "state": "refined", "value": text})
            seen.add(text)
    return entries


def _date_entries(
    values: list[tuple], mine: list[FacetFilter], level: int, total: int
) -> list[dict]:
    refined = [f for f in mine if not f.excluded]
    refined_paths = {f.path for f in refined}
    leaves = [
        {
            "name": path.split("/")[-1],
            "count": count,
            "state": "refined" if path in refined_paths else "displayed",
            "value": path,
        }
        for path, count in values
    ]
    if len(refined) != 1 or level == 1:
        return leaves
    # One refined period: nest the leaves under its ancestors, as OpenDataSoft does.
    parts = refined[0].path.split("/")
    for depth in range(level - 1, 0, -1):
        path = "/".join(parts[:depth])
        leaves = [
            {
                "name": parts[depth - 1],
                "count": total,
                "state": "refined",
                "value": path,
                "facets": leaves,
            }
        ]
    return leaves
