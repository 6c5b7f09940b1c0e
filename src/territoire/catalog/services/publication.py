"""The one publication service: every change of ``is_published`` goes through here, whatever the
entry point (workspace, admin, API, CLI, ingestion with ``--publish``, demo), row locked, audited.

The workflow: brouillon → soumis → publié, or renvoyé au relais with the data officer's comment.
Where publication needs the data officer's review (the installation's or the service's rule,
``selectors.publication_review_required``), a steward submits and the data officer publishes or
sends back; elsewhere a steward publishes directly. The personal-data rule holds on every path:
flagged columns need the data officer's « publier tel quel » first — which a steward asks for in
one click (``personal_data_review_request``)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from territoire.accounts import permissions
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.trust.models import AuditAction, PersonalDataDecisionChoice
from territoire.trust.selectors import personal_data_decision_latest
from territoire.trust.services import audit_record, audited_save, personal_data_decision_write

from .. import hooks
from ..models import Dataset, PublicationReviewRule
from ..selectors import dataset_check_editable, publication_review_required
from ..vocabularies import AccessLevel, PublicationState


def _officer_only(actor, fr: str, en: str, where: str = "publication") -> None:
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(fr, en, where=where)


def _state_change(actor, dataset: Dataset, action: str, new: str, reason: str, **fields) -> None:
    """Move a locked dataset to ``new`` and audit it (« soumission », « renvoi »…) with the
    state's old → new value and the comment as the event's reason."""
    old = dataset.publication_state
    dataset.publication_state = new
    for key, value in fields.items():
        setattr(dataset, key, value)
    dataset.save(update_fields=["publication_state", "modified_at", *fields])
    audit_record(
        actor=actor,
        action=action,
        instance=dataset,
        changes={"publication_state": [old, new]},
        reason=reason,
    )


def dataset_submit(*, actor, dataset: Dataset, comment: str = "") -> Dataset:
    """A steward submits a dataset to the data officer for publication (« soumis »)."""
    dataset_check_editable(actor, dataset)
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if locked.is_published:
            raise ValidationFailed(
                "Ce jeu de données est déjà publié.",
                "This dataset is already published.",
                where="publication",
            )
        if locked.publication_state == PublicationState.SUBMITTED:
            raise ValidationFailed(
                "Ce jeu de données est déjà soumis à l'administrateur des données.",
                "This dataset is already submitted to the data officer.",
                where="publication",
            )
        _state_change(
            actor,
            locked,
            AuditAction.SUBMIT,
            PublicationState.SUBMITTED,
            comment.strip(),
            submitted_at=timezone.now(),
            submitted_by=actor if permissions.is_authenticated(actor) else None,
            review_comment="",
        )
    _copy_state(dataset, locked)
    return dataset


def dataset_send_back(*, actor, dataset: Dataset, comment: str) -> Dataset:
    """The data officer sends a submitted dataset back to its steward, saying what to fix."""
    _officer_only(
        actor,
        "Seul l'administrateur des données peut renvoyer un jeu de données au relais.",
        "Only the data officer may send a dataset back to its steward.",
    )
    if not comment.strip():
        raise ValidationFailed(
            "Dites au relais ce qu'il faut corriger : le commentaire est obligatoire.",
            "Tell the steward what to fix: the comment is required.",
            where="comment",
        )
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if locked.publication_state != PublicationState.SUBMITTED:
            raise ValidationFailed(
                "Seul un jeu de données soumis peut être renvoyé au relais.",
                "Only a submitted dataset can be sent back to its steward.",
                where="publication",
            )
        _state_change(
            actor,
            locked,
            AuditAction.SEND_BACK,
            PublicationState.SENT_BACK,
            comment.strip(),
            review_comment=comment.strip(),
        )
    _copy_state(dataset, locked)
    return dataset


def _copy_state(dataset: Dataset, locked: Dataset) -> None:
    for field in (
        "is_published",
        "published_at",
        "publication_state",
        "submitted_at",
        "submitted_by_id",
        "review_comment",
        "personal_data_review_requested_at",
        "personal_data_review_requested_by_id",
    ):
        setattr(dataset, field, getattr(locked, field))


def dataset_publish(*, actor, dataset: Dataset, reason: str = "") -> Dataset:
    """Make a dataset visible at its access level: the one way in, whatever the entry point
    (back-office, admin action, ingestion with --publish, demo). A personal dataset is never
    published as such; flagged personal data needs a data officer's « publier tel quel » first."""
    dataset_check_editable(actor, dataset)
    if publication_review_required(dataset) and not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "La publication de ce jeu de données passe par l'administrateur des données : "
            "soumettez-le pour publication.",
            "Publishing this dataset goes through the data officer: submit it for publication.",
            where="publication",
        )
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if locked.access_level == AccessLevel.PERSONAL:
            raise ValidationFailed(
                "Ce jeu de données contient des données personnelles : il ne peut pas être publié "
                "tel quel. Anonymisez-le ou changez son niveau d'accès après décision de "
                "l'administrateur des données.",
                "This dataset holds personal data: it cannot be published as is. Anonymise it or "
                "change its access level after a data officer's decision.",
                where="access_level",
            )
        if not locked.is_published:
            dataset_personal_data_check(dataset=locked)
            _set_published(actor, locked, True, reason)
    _copy_state(dataset, locked)
    return dataset


def dataset_unpublish(*, actor, dataset: Dataset, reason: str = "") -> Dataset:
    dataset_check_editable(actor, dataset)
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if locked.is_published:
            _set_published(actor, locked, False, reason)
    _copy_state(dataset, locked)
    return dataset


def _set_published(actor, dataset: Dataset, published: bool, reason: str) -> None:
    """The one write of ``is_published``, with its audit event (« publication » or
    « dépublication »); runs inside the caller's transaction, the dataset row locked."""
    fields = ["is_published", "publication_state", "review_comment", "modified_at"]
    old_state = dataset.publication_state
    dataset.is_published = published
    dataset.publication_state = PublicationState.PUBLISHED if published else PublicationState.DRAFT
    dataset.review_comment = ""
    if published:
        dataset.published_at = timezone.now()
        fields.append("published_at")
    dataset.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=AuditAction.PUBLISH if published else AuditAction.UNPUBLISH,
        instance=dataset,
        changes={
            "is_published": [not published, published],
            "publication_state": [old_state, dataset.publication_state],
        },
        reason=reason,
    )


def _flagged_columns(flags: list[dict]) -> str:
    return ", ".join(sorted({str(f.get("label") or f.get("column") or "?") for f in flags}))


def dataset_personal_data_check(
    *, dataset: Dataset, flags: list[dict] | None = None, candidate: dict | None = None
) -> None:
    """The personal-data publication rule: a published dataset never serves columns flagged as
    personal data unless the data officer's decision in force is « publier tel quel ».

    Without ``flags``: may the dataset be published, with the flags of what it serves (from the
    sources registered in catalog.hooks)? With ``flags``: may a published dataset start serving a
    new version flagged so (the lake's ingestion asks before swapping; ``candidate`` carries that
    version's ``lineage``, ``parquet_checksum`` and ``personal_data``)?

    A dataset derived by anonymisation (docs/anonymisation.md) follows its lineage instead of its
    flags: a version whose recorded check passed, on the file served, from the source version
    checked, with nothing left flagged, needs no decision; any other version of it does, flagged
    or not.
    """
    new_version = flags is not None
    if new_version and not dataset.is_published:
        return
    verdict = hooks.derivation_verdict(dataset, candidate if new_version else None)
    if verdict is not None:
        if verdict.passes or _decided_publish(dataset):
            return
        raise ValidationFailed(
            "Publication impossible sans décision de l'administrateur des données : "
            + " ; ".join(verdict.reasons_fr)
            + ".",
            "Cannot publish without a data officer's decision: "
            + "; ".join(verdict.reasons_en)
            + ".",
            where="personal_data",
        )
    if flags is None:
        flags = hooks.personal_data_flags(dataset)
    if not flags or _decided_publish(dataset):
        return
    columns = _flagged_columns(flags)
    if new_version:
        raise ValidationFailed(
            f"La nouvelle version contient des données personnelles (colonnes : {columns}) alors "
            "que le jeu de données est publié. La version précédente reste en service : un "
            "administrateur des données doit enregistrer une décision (publier tel quel ou garder "
            "privé), ou dépubliez le jeu avant de recharger.",
            f"The new version holds personal data (columns: {columns}) while the dataset is "
            "published. The previous version keeps serving: a data officer must record a decision "
            "(publish as is or keep private), or unpublish the dataset before loading.",
            where="personal_data",
        )
    raise ValidationFailed(
        f"Publication impossible : les colonnes {columns} semblent contenir des données "
        "personnelles. Un administrateur des données doit d'abord enregistrer une décision "
        "(publier tel quel, motif à l'appui).",
        f"Cannot publish: columns {columns} look like personal data. A data officer must first "
        "record a decision (publish as is, with a reason).",
        where="personal_data",
    )


def _decided_publish(dataset: Dataset) -> bool:
    decision = personal_data_decision_latest(dataset)
    return decision is not None and decision.decision == PersonalDataDecisionChoice.PUBLISH_AS_IS


def personal_data_decision_record(
    *, actor, dataset: Dataset, decision: str, reason: str, flags: list[dict] | None = None
):
    """Record the data officer's decision on a dataset flagged as holding personal data, and make
    it take effect: « garder privé » unpublishes a published dataset, in the same transaction
    (audited « dépublication » beside the « décision »). ``flags`` default to those of what the
    dataset serves. Only a data officer decides; the reason is required."""
    if not permissions.is_data_officer(actor):
        raise PermissionRefused(
            "Seul l'administrateur des données peut décider de la publication de données "
            "personnelles.",
            "Only the data officer may decide whether personal data is published.",
            where="personal_data",
        )
    if flags is None:
        flags = hooks.personal_data_flags(dataset)
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        record = personal_data_decision_write(
            actor=actor, dataset=locked, decision=decision, reason=reason, flags=flags
        )
        if locked.personal_data_review_requested_at is not None:
            locked.personal_data_review_requested_at = None
            locked.personal_data_review_requested_by = None
            locked.save(
                update_fields=[
                    "personal_data_review_requested_at",
                    "personal_data_review_requested_by",
                    "modified_at",
                ]
            )
        if decision == PersonalDataDecisionChoice.KEEP_PRIVATE and locked.is_published:
            _set_published(actor, locked, False, f"décision : garder privé — {record.reason}")
    _copy_state(dataset, locked)
    return record


def personal_data_review_request(*, actor, dataset: Dataset, comment: str = "") -> Dataset:
    """A steward asks the data officer for a decision on personal data (one click): the dataset
    joins the data officer's queue until a decision is recorded. Asking again while a request is
    pending changes nothing."""
    dataset_check_editable(actor, dataset)
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if locked.personal_data_review_requested_at is None:
            locked.personal_data_review_requested_at = timezone.now()
            locked.personal_data_review_requested_by = (
                actor if permissions.is_authenticated(actor) else None
            )
            locked.save(
                update_fields=[
                    "personal_data_review_requested_at",
                    "personal_data_review_requested_by",
                    "modified_at",
                ]
            )
            flags = hooks.personal_data_flags(locked)
            audit_record(
                actor=actor,
                action=AuditAction.DECISION_REQUEST,
                instance=locked,
                changes={"flagged_columns": [None, _flagged_columns(flags) or None]},
                reason=comment.strip(),
            )
    _copy_state(dataset, locked)
    return dataset


def dataset_publish_or_submit(*, actor, dataset: Dataset, reason: str = "") -> str:
    """What « publier » means for this actor: publish where they may, submit for the data
    officer's review where publication needs it. Returns the resulting publication state."""
    if publication_review_required(dataset) and not permissions.is_data_officer(actor):
        if dataset.publication_state != PublicationState.SUBMITTED and not dataset.is_published:
            dataset_submit(actor=actor, dataset=dataset, comment=reason)
        return dataset.publication_state
    dataset_publish(actor=actor, dataset=dataset, reason=reason)
    return dataset.publication_state


def publication_review_rule_set(
    *, actor, service=None, review_required: bool | None
) -> PublicationReviewRule:
    """The data officer sets « la publication demande sa relecture » for the installation (no
    service) or for one service (None: as the installation)."""
    _officer_only(
        actor,
        "Seul l'administrateur des données règle la relecture avant publication.",
        "Only the data officer sets the review before publication.",
        where="review_required",
    )
    if service is None and review_required is None:
        raise ValidationFailed(
            "Pour toute l'installation, choisissez oui ou non.",
            "For the whole installation, choose yes or no.",
            where="review_required",
        )
    with transaction.atomic():
        rule = PublicationReviewRule.objects.select_for_update().filter(
            service=service
        ).first() or PublicationReviewRule(service=service)
        rule.review_required = review_required
        audited_save(actor=actor, instance=rule)
    return rule
