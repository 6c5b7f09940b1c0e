"""One record by its id: from the version's rows file when it has one (no query), else by a
lookup compiled once per version and reused with the id bound in its place."""

from __future__ import annotations

from territoire.core.errors import NotFound

from .. import engine
from ..odsql import QueryError, RecordQuery
from ..odsql import build as q
from ..odsql.compiler import CompiledQuery
from ..odsql.values import row_converter
from . import sources
from .compiled import TIMEOUT_S, compile_on, query_seconds
from .served import Served


def record_get(
    served: Served,
    record_id: int,
    *,
    select: str | None = None,
    timezone: str = engine.DEFAULT_TIMEZONE,
) -> dict:
    """One record by its ``_id``; NotFound when the version has no such row."""
    missing = NotFound(
        f"Pas d'enregistrement {record_id} dans ce jeu de données.",
        f"No record {record_id} in this dataset.",
        where="record_id",
    )
    if served.version is None or record_id < 1 or record_id > int(served.version.row_count):
        raise missing
    with sources.open_version(served, timezone) as main:
        compiled, params = _lookup_plan(served, main, select, timezone, int(record_id))
        found = None if select else sources.row(main, int(record_id), timezone)
        if found is not None:
            return row_converter(compiled.columns, timezone)(found)
        rows = engine.execute(main.con, compiled.sql, params, query_seconds(TIMEOUT_S))
    if rows is None:
        raise QueryError(
            "La limite de temps a été atteinte : réessayez dans un instant",
            "The time limit was reached: try again in a moment",
            clause="query",
        )
    if not rows:
        raise missing
    return row_converter(compiled.columns, timezone)(rows[0])


_LOOKUP_SENTINEL = 918_273_645_546_372_819  # stands for the record id in a cached plan
_lookup_plans: dict[tuple, CompiledQuery] = {}
_LOOKUP_PLANS_MAX = 256


def _lookup_plan(served: Served, source: sources.Source, select, timezone: str, record_id: int):
    """The compiled lookup of one record and its parameters. The plan is compiled once per
    (version, source, select, time zone) with a sentinel id, then reused with the real id bound
    in its place: parsing and compiling the ODSQL cost more than DuckDB's indexed lookup."""

    def lookup(value: int):
        where = q.eq(q.field(served.id_column), value)
        return compile_on(
            RecordQuery(select=select, where=where, limit=1), served, source, timezone
        )

    key = (served.read.pk, served.id_column, source.sql, tuple(source.params), select, timezone)
    compiled = _lookup_plans.get(key)
    if compiled is None:
        compiled = lookup(_LOOKUP_SENTINEL)
        if compiled.params.count(_LOOKUP_SENTINEL) != 1:  # the select used the same number
            compiled = lookup(record_id)
            return compiled, compiled.params
        if len(_lookup_plans) >= _LOOKUP_PLANS_MAX:
            _lookup_plans.clear()
        _lookup_plans[key] = compiled
    else:
        engine.load_extensions(source.con, compiled.extensions)
    params = [record_id if p == _LOOKUP_SENTINEL else p for p in compiled.params]
    return compiled, params
