"""Producer services: who publishes what (Direction de l'eau, Finances…)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render

from territoire.catalog import selectors as catalog_selectors
from territoire.organizations.models import Service

from .. import catalogue


def service_list(request):
    visible = catalog_selectors.dataset_list_for_actor(request.user)
    services = (
        Service.objects.select_related("organization")
        .annotate(n=Count("datasets", filter=Q(datasets__in=visible.values("pk")), distinct=True))
        .order_by("organization__name", "name")
    )
    return render(request, "web/service_list.html", {"services": services})


def service_detail(request, organization: str, service: str):
    found = (
        Service.objects.select_related("organization")
        .filter(organization__slug=organization, slug=service)
        .first()
    )
    if found is None:
        raise Http404
    visible = catalog_selectors.dataset_list_for_actor(request.user).filter(publisher_service=found)
    result = catalogue.search(request.user, visible, query="", selected={}, sort="titre")
    return render(
        request,
        "web/service_detail.html",
        {"service": found, "hits": result.hits, "facets": result.facets},
    )
