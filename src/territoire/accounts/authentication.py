"""API authentication: a token in `Authorization: Bearer …`, `Authorization: Apikey …`, CKAN's
`Authorization: <token>` or `X-CKAN-API-Key`, else the session. Anonymous requests are allowed
(public data); the actor is then AnonymousUser.

It lives in accounts, below the apps whose routers use it (catalogue, lake, records, OpenDataSoft,
CKAN, DCAT): each front-end answers `InvalidToken` and `RateLimited` in its own error shape."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from ninja.utils import check_csrf

from territoire.accounts.models import TokenScope
from territoire.accounts.security import two_factor
from territoire.accounts.services import token_authenticate
from territoire.core import ratelimit
from territoire.core.errors import PermissionRefused, TerritoireError

TOKEN_SCHEMES = {"bearer", "apikey", "token"}


class InvalidToken(Exception):
    """A token was presented and is not valid (or the credentials are not a token at all);
    ``scheme`` names an authentication scheme the API does not take ("Basic")."""

    def __init__(self, scheme: str | None = None):
        super().__init__(scheme or "invalid token")
        self.scheme = scheme


def presented_token(request) -> str | None:
    header = request.headers.get("Authorization", "").strip()
    if header:
        scheme, _, rest = header.partition(" ")
        if not rest.strip():
            return header  # CKAN sends the bare token
        if scheme.lower() in TOKEN_SCHEMES:
            return rest.strip()
        # Basic, Digest…: credentials the API cannot check are refused, never ignored (they
        # would make the request anonymous without a word).
        raise InvalidToken(scheme=scheme[:20])
    return request.headers.get("X-CKAN-API-Key") or request.headers.get("X-API-Key")


def request_actor(request):
    """The acting user of an API request; raises InvalidToken when a token is presented but bad."""
    raw = presented_token(request)
    if raw:
        user = token_authenticate(raw)
        if user is None:
            raise InvalidToken()
        return user
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return AnonymousUser()
    if two_factor.session_lacks_second_factor(request, user):
        return AnonymousUser()  # a password alone does not give a staff account's rights
    return user


class RateLimited(Exception):
    """Too many requests from one client; each front-end answers it in its own error shape."""

    def __init__(
        self,
        retry_after: int,
        *,
        limit: int | None = None,
        seconds: int | None = None,
        resets_at: float | None = None,
        is_anonymous: bool = True,
    ):
        super().__init__(retry_after)
        self.retry_after = retry_after
        self.limit, self.seconds, self.resets_at = limit, seconds, resets_at
        self.is_anonymous = is_anonymous


def throttle(request, actor) -> None:
    """The API's per-client limit: a signed-in user (session or token) has a bucket of their
    own; anonymous clients share one per address (core.ratelimit.client_bucket)."""
    key = (
        f"api-user:{actor.pk}"
        if actor.is_authenticated
        else f"api-ip:{ratelimit.client_bucket(request)}"
    )
    window = ratelimit.hit(key, settings.TERRITOIRE_API_RATE)
    if not window.allowed:
        raise RateLimited(
            window.retry_after,
            limit=window.limit,
            seconds=window.seconds,
            resets_at=window.resets_at,
            is_anonymous=not actor.is_authenticated,
        )


def actor_of(request):
    """Authenticate and apply the per-client rate limit."""
    actor = request_actor(request)
    throttle(request, actor)
    return actor


class AuthenticationRequired(TerritoireError):
    code = "authentication_required"
    status = 401


def write_actor_claimed(request):
    """Who a write claims to be: a "write" token, or a logged-in session (CSRF not checked yet)."""
    raw = presented_token(request)
    if raw:
        actor = token_authenticate(raw, scope=TokenScope.WRITE)
        if actor is None:
            raise InvalidToken()
    else:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else AnonymousUser()
    if not actor.is_authenticated:
        raise AuthenticationRequired(
            "Authentification requise : envoyez un jeton d'API avec la portée « write » (Authorization: Bearer …).",
            "Authentication required: send an API token with the 'write' scope (Authorization: Bearer …).",
        )
    return actor


def writer_of(request):
    """The acting user of a write: a "write" token, or a logged-in session whose CSRF token checks out."""
    actor = write_actor_claimed(request)
    if not presented_token(request) and check_csrf(request) is not None:
        raise PermissionRefused(
            "Jeton CSRF absent ou invalide : rechargez la page, ou utilisez un jeton d'API avec la portée « write ».",
            "CSRF token missing or invalid: reload the page, or use an API token with the 'write' scope.",
            where="csrf",
        )
    throttle(request, actor)
    return actor
