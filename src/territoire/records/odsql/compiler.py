"""compile_query: a RecordQuery (the HTTP parameters) into DuckDB SQL with bound parameters.

The one place where records SQL is built from user input. Ordering is deterministic:

- with an ``order_by``, the row ordinal in the Parquet file (``file_row_number``) is appended
  as the last key, so ties come back in file order, page after page;
- without ``order_by``, plain pages rely on DuckDB returning rows in file order
  (``preserve_insertion_order``, on by default and set by ``engine.connect``): an
  ``ORDER BY file_row_number`` would cost a full sort (136 ms instead of 8 ms for a deep page
  over 1,000,000 rows, measured here) for the same order;
- aggregate queries are ordered by the requested keys then by every group_by expression.
"""

# This module assembles SQL text on purpose: identifiers come quoted from the validated column
# list and every user value is a bound parameter (see sqlgen), which S608 cannot see.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..columns import Column, ResultColumn, quote
from . import ast, build
from .errors import QueryError
from .parser import parse
from .plan import build_plan
from .refine import FacetFilter, Refinement, filter_sql, parse_filters
from .sqlgen import Emitter
from .validate import Output, Plan, Schema

DEFAULT_SOURCE = "read_parquet(?)"
ROW_NUMBER = "file_row_number"
DEFAULT_LIMIT = 10
MAX_OFFSET = 2**62  # DuckDB's LIMIT and OFFSET are 64-bit


@dataclass
class RecordQuery:
    """A query, with OpenDataSoft's parameters: each clause is ODSQL text (what the HTTP
    parameters give) or a syntax tree built in code (``odsql.build``)."""

    select: str | list[ast.SelectItem] | None = None
    where: str | ast.Node | list[str | ast.Node] | None = None  # several are ANDed
    group_by: str | list[ast.GroupItem] | None = None
    order_by: str | list[ast.OrderItem] | None = None
    limit: int | None = None
    offset: int = 0
    refine: list[str | Refinement] = field(default_factory=list)
    exclude: list[str | Refinement] = field(default_factory=list)
    lang: str = "fr"


@dataclass
class CompiledQuery:
    sql: str  # ? placeholders only for values; identifiers quoted from the column list
    params: list  # source parameters first (e.g. the Parquet path), then the user's values
    count_sql: str | None  # separate, cheaper count of all matching rows (or groups)
    count_params: list
    columns: list[ResultColumn]  # output columns
    is_aggregate: bool
    extensions: list[str] = field(default_factory=list)  # DuckDB extensions the SQL needs
    limit: int | None = None
    offset: int = 0


def compile_query(
    q: RecordQuery,
    *,
    columns: Iterable[Column | Mapping],
    source_sql: str = DEFAULT_SOURCE,
    source_params: list | None = None,
    max_limit: int | None = 10000,
    default_limit: int | None = DEFAULT_LIMIT,
    timezone: str = "Europe/Paris",
    tiebreak_column: str | None = None,
    now: dt.datetime | None = None,
    extra_fields: Sequence[tuple[str, str]] = (),
) -> CompiledQuery:
    """Parse, validate and compile ``q`` for a dataset with these ``columns``.

    ``source_sql`` is the FROM item, wrapped in a leading ``WITH "_src" AS (…)`` so that its
    own ``?`` come first: pass their values as ``source_params`` (they then start ``params``),
    or leave it out and prepend them yourself. With the default source, the Parquet row ordinal
    is the tiebreak of ordered queries; with another source, pass ``tiebreak_column`` (a
    unique, stable column) or ties keep DuckDB's order. ``max_limit=None`` lifts the row cap
    (exports, cursors); ``limit=-1`` then means every row. ``extra_fields`` (column id, output
    name) are appended to the result of a query that does not aggregate (a page's keyset).
    """
    schema = Schema(columns)
    source_params = list(source_params or [])
    if source_params and source_sql.count("?") != len(source_params):
        raise ValueError("source_params must bind every ? of source_sql")
    limit, offset = check_paging(
        q.limit, q.offset, max_limit=max_limit, default_limit=default_limit
    )

    plan = parsed_clauses(q).plan(schema)
    for column_id, name in extra_fields if not plan.is_aggregate else ():
        column = schema.get(column_id)
        plan.outputs.append(
            Output(name, ast.Field(column.id, column=column.id, type=column.type), column.type)
        )
    filters = parse_filters(schema, q.refine, q.exclude)

    column_ids = {c.id for c in schema.columns}
    tiebreak = tiebreak_column
    data_source = source_sql
    if source_sql == DEFAULT_SOURCE and tiebreak is None and ROW_NUMBER not in column_ids:
        data_source = "read_parquet(?, file_row_number = true)"
        tiebreak = ROW_NUMBER
    out_prefix, group_prefix = _prefix("_q", column_ids), _prefix("_g", column_ids)

    native = frozenset(c.id for c in schema.columns if c.native_geometry)
    base = Emitter(
        native_geometry=native,
        timezone=timezone,
        lang=q.lang,
        search_fields=plan.search_fields,
        now=now,
    )
    if plan.is_aggregate:
        sql, params, count_sql, count_params = _aggregate_sql(
            plan,
            filters,
            base,
            data_source,
            source_sql,
            source_params,
            out_prefix,
            group_prefix,
            limit,
            offset,
        )
    else:
        sql, params, count_sql, count_params = _records_sql(
            plan,
            filters,
            base,
            data_source,
            source_sql,
            source_params,
            out_prefix,
            tiebreak,
            limit,
            offset,
        )
    return CompiledQuery(
        sql=sql,
        params=params,
        count_sql=count_sql,
        count_params=count_params,
        columns=[ResultColumn(o.name, o.type, o.range_width) for o in plan.outputs],
        is_aggregate=plan.is_aggregate,
        extensions=["spatial"] if plan.needs_spatial else [],
        limit=limit,
        offset=offset,
    )


def where_sql(plan: Plan, filters: list[FacetFilter], em: Emitter, **kwargs) -> str | None:
    """The WHERE condition of the query (where clauses and facet filters), or None."""
    parts = []
    if plan.where is not None:
        parts.append(em.condition(plan.where))
    refined = filter_sql(em, filters, **kwargs)
    if refined:
        parts.append(refined)
    return " AND ".join(parts) if parts else None


SOURCE_CTE = '"_src"'


def _with(source: str) -> str:
    # The source comes first in the text, so its own ? come first in the parameters: a caller
    # may bind them by prepending (e.g. the Parquet path) without knowing the rest.
    return f"WITH {SOURCE_CTE} AS (SELECT * FROM {source}) "


def _order_keys(plan: Plan, em: Emitter, out_prefix: str) -> list[str]:
    keys = []
    for key in plan.orders:
        if key.output_index is not None:
            target = quote(out_prefix + str(key.output_index))
        else:
            target = em.emit(key.expr)
        keys.append(f"{target} {'DESC' if key.descending else 'ASC'}")
    return keys


def _outputs(plan: Plan, em: Emitter, out_prefix: str) -> str:
    return ", ".join(
        f"{_output_sql(em.emit(o.expr), o.type, _is_native(o.expr, em))} AS {quote(out_prefix + str(i))}"
        for i, o in enumerate(plan.outputs)
    )


def _is_native(expr: ast.Node, em: Emitter) -> bool:
    while isinstance(expr, ast.Field) and expr.alias_of is not None:
        expr = expr.alias_of
    return isinstance(expr, ast.Field) and expr.column in em.native_geometry


def _records_sql(
    plan,
    filters,
    base,
    data_source,
    count_source,
    source_params,
    out_prefix,
    tiebreak,
    limit,
    offset,
):
    select_em, where_em, order_em = base.child(), base.child(), base.child()
    outs = _outputs(plan, select_em, out_prefix)
    condition = where_sql(plan, filters, where_em)
    where_part = f" WHERE {condition}" if condition else ""
    keys = _order_keys(plan, order_em, out_prefix)
    if keys and tiebreak:
        keys.append(f"{quote(tiebreak)} ASC")
    order_part = " ORDER BY " + ", ".join(keys) if keys else ""
    sql = f"{_with(data_source)}SELECT {outs} FROM {SOURCE_CTE}{where_part}{order_part}"
    params = source_params + select_em.params + where_em.params + order_em.params
    count_sql = f"{_with(count_source)}SELECT count(*) FROM {SOURCE_CTE}{where_part}"
    return sql + _paging(limit, offset), params, count_sql, source_params + where_em.params


def _aggregate_sql(
    plan,
    filters,
    base,
    data_source,
    count_source,
    source_params,
    out_prefix,
    group_prefix,
    limit,
    offset,
):
    refs = [(g.expr, quote(group_prefix + str(i))) for i, g in enumerate(plan.groups)]
    select_em, group_em, where_em, order_em = base.child(), base.child(), base.child(), base.child()
    select_em.group_refs = order_em.group_refs = refs
    outs = _outputs(plan, select_em, out_prefix)
    group_exprs = [group_em.emit(g.expr) for g in plan.groups]
    condition = where_sql(plan, filters, where_em)
    where_part = f" WHERE {condition}" if condition else ""
    if not plan.groups:  # one row of aggregates
        sql = f"{_with(data_source)}SELECT {outs} FROM {SOURCE_CTE}{where_part}"
        params = source_params + select_em.params + where_em.params
        return sql + _paging(limit, offset), params, "SELECT 1", []
    keys = _order_keys(plan, order_em, out_prefix) + [f"{ref} ASC" for _, ref in refs]
    inner = ", ".join(f"{expr} AS {ref}" for expr, (_, ref) in zip(group_exprs, refs, strict=True))
    sql = (
        f'{_with(data_source)}SELECT {outs} FROM (SELECT *, {inner} FROM {SOURCE_CTE}{where_part}) AS "_t"'
        f" GROUP BY {', '.join(ref for _, ref in refs)} ORDER BY {', '.join(keys)}"
    )
    params = source_params + select_em.params + group_em.params + where_em.params + order_em.params
    count_sql = f"{_with(count_source)}SELECT count(*) FROM (SELECT DISTINCT {', '.join(group_exprs)} FROM {SOURCE_CTE}{where_part})"
    count_params = source_params + group_em.params + where_em.params
    return sql + _paging(limit, offset), params, count_sql, count_params


def _output_sql(sql: str, type_: str, native_geometry: bool = False) -> str:
    # DuckDB's Python client needs pytz to return TIMESTAMP WITH TIME ZONE values; an epoch in
    # microseconds comes back as an int, turned into an aware datetime by values.row_converter.
    if type_ == "datetime":
        return f"epoch_us(CAST({sql} AS TIMESTAMPTZ))"
    if native_geometry:  # GEOMETRY -> WKB bytes (ST_AsWKB is in DuckDB's core)
        return f"ST_AsWKB({sql})"
    return sql


def _paging(limit: int | None, offset: int) -> str:
    # Both are validated Python ints, written into the SQL so DuckDB can plan a top-N.
    sql = f" LIMIT {int(limit)}" if limit is not None else ""
    if offset:
        sql += f" OFFSET {int(offset)}"
    return sql


def check_paging(
    limit: int | None,
    offset: int | None,
    *,
    max_limit: int | None,
    default_limit: int | None = DEFAULT_LIMIT,
) -> tuple[int | None, int]:
    """(limit, offset) of a page, checked: whole numbers, not negative, ``limit`` at most
    ``max_limit`` (None: no cap; ``-1`` then means every row), both within DuckDB's 64 bits.
    ``limit=None`` is ``default_limit``. The one check of paging, whatever the front-end."""
    offset = offset or 0
    for name, value in (("limit", limit), ("offset", offset)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise QueryError(
                f"{name} doit être un nombre entier", f"{name} must be a whole number", clause=name
            )
    if limit is None:
        limit = default_limit
    elif limit == -1 and max_limit is None:
        limit = None
    elif limit < 0:
        raise QueryError(
            f"limit ne peut pas être négatif (reçu {limit})",
            f"limit cannot be negative (got {limit})",
            clause="limit",
        )
    if max_limit is not None and limit is not None and limit > max_limit:
        raise QueryError(
            f"limit={limit} dépasse le maximum de {max_limit} lignes par page. Pour tout obtenir, "
            "suivez les curseurs (next_cursor) ou utilisez les exports, qui n'ont pas de plafond",
            f"limit={limit} exceeds the maximum of {max_limit} rows per page. To get everything, "
            "follow the cursors (next_cursor) or use the exports, which have no cap",
            clause="limit",
        )
    if offset < 0:
        raise QueryError(
            "offset ne peut pas être négatif", "offset cannot be negative", clause="offset"
        )
    if offset > MAX_OFFSET or (limit or 0) > MAX_OFFSET:
        raise QueryError(
            f"offset et limit sont au plus {MAX_OFFSET} : pour aller loin, suivez les curseurs",
            f"offset and limit are at most {MAX_OFFSET}: to go far, follow the cursors",
            clause="offset" if offset > MAX_OFFSET else "limit",
        )
    return limit, offset


def given(clause) -> bool:
    """Whether a clause was given: non-blank text, or a tree (or a non-empty list of them)."""
    if isinstance(clause, str):
        return clause.strip() != ""
    return clause is not None and clause != []


def where_clauses(where) -> list:
    """The where clauses given (text or trees; several are ANDed), empty ones left out."""
    if where is None:
        return []
    items = [where] if isinstance(where, str | ast.Node) else list(where)
    return [item for item in items if given(item)]


def clause_text(clause) -> str | None:
    """A clause as ODSQL text (as given, or written from its tree): what keys and cursors hold."""
    if clause is None or isinstance(clause, str):
        return clause
    return build.text(clause)


def _clause(name: str, clause, index: int | None = None):
    if isinstance(clause, str):
        return parse(name, clause, index=index)
    return build.fresh(clause if isinstance(clause, ast.Node) else list(clause))


@dataclass
class Clauses:
    """The clauses of a query as syntax trees (parsed from their text)."""

    select: list[ast.SelectItem] | None
    where: list[tuple[int | None, ast.Node]]
    group_by: list[ast.GroupItem] | None
    order_by: list[ast.OrderItem] | None

    def plan(self, schema: Schema) -> Plan:
        """Validated against the columns and put together (QueryError when it does not fit)."""
        return build_plan(
            schema,
            select=self.select,
            where=self.where,
            group_by=self.group_by,
            order_by=self.order_by,
        )


def parsed_clauses(q: RecordQuery) -> Clauses:
    """The query's clauses as trees: text parsed, built trees copied for this validation."""
    wheres = where_clauses(q.where)
    several = len(wheres) > 1
    return Clauses(
        select=_clause("select", q.select) if given(q.select) else None,
        where=[
            (i if several else None, _clause("where", item, i if several else None))
            for i, item in enumerate(wheres)
        ],
        group_by=_clause("group_by", q.group_by) if given(q.group_by) else None,
        order_by=_clause("order_by", q.order_by) if given(q.order_by) else None,
    )


def _prefix(base: str, names: set[str]) -> str:
    prefix = base
    while any(name.startswith(prefix) for name in names):
        prefix = "_" + prefix
    return prefix


@dataclass
class CompiledFilter:
    condition: str | None  # SQL condition over the source's columns, or None when nothing filters
    params: list
    filters: list[FacetFilter]  # parsed refine/exclude, for facet states
    extensions: list[str] = field(default_factory=list)


def compile_filter(
    *,
    columns: Iterable[Column | Mapping],
    where: str | ast.Node | list[str | ast.Node] | None = None,
    refine: list[str | Refinement] | None = None,
    exclude: list[str | Refinement] | None = None,
    timezone: str = "Europe/Paris",
    lang: str = "fr",
) -> CompiledFilter:
    """Only the filtering part of a query (where + refine + exclude), for facets and counts."""
    schema = Schema(columns)
    plan = parsed_clauses(RecordQuery(where=where)).plan(schema)
    filters = parse_filters(schema, list(refine or []), list(exclude or []))
    em = Emitter(
        timezone=timezone,
        lang=lang,
        search_fields=plan.search_fields,
        native_geometry=frozenset(c.id for c in schema.columns if c.native_geometry),
    )
    condition = where_sql(plan, filters, em)
    return CompiledFilter(condition, em.params, filters, ["spatial"] if plan.needs_spatial else [])
