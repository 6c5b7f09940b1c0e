"""The registers' entries. Each belongs to a service of a publisher, as datasets do: the
service's stewards keep its entries, the data officer keeps them all."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from territoire.core.models import TimeStampedModel

from .vocabularies import DPIA_THRESHOLD, Automation


class ProcessingActivity(TimeStampedModel):
    """One processing of personal data in the GDPR article 30 register (the CNIL's model)."""

    name = models.CharField(_("nom du traitement"), max_length=300)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    service = models.ForeignKey(
        "organizations.Service",
        verbose_name=_("service responsable"),
        on_delete=models.PROTECT,
        related_name="processing_activities",
    )
    purposes = models.JSONField(_("finalités"), default=list, blank=True)
    legal_bases = models.JSONField(_("bases légales"), default=list, blank=True)
    legal_basis_detail = models.TextField(_("précisions sur la base légale"), blank=True)
    data_categories = models.JSONField(_("catégories de données"), default=list, blank=True)
    data_categories_detail = models.TextField(_("précisions sur les données"), blank=True)
    sensitive_categories = models.JSONField(
        _("données sensibles (art. 9 et 10)"), default=list, blank=True
    )
    people_categories = models.JSONField(_("catégories de personnes"), default=list, blank=True)
    recipients = models.JSONField(_("destinataires"), default=list, blank=True)
    transfers = models.JSONField(
        _("transferts hors de l'Union européenne"), default=list, blank=True
    )
    retention = models.JSONField(_("durées de conservation"), default=list, blank=True)
    security_measures = models.JSONField(_("mesures de sécurité"), default=list, blank=True)
    security_detail = models.TextField(_("détail des mesures de sécurité (interne)"), blank=True)
    controller_name = models.CharField(_("responsable du traitement"), max_length=300)
    controller_contact = models.CharField(
        _("contact du responsable du traitement"), max_length=300, blank=True
    )
    dpo_name = models.CharField(
        _("délégué à la protection des données"), max_length=300, blank=True
    )
    dpo_contact = models.CharField(_("contact du délégué"), max_length=300, blank=True)
    datasets = models.ManyToManyField(
        "catalog.Dataset",
        verbose_name=_("jeux de données utilisés"),
        blank=True,
        related_name="processing_activities",
    )
    dpia_criteria = models.JSONField(_("critères du CEPD remplis"), default=list, blank=True)
    dpia_mandatory = models.JSONField(
        _("types de traitement de la liste de la CNIL"), default=list, blank=True
    )
    dpia_reference = models.CharField(
        _("référence de l'analyse d'impact (AIPD)"), max_length=300, blank=True
    )
    is_published = models.BooleanField(_("affiché au registre public"), default=False)
    internal_notes = models.TextField(_("notes internes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("traitement de données personnelles")
        verbose_name_plural = _("registre des traitements")

    def __str__(self) -> str:
        return self.name

    @property
    def has_sensitive_data(self) -> bool:
        return bool(self.sensitive_categories)

    @property
    def dpia_required(self) -> bool:
        return bool(self.dpia_mandatory) or len(self.dpia_criteria) >= DPIA_THRESHOLD


class Algorithm(TimeStampedModel):
    """A public algorithm that contributes to individual decisions (CRPA L312-1-3, R311-3-1-2)."""

    name = models.CharField(_("nom de l'algorithme"), max_length=300)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    service = models.ForeignKey(
        "organizations.Service",
        verbose_name=_("service responsable"),
        on_delete=models.PROTECT,
        related_name="algorithms",
    )
    purpose = models.TextField(_("finalité"))
    decision = models.TextField(_("décisions auxquelles il contribue"), blank=True)
    legal_basis = models.TextField(_("base légale"), blank=True)
    automation = models.CharField(
        _("degré d'automatisation"),
        max_length=10,
        choices=Automation.choices,
        default=Automation.ASSIST,
    )
    parameters = models.JSONField(
        _("principaux paramètres et leur pondération"), default=list, blank=True
    )
    datasets = models.ManyToManyField(
        "catalog.Dataset",
        verbose_name=_("jeux de données utilisés"),
        blank=True,
        related_name="algorithms",
    )
    processing_activities = models.ManyToManyField(
        ProcessingActivity,
        verbose_name=_("traitements du registre RGPD"),
        blank=True,
        related_name="algorithms",
    )
    human_oversight = models.TextField(_("intervention humaine"), blank=True)
    how_to_contest = models.TextField(_("comment contester une décision"), blank=True)
    contact = models.CharField(_("contact"), max_length=300, blank=True)
    source_code_url = models.URLField(_("code source"), blank=True)
    is_published = models.BooleanField(_("affiché au registre public"), default=False)
    internal_notes = models.TextField(_("notes internes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("algorithme public")
        verbose_name_plural = _("registre des algorithmes")

    def __str__(self) -> str:
        return self.name
