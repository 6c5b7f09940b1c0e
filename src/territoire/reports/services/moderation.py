"""Moderation of reports: anyone may flag a report's text or photo with a reason; flags from
``TERRITOIRE_REPORT_FLAGS_TO_HIDE`` distinct people hide it pending review; the service in
charge (or the data officer) hides or restores it with a reason. Each act is audited."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from territoire.accounts import permissions
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.trust.services import audit_record

from ..models import Report, ReportFlag
from ..selectors import may_handle
from ..text import DESCRIPTION_MAX, DESCRIPTION_MIN, REASON_MAX, clean_text
from ..vocabularies import ModerationState
from .dataset import reports_dataset_refresh_soon
from .reports import write_throttle


def report_flag(*, actor, report: Report, reason: str, client: str) -> ReportFlag:
    """Flag a report. ``client`` identifies the person: their account when signed in, else a
    digest of their address; one flag per client and report."""
    text = clean_text(
        reason, where="reason", label_fr="Motif", label_en="Reason", minimum=5, maximum=REASON_MAX
    )
    who = f"user:{actor.pk}" if permissions.is_authenticated(actor) else f"ip:{client}"
    write_throttle(actor=actor, client=client, kind="report-flag")
    try:
        with transaction.atomic():
            flag = ReportFlag.objects.create(
                report=report,
                user=actor if permissions.is_authenticated(actor) else None,
                client=who[:64],
                reason=text,
            )
            Report.objects.filter(pk=report.pk).update(flag_count=F("flag_count") + 1)
            locked = Report.objects.select_for_update().get(pk=report.pk)
            changes: dict = {"flag_count": [locked.flag_count - 1, locked.flag_count]}
            if (
                locked.moderation == ModerationState.VISIBLE
                and locked.flag_count >= settings.TERRITOIRE_REPORT_FLAGS_TO_HIDE
            ):
                locked.moderation = ModerationState.PENDING
                locked.save(update_fields=["moderation", "modified_at"])
                changes["moderation"] = [ModerationState.VISIBLE, ModerationState.PENDING]
                reports_dataset_refresh_soon()
            audit_record(
                actor=actor, action="update", instance=locked, changes=changes, reason=text
            )
    except IntegrityError:
        raise ValidationFailed(
            "Vous avez déjà signalé ce contenu : la modération va l'examiner.",
            "You have already flagged this content: moderators will look at it.",
            where="reason",
        ) from None
    report.flag_count, report.moderation = locked.flag_count, locked.moderation
    return flag


def report_moderate(*, actor, report: Report, hide: bool, reason: str) -> Report:
    """Hide or restore a report, with the reason kept in the audit log. Restoring clears the
    pending flags (they have been reviewed); new flags count afresh."""
    if not may_handle(actor, report):
        raise PermissionRefused(
            "Seuls le service chargé de la catégorie et l'administrateur des données modèrent "
            "ce signalement.",
            "Only the service in charge of the category and the data officer moderate this report.",
            where="moderation",
        )
    text = clean_text(
        reason, where="reason", label_fr="Motif", label_en="Reason", minimum=3, maximum=REASON_MAX
    )
    new = ModerationState.HIDDEN if hide else ModerationState.VISIBLE
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        old = locked.moderation
        locked.moderation = new
        fields = ["moderation", "modified_at"]
        if not hide:
            locked.flag_count = 0
            fields.append("flag_count")
        locked.save(update_fields=fields)
        locked.flags.filter(is_reviewed=False).update(is_reviewed=True)
        audit_record(
            actor=actor,
            action="update",
            instance=locked,
            changes={
                "moderation": [old, new],
                "moderation_act": [None, "masquer" if hide else "rétablir"],
            },
            reason=text,
        )
        if old != new:
            reports_dataset_refresh_soon()
    report.moderation, report.flag_count = locked.moderation, locked.flag_count
    return report


def report_edit_text(*, actor, report: Report, description: str, reason: str) -> Report:
    """A moderator rewrites a report's description (to remove a name, an insult…); the old and
    new texts and the reason are in the audit log."""
    if not may_handle(actor, report):
        raise PermissionRefused(
            "Seuls le service chargé de la catégorie et l'administrateur des données modèrent "
            "ce signalement.",
            "Only the service in charge of the category and the data officer moderate this report.",
            where="moderation",
        )
    text = clean_text(
        description, where="description", label_fr="Description", label_en="Description",
        minimum=DESCRIPTION_MIN, maximum=DESCRIPTION_MAX,
    )  # fmt: skip
    why = clean_text(
        reason, where="reason", label_fr="Motif", label_en="Reason", minimum=3, maximum=REASON_MAX
    )
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        old = locked.description
        if old == text:
            raise ValidationFailed(
                "Le texte n'a pas changé.", "The text has not changed.", where="description"
            )
        locked.description = text
        locked.save(update_fields=["description", "modified_at"])
        audit_record(
            actor=actor,
            action="update",
            instance=locked,
            changes={"description": [old, text], "moderation_act": [None, "modifier le texte"]},
            reason=why,
        )
    report.description = text
    return report
