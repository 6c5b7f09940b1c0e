"""The count of a page's query: known (every row), remembered for the version, read from the
stored counts of each value, or counted, beside the page or after it."""

# ruff: noqa: S608 -- the only SQL text here wraps compiled queries and quoted names of our own.

from __future__ import annotations

from dataclasses import replace

from .. import engine
from ..columns import quote
from ..odsql import RecordQuery
from ..odsql.compiler import SOURCE_CTE, clause_text, where_clauses
from . import sources
from .analysis import Analysis
from .compiled import compile_on
from .served import Served


def count_key(query: RecordQuery, analysis: Analysis, timezone: str):
    """What a count is remembered under for a version (None: it uses the time, never
    remembered)."""
    if analysis.volatile:
        return None
    return (
        "count",
        analysis.is_aggregate,
        clause_text(query.group_by) or "",
        clause_text(query.select) if analysis.is_aggregate else "",
        tuple(clause_text(w) for w in where_clauses(query.where)),
        tuple(query.refine),
        tuple(query.exclude),
        query.lang,
        timezone,
    )


def count(
    served: Served,
    query: RecordQuery,
    analysis: Analysis,
    source: sources.Source,
    timezone: str,
    timeout_s: float | None,
) -> int | None:
    """The number of records (or groups) of the query: known, remembered, or counted."""
    if not analysis.is_aggregate and not analysis.filtered:
        return int(served.read.row_count)
    key = count_key(query, analysis, timezone)
    cached = source.recall(key) if key is not None else None
    if cached is not None:
        return cached
    stored = stored_count(served, query, analysis, source, timezone)
    if stored is None:
        compiled = compile_on(replace(query, limit=None, offset=0), served, source, timezone)
        stored = (compiled.count_sql, compiled.count_params)
    rows = engine.execute(source.con, *stored, timeout_s)
    if rows is None:
        return None
    total = int(rows[0][0])
    source.remember(key, total)
    return total


def stored_count(served, query, analysis, source, timezone) -> tuple[str, list] | None:
    """The count of a filter that is one equality, read from the serving file's counts of each
    value: the same condition, compiled on the counts' table, sums their counts instead of
    counting rows. None when there are no such counts."""
    found = sources.equality_counts(source, analysis)
    if found is None:
        return None
    values, count_name = found
    compiled = compile_on(replace(query, limit=None, offset=0), served, values, timezone)
    head = f"SELECT count(*) FROM {SOURCE_CTE}"
    if compiled.count_sql is None or compiled.count_sql.count(head) != 1:
        return None
    summed = f"SELECT coalesce(sum({quote(count_name)}), 0) FROM {SOURCE_CTE}"
    return compiled.count_sql.replace(head, summed), compiled.count_params


def count_meanwhile(served, base, analysis, source, timezone, timeout_s, wanted):
    """The count started beside the page, or None when it is known or not wanted. Not for
    aggregates: their groups usually fit in the page, which then gives the count, and a count
    of groups beside it would only double the work (measured: 42 ms against 23)."""
    if not wanted or analysis.is_aggregate or not analysis.filtered:
        return None
    key = count_key(base, analysis, timezone)
    if key is not None and source.recall(key) is not None:
        return None
    return sources.meanwhile(
        source, timezone, lambda here: count(served, base, analysis, here, timezone, timeout_s)
    )
