"""Security headers Django does not set on its own (Content-Security-Policy, Permissions-Policy),
and the throttle of the portal's costly pages."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import render

from . import ratelimit

DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{tiles}; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@lru_cache(maxsize=8)
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


# The portal pages that cost the server real work, by URL name, with the methods that count: the
# catalogue search, a dataset page (its table, map and chart are queries), the files served, and
# signing in (a password hash). Other pages (home, lists of producers, static files) are cheap.
THROTTLED_PAGES: dict[str, frozenset[str]] = {
    "web:datasets": frozenset({"GET", "HEAD"}),
    "web:dataset": frozenset({"GET", "HEAD"}),
    "web:dataset-source": frozenset({"GET", "HEAD"}),
    "web:distribution-file": frozenset({"GET", "HEAD"}),
    "login": frozenset({"POST"}),
    "admin-login": frozenset({"POST"}),
}


class PortalThrottleMiddleware:
    """Costly portal pages per client: a signed-in user has a bucket of their own, anonymous
    visitors one per address (``TERRITOIRE_PORTAL_RATE``). Beyond it, a page of the site
    (429, in the visitor's language, with ``Retry-After``). The portal calls selectors, not the
    API: its pages never count against the API's quota (``api-ip:``/``api-user:``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        methods = THROTTLED_PAGES.get(match.view_name) if match is not None else None
        if methods is None or request.method not in methods:
            return None
        user = getattr(request, "user", None)
        key = (
            f"portal-user:{user.pk}"
            if user is not None and user.is_authenticated
            else f"portal-ip:{ratelimit.client_bucket(request)}"
        )
        window = ratelimit.hit(key, settings.TERRITOIRE_PORTAL_RATE)
        if window.allowed:
            return None
        response = render(
            request,
            "core/too_many_requests.html",
            {"retry_after": window.retry_after, "minutes": max(-(-window.retry_after // 60), 1)},
            status=429,
        )
        response["Retry-After"] = str(window.retry_after)
        return response
