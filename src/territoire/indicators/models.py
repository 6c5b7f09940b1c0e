"""Indicators: a structured definition over one dataset of a service, its targets, and the
history of its definitions and computations. The series itself is a lake dataset (``series``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoire.catalog.vocabularies import AccessLevel, Frequency
from territoire.core.models import TimeStampedModel

from .vocabularies import BlockKind, Direction, Granularity, IndicatorState


class Indicator(TimeStampedModel):
    """An indicator of the territory, owned by a publisher's service as its datasets are."""

    title = models.CharField(_("titre"), max_length=300)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    description = models.TextField(_("description (en clair)"), blank=True)
    method = models.TextField(_("méthode de calcul (en clair)"), blank=True)
    unit = models.CharField(_("unité"), max_length=50, blank=True)
    direction = models.CharField(
        _("sens"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    publisher = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("producteur"),
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    publisher_service = models.ForeignKey(
        "organizations.Service",
        verbose_name=_("service responsable"),
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relais données"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stewarded_indicators",
    )
    themes = models.ManyToManyField(
        "catalog.Theme", verbose_name=_("thèmes"), blank=True, related_name="indicators"
    )
    frequency = models.CharField(
        _("périodicité"), max_length=16, choices=Frequency.choices, default=Frequency.ANNUAL
    )
    granularity = models.CharField(
        _("maille territoriale"),
        max_length=16,
        choices=Granularity.choices,
        default=Granularity.COMMUNE,
    )
    access_level = models.CharField(
        _("niveau d'accès"),
        max_length=16,
        choices=AccessLevel.choices,
        default=AccessLevel.INTERNAL,
        db_index=True,
    )
    definition = models.JSONField(_("définition"), default=dict)
    definition_version = models.PositiveIntegerField(_("version de la définition"), default=1)
    # Public only after a recorded decision of the data officer (services.indicator_publish).
    is_published = models.BooleanField(_("publié"), default=False, db_index=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    publication_reason = models.TextField(_("motif de la décision de publication"), blank=True)
    series = models.OneToOneField(
        "catalog.Dataset",
        verbose_name=_("série (jeu de données)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="indicator",
    )
    state = models.CharField(
        _("état"), max_length=8, choices=IndicatorState.choices, default=IndicatorState.NEW
    )
    error = models.JSONField(_("erreur du dernier calcul"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("calculé le"), null=True, blank=True)
    baseline_date = models.DateField(_("date de référence"), null=True, blank=True)
    baseline_value = models.FloatField(_("valeur de référence"), null=True, blank=True)
    alert_below = models.FloatField(_("alerte sous"), null=True, blank=True)
    alert_above = models.FloatField(_("alerte au-dessus de"), null=True, blank=True)
    # What the disclosure control hid in the served series (public report: which cells).
    disclosure = models.JSONField(_("contrôle du secret statistique"), default=dict, blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.is_published and self.access_level == AccessLevel.PUBLIC


class IndicatorTarget(models.Model):
    """A target: the value the indicator should reach by a date."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicateur"), on_delete=models.CASCADE, related_name="targets"
    )
    date = models.DateField(_("échéance"))
    value = models.FloatField(_("valeur visée"))

    class Meta:
        ordering = ["indicator", "date"]
        verbose_name = _("cible")
        verbose_name_plural = _("cibles")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "date"], name="indicator_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} : {self.value} au {self.date}"


class IndicatorDefinition(models.Model):
    """Every definition an indicator had, kept: a series version names the one that made it."""

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicateur"),
        on_delete=models.CASCADE,
        related_name="definitions",
    )
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("définition"))
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["indicator", "number"]
        verbose_name = _("version de définition")
        verbose_name_plural = _("versions de définition")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "number"], name="indicator_definition_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} v{self.number}"


class IndicatorRun(models.Model):
    """One computation: the definition version, the source versions read, and what came out
    (the series version written, or the reason it failed)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicateur"), on_delete=models.CASCADE, related_name="runs"
    )
    definition_version = models.PositiveIntegerField(_("version de la définition"))
    source_versions = models.JSONField(_("versions des sources"), default=dict)
    series_version = models.PositiveIntegerField(_("version de la série"), null=True, blank=True)
    status = models.CharField(_("résultat"), max_length=16)  # created, unchanged, error
    error = models.JSONField(_("erreur"), default=dict, blank=True)
    trigger = models.CharField(_("déclencheur"), max_length=100, blank=True)
    disclosure = models.JSONField(_("contrôle du secret statistique"), default=dict, blank=True)
    created_at = models.DateTimeField(_("calculé le"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calcul")
        verbose_name_plural = _("calculs")

    def __str__(self) -> str:
        return f"{self.indicator} — {self.status} ({self.created_at:%Y-%m-%d %H:%M})"


class Evaluation(TimeStampedModel):
    """A measured effect: an indicator before and after an intervention, in the treated
    territories against comparison territories (difference in differences)."""

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicateur"),
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    title = models.CharField(_("titre"), max_length=300)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    description = models.TextField(_("le projet évalué (en clair)"), blank=True)
    intervention_date = models.DateField(_("date de l'intervention"))
    treated = models.JSONField(_("territoires concernés (codes)"), default=list)
    comparison = models.JSONField(_("territoires de comparaison (codes)"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")

    def __str__(self) -> str:
        return self.title


class Dashboard(TimeStampedModel):
    """A dashboard: ordered tiles of indicators, owned by a service; public or internal."""

    title = models.CharField(_("titre"), max_length=300)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    publisher_service = models.ForeignKey(
        "organizations.Service",
        verbose_name=_("service responsable"),
        on_delete=models.PROTECT,
        related_name="dashboards",
    )
    access_level = models.CharField(
        _("niveau d'accès"),
        max_length=16,
        choices=AccessLevel.choices,
        default=AccessLevel.INTERNAL,
        db_index=True,
    )
    # The sites allowed to show the dashboard in a frame (CSP frame-ancestors), set by the data
    # officer; empty: no site may.
    embed_origins = models.JSONField(
        _("origines autorisées à l'intégrer"), default=list, blank=True
    )
    # The data officer's recorded decision to make it public (services.dashboard_publish):
    # required when it shows an indicator that was not public.
    published_at = models.DateTimeField(_("rendu public le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rendu public par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    publication_reason = models.TextField(_("motif de la décision de publication"), blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("tableau de bord")
        verbose_name_plural = _("tableaux de bord")

    def __str__(self) -> str:
        return self.title


class DashboardTile(models.Model):
    """One block of a dashboard, at a position: an indicator shown as a KPI tile, a line, bar or
    stacked-bar chart, a choropleth map or a ranking table — or a Markdown text."""

    dashboard = models.ForeignKey(
        Dashboard, verbose_name=_("tableau de bord"), on_delete=models.CASCADE, related_name="tiles"
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicateur"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tiles",
    )
    kind = models.CharField(_("type de bloc"), max_length=8, choices=BlockKind.choices,
                            default=BlockKind.KPI)  # fmt: skip
    text = models.TextField(_("texte (Markdown)"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["dashboard", "position", "id"]
        verbose_name = _("bloc")
        verbose_name_plural = _("blocs")

    def __str__(self) -> str:
        return f"{self.dashboard} #{self.position}: {self.indicator or self.kind}"
