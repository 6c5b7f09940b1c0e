"""Data-sharing agreements with the territory's partners: the agreement and the grants it
implies, the partner's accounts, and the « données d'intérêt général » a partner pushes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from territoire.accounts import permissions
from territoire.catalog.models import Dataset
from territoire.core.errors import NotFound, PermissionRefused, ValidationFailed
from territoire.lake import services as lake_services
from territoire.lake.report import IngestReport
from territoire.organizations.models import Organization
from territoire.trust.models import (
    AccessGrant,
    Agreement,
    AgreementDelivery,
    AuditAction,
    PartnerAccount,
)
from territoire.trust.services import audit_record, audited_save

from .requests import access_grant_create


def _check_manager(actor, service_id: int | None) -> None:
    if not permissions.can_manage_agreements(actor, service_id):
        raise PermissionRefused(
            "Seuls l'administrateur des données et les relais données du service référent "
            "gèrent cette convention.",
            "Only the data officer and the stewards of the referent service manage this agreement.",
            where="service",
        )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _day_after(day: dt.date) -> dt.datetime:
    return _day_start(day + dt.timedelta(days=1))


def agreement_save(
    *,
    actor,
    agreement: Agreement,
    datasets_provided: Iterable[Dataset],
    datasets_received: Iterable[Dataset],
    reason: str = "",
) -> Agreement:
    """Create or change an agreement. The non-public datasets the partner receives become grants
    to the partner organisation for the agreement's duration (kept in step: a dataset taken out
    of the agreement has its grant revoked; new dates move the grants)."""
    _check_manager(actor, agreement.service_id)
    if agreement.ends_on < agreement.starts_on:
        raise ValidationFailed(
            "La date de fin précède la date de début.",
            "The end date is before the start date.",
            where="ends_on",
        )
    if not (agreement.purpose or "").strip():
        raise ValidationFailed(
            "Indiquez l'objet de la convention.", "Give the agreement's purpose.", where="purpose"
        )
    provided, received = list(datasets_provided), list(datasets_received)
    both = {d.slug for d in provided} & {d.slug for d in received}
    if both:
        raise ValidationFailed(
            f"Un jeu ne peut pas être à la fois fourni et reçu : {', '.join(sorted(both))}.",
            f"A dataset cannot be both provided and received: {', '.join(sorted(both))}.",
            where="datasets_received",
        )
    with transaction.atomic():
        before = (
            (
                sorted(agreement.datasets_provided.values_list("slug", flat=True)),
                sorted(agreement.datasets_received.values_list("slug", flat=True)),
            )
            if agreement.pk
            else ([], [])
        )
        audited_save(actor=actor, instance=agreement, reason=reason)
        agreement.datasets_provided.set(provided)
        agreement.datasets_received.set(received)
        after = (sorted(d.slug for d in provided), sorted(d.slug for d in received))
        if after != before:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=agreement,
                changes={
                    "datasets_provided": [before[0], after[0]],
                    "datasets_received": [before[1], after[1]],
                },
                reason=reason,
            )
        _grants_sync(actor, agreement, received)
    return agreement


def _grants_sync(actor, agreement: Agreement, received: list[Dataset]) -> None:
    starts, ends = _day_start(agreement.starts_on), _day_after(agreement.ends_on)
    current = {g.dataset_id: g for g in agreement.grants.filter(revoked_at__isnull=True)}
    wanted = {d.pk: d for d in received if not d.is_public}
    for dataset_id, grant in current.items():
        if dataset_id not in wanted or agreement.terminated_at is not None:
            _revoke(actor, grant, "retiré de la convention " + agreement.reference)
        elif (grant.starts_at, grant.expires_at) != (starts, ends):
            grant.starts_at, grant.expires_at = starts, ends
            audited_save(actor=actor, instance=grant, reason="dates de la convention")
    if agreement.terminated_at is not None:
        return
    for dataset_id, dataset in wanted.items():
        if dataset_id not in current:
            access_grant_create(
                actor=actor,
                dataset=dataset,
                expires_at=ends,
                starts_at=starts,
                grantee_organization=agreement.partner,
                agreement=agreement,
                reason=f"convention {agreement.reference}",
            )


def _revoke(actor, grant: AccessGrant, reason: str) -> None:
    grant.revoked_at, grant.revoked_by, grant.revocation_reason = timezone.now(), actor, reason
    grant.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    audit_record(
        actor=actor,
        action=AuditAction.ACCESS_REVOKE,
        instance=grant.dataset,
        changes={"grant": [grant.pk, None]},
        reason=reason,
    )


def agreement_terminate(*, actor, agreement: Agreement, reason: str) -> Agreement:
    """End an agreement now: its grants are revoked, its partner may no longer push."""
    _check_manager(actor, agreement.service_id)
    if not (reason or "").strip():
        raise ValidationFailed(
            "Indiquez le motif de la résiliation.", "Give the reason for ending it.", where="reason"
        )
    if agreement.terminated_at is not None:
        raise ValidationFailed(
            "Cette convention est déjà résiliée.",
            "This agreement has already ended.",
            where="agreement",
        )
    with transaction.atomic():
        agreement.terminated_at = timezone.now()
        audited_save(actor=actor, instance=agreement, reason=reason)
        for grant in agreement.grants.filter(revoked_at__isnull=True):
            _revoke(actor, grant, reason)
    return agreement


def partner_account_set(*, actor, user, organization: Organization | None) -> PartnerAccount | None:
    """Make ``user`` act for a partner organisation (None: no longer). Data officer only; an
    agent of the territory cannot be a partner account."""
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "Seul l'administrateur des données rattache un compte à un partenaire.",
            "Only the data officer attaches an account to a partner.",
        )
    if organization is not None and (permissions.is_agent(user) or user.is_superuser):
        raise ValidationFailed(
            "Un agent du territoire ne peut pas être un compte partenaire.",
            "An agent of the territory cannot be a partner account.",
            where="user",
        )
    with transaction.atomic():
        existing = PartnerAccount.objects.filter(user=user).first()
        if organization is None:
            if existing is not None:
                audit_record(
                    actor=actor,
                    action=AuditAction.DELETE,
                    instance=existing,
                    changes={"organization": [str(existing.organization), None]},
                )
                existing.delete()
            return None
        account = existing or PartnerAccount(user=user)
        account.organization = organization
        return audited_save(actor=actor, instance=account)


def agreement_push(
    *, actor, agreement: Agreement, dataset: Dataset, source: Path, original_name: str
) -> tuple[AgreementDelivery, IngestReport]:
    """A partner's account pushes a file to a dataset its agreement names as provided by the
    partner: it is ingested by the lake's own ingestion (a new version, or « unchanged »), and
    the delivery records its provenance (the agreement, who, which version)."""
    partner = (
        PartnerAccount.objects.filter(user_id=actor.pk).first()
        if permissions.is_authenticated(actor)
        else None
    )
    if partner is None or partner.organization_id != agreement.partner_id:
        raise NotFound(
            f"Convention « {agreement.reference} » introuvable.",
            f"Agreement '{agreement.reference}' not found.",
            where="agreement",
        )
    if not agreement.is_in_force():
        raise PermissionRefused(
            "Cette convention n'est pas en vigueur : aucun dépôt n'est possible.",
            "This agreement is not in force: no data may be pushed.",
            where="agreement",
        )
    if not agreement.datasets_provided.filter(pk=dataset.pk).exists():
        raise PermissionRefused(
            f"La convention ne prévoit pas que vous fournissiez « {dataset.slug} ».",
            f"The agreement does not provide for you to supply '{dataset.slug}'.",
            where="dataset",
        )
    # The platform ingests on the agreement's behalf (actor None: the partner is not an editor
    # of the dataset); who pushed it is recorded below, with the agreement as provenance.
    report = lake_services.dataset_ingest(
        actor=None,
        dataset=dataset,
        source=source,
        original_name=original_name,
        holder=f"le dépôt de {actor.username} ({agreement.reference})",
    )
    with transaction.atomic():
        delivery = AgreementDelivery.objects.create(
            agreement=agreement,
            dataset=dataset,
            version_number=report.version if report.status == "created" else None,
            status=report.status,
            source_name=original_name[:300],
            pushed_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.AGREEMENT_PUSH,
            instance=dataset,
            changes={
                "agreement": [None, agreement.reference],
                "current_version": [None, report.version],
                "status": [None, report.status],
            },
            reason=f"convention {agreement.reference} : {original_name}"[:500],
        )
    return delivery, report
