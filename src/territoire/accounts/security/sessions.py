"""Browser sessions an account can list and close (and the data officer close all of, on a
departure). Any session engine: a session is closed through the engine's own store; with the
database engine (the default), closing all of an account's sessions also finds those opened
before they were tracked."""

from __future__ import annotations

import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from territoire.core import ratelimit
from territoire.core.errors import NotFound, PermissionRefused
from territoire.trust.services import audit_record

from .. import permissions
from ..models import User, UserSession
from . import clients

DB_ENGINES = {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}
# How often a session's last activity is written (accounts.middleware): once a minute at most.
SEEN_EVERY = datetime.timedelta(minutes=1)
SEEN_CACHE_PREFIX = "territoire:seen:"


def _store(session_key: str | None = None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def session_track(*, request, user: User, is_verified: bool = False) -> UserSession | None:
    """Remember the request's session as one of the account's (after a login, or when the
    middleware meets a session it does not know)."""
    key = request.session.session_key
    if not key:
        request.session.save()
        key = request.session.session_key
    if not key:
        return None
    now = timezone.now()
    tracked, _ = UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "last_seen_at": now,
            "ip_prefix": clients.request_ip_prefix(request),
            "user_agent": clients.request_user_agent(request),
            "is_verified": is_verified,
        },
        create_defaults={
            "user": user,
            "created_at": now,
            "last_seen_at": now,
            "ip_prefix": clients.request_ip_prefix(request),
            "user_agent": clients.request_user_agent(request),
            "is_verified": is_verified,
        },
    )
    return tracked


def session_seen(*, request, user: User) -> None:
    """Refresh the request's session's last activity: at most once a minute per session and web
    process (a cache key, no database read), and only for sessions opened through the login."""
    key = request.session.session_key
    if not key or not cache.add(f"{SEEN_CACHE_PREFIX}{key}", 1, int(SEEN_EVERY.total_seconds())):
        return
    UserSession.objects.filter(session_key=key, user=user).update(
        last_seen_at=timezone.now(), ip_prefix=clients.request_ip_prefix(request)
    )


def _alive(sessions: QuerySet[UserSession]) -> QuerySet[UserSession]:
    if settings.SESSION_ENGINE in DB_ENGINES:
        alive = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
        return sessions.filter(session_key__in=alive)
    return sessions


def session_list_for_actor(actor, *, user: User) -> QuerySet[UserSession]:
    """The account's open sessions, most recent activity first."""
    if not permissions.can_manage_security_of(actor, user):
        raise PermissionRefused(
            "Seul l'administrateur des données peut voir les sessions d'un autre compte.",
            "Only the data officer can see another account's sessions.",
        )
    return _alive(UserSession.objects.filter(user=user)).order_by("-last_seen_at")


def _audit(*, actor, user: User, request, what: str, count: int, reason: str = "") -> None:
    audit_record(
        actor=actor,
        action="delete",
        object_type="accounts.usersession",
        object_id=str(user.pk),
        object_repr=f"{what} — {user.username}"[:300],
        changes={"sessions": [count, 0]},
        reason=reason,
        ip_address=ratelimit.client_ip(request) if request is not None else None,
    )


def session_revoke(*, actor, user: User, session_id: int, request=None) -> None:
    """Close one of the account's sessions (not the one making the request: that is logging out)."""
    if not permissions.can_manage_security_of(actor, user):
        raise PermissionRefused(
            "Vous ne pouvez fermer que vos propres sessions.",
            "You can only close your own sessions.",
        )
    with transaction.atomic():
        tracked = UserSession.objects.filter(user=user, pk=session_id).first()
        current = request.session.session_key if request is not None else None
        if tracked is None or tracked.session_key == current:
            raise NotFound(
                "Cette session n'existe plus ou est celle que vous utilisez (pour la fermer, déconnectez-vous).",
                "This session no longer exists or is the one you are using (log out to close it).",
                where="session",
            )
        _store(tracked.session_key).delete()
        tracked.delete()
        _audit(
            actor=actor,
            user=user,
            request=request,
            what=f"session {clients.describe_user_agent(tracked.user_agent)}",
            count=1,
        )


def session_revoke_all(
    *, actor, user: User, request=None, keep_current: bool = True, reason: str = ""
) -> int:
    """Close every session of the account but, when the account closes its own, the current one.
    Returns how many were closed."""
    if not permissions.can_manage_security_of(actor, user):
        raise PermissionRefused(
            "Seul l'administrateur des données peut fermer les sessions d'un autre compte.",
            "Only the data officer can close another account's sessions.",
        )
    current = request.session.session_key if (request is not None and keep_current) else None
    keys = set(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    keys |= _untracked_keys(user)
    if current:
        keys.discard(current)
    with transaction.atomic():
        for key in keys:
            _store(key).delete()
        UserSession.objects.filter(session_key__in=keys).delete()
        _audit(
            actor=actor,
            user=user,
            request=request,
            what="toutes les sessions" if current is None else "les autres sessions",
            count=len(keys),
            reason=reason,
        )
    return len(keys)


def _untracked_keys(user: User) -> set[str]:
    """With the database engine: every live session signed in as the account, tracked or not."""
    if settings.SESSION_ENGINE not in DB_ENGINES:
        return set()
    found = set()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            found.add(session.session_key)
    return found


def session_forget(session_key: str | None) -> None:
    """The session was closed by logging out."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def session_rekey(old_key: str | None, new_key: str | None) -> None:
    """The session's key was cycled (a password change): it is the same browser session."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def session_prune() -> int:
    """Forget tracked sessions whose engine no longer has them (expired, logged out), and
    enrolments begun and never confirmed a day later (their keys)."""
    TOTPDevice.objects.filter(
        confirmed=False, created_at__lt=timezone.now() - datetime.timedelta(days=1)
    ).delete()
    stale = UserSession.objects.filter(
        last_seen_at__lt=timezone.now() - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )
    deleted, _ = stale.delete()
    if settings.SESSION_ENGINE in DB_ENGINES:
        gone = UserSession.objects.exclude(pk__in=_alive(UserSession.objects.all()).values("pk"))
        deleted += gone.delete()[0]
    return deleted
