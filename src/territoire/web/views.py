"""Portal pages. Views stay thin: they call selectors and render."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from territoire.catalog import selectors as catalog_selectors
from territoire.catalog import services as catalog_services
from territoire.core.errors import NotFound
from territoire.territories import selectors as territory_selectors
from territoire.territories.models import TerritoryKind

from .maps import svg_map


def _territory_url(territory) -> str:
    slug = territory_selectors.SLUG_OF_KIND[territory.kind]
    return reverse("web:territory", args=[slug, territory.code])


def home(request):
    epci = territory_selectors.home_territory()
    communes = list(territory_selectors.epci_communes(epci)) if epci else []
    datasets = catalog_selectors.dataset_list_for_actor(request.user)
    stats = datasets.aggregate(count=Count("id"), last=Max("modified_at"))
    latest = datasets.order_by("-modified_at")[:6]
    territory_map = (
        svg_map([(c.geometry, c.name, _territory_url(c)) for c in communes]) if communes else None
    )
    total_population = sum(c.population or 0 for c in communes)
    return render(
        request,
        "web/home.html",
        {
            "epci": epci,
            "communes": [(c, _territory_url(c)) for c in communes],
            "territory_map": territory_map,
            "total_population": total_population,
            "dataset_count": stats["count"],
            "last_update": stats["last"],
            "latest_datasets": latest,
            "service_count": datasets.values("publisher_service").distinct().count(),
        },
    )


def territory_detail(request, kind: str, code: str):
    try:
        territory = territory_selectors.territory_get(kind, code)
    except NotFound:
        raise Http404 from None
    children = list(territory_selectors.territory_children(territory).defer(None))
    items = [(c.geometry, c.name, _territory_url(c)) for c in children if c.geometry] or (
        [(territory.geometry, territory.name, None)] if territory.geometry else []
    )
    datasets = (
        catalog_selectors.dataset_list_for_actor(request.user)
        .filter(territories=territory)
        .distinct()
    )
    epcis = territory.epcis.all() if territory.kind == TerritoryKind.COMMUNE else []
    return render(
        request,
        "web/territory.html",
        {
            "territory": territory,
            "children": [(c, _territory_url(c)) for c in children],
            "territory_map": svg_map(items) if items else None,
            "datasets": datasets,
            "epcis": [(e, _territory_url(e)) for e in epcis],
            "parent_url": _territory_url(territory.parent) if territory.parent else None,
        },
    )


def dataset_list(request):
    datasets = catalog_selectors.dataset_list_for_actor(request.user).prefetch_related("themes")
    query = request.GET.get("q", "").strip()
    if query:
        datasets = datasets.filter(title__icontains=query) | datasets.filter(
            description__icontains=query
        )
    page = Paginator(datasets.order_by("title"), 20).get_page(request.GET.get("page"))
    return render(request, "web/dataset_list.html", {"page": page, "query": query})


def dataset_detail(request, slug: str):
    try:
        dataset = catalog_selectors.dataset_get_for_actor(request.user, slug)
    except NotFound:
        raise Http404 from None
    catalog_services.dataset_read_record(
        actor=request.user,
        dataset=dataset,
        channel="portail",
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return render(
        request,
        "web/dataset_detail.html",
        {
            "dataset": dataset,
            "distributions": dataset.distributions.all(),
            "territories": [(t, _territory_url(t)) for t in dataset.territories.all()],
            "themes": dataset.themes.all(),
        },
    )


def accessibility(request):
    return render(request, "web/accessibility.html")


def legal(request):
    return render(request, "web/legal.html")
