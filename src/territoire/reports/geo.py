"""Where a position falls: inside the territory (which commune, which quartier) or outside.

Territory shapes are GeoJSON (territories.Territory.geometry), tested by the territories' own
``geometry.contains_point`` (the proposals' check too): holes (enclaves) are honoured."""

from __future__ import annotations

from dataclasses import dataclass

from territoire.territories.geometry import contains_point
from territoire.territories.models import Territory, TerritoryKind
from territoire.territories.selectors import home_territory

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
