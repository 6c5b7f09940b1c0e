"""The territories' shapes as the indicators use them: which commune or quartier holds a point
(the spatial join), and the area of a territory (per-km² values). Shapely 2 does the geometry:
each boundary prepared, then one vectorised point-in-polygon test over the points inside its
bounding box (bench/indicators.py: 100,000 points into the 31 communes of an EPCI).

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
    for geometry in geometries:
        shapely.prepare(geometry)
    return Boundaries(codes, geometries)


def locate_points(boundaries: Boundaries, lons, lats) -> list[str]:
    """The code of the boundary holding each (lon, lat), or "" (outside every one, or no
    position). Points on a shared border go to the first boundary by code. Each boundary,
    prepared, tests at once the points inside its bounding box (``contains_xy``: no point
    objects are made)."""
    lon = np.asarray(lons, dtype=float)
    lat = np.asarray(lats, dtype=float)
    found = np.full(len(lon), "", dtype=object)
    if not len(lon) or not boundaries.codes:
        return found.tolist()
    free = ~(np.isnan(lon) | np.isnan(lat))
    for code, geometry in zip(boundaries.codes, boundaries.geometries, strict=True):
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        candidates = np.flatnonzero(
            free & (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)
        )
        if not len(candidates):
            continue
        inside = candidates[shapely.intersects_xy(geometry, lon[candidates], lat[candidates])]
        found[inside] = code
        free[inside] = False
    return found.tolist()


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
