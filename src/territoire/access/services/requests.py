"""Access requests and grants: ask, grant with a scope and an expiry, refuse, revoke."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from territoire.accounts import permissions
from territoire.catalog import selectors as catalog_selectors
from territoire.catalog.models import Dataset
from territoire.core import ratelimit
from territoire.core.errors import NotFound, PermissionRefused, TerritoireError, ValidationFailed
from territoire.lake import selectors as lake_selectors
from territoire.records.selectors import scope, served_for
from territoire.trust.models import (
    AccessGrant,
    AccessRequest,
    AccessRequestStatus,
    AuditAction,
    PartnerAccount,
)
from territoire.trust.services import audit_record

from ..vocabularies import GRANT_MAX, PURPOSE_MIN_LENGTH, REASON_MIN_LENGTH, REQUEST_RATE
from .notify import access_decision_notify_on_commit


class TooManyRequests(TerritoireError):
    code = "rate_limited"
    status = 429


def _text(value: str | None, *, minimum: int, where: str, fr: str, en: str) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationFailed(fr, en, where=where)
    return value


def access_request_create(*, actor, dataset: Dataset, purpose: str) -> AccessRequest:
    """``actor`` asks to read ``dataset``, which they may not read yet, and says why. Refused:
    anonymous visitors, public or already readable datasets, a second pending request for the
    same dataset, a purpose too short to judge; at most ``REQUEST_RATE`` requests a day."""
    if not permissions.is_authenticated(actor):
        raise PermissionRefused(
            "Connectez-vous pour demander l'accès à un jeu de données.",
            "Sign in to request access to a dataset.",
        )
    if not catalog_selectors.dataset_list_requestable(actor).filter(pk=dataset.pk).exists():
        raise ValidationFailed(
            f"Vous pouvez déjà consulter « {dataset.title} » : aucune demande n'est nécessaire.",
            f"You can already read '{dataset.title}': no request is needed.",
            where="dataset",
        )
    purpose = _text(
        purpose,
        minimum=PURPOSE_MIN_LENGTH,
        where="purpose",
        fr=f"Décrivez l'usage prévu des données (au moins {PURPOSE_MIN_LENGTH} caractères) : "
        "c'est sur cette base que le service décide.",
        en=f"Describe what the data is for (at least {PURPOSE_MIN_LENGTH} characters): the "
        "service decides on that basis.",
    )
    if AccessRequest.objects.filter(
        dataset=dataset, requester=actor, status=AccessRequestStatus.PENDING
    ).exists():
        raise ValidationFailed(
            "Vous avez déjà une demande en attente pour ce jeu de données.",
            "You already have a pending request for this dataset.",
            where="dataset",
        )
    window = ratelimit.hit(f"access-request:{actor.pk}", REQUEST_RATE)
    if not window.allowed:
        raise TooManyRequests(
            "Trop de demandes d'accès aujourd'hui : réessayez demain.",
            "Too many access requests today: try again tomorrow.",
        )
    partner = PartnerAccount.objects.filter(user=actor).values_list("organization_id", flat=True)
    with transaction.atomic():
        request = AccessRequest.objects.create(
            dataset=dataset, requester=actor, purpose=purpose, organization_id=partner.first()
        )
        audit_record(
            actor=actor,
            action=AuditAction.ACCESS_REQUEST,
            instance=dataset,
            changes={"access_request": [None, request.pk]},
            reason=purpose,
        )
    return request


def access_request_withdraw(*, actor, request: AccessRequest) -> AccessRequest:
    """The requester withdraws a pending request."""
    if not permissions.is_authenticated(actor) or request.requester_id != actor.pk:
        raise NotFound("Demande introuvable.", "Request not found.", where="request")
    _check_pending(request)
    with transaction.atomic():
        request.status = AccessRequestStatus.WITHDRAWN
        request.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=request,
            changes={"status": [AccessRequestStatus.PENDING, AccessRequestStatus.WITHDRAWN]},
        )
    return request


def _check_pending(request: AccessRequest) -> None:
    if request.status != AccessRequestStatus.PENDING:
        raise ValidationFailed(
            f"Cette demande n'est plus en attente (statut : {request.get_status_display()}).",
            f"This request is no longer pending (status: {request.status}).",
            where="request",
        )


def _check_decider(actor, dataset: Dataset) -> None:
    if not permissions.can_decide_access(actor, dataset):
        raise PermissionRefused(
            "Seuls l'administrateur des données et les relais données du service producteur "
            "décident de l'accès à ce jeu de données.",
            "Only the data officer and the stewards of the producing service decide on access "
            "to this dataset.",
            where="dataset",
        )


def _normalised_scope(
    dataset: Dataset,
    columns: list[str] | None,
    row_filters: list[dict[str, Any]] | None,
    period: dict[str, Any] | None,
) -> tuple[list[str], list[dict[str, Any]], dict[str, Any] | None]:
    """The scope, checked against the dataset's served version (ValidationFailed naming the
    field otherwise): a scope on a dataset without data cannot be checked, so it is refused."""
    columns = [str(c).strip() for c in (columns or []) if str(c).strip()]
    row_filters = [dict(f) for f in (row_filters or [])]
    period = {k: v for k, v in (period or {}).items() if v not in (None, "")} or None
    if period is not None and not period.get("column"):
        raise ValidationFailed(
            "Périmètre : la période nomme une colonne de dates.",
            "Scope: the period names a date column.",
            where="period.column",
        )
    if not (columns or row_filters or period):
        return columns, row_filters, period
    version = lake_selectors.dataset_current_version(dataset)
    if version is None:
        raise ValidationFailed(
            "Ce jeu de données n'a pas encore de données : un périmètre (colonnes, lignes, "
            "période) ne peut pas être vérifié. Accordez l'accès entier ou attendez les données.",
            "This dataset has no data yet: a scope (columns, rows, period) cannot be checked. "
            "Grant full access or wait for the data.",
            where="columns",
        )
    probe = AccessGrant(columns=columns, row_filters=row_filters, period=period)
    scope.check(probe, served_for(dataset, version).columns)
    return columns, row_filters, period


def _expiry(expires_at: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if expires_at is None or expires_at <= now:
        raise ValidationFailed(
            "Indiquez une date d'expiration future : un accès n'est jamais sans fin.",
            "Give a future expiry date: access is never open-ended.",
            where="expires_at",
        )
    if expires_at - now > GRANT_MAX:
        raise ValidationFailed(
            f"Un accès dure au plus {GRANT_MAX.days} jours : il se renouvelle par une nouvelle "
            "décision.",
            f"Access lasts at most {GRANT_MAX.days} days: renew it with a new decision.",
            where="expires_at",
        )
    return expires_at


def access_grant_create(
    *,
    actor,
    dataset: Dataset,
    expires_at: dt.datetime,
    grantee=None,
    grantee_organization=None,
    columns: list[str] | None = None,
    row_filters: list[dict[str, Any]] | None = None,
    period: dict[str, Any] | None = None,
    request: AccessRequest | None = None,
    agreement=None,
    starts_at: dt.datetime | None = None,
    reason: str = "",
) -> AccessGrant:
    """A grant to read ``dataset`` (to an account or a partner organisation), in a scope,
    until ``expires_at``. Checks who decides, the expiry and the scope; audited."""
    _check_decider(actor, dataset)
    if dataset.is_public:
        raise ValidationFailed(
            "Ce jeu de données est public : aucune autorisation n'est nécessaire.",
            "This dataset is public: no grant is needed.",
            where="dataset",
        )
    if grantee is None and grantee_organization is None:
        raise ValidationFailed(
            "Une autorisation a un bénéficiaire (un compte ou un organisme partenaire).",
            "A grant has a grantee (an account or a partner organisation).",
            where="grantee",
        )
    if agreement is None:
        expires_at = _expiry(expires_at)
    columns, row_filters, period = _normalised_scope(dataset, columns, row_filters, period)
    with transaction.atomic():
        grant = AccessGrant.objects.create(
            dataset=dataset,
            grantee=grantee,
            grantee_organization=grantee_organization,
            request=request,
            agreement=agreement,
            columns=columns,
            row_filters=row_filters,
            period=period,
            starts_at=starts_at or timezone.now(),
            expires_at=expires_at,
            granted_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.ACCESS_GRANT,
            instance=dataset,
            changes={
                "grant": [None, grant.pk],
                "grantee": [None, str(grantee or grantee_organization)],
                "scope": [None, {"columns": columns, "row_filters": row_filters, "period": period}],
                "expires_at": [None, expires_at],
            },
            reason=reason,
        )
    return grant


def access_request_grant(
    *,
    actor,
    request: AccessRequest,
    expires_at: dt.datetime,
    columns: list[str] | None = None,
    row_filters: list[dict[str, Any]] | None = None,
    period: dict[str, Any] | None = None,
    reason: str = "",
) -> AccessGrant:
    """Grant a pending request, in a scope, until ``expires_at``."""
    _check_decider(actor, request.dataset)
    _check_pending(request)
    with transaction.atomic():
        locked = AccessRequest.objects.select_for_update().get(pk=request.pk)
        _check_pending(locked)
        grant = access_grant_create(
            actor=actor,
            dataset=request.dataset,
            expires_at=expires_at,
            grantee=request.requester,
            columns=columns,
            row_filters=row_filters,
            period=period,
            request=locked,
            reason=reason or locked.purpose,
        )
        locked.status = AccessRequestStatus.GRANTED
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        access_decision_notify_on_commit(locked)
    request.refresh_from_db()
    return grant


def access_request_refuse(*, actor, request: AccessRequest, reason: str) -> AccessRequest:
    """Refuse a pending request; the reason is required and shown to the requester."""
    _check_decider(actor, request.dataset)
    _check_pending(request)
    reason = _text(
        reason,
        minimum=REASON_MIN_LENGTH,
        where="reason",
        fr="Indiquez le motif du refus : il est communiqué au demandeur.",
        en="Give the reason for the refusal: the requester is told.",
    )
    with transaction.atomic():
        locked = AccessRequest.objects.select_for_update().get(pk=request.pk)
        _check_pending(locked)
        locked.status = AccessRequestStatus.REFUSED
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.refusal_reason = reason
        locked.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
        audit_record(
            actor=actor,
            action=AuditAction.ACCESS_REFUSE,
            instance=locked.dataset,
            changes={"access_request": [None, locked.pk]},
            reason=reason,
        )
        access_decision_notify_on_commit(locked)
    return locked


def access_grant_revoke(*, actor, grant: AccessGrant, reason: str) -> AccessGrant:
    """End a grant now: every read path refuses from the next request on."""
    _check_decider(actor, grant.dataset)
    if grant.revoked_at is not None:
        raise ValidationFailed(
            "Cette autorisation est déjà révoquée.", "This grant is already revoked.", where="grant"
        )
    reason = _text(
        reason,
        minimum=REASON_MIN_LENGTH,
        where="reason",
        fr="Indiquez le motif de la révocation.",
        en="Give the reason for the revocation.",
    )
    with transaction.atomic():
        grant.revoked_at, grant.revoked_by, grant.revocation_reason = timezone.now(), actor, reason
        grant.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        audit_record(
            actor=actor,
            action=AuditAction.ACCESS_REVOKE,
            instance=grant.dataset,
            changes={"grant": [grant.pk, None]},
            reason=reason,
        )
    return grant
