"""Accounts, memberships and API tokens; every change writes an audit event in the same transaction."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.trust.services import audit_record, audited_delete, audited_save

from . import permissions, tokens
from .models import ApiToken, Membership, MembershipRole, Role, TokenScope, User


def user_create(
    *,
    actor,
    username: str,
    email: str = "",
    password: str | None = None,
    role: str = Role.CITIZEN,
    first_name: str = "",
    last_name: str = "",
) -> User:
    if actor is not None and not permissions.is_data_officer(actor) and role != Role.CITIZEN:
        raise PermissionRefused(
            "Seul l'administrateur des données peut créer des comptes d'agent.",
            "Only the data officer can create staff accounts.",
        )
    if role not in Role.values:
        raise ValidationFailed(
            f"Rôle inconnu : {role}. Rôles possibles : {', '.join(Role.values)}.",
            f"Unknown role: {role}.",
            where="role",
        )
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(
            f"L'identifiant « {username} » est déjà pris.",
            f"Username '{username}' is taken.",
            where="username",
        )
    user = User(
        username=username, email=email, role=role, first_name=first_name, last_name=last_name
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationFailed(
                " ".join(exc.messages), " ".join(exc.messages), where="password"
            ) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    return audited_save(actor=actor, instance=user)


def user_set_role(*, actor, user: User, role: str) -> User:
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "Seul l'administrateur des données peut changer un rôle.",
            "Only the data officer can change a role.",
        )
    user.role = role
    return audited_save(actor=actor, instance=user)


def membership_add(*, actor, user: User, service, role: str = MembershipRole.MEMBER) -> Membership:
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "Seul l'administrateur des données peut rattacher un agent à un service.",
            "Only the data officer can add someone to a service.",
        )
    membership = Membership.objects.filter(user=user, service=service).first() or Membership(
        user=user, service=service
    )
    membership.role = role
    return audited_save(actor=actor, instance=membership)


def token_scopes_allowed(user: User) -> list[str]:
    """The scopes a token of this account may hold (the one rule for the admin, the API and the
    CLI): reading and writing for everyone — what a token may then read or write follows the
    account's own rights —, administration for data officers only."""
    allowed: list[str] = [TokenScope.READ, TokenScope.WRITE]
    if permissions.is_data_officer(user):
        allowed.append(TokenScope.ADMIN)
    return allowed


def token_create(
    *, actor, user: User, name: str, scopes: list[str] | None = None, days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token; return it with its plaintext, which is never stored and shown only once."""
    if not permissions.can_manage_tokens_of(actor, user):
        raise PermissionRefused(
            "Vous ne pouvez créer des jetons que pour votre propre compte.",
            "You can only create tokens for your own account.",
        )
    scopes = scopes or [TokenScope.READ]
    unknown = [s for s in scopes if s not in TokenScope.values]
    if unknown:
        raise ValidationFailed(
            f"Portée(s) inconnue(s) : {', '.join(unknown)}. Portées possibles : {', '.join(TokenScope.values)}.",
            f"Unknown scope(s): {', '.join(unknown)}. Allowed: {', '.join(TokenScope.values)}.",
            where="scopes",
        )
    forbidden = [s for s in scopes if s not in token_scopes_allowed(user)]
    if forbidden:
        raise PermissionRefused(
            "La portée « admin » est réservée à l'administrateur des données.",
            "The 'admin' scope is for data officers only.",
            where="scopes",
        )
    days = settings.TERRITOIRE_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= 3650:
        raise ValidationFailed(
            "La durée de validité doit être comprise entre 1 et 3650 jours.",
            "Validity must be between 1 and 3650 days.",
            where="days",
        )
    plaintext, key_id, secret_hash = tokens.new_token()
    token = ApiToken(
        user=user,
        name=name,
        key_id=key_id,
        secret_hash=secret_hash,
        scopes=list(scopes),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    audited_save(actor=actor, instance=token)
    return token, plaintext


def token_revoke(*, actor, token: ApiToken, reason: str = "") -> ApiToken:
    if not permissions.can_manage_tokens_of(actor, token.user):
        raise PermissionRefused(
            "Vous ne pouvez révoquer que vos propres jetons.",
            "You can only revoke your own tokens.",
        )
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        audited_save(actor=actor, instance=token, reason=reason)
    return token


def token_delete(*, actor, token: ApiToken) -> None:
    if not permissions.can_manage_tokens_of(actor, token.user):
        raise PermissionRefused(
            "Vous ne pouvez supprimer que vos propres jetons.",
            "You can only delete your own tokens.",
        )
    audited_delete(actor=actor, instance=token)


def token_authenticate(raw: str, *, scope: str = TokenScope.READ) -> User | None:
    """The user behind a presented token, if it is valid, unexpired, unrevoked and has the scope."""
    parts = tokens.split_token(raw.strip())
    if parts is None:
        return None
    key_id, secret = parts
    token = ApiToken.objects.select_related("user").filter(key_id=key_id).first()
    if token is None or not tokens.secret_matches(secret, token.secret_hash):
        return None
    if not token.is_active or not token.user.is_active:
        return None
    if scope not in token.scopes and TokenScope.ADMIN not in token.scopes:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user.api_token = token  # type: ignore[attr-defined]  # the token that authenticated
    return token.user


def login_failed_record(*, username: str, ip_address: str | None) -> None:
    with transaction.atomic():
        audit_record(
            actor=None,
            action="login_failed",
            object_type="accounts.user",
            object_repr=username[:150],
            ip_address=ip_address,
        )
