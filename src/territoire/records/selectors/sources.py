"""Where a query runs: the one seam between the reads (pages, facets, exports, one record) and
the structures that make them fast.

A version is read from its Parquet file, or from its hot copy in this process (``records.hot``:
the main table in ``_id`` order with an index on ``_id``, copies sorted on order keys or on an
equality's column, a copy in strips of latitude for position filters, a word index, a row copy,
remembered counts). The reads describe the query (``analysis.Analysis``) and ask here for a
source; which structures exist and where they live is known here only. (Issue 10 replaces the
per-process hot copies with immutable structures built at ingestion: this module and ``hot``
change, the reads do not.)

A source is SQL for a FROM item (``Source.sql`` and its parameters) on a connection, the order
its rows are stored in, and a memo of results that never change for the version.
"""

# ruff: noqa: S608 -- SQL here is quoted identifiers of the version and integers of our own tables.

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb

from .. import engine, hot, hotcopies
from ..columns import quote
from ..odsql.sqlgen import search_terms
from .analysis import Analysis
from .served import Served

GEO_COPY_MAX_ROWS = 50_000  # a box with more matches pages faster by a scan in file order
FTS_TOKEN_LIMIT = 2000  # words containing the term; more: the term is too common to help
FTS_SHARE_LIMIT = 0.2  # candidates above this share of the rows: a scan is as fast


@dataclass
class Source:
    """Where a query reads: the FROM item (``sql`` with its ``params``) on a connection."""

    con: duckdb.DuckDBPyConnection
    sql: str
    params: list
    memo: hot.HotVersion | None = None  # remembers results of the version (None: nothing kept)
    in_order: tuple | None = None  # rows are stored in this order: (("col", desc), …)

    def recall(self, key):
        """A result remembered for the version (a count, facets), or None."""
        return self.memo.recall(key) if self.memo is not None else None

    def remember(self, key, value) -> None:
        if self.memo is not None and key is not None:
            self.memo.remember(key, value)


@dataclass
class Candidates:
    """The rows a full-text search may match, from the word index (SQL of their _ids)."""

    sql: str
    in_order: bool = False  # one run of the (sorted) postings: ids come in order, no duplicates


@dataclass
class Route:
    """Where a page runs, and what becomes of its order there."""

    source: Source
    order: str = "keep"  # "keep" the order_by; "stored": rows are in that order already (drop
    # the ORDER BY); "file": the source is not in file order (add ORDER BY _id when none given)
    candidates: Candidates | None = None  # the word index's rows for the searches
    total: int | None = None  # the count, when choosing the source needed it
    counted: bool = False


# ---------------------------------------------------------------- opening a version


def _parquet_sql(served: Served) -> tuple[str, list]:
    """The version's Parquet file as a FROM item, with ``_id`` (the row's ordinal)."""
    identifier = quote(served.id_column)
    if any(c.id == "file_row_number" for c in served.data_columns):
        sql = f"(SELECT row_number() OVER () AS {identifier}, * FROM read_parquet(?))"
    else:
        sql = (
            f"(SELECT file_row_number + 1 AS {identifier}, * EXCLUDE (file_row_number) "
            "FROM read_parquet(?, file_row_number = true))"
        )
    return sql, [str(served.version.absolute_path)]


@contextmanager
def open_version(served: Served, timezone: str, *, fresh: bool = False) -> Iterator[Source]:
    """The main source of a version while the block runs: its hot copy when loaded (never
    dropped meanwhile), else its Parquet file. ``fresh``: a connection of its own (exports
    stream from it while the thread's connection goes on)."""
    store = hot.store()
    file_order = ((served.id_column, False),)
    with store.use(
        served.version, served.data_columns, served.id_column, lambda: _parquet_sql(served)
    ) as loaded:
        if loaded is not None:
            con = store.fresh_cursor(timezone) if fresh else store.cursor(timezone)
            source = Source(con, quote(loaded.main.table), [], loaded, file_order)
        else:
            con = engine.connect(timezone=timezone) if fresh else engine.connection(timezone)
            source = Source(con, *_parquet_sql(served), None, file_order)
        try:
            yield source
        finally:
            if fresh:
                con.close()


def parquet_twin(served: Served, main: Source, timezone: str) -> Source:
    """The Parquet file, for aggregations: DuckDB can group its dictionary-encoded text columns
    as dictionaries (measured once faster than the hot table: a filtered group-by 26 ms against
    44, two facets 35 against 50; equal in the benchmark of bench/RESULTS.md, "Records API").
    Counts and facets computed there are still remembered with the hot version."""
    sql, params = _parquet_sql(served)
    return Source(engine.connection(timezone), sql, params, main.memo)


def _copy(main: Source, kind: tuple) -> Source | None:
    """A ready copy of the hot version (built in the background when missing: None then)."""
    if main.memo is None:
        return None
    structure = hot.store().request_copy(main.memo, kind)
    if structure is None:
        return None
    in_order = tuple(kind[1:]) if kind[0] == "sorted" else None
    return Source(main.con, quote(structure.table), [], main.memo, in_order)


# ---------------------------------------------------------------- choosing


def page_route(
    served: Served,
    main: Source,
    analysis: Analysis,
    *,
    timezone: str,
    keys: list[tuple[str, bool]] | None,
    order_given: bool,
    count: Callable[[Source], int | None],
) -> Route:
    """Where a page of the query runs. ``keys``: the keyset order of the page (None: not a
    keyset page); ``count`` counts the query's rows on a source (a position filter needs it)."""
    route = Route(main)
    file_order = "keep" if order_given or analysis.is_aggregate else "file"
    if analysis.geo_column:
        geo = _copy(main, ("geo", analysis.geo_column))
        if geo is not None:
            route.total, route.counted = count(geo), True
            if route.total is not None and route.total <= GEO_COPY_MAX_ROWS:
                route.source, route.order = geo, file_order  # strips: sort the few matches back
                return route
    if analysis.searches:
        route.candidates = search_candidates(served, main, analysis)
        if route.candidates is not None:
            # Only the rows the word index names are read; the where still applies in full.
            route.source = restricted(served, main, route.candidates)
            route.order = file_order
            return route
    if keys:
        if tuple(keys) == main.in_order:
            route.order = "stored"
        else:
            ordered = _copy(main, ("sorted", *keys))
            if ordered is not None:
                route.source, route.order = ordered, "stored"
                return route
    if analysis.equal_column:
        clustered = _copy(main, ("sorted", (analysis.equal_column, False)))
        if clustered is not None:  # the matches are one run, in file order (ties by _id)
            route.source = clustered
            return route
    if analysis.is_aggregate and main.memo is not None:
        route.source = parquet_twin(served, main, timezone)
    return route


def facet_source(served: Served, main: Source, analysis: Analysis, timezone: str) -> Source:
    """Where the facets of a filter are counted."""
    if main.memo is None:
        return main
    chosen = None
    if analysis.geo_column:
        chosen = _copy(main, ("geo", analysis.geo_column))
    elif analysis.equal_column:
        chosen = _copy(main, ("sorted", (analysis.equal_column, False)))
    elif analysis.searches:
        found = search_candidates(served, main, analysis)
        if found is not None:
            chosen = restricted(served, main, found)
    return chosen or parquet_twin(served, main, timezone)


def export_route(main: Source, analysis: Analysis) -> Route:
    """Where a whole export runs: in the stable order of pages (a sorted copy when ready)."""
    if analysis.is_aggregate or not analysis.keys:
        return Route(main)
    if tuple(analysis.keys) == main.in_order:
        return Route(main, order="stored")
    ordered = _copy(main, ("sorted", *analysis.keys))
    return Route(ordered, order="stored") if ordered is not None else Route(main)


def row(main: Source, record_id: int, timezone: str) -> tuple | None:
    """A whole record from the hot version's row copy (see ``hot``), as DuckDB would return it,
    or None (no copy ready, an id out of range: the SQL lookup then runs)."""
    if main.memo is None:
        return None
    table = hot.store().rows(main.memo)
    if table is None or not 1 <= record_id <= table.num_rows:
        return None
    values = table.slice(record_id - 1, 1).to_pylist()[0]
    found = tuple(values.values())
    if found[0] != record_id:  # the copy is in _id order with no gap; anything else: use SQL
        return None
    if any(isinstance(v, datetime) and v.tzinfo is not None for v in found):
        zone = ZoneInfo(timezone)  # Arrow keeps the UTC instant; DuckDB answers in the zone
        found = tuple(
            v.astimezone(zone) if isinstance(v, datetime) and v.tzinfo is not None else v
            for v in found
        )
    return found


# ---------------------------------------------------------------- counting beside the page

_counter = ThreadPoolExecutor(max_workers=4, thread_name_prefix="records-count")


def meanwhile(source: Source, timezone: str, work: Callable[[Source], int | None]) -> Future | None:
    """Run ``work`` (a count) on another connection to the same source while the page runs
    (they take about as long each; on the hot copy they run side by side), or None when the
    source cannot be shared that way (a Parquet file: its thread connection is busy)."""
    if source.memo is None:
        return None
    return _counter.submit(_elsewhere, source, timezone, work)


def _elsewhere(source: Source, timezone: str, work):
    return work(replace(source, con=hot.store().cursor(timezone)))  # this worker's connection


# ---------------------------------------------------------------- full text


def search_candidates(served: Served, main: Source, analysis: Analysis) -> Candidates | None:
    """Candidates of the query's full-text searches, or None when the word index is not
    ready (it is then being built) or would not narrow the scan enough."""
    if main.memo is None or not analysis.searches:
        return None
    index = hot.store().request_copy(main.memo, ("words",))
    if index is None:
        return None
    columns = hotcopies.text_columns(main.memo.columns)
    vocab = quote(index.table + "_vocab")
    post = quote(index.table)
    identifier = quote(served.id_column)
    terms = []
    estimate = None
    for fields, text in analysis.searches:
        positions = sorted(columns.index(f) for f in fields if f in columns)
        for word in search_terms(text):
            known = main.recall(("words", word))
            if known is None:
                known = main.con.execute(
                    f"SELECT list(tid ORDER BY tid), coalesce(sum(n), 0) FROM {vocab} "
                    "WHERE contains(token, ?)",
                    [word],
                ).fetchone()
                main.remember(("words", word), known)
            tids, count = known
            tids = tids or []
            if len(tids) > FTS_TOKEN_LIMIT:
                return None
            estimate = count if estimate is None else min(estimate, count)
            if not tids or not positions:
                return Candidates(f"SELECT {identifier} FROM {post} WHERE false", in_order=True)
            # tids and positions are integers read from our own tables: written as literals
            # so that the scan of the (sorted) postings skips by min/max.
            terms.append(
                (
                    f"SELECT {identifier} FROM {post} WHERE tid IN ({', '.join(map(str, tids))})"
                    f" AND col IN ({', '.join(map(str, positions))})",
                    len(tids) == 1 and len(positions) == 1,
                )
            )
    if not terms or estimate > FTS_SHARE_LIMIT * int(served.version.row_count):
        return None
    if len(terms) == 1:
        sql, single = terms[0]
        if single:
            return Candidates(sql, in_order=True)
        return Candidates(f"SELECT DISTINCT {identifier} FROM ({sql})")
    return Candidates(" INTERSECT ".join(sql for sql, _ in terms))


def restricted(served: Served, main: Source, found: Candidates) -> Source:
    """The main table restricted to the rows the word index names (the where still applies)."""
    return Source(
        main.con,
        f"(SELECT * FROM {main.sql} WHERE {quote(served.id_column)} IN ({found.sql}))",
        [],
        main.memo,
    )


def by_ids(served: Served, main: Source, ids: list[int]) -> Source:
    """The main table restricted to these rows (integers of our own, written as literals: an
    index lookup each)."""
    return Source(
        main.con,
        f"(SELECT * FROM {main.sql} WHERE {quote(served.id_column)} IN ({', '.join(map(str, ids)) or 'NULL'}))",
        [],
        main.memo,
    )
