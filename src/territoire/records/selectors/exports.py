"""The rows of a whole export, for every front-end that offers exports (native API, OpenDataSoft):
no row cap, in the stable order of pages (two exports of a version give the same bytes), from
the source ``sources`` chose, on a connection of its own that the watchdog interrupts when the
export's time is up. The writers are in ``records.exports``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import duckdb

from .. import engine
from ..columns import Column, ResultColumn
from ..odsql import QueryError, RecordQuery, check_paging, compile_query
from ..odsql import build as q
from ..odsql.compiler import CompiledQuery, given
from ..odsql.errors import computation_error
from ..odsql.values import row_converter
from ..watchdog import INTERRUPTIONS, interrupted, watchdog
from . import sources
from .analysis import analyze
from .compiled import compile_on
from .pages import selects
from .served import Served


def export_time_limit(seconds: float) -> QueryError:
    return QueryError(
        f"L'export a dépassé sa limite de temps de {seconds:g} s : filtrez les enregistrements, "
        "choisissez moins de champs, ou réessayez plus tard",
        f"The export went past its time limit of {seconds:g} s: filter the records, choose "
        "fewer fields, or try again later",
        clause="export",
    )


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
    served: Served,
    query: RecordQuery,
    timezone: str,
    *,
    hide_id: bool = False,
    timeout_s: float | None = None,
) -> Iterator[tuple[duckdb.DuckDBPyConnection, CompiledQuery]]:
    """(connection, compiled query) of a whole export, in the stable order of pages; the
    version stays open until the block ends. Raises QueryError before anything is sent.

    The block has ``timeout_s`` seconds (None: no limit): then the watchdog interrupts the
    connection, and the block's next read raises the export's time-limit QueryError. A value
    the data cannot take (overflow, cast) is a QueryError too. When the block ends early (the
    client went away: the streaming generator is closed), the statement is interrupted before
    its connection closes."""
    check_paging(query.limit, query.offset, max_limit=None, default_limit=None)
    columns = _columns(served, query, hide_id)
    analysis = analyze(replace(query, limit=None, offset=0), columns)
    with sources.open_version(served, timezone, export=True) as main:
        route = sources.export_route(main, analysis)
        run = replace(query, order_by=None) if route.order == "stored" else query
        con = route.source.con
        compiled = compile_on(run, served, route.source, timezone, columns)
        with watchdog.deadline(con, timeout_s) as deadline:
            try:
                yield con, compiled
            except engine.DATA_ERRORS as exc:
                raise computation_error(exc) from exc
            except INTERRUPTIONS as exc:
                if deadline.expired and interrupted(exc):
                    raise export_time_limit(timeout_s or 0) from exc
                if engine.out_of_memory(exc):
                    raise engine.InsufficientMemory("export") from exc
                raise
            except duckdb.OutOfMemoryException as exc:
                raise engine.InsufficientMemory("export") from exc
            except GeneratorExit:
                con.interrupt()
                raise


def export_rows(
    served: Served,
    query: RecordQuery,
    timezone: str,
    *,
    hide_id: bool = False,
    batch_size: int = 10_000,
    timeout_s: float | None = None,
) -> Iterator[dict]:
    """Every row of the export as a JSON-ready dict, streamed (a generator: the query runs on
    the first ``next``; compile errors are raised by ``output_columns`` first)."""
    with export_cursor(served, query, timezone, hide_id=hide_id, timeout_s=timeout_s) as (
        con,
        compiled,
    ):
        convert = row_converter(compiled.columns, timezone)
        result = con.execute(compiled.sql, compiled.params)
        while True:
            batch = result.fetchmany(batch_size)
            if not batch:
                break
            for row in batch:
                yield convert(row)
