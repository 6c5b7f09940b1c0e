"""Territory pages: EPCI → communes → quartiers, with the data that covers each."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from territoire.catalog import selectors as catalog_selectors
from territoire.core.errors import NotFound
from territoire.indicators import selectors as indicator_selectors
from territoire.territories import selectors as territory_selectors
from territoire.territories.models import TerritoryKind

from ..maps import svg_map
from .common import territory_url


def territory_detail(request, kind: str, code: str):
    try:
        territory = territory_selectors.territory_get(kind, code)
    except NotFound:
        raise Http404 from None
    children = list(territory_selectors.territory_children(territory))
    items = [(c.geometry, c.name, territory_url(c)) for c in children if c.geometry] or (
        [(territory.geometry, territory.name, None)] if territory.geometry else []
    )
    visible = catalog_selectors.dataset_list_for_actor(request.user)
    datasets = list(visible.filter(territories=territory).distinct().order_by("title"))
    epcis = list(territory.epcis.all()) if territory.kind == TerritoryKind.COMMUNE else []
    # A dataset about the whole intercommunalité covers each of its communes too; a dataset
    # about a commune is part of what the intercommunalité offers.
    wider = []
    if epcis:
        wider = list(
            visible.filter(territories__in=epcis)
            .exclude(pk__in=[d.pk for d in datasets])
            .distinct()
            .order_by("title")
        )
    narrower = []
    if children:
        narrower = list(
            visible.filter(territories__in=children)
            .exclude(pk__in=[d.pk for d in datasets])
            .prefetch_related("territories")
            .distinct()
            .order_by("title")
        )
        child_ids = {c.pk for c in children}
        narrower = [
            (d, [t.name for t in d.territories.all() if t.pk in child_ids]) for d in narrower
        ]
    # The portal's navigation is EPCI → communes → quartiers: a commune sits under its EPCI.
    parent = epcis[0] if epcis else territory.parent
    return render(
        request,
        "web/territory.html",
        {
            "territory": territory,
            "children": [(c, territory_url(c)) for c in children],
            "territory_map": (
                svg_map(items, tile_url=settings.TERRITOIRE_TILE_URL) if items else None
            ),
            "datasets": datasets,
            "wider_datasets": wider,
            "narrower_datasets": narrower,
            "epcis": [(e, territory_url(e)) for e in epcis],
            "parent": parent,
            "parent_url": territory_url(parent) if parent else None,
            "indicators": (
                indicator_selectors.territory_indicators(request.user, territory.code)
                if territory.kind in (TerritoryKind.COMMUNE, TerritoryKind.QUARTIER)
                else []
            ),
        },
    )
