"""Publishers (the EPCI, its communes, their partners) and their services (Direction de l'eau…)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from territoire.core.models import TimeStampedModel


class Organization(TimeStampedModel):
    """A publishing body: a commune, an EPCI, a syndicate; a DCAT `foaf:Agent` publisher."""

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    website = models.URLField(_("site web"), blank=True)
    email = models.EmailField(_("courriel de contact"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Service(TimeStampedModel):
    """A service of an organisation, which produces datasets and has its data relays (stewards)."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=100)
    email = models.EmailField(_("courriel du service"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="service_unique_slug")
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.organization.name}"
