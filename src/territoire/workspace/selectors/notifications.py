"""Reads for one person: their notifications in words, and who read a non-public dataset."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from territoire.catalog.models import Dataset
from territoire.catalog.selectors import dataset_check_editable
from territoire.core.errors import ValidationFailed
from territoire.trust.models import AuditAction, AuditEvent

from ..models import Notification, NotificationKind


def notification_list(actor) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=actor).select_related("dataset")


def notification_unread_count(actor) -> int:
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()


def notification_sentence(note: Notification) -> str:
    """What happened, in the page's language."""
    values = {
        "title": note.dataset.title if note.dataset else "—",
        "who": note.actor_repr or _("système"),
        "detail": note.detail,
    }
    sentences: dict[str, str] = {
        NotificationKind.SUBMITTED: _("%(who)s a soumis « %(title)s » pour publication."),
        NotificationKind.SENT_BACK: _(
            "%(who)s a renvoyé « %(title)s » pour correction : %(detail)s"
        ),
        NotificationKind.PUBLISHED: _("%(who)s a publié « %(title)s » après relecture."),
        NotificationKind.DECISION_REQUESTED: _(
            "%(who)s demande une décision sur les données personnelles de « %(title)s »."
        ),
        NotificationKind.DECISION_TAKEN: _(
            "%(who)s a pris une décision sur les données personnelles de « %(title)s » : %(detail)s"
        ),
        NotificationKind.JOB_FAILED: _(
            "Le dépôt d'un fichier dans « %(title)s » a échoué : %(detail)s"
        ),
        NotificationKind.OVERDUE: _(
            "La mise à jour de « %(title)s » était attendue le %(detail)s."
        ),
        NotificationKind.PUBLIC_CONTRIBUTION: _(
            "%(who)s attend une réponse de votre service : « %(detail)s »"
        ),
    }
    if note.kind == NotificationKind.PUBLIC_CONTRIBUTION and not note.actor_repr:
        # a report (signalement): its author is not named to the staff's notifications
        sentences[note.kind] = _("Un habitant attend une réponse de votre service : « %(detail)s »")
    template = sentences.get(note.kind)
    return (template % values) if template else note.get_kind_display()


def dataset_reads(actor, dataset: Dataset) -> QuerySet[AuditEvent]:
    """Who read this non-public dataset, when and through which path (the audit log's reads),
    latest first. For whoever may change the dataset (its steward, the data officer)."""
    dataset_check_editable(actor, dataset)
    if dataset.is_public:
        raise ValidationFailed(
            "Ce jeu de données est public : ses lectures ne sont pas journalisées.",
            "This dataset is public: its reads are not logged.",
            where="dataset",
        )
    return AuditEvent.objects.filter(
        action=AuditAction.READ, object_type="catalog.dataset", object_id=str(dataset.pk)
    ).order_by("-created_at", "-id")
