"""Proposals of participants, their supports and threaded comments; follows and notifications."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoire.core.models import TimeStampedModel

from ..vocabularies import FollowKind, ProposalCategory, ProposalStatus
from .moderation import Moderated
from .projects import Project


class Proposal(Moderated):
    """A participant's proposal to a service; accepted, it becomes part of a project."""

    service = models.ForeignKey(
        "organizations.Service",
        verbose_name=_("service destinataire"),
        on_delete=models.PROTECT,
        related_name="participation_proposals",
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("projet"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    author = models.ForeignKey(
        "participation.Participant",
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    title = models.CharField(_("titre"), max_length=150)
    text = models.TextField(_("texte"))
    category = models.CharField(_("catégorie"), max_length=16, choices=ProposalCategory.choices)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    status = models.CharField(
        _("état"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED
    )
    answer = models.TextField(_("réponse officielle"), blank=True)
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("répondu par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept equal to the number of Support rows by one conditional UPDATE per support (F()).
    support_count = models.PositiveIntegerField(_("soutiens"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("proposition")
        verbose_name_plural = _("propositions")

    def __str__(self) -> str:
        return self.title

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Support(models.Model):
    """One support of one account for one proposal (the database refuses a second)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposal_id", "created_at"]
        verbose_name = _("soutien")
        verbose_name_plural = _("soutiens")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="participation_support_once")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} ← {self.user_id}"


class Comment(Moderated):
    """A comment on a proposal, answering another comment or not (one level of threads or more)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        "participation.Participant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    text = models.TextField(_("commentaire"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")

    def __str__(self) -> str:
        return self.text[:80]


class Follow(TimeStampedModel):
    """An account follows a project or a proposal and gets its news by e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participation_follows"
    )
    kind = models.CharField(_("type"), max_length=12, choices=FollowKind.choices)
    object_id = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnements")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "object_id"], name="participation_follow_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.kind} {self.object_id}"


class PendingNotification(models.Model):
    """A news item waiting for the daily digest of an account."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "created_at"]
        verbose_name = _("notification en attente")
        verbose_name_plural = _("notifications en attente")

    def __str__(self) -> str:
        return self.subject
