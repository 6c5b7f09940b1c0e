"""The native API (/api/v1/): assembles the apps' routers and answers every refusal in one error
shape (`core.schemas.ErrorOut`). The endpoints live in their apps (`territories/api.py`,
`catalog/api.py`, `lake/api.py`, `records/api.py`)."""

from __future__ import annotations

import functools

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from territoire.access.api import router as access_router
from territoire.accounts.authentication import InvalidToken, RateLimited
from territoire.catalog.api import router as catalog_router
from territoire.core import parameters
from territoire.core.errors import TerritoireError
from territoire.indicators.api import router as indicators_router
from territoire.lake.api import router as lake_router
from territoire.lake.uploads import upload_refusals
from territoire.participation.api import router as participation_router
from territoire.records.api import router as records_router
from territoire.registers.api import router as registers_router
from territoire.reports.api import router as reports_router
from territoire.territories.api import router as territories_router

from .errors import (
    BODY_ERRORS,
    JsonParser,
    http_error_body,
    unreadable_body,
    validation_error_body,
)

api = NinjaAPI(
    title="Territoire API",
    version="1",
    description="API native de Territoire : catalogue, territoires. Erreurs en français et en anglais.",
    urls_namespace="api-v1",
    parser=JsonParser(),
)


@api.exception_handler(TerritoireError)
def territoire_error(request, exc: TerritoireError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    retry_after = getattr(exc, "retry_after", None)  # a busy service (503) says when to retry
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


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


def bounded_parameters(view):
    """Every operation's query parameters within their bounds (core.parameters), checked before
    ninja reads them: one past its bound is a 422 that names it."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        refusal = parameters.check_query(request.GET.lists())
        if refusal is None:
            return view(request, *args, **kwargs)
        body = {
            "error": "validation_failed",
            "message": refusal.message_fr,
            "message_en": refusal.message_en,
            "where": f"query.{refusal.name}",
            "details": [
                {"loc": ["query", refusal.name], "type": "too_long", "msg": refusal.message_en}
            ],
        }
        return api.create_response(request, body, status=422)

    return wrapper


api.add_decorator(bounded_parameters, mode="view")
api.add_router("", territories_router)  # status, territories
api.add_router("", catalog_router)  # datasets
api.add_router("", lake_router)  # uploads, jobs, versions
upload_refusals("api-v1", api.on_exception)  # uploads refused before their body is read
api.add_router("", records_router)  # records: pages, cursors, facets, exports
api.add_router("", registers_router)  # the GDPR and algorithm registers (read-only)
api.add_router("", participation_router)  # projects, consultations' results, proposals (read)
api.add_router("", indicators_router)  # indicators, evaluations, dashboards
api.add_router("", access_router)  # access requests, grants, data-sharing agreements
api.add_router("", reports_router)  # reports (signalements): list, show, file, answer
