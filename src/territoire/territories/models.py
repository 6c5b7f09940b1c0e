"""Territories from the official geographic code (COG): régions, départements, EPCI, communes, quartiers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TerritoryKind(models.TextChoices):
    REGION = "region", _("Région")
    DEPARTEMENT = "departement", _("Département")
    EPCI = "epci", _("EPCI")
    COMMUNE = "commune", _("Commune")
    COMMUNE_DELEGUEE = "commune_deleguee", _("Commune déléguée")
    COMMUNE_ASSOCIEE = "commune_associee", _("Commune associée")
    ARRONDISSEMENT = "arrondissement_municipal", _("Arrondissement municipal")
    QUARTIER = "quartier", _("Quartier")


class Territory(models.Model):
    """One territory; `code` is the INSEE code (région, département, commune), the SIREN for an EPCI,
    or a local code for a quartier, unique within its kind."""

    kind = models.CharField(_("type"), max_length=32, choices=TerritoryKind.choices, db_index=True)
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("nom"), max_length=200)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, db_index=True)
    epci_type = models.CharField(
        _("nature de l'EPCI"), max_length=8, blank=True, help_text="CC, CA, CU, METRO, MET69"
    )
    population = models.PositiveIntegerField(_("population municipale"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("territoire parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    departement_code = models.CharField(
        _("code département"), max_length=3, blank=True, db_index=True
    )
    region_code = models.CharField(_("code région"), max_length=3, blank=True)
    postal_codes = models.JSONField(_("codes postaux"), default=list, blank=True)
    geometry = models.JSONField(_("contour (GeoJSON)"), null=True, blank=True)
    geometry_source = models.CharField(_("source du contour"), max_length=200, blank=True)
    members = models.ManyToManyField(
        "self",
        verbose_name=_("communes membres"),
        symmetrical=False,
        blank=True,
        related_name="epcis",
        through="EpciMembership",
    )

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="territory_unique_kind_code")
        ]

    def __str__(self) -> str:
        if self.kind == TerritoryKind.COMMUNE:
            return f"{self.name} ({self.code})"
        return self.name

    @property
    def has_geometry(self) -> bool:
        return bool(self.geometry)


class EpciMembership(models.Model):
    """A commune's membership of an EPCI à fiscalité propre (DGCL composition)."""

    epci = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="memberships")
    commune = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="epci_memberships"
    )

    class Meta:
        ordering = ["epci_id", "commune_id"]
        verbose_name = _("appartenance à un EPCI")
        verbose_name_plural = _("appartenances aux EPCI")
        constraints = [
            models.UniqueConstraint(fields=["epci", "commune"], name="epci_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.commune} ∈ {self.epci}"
