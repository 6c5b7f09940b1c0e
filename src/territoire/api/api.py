"""The native API (/api/v1/): thin routers over selectors and services."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Query
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

import territoire
from territoire.accounts.authentication import InvalidToken, RateLimited, actor_of
from territoire.catalog import selectors as catalog_selectors
from territoire.catalog import services as catalog_services
from territoire.core import ratelimit
from territoire.core.errors import TerritoireError
from territoire.core.schemas import COMMON_ERRORS, MAX_OFFSET, ErrorOut
from territoire.lake.uploads import upload_refusals
from territoire.territories import selectors as territory_selectors

from .errors import (
    BODY_ERRORS,
    JsonParser,
    http_error_body,
    unreadable_body,
    validation_error_body,
)
from .schemas import DatasetOut, StatusOut, TerritoryDetailOut, TerritoryOut

api = NinjaAPI(
    title="Territoire API",
    version="1",
    description="API native de Territoire : catalogue, territoires. Erreurs en français et en anglais.",
    urls_namespace="api-v1",
    parser=JsonParser(),
)


@api.exception_handler(TerritoireError)
def territoire_error(request, exc: TerritoireError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(InvalidToken)
def invalid_token(request, exc: InvalidToken):
    if exc.scheme:
        body = {
            "error": "invalid_token",
            "message": f"Authentification « {exc.scheme} » non prise en charge : envoyez un jeton "
            "d'API (Authorization: Bearer <jeton>), ou rien pour un accès anonyme.",
            "message_en": f"'{exc.scheme}' authentication is not supported: send an API token "
            "(Authorization: Bearer <token>), or nothing for anonymous access.",
        }
    else:
        body = {
            "error": "invalid_token",
            "message": "Jeton d'API invalide, expiré, révoqué ou sans la portée nécessaire.",
            "message_en": "API token is invalid, expired, revoked or lacks the required scope.",
        }
    response = api.create_response(request, body, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="territoire"'
    return response


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    return api.create_response(request, validation_error_body(exc.errors), status=422)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # ninja wraps whatever reading a JSON body raises (see JsonParser) in a 400 HttpError.
    cause = exc.__cause__
    if isinstance(cause, BODY_ERRORS):
        cause = unreadable_body(cause)
    if isinstance(cause, TerritoireError):
        return territoire_error(request, cause)
    return api.create_response(
        request, http_error_body(exc.status_code, exc.message), status=exc.status_code
    )


@api.exception_handler(MultiPartParserError)
@api.exception_handler(RequestDataTooBig)
@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def unreadable_request(request, exc):
    return territoire_error(request, unreadable_body(exc))


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(
        request,
        {
            "error": "not_found",
            "message": "Ressource introuvable : vérifiez l'adresse (voir /api/v1/docs).",
            "message_en": "Resource not found: check the address (see /api/v1/docs).",
        },
        status=404,
    )


@api.exception_handler(RateLimited)
def rate_limited(request, exc: RateLimited):
    response = api.create_response(
        request,
        {
            "error": "rate_limited",
            "message": f"Trop de requêtes : réessayez dans {exc.retry_after} s, ou utilisez un jeton d'API.",
            "message_en": f"Too many requests: retry in {exc.retry_after} s, or use an API token.",
        },
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def _territory_out(t) -> dict:
    return {
        "kind": t.kind,
        "code": t.code,
        "name": t.name,
        "siren": t.siren,
        "population": t.population,
        "parent_code": t.parent.code if t.parent_id and t.parent else None,
        "departement_code": t.departement_code,
    }


@api.get("/status", response=StatusOut, tags=["service"], summary="État du service")
def status(request):
    home = territory_selectors.home_territory()
    return {
        "status": "ok",
        "version": territoire.__version__,
        "territory": home.name if home else None,
    }


@api.get(
    "/territories",
    response={200: list[TerritoryOut], **COMMON_ERRORS},
    tags=["territoires"],
    summary="Lister les territoires",
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
    qs = territory_selectors.territory_list(kind=kind, epci=epci, q=q)[offset : offset + limit]
    return [_territory_out(t) for t in qs]


@api.get(
    "/territories/{kind}/{code}",
    response={200: TerritoryDetailOut, 404: ErrorOut, **COMMON_ERRORS},
    tags=["territoires"],
    summary="Un territoire, ses membres et son contour",
)
def territory_detail(request, kind: str, code: str):
    actor_of(request)
    territory = territory_selectors.territory_get(kind, code)
    members = (
        territory_selectors.territory_children(territory).select_related("parent").defer("geometry")
    )
    return {
        **_territory_out(territory),
        "members": [_territory_out(m) for m in members],
        "geometry": territory.geometry,
    }


def _dataset_out(d) -> dict:
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


@api.get(
    "/datasets",
    response={200: list[DatasetOut], **COMMON_ERRORS},
    tags=["catalogue"],
    summary="Lister les jeux de données visibles",
)
def dataset_list(
    request,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    actor = actor_of(request)
    qs = catalog_selectors.dataset_list_for_actor(actor).prefetch_related("themes", "territories")[
        offset : offset + limit
    ]
    return [_dataset_out(d) for d in qs]


@api.get(
    "/datasets/{slug}",
    response={200: DatasetOut, 404: ErrorOut, **COMMON_ERRORS},
    tags=["catalogue"],
    summary="Un jeu de données",
)
def dataset_detail(request, slug: str):
    actor = actor_of(request)
    dataset = catalog_selectors.dataset_get_for_actor(actor, slug)
    catalog_services.dataset_read_record(
        actor=actor, dataset=dataset, channel="api/v1", ip_address=ratelimit.client_ip(request)
    )
    return _dataset_out(dataset)


api.add_router("", "territoire.lake.api.router")
upload_refusals("api-v1", api.on_exception)  # uploads refused before their body is read
api.add_router("", "territoire.records.api.router")  # records: pages, cursors, facets, exports
