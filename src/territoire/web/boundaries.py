"""The communes' shapes drawn under the portal's maps (a dataset's points, the reports, the
proposals, the point pickers), decoded once per process and kept by ``web.memo``."""

from __future__ import annotations

from territoire.territories.models import Territory, TerritoryKind
from territoire.territories.selectors import home_territory

from . import memo


def boundaries(territories: list[Territory]) -> list[tuple[dict, str]]:
    """(shape, name) of the communes of ``territories`` (an EPCI: its communes); none given:
    the communes of the home territory."""
    ids = [t.pk for t in territories]
    return memo.remember(("boundaries", tuple(sorted(ids))), lambda: _load(ids))


def home_boundaries() -> list[tuple[dict, str]]:
    """(shape, name) of the home territory's communes."""
    return boundaries([])


def _load(ids: list[int]) -> list[tuple[dict, str]]:
    communes = Territory.objects.filter(
        epci_memberships__epci_id__in=ids
    ) | Territory.objects.filter(pk__in=ids, kind=TerritoryKind.COMMUNE)
    if not ids:
        home = home_territory()
        communes = home.members.all() if home else Territory.objects.none()
    return [
        (t.geometry, t.name)
        for t in communes.distinct().order_by("name").only("name", "geometry")
        if t.geometry
    ]
