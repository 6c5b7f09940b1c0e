"""The catalogue in the native API: the datasets an actor may see.

The operation ids are those these endpoints had when they lived in api/api.py: they are part of the
committed OpenAPI document (docs/openapi.json) that generated clients rely on.
"""

from __future__ import annotations

from ninja import Query, Router

from territoire.accounts.authentication import actor_of, writer_of
from territoire.core import ratelimit
from territoire.core.schemas import COMMON_ERRORS, MAX_OFFSET, ErrorOut

from . import selectors, services
from .models import Dataset
from .schemas import DatasetOut, DecisionIn, PublicationIn, PublicationOut

router = Router(tags=["catalogue"])

WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, **COMMON_ERRORS}

# The workflow's steps, each one call of the publication service.
PUBLICATION_STEPS = {
    "submit": lambda actor, d, comment: services.dataset_submit(
        actor=actor, dataset=d, comment=comment
    ),
    "publish": lambda actor, d, comment: services.dataset_publish(
        actor=actor, dataset=d, reason=comment
    ),
    "unpublish": lambda actor, d, comment: services.dataset_unpublish(
        actor=actor, dataset=d, reason=comment
    ),
    "send_back": lambda actor, d, comment: services.dataset_send_back(
        actor=actor, dataset=d, comment=comment
    ),
    "request_decision": lambda actor, d, comment: services.personal_data_review_request(
        actor=actor, dataset=d, comment=comment
    ),
}


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


def _publication_out(d: Dataset) -> dict:
    return {
        "slug": d.slug,
        "publication_state": d.publication_state,
        "is_published": d.is_published,
        "review_required": selectors.publication_review_required(d),
        "review_comment": d.review_comment,
        "personal_data_review_requested": d.personal_data_review_requested_at is not None,
    }


@router.post(
    "/datasets/{slug}/publication",
    response={200: PublicationOut, **WRITE_ERRORS},
    summary="Faire avancer la publication d'un jeu de données",
    description=(
        "Soumettre, publier, dépublier, renvoyer au relais ou demander une décision sur les "
        "données personnelles — les règles sont celles de l'espace de travail et de "
        "l'administration (relecture, données personnelles). Jeton « write » ou session."
    ),
    operation_id="catalog_dataset_publication",
)
def dataset_publication(request, slug: str, payload: PublicationIn):
    actor = writer_of(request)
    dataset = selectors.dataset_get_editable(actor, slug)
    PUBLICATION_STEPS[payload.action](actor, dataset, payload.comment)
    return _publication_out(dataset)


@router.post(
    "/datasets/{slug}/personal-data-decision",
    response={200: PublicationOut, **WRITE_ERRORS},
    summary="Décider de la publication de données personnelles",
    description="Réservé à l'administrateur des données ; le motif est obligatoire.",
    operation_id="catalog_dataset_personal_data_decision",
)
def dataset_personal_data_decision(request, slug: str, payload: DecisionIn):
    actor = writer_of(request)
    dataset = selectors.dataset_get_editable(actor, slug)
    services.personal_data_decision_record(
        actor=actor, dataset=dataset, decision=payload.decision, reason=payload.reason
    )
    return _publication_out(dataset)
