"""Coordinates made coarse: to the centre of a grid cell, or to the area (commune, quartier…)
that contains them. Both use DuckDB's ``spatial`` extension, loaded from its wheel.

The grid is the European INSPIRE grid in the ETRS89-LAEA projection (EPSG:3035), the one of
INSEE's gridded statistics (données carroyées, 200 m and 1 km cells): a point becomes the centre
of its cell, and the cell's INSPIRE identifier (``CRS3035RES200mN2845800E3454800``, lower-left
corner) can be added. Coordinates come either as separate latitude/longitude columns or as the
lake's ``geo_point`` (a STRUCT of lat and lon).
"""

from __future__ import annotations

from ..sql import quote
from .plan import Emitted, StepContext, StepKind, register
from .steps import NUMERIC, column, of_type, positive_number

POINT_TYPE = "STRUCT(lat DOUBLE, lon DOUBLE)"
TO_GRID = "'EPSG:4326', 'EPSG:3035', always_xy := true"
FROM_GRID = "'EPSG:3035', 'EPSG:4326', always_xy := true"


def _coordinates(step: dict, columns: dict[str, str], context: StepContext, prefix: str = ""):
    """(SQL of the longitude, of the latitude, columns holding them, point column or None)."""
    if "point" in step:
        if "latitude" in step or "longitude" in step:
            context.refuse(
                "indiquez soit point, soit latitude et longitude.",
                "give either point, or latitude and longitude.",
                "point",
            )
        name = column(step, columns, context, "point")
        if columns[name].replace('"', "").upper() != POINT_TYPE.upper():
            context.refuse(
                f"la colonne « {name} » n'est pas un point (lat, lon).",
                f"column '{name}' is not a (lat, lon) point.",
                "point",
            )
        return f"{prefix}{quote(name)}.lon", f"{prefix}{quote(name)}.lat", [name], name
    if "latitude" not in step or "longitude" not in step:
        context.refuse(
            "indiquez point, ou latitude et longitude.",
            "give point, or latitude and longitude.",
            "latitude",
        )
    latitude = column(step, columns, context, "latitude")
    longitude = column(step, columns, context, "longitude")
    for param, name in (("latitude", latitude), ("longitude", longitude)):
        of_type(name, columns, NUMERIC, ("un nombre", "a number"), context, param)
    return f"{prefix}{quote(longitude)}", f"{prefix}{quote(latitude)}", [latitude, longitude], None


def _new_column(step: dict, param: str, columns: dict[str, str], context: StepContext) -> str:
    name = step[param]
    if not isinstance(name, str) or not name or name in columns:
        context.refuse(
            f"« {name} » : un nom de nouvelle colonne, absent de la table, est attendu.",
            f"'{name}': the name of a new column, not already in the table, is expected.",
            param,
        )
    return name


def _grid(step, columns, source, context) -> Emitted:
    x, y, names, point = _coordinates(step, columns, context)
    size = positive_number(step, "cell_metres", context, whole=True)
    identifier = _new_column(step, "id_column", columns, context) if "id_column" in step else None
    if point:
        replaced = (
            "CASE WHEN __centre IS NULL THEN NULL ELSE "
            f"struct_pack(lat := ST_Y(__centre), lon := ST_X(__centre)) END AS {quote(point)}"
        )
    else:
        replaced = f"ST_Y(__centre) AS {quote(names[0])}, ST_X(__centre) AS {quote(names[1])}"
    params: list = []
    extra = ""
    if identifier:
        extra = (
            f", 'CRS3035RES' || ? || 'mN' || CAST(__y0 AS BIGINT) || 'E' || CAST(__x0 AS BIGINT)"
            f" AS {quote(identifier)}"
        )
        params.append(str(size))
    params += [size / 2, size / 2, size, size, size, size]
    sql = (
        f"SELECT * EXCLUDE (__grid, __x0, __y0, __centre) REPLACE ({replaced}){extra} FROM ("  # noqa: S608
        f"SELECT *, ST_Transform(ST_Point(__x0 + ?, __y0 + ?), {FROM_GRID}) AS __centre FROM ("
        f"SELECT *, floor(ST_X(__grid) / ?) * ? AS __x0, floor(ST_Y(__grid) / ?) * ? AS __y0 FROM ("
        f"SELECT *, ST_Transform(ST_Point({x}, {y}), {TO_GRID}) AS __grid FROM {source})))"
    )
    out = dict(columns)
    if identifier:
        out[identifier] = "VARCHAR"
    return Emitted(sql, params, out, {"spatial"})


def _area(step, columns, source, context) -> Emitted:
    x, y, names, _ = _coordinates(step, columns, context, "__points.")
    output = _new_column(step, "output", columns, context)
    name = step["boundaries"]
    if not isinstance(name, str) or not name:
        context.refuse("nommez les contours.", "name the boundaries.", "boundaries")
    code = step.get("code_column", "code")
    geometry = step.get("geometry_column", "geom")
    keep = step.get("keep_coordinates", False)
    table = quote(context.boundary_table(name))
    dropped = "" if keep else ", " + ", ".join(quote(n) for n in names)
    sql = (
        f"SELECT * EXCLUDE (__row{dropped}) FROM ("  # noqa: S608
        f"SELECT __points.*, __areas.{quote(code)} AS {quote(output)} FROM "
        f"(SELECT *, row_number() OVER () AS __row FROM {source}) AS __points "
        f"LEFT JOIN {table} AS __areas "
        f"ON ST_Intersects(__areas.{quote(geometry)}, ST_Point({x}, {y})) "
        f"QUALIFY row_number() OVER (PARTITION BY __row ORDER BY __areas.{quote(code)}) = 1"
        f") ORDER BY __row"
    )
    out = {k: v for k, v in columns.items() if keep or k not in names}
    out[output] = "VARCHAR"
    return Emitted(sql, [], out, {"spatial", f"boundaries:{name}"})


register(
    StepKind(
        "coordinates_to_grid",
        ("cell_metres",),
        ("point", "latitude", "longitude", "id_column"),
        _grid,
        "ramener des coordonnées au centre d'un carreau (grille INSPIRE, mètres)",
        "move coordinates to the centre of a grid cell (INSPIRE grid, metres)",
    )
)
register(
    StepKind(
        "coordinates_to_area",
        ("boundaries", "output"),
        ("point", "latitude", "longitude", "code_column", "geometry_column", "keep_coordinates"),
        _area,
        "remplacer des coordonnées par le code de la zone qui les contient (commune, quartier)",
        "replace coordinates by the code of the area containing them (commune, quartier)",
    )
)
