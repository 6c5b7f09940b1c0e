"""The audit log: append-only events for every change and every read of non-public data."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(
            "Le journal d'audit est en ajout seul : aucune modification possible."
        )

    def delete(self):
        raise AppendOnlyError("Le journal d'audit est en ajout seul : aucune suppression possible.")


class AuditAction(models.TextChoices):
    CREATE = "create", _("création")
    UPDATE = "update", _("modification")
    DELETE = "delete", _("suppression")
    READ = "read", _("lecture de données non publiques")
    LOGIN = "login", _("connexion")
    LOGIN_FAILED = "login_failed", _("échec de connexion")
    DECISION = "decision", _("décision")
    PUBLISH = "publish", _("publication")
    UNPUBLISH = "unpublish", _("dépublication")
    SUBMIT = "submit", _("soumission pour publication")
    SEND_BACK = "send_back", _("renvoi au relais pour correction")
    DECISION_REQUEST = "decision_request", _("demande de décision sur des données personnelles")
    ACCESS_REQUEST = "access_request", _("demande d'accès")
    ACCESS_GRANT = "access_grant", _("accès accordé")
    ACCESS_REFUSE = "access_refuse", _("accès refusé")
    ACCESS_REVOKE = "access_revoke", _("accès révoqué")
    AGREEMENT_PUSH = "agreement_push", _("dépôt de données par un partenaire")


class AuditEvent(models.Model):
    """Who did what to which object, when, and what changed (old → new). Never updated or deleted;
    database triggers refuse UPDATE and DELETE too (see migration 0002)."""

    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_repr = models.CharField(_("auteur (libellé)"), max_length=200, blank=True)
    action = models.CharField(
        _("action"), max_length=20, choices=AuditAction.choices, db_index=True
    )
    object_type = models.CharField(_("type d'objet"), max_length=100, db_index=True)
    object_id = models.CharField(
        _("identifiant de l'objet"), max_length=64, blank=True, db_index=True
    )
    object_repr = models.CharField(_("objet"), max_length=300, blank=True)
    changes = models.JSONField(_("changements (ancien → nouveau)"), default=dict, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("journal d'audit")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr or '—'} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(
                "Le journal d'audit est en ajout seul : aucune modification possible."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Le journal d'audit est en ajout seul : aucune suppression possible.")


class PersonalDataDecisionChoice(models.TextChoices):
    PUBLISH_AS_IS = "publish_as_is", _("publier tel quel")
    KEEP_PRIVATE = "keep_private", _("garder privé")


class PersonalDataDecision(models.Model):
    """A data officer's recorded decision about a dataset whose columns look like personal data:
    publish it as it is (for a stated reason, e.g. elected officials' names, public switchboards)
    or keep it private. The flags it was taken on are kept as they were; the latest decision
    counts, earlier ones stay as history. Every decision is also an audit event."""

    dataset = models.ForeignKey(
        "catalog.Dataset",
        verbose_name=_("jeu de données"),
        on_delete=models.CASCADE,
        related_name="personal_data_decisions",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidé par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField(
        _("décision"), max_length=20, choices=PersonalDataDecisionChoice.choices
    )
    reason = models.TextField(_("motif"))
    flags = models.JSONField(
        _("colonnes signalées (au moment de la décision)"), default=list, blank=True
    )
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("décision sur des données personnelles")
        verbose_name_plural = _("décisions sur des données personnelles")

    def __str__(self) -> str:
        when = f" ({self.created_at:%Y-%m-%d})" if self.created_at else ""
        return f"{self.dataset} : {self.get_decision_display()}{when}"


from .access_models import (  # noqa: E402  (models of the access workflow, one module each)
    AccessGrant,
    AccessRequest,
    AccessRequestStatus,
    Agreement,
    AgreementDelivery,
    PartnerAccount,
    PartnerKind,
)

__all__ = [
    "AccessGrant",
    "AccessRequest",
    "AccessRequestStatus",
    "Agreement",
    "AgreementDelivery",
    "AppendOnlyError",
    "AuditAction",
    "AuditEvent",
    "PartnerAccount",
    "PartnerKind",
    "PersonalDataDecision",
    "PersonalDataDecisionChoice",
]
