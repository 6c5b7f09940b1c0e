"""/api/3/action/<name> and /api/action/<name>: CKAN's action API envelope around the actions.

GET with query parameters, or POST with a JSON (or form) body, as CKAN accepts. Every action here
only reads, so the POST needs no CSRF token (clients such as ckanapi post JSON without one).
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from territoire.accounts.authentication import InvalidToken, RateLimited
from territoire.core import parameters

from .. import common
from . import registry
from .errors import AuthorizationError, CkanError, RateLimitError, ValidationError
from .params import BadRequest, request_data

log = logging.getLogger(__name__)


def _json(body, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type="application/json;charset=utf-8",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _bad_request(message: str) -> HttpResponse:
    return _json(f"Bad request - {message}", status=400)


def help_url(request, name: str) -> str:
    """The help_show URL of an action on the host and port the client called (CKAN builds it
    the same way). The host was checked against ALLOWED_HOSTS by get_host (CommonMiddleware
    refuses others with a 400 before any view); without a request, TERRITOIRE_BASE_URL."""
    path = "/api/3/action/help_show?" + urlencode({"name": name})
    if request is None:
        return common.absolute(path)
    return request.build_absolute_uri(path)


@csrf_exempt
def action(request, name: str):
    if request.method not in ("GET", "POST"):
        return _bad_request("Use GET or POST for the action API.")
    function = registry.get(name)
    if function is None:
        return _bad_request(f"Action name not known: {name}")
    envelope: dict = {"help": help_url(request, name)}
    try:
        data = request_data(request)
    except BadRequest as exc:
        return _bad_request(str(exc))
    refusal = parameters.check_body(data)
    if refusal is not None:
        error = ValidationError(
            refusal.message_fr, refusal.message_en, **{refusal.name: ["Too long or too deep"]}
        )
        envelope.update(success=False, error=error.as_dict())
        return _json(envelope, status=error.status)
    data.pop("callback", None)  # JSONP is not served
    try:
        try:
            actor = common.authenticate(request)
        except RateLimited as exc:
            raise RateLimitError(exc.retry_after) from None
        except InvalidToken:
            raise AuthorizationError(
                "Accès refusé : jeton d'API invalide, expiré ou révoqué.",
                "Access denied: the API token is invalid, expired or revoked.",
            ) from None
        result = function(request, actor, data)
    except CkanError as exc:
        envelope.update(success=False, error=exc.as_dict())
        response = _json(envelope, status=exc.status)
        retry_after = getattr(exc, "retry_after", None)  # rate limit, unavailable (503)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response
    except Exception:
        log.exception("CKAN action %s failed", name)
        envelope.update(
            success=False,
            error={"__type": "Internal Server Error", "message": "Internal Server Error"},
        )
        return _json(envelope, status=500)
    envelope.update(success=True, result=result)
    return _json(envelope)


def api_root(request, version: str = "3"):
    """/api/3: the API version, as CKAN answers it."""
    return _json({"version": int(version)})
