"""The catalogue in the native API: the datasets an actor may see.

The operation ids are those these endpoints had when they lived in api/api.py: they are part of the
committed OpenAPI document (docs/openapi.json) that generated clients rely on.
"""

from __future__ import annotations

from ninja import Query, Router

from territoire.accounts.authentication import actor_of
from territoire.core import ratelimit
from territoire.core.schemas import COMMON_ERRORS, MAX_OFFSET, ErrorOut

from . import selectors, services
from .models import Dataset
from .schemas import DatasetOut

router = Router(tags=["catalogue"])


def _dataset_out(d: Dataset) -> dict:
    return {
        "slug": d.slug,
        "title": d.title,
        "description": d.description,
        "publisher": d.publisher.name,
        "publisher_service": d.publisher_service.name if d.publisher_service else None,
        "access_level": d.access_level,
        "is_published": d.is_published,
        "licence": d.licence,
        "frequency": d.frequency,
        "themes": [t.code for t in d.themes.all()],
        "keywords": d.keywords,
        "territories": [t.code for t in d.territories.all()],
        "created_at": d.created_at,
        "modified_at": d.modified_at,
    }


@router.get(
    "/datasets",
    response={200: list[DatasetOut], **COMMON_ERRORS},
    summary="Lister les jeux de données visibles",
    operation_id="territoire_api_api_dataset_list",
)
def dataset_list(
    request,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    actor = actor_of(request)
    qs = selectors.dataset_list_for_actor(actor).prefetch_related("themes", "territories")[
        offset : offset + limit
    ]
    return [_dataset_out(d) for d in qs]


@router.get(
    "/datasets/{slug}",
    response={200: DatasetOut, 404: ErrorOut, **COMMON_ERRORS},
    summary="Un jeu de données",
    operation_id="territoire_api_api_dataset_detail",
)
def dataset_detail(request, slug: str):
    actor = actor_of(request)
    dataset = selectors.dataset_get_for_actor(actor, slug)
    services.dataset_read_record(
        actor=actor, dataset=dataset, channel="api/v1", ip_address=ratelimit.client_ip(request)
    )
    return _dataset_out(dataset)
