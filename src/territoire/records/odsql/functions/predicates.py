"""Filter functions, in where only: search, startswith, within_distance (distance), in_bbox."""

from __future__ import annotations

import math

from ...columns import GEO, quote
from .. import ast
from ..literals import DISTANCE_UNITS
from .registry import PREDICATE, Checker, Function, Writer, register, string_literal, type_error

EARTH_RADIUS_M = 6371008.8


def _check_search(v: Checker, node: ast.Call) -> ast.Node:
    if len(node.args) < 2:
        raise v.error(
            node,
            'search() s\'écrit search(champ, "texte") ou search(*, "texte")',
            'search() is written search(field, "text") or search(*, "text")',
        )
    text = string_literal(v, node.args[-1], node.name)
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
        raise type_error(v, arg, node.name, "un texte", "a text")
    string_literal(v, node.args[1], node.name)
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


register(
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
)
