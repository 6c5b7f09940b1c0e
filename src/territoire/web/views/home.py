"""Home of the territory: what it is, key figures, themes, latest and most viewed datasets."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Max, Sum
from django.shortcuts import render
from django.utils import timezone

from territoire.catalog import selectors as catalog_selectors
from territoire.catalog.models import Theme
from territoire.territories import selectors as territory_selectors

from .. import memo
from ..maps import svg_map
from ..models import DatasetDailyViews
from .common import territory_url

POPULAR_DAYS = 30


def _map(epci, tile_url: str):
    communes = territory_selectors.epci_communes(epci).only("kind", "code", "name", "geometry")
    return svg_map([(c.geometry, c.name, territory_url(c)) for c in communes], tile_url=tile_url)


def home(request):
    epci = territory_selectors.home_territory()
    communes = list(territory_selectors.epci_communes(epci).defer("geometry")) if epci else []
    datasets = catalog_selectors.dataset_list_for_actor(request.user)
    stats = datasets.aggregate(
        count=Count("id"),
        last=Max("modified_at"),
        services=Count("publisher_service", distinct=True),
    )
    latest = list(datasets.order_by("-modified_at")[:6])
    since = timezone.localdate() - dt.timedelta(days=POPULAR_DAYS)
    popular_ids = list(
        DatasetDailyViews.objects.filter(day__gte=since, dataset__in=datasets.values("pk"))
        .values("dataset_id")
        .annotate(views=Sum("count"))
        .order_by("-views", "dataset_id")
        .values_list("dataset_id", "views")[:6]
    )
    popular_map = {d.pk: d for d in datasets.filter(pk__in=[pk for pk, _v in popular_ids])}
    popular = [(popular_map[pk], views) for pk, views in popular_ids if pk in popular_map]
    themes = list(
        Theme.objects.filter(datasets__in=datasets.values("pk"))
        .annotate(n=Count("datasets", distinct=True))
        .order_by("-n", "label_fr")
    )
    tile_url = settings.TERRITOIRE_TILE_URL
    territory_map = (
        memo.remember(
            ("home-map", epci.pk, tuple(c.pk for c in communes), tile_url),
            lambda: _map(epci, tile_url),
        )
        if communes
        else None
    )
    return render(
        request,
        "web/home.html",
        {
            "epci": epci,
            "communes": [(c, territory_url(c)) for c in communes],
            "territory_map": territory_map,
            "total_population": sum(c.population or 0 for c in communes),
            "dataset_count": stats["count"],
            "last_update": stats["last"],
            "latest_datasets": latest,
            "popular_datasets": popular,
            "popular_days": POPULAR_DAYS,
            "themes": themes,
            "service_count": stats["services"],
        },
    )
