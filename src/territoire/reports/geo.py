"""Where a position falls: inside the territory (which commune, which quartier) or outside.

Territory shapes are GeoJSON (territories.Territory.geometry), tested by the territories' own
``geometry.contains_point`` (the proposals' check too): holes (enclaves) are honoured."""

from __future__ import annotations

import math
from dataclasses import dataclass

from territoire.core.errors import ValidationFailed
from territoire.territories.geometry import contains_point
from territoire.territories.models import Territory, TerritoryKind
from territoire.territories.selectors import home_territory

# The largest radius a list may be filtered by (Open311 ``radius``), in metres: a city's centre
# and more; past it the flat distance of ``Circle`` drifts (see selectors.within_circle).
MAX_RADIUS = 10_000
DEFAULT_RADIUS = 500

# ~100 m: three decimals of a degree are 111 m of latitude and 81 m of longitude at 43° N.
PUBLIC_DECIMALS = 3


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
        if contains_point(commune.geometry, lon, lat):
            quartier = next(
                (
                    q
                    for q in commune.children.filter(kind=TerritoryKind.QUARTIER)
                    .exclude(geometry=None)
                    .only("pk", "name", "code", "kind", "geometry")
                    if contains_point(q.geometry, lon, lat)
                ),
                None,
            )
            return Place(commune=commune, quartier=quartier)
    return None


def public_position(lat: float, lon: float) -> tuple[float, float]:
    """The position as published in the open dataset: rounded to ~100 m."""
    return round(lat, PUBLIC_DECIMALS), round(lon, PUBLIC_DECIMALS)


@dataclass(frozen=True)
class BoundingBox:
    """A WGS 84 box: ``west <= east`` and ``south <= north`` (no crossing of the antimeridian,
    which no French territory needs)."""

    west: float
    south: float
    east: float
    north: float


@dataclass(frozen=True)
class Circle:
    """A centre (WGS 84) and a radius in metres."""

    latitude: float
    longitude: float
    radius: float

    def metres_per_degree(self) -> tuple[float, float]:
        """Metres in a degree of latitude and of longitude at the centre (WGS 84 ellipsoid)."""
        phi = math.radians(self.latitude)
        per_lat = 111_132.92 - 559.82 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
        per_lon = 111_412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi)
        return per_lat, per_lon

    def enclosing_box(self) -> BoundingBox:
        per_lat, per_lon = self.metres_per_degree()
        # The box is widened by 1 % so that the flat distance decides alone at its edges.
        d_lat, d_lon = 1.01 * self.radius / per_lat, 1.01 * self.radius / max(per_lon, 1.0)
        return BoundingBox(
            self.longitude - d_lon, self.latitude - d_lat,
            self.longitude + d_lon, self.latitude + d_lat,
        )  # fmt: skip


def _number(raw, *, where: str, label: str, low: float, high: float) -> float:
    try:
        value = float(str(raw).strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise ValidationFailed(
            f"{label} : « {str(raw)[:30]} » n'est pas un nombre entre {low:g} et {high:g}.",
            f"{label}: '{str(raw)[:30]}' is not a number between {low:g} and {high:g}.",
            where=where,
        )
    return value


def bbox_parse(raw: str, *, where: str = "bbox") -> BoundingBox:
    """``west,south,east,north`` in decimal degrees (the order of OGC API and GeoJSON)."""
    parts = raw.split(",")
    if len(parts) != 4:
        raise ValidationFailed(
            f"{where} : quatre nombres séparés par des virgules, ouest,sud,est,nord "
            "(par exemple 3.80,43.56,3.94,43.65).",
            f"{where}: four numbers separated by commas, west,south,east,north "
            "(e.g. 3.80,43.56,3.94,43.65).",
            where=where,
        )
    west, east = (_number(parts[i], where=where, label=where, low=-180, high=180) for i in (0, 2))
    south, north = (_number(parts[i], where=where, label=where, low=-90, high=90) for i in (1, 3))
    if west > east or south > north:
        raise ValidationFailed(
            f"{where} : l'ouest ne peut dépasser l'est, ni le sud le nord "
            "(ordre ouest,sud,est,nord).",
            f"{where}: west may not exceed east, nor south exceed north "
            "(order west,south,east,north).",
            where=where,
        )
    return BoundingBox(west, south, east, north)


def circle_parse(latitude, longitude, radius) -> Circle:
    """Open311's ``lat``, ``long`` and ``radius`` (metres, ``DEFAULT_RADIUS`` when absent, at
    most ``MAX_RADIUS``)."""
    if latitude in (None, "") or longitude in (None, ""):
        raise ValidationFailed(
            "lat et long vont ensemble (et radius avec eux) : donnez les deux, en degrés décimaux.",
            "lat and long go together (and radius with them): give both, in decimal degrees.",
            where="lat" if latitude in (None, "") else "long",
        )
    lat = _number(latitude, where="lat", label="lat", low=-90, high=90)
    lon = _number(longitude, where="long", label="long", low=-180, high=180)
    metres = (
        DEFAULT_RADIUS
        if radius in (None, "")
        else _number(radius, where="radius", label="radius (m)", low=1, high=MAX_RADIUS)
    )
    return Circle(lat, lon, metres)
