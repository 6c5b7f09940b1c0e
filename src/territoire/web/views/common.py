"""Small helpers shared by the portal's views."""

from __future__ import annotations

from django.urls import reverse

from territoire.territories import selectors as territory_selectors


def territory_url(territory) -> str:
    slug = territory_selectors.SLUG_OF_KIND[territory.kind]
    return reverse("web:territory", args=[slug, territory.code])


def service_url(service) -> str:
    return reverse("web:service", args=[service.organization.slug, service.slug])
