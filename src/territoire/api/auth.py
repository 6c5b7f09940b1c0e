"""API authentication: a token in `Authorization: Bearer …`, `Authorization: Apikey …`, CKAN's
`Authorization: <token>` or `X-CKAN-API-Key`, else the session. Anonymous requests are allowed
(public data); the actor is then AnonymousUser."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from territoire.accounts.services import token_authenticate
from territoire.core import ratelimit


def presented_token(request) -> str | None:
    header = request.headers.get("Authorization", "").strip()
    if header:
        scheme, _, rest = header.partition(" ")
        if scheme.lower() in {"bearer", "apikey", "token"} and rest:
            return rest.strip()
        if not rest:
            return header  # CKAN sends the bare token
    return request.headers.get("X-CKAN-API-Key") or request.headers.get("X-API-Key")


class InvalidToken(Exception):
    pass


def request_actor(request):
    """The acting user of an API request; raises InvalidToken when a token is presented but bad."""
    raw = presented_token(request)
    if raw:
        user = token_authenticate(raw)
        if user is None:
            raise InvalidToken()
        return user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else AnonymousUser()


class RateLimited(Exception):
    """Too many requests from one client; each front-end answers it in its own error shape."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after


def actor_of(request):
    """Authenticate and apply the per-client rate limit (per token user, else per IP)."""
    actor = request_actor(request)
    limit, window = ratelimit.parse_rate(settings.TERRITOIRE_API_RATE)
    key = (
        f"api-user:{actor.pk}"
        if actor.is_authenticated
        else f"api-ip:{ratelimit.client_ip(request)}"
    )
    allowed, retry_after = ratelimit.hit(key, limit=limit, window=window)
    if not allowed:
        raise RateLimited(retry_after)
    return actor
