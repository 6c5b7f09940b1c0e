"""Where a query runs: the one seam between the reads (pages, facets, exports, one record) and
the structures that make them fast.

A version is read from its serving file (``lake.engine.serving``, built at ingestion, attached
read-only by ``records.serving``: the rows in ``_id`` order, copies sorted on the columns sorted
most, copies in strips of latitude for position filters, a word index), or from its Parquet file
when it has none yet. The reads describe the query (``analysis.Analysis``) and ask here for a
source; which structures exist and where they live is known here only.

A source is SQL for a FROM item (``Source.sql`` and its parameters) on a connection, the order
its rows are stored in, and a memo of results that never change for the version.
"""

# ruff: noqa: S608 -- SQL here is quoted identifiers of the version and integers of our own tables.

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace

import duckdb

from territoire.lake.engine.serving import POSTINGS_SHARE, serving_path

from .. import engine, serving
from ..columns import quote
from ..odsql.sqlgen import search_terms
from . import scope
from .analysis import Analysis
from .served import Served

GEO_COPY_MAX_ROWS = 50_000  # a box with more matches pages faster by a scan in file order
# An equality whose page a scan of the rows in file order finds within this many rows (by the
# value's stored count, as if spread evenly) is read there: the first blocks of the rows are
# those every first page reads, warm in the page cache, where the run of a copy is read cold
# for each value (in process, 1M rows, 10 values: 0.6 ms against 1.2–4.1 ms the first time).
SCAN_EARLY_ROWS = 8 * 2048  # eight of DuckDB's vectors
FTS_TOKEN_LIMIT = 2000  # words containing the term; more: the term is too common to help
# Candidates above this share of the rows: a scan is as fast (and the words held by more rows
# than that have no postings: lake.engine.serving).
FTS_SHARE_LIMIT = POSTINGS_SHARE


@dataclass
class Source:
    """Where a query reads: the FROM item (``sql`` with its ``params``) on a connection."""

    con: duckdb.DuckDBPyConnection
    sql: str
    params: list
    memo: serving.Attached | None = None  # the serving file (None: the Parquet file)
    in_order: tuple | None = None  # rows are stored in this order: (("col", desc), …)
    head: tuple | None = None  # the record ids of the first rows, in that order (sorted copies)

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
    # The rows that match, not more: False when a term too common to help was left out (the
    # where still applies in full, but the candidates cannot be counted as the matches).
    exact: bool = True


@dataclass
class Route:
    """Where a page runs, and what becomes of its order there."""

    source: Source
    order: str = "keep"  # "keep" the order_by; "stored": rows are in that order already (drop
    # the ORDER BY); "file": the source is not in file order (add ORDER BY _id when none given)
    candidates: Candidates | None = None  # the word index's rows for the searches
    total: int | None = None  # the count, when choosing the source needed it
    counted: bool = False
    # The first rows in file order, where the page is looked for before ``source`` (which
    # still counts, and answers when they do not hold the whole page): ``_first_rows``, ``_head``.
    first: Source | None = None


# ---------------------------------------------------------------- opening a version


def _parquet_sql(served: Served) -> tuple[str, list]:
    """The version's Parquet file as a FROM item, with ``_id`` (the row's ordinal)."""
    identifier = quote(served.id_column)
    columns = served.restriction.columns if served.restriction else served.columns
    if any(c.id == "file_row_number" for c in columns[1:]):
        sql = f"(SELECT row_number() OVER () AS {identifier}, * FROM read_parquet(?))"
    else:
        sql = (
            f"(SELECT file_row_number + 1 AS {identifier}, * EXCLUDE (file_row_number) "
            "FROM read_parquet(?, file_row_number = true))"
        )
    return sql, [str(served.read.absolute_path)]


@contextmanager
def open_version(served: Served, timezone: str, *, export: bool = False) -> Iterator[Source]:
    """The main source of a version while the block runs: its serving file when it has one
    (never detached meanwhile), else its Parquet file. ``export``: a database of its own,
    bounded for one export (``serving.export_connection``), which streams from it while the
    thread's connection goes on."""
    file_order = ((served.id_column, False),)
    if not serving.enabled():
        with _parquet(served, timezone, export, file_order) as source:
            yield source
        return
    store = serving.store()
    with store.use(serving_path(served.read.absolute_path)) as attached:
        if attached is None or attached.manifest.get("id_column") != served.id_column:
            with _parquet(served, timezone, export, file_order) as source:
                yield source
            return
        with _connection(store, timezone, export, attached) as con:
            if served.restriction is None:
                yield Source(con, attached.table("records"), [], attached, file_order)
            else:
                # A scoped grant: the serving file's rows behind the restriction, but none of
                # its structures (sorted copies, word index, remembered counts, rows by number),
                # which know every row and column.
                sql, params = scope.wrap(
                    served.restriction, attached.table("records"), [], timezone
                )
                yield Source(con, sql, params, None, file_order)


@contextmanager
def _connection(
    store, timezone: str, export: bool, attached
) -> Iterator[duckdb.DuckDBPyConnection]:
    if export:
        with serving.export_connection(timezone, attached) as con:
            yield con
    else:
        yield store.cursor(timezone)


@contextmanager
def _parquet(served: Served, timezone: str, export: bool, file_order: tuple) -> Iterator[Source]:
    sql, params = _parquet_sql(served)
    if served.restriction is not None:
        sql, params = scope.wrap(served.restriction, sql, params, timezone)
    if export:
        with serving.export_connection(timezone) as con:
            yield Source(con, sql, params, None, file_order)
    else:
        yield Source(engine.connection(timezone), sql, params, None, file_order)


def _copy(main: Source, kind: tuple) -> Source | None:
    """A structure of the serving file: ``("sorted", (column, descending), …)`` or
    ``("geo", column)``; None when the file has none of that kind."""
    if main.memo is None:
        return None
    manifest = main.memo.manifest
    if kind[0] == "sorted":
        wanted = [[c, bool(d)] for c, d in kind[1:]]
        for entry in manifest.get("sorted", ()):
            if entry["keys"] == wanted:
                head = tuple(entry["head"]) if entry.get("head") else None
                return Source(
                    main.con, main.memo.table(entry["table"]), [], main.memo, kind[1:], head
                )
        return None
    for entry in manifest.get("geo", ()):
        if entry["column"] == kind[1]:
            return Source(main.con, main.memo.table(entry["table"]), [], main.memo)
    return None


def values_source(main: Source, column: str) -> tuple[Source, str] | None:
    """The stored counts of each value of ``column`` (a table with the column under its own name
    and the count), and the count's name; None when the serving file has none for it."""
    if main.memo is None:
        return None
    for entry in main.memo.manifest.get("values", ()):
        if entry["column"] == column:
            return Source(main.con, main.memo.table(entry["table"]), [], main.memo), entry["count"]
    return None


def equality_counts(main: Source, analysis: Analysis) -> tuple[Source, str] | None:
    """The stored counts that give the query's count (``values_source``), when its filter is one
    equality on a column that has them and it is not an aggregate (its count is of groups);
    None otherwise."""
    if not analysis.equal_only or analysis.is_aggregate or analysis.equal_column is None:
        return None
    return values_source(main, analysis.equal_column)


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
    reach: int | None = None,
) -> Route:
    """Where a page of the query runs. ``keys``: the keyset order of the page (None: not a
    keyset page); ``count`` counts the query's rows on a source (a position filter needs it);
    ``reach``: how many matching rows the page reads (its offset, its size and one more)."""
    route = Route(main)
    file_order = "keep" if order_given or analysis.is_aggregate else "file"
    if analysis.geo_column:
        geo = _copy(main, ("geo", analysis.geo_column))
        if geo is not None:
            route.total, route.counted = count(geo), True
            if route.total is not None and route.total <= GEO_COPY_MAX_ROWS:
                route.source, route.order = geo, file_order  # strips: sort the few matches back
                if file_order == "file" and _comes_early(main, reach, route.total):
                    # The strips give every match, which are then sorted back into file order;
                    # a box common enough has its page in the first rows, warm (1M rows, a box
                    # of 2,600 matches: 1.5 against 6.8 ms).
                    route.first = _head(served, main)
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
            # Only a page in file order stops at its last match; any other order sorts them all.
            in_file_order = not order_given or route.order == "stored"
            early = _found_early(main, analysis, reach, count) if in_file_order else None
            if early is not None:
                # Looked for in the first rows first: a scan of the whole table would also read
                # a second row group, cold, on DuckDB's other thread.
                route.total, route.counted = early, True
                route.first = _head(served, main)
                return route
            route.source = clustered
            if in_file_order and not analysis.is_aggregate:
                route.first = _first_rows(served, main, analysis, reach)
            return route
    return route


# The share of an equality's matches the page's other conditions are supposed to keep, at
# least, when choosing to look for its page in the first rows (a guess: a miss costs a scan
# of SCAN_EARLY_ROWS rows, about 0.5 ms, before the copy's run answers).
FIRST_ROWS_KEPT = 4


def _first_rows(
    served: Served, main: Source, analysis: Analysis, reach: int | None
) -> Source | None:
    """The first ``SCAN_EARLY_ROWS`` rows in file order, when the page of an equality with
    other conditions (``reach`` matching rows) is likely to be among them: the equality's
    value, spread evenly over the column's distinct values, comes there ``FIRST_ROWS_KEPT``
    times as often as the page needs. Those blocks are warm in every process (every first
    page reads them), where the copy's run is read cold for each value in each process; any
    rows found there are the first matches in file order, so a page found whole (and one row
    more) is the page. None when the version cannot say or the value is too rare."""
    if reach is None:
        return None
    column = next((c for c in served.columns if c.id == analysis.equal_column), None)
    distinct = column.distinct if column is not None else None
    if not distinct or reach * FIRST_ROWS_KEPT * distinct > SCAN_EARLY_ROWS:
        return None
    return _head(served, main)


def _head(served: Served, main: Source) -> Source | None:
    """The first ``SCAN_EARLY_ROWS`` rows of the serving file in file order, or None when its
    record ids are not the row numbers in that order. The bound is a literal on the record id
    (an int of our own): DuckDB then reads the first blocks only, on one thread, where a scan
    of the table with a LIMIT also reads a second row group on its other thread (measured on
    1M rows, a new process: 2.4 ms and 1.7 MB more blocks for the first equality, against
    0.6 ms)."""
    if main.memo is None or not main.memo.manifest.get("rowid_is_id"):
        return None
    if main.in_order != ((served.id_column, False),):
        return None
    bound = f"{quote(served.id_column)} <= {int(SCAN_EARLY_ROWS)}"
    return replace(main, sql=f"(SELECT * FROM {main.sql} WHERE {bound})", head=None)


def _found_early(
    main: Source, analysis: Analysis, reach: int | None, count: Callable[[Source], int | None]
) -> int | None:
    """The count of a filter that is one equality on a column with stored counts of each value
    (``equality_counts``), when its value is common enough that a scan of the rows in file order
    finds the page within ``SCAN_EARLY_ROWS`` rows (the value spread evenly); else None (the
    copy's run answers)."""
    if reach is None or main.memo is None or equality_counts(main, analysis) is None:
        return None
    total = count(main)  # read from the stored counts, and remembered
    return total if _comes_early(main, reach, total) else None


def _comes_early(main: Source, reach: int | None, total: int | None) -> bool:
    """Whether ``total`` matching rows, spread evenly over the version's rows, put the first
    ``reach`` of them within the first ``SCAN_EARLY_ROWS`` rows in file order."""
    if reach is None or not total or main.memo is None:
        return False
    rows = int(main.memo.manifest.get("rows", 0))
    return reach * rows <= SCAN_EARLY_ROWS * total


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
    return chosen or main


def export_route(main: Source, analysis: Analysis) -> Route:
    """Where a whole export runs: in the stable order of pages (a sorted copy when ready)."""
    if analysis.is_aggregate or not analysis.keys:
        return Route(main)
    if tuple(analysis.keys) == main.in_order:
        return Route(main, order="stored")
    ordered = _copy(main, ("sorted", *analysis.keys))
    return Route(ordered, order="stored") if ordered is not None else Route(main)


def _rows_file(main: Source, names: list[str]):
    """The version's rows file when it has one, row ``n`` is record ``n + 1`` and its columns are
    ``names`` (those the compiled page asks for); else None."""
    memo = main.memo
    if memo is None or memo.rows is None or not memo.manifest.get("rowid_is_id"):
        return None
    return memo.rows if memo.rows.names == names else None


def rows_in_file_order(main: Source, start: int, count: int, names: list[str]) -> list | None:
    """Rows ``start`` … ``start + count - 1`` of the version in file order (row ``n`` is record
    ``n + 1``), read from the rows file — no query — when the version has one whose columns are
    ``names``; None otherwise (the query then runs). What a first page without a filter or an
    order reads: the most asked page of all, and after a start the one DuckDB would read cold."""
    rows = _rows_file(main, names)
    if rows is None:
        return None
    found = rows.span(start, count)
    if found and (found[0][0] != start + 1 or found[-1][0] != start + len(found)):
        return None  # ids are not the row numbers: let the query answer
    return found


def rows_by_ids(main: Source, ids: Sequence[int], names: list[str]) -> list | None:
    """The records with these ids, in this order, read from the rows file — no query — when the
    version has one whose columns are ``names``; None otherwise (the query then runs)."""
    rows = _rows_file(main, names)
    if rows is None:
        return None
    found = [rows.get(int(record_id) - 1) for record_id in ids]
    if any(r is None or r[0] != record_id for r, record_id in zip(found, ids, strict=True)):
        return None
    return found


def row(main: Source, record_id: int, timezone: str) -> tuple | None:
    """A whole record fetched by its row number in the serving file (row ``n`` is record
    ``n + 1``: no index, no scan), as DuckDB returns it, or None (no serving file, an id out of
    range: the SQL lookup then runs)."""
    if main.memo is None or not main.memo.manifest.get("rowid_is_id"):
        return None
    if not 1 <= record_id <= int(main.memo.manifest.get("rows", 0)):
        return None
    found = main.memo.row(record_id - 1)  # the rows file: no query at all
    if found is not None:
        return found if found[0] == record_id else None
    # The row number written as a literal (an int of our own): DuckDB then fetches that row's
    # vector directly; bound as a parameter it scans (1.1 ms against 1.9 on 1M rows, measured).
    found = main.con.execute(
        f"SELECT * FROM {main.sql} WHERE rowid = {int(record_id) - 1}"
    ).fetchone()
    if found is None or found[0] != record_id:
        return None
    return found


# ---------------------------------------------------------------- counting beside the page

_counter = ThreadPoolExecutor(max_workers=4, thread_name_prefix="records-count")


def meanwhile(source: Source, timezone: str, work: Callable[[Source], int | None]) -> Future | None:
    """Run ``work`` (a count) on another connection to the same source while the page runs
    (they take about as long each; on the serving file they run side by side), or None when the
    source cannot be shared that way (a Parquet file: its thread connection is busy)."""
    if source.memo is None:
        return None
    return _counter.submit(_elsewhere, source, timezone, work)


def _elsewhere(source: Source, timezone: str, work):
    return work(replace(source, con=serving.store().cursor(timezone)))  # this worker's connection


# ---------------------------------------------------------------- full text


def search_candidates(served: Served, main: Source, analysis: Analysis) -> Candidates | None:
    """Candidates of the query's full-text searches, or None when the version has no word index
    for the searched fields or it would not narrow the scan enough. A term too common to help (in
    more than ``FTS_TOKEN_LIMIT`` words, or in a word held by more rows than the index gives
    postings for: its ``postings_max``) is left out: the other terms narrow the scan, and the
    where checks every candidate."""
    if main.memo is None or not analysis.searches:
        return None
    index = main.memo.manifest.get("words")
    if not index:
        return None
    columns = list(index["columns"])
    vocab = main.memo.table(index["vocab"])
    post = main.memo.table(index["postings"])
    most = index.get("postings_max")  # None: every word has its postings (older files)
    identifier = quote(served.id_column)
    terms = []
    estimate = None
    exact = True
    for fields, text in analysis.searches:
        if any(f not in columns for f in fields):
            return None  # a searched field the index does not hold: the scan answers
        positions = sorted(columns.index(f) for f in fields)
        for word in search_terms(text):
            known = main.recall(("words", word))
            if known is None:
                known = main.con.execute(
                    f"SELECT list(tid ORDER BY tid), coalesce(sum(n), 0), coalesce(max(n), 0) "
                    f"FROM {vocab} WHERE contains(token, ?)",
                    [word],
                ).fetchone()
                main.remember(("words", word), known)
            tids, count, widest = known
            tids = tids or []
            if not tids or not positions:
                return Candidates(f"SELECT {identifier} FROM {post} WHERE false", in_order=True)
            if len(tids) > FTS_TOKEN_LIMIT or (most is not None and widest > most):
                # In too many words, or in a word without postings: the term narrows nothing,
                # the other terms narrow the scan and the where checks this one on what is left.
                exact = False
                continue
            estimate = count if estimate is None else min(estimate, count)
            # tids and positions are integers read from our own tables: written as literals
            # so that the scan of the (sorted) postings skips by min/max.
            terms.append(
                (
                    f"SELECT {identifier} FROM {post} WHERE tid IN ({', '.join(map(str, tids))})"
                    f" AND col IN ({', '.join(map(str, positions))})",
                    len(tids) == 1 and len(positions) == 1,
                )
            )
    if not terms or estimate is None or estimate > FTS_SHARE_LIMIT * int(served.read.row_count):
        return None
    if len(terms) == 1:
        sql, single = terms[0]
        if single:
            return Candidates(sql, in_order=True, exact=exact)
        return Candidates(f"SELECT DISTINCT {identifier} FROM ({sql})", exact=exact)
    return Candidates(" INTERSECT ".join(sql for sql, _ in terms), exact=exact)


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
