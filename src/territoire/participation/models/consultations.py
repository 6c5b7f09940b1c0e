"""Consultations: a questionnaire open between two dates, one response per participant."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from territoire.core.models import TimeStampedModel

from ..vocabularies import QuestionKind, TextReview
from .projects import Project


class Consultation(TimeStampedModel):
    """A questionnaire of a project; its aggregated results become a dataset of the lake."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="consultations")
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"))
    requires_residency = models.BooleanField(_("réservée aux résidents vérifiés"), default=False)
    results_dataset = models.ForeignKey(
        "catalog.Dataset",
        verbose_name=_("jeu de données des résultats"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    results_published_at = models.DateTimeField(_("résultats publiés le"), null=True, blank=True)

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="participation_consultation_dates",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ConsultationQuestion(models.Model):
    """One question: choices for single/multiple/ranking, bounds for a scale, or free text."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    kind = models.CharField(_("type"), max_length=10, choices=QuestionKind.choices)
    label = models.CharField(_("question"), max_length=300)
    choices = models.JSONField(_("choix"), default=list, blank=True)
    scale_min = models.SmallIntegerField(_("minimum de l'échelle"), default=1)
    scale_max = models.SmallIntegerField(_("maximum de l'échelle"), default=5)
    is_required = models.BooleanField(_("obligatoire"), default=True)

    class Meta:
        ordering = ["consultation_id", "position", "id"]
        verbose_name = _("question de consultation")
        verbose_name_plural = _("questions de consultation")

    def __str__(self) -> str:
        return self.label


class Response(models.Model):
    """The one response of a participant (null once their account is deleted: anonymised)."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="responses"
    )
    participant = models.ForeignKey(
        "participation.Participant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responses",
    )
    quartier = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("quartier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)

    class Meta:
        ordering = ["consultation_id", "submitted_at"]
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "participant"], name="participation_one_response"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation} #{self.pk}"


class Answer(models.Model):
    """The answer to one question: ``value`` (choice, choices in order, number) or ``text``."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        ConsultationQuestion, on_delete=models.CASCADE, related_name="answers"
    )
    value = models.JSONField(_("valeur"), null=True, blank=True)
    text = models.TextField(_("texte libre"), blank=True)
    text_review = models.CharField(
        _("relecture du texte"),
        max_length=10,
        choices=TextReview.choices,
        default=TextReview.PENDING,
    )

    class Meta:
        ordering = ["response_id", "question_id"]
        verbose_name = _("réponse à une question")
        verbose_name_plural = _("réponses aux questions")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="participation_one_answer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.value if self.value is not None else self.text[:40]}"
