"""Data projects: presentation, phases, transparency sheet, public questions, results."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoire.core.models import TimeStampedModel

from ..vocabularies import PhaseKind, ProjectStatus
from .moderation import Moderated


class Project(TimeStampedModel):
    """A data project of a service, explained to citizens and followed to its measured effects."""

    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    service = models.ForeignKey(
        "organizations.Service",
        verbose_name=_("service responsable"),
        on_delete=models.PROTECT,
        related_name="participation_projects",
    )
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    presentation = models.TextField(_("présentation (Markdown)"), blank=True)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("échelle (territoire concerné)"),
        on_delete=models.PROTECT,
        related_name="participation_projects",
    )
    is_published = models.BooleanField(_("publié"), default=False, db_index=True)
    # Transparency sheet
    purpose = models.TextField(_("finalité"), blank=True)
    processes_personal_data = models.BooleanField(
        _("traite des données personnelles"), default=False
    )
    personal_data_detail = models.TextField(
        _("données personnelles traitées et pourquoi"), blank=True
    )
    benefits = models.TextField(_("bénéfices attendus"), blank=True)
    risks = models.TextField(_("risques et mesures pour les réduire"), blank=True)
    decision_maker = models.CharField(_("qui décide"), max_length=300, blank=True)
    contact = models.CharField(_("contact"), max_length=300, blank=True)
    datasets = models.ManyToManyField(
        "catalog.Dataset", verbose_name=_("jeux de données utilisés"), blank=True, related_name="+"
    )
    algorithms = models.ManyToManyField(
        "registers.Algorithm", verbose_name=_("algorithmes"), blank=True, related_name="+"
    )
    processing_activities = models.ManyToManyField(
        "registers.ProcessingActivity",
        verbose_name=_("traitements RGPD"),
        blank=True,
        related_name="+",
    )
    # Results
    status = models.CharField(
        _("état"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    indicators = models.ManyToManyField(
        "indicators.Indicator", verbose_name=_("indicateurs suivis"), blank=True, related_name="+"
    )
    evaluations = models.ManyToManyField(
        "indicators.Evaluation",
        verbose_name=_("évaluations (effets mesurés)"),
        blank=True,
        related_name="+",
    )
    reports = models.ManyToManyField(
        "reports.Report", verbose_name=_("signalements liés"), blank=True, related_name="+"
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="participation_project_progress_le_100"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Phase(models.Model):
    """One phase of a project, with its dates."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("phase"), max_length=16, choices=PhaseKind.choices)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["project_id", "starts_on"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="participation_phase_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project} — {self.get_kind_display()}"


class Milestone(models.Model):
    """A dated step of a project's results: planned on ``due_on``, reached on ``reached_on``."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("jalon"), max_length=200)
    due_on = models.DateField(_("prévu le"))
    reached_on = models.DateField(_("atteint le"), null=True, blank=True)

    class Meta:
        ordering = ["project_id", "due_on"]
        verbose_name = _("jalon")
        verbose_name_plural = _("jalons")

    def __str__(self) -> str:
        return self.title


class TimelineEntry(models.Model):
    """A public change of a project: status, progress, a milestone, an accepted proposal…"""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="timeline")
    created_at = models.DateTimeField(_("date"), auto_now_add=True)
    text = models.CharField(_("changement"), max_length=500)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("entrée du fil du projet")
        verbose_name_plural = _("fil du projet")

    def __str__(self) -> str:
        return self.text


class Question(Moderated):
    """A public question of a participant on a project, and the service's published answer."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(
        "participation.Participant",
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )
    text = models.TextField(_("question"))
    answer = models.TextField(_("réponse du service"), blank=True)
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("répondu par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text[:80]
