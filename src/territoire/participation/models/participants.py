"""Participants: the public side of a citizen account, and the invitation codes of the territory."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoire.core.models import TimeStampedModel

from ..vocabularies import NotificationMode, ResidencyMethod


class Participant(TimeStampedModel):
    """A citizen's profile: a public pseudonym (the only name shown), whether their e-mail address
    is confirmed, whether they live in the territory (a badge), how they want to be told."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.CASCADE,
        related_name="participant",
    )
    pseudonym = models.CharField(_("pseudonyme"), max_length=40, unique=True)
    email_confirmed_at = models.DateTimeField(_("courriel confirmé le"), null=True, blank=True)
    residency_method = models.CharField(
        _("vérification de résidence"),
        max_length=16,
        choices=ResidencyMethod.choices,
        default=ResidencyMethod.NONE,
        blank=True,
    )
    residency_commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune de résidence"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    residency_verified_at = models.DateTimeField(_("résidence vérifiée le"), null=True, blank=True)
    notification_mode = models.CharField(
        _("notifications"),
        max_length=12,
        choices=NotificationMode.choices,
        default=NotificationMode.IMMEDIATE,
    )

    class Meta:
        ordering = ["pseudonym"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return self.pseudonym

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_resident(self) -> bool:
        return self.residency_verified_at is not None


class InvitationCode(TimeStampedModel):
    """A one-use code handed out by the city (at a town hall, in a letter) proving residency."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    note = models.CharField(_("remis à / par"), max_length=200, blank=True)
    used_by = models.OneToOneField(
        Participant,
        verbose_name=_("utilisé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitation",
    )
    used_at = models.DateTimeField(_("utilisé le"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("code d'invitation")
        verbose_name_plural = _("codes d'invitation")

    def __str__(self) -> str:
        return self.code
