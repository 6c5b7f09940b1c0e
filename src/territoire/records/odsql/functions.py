"""The function whitelist: where each function may appear, its arguments and its result type."""

from __future__ import annotations

import difflib

from . import ast
from .dateformat import translate
from .literals import LiteralError
from .validate import (
    AGGREGATES,
    DATE_PARTS,
    FUNCTIONS,
    GEO,
    NUMERIC,
    PREDICATES,
    TEMPORAL,
    Validator,
    interval_unit,
    quantity_meters,
)


def check_call(v: Validator, node: ast.Call) -> ast.Node:
    name = node.name
    if name not in FUNCTIONS:
        close = difflib.get_close_matches(name, sorted(FUNCTIONS), n=1, cutoff=0.6)
        raise v.error(
            node,
            f"La fonction « {name} » n'existe pas."
            + (f" Vouliez-vous dire « {close[0]} » ?" if close else "")
            + f" Fonctions disponibles : {', '.join(sorted(FUNCTIONS))}",
            f"Function '{name}' does not exist."
            + (f" Did you mean '{close[0]}'?" if close else "")
            + f" Available functions: {', '.join(sorted(FUNCTIONS))}",
        )
    if node.distinct and name != "count":
        raise v.error(
            node,
            "distinct n'est permis que dans count(distinct champ)",
            "distinct is only allowed in count(distinct field)",
        )
    if name in AGGREGATES:
        return _aggregate(v, node)
    if name in PREDICATES:
        if v.clause != "where":
            raise v.error(
                node,
                f"La fonction de filtre {name}() ne s'utilise que dans where",
                f"Filter function {name}() can only be used in where",
            )
        return _predicate(v, node)
    if name == "range":
        return _range(v, node)
    return _scalar(v, node)


def _arity(v: Validator, node: ast.Call, *counts: int) -> None:
    if len(node.args) not in counts:
        expected = " ou ".join(str(c) for c in counts)
        raise v.error(
            node,
            f"{node.name}() attend {expected} argument(s), pas {len(node.args)}",
            f"{node.name}() takes {' or '.join(str(c) for c in counts)} argument(s), not {len(node.args)}",
        )


def _type_error(v: Validator, node: ast.Node, function: str, wanted_fr: str, wanted_en: str):
    return v.error(
        node,
        f"{function}() attend {wanted_fr} ; {v._name(node)} ne convient pas",
        f"{function}() needs {wanted_en}; {v._name_en(node)} does not fit",
    )


def _string_literal(v: Validator, node: ast.Node, function: str) -> str:
    if not (isinstance(node, ast.Literal) and node.kind == "string"):
        raise v.error(
            node,
            f"{function}() attend ici une chaîne entre guillemets",
            f"{function}() needs a quoted string here",
        )
    return node.value


def _aggregate(v: Validator, node: ast.Call) -> ast.Node:
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
    v.saw_aggregate = True
    v.in_aggregate = True
    try:
        if name == "count":
            _arity(v, node, 1)
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
        if name == "percentile":
            _arity(v, node, 2)
        else:
            _arity(v, node, 1)
        arg = node.args[0] = v.expr(node.args[0])
        if name in ("min", "max"):
            if arg.type in GEO or arg.type in ("null", "datelit", "geomlit", "quantity"):
                raise _type_error(
                    v, arg, name, "un nombre, une date ou un texte", "a number, a date or a text"
                )
            node.type = arg.type
            return node
        if arg.type not in NUMERIC:
            raise _type_error(v, arg, name, "un nombre", "a number")
        if name == "percentile":
            p = node.args[1]
            if not (isinstance(p, ast.Literal) and p.kind == "number" and 0 <= p.value <= 100):
                raise v.error(
                    p,
                    "Le percentile est un nombre entre 0 et 100",
                    "The percentile is a number between 0 and 100",
                )
            p.type = "decimal"
        node.type = arg.type if name == "sum" else "decimal"
        return node
    finally:
        v.in_aggregate = False


def _scalar(v: Validator, node: ast.Call) -> ast.Node:
    name = node.name
    if name == "now":
        _arity(v, node, 0)
        node.type = "datetime"
        return node
    if name == "ifnull":
        _arity(v, node, 2)
        first = node.args[0] = v.expr(node.args[0])
        if first.type in GEO:
            raise _type_error(
                v,
                first,
                name,
                "une valeur qui ne soit pas une position",
                "a value that is not a location",
            )
        node.args[1] = v.coerce(v.expr(node.args[1]), first)
        node.type = first.type
        return node
    if name == "date_format":
        _arity(v, node, 2)
    else:
        _arity(v, node, 1)
    arg = node.args[0] = v.expr(node.args[0])
    if name in ("lower", "upper", "length"):
        if arg.type != "text":
            raise _type_error(v, arg, name, "un texte", "a text")
        node.type = "integer" if name == "length" else "text"
        return node
    if arg.type not in TEMPORAL:
        raise _type_error(v, arg, name, "un champ date", "a date field")
    if name in DATE_PARTS:
        node.type = "integer"
        return node
    pattern_node = node.args[1]
    pattern = _string_literal(v, pattern_node, name)
    try:
        translate(pattern)
    except LiteralError as exc:
        offset = getattr(exc, "offset", 0)
        raise v.error(pattern_node.pos + 1 + offset, exc.message_fr, exc.message_en) from None
    node.type = "text"
    return node


def _geo_field(v: Validator, node: ast.Node, function: str) -> ast.Field:
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


def _predicate(v: Validator, node: ast.Call) -> ast.Node:
    name = node.name
    if name == "search":
        if len(node.args) < 2:
            raise v.error(
                node,
                'search() s\'écrit search(champ, "texte") ou search(*, "texte")',
                'search() is written search(field, "text") or search(*, "text")',
            )
        text = _string_literal(v, node.args[-1], name)
        targets = node.args[:-1]
        if any(isinstance(t, ast.Star) for t in targets):
            if len(targets) > 1:
                raise v.error(
                    node,
                    'search(*, "texte") ne prend pas d\'autre champ',
                    'search(*, "text") takes no other field',
                )
            fields = []
        else:
            fields = []
            for target in targets:
                if not isinstance(target, ast.Field):
                    raise v.error(
                        target,
                        "search() cherche dans des champs : nommez-les ou écrivez *",
                        "search() looks in fields: name them or write *",
                    )
                fields.append(target)
        return v.predicate(ast.Search(text, fields, pos=node.pos))
    if name == "startswith":
        _arity(v, node, 2)
        arg = node.args[0] = v.expr(node.args[0])
        if arg.type in GEO:
            raise _type_error(v, arg, name, "un texte", "a text")
        _string_literal(v, node.args[1], name)
        node.args[1].type = "text"
        node.type = "boolean"
        return node
    if name in ("within_distance", "distance"):
        _arity(v, node, 3)
        node.name = "within_distance"
        _geo_field(v, node.args[0], name)
        if not isinstance(node.args[1], ast.GeomLiteral):
            raise v.error(
                node.args[1],
                "Le centre s'écrit geom'POINT(longitude latitude)'",
                "The centre is written geom'POINT(longitude latitude)'",
            )
        node.args[2] = ast.Literal(
            quantity_meters(v, node.args[2]), "number", "", pos=node.args[2].pos, type="decimal"
        )
        node.type = "boolean"
        return node
    # in_bbox(field, lat1, lon1, lat2, lon2)
    _arity(v, node, 5)
    _geo_field(v, node.args[0], name)
    for position, arg in enumerate(node.args[1:]):
        if not (isinstance(arg, ast.Literal) and arg.kind == "number"):
            raise v.error(
                arg,
                "in_bbox(champ, lat1, lon1, lat2, lon2) attend des nombres",
                "in_bbox(field, lat1, lon1, lat2, lon2) needs numbers",
            )
        limit = 90 if position % 2 == 0 else 180
        if abs(arg.value) > limit:
            what = ("latitude", "latitude") if limit == 90 else ("longitude", "longitude")
            raise v.error(
                arg,
                f"La {what[0]} {arg.value} sort de [-{limit}, {limit}]",
                f"The {what[1]} {arg.value} is outside [-{limit}, {limit}]",
            )
        arg.type = "decimal"
    node.type = "boolean"
    return node


def _range(v: Validator, node: ast.Call) -> ast.Node:
    if not v.allow_range:
        raise v.error(
            node, "range() ne s'utilise que dans group_by", "range() can only be used in group_by"
        )
    _arity(v, node, 2)
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
    if arg.type in TEMPORAL:
        if isinstance(width, ast.Quantity):
            count, unit = interval_unit(v, width)
        else:
            raise v.error(
                width,
                "Pour une date, écrivez range(champ, 1 day), range(champ, 1 month)…",
                "For a date, write range(field, 1 day), range(field, 1 month)…",
            )
        if count > 1 and unit in ("week", "month", "quarter", "year"):
            raise v.error(
                width,
                f"Un intervalle de plusieurs {unit}s n'est pas pris en charge : utilisez 1 {unit}",
                f"An interval of several {unit}s is not supported: use 1 {unit}",
            )
        width.unit, width.value = unit, float(count)
        node.type = (
            "date"
            if arg.type == "date" and unit in ("day", "week", "month", "quarter", "year")
            else "datetime"
        )
        return node
    raise _type_error(v, arg, "range", "un nombre ou une date", "a number or a date")
