"""Plane geometry on the territories' GeoJSON outlines, without a GIS library: small enough here.

Longitudes and latitudes are treated as plane coordinates, which is exact for "inside or not"
away from the antimeridian (French territories are)."""

from __future__ import annotations


def _in_ring(lon: float, lat: float, ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / ((yj - yi) or 1e-12) + xi:
            inside = not inside
        j = i
    return inside


def _polygons(geometry: dict | None) -> list:
    if not geometry:
        return []
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry.get("coordinates") or []]
    if kind == "MultiPolygon":
        return list(geometry.get("coordinates") or [])
    if kind == "GeometryCollection":
        return [p for g in geometry.get("geometries") or [] for p in _polygons(g)]
    if kind == "Feature":
        return _polygons(geometry.get("geometry"))
    return []


def contains_point(geometry: dict | None, lon: float, lat: float) -> bool:
    """Whether a (Multi)Polygon holds the point: inside its outer ring and outside its holes."""
    for polygon in _polygons(geometry):
        if not polygon:
            continue
        outer = polygon[0]
        xs, ys = [p[0] for p in outer], [p[1] for p in outer]
        if not (min(xs) <= lon <= max(xs) and min(ys) <= lat <= max(ys)):
            continue  # outside the ring's bounding box: no need to cast the ray
        if not _in_ring(lon, lat, outer):
            continue
        if not any(_in_ring(lon, lat, hole) for hole in polygon[1:]):
            return True
    return False
