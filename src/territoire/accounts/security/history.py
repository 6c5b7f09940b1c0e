"""The login history: successful and failed sign-ins and refused codes, kept for
TERRITOIRE_LOGIN_HISTORY_DAYS; shown to the account itself and to the data officer.

Every entry is written beside the audit event of the same attempt (`login`, `login_failed`), which
the audit log keeps; the history adds the browser and keeps only the network (clients.py)."""

from __future__ import annotations

import datetime
import itertools

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from territoire.core.errors import PermissionRefused
from territoire.trust.services import audit_record

from .. import permissions
from ..models import LoginEvent, LoginMethod, LoginOutcome, User
from . import clients

# One recorded login in PRUNE_EVERY (per process) deletes what is past the retention: the table
# stays bounded without a scheduled job; `territoire security prune` does the same on demand.
PRUNE_EVERY = 200
_recorded = itertools.count(1)


def login_event_record(
    *,
    request,
    username: str,
    outcome: str,
    user: User | None = None,
    method: str = LoginMethod.PASSWORD,
) -> LoginEvent:
    if user is None and outcome == LoginOutcome.FAILURE:
        user = User.objects.filter(username=username).first()
    event = LoginEvent.objects.create(
        user=user,
        username=username[:150],
        outcome=outcome,
        method=method,
        ip_prefix=clients.request_ip_prefix(request),
        user_agent=clients.request_user_agent(request),
    )
    if next(_recorded) % PRUNE_EVERY == 0:
        login_history_prune()
    return event


def login_history_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.TERRITOIRE_LOGIN_HISTORY_DAYS)


def login_history_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete the entries older than the retention; return how many went."""
    deleted, _ = LoginEvent.objects.filter(created_at__lt=login_history_cutoff(now)).delete()
    return deleted


def login_history_for_actor(actor, *, user: User, request=None) -> QuerySet[LoginEvent]:
    """The account's history, to itself or to a data officer; a data officer's read of someone
    else's history is audited (it is personal data)."""
    if not permissions.can_manage_security_of(actor, user):
        raise PermissionRefused(
            "Seul l'administrateur des données peut consulter l'historique de connexion d'un autre compte.",
            "Only the data officer can see another account's login history.",
        )
    if actor.pk != user.pk:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="read",
                instance=user,
                reason="historique de connexion",
                ip_address=clients.ratelimit.client_ip(request) if request is not None else None,
            )
    return LoginEvent.objects.filter(user=user, created_at__gte=login_history_cutoff())


def login_failures_for_actor(actor, *, request=None, limit: int = 50) -> QuerySet[LoginEvent]:
    """The latest refused attempts on every account, unknown usernames included (the data
    officer's watch for guessing); the read is audited."""
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "Seul l'administrateur des données peut consulter les tentatives refusées.",
            "Only the data officer can see refused attempts.",
        )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="read",
            object_type="accounts.loginevent",
            object_repr="tentatives de connexion refusées",
            reason="historique de connexion",
            ip_address=clients.ratelimit.client_ip(request) if request is not None else None,
        )
    return (
        LoginEvent.objects.exclude(outcome=LoginOutcome.SUCCESS)
        .filter(created_at__gte=login_history_cutoff())
        .select_related("user")[:limit]
    )
