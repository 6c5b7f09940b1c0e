"""Reports (signalements): a problem in public space, filed by a person with a place and an
optional photo, routed through its category to the service in charge, which moves it through
its statuses with public messages. Followers are told of each change by e-mail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoire.core.models import TimeStampedModel

from .vocabularies import ModerationState, ReportStatus


class ReportCategory(TimeStampedModel):
    """A kind of report (voirie, propreté…), owned by the service that handles it. Its ``code``
    is the Open311 ``service_code``."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    service = models.ForeignKey(
        "organizations.Service",
        verbose_name=_("service responsable"),
        on_delete=models.PROTECT,
        related_name="report_categories",
    )
    is_active = models.BooleanField(_("ouverte aux signalements"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("catégorie de signalement")
        verbose_name_plural = _("catégories de signalement")

    def __str__(self) -> str:
        return self.name


class Report(TimeStampedModel):
    """One report. The position is WGS 84; ``commune`` and ``quartier`` are found from it when
    it is filed (a point outside the territory is refused)."""

    category = models.ForeignKey(
        ReportCategory,
        verbose_name=_("catégorie"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    description = models.TextField(_("description"))
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    address = models.CharField(_("adresse ou repère"), max_length=200, blank=True)
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    quartier = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("quartier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quartier_reports",
    )
    # A name chosen by the platform (a random hex), never by the person who sent the photo.
    photo = models.FileField(_("photo"), upload_to="reports/photos/", max_length=120, blank=True)
    status = models.CharField(
        _("statut"),
        max_length=16,
        choices=ReportStatus.choices,
        default=ReportStatus.NEW,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("statut changé le"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    channel = models.CharField(_("canal"), max_length=16, default="portail")
    moderation = models.CharField(
        _("modération"),
        max_length=16,
        choices=ModerationState.choices,
        default=ModerationState.VISIBLE,
        db_index=True,
    )
    flag_count = models.PositiveIntegerField(_("nombre de signalements d'abus"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        indexes = [
            models.Index(fields=["moderation", "status", "-created_at"], name="report_public_idx"),
            models.Index(fields=["latitude", "longitude"], name="report_position_idx"),
        ]

    def __str__(self) -> str:
        return f"Signalement n° {self.pk} ({self.category_id and self.category.name})"

    @property
    def is_visible(self) -> bool:
        return self.moderation == ModerationState.VISIBLE


class ReportEvent(models.Model):
    """One step of a report's timeline: a status change and/or a public message of the service."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    old_status = models.CharField(_("ancien statut"), max_length=16, blank=True)
    status = models.CharField(_("statut"), max_length=16, choices=ReportStatus.choices, blank=True)
    message = models.TextField(_("message public"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("étape d'un signalement")
        verbose_name_plural = _("étapes des signalements")

    def __str__(self) -> str:
        return f"{self.report_id} → {self.status or 'message'}"


class ReportFlag(models.Model):
    """Someone says a report's text or photo is abusive; one per account (or per address when
    anonymous). ``REPORTS_FLAGS_TO_HIDE`` of them hide the report pending review."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="flags")
    created_at = models.DateTimeField(_("date"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A digest of the address (core.ratelimit.digest), never the address itself.
    client = models.CharField(_("client (empreinte)"), max_length=64)
    reason = models.CharField(_("motif"), max_length=500)
    is_reviewed = models.BooleanField(_("examiné"), default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signalement d'abus")
        verbose_name_plural = _("signalements d'abus")
        constraints = [
            models.UniqueConstraint(fields=["report", "client"], name="report_flag_unique_client")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.reason[:40]}"


class ReportFollow(models.Model):
    """A person follows a report and gets an e-mail at each change; ``token`` is the one-click
    unsubscribe link's secret."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_follows"
    )
    token = models.CharField(max_length=43, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("suivi d'un signalement")
        verbose_name_plural = _("suivis des signalements")
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="report_follow_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} suit {self.report_id}"
