"""The rows of a whole export, for every front-end that offers exports (native API, OpenDataSoft):
no row cap and no time limit, in the stable order of pages (two exports of a version give the
same bytes), from the source ``sources`` chose. The writers are in ``records.exports``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from .. import engine
from ..columns import Column, ResultColumn
from ..odsql import RecordQuery, check_paging, compile_query
from ..odsql import build as q
from ..odsql.compiler import CompiledQuery, given
from ..odsql.errors import computation_error
from ..odsql.values import row_converter
from . import sources
from .analysis import analyze
from .pages import compile_on, selects
from .served import Served


def export_query(served: Served, query: RecordQuery) -> RecordQuery:
    """Exports hold the data's own columns unless asked otherwise (``select=*`` adds ``_id``)."""
    if given(query.select) or given(query.group_by):
        return query
    return replace(query, select=q.select(*(q.field(c.id) for c in served.data_columns)))


def _columns(served: Served, query: RecordQuery, hide_id: bool) -> tuple[Column, ...]:
    """The columns the export's query sees: without the record id when the front-end hides it
    and the query does not name it (``select=*`` then gives the data's own columns)."""
    if hide_id and not selects(query.select, served.id_column):
        return served.data_columns
    return served.columns


def output_columns(
    served: Served, query: RecordQuery, timezone: str, *, hide_id: bool = False
) -> list[ResultColumn]:
    """The result columns of a query, without running it (QueryError if it is bad)."""
    check_paging(query.limit, query.offset, max_limit=None, default_limit=None)
    return compile_query(
        query,
        columns=_columns(served, query, hide_id),
        max_limit=None,
        default_limit=None,
        timezone=timezone,
        tiebreak_column=served.id_column,
    ).columns


@contextmanager
def export_cursor(
    served: Served, query: RecordQuery, timezone: str, *, hide_id: bool = False
) -> Iterator[tuple[object, CompiledQuery]]:
    """(connection, compiled query) of a whole export, in the stable order of pages; the
    version stays open until the block ends. Raises QueryError before anything is sent."""
    check_paging(query.limit, query.offset, max_limit=None, default_limit=None)
    columns = _columns(served, query, hide_id)
    analysis = analyze(replace(query, limit=None, offset=0), columns)
    with sources.open_version(served, timezone, fresh=True) as main:
        route = sources.export_route(main, analysis)
        run = replace(query, order_by=None) if route.order == "stored" else query
        yield route.source.con, compile_on(run, served, route.source, timezone, columns)


def export_rows(
    served: Served,
    query: RecordQuery,
    timezone: str,
    *,
    hide_id: bool = False,
    batch_size: int = 10_000,
) -> Iterator[dict]:
    """Every row of the export as a JSON-ready dict, streamed (a generator: the query runs on
    the first ``next``; compile errors are raised by ``output_columns`` first)."""
    with export_cursor(served, query, timezone, hide_id=hide_id) as (con, compiled):
        convert = row_converter(compiled.columns, timezone)
        try:
            result = con.execute(compiled.sql, compiled.params)
        except engine.DATA_ERRORS as exc:
            raise computation_error(exc) from exc
        while True:
            batch = result.fetchmany(batch_size)
            if not batch:
                break
            for row in batch:
                yield convert(row)
