"""What moderation needs: the hidden flag on every contribution, reports, and moderation acts."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoire.core.models import TimeStampedModel

from ..vocabularies import ContentKind, ModerationAct


class Moderated(TimeStampedModel):
    """A contribution that participants can report and moderators hide, restore or edit."""

    is_hidden = models.BooleanField(_("masqué"), default=False)
    hidden_reason = models.CharField(_("motif du masquage"), max_length=300, blank=True)

    class Meta:
        abstract = True


class ContentReport(TimeStampedModel):
    """A participant reports a contribution to the moderators, once per contribution."""

    kind = models.CharField(_("type de contenu"), max_length=12, choices=ContentKind.choices)
    object_id = models.PositiveBigIntegerField(_("identifiant du contenu"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signalé par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("motif"), max_length=500)
    resolved_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signalement de contenu")
        verbose_name_plural = _("signalements de contenu")
        # Granted to moderators (accounts.permissions.is_moderator), with or without a staff role.
        permissions = [("moderate_content", _("Modérer les contributions des participants"))]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "reporter"], name="participation_report_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id}: {self.reason[:60]}"


class ModerationAction(models.Model):
    """One act of a moderator (or of the report threshold), with its reason."""

    kind = models.CharField(_("type de contenu"), max_length=12, choices=ContentKind.choices)
    object_id = models.PositiveBigIntegerField(_("identifiant du contenu"))
    act = models.CharField(_("acte"), max_length=12, choices=ModerationAct.choices)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modérateur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("motif"), max_length=500)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("acte de modération")
        verbose_name_plural = _("actes de modération")

    def __str__(self) -> str:
        return f"{self.get_act_display()} {self.kind} {self.object_id}"
