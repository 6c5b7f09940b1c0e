"""The site's error pages (400, 403, 404, 500 and a refused CSRF token): a page of the site, in the
visitor's language, saying what to do next — and, under /api/, the error shape of the API family
the client was talking to, never an HTML page. (429 pages come from the throttles themselves:
`core.middleware` for the portal, each API for its own paths.)

These run when something already went wrong: they never read the Host header (a 400 may be the
refusal of that header) and the 500 page renders without the request's context (no database)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext_lazy as _

from territoire.interop.ods.shapes import error as ods_error


@dataclass(frozen=True)
class Problem:
    """One kind of error: its page, and its words in each API family."""

    status: int
    code: str  # native API `error`
    ods_code: str  # OpenDataSoft `error_code`
    ckan_type: str  # CKAN `error.__type`
    message_fr: str
    message_en: str
    title: str  # the page's heading (translated)
    advice: str  # what the visitor can do (translated)


PROBLEMS = {
    "bad_request": Problem(
        400,
        "bad_request",
        "BadRequest",
        "Validation Error",
        "Requête invalide : vérifiez l'adresse et les paramètres (voir /api/v1/docs).",
        "Bad request: check the address and its parameters (see /api/v1/docs).",
        _("Requête invalide"),
        _(
            "Le serveur n'a pas pu comprendre cette requête. Vérifiez l'adresse, ou repartez de l'accueil."
        ),
    ),
    "forbidden": Problem(
        403,
        "forbidden",
        "Forbidden",
        "Authorization Error",
        "Accès refusé : vos droits ne permettent pas cette action.",
        "Access denied: your permissions do not allow this action.",
        _("Accès refusé"),
        _(
            "Vos droits ne permettent pas d'ouvrir cette page ou de faire cette action. Si vous pensez que c'est une erreur, contactez l'administrateur des données."
        ),
    ),
    "csrf_failed": Problem(
        403,
        "csrf_failed",
        "Forbidden",
        "Authorization Error",
        "Jeton CSRF absent ou invalide : les formulaires se soumettent depuis les pages du site ; "
        "un client d'API utilise un jeton d'API (Authorization: Bearer …).",
        "Missing or invalid CSRF token: forms are submitted from the site's pages; an API client "
        "uses an API token (Authorization: Bearer …).",
        _("Formulaire expiré ou envoyé d'ailleurs"),
        _(
            "Ce formulaire n'a pas pu être vérifié : la page était peut-être ouverte depuis longtemps, ou les cookies de ce site sont bloqués. Revenez à la page précédente, rechargez-la, puis envoyez le formulaire à nouveau. Rien n'a été modifié."
        ),
    ),
    "not_found": Problem(
        404,
        "not_found",
        "NotFound",
        "Not Found Error",
        "Ressource introuvable : vérifiez l'adresse (voir /api/v1/docs).",
        "Resource not found: check the address (see /api/v1/docs).",
        _("Page introuvable"),
        _(
            "Cette page n'existe pas, a été déplacée, ou n'est pas accessible avec votre compte. Cherchez le jeu de données dans le catalogue, ou repartez de l'accueil."
        ),
    ),
    "server_error": Problem(
        500,
        "server_error",
        "InternalServerError",
        "Internal Server Error",
        "Erreur interne du serveur : l'incident est enregistré ; réessayez plus tard.",
        "Internal server error: the incident is logged; try again later.",
        _("Erreur du serveur"),
        _(
            "Une erreur inattendue s'est produite de notre côté ; elle est enregistrée. Réessayez dans quelques minutes. Si elle persiste, signalez-la à l'administrateur des données."
        ),
    ),
}


def _native(problem: Problem) -> HttpResponse:
    body = {"error": problem.code, "message": problem.message_fr, "message_en": problem.message_en}
    return _json(body, problem.status)


def _ods(problem: Problem) -> HttpResponse:
    return ods_error(problem.status, problem.ods_code, problem.message_fr, problem.message_en)


def _ckan(problem: Problem) -> HttpResponse:
    error = {
        "__type": problem.ckan_type,
        "message": problem.message_fr,
        "message_en": problem.message_en,
    }
    response = _json({"success": False, "error": error}, problem.status)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json(body: dict, status: int) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


# The API families by path prefix, most specific first: each answers in its own error shape.
API_SHAPES: tuple[tuple[str, Callable[[Problem], HttpResponse]], ...] = (
    ("/api/explore/", _ods),
    ("/api/3/", _ckan),
    ("/api/action/", _ckan),
    ("/api/", _native),
)


def _api_shape(request: HttpRequest) -> Callable[[Problem], HttpResponse] | None:
    path = request.path_info or request.path
    return next((shape for prefix, shape in API_SHAPES if path.startswith(prefix)), None)


def _answer(request: HttpRequest, name: str, *, with_request: bool = True) -> HttpResponse:
    problem = PROBLEMS[name]
    shape = _api_shape(request)
    if shape is not None:
        return shape(problem)
    template = loader.get_template("web/error.html")
    context = {"problem": problem, "site_name": "Territoire"}
    # Without the request, no context processor runs: the 500 page must not need the database.
    html = template.render(context, request if with_request else None)
    return HttpResponse(html, status=problem.status)


def bad_request(request, exception=None):
    return _answer(request, "bad_request")


def permission_denied(request, exception=None):
    return _answer(request, "forbidden")


def page_not_found(request, exception=None):
    return _answer(request, "not_found")


def server_error(request):
    return _answer(request, "server_error", with_request=False)


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: Django's reason (for developers) stays in the logs, not on the page."""
    return _answer(request, "csrf_failed")
