"""People, their role, their services, and their API tokens."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoire.core.models import TimeStampedModel


class Role(models.TextChoices):
    DATA_OFFICER = "data_officer", _("Administrateur des données")
    STEWARD = "steward", _("Relais données d'un service")
    AGENT = "agent", _("Agent")
    CITIZEN = "citizen", _("Citoyen")
    REUSER = "reuser", _("Réutilisateur")


STAFF_ROLES = {Role.DATA_OFFICER, Role.STEWARD, Role.AGENT}


class User(AbstractUser):
    """An account. The role decides what it may do (accounts.permissions); staff access follows it."""

    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    services = models.ManyToManyField(
        "organizations.Service",
        verbose_name=_("services"),
        through="Membership",
        blank=True,
        related_name="members",
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    def save(self, *args, **kwargs):
        # Admin access follows the role; superusers stay superusers.
        self.is_staff = self.is_superuser or self.role in STAFF_ROLES
        super().save(*args, **kwargs)

    @property
    def is_data_officer(self) -> bool:
        return self.is_superuser or self.role == Role.DATA_OFFICER


class MembershipRole(models.TextChoices):
    STEWARD = "steward", _("Relais données")
    MEMBER = "member", _("Membre")


class Membership(models.Model):
    """A person's membership of a service; a steward manages the service's datasets."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    service = models.ForeignKey(
        "organizations.Service", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("rôle"), max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )

    class Meta:
        ordering = ["service_id", "user_id"]
        verbose_name = _("appartenance à un service")
        verbose_name_plural = _("appartenances aux services")
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.service} ({self.get_role_display()})"


class TokenScope(models.TextChoices):
    READ = "read", _("Lecture des données accessibles au compte")
    WRITE = "write", _("Écriture : dépôt et mise à jour de jeux de données")
    ADMIN = "admin", _("Administration du catalogue")


class ApiToken(TimeStampedModel):
    """An API token. Only a SHA-256 hash of the secret is stored; the token is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("compte"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("nom"), max_length=100)
    key_id = models.CharField(_("identifiant public"), max_length=16, unique=True)
    secret_hash = models.CharField(_("empreinte du secret"), max_length=64)
    scopes = models.JSONField(_("portées"), default=list)
    expires_at = models.DateTimeField(_("expire le"))
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")

    def __str__(self) -> str:
        return f"{self.name} (trt_{self.key_id}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class LoginOutcome(models.TextChoices):
    SUCCESS = "success", _("connexion réussie")
    FAILURE = "failure", _("mot de passe refusé")
    TWO_FACTOR_FAILURE = "two_factor_failure", _("code de vérification refusé")


class LoginMethod(models.TextChoices):
    PASSWORD = "password", _("mot de passe")
    TOTP = "totp", _("mot de passe et application d'authentification")
    RECOVERY_CODE = "recovery_code", _("mot de passe et code de secours")


class LoginEvent(models.Model):
    """One sign-in attempt, for the account's login history (accounts.security.history).

    Apart from the audit log on purpose: the history keeps the browser's user agent, keeps the
    address truncated (/24, /48) and is pruned after TERRITOIRE_LOGIN_HISTORY_DAYS, whereas the
    audit log is append-only and kept."""

    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("compte"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="login_events",
    )
    username = models.CharField(_("identifiant saisi"), max_length=150)
    outcome = models.CharField(_("résultat"), max_length=20, choices=LoginOutcome.choices)
    method = models.CharField(
        _("méthode"), max_length=20, choices=LoginMethod.choices, default=LoginMethod.PASSWORD
    )
    ip_prefix = models.CharField(_("réseau d'origine"), max_length=64, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("connexion")
        verbose_name_plural = _("historique des connexions")
        indexes = [models.Index(fields=["user", "-created_at"], name="login_event_user_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.outcome}"


class UserSession(models.Model):
    """A signed-in browser session of an account, so that it can be listed and closed.

    Keyed by the session's key (any session engine: closing one deletes it from the engine's
    store); `last_seen_at` is refreshed at most once a minute by accounts.middleware."""

    session_key = models.CharField(_("clé de session"), max_length=40, unique=True)
    user = models.ForeignKey(
        User, verbose_name=_("compte"), on_delete=models.CASCADE, related_name="browser_sessions"
    )
    created_at = models.DateTimeField(_("ouverte le"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("dernière activité"), default=timezone.now)
    ip_prefix = models.CharField(_("réseau d'origine"), max_length=64, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    is_verified = models.BooleanField(_("second facteur vérifié"), default=False)

    class Meta:
        ordering = ["-last_seen_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.user} — {self.created_at:%Y-%m-%d %H:%M}"
