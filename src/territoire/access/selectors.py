"""Reads of the access workflow, aware of who asks: the queue of the people who decide, an
account's own requests, the agreements one may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from territoire.accounts import permissions
from territoire.core.errors import NotFound
from territoire.trust.models import (
    AccessGrant,
    AccessRequest,
    AccessRequestStatus,
    Agreement,
    PartnerAccount,
)


def _decidable(actor, prefix: str = "") -> Q | None:
    """Datasets whose access ``actor`` decides on (None: every one)."""
    if permissions.is_data_officer(actor):
        return None
    if not permissions.is_steward(actor):
        return Q(pk__in=[])
    return Q(**{f"{prefix}publisher_service_id__in": permissions.stewarded_service_ids(actor)})


def access_request_queue(actor, *, status: str | None = None) -> QuerySet[AccessRequest]:
    """The requests the actor decides on (pending first), for the staff workspace and the API."""
    qs = AccessRequest.objects.select_related("dataset", "requester", "organization", "decided_by")
    rule = _decidable(actor, "dataset__")
    if rule is not None:
        qs = qs.filter(rule)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def access_request_get_for_decider(actor, pk: int) -> AccessRequest:
    found = access_request_queue(actor).filter(pk=pk).first()
    if found is None:
        raise NotFound("Demande introuvable.", "Request not found.", where="request")
    return found


def access_requests_of(actor) -> QuerySet[AccessRequest]:
    """An account's own requests, with the grant each led to."""
    if not permissions.is_authenticated(actor):
        return AccessRequest.objects.none()
    return (
        AccessRequest.objects.filter(requester=actor)
        .select_related("dataset", "grant")
        .order_by("-created_at", "-id")
    )


def access_request_get_for_requester(actor, pk: int) -> AccessRequest:
    found = access_requests_of(actor).filter(pk=pk).first()
    if found is None:
        raise NotFound("Demande introuvable.", "Request not found.", where="request")
    return found


def access_grant_list_for_decider(actor) -> QuerySet[AccessGrant]:
    qs = AccessGrant.objects.select_related(
        "dataset", "grantee", "grantee_organization", "agreement", "granted_by"
    )
    rule = _decidable(actor, "dataset__")
    return qs if rule is None else qs.filter(rule)


def access_grant_get_for_decider(actor, pk: int) -> AccessGrant:
    found = access_grant_list_for_decider(actor).filter(pk=pk).first()
    if found is None:
        raise NotFound("Autorisation introuvable.", "Grant not found.", where="grant")
    return found


def access_grants_of(actor) -> QuerySet[AccessGrant]:
    """The grants an account holds (its own, and its partner organisation's)."""
    return AccessGrant.objects.for_user(actor).select_related("dataset", "agreement").distinct()


def partner_organization_id(actor) -> int | None:
    if not permissions.is_authenticated(actor):
        return None
    return (
        PartnerAccount.objects.filter(user_id=actor.pk)
        .values_list("organization_id", flat=True)
        .first()
    )


def agreement_list_for_actor(actor) -> QuerySet[Agreement]:
    """Agreements the actor may see: every one for the data officer; their services' for an
    agent; their own organisation's for a partner account; none otherwise."""
    qs = Agreement.objects.select_related("partner", "service").prefetch_related(
        "datasets_provided", "datasets_received"
    )
    if permissions.is_data_officer(actor):
        return qs
    if permissions.is_agent(actor):
        return qs.filter(service_id__in=permissions.member_service_ids(actor))
    partner = partner_organization_id(actor)
    if partner is not None:
        return qs.filter(partner_id=partner)
    return qs.none()


def agreement_get_for_actor(actor, reference: str) -> Agreement:
    found = agreement_list_for_actor(actor).filter(reference=reference).first()
    if found is None:
        raise NotFound(
            f"Convention « {reference} » introuvable.",
            f"Agreement '{reference}' not found.",
            where="agreement",
        )
    return found


def pending_count(actor) -> int:
    return access_request_queue(actor, status=AccessRequestStatus.PENDING).count()


def partner_account_list(actor) -> QuerySet[PartnerAccount]:
    """The accounts acting for partner organisations: the data officer's to see and change."""
    if not permissions.is_data_officer(actor):
        return PartnerAccount.objects.none()
    return PartnerAccount.objects.select_related("user", "organization").order_by(
        "organization__name", "user__username"
    )
