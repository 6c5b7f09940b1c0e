"""The ODSQL functions: one registry entry per function — its name, kind, arity, type rule and
SQL emission. Adding a function is adding its entry (and its test) here; nothing else in the
query module knows function names.

- The **kind** says where a function may appear: aggregates in ``select`` and ``order_by``
  (and make the query an aggregation), predicates in ``where`` only, ``range()`` in
  ``group_by``; scalars anywhere.
- The **type rule** (``check``) receives the validator and the call, checks the arguments
  (typing them through the validator) and sets the result type. It may return another node
  (``search()`` becomes a full-text ``Search``).
- The **emission** (``emit``) receives the SQL emitter and the validated call and returns SQL;
  every value from the query is bound through ``em.param``.

The validator and the emitter are only used through their methods (``Checker`` and ``Writer``
below), so this module imports neither: they import it.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..columns import GEO, NUMERIC, TEMPORAL, quote
from . import ast
from .dateformat import translate
from .literals import DISTANCE_UNITS, INTERVAL_UNITS, LiteralError

AGGREGATE, SCALAR, PREDICATE, GROUPING = "aggregate", "scalar", "predicate", "grouping"
EARTH_RADIUS_M = 6371008.8


class Checker(Protocol):
    """What a type rule uses of the validator (``validate.Validator``)."""

    clause: str
    allow_aggregates: bool
    allow_range: bool
    in_aggregate: bool
    saw_aggregate: bool
    needs_spatial: bool

    def error(self, node_or_pos: Any, message_fr: str, message_en: str) -> Exception: ...
    def expr(self, node: ast.Node) -> ast.Node: ...
    def field(self, node: ast.Field) -> ast.Field: ...
    def predicate(self, node: ast.Node) -> ast.Node: ...
    def coerce(self, value: ast.Node, target: ast.Node) -> ast.Node: ...
    def describe(self, node: ast.Node, lang: str) -> str: ...


class Writer(Protocol):
    """What an emission uses of the SQL emitter (``sqlgen.Emitter``)."""

    lang: str
    now: Any

    def emit(self, node: ast.Node) -> str: ...
    def param(self, value: Any) -> str: ...
    def geometry(self, field: ast.Field) -> str: ...
    def envelope(self, lat1: float, lon1: float, lat2: float, lon2: float) -> str: ...


@dataclass(frozen=True)
class Function:
    name: str
    kind: str  # AGGREGATE | SCALAR | PREDICATE | GROUPING
    arity: tuple[int, ...] | None  # argument counts accepted (None: the type rule checks)
    check: Callable[[Checker, ast.Call], ast.Node]
    emit: Callable[[Writer, ast.Call], str] | None  # None: the rule turns the call into a node
    distinct: bool = False  # accepts count(distinct …)
    volatile: bool = False  # its value changes with time: results using it are not remembered
    position_filter: bool = (
        False  # keeps records by their position (a spatially ordered copy helps)
    )


REGISTRY: dict[str, Function] = {}


def get(name: str) -> Function | None:
    return REGISTRY.get(name)


def is_aggregate(node: ast.Node) -> bool:
    function = REGISTRY.get(node.name) if isinstance(node, ast.Call) else None
    return function is not None and function.kind == AGGREGATE


# ---------------------------------------------------------------- validation


def check_call(v: Checker, node: ast.Call) -> ast.Node:
    """Check a call against the registry: known name, placement of its kind, arity, type rule."""
    name = node.name
    function = REGISTRY.get(name)
    if function is None:
        names = sorted(REGISTRY)
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        raise v.error(
            node,
            f"La fonction « {name} » n'existe pas."
            + (f" Vouliez-vous dire « {close[0]} » ?" if close else "")
            + f" Fonctions disponibles : {', '.join(names)}",
            f"Function '{name}' does not exist."
            + (f" Did you mean '{close[0]}'?" if close else "")
            + f" Available functions: {', '.join(names)}",
        )
    if node.distinct and not function.distinct:
        raise v.error(
            node,
            "distinct n'est permis que dans count(distinct champ)",
            "distinct is only allowed in count(distinct field)",
        )
    if function.kind == AGGREGATE:
        _aggregate_placement(v, node)
        v.saw_aggregate = v.in_aggregate = True
        try:
            _arity(v, node, function.arity)
            return function.check(v, node)
        finally:
            v.in_aggregate = False
    if function.kind == PREDICATE and v.clause != "where":
        raise v.error(
            node,
            f"La fonction de filtre {name}() ne s'utilise que dans where",
            f"Filter function {name}() can only be used in where",
        )
    if function.kind == GROUPING and not v.allow_range:
        raise v.error(
            node,
            f"{name}() ne s'utilise que dans group_by",
            f"{name}() can only be used in group_by",
        )
    _arity(v, node, function.arity)
    return function.check(v, node)


def _aggregate_placement(v: Checker, node: ast.Call) -> None:
    name = node.name
    if not v.allow_aggregates and v.clause == "order_by":
        raise v.error(
            node,
            f"Trier par {name}() demande une agrégation : ajoutez group_by ou {name}() dans select",
            f"Sorting by {name}() needs an aggregation: add group_by or {name}() to select",
        )
    if not v.allow_aggregates:
        raise v.error(
            node,
            f"La fonction d'agrégation {name}() n'est permise que dans select et order_by",
            f"Aggregate function {name}() is only allowed in select and order_by",
        )
    if v.in_aggregate:
        raise v.error(
            node,
            "Une agrégation ne peut pas en contenir une autre",
            "An aggregate cannot contain another aggregate",
        )


def _arity(v: Checker, node: ast.Call, counts: tuple[int, ...] | None) -> None:
    if counts is not None and len(node.args) not in counts:
        raise v.error(
            node,
            f"{node.name}() attend {' ou '.join(map(str, counts))} argument(s), pas {len(node.args)}",
            f"{node.name}() takes {' or '.join(map(str, counts))} argument(s), not {len(node.args)}",
        )


def _type_error(v: Checker, node: ast.Node, function: str, wanted_fr: str, wanted_en: str):
    return v.error(
        node,
        f"{function}() attend {wanted_fr} ; {v.describe(node, 'fr')} ne convient pas",
        f"{function}() needs {wanted_en}; {v.describe(node, 'en')} does not fit",
    )


def _string_literal(v: Checker, node: ast.Node, function: str) -> str:
    if not (isinstance(node, ast.Literal) and node.kind == "string"):
        raise v.error(
            node,
            f"{function}() attend ici une chaîne entre guillemets",
            f"{function}() needs a quoted string here",
        )
    return node.value


def _argument(v: Checker, node: ast.Call, wanted: frozenset | None, fr: str, en: str) -> ast.Node:
    """The first argument, typed; a type error unless its type is in ``wanted``."""
    arg = node.args[0] = v.expr(node.args[0])
    if wanted is not None and arg.type not in wanted:
        raise _type_error(v, arg, node.name, fr, en)
    return arg


# ---------------------------------------------------------------- aggregates


def _check_count(v: Checker, node: ast.Call) -> ast.Node:
    if isinstance(node.args[0], ast.Star):
        if node.distinct:
            raise v.error(
                node,
                "count(distinct *) n'existe pas : nommez un champ",
                "count(distinct *) does not exist: name a field",
            )
    else:
        node.args[0] = v.expr(node.args[0])
    node.type = "integer"
    return node


def _emit_count(em: Writer, node: ast.Call) -> str:
    arg = node.args[0]
    if isinstance(arg, ast.Star):
        return "count(*)"
    return f"count({'DISTINCT ' if node.distinct else ''}{em.emit(arg)})"


def _check_min_max(v: Checker, node: ast.Call) -> ast.Node:
    arg = node.args[0] = v.expr(node.args[0])
    if arg.type in GEO or arg.type in ("null", "datelit", "geomlit", "quantity"):
        raise _type_error(
            v, arg, node.name, "un nombre, une date ou un texte", "a number, a date or a text"
        )
    node.type = arg.type
    return node


def _check_numeric_aggregate(v: Checker, node: ast.Call) -> ast.Node:
    arg = _argument(v, node, NUMERIC, "un nombre", "a number")
    node.type = arg.type if node.name == "sum" else "decimal"
    return node


def _emit_aggregate(em: Writer, node: ast.Call) -> str:
    return f"{node.name}({em.emit(node.args[0])})"


def _check_percentile(v: Checker, node: ast.Call) -> ast.Node:
    _argument(v, node, NUMERIC, "un nombre", "a number")
    p = node.args[1]
    if not (isinstance(p, ast.Literal) and p.kind == "number" and 0 <= p.value <= 100):
        raise v.error(
            p,
            "Le percentile est un nombre entre 0 et 100",
            "The percentile is a number between 0 and 100",
        )
    p.type = "decimal"
    node.type = "decimal"
    return node


def _emit_percentile(em: Writer, node: ast.Call) -> str:
    return f"quantile_cont({em.emit(node.args[0])}, {em.param(node.args[1].value / 100.0)})"


# ---------------------------------------------------------------- scalars


def _check_now(v: Checker, node: ast.Call) -> ast.Node:
    node.type = "datetime"
    return node


def _check_ifnull(v: Checker, node: ast.Call) -> ast.Node:
    first = _argument(v, node, None, "", "")
    if first.type in GEO:
        raise _type_error(
            v,
            first,
            "ifnull",
            "une valeur qui ne soit pas une position",
            "a value that is not a location",
        )
    node.args[1] = v.coerce(v.expr(node.args[1]), first)
    node.type = first.type
    return node


def _check_text_function(v: Checker, node: ast.Call) -> ast.Node:
    _argument(v, node, frozenset({"text"}), "un texte", "a text")
    node.type = "integer" if node.name == "length" else "text"
    return node


def _check_date_part(v: Checker, node: ast.Call) -> ast.Node:
    _argument(v, node, TEMPORAL, "un champ date", "a date field")
    node.type = "integer"
    return node


def _emit_plain(sql_name: str | None = None) -> Callable[[Writer, ast.Call], str]:
    """``name(argument)`` in SQL, under the function's own name or ``sql_name``."""
    return lambda em, node: f"{sql_name or node.name}({em.emit(node.args[0])})"


def _check_date_format(v: Checker, node: ast.Call) -> ast.Node:
    _argument(v, node, TEMPORAL, "un champ date", "a date field")
    pattern_node = node.args[1]
    pattern = _string_literal(v, pattern_node, node.name)
    try:
        translate(pattern)
    except LiteralError as exc:
        offset = getattr(exc, "offset", 0)
        raise v.error(pattern_node.pos + 1 + offset, exc.message_fr, exc.message_en) from None
    node.type = "text"
    return node


def _emit_date_format(em: Writer, node: ast.Call) -> str:
    value = em.emit(node.args[0])
    pieces = []
    for part in translate(node.args[1].value, em.lang):
        if part.kind == "strftime":
            pieces.append(f"strftime({value}, {em.param(part.value)})")
        elif part.kind == "week":
            week = f"CAST(week({value}) AS VARCHAR)"
            pieces.append(f"lpad({week}, 2, '0')" if part.value else week)
        elif part.kind == "weekyear2":
            pieces.append(f"right(CAST(isoyear({value}) AS VARCHAR), 2)")
        elif part.kind == "day_names":
            pieces.append(f"list_extract({em.param(list(part.value))}, isodow({value}))")
        else:
            pieces.append(f"list_extract({em.param(list(part.value))}, month({value}))")
    return pieces[0] if len(pieces) == 1 else "concat(" + ", ".join(pieces) + ")"


# ---------------------------------------------------------------- predicates


def _check_search(v: Checker, node: ast.Call) -> ast.Node:
    if len(node.args) < 2:
        raise v.error(
            node,
            'search() s\'écrit search(champ, "texte") ou search(*, "texte")',
            'search() is written search(field, "text") or search(*, "text")',
        )
    text = _string_literal(v, node.args[-1], node.name)
    targets = node.args[:-1]
    fields = []
    if any(isinstance(t, ast.Star) for t in targets):
        if len(targets) > 1:
            raise v.error(
                node,
                'search(*, "texte") ne prend pas d\'autre champ',
                'search(*, "text") takes no other field',
            )
    else:
        for target in targets:
            if not isinstance(target, ast.Field):
                raise v.error(
                    target,
                    "search() cherche dans des champs : nommez-les ou écrivez *",
                    "search() looks in fields: name them or write *",
                )
            fields.append(target)
    return v.predicate(ast.Search(text, fields, pos=node.pos))


def _check_startswith(v: Checker, node: ast.Call) -> ast.Node:
    arg = node.args[0] = v.expr(node.args[0])
    if arg.type in GEO:
        raise _type_error(v, arg, node.name, "un texte", "a text")
    _string_literal(v, node.args[1], node.name)
    node.args[1].type = "text"
    node.type = "boolean"
    return node


def _emit_startswith(em: Writer, node: ast.Call) -> str:
    return f"starts_with(CAST({em.emit(node.args[0])} AS VARCHAR), {em.param(node.args[1].value)})"


def _geo_field(v: Checker, node: ast.Node, function: str) -> ast.Field:
    if not isinstance(node, ast.Field):
        raise v.error(
            node,
            f"{function}() attend d'abord un champ de position",
            f"{function}() needs a location field first",
        )
    field = v.field(node)
    if field.type not in GEO:
        raise v.error(
            field,
            f"{function}() s'applique à un champ de position (geo_point ou geometry) ; « {field.column} » est de type {field.type}",
            f"{function}() applies to a location field (geo_point or geometry); '{field.column}' is of type {field.type}",
        )
    if field.type == "geometry":
        v.needs_spatial = True
    return field


def _check_within_distance(v: Checker, node: ast.Call) -> ast.Node:
    _geo_field(v, node.args[0], node.name)
    node.name = "within_distance"  # distance() is the v2.0 name
    if not isinstance(node.args[1], ast.GeomLiteral):
        raise v.error(
            node.args[1],
            "Le centre s'écrit geom'POINT(longitude latitude)'",
            "The centre is written geom'POINT(longitude latitude)'",
        )
    distance = node.args[2]
    if isinstance(distance, ast.Literal) and distance.kind == "number":
        meters = float(distance.value)
    elif isinstance(distance, ast.Quantity) and distance.unit in DISTANCE_UNITS:
        meters = distance.value * DISTANCE_UNITS[distance.unit]
    else:
        raise v.error(
            distance,
            "La distance s'écrit avec une unité : 500m, 2km, 1mi, 300yd, 100ft",
            "Write the distance with a unit: 500m, 2km, 1mi, 300yd, 100ft",
        )
    if meters <= 0:
        raise v.error(distance, "La distance doit être positive", "The distance must be positive")
    node.args[2] = ast.Literal(meters, "number", "", pos=distance.pos, type="decimal")
    node.type = "boolean"
    return node


def _emit_within_distance(em: Writer, node: ast.Call) -> str:
    field, center, distance = node.args
    meters = float(distance.value)
    lat0, lon0 = center.lat, center.lon
    dlat = math.degrees(meters / EARTH_RADIUS_M)
    coslat = math.cos(math.radians(lat0))
    dlon = math.degrees(meters / (EARTH_RADIUS_M * coslat)) if coslat > 0.01 else 360.0
    if field.type == "geometry":
        geom = em.geometry(field)
        box = em.envelope(lat0 - dlat, lon0 - dlon, lat0 + dlat, lon0 + dlon)
        closest = f"ST_FlipCoordinates(ST_ClosestPoint({geom}, ST_Point({em.param(lon0)}, {em.param(lat0)})))"
        distance_sql = (
            f"ST_Distance_Sphere({closest}, ST_Point({em.param(lat0)}, {em.param(lon0)}))"
        )
        return f"(ST_Intersects({geom}, {box}) AND {distance_sql} <= {em.param(meters)})"
    column = quote(field.column)
    lat, lon = f"struct_extract({column}, 'lat')", f"struct_extract({column}, 'lon')"
    parts = [f"{lat} BETWEEN {em.param(lat0 - dlat)} AND {em.param(lat0 + dlat)}"]
    if dlon < 180 and -180 <= lon0 - dlon and lon0 + dlon <= 180:
        parts.append(f"{lon} BETWEEN {em.param(lon0 - dlon)} AND {em.param(lon0 + dlon)}")
    haversine = (
        f"2 * {EARTH_RADIUS_M} * asin(least(1.0, sqrt("
        f"pow(sin(radians({lat} - {em.param(lat0)}) / 2), 2) + "
        f"cos(radians({em.param(lat0)})) * cos(radians({lat})) * "
        f"pow(sin(radians({lon} - {em.param(lon0)}) / 2), 2))))"
    )
    parts.append(f"{haversine} <= {em.param(meters)}")
    return "(" + " AND ".join(parts) + ")"


def _check_in_bbox(v: Checker, node: ast.Call) -> ast.Node:
    """in_bbox(field, lat1, lon1, lat2, lon2)"""
    _geo_field(v, node.args[0], node.name)
    for position, arg in enumerate(node.args[1:]):
        if not (isinstance(arg, ast.Literal) and arg.kind == "number"):
            raise v.error(
                arg,
                "in_bbox(champ, lat1, lon1, lat2, lon2) attend des nombres",
                "in_bbox(field, lat1, lon1, lat2, lon2) needs numbers",
            )
        limit = 90 if position % 2 == 0 else 180
        if abs(arg.value) > limit:
            raise v.error(
                arg,
                f"La {'latitude' if limit == 90 else 'longitude'} {arg.value} sort de [-{limit}, {limit}]",
                f"The {'latitude' if limit == 90 else 'longitude'} {arg.value} is outside [-{limit}, {limit}]",
            )
        arg.type = "decimal"
    node.type = "boolean"
    return node


def _emit_in_bbox(em: Writer, node: ast.Call) -> str:
    field = node.args[0]
    lat1, lon1, lat2, lon2 = (float(a.value) for a in node.args[1:])
    if field.type == "geometry":
        return f"ST_Intersects({em.geometry(field)}, {em.envelope(lat1, lon1, lat2, lon2)})"
    column = quote(field.column)
    lat, lon = f"struct_extract({column}, 'lat')", f"struct_extract({column}, 'lon')"
    return (
        f"({lat} BETWEEN {em.param(min(lat1, lat2))} AND {em.param(max(lat1, lat2))} AND "
        f"{lon} BETWEEN {em.param(min(lon1, lon2))} AND {em.param(max(lon1, lon2))})"
    )


# ---------------------------------------------------------------- grouping


def _check_range(v: Checker, node: ast.Call) -> ast.Node:
    arg = node.args[0] = v.expr(node.args[0])
    width = node.args[1]
    if arg.type in NUMERIC:
        if not (isinstance(width, ast.Literal) and width.kind == "number" and width.value > 0):
            raise v.error(
                width,
                "range(champ, largeur) attend une largeur positive, par exemple range(population, 1000)",
                "range(field, width) needs a positive width, for example range(population, 1000)",
            )
        width.type = "integer" if isinstance(width.value, int) else "decimal"
        node.type = "integer" if arg.type == "integer" and width.type == "integer" else "decimal"
        return node
    if arg.type not in TEMPORAL:
        raise _type_error(v, arg, "range", "un nombre ou une date", "a number or a date")
    if not isinstance(width, ast.Quantity):
        raise v.error(
            width,
            "Pour une date, écrivez range(champ, 1 day), range(champ, 1 month)…",
            "For a date, write range(field, 1 day), range(field, 1 month)…",
        )
    unit = INTERVAL_UNITS.get(width.unit) or INTERVAL_UNITS.get(
        width.unit.lower() if len(width.unit) > 2 else width.unit
    )
    if unit is None or width.value != int(width.value) or width.value < 1:
        raise v.error(
            width,
            "Intervalle illisible : écrivez par exemple 1 day, 6 hours, 1 month (unités ms, s, m, h, d, w, M, q, y)",
            "Unreadable interval: write for example 1 day, 6 hours, 1 month (units ms, s, m, h, d, w, M, q, y)",
        )
    count = int(width.value)
    if count > 1 and unit in ("week", "month", "quarter", "year"):
        raise v.error(
            width,
            f"Un intervalle de plusieurs {unit}s n'est pas pris en charge : utilisez 1 {unit}",
            f"An interval of several {unit}s is not supported: use 1 {unit}",
        )
    width.unit, width.value = unit, float(count)
    calendar_unit = unit in ("day", "week", "month", "quarter", "year")
    node.type = "date" if arg.type == "date" and calendar_unit else "datetime"
    return node


def _emit_range(em: Writer, node: ast.Call) -> str:
    arg, width = node.args
    value = em.emit(arg)
    if isinstance(width, ast.Literal):
        sql = f"(floor({value} / {em.param(width.value)}) * {em.param(width.value)})"
        return f"CAST({sql} AS BIGINT)" if node.type == "integer" else sql
    count, unit = int(width.value), width.unit
    if count == 1:
        sql = f"date_trunc('{unit}', {value})"
    else:
        function = {
            "millisecond": "to_milliseconds",
            "second": "to_seconds",
            "minute": "to_minutes",
            "hour": "to_hours",
            "day": "to_days",
        }[unit]
        sql = f"time_bucket({function}(CAST({em.param(count)} AS BIGINT)), {value})"
    return f"CAST({sql} AS DATE)" if node.type == "date" else sql


# ---------------------------------------------------------------- the registry


def _register(*functions: Function) -> None:
    for function in functions:
        REGISTRY[function.name] = function


_DATE_PARTS = {"year": None, "month": None, "day": None, "hour": None, "minute": None,
               "second": None, "quarter": None, "dayofweek": "isodow"}  # fmt: skip

_register(
    Function("count", AGGREGATE, (1,), _check_count, _emit_count, distinct=True),
    Function("sum", AGGREGATE, (1,), _check_numeric_aggregate, _emit_aggregate),
    Function("avg", AGGREGATE, (1,), _check_numeric_aggregate, _emit_aggregate),
    Function("median", AGGREGATE, (1,), _check_numeric_aggregate, _emit_aggregate),
    Function("min", AGGREGATE, (1,), _check_min_max, _emit_aggregate),
    Function("max", AGGREGATE, (1,), _check_min_max, _emit_aggregate),
    Function("percentile", AGGREGATE, (2,), _check_percentile, _emit_percentile),
    Function("now", SCALAR, (0,), _check_now, lambda em, node: em.param(em.now), volatile=True),
    Function(
        "ifnull",
        SCALAR,
        (2,),
        _check_ifnull,
        lambda em, node: f"coalesce({em.emit(node.args[0])}, {em.emit(node.args[1])})",
    ),
    Function("lower", SCALAR, (1,), _check_text_function, _emit_plain()),
    Function("upper", SCALAR, (1,), _check_text_function, _emit_plain()),
    Function("length", SCALAR, (1,), _check_text_function, _emit_plain()),
    *(
        Function(name, SCALAR, (1,), _check_date_part, _emit_plain(sql))
        for name, sql in _DATE_PARTS.items()
    ),
    Function("date_format", SCALAR, (2,), _check_date_format, _emit_date_format),
    Function("search", PREDICATE, None, _check_search, None),
    Function("startswith", PREDICATE, (2,), _check_startswith, _emit_startswith),
    *(
        Function(
            name,
            PREDICATE,
            (3,),
            _check_within_distance,
            _emit_within_distance,
            position_filter=True,
        )
        for name in ("within_distance", "distance")
    ),
    Function("in_bbox", PREDICATE, (5,), _check_in_bbox, _emit_in_bbox, position_filter=True),
    Function("range", GROUPING, (2,), _check_range, _emit_range),
)
