"""Reads of territories."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from territoire.core.errors import NotFound

from .models import Territory, TerritoryKind

KIND_SLUGS = {
    "regions": TerritoryKind.REGION,
    "departements": TerritoryKind.DEPARTEMENT,
    "epci": TerritoryKind.EPCI,
    "communes": TerritoryKind.COMMUNE,
    "communes-deleguees": TerritoryKind.COMMUNE_DELEGUEE,
    "communes-associees": TerritoryKind.COMMUNE_ASSOCIEE,
    "arrondissements": TerritoryKind.ARRONDISSEMENT,
    "quartiers": TerritoryKind.QUARTIER,
}
SLUG_OF_KIND = {kind: slug for slug, kind in KIND_SLUGS.items()}


def home_territory() -> Territory | None:
    """The territory this installation serves: TERRITOIRE_EPCI if set, else the first EPCI with members."""
    siren = getattr(settings, "TERRITOIRE_EPCI", None)
    qs = Territory.objects.filter(kind=TerritoryKind.EPCI)
    if siren:
        return qs.filter(code=siren).first()
    return qs.filter(memberships__isnull=False).order_by("id").first()


def territory_get(kind_slug: str, code: str) -> Territory:
    kind = KIND_SLUGS.get(kind_slug)
    territory = (
        Territory.objects.select_related("parent").filter(kind=kind, code=code).first()
        if kind
        else None
    )
    if territory is None:
        raise NotFound(
            f"Territoire {kind_slug}/{code} introuvable.",
            f"Territory {kind_slug}/{code} not found.",
            where="code",
        )
    return territory


def epci_communes(epci: Territory) -> QuerySet[Territory]:
    return epci.members.order_by("name")


def territory_children(territory: Territory) -> QuerySet[Territory]:
    if territory.kind == TerritoryKind.EPCI:
        return epci_communes(territory)
    return territory.children.order_by("name")


def territory_list(
    *,
    kind: str | None = None,
    parent_code: str | None = None,
    epci: str | None = None,
    q: str | None = None,
) -> QuerySet[Territory]:
    qs = Territory.objects.select_related("parent").defer("geometry")
    if kind:
        qs = qs.filter(kind=kind)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if epci:
        qs = qs.filter(epci_memberships__epci__code=epci)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("kind", "name")
