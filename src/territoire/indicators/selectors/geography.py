"""The territories' shapes as the indicators use them: which commune or quartier holds a point
(the spatial join), and the area of a territory (per-km² values). Shapely 2 does the geometry:
one STRtree over the boundaries, then a vectorised point-in-polygon test — 100,000 points into
the 31 communes of an EPCI in well under a second (bench/indicators.py).

Areas: the boundaries are in WGS 84 (longitude, latitude). Each one is projected onto a local
equal-area plane (longitude scaled by the cosine of its mean latitude, both in metres on a sphere
of the IUGG mean radius) before Shapely measures it: at the scale of a commune the error is
below 0.5 % — far under the simplification of the IGN boundaries themselves."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import shape

from territoire.territories.models import Territory

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Boundaries:
    """The shapes of one kind of territory, indexed for point lookups."""

    codes: tuple[str, ...]
    geometries: tuple
    tree: shapely.STRtree


def _boundaries_rows(kind: str) -> list[tuple[str, dict]]:
    return [
        (code, geometry)
        for code, geometry in Territory.objects.filter(kind=kind, geometry__isnull=False)
        .order_by("code")
        .values_list("code", "geometry")
        if geometry
    ]


def boundaries_of(kind: str) -> Boundaries:
    """Every territory of ``kind`` ("commune", "quartier") that has a shape."""
    rows = _boundaries_rows(kind)
    codes = tuple(code for code, _ in rows)
    geometries = tuple(shapely.make_valid(shape(geometry)) for _, geometry in rows)
    return Boundaries(codes, geometries, shapely.STRtree(list(geometries)))


def locate_points(boundaries: Boundaries, lons, lats) -> list[str]:
    """The code of the boundary holding each (lon, lat), or "" (outside every one, or no
    position). Points on a shared border go to the first boundary by code."""
    lon = np.asarray(lons, dtype=float)
    lat = np.asarray(lats, dtype=float)
    found = [""] * len(lon)
    if not len(lon) or not boundaries.codes:
        return found
    valid = ~(np.isnan(lon) | np.isnan(lat))
    points = shapely.points(np.where(valid, lon, 0.0), np.where(valid, lat, 0.0))
    point_index, shape_index = boundaries.tree.query(points, predicate="intersects")
    for p, g in zip(point_index.tolist(), shape_index.tolist(), strict=True):
        if valid[p] and (not found[p] or boundaries.codes[g] < found[p]):
            found[p] = boundaries.codes[g]
    return found


@lru_cache(maxsize=4096)
def _area_of(text: str) -> float | None:
    geometry = shapely.make_valid(shape(json.loads(text)))
    if geometry.is_empty:
        return None
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    k = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = math.radians(1) * EARTH_RADIUS_M
    projected = shapely.transform(geometry, lambda xy: xy * np.array([scale * k, scale]))
    area = projected.area / 1_000_000
    return area or None


def area_km2(geometry: dict | None) -> float | None:
    """The area of a GeoJSON (multi)polygon in WGS 84, in km²; None without a shape."""
    if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    return _area_of(json.dumps(geometry, sort_keys=True))
