"""The size limit of uploaded files (``TERRITOIRE_UPLOAD_MAX_BYTES``, default 2 GiB).

Checked twice: by :class:`UploadSizeLimitMiddleware` from the announced length of a multipart
request, before anything reads its body (Django's CSRF check would otherwise parse and spool
the whole upload to disk first), and while the file is written where the worker finds it
(``services.upload_store``), for bodies sent without a length.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from territoire.core.errors import TooLarge

DEFAULT_MAX_BYTES = 2 * 1024**3
MULTIPART_OVERHEAD = 64 * 1024  # the form's other fields and the part headers


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
    """Answers 413 to a multipart request announcing more than the limit, unread."""

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
        return self.get_response(request)

    def _refuse(self, request, error: TooLarge):
        if request.path.startswith("/api/"):
            response = JsonResponse(error.as_dict(), status=error.status)
        else:
            response = render(request, "lake/too_large.html", {"error": error}, status=error.status)
        response["Connection"] = "close"  # the body was not read: the connection cannot be reused
        return response
