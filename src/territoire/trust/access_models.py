"""Access beyond open data: requests, grants and data-sharing agreements with partners.

These rows live in ``trust`` (below the catalogue) because the catalogue's visibility rule and the
records engine's scope both read them; who may write them, and how, is the ``access`` app's
(``territoire.access.services``). See docs/access.md.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", _("en attente")
    GRANTED = "granted", _("accordée")
    REFUSED = "refused", _("refusée")
    WITHDRAWN = "withdrawn", _("retirée")


class AccessRequest(models.Model):
    """Someone (a reuser, a partner's account, an agent of another service) asks to read a
    dataset they may not read, and says why. The steward of its service or the data officer
    grants it (an :class:`AccessGrant`) or refuses it with a reason."""

    dataset = models.ForeignKey(
        "catalog.Dataset",
        verbose_name=_("jeu de données"),
        on_delete=models.CASCADE,
        related_name="access_requests",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandeur"),
        on_delete=models.CASCADE,
        related_name="access_requests",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisme du demandeur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    purpose = models.TextField(_("usage prévu"))
    status = models.CharField(
        _("statut"),
        max_length=16,
        choices=AccessRequestStatus.choices,
        default=AccessRequestStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(_("date de la demande"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("date de la décision"), null=True, blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demande d'accès")
        verbose_name_plural = _("demandes d'accès")

    def __str__(self) -> str:
        return f"{self.requester} → {self.dataset} ({self.get_status_display()})"


class PartnerKind(models.TextChoices):
    DELEGATE = "delegate", _("délégataire de service public")
    COMPANY = "company", _("entreprise")
    ASSOCIATION = "association", _("association")
    PUBLIC_BODY = "public_body", _("autre organisme public")


class Agreement(models.Model):
    """A data-sharing agreement (convention de partage de données) between the territory and a
    partner organisation: what each side provides, for what, from when to when, on what terms.
    Datasets the partner receives become grants to the partner; datasets the partner provides
    may be pushed by its accounts through the API (« données d'intérêt général »)."""

    title = models.CharField(_("intitulé"), max_length=200)
    reference = models.SlugField(_("référence"), max_length=100, unique=True)
    partner = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("partenaire"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    partner_kind = models.CharField(
        _("nature du partenaire"), max_length=16, choices=PartnerKind.choices
    )
    service = models.ForeignKey(
        "organizations.Service",
        verbose_name=_("service référent du territoire"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    purpose = models.TextField(_("objet"))
    conditions = models.TextField(_("conditions"), blank=True)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    datasets_provided = models.ManyToManyField(
        "catalog.Dataset",
        verbose_name=_("jeux fournis par le partenaire"),
        blank=True,
        related_name="agreements_providing",
    )
    datasets_received = models.ManyToManyField(
        "catalog.Dataset",
        verbose_name=_("jeux reçus par le partenaire"),
        blank=True,
        related_name="agreements_receiving",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    terminated_at = models.DateTimeField(_("résiliée le"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "reference"]
        verbose_name = _("convention de partage de données")
        verbose_name_plural = _("conventions de partage de données")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="agreement_dates_in_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.partner})"

    def is_in_force(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.terminated_at is None and self.starts_on <= today <= self.ends_on


class PartnerAccount(models.Model):
    """An account that acts for a partner organisation: it reads what the partner's agreements
    and grants allow and pushes only to the datasets its agreements name, nothing else."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.CASCADE,
        related_name="partner_account",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisme partenaire"),
        on_delete=models.CASCADE,
        related_name="partner_accounts",
    )

    class Meta:
        ordering = ["organization_id", "user_id"]
        verbose_name = _("compte partenaire")
        verbose_name_plural = _("comptes partenaires")

    def __str__(self) -> str:
        return f"{self.user} — {self.organization}"


class AccessGrantQuerySet(models.QuerySet):
    def active(self, now=None):
        """Grants in force at ``now``: not revoked, started, not expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, starts_at__lte=now, expires_at__gt=now)

    def for_user(self, user):
        """Grants to this account, or to the partner organisation it acts for."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(
            Q(grantee_id=user.pk) | Q(grantee_organization__partner_accounts__user_id=user.pk)
        )


class AccessGrant(models.Model):
    """Permission to read one non-public dataset, until ``expires_at``, within a scope: some
    columns only (``columns``, empty: all), the rows matching ``row_filters`` (a list of
    ``{"column", "op", "value"}``, ANDed) and, on a date column, a ``period``
    (``{"column", "start", "end"}``). Compiled by the records engine with bound parameters.
    Revoked or expired: it stops at once, on every read path."""

    dataset = models.ForeignKey(
        "catalog.Dataset",
        verbose_name=_("jeu de données"),
        on_delete=models.CASCADE,
        related_name="access_grants",
    )
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bénéficiaire"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="access_grants",
    )
    grantee_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisme bénéficiaire"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="access_grants",
    )
    request = models.OneToOneField(
        AccessRequest,
        verbose_name=_("demande"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grant",
    )
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("convention"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="grants",
    )
    columns = models.JSONField(_("colonnes accessibles (vide : toutes)"), default=list, blank=True)
    row_filters = models.JSONField(_("conditions sur les lignes"), default=list, blank=True)
    period = models.JSONField(_("période"), null=True, blank=True)
    starts_at = models.DateTimeField(_("début"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accordé par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("accordé le"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("révoqué par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revocation_reason = models.TextField(_("motif de la révocation"), blank=True)

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("autorisation d'accès")
        verbose_name_plural = _("autorisations d'accès")
        constraints = [
            models.CheckConstraint(
                condition=Q(grantee__isnull=False) | Q(grantee_organization__isnull=False),
                name="access_grant_has_grantee",
            )
        ]
        indexes = [models.Index(fields=["dataset", "expires_at"], name="access_grant_ds_idx")]

    def __str__(self) -> str:
        who = self.grantee or self.grantee_organization
        return f"{who} → {self.dataset} (→ {self.expires_at:%Y-%m-%d})"

    @property
    def is_scoped(self) -> bool:
        return bool(self.columns or self.row_filters or self.period)

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.starts_at <= now < self.expires_at


class AgreementDelivery(models.Model):
    """Data a partner pushed under an agreement: which dataset, which lake version it became
    (its provenance), who pushed it and what the ingestion said."""

    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("convention"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    dataset = models.ForeignKey(
        "catalog.Dataset",
        verbose_name=_("jeu de données"),
        on_delete=models.CASCADE,
        related_name="agreement_deliveries",
    )
    version_number = models.PositiveIntegerField(_("version créée"), null=True, blank=True)
    status = models.CharField(_("résultat de l'ingestion"), max_length=20)
    source_name = models.CharField(_("fichier déposé"), max_length=300, blank=True)
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dépôt de données d'un partenaire")
        verbose_name_plural = _("dépôts de données des partenaires")

    def __str__(self) -> str:
        return f"{self.agreement.reference} → {self.dataset} v{self.version_number or '—'}"
