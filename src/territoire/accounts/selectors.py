"""Reads of accounts, permission-aware."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from territoire.core.errors import NotFound

from . import permissions
from .models import ApiToken, Role, User


def operator_account(username: str | None = None) -> User | None:
    """The account a command-line operator acts as (`--as USERNAME`), else the first active data
    officer (superusers included, by id); None when there is none (the platform itself acts)."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise NotFound(
                f"Compte « {username} » introuvable ou désactivé.",
                f"Account '{username}' not found or disabled.",
                where="username",
            )
        return user
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(role=Role.DATA_OFFICER))
        .order_by("pk")
        .first()
    )


def token_list_for_actor(actor, *, user: User | None = None) -> QuerySet[ApiToken]:
    """The API tokens the actor may see: every one for a data officer, else their own; of one
    account if ``user`` is given. Never the secrets (only their hashes are stored)."""
    tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
    if not permissions.is_data_officer(actor):
        tokens = (
            tokens.filter(user_id=actor.pk)
            if permissions.is_authenticated(actor)
            else tokens.none()
        )
    if user is not None:
        tokens = tokens.filter(user=user)
    return tokens
