"""Moderation: anyone signed in reports a contribution with a reason; at N distinct reporters
(TERRITOIRE_MODERATION_REPORTS) it is hidden pending review; moderators hide, restore or edit
with a reason. Every act is a ModerationAction and an audit event, in one transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoire.accounts import permissions
from territoire.core.errors import NotFound, PermissionRefused, ValidationFailed
from territoire.trust.services import audit_record, audited_save

from ..models import Comment, ContentReport, Moderated, ModerationAction, Proposal, Question
from ..vocabularies import ContentKind, ModerationAct
from .guard import check_rate, clean_text

MODELS: dict[str, type[Moderated]] = {
    ContentKind.PROPOSAL: Proposal,
    ContentKind.COMMENT: Comment,
    ContentKind.QUESTION: Question,
}


def content_get(kind: str, object_id: int) -> Moderated:
    model = MODELS.get(kind)
    content = model._default_manager.filter(pk=object_id).first() if model else None
    if content is None:
        raise NotFound("Contribution introuvable.", "Contribution not found.")
    return content


def content_report(*, actor, kind: str, object_id: int, reason: str,
                   address: str | None = None) -> ContentReport:  # fmt: skip
    """Report a contribution once; the N-th distinct reporter hides it pending review."""
    if not permissions.is_authenticated(actor):
        raise PermissionRefused("Connectez-vous pour signaler une contribution.",
                                "Sign in to report a contribution.")  # fmt: skip
    content = content_get(kind, object_id)
    reason = clean_text(reason, field="reason", label=_("Motif"), max_length=500)
    check_rate(actor=actor, address=address)
    try:
        with transaction.atomic():
            report = ContentReport.objects.create(kind=kind, object_id=object_id, reporter=actor,
                                                  reason=reason)  # fmt: skip
            audit_record(actor=actor, action="create", instance=report, reason=reason)
            reporters = ContentReport.objects.filter(kind=kind, object_id=object_id,
                                                     resolved_at__isnull=True).count()  # fmt: skip
            if reporters >= settings.TERRITOIRE_MODERATION_REPORTS and not content.is_hidden:
                _act(None, content, kind, ModerationAct.AUTO_HIDE,
                     f"{reporters} signalements : masqué en attente de relecture")  # fmt: skip
    except IntegrityError:
        raise ValidationFailed("Vous avez déjà signalé cette contribution.",
                               "You already reported this contribution.") from None  # fmt: skip
    return report


def _act(actor, content: Moderated, kind: str, act: str, reason: str) -> None:
    content.is_hidden = act in {ModerationAct.HIDE, ModerationAct.AUTO_HIDE} or (
        content.is_hidden and act == ModerationAct.EDIT
    )
    content.hidden_reason = reason[:300] if content.is_hidden else ""
    audited_save(actor=actor, instance=content, reason=f"modération ({act}) : {reason}")
    ModerationAction.objects.create(kind=kind, object_id=content.pk, act=act,
                                    moderator=actor, reason=reason[:500])  # fmt: skip


def content_moderate(*, actor, kind: str, object_id: int, act: str, reason: str,
                     text: str | None = None) -> Moderated:  # fmt: skip
    """A moderator hides, restores or edits (``text``) a contribution; the reason is required.
    Restoring or hiding resolves the open reports."""
    if not permissions.is_moderator(actor):
        raise PermissionRefused("Réservé aux modérateurs.", "Moderators only.")
    if act not in {ModerationAct.HIDE, ModerationAct.RESTORE, ModerationAct.EDIT}:
        raise ValidationFailed(
            "Acte de modération inconnu.", "Unknown moderation act.", where="act"
        )
    reason = clean_text(reason, field="reason", label=_("Motif"), max_length=500)
    content = content_get(kind, object_id)
    with transaction.atomic():
        if act == ModerationAct.EDIT:
            content.text = clean_text(text, field="text", label=_("Texte"))  # type: ignore[attr-defined]
        _act(actor, content, kind, act, reason)
        if act != ModerationAct.EDIT:
            ContentReport.objects.filter(kind=kind, object_id=object_id,
                                         resolved_at__isnull=True).update(resolved_at=timezone.now())  # fmt: skip
    return content
