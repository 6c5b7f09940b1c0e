"""Security headers Django does not set on its own (Content-Security-Policy, Permissions-Policy)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{tiles}; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def tile_origin(tile_url: str) -> str:
    """The origin the maps' tiles come from (``TERRITOIRE_TILE_URL``), for the CSP's img-src; a
    ``{s}`` subdomain becomes ``*``: ``https://{s}.tile.example.fr/{z}/…`` → ``https://*.tile.example.fr``."""
    if not tile_url:
        return ""
    parts = urlsplit(tile_url)
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Read per request rather than at start-up, so that settings overridden in tests (a local
        # tile server) reach the policy as they reach the maps.
        tiles = tile_origin(getattr(settings, "TERRITOIRE_TILE_URL", "") or "")
        csp = DEFAULT_CSP.format(tiles=f" {tiles}" if tiles else "")
        # The admin ships inline scripts/styles of its own; it is staff-only and CSRF-protected.
        if request.path.startswith("/admin/"):
            csp = csp.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
                "style-src 'self'", "style-src 'self' 'unsafe-inline'"
            )
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault(
            "Permissions-Policy", "geolocation=(), camera=(), microphone=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
