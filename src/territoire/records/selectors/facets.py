"""Facets: the values of fields and how many records have each, over the records a filter keeps,
in OpenDataSoft's shape; and the fields faceted when none is asked for.

``[{"name": field, "facets": [{"name", "count", "state", "value"}, …], "limits": [...]}]``.
Values are sorted by count (most frequent first); dates are hierarchical (years, then the
months of a refined year, then the days of a refined month) and come most recent first.
States: "refined" for a refined value, "excluded" (no count) for an excluded one, "displayed"
otherwise. When a facet has more values than ``limit_per_facet``, or the time limit is hit, the
facet's ``limits`` says so. All facets are counted in one pass (``GROUPING SETS``).
"""

# ruff: noqa: S608 -- identifiers come quoted from the validated column list, values are bound.

from __future__ import annotations

import copy

from .. import engine
from ..columns import GEO, TEMPORAL, Column, quote
from ..odsql import QueryError, RecordQuery, Schema, compile_filter
from ..odsql.ast import Node
from ..odsql.compiler import clause_text, where_clauses
from ..odsql.refine import FacetFilter, Refinement
from ..odsql.values import as_text
from . import sources
from .analysis import analyze
from .compiled import TIMEOUT_S, query_seconds
from .served import Served

DEFAULT_FACET_MAX_DISTINCT = 100


def record_facets(
    served: Served,
    *,
    facet_fields: list[str],
    where: list[str | Node] | None = None,
    refine: list[str | Refinement] | None = None,
    exclude: list[str | Refinement] | None = None,
    limit_per_facet: int = 50,
    lang: str = "fr",
    timezone: str = engine.DEFAULT_TIMEZONE,
    timeout_s: float | None = TIMEOUT_S,
) -> list[dict]:
    """The facets of ``facet_fields`` over the records that match the filter (a version's
    facets are remembered: it never changes)."""
    timeout_s = query_seconds(timeout_s)
    if served.version is None:
        return []
    analysis = analyze(
        RecordQuery(where=where or None, refine=refine or [], exclude=exclude or []),
        served.columns,
    )
    key = None
    if not analysis.volatile:
        key = (
            "facets",
            tuple(facet_fields),
            tuple(clause_text(w) for w in where_clauses(where)),
            tuple(refine or ()),
            tuple(exclude or ()),
            limit_per_facet,
            lang,
            timezone,
        )
    with sources.open_version(served, timezone) as main:
        remembered = main.recall(key) if key is not None else None
        if remembered is not None:
            return copy.deepcopy(remembered)
        source = sources.facet_source(served, main, analysis, timezone)
        result = _facets(
            source,
            columns=served.columns,
            facet_fields=facet_fields,
            where=where or None,
            refine=refine or [],
            exclude=exclude or [],
            limit_per_facet=limit_per_facet,
            timezone=timezone,
            timeout_s=timeout_s,
            lang=lang,
        )
        timed_out = any(lim["name"] == "time_limit" for f in result for lim in f["limits"])
        if not timed_out:
            main.remember(key, copy.deepcopy(result))
        return result


def default_facets(served: Served, *, max_distinct: int = DEFAULT_FACET_MAX_DISTINCT) -> list[str]:
    """Text, boolean and date columns with few distinct values (from the version's statistics)."""
    return [
        c.id
        for c in served.data_columns
        if c.type in ("text", "boolean", "date", "datetime")
        and c.distinct is not None
        and c.distinct <= max_distinct
    ]


def _fields(schema: Schema, facet_fields: list[str]) -> list[Column]:
    fields: list[Column] = []
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
    return fields


def _facets(
    source: sources.Source,
    *,
    columns: tuple[Column, ...],
    facet_fields: list[str],
    where,
    refine: list[str | Refinement],
    exclude: list[str | Refinement],
    limit_per_facet: int,
    timezone: str,
    timeout_s: float | None,
    lang: str,
) -> list[dict]:
    """Value counts of each facet field over the matching records of ``source``."""
    fields = _fields(Schema(columns), facet_fields)
    if not fields:
        return []
    if limit_per_facet < 1:
        raise QueryError(
            "La limite par facette doit être positive",
            "The limit per facet must be positive",
            clause="facet",
        )
    compiled = compile_filter(
        columns=columns,
        where=where,
        refine=refine,
        exclude=exclude,
        timezone=timezone,
        lang=lang,
    )
    engine.load_extensions(source.con, compiled.extensions)
    filters = compiled.filters
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
        f"FROM (SELECT {', '.join(keys)} FROM {source.sql}"
        + (f" WHERE {compiled.condition}" if compiled.condition else "")
        + ") "
        f"GROUP BY GROUPING SETS ({', '.join(f'({k})' for k in ks)}) "
        f"HAVING {' OR '.join(f'(grouping({k}) = 0 AND {k} IS NOT NULL)' for k in ks)}) "
        f"WHERE {rank_key} <= {int(limit_per_facet) + 1} ORDER BY _gid, {rank_key}"
    )
    rows = engine.execute(source.con, sql, list(source.params) + compiled.params, timeout_s)
    if rows is None:
        return [
            {"name": c.id, "facets": [], "limits": [engine.time_limit(timeout_s, "facets")]}
            for c in fields
        ]

    by_field: dict[int, list[tuple]] = {i: [] for i in range(len(fields))}
    totals: dict[int, int] = {}
    for row in rows:
        index = next(i for i in range(len(fields)) if row[0] == _gid_of(i, len(fields)))
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


def _date_level(column: Column, filters: list[FacetFilter]) -> int:
    depths = [f.depth for f in filters if f.column.id == column.id and not f.excluded]
    return min(min(depths) + 1, 3) if depths else 1


def _value_text(column: Column, value) -> str:
    if column.type == "boolean":
        return "true" if value else "false"
    return as_text(value)


def _value_entries(column: Column, values: list[tuple], mine: list[FacetFilter]) -> list[dict]:
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
