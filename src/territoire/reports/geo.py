"""Where a position falls: inside the territory (which commune, which quartier) or outside.

Territory shapes are GeoJSON (territories.Territory.geometry); a ray-casting test with a bounding
box first is enough at this scale, and holes (enclaves) are honoured."""

from __future__ import annotations

from dataclasses import dataclass

from territoire.territories.models import Territory, TerritoryKind
from territoire.territories.selectors import home_territory

# ~100 m: three decimals of a degree are 111 m of latitude and 81 m of longitude at 43° N.
PUBLIC_DECIMALS = 3


def _polygons(geometry: dict | None) -> list[list[list[list[float]]]]:
    if not geometry:
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return [coordinates]
    if kind == "MultiPolygon":
        return list(coordinates)
    return []


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


def contains(geometry: dict | None, lon: float, lat: float) -> bool:
    """Whether a (Multi)Polygon holds the position (inside an outer ring, outside its holes)."""
    for polygon in _polygons(geometry):
        if not polygon:
            continue
        outer = polygon[0]
        xs = [p[0] for p in outer]
        ys = [p[1] for p in outer]
        if not (min(xs) <= lon <= max(xs) and min(ys) <= lat <= max(ys)):
            continue
        if _in_ring(lon, lat, outer) and not any(_in_ring(lon, lat, h) for h in polygon[1:]):
            return True
    return False


@dataclass(frozen=True)
class Place:
    commune: Territory | None
    quartier: Territory | None


def locate(lon: float, lat: float) -> Place | None:
    """The commune (and quartier, if the territory has quartiers) of the home territory holding
    the position; None when it is outside the territory or the territory has no shapes."""
    home = home_territory()
    if home is None:
        return None
    if home.kind == TerritoryKind.EPCI:
        communes = home.members.exclude(geometry=None)
    else:
        communes = Territory.objects.filter(pk=home.pk).exclude(geometry=None)
    for commune in communes.only("pk", "name", "code", "kind", "geometry"):
        if contains(commune.geometry, lon, lat):
            quartier = next(
                (
                    q
                    for q in commune.children.filter(kind=TerritoryKind.QUARTIER)
                    .exclude(geometry=None)
                    .only("pk", "name", "code", "kind", "geometry")
                    if contains(q.geometry, lon, lat)
                ),
                None,
            )
            return Place(commune=commune, quartier=quartier)
    return None


def public_position(lat: float, lon: float) -> tuple[float, float]:
    """The position as published in the open dataset: rounded to ~100 m."""
    return round(lat, PUBLIC_DECIMALS), round(lon, PUBLIC_DECIMALS)
