"""Access requests, grants and agreements in the native API (/api/v1/). Reads take any
authenticated session or token; writes a "write" token or a session with its CSRF token."""

from __future__ import annotations

from ninja import File, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from territoire.accounts.authentication import actor_of, write_actor_claimed, writer_of
from territoire.catalog import selectors as catalog_selectors
from territoire.catalog.models import Dataset
from territoire.core.errors import NotFound, PermissionRefused
from territoire.core.schemas import COMMON_ERRORS, ErrorOut
from territoire.lake import services as lake_services
from territoire.lake.uploads import upload_gate
from territoire.trust.models import AccessGrant, AccessRequest, Agreement

from . import selectors, services
from .schemas import (
    AccessRequestIn,
    AccessRequestOut,
    AgreementOut,
    DeliveryOut,
    GrantIn,
    GrantOut,
    ReasonIn,
)

router = Router(tags=["accès aux données non ouvertes"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut, **COMMON_ERRORS}


def _signed_in(actor):
    if not getattr(actor, "is_authenticated", False):
        raise PermissionRefused(
            "Connectez-vous (session ou jeton d'API).", "Sign in (session or API token)."
        )
    return actor


def grant_out(g: AccessGrant) -> dict:
    return {
        "id": g.pk,
        "dataset": g.dataset.slug,
        "grantee": g.grantee.username if g.grantee_id else None,
        "grantee_organization": str(g.grantee_organization) if g.grantee_organization_id else None,
        "agreement": g.agreement.reference if g.agreement_id else None,
        "scope": {"columns": g.columns, "row_filters": g.row_filters, "period": g.period},
        "starts_at": g.starts_at,
        "expires_at": g.expires_at,
        "revoked_at": g.revoked_at,
        "is_active": g.is_active(),
    }


def request_out(r: AccessRequest) -> dict:
    grant = getattr(r, "grant", None)
    return {
        "id": r.pk,
        "dataset": r.dataset.slug,
        "dataset_title": r.dataset.title,
        "requester": r.requester.username,
        "organization": str(r.organization) if r.organization_id else None,
        "purpose": r.purpose,
        "status": r.status,
        "created_at": r.created_at,
        "decided_at": r.decided_at,
        "refusal_reason": r.refusal_reason,
        "grant": grant_out(grant) if grant is not None else None,
    }


def agreement_out(a: Agreement) -> dict:
    return {
        "reference": a.reference,
        "title": a.title,
        "partner": str(a.partner),
        "partner_kind": a.partner_kind,
        "service": str(a.service),
        "purpose": a.purpose,
        "conditions": a.conditions,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "is_in_force": a.is_in_force(),
        "datasets_provided": [d.slug for d in a.datasets_provided.all()],
        "datasets_received": [d.slug for d in a.datasets_received.all()],
    }


def _requestable(actor, slug: str) -> Dataset:
    dataset = catalog_selectors.dataset_list_requestable(actor).filter(slug=slug).first()
    if dataset is None:
        raise NotFound(
            f"Jeu de données « {slug} » introuvable parmi ceux que vous pouvez demander.",
            f"Dataset '{slug}' not found among those you may request.",
            where="dataset",
        )
    return dataset


@router.post(
    "/access-requests",
    response={201: AccessRequestOut, **ERRORS},
    url_name="access-request-create",
    summary="Demander l'accès à un jeu de données non ouvert",
)
def access_request_create(request, payload: AccessRequestIn):
    actor = _signed_in(writer_of(request))
    dataset = _requestable(actor, payload.dataset)
    created = services.access_request_create(actor=actor, dataset=dataset, purpose=payload.purpose)
    return Status(201, request_out(created))


@router.get(
    "/access-requests/mine",
    response={200: list[AccessRequestOut], **ERRORS},
    url_name="access-requests-mine",
    summary="Mes demandes d'accès",
)
def access_requests_mine(request):
    actor = _signed_in(actor_of(request))
    return [request_out(r) for r in selectors.access_requests_of(actor)[:200]]


@router.get(
    "/access-requests",
    response={200: list[AccessRequestOut], **ERRORS},
    url_name="access-request-queue",
    summary="Les demandes d'accès à décider (relais données, administrateur des données)",
)
def access_request_queue(request, status: str | None = None):
    actor = _signed_in(actor_of(request))
    qs = selectors.access_request_queue(actor, status=status).select_related("grant")
    return [request_out(r) for r in qs[:500]]


def _period(period) -> dict | None:
    if period is None:
        return None
    return {
        "column": period.column,
        "start": period.start.isoformat() if period.start else None,
        "end": period.end.isoformat() if period.end else None,
    }


@router.post(
    "/access-requests/{request_id}/grant",
    response={201: GrantOut, **ERRORS},
    url_name="access-request-grant",
    summary="Accorder une demande (périmètre et expiration)",
)
def access_request_grant(request, request_id: int, payload: GrantIn):
    actor = _signed_in(writer_of(request))
    found = selectors.access_request_get_for_decider(actor, request_id)
    grant = services.access_request_grant(
        actor=actor,
        request=found,
        expires_at=payload.expires_at,
        columns=payload.columns,
        row_filters=[f.dict() for f in payload.row_filters],
        period=_period(payload.period),
        reason=payload.reason,
    )
    return Status(201, grant_out(grant))


@router.post(
    "/access-requests/{request_id}/refuse",
    response={200: AccessRequestOut, **ERRORS},
    url_name="access-request-refuse",
    summary="Refuser une demande (motif obligatoire)",
)
def access_request_refuse(request, request_id: int, payload: ReasonIn):
    actor = _signed_in(writer_of(request))
    found = selectors.access_request_get_for_decider(actor, request_id)
    return request_out(
        services.access_request_refuse(actor=actor, request=found, reason=payload.reason)
    )


@router.post(
    "/access-requests/{request_id}/withdraw",
    response={200: AccessRequestOut, **ERRORS},
    url_name="access-request-withdraw",
    summary="Retirer sa demande",
)
def access_request_withdraw(request, request_id: int):
    actor = _signed_in(writer_of(request))
    found = selectors.access_request_get_for_requester(actor, request_id)
    return request_out(services.access_request_withdraw(actor=actor, request=found))


@router.get(
    "/access-grants",
    response={200: list[GrantOut], **ERRORS},
    url_name="access-grant-list",
    summary="Les autorisations d'accès (celles que l'on décide, ou les siennes)",
)
def access_grant_list(request):
    actor = _signed_in(actor_of(request))
    decided = selectors.access_grant_list_for_decider(actor)
    held = selectors.access_grants_of(actor)
    seen, out = set(), []
    for grant in [*decided[:500], *held[:200]]:
        if grant.pk not in seen:
            seen.add(grant.pk)
            out.append(grant_out(grant))
    return out


@router.post(
    "/access-grants/{grant_id}/revoke",
    response={200: GrantOut, **ERRORS},
    url_name="access-grant-revoke",
    summary="Révoquer une autorisation (effet immédiat)",
)
def access_grant_revoke(request, grant_id: int, payload: ReasonIn):
    actor = _signed_in(writer_of(request))
    grant = selectors.access_grant_get_for_decider(actor, grant_id)
    return grant_out(services.access_grant_revoke(actor=actor, grant=grant, reason=payload.reason))


@router.get(
    "/agreements",
    response={200: list[AgreementOut], **ERRORS},
    url_name="agreement-list",
    summary="Conventions de partage de données (les siennes pour un partenaire)",
)
def agreement_list(request):
    actor = _signed_in(actor_of(request))
    return [agreement_out(a) for a in selectors.agreement_list_for_actor(actor)[:200]]


@router.get(
    "/agreements/{reference}",
    response={200: AgreementOut, **ERRORS},
    url_name="agreement-detail",
    summary="Une convention de partage de données",
)
def agreement_detail(request, reference: str):
    actor = _signed_in(actor_of(request))
    return agreement_out(selectors.agreement_get_for_actor(actor, reference))


@upload_gate("api-v1:agreement-push")
def _push_gate(request, reference: str, slug: str) -> None:
    """Before the body is read: a partner account of this agreement (the view checks again)."""
    selectors.agreement_get_for_actor(_signed_in(write_actor_claimed(request)), reference)


@router.post(
    "/agreements/{reference}/datasets/{slug}/deliveries",
    response={201: DeliveryOut, **ERRORS, 413: ErrorOut},
    url_name="agreement-push",
    summary="Déposer des données d'intérêt général au titre d'une convention (partenaire)",
)
def agreement_push(request, reference: str, slug: str, file: File[UploadedFile]):
    actor = _signed_in(writer_of(request))
    agreement = selectors.agreement_get_for_actor(actor, reference)
    dataset = agreement.datasets_provided.filter(slug=slug).first()
    if dataset is None:
        raise NotFound(
            f"La convention « {reference} » ne prévoit pas de dépôt pour « {slug} ».",
            f"Agreement '{reference}' provides no delivery for '{slug}'.",
            where="slug",
        )
    path = lake_services.upload_store(chunks=file.chunks(), original_name=file.name or "fichier")
    try:
        delivery, report = services.agreement_push(
            actor=actor,
            agreement=agreement,
            dataset=dataset,
            source=path,
            original_name=file.name or path.name,
        )
    finally:
        lake_services.upload_discard(path)
    return Status(
        201,
        {
            "agreement": agreement.reference,
            "dataset": dataset.slug,
            "status": delivery.status,
            "version": delivery.version_number,
            "message": report.message_fr,
            "message_en": report.message_en,
        },
    )
