"""Pages of records (or groups) with their count and the cursor of the next page: for every
front-end (native API, OpenDataSoft, CKAN, the portal). One record by its ``_id`` is
``lookup.py``'s; the count beside a page, ``counts.py``'s.

Each page is compiled (``compiled.compile_on``) for the source ``sources`` chose, and run by
``engine.execute`` within the time limit.
"""

# ruff: noqa: S608 -- the only SQL text here wraps compiled queries and integers of our own.

from __future__ import annotations

import re
import time
from dataclasses import replace

from .. import cursors, engine, serving
from ..columns import Column, quote
from ..odsql import RecordQuery, ast, check_paging
from ..odsql import build as q
from ..odsql.compiler import (
    DEFAULT_LIMIT,
    MAX_OFFSET,
    clause_text,
    given,
    where_clauses,
)
from ..odsql.values import row_converter
from . import counts, sources
from .analysis import analyze
from .compiled import TIMEOUT_S, compile_on, query_seconds
from .served import Served

MAX_LIMIT = 10_000


FTS_FAST_LIMIT = 1000  # pages of a pure full-text search read by id up to this size


def _page_rows(source, compiled, analysis, timezone: str, timeout_s) -> list | None:
    """A page's rows: remembered by the process when the same query already ran on the same
    serving file (a version never changes; not when the query uses the time, now()), else read
    and then remembered (small pages only, within the process's budget)."""
    if source.memo is None or analysis.volatile:
        return engine.execute(source.con, compiled.sql, compiled.params, timeout_s)
    key = ("page", timezone, compiled.sql, repr(compiled.params))
    pages = serving.store()
    rows = pages.page_recall(source.memo, key)
    if rows is None:
        rows = engine.execute(source.con, compiled.sql, compiled.params, timeout_s)
        if rows is not None:
            pages.page_remember(source.memo, key, rows)
    return list(rows) if rows is not None else None


def _page_in_first_rows(served, route, page_query, analysis, timezone, timeout_s, hidden, limit):
    """The page (compiled, rows) from the first rows in file order (``route.first``), when
    they hold all of it and one row more; None otherwise (the route's source answers). The
    same columns as the route's own query: only the FROM differs, and the ORDER BY the
    record id a source out of file order needs (``route.order == "file"``) is dropped: the first
    rows are in file order, and a scan stops at the page's last row where a sort reads them all
    (16,384 rows, a box: 1.3 against 3.3 ms)."""
    if route.first is None:
        return None
    if route.order == "file":
        page_query = replace(page_query, order_by=None)
    compiled = compile_on(page_query, served, route.first, timezone, extra_fields=hidden)
    rows = _page_rows(route.first, compiled, analysis, timezone, timeout_s)
    if rows is None or len(rows) <= limit:
        return None
    return compiled, rows


def _forget(pending) -> None:
    if pending is not None and not pending.done():
        pending.cancel() or pending.exception()  # never leave it running


# ---------------------------------------------------------------- pages


def _hidden_prefix(columns: tuple[Column, ...]) -> str:
    prefix = "_cursor_"
    while any(c.id.startswith(prefix) for c in columns):
        prefix = "_" + prefix
    return prefix


def _search_page(
    served, main, found, page_query, query, cursor, limit, offset, tz, timeout_s, hidden
):
    """A page of a query that is only full-text searches, in file order, from the word index:
    the page's ids from the postings, its rows by id (the where still checks them), the count
    from the postings. Returns (compiled, rows), has_more, total — or (None, None, None) when
    the index and the where disagree on a row (the general path then answers)."""
    identifier = quote(served.id_column)
    after = cursor.after_id if cursor is not None and cursor.after is not None else 0
    # Integers written as literals: DuckDB then pushes the bound into the scan, and a query
    # without OFFSET streams (an OFFSET, even 0, makes it read whole row groups first).
    order = "" if found.in_order else f"ORDER BY {identifier} "
    skip = f" OFFSET {int(offset)}" if offset else ""
    ids = engine.execute(
        main.con,
        f"SELECT {identifier} FROM ({found.sql}) WHERE {identifier} > {int(after or 0)} "
        f"{order}LIMIT {int(limit) + 1}{skip}",
        [],
        timeout_s,
    )
    if ids is None:
        return None, None, None
    page_ids = [int(r[0]) for r in ids[:limit]]
    where = where_clauses(query.where)
    fetch = replace(page_query, where=where, limit=None, offset=0, order_by=_by_id(served))
    compiled = compile_on(
        fetch, served, sources.by_ids(served, main, page_ids), tz, extra_fields=hidden
    )
    rows = engine.execute(main.con, compiled.sql, compiled.params, timeout_s)
    if rows is None or len(rows) != len(page_ids):
        return None, None, None
    key = ("search-count", tuple(clause_text(w) for w in where), query.lang, tz)
    total = main.recall(key)
    if total is None:
        counted = engine.execute(main.con, f"SELECT count(*) FROM ({found.sql})", [], timeout_s)
        if counted is not None:
            total = int(counted[0][0])
            main.remember(key, total)
    return (compiled, rows), len(ids) > limit, total


def record_page(
    served: Served,
    query: RecordQuery,
    *,
    cursor: cursors.Cursor | None = None,
    with_count: bool = True,
    timezone: str = engine.DEFAULT_TIMEZONE,
    timeout_s: float | None = TIMEOUT_S,
    max_limit: int | None = MAX_LIMIT,
    paged: bool = True,
) -> dict:
    """One page of records (or groups), its total count and the cursor of the next page.

    Returns ``{"total_count", "results", "limits", "columns", "next_cursor"}``; a limit that is
    hit is listed in ``limits`` (``total_count`` is then None). ``paged=False``: no cursor
    (front-ends that page by offset). Raises QueryError.
    """
    timeout_s = query_seconds(timeout_s)
    # A page has a size: -1 ("every row", for exports) is refused here even without a cap.
    cap = max_limit if max_limit is not None else MAX_OFFSET
    checked, offset = check_paging(query.limit, query.offset, max_limit=cap)
    limit = int(checked if checked is not None else DEFAULT_LIMIT)  # a cap is given: never None
    if served.version is None:
        return {"total_count": 0, "results": [], "limits": [], "columns": [], "next_cursor": None}
    base = replace(query, limit=None, offset=0)
    analysis = analyze(base, served.columns)
    keyset = not analysis.is_aggregate and analysis.keys is not None
    keys = list(analysis.keys or [])
    types = list(analysis.key_types)
    if keyset and any(t not in cursors.KEYSET_TYPES for t in types):
        keyset = False

    seen = offset
    wheres = where_clauses(query.where)
    if cursor is not None:
        seen = cursor.seen
        if cursor.after is not None:
            if not keyset or len(cursor.after) != len(keys):
                raise cursors.invalid()  # pragma: no cover - a signed cursor always fits
            wheres = wheres + [
                cursors.after_condition(
                    keys, types, cursor.after, served.id_column, int(cursor.after_id or 0)
                )
            ]
            offset = 0
        else:
            offset = int(cursor.offset or 0)
    first = int(cursor.after_id or 0) if cursor is not None and cursor.after is not None else offset
    if offset and keyset and not keys and not analysis.filtered:
        # Every row, in file order: the row at offset k has _id k + 1 (ids are dense), so an
        # offset is a keyset condition, which skips what comes before instead of reading it.
        wheres = wheres + [q.gt(q.field(served.id_column), int(offset))]
        offset = 0

    hidden: list[tuple[str, str]] = []
    if keyset:
        # The order keys and the _id of each row, after its fields: the next cursor's position.
        prefix = _hidden_prefix(served.columns)
        hidden = [(column, f"{prefix}{i}") for i, (column, _) in enumerate(keys)]
        hidden.append((served.id_column, f"{prefix}id"))

    started = time.monotonic()
    limits: list[dict] = []
    order_given = given(query.order_by)
    with sources.open_version(served, timezone) as main:
        page_query = replace(query, where=wheres or None, limit=limit + 1, offset=offset)
        route = sources.page_route(
            served,
            main,
            analysis,
            timezone=timezone,
            keys=keys if keyset else None,
            order_given=order_given,
            count=lambda source: counts.count(served, base, analysis, source, timezone, timeout_s),
            reach=offset + limit + 1,
        )
        total, counted = route.total, route.counted
        rows = pending = has_more_ids = None
        fast = (
            route.candidates is not None
            and route.candidates.exact  # else the postings would count rows the where refuses
            and analysis.only_searches
            and keyset
            and (not keys or tuple(keys) == main.in_order)
            and limit <= FTS_FAST_LIMIT
        )
        if fast:
            found, ids_more, total_known = _search_page(
                served, main, route.candidates, page_query, query, cursor, limit, offset,
                timezone, timeout_s, hidden,
            )  # fmt: skip
            if found is not None:
                (compiled, rows), has_more_ids = found, ids_more
                if total_known is not None:
                    total, counted = total_known, True
        if rows is None:
            source = route.source
            if route.order == "stored":
                page_query = replace(page_query, order_by=None)
            elif route.order == "file" and not order_given and not analysis.is_aggregate:
                page_query = replace(page_query, order_by=_by_id(served))
            compiled = compile_on(page_query, served, source, timezone, extra_fields=hidden)
            span = (first, limit + 1)
            rows = _in_file_order(query, analysis, route, order_given, span, compiled, hidden)
            if rows is None:
                after = cursor.after_id if cursor is not None and cursor.after else None
                rows = _sorted_head(analysis, query, route, span, after, compiled, hidden)
        if rows is None:
            pending = counts.count_meanwhile(
                served, base, analysis, source, timezone, timeout_s, with_count and not counted
            )
            try:
                found = _page_in_first_rows(
                    served, route, page_query, analysis, timezone, timeout_s, hidden, limit
                )
                if found is not None:
                    compiled, rows = found
                else:
                    rows = _page_rows(source, compiled, analysis, timezone, timeout_s)
            except BaseException:
                _forget(pending)
                raise
        visible = compiled.columns[: len(compiled.columns) - len(hidden)]
        if rows is None:
            _forget(pending)
            return {
                "total_count": None,
                "results": [],
                "limits": [engine.time_limit(timeout_s, "results")],
                "columns": visible,
                "next_cursor": None,
            }
        has_more = limit > 0 and (len(rows) > limit if has_more_ids is None else has_more_ids)
        rows = rows[:limit]
        convert = row_converter(visible, timezone)
        width = len(visible)
        results = [convert(row[:width]) for row in rows]

        if not has_more and (rows or seen == 0):
            total = seen + len(rows)
        elif with_count and not counted and pending is not None:
            total = pending.result()
        elif with_count and not counted:
            remaining = (
                None if timeout_s is None else max(timeout_s - (time.monotonic() - started), 0.001)
            )
            total = counts.count(served, base, analysis, route.source, timezone, remaining)
        _forget(pending)  # the page held the end: not needed
        if with_count and total is None:
            limits.append(engine.time_limit(timeout_s, "total_count"))

    next_cursor = None
    if has_more and paged:
        next_cursor = _next_cursor(
            served, query, seen + len(rows), keyset, rows, width, keys, types
        )
    return {
        "total_count": total if with_count else None,
        "results": results,
        "limits": limits,
        "columns": visible,
        "next_cursor": next_cursor,
    }


def _in_file_order(query, analysis, route, order_given, span, compiled, hidden) -> list | None:
    """The rows of a page of every record in file order (no filter, no order, every field) —
    ``span`` is (first row, how many) — from the version's rows file, with the hidden ``_id``
    after their fields as the compiled query gives them: no query at all
    (``sources.rows_in_file_order``). None when the page is another or the file cannot say."""
    plain = not (analysis.filtered or analysis.is_aggregate or order_given or query.select)
    if not plain or route.order == "stored" or len(hidden) != 1:
        return None
    identifier = hidden[0][0]  # the hidden key: the id
    if route.source.in_order != ((identifier, False),):  # not the rows in file order
        return None
    names = [c.name for c in compiled.columns[: len(compiled.columns) - len(hidden)]]
    if names[:1] != [identifier]:
        return None
    first, count = span
    found = sources.rows_in_file_order(route.source, first, count, names)
    return None if found is None else [row + (row[0],) for row in found]


def _sorted_head(analysis, query, route, span, after, compiled, hidden) -> list | None:
    """The rows of one of the first pages in the order of a sorted copy (no filter, every
    field; ``span`` is (first row, how many), or the page follows record ``after`` by a cursor),
    read from the rows file by the record ids the copy's head lists
    (``lake.engine.serving.SORTED_HEAD``), with the hidden keys and ``_id`` after their fields
    as the compiled query gives them: no query, none of the copy's blocks read. None when the
    page is another or goes past the head (the copy answers)."""
    source = route.source
    head, manifest = source.head, source.memo.manifest if source.memo is not None else {}
    plain = not (analysis.filtered or analysis.is_aggregate or query.select)
    if head is None or not plain or route.order != "stored":
        return None
    keys = [column for column, _ in hidden[:-1]]
    if len(hidden) < 2 or tuple(column for column, _ in source.in_order or ()) != tuple(keys):
        return None
    first, count = span
    if after is not None:  # a cursor's page: the rows after that record in the copy's order
        if int(after) not in head:
            return None
        first = head.index(int(after)) + 1
    if first + count > len(head) and len(head) < int(manifest.get("rows", -1)):
        return None
    names = [c.name for c in compiled.columns[: len(compiled.columns) - len(hidden)]]
    if names[:1] != [hidden[-1][0]] or any(k not in names for k in keys):
        return None
    key = ("head", source.sql, first, count)
    pages = serving.store()
    remembered = pages.page_recall(source.memo, key)
    if remembered is not None:  # a row each from the rows file: 1.4 ms a page of 20
        return list(remembered)
    found = sources.rows_by_ids(source, head[first : first + count], names)
    if found is None:
        return None
    positions = [names.index(k) for k in keys]
    rows = [row + tuple(row[i] for i in positions) + (row[0],) for row in found]
    pages.page_remember(source.memo, key, rows)
    return rows


def _by_id(served: Served) -> list[ast.OrderItem]:
    return [q.order(q.field(served.id_column))]


def _next_cursor(served, query, seen, keyset, rows, width, keys, types) -> str:
    state = {  # the query the cursor pages through, as text (built clauses are written out)
        "select": clause_text(query.select),
        "where": [clause_text(w) for w in where_clauses(query.where)],
        "group_by": clause_text(query.group_by),
        "order_by": clause_text(query.order_by),
        "refine": list(query.refine),
        "exclude": list(query.exclude),
        "lang": query.lang,
    }
    following = cursors.Cursor(version=served.version.number, query=state, seen=seen)
    kept = None
    if keyset:
        last = rows[-1]
        kept = [
            cursors.key(value, t)
            for value, t in zip(last[width : width + len(keys)], types, strict=True)
        ]
        if any(v is cursors.NOT_EXACT for v in kept):
            kept = None
        else:
            following.after, following.after_id = kept, int(last[-1])
    if kept is None:
        following.offset = seen
    return following.encode()


def selects(select, name: str) -> bool:
    """True when a select clause names the field ``name``."""
    if not select:
        return False
    if not isinstance(select, str):
        return any(
            isinstance(node, ast.Field) and node.name == name
            for item in select
            if item.expr is not None
            for node in ast.walk(item.expr)
        )
    pattern = rf"(?<![\w`]){re.escape(name)}(?![\w`])|`{re.escape(name)}`"
    return re.search(pattern, select) is not None


def version_page(
    served: Served,
    query: RecordQuery,
    *,
    default_limit: int | None,
    max_limit: int | None = MAX_LIMIT,
    with_count: bool = True,
    timezone: str = engine.DEFAULT_TIMEZONE,
    timeout_s: float | None = TIMEOUT_S,
) -> dict:
    """A page for the other front-ends (OpenDataSoft, CKAN, the portal's table, map and chart),
    through :func:`record_page`: ``{"total_count", "results", "limits", "columns"}``, without
    the record id (``_id``) unless the query selects it."""
    if query.limit is None:
        query = replace(query, limit=default_limit)
    page = record_page(
        served,
        query,
        with_count=with_count,
        timezone=timezone,
        timeout_s=timeout_s,
        max_limit=max_limit,
        paged=False,
    )
    results, columns = page["results"], page["columns"]
    if not selects(query.select, served.id_column):
        results = [{k: v for k, v in row.items() if k != served.id_column} for row in results]
        columns = [c for c in columns if c.name != served.id_column]
    return {
        "total_count": page["total_count"],
        "results": results,
        "limits": page["limits"],
        "columns": columns,
    }
