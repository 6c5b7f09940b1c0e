"""The workspace's own records: staff notifications (in the app and in a daily e-mail digest)
and each person's digest preference."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    SUBMITTED = "submitted", _("jeu de données soumis pour relecture")
    SENT_BACK = "sent_back", _("jeu de données renvoyé au relais")
    PUBLISHED = "published", _("jeu de données publié par l'administrateur des données")
    DECISION_REQUESTED = "decision_requested", _("décision sur des données personnelles demandée")
    DECISION_TAKEN = "decision_taken", _("décision sur des données personnelles prise")
    JOB_FAILED = "job_failed", _("échec d'un dépôt de fichier")
    OVERDUE = "overdue", _("mise à jour en retard")
    PUBLIC_CONTRIBUTION = (
        "public_contribution",
        _("contribution du public à traiter (question, proposition, signalement)"),
    )


class Notification(models.Model):
    """Something a member of staff should know or do, about one dataset. Written by
    ``services.notifications_collect`` from the audit log, the failed jobs and the late datasets;
    ``key`` makes each fact notified once per person, however often collection runs."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("nature"), max_length=24, choices=NotificationKind.choices)
    key = models.CharField(_("clé"), max_length=120)
    dataset = models.ForeignKey(
        "catalog.Dataset",
        verbose_name=_("jeu de données"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    actor_repr = models.CharField(_("auteur"), max_length=200, blank=True)
    detail = models.TextField(_("détail"), blank=True)
    link = models.CharField(_("lien"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("envoyée par courriel le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return f"{self.recipient} — {self.get_kind_display()}"


class NotificationPreference(models.Model):
    """Whether a person receives the daily e-mail digest (yes unless they unsubscribed)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    daily_digest = models.BooleanField(_("résumé quotidien par courriel"), default=True)
    modified_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        ordering = ["user_id"]
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")

    def __str__(self) -> str:
        return f"{self.user} : {self.daily_digest}"


class NotificationCursor(models.Model):
    """How far collection has read a source (the audit log's last event id)."""

    name = models.CharField(_("source"), max_length=50, unique=True)
    position = models.BigIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("curseur de notifications")
        verbose_name_plural = _("curseurs de notifications")

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"
