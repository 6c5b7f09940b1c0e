"""What an upload must pass before anything reads its body: its size and its sender.

- The size limit (``TERRITOIRE_UPLOAD_MAX_BYTES``, default 2 GiB) is checked twice: by
  :class:`UploadSizeLimitMiddleware` from the announced length of a multipart request, before
  anything reads its body (Django's CSRF check would otherwise parse and spool the whole upload
  to disk first), and while the file is written where the worker finds it
  (``services.upload_store``), for bodies sent without a length.
- Who sends it: an upload endpoint registers, with :func:`upload_gate`, the checks its view makes
  first (signed in, allowed to load that dataset); the middleware runs them before the body is
  read, so an anonymous or unauthorised sender is refused without the server reading (and
  spooling) what it sent. The view runs its checks again: the gate only answers earlier.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from territoire.core.errors import TooLarge

DEFAULT_MAX_BYTES = 2 * 1024**3
MULTIPART_OVERHEAD = 64 * 1024  # the form's other fields and the part headers

UploadGate = Callable[..., HttpResponse | None]
Refusal = Callable[[HttpRequest, Exception], HttpResponse]

_gates: dict[str, UploadGate] = {}
_refusals: dict[str, Refusal] = {}


def upload_gate(view_name: str) -> Callable[[UploadGate], UploadGate]:
    """Register ``check(request, **url_kwargs)`` for the uploads to ``view_name`` (e.g.
    "lake:upload"): it raises what the view would raise to refuse (``Http404``, a
    ``TerritoireError``…) or returns a response (a redirection to sign in); None lets the body
    be read."""

    def register(check: UploadGate) -> UploadGate:
        _gates[view_name] = check
        return check

    return register


def upload_refusals(namespace: str, render: Refusal) -> None:
    """How refusals of the gates under URL ``namespace`` are answered (an API's error shape);
    elsewhere, as Django answers a view's exception (404 page, 403 page…)."""
    _refusals[namespace] = render


def upload_max_bytes() -> int:
    return int(getattr(settings, "TERRITOIRE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _size(n: int, *, english: bool = False) -> str:
    value, unit = (n / 1024**3, "Go") if n >= 1024**3 else (n / 1024**2, "Mo")
    if english:
        return f"{value:.1f} {unit.replace('o', 'B')}"
    return f"{value:.1f} {unit}".replace(".", ",")


def too_large(size: int | None, limit: int) -> TooLarge:
    found_fr = f" ({_size(size)})" if size else ""
    found_en = f" ({_size(size, english=True)})" if size else ""
    limit_en = _size(limit, english=True)
    return TooLarge(
        f"Le fichier envoyé est trop gros{found_fr} : la limite de cette plateforme est de "
        f"{_size(limit)} (réglage TERRITOIRE_UPLOAD_MAX_BYTES). Pour un fichier plus gros, "
        "chargez-le par la ligne de commande (`territoire ingest`) ou donnez son URL comme "
        "source du jeu de données.",
        f"The uploaded file is too large{found_en}: this platform's limit is {limit_en} "
        "(setting TERRITOIRE_UPLOAD_MAX_BYTES). For a larger file, load it with the command "
        "line (`territoire ingest`) or give its URL as the dataset's source.",
        where="file",
    )


class UploadSizeLimitMiddleware:
    """Refuses, unread, a multipart request announcing more than the limit (413) or sent to an
    upload endpoint by someone its gate refuses (401, 403, 404, a redirection to sign in)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = upload_max_bytes()
            if length > limit + MULTIPART_OVERHEAD:
                return self._refuse(request, too_large(length, limit))
            refusal = self._gate(request)
            if refusal is not None:
                refusal["Connection"] = "close"  # the body was not read: no reuse
                return refusal
        return self.get_response(request)

    def _gate(self, request) -> HttpResponse | None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        check = _gates.get(match.view_name)
        if check is None:
            return None
        try:
            return check(request, **match.kwargs)
        except Exception as exc:  # the answer the view would give
            # Django's error pages check CSRF (requires_csrf_token), which reads the body: a
            # refusal changes nothing, so that check has nothing to protect here.
            request.csrf_processing_done = True
            return _refusals.get(match.namespace, response_for_exception)(request, exc)

    def _refuse(self, request, error: TooLarge):
        if request.path.startswith("/api/"):
            response = JsonResponse(error.as_dict(), status=error.status)
        else:
            response = render(request, "lake/too_large.html", {"error": error}, status=error.status)
        response["Connection"] = "close"  # the body was not read: the connection cannot be reused
        return response
