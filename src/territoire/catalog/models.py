"""The catalogue: datasets (published or only inventoried) and their distributions (DCAT-AP 3)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from territoire.core.models import TimeStampedModel

from .vocabularies import EU_THEME_BASE, AccessLevel, Frequency, Licence, PublicationState


class Theme(models.Model):
    """A theme from the EU data-theme vocabulary (dcat:theme)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    label_fr = models.CharField(_("libellé"), max_length=100)
    label_en = models.CharField(_("libellé anglais"), max_length=100)

    class Meta:
        ordering = ["label_fr"]
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")

    def __str__(self) -> str:
        return self.label_fr

    @property
    def uri(self) -> str:
        return EU_THEME_BASE + self.code


class Dataset(TimeStampedModel):
    """A dataset of the territory. Inventory entries that are not published are datasets too."""

    title = models.CharField(_("titre"), max_length=300)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    description = models.TextField(_("description (Markdown)"), blank=True)
    publisher = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("producteur"),
        on_delete=models.PROTECT,
        related_name="datasets",
    )
    publisher_service = models.ForeignKey(
        "organizations.Service",
        verbose_name=_("service producteur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="datasets",
    )
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relais données"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stewarded_datasets",
    )
    territories = models.ManyToManyField(
        "territories.Territory",
        verbose_name=_("territoires couverts"),
        blank=True,
        related_name="datasets",
    )
    themes = models.ManyToManyField(
        Theme, verbose_name=_("thèmes"), blank=True, related_name="datasets"
    )
    keywords = models.JSONField(_("mots-clés"), default=list, blank=True)
    licence = models.CharField(
        _("licence"), max_length=20, choices=Licence.choices, default=Licence.ETALAB_2
    )
    frequency = models.CharField(
        _("fréquence de mise à jour"),
        max_length=16,
        choices=Frequency.choices,
        default=Frequency.UNKNOWN,
    )
    temporal_start = models.DateField(_("début de la période couverte"), null=True, blank=True)
    temporal_end = models.DateField(_("fin de la période couverte"), null=True, blank=True)
    contact_name = models.CharField(_("point de contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("courriel de contact"), blank=True)
    landing_page = models.URLField(_("page d'accueil"), blank=True)
    access_level = models.CharField(
        _("niveau d'accès"),
        max_length=16,
        choices=AccessLevel.choices,
        default=AccessLevel.INTERNAL,
        db_index=True,
    )
    is_published = models.BooleanField(_("publié"), default=False, db_index=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    # The publication workflow (catalog.services.publication): brouillon → soumis → publié, or
    # renvoyé au relais with the data officer's comment. « publié » always goes with is_published.
    publication_state = models.CharField(
        _("état de publication"),
        max_length=16,
        choices=PublicationState.choices,
        default=PublicationState.DRAFT,
        db_index=True,
    )
    submitted_at = models.DateTimeField(_("soumis le"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("soumis par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.TextField(_("commentaire de l'administrateur des données"), blank=True)
    personal_data_review_requested_at = models.DateTimeField(
        _("décision sur les données personnelles demandée le"), null=True, blank=True
    )
    personal_data_review_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décision demandée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("jeu de données")
        verbose_name_plural = _("jeux de données")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(is_published=True, access_level="personal"),
                name="dataset_personal_never_published",
            ),
            models.CheckConstraint(
                condition=models.Q(is_published=True, publication_state="published")
                | (models.Q(is_published=False) & ~models.Q(publication_state="published")),
                name="dataset_publication_state_matches",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.is_published and self.access_level == AccessLevel.PUBLIC


class Distribution(TimeStampedModel):
    """One way to get a dataset: a stored file or a URL (dcat:Distribution)."""

    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("jeu de données"),
        on_delete=models.CASCADE,
        related_name="distributions",
    )
    title = models.CharField(_("titre"), max_length=300)
    format = models.CharField(
        _("format"), max_length=20, help_text="CSV, JSON, GeoJSON, XLSX, Parquet…"
    )
    media_type = models.CharField(_("type de média"), max_length=100, blank=True)
    download_url = models.URLField(_("URL de téléchargement"), blank=True, max_length=1000)
    file = models.FileField(_("fichier"), upload_to="distributions/%Y/%m/", blank=True)
    byte_size = models.BigIntegerField(_("taille (octets)"), null=True, blank=True)
    checksum = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)

    class Meta:
        ordering = ["dataset_id", "title"]
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")

    def __str__(self) -> str:
        return f"{self.title} ({self.format})"


class PublicationReviewRule(models.Model):
    """« La publication passe par l'administrateur des données »: for the whole installation (no
    service) or for one service (which may also say « comme l'installation », None). Without an
    installation row, the setting TERRITOIRE_PUBLICATION_REVIEW decides."""

    service = models.OneToOneField(
        "organizations.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="publication_review_rule",
    )
    review_required = models.BooleanField(
        _("la publication demande la relecture de l'administrateur des données"),
        null=True,
        blank=True,
    )
    modified_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        ordering = ["service_id"]
        verbose_name = _("règle de relecture avant publication")
        verbose_name_plural = _("règles de relecture avant publication")
        constraints = [
            # One installation row: a NULL service counts as 0 for uniqueness.
            models.UniqueConstraint(
                Coalesce("service", models.Value(0)), name="publication_review_rule_one_scope"
            )
        ]

    def __str__(self) -> str:
        scope = str(self.service) if self.service_id else str(_("toute l'installation"))
        return f"{scope} : {self.review_required}"


class ColumnDescription(TimeStampedModel):
    """What a column of a dataset means, as its steward documents it: a label, a description, a
    unit. Kept by column identifier, so it holds across versions; every front-end reads it
    through ``records.selectors.fields`` (portal, native API, OpenDataSoft, CKAN, DCAT, Table
    Schema)."""

    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("jeu de données"),
        on_delete=models.CASCADE,
        related_name="column_descriptions",
    )
    column = models.CharField(_("identifiant de la colonne"), max_length=200)
    label = models.CharField(_("libellé"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unité"), max_length=50, blank=True)

    class Meta:
        ordering = ["dataset_id", "column"]
        verbose_name = _("documentation d'une colonne")
        verbose_name_plural = _("documentation des colonnes")
        constraints = [
            models.UniqueConstraint(fields=["dataset", "column"], name="column_description_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dataset} — {self.column}"
