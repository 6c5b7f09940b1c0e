"""Territories in the native API, and the status of the service (which territory it serves).

The operation ids are those these endpoints had when they lived in api/api.py: they are part of the
committed OpenAPI document (docs/openapi.json) that generated clients rely on.
"""

from __future__ import annotations

from ninja import Query, Router

import territoire
from territoire.accounts.authentication import actor_of
from territoire.core.schemas import COMMON_ERRORS, MAX_OFFSET, ErrorOut

from . import selectors
from .models import Territory
from .schemas import StatusOut, TerritoryDetailOut, TerritoryOut

router = Router(tags=["territoires"])


def _territory_out(t: Territory) -> dict:
    return {
        "kind": t.kind,
        "code": t.code,
        "name": t.name,
        "siren": t.siren,
        "population": t.population,
        "parent_code": t.parent.code if t.parent_id and t.parent else None,
        "departement_code": t.departement_code,
    }


@router.get(
    "/status",
    response=StatusOut,
    tags=["service"],
    summary="État du service",
    operation_id="territoire_api_api_status",
)
def status(request):
    home = selectors.home_territory()
    return {
        "status": "ok",
        "version": territoire.__version__,
        "territory": home.name if home else None,
    }


@router.get(
    "/territories",
    response={200: list[TerritoryOut], **COMMON_ERRORS},
    summary="Lister les territoires",
    operation_id="territoire_api_api_territory_list",
)
def territory_list(
    request,
    kind: str | None = Query(None, description="region, departement, epci, commune, quartier…"),
    epci: str | None = Query(None, description="SIREN d'un EPCI : ses communes membres"),
    q: str | None = Query(None, description="Nom contenant ce texte"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    actor_of(request)
    qs = selectors.territory_list(kind=kind, epci=epci, q=q)[offset : offset + limit]
    return [_territory_out(t) for t in qs]


@router.get(
    "/territories/{kind}/{code}",
    response={200: TerritoryDetailOut, 404: ErrorOut, **COMMON_ERRORS},
    summary="Un territoire, ses membres et son contour",
    operation_id="territoire_api_api_territory_detail",
)
def territory_detail(request, kind: str, code: str):
    actor_of(request)
    territory = selectors.territory_get(kind, code)
    members = selectors.territory_children(territory).select_related("parent").defer("geometry")
    return {
        **_territory_out(territory),
        "members": [_territory_out(m) for m in members],
        "geometry": territory.geometry,
    }
