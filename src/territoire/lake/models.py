"""The lake's records in the app database: immutable versions of each dataset, the dataset's lake
settings (current version, schema, key, type overrides) and the ingestion jobs of the worker.

The Parquet files themselves live under ``TERRITOIRE_HOME/lake/<dataset slug>/``; a version row
stores the path relative to ``TERRITOIRE_HOME/lake`` and is never changed after it is created.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Conformity(models.TextChoices):
    NONE = "none", _("aucun schéma déclaré")
    VALID = "valid", _("conforme au schéma")
    INVALID = "invalid", _("non conforme au schéma")


class DatasetVersion(models.Model):
    """One immutable Parquet snapshot of a dataset, written once (temporary name, fsync, atomic rename)."""

    dataset = models.ForeignKey(
        "catalog.Dataset",
        verbose_name=_("jeu de données"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("numéro de version"))
    path = models.CharField(_("fichier Parquet (relatif au lac)"), max_length=500)
    source_name = models.CharField(_("fichier d'origine"), max_length=300, blank=True)
    source_path = models.CharField(
        _("copie du fichier d'origine (relative au lac)"), max_length=500, blank=True
    )
    source_format = models.CharField(_("format d'origine"), max_length=20, blank=True)
    source_checksum = models.CharField(
        _("empreinte SHA-256 de l'origine"), max_length=64, db_index=True
    )
    parquet_checksum = models.CharField(_("empreinte SHA-256 du Parquet"), max_length=64)
    byte_size = models.BigIntegerField(_("taille du Parquet (octets)"))
    row_count = models.BigIntegerField(_("nombre de lignes"))
    columns = models.JSONField(_("colonnes (types, statistiques)"), default=list)
    options = models.JSONField(_("options d'ingestion"), default=dict, blank=True)
    report = models.JSONField(_("rapport d'ingestion"), default=dict)
    conformity = models.CharField(
        _("conformité au schéma"),
        max_length=10,
        choices=Conformity.choices,
        default=Conformity.NONE,
    )
    schema_ref = models.CharField(_("schéma"), max_length=500, blank=True)
    validation = models.JSONField(_("rapport de validation"), default=dict, blank=True)
    personal_data = models.JSONField(
        _("colonnes signalées comme données personnelles"), default=list, blank=True
    )
    lineage = models.JSONField(
        _("lignée (version dérivée : source, plan, contrôle)"),
        default=dict,
        blank=True,
        help_text=_(
            "Vide pour une version déposée. Pour une version anonymisée : le jeu et la version "
            "sources (avec leur empreinte), le plan de transformation, le résultat du contrôle "
            "de k-anonymat, qui l'a produite et quand."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        ordering = ["dataset_id", "-number"]
        verbose_name = _("version de jeu de données")
        verbose_name_plural = _("versions de jeux de données")
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="lake_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.dataset} — v{self.number}"

    @property
    def absolute_path(self):
        return settings.TERRITOIRE_HOME / "lake" / self.path


class DatasetLake(models.Model):
    """The lake settings of one dataset: which version is served, and how to ingest the next one."""

    dataset = models.OneToOneField(
        "catalog.Dataset",
        verbose_name=_("jeu de données"),
        on_delete=models.CASCADE,
        related_name="lake",
    )
    current_version = models.ForeignKey(
        DatasetVersion,
        verbose_name=_("version servie"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
    )
    schema_ref = models.CharField(_("schéma déclaré"), max_length=500, blank=True)
    key_column = models.CharField(_("colonne clé"), max_length=200, blank=True)
    type_overrides = models.JSONField(_("types forcés par colonne"), default=dict, blank=True)
    sheet = models.CharField(_("feuille (tableur)"), max_length=200, blank=True)
    source_url = models.URLField(
        _("URL de la source (rafraîchissement)"), max_length=1000, blank=True
    )

    class Meta:
        ordering = ["dataset_id"]
        verbose_name = _("réglages du lac d'un jeu de données")
        verbose_name_plural = _("réglages du lac des jeux de données")

    def __str__(self) -> str:
        current = (
            f"v{self.current_version.number}"
            if self.current_version_id and self.current_version
            else "—"
        )
        return f"{self.dataset} ({current})"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("en attente")
    RUNNING = "running", _("en cours")
    SUCCEEDED = "succeeded", _("réussie")
    UNCHANGED = "unchanged", _("contenu inchangé")
    FAILED = "failed", _("échouée")


class JobKind(models.TextChoices):
    UPLOAD = "upload", _("dépôt d'un fichier")
    REINGEST = "reingest", _("rechargement de la version courante")


class IngestJob(models.Model):
    """A background ingestion run by the worker; its progress and report are shown to the user."""

    dataset = models.ForeignKey(
        "catalog.Dataset",
        verbose_name=_("jeu de données"),
        on_delete=models.CASCADE,
        related_name="ingest_jobs",
    )
    kind = models.CharField(
        _("nature"), max_length=10, choices=JobKind.choices, default=JobKind.UPLOAD
    )
    status = models.CharField(
        _("état"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    stage = models.CharField(_("étape"), max_length=200, blank=True)
    source_name = models.CharField(_("fichier d'origine"), max_length=300, blank=True)
    upload_path = models.CharField(_("fichier déposé (chemin)"), max_length=1000, blank=True)
    schema_ref = models.CharField(_("schéma"), max_length=500, blank=True)
    publish = models.BooleanField(_("publier après ingestion"), default=False)
    report = models.JSONField(_("rapport d'ingestion"), default=dict, blank=True)
    version = models.ForeignKey(
        DatasetVersion,
        verbose_name=_("version créée"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    error = models.JSONField(_("erreur"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("démarré le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        _("dernier signe de vie du traitement"), null=True, blank=True
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tâche d'ingestion")
        verbose_name_plural = _("tâches d'ingestion")

    def __str__(self) -> str:
        return f"#{self.pk} {self.dataset} — {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.UNCHANGED, JobStatus.FAILED}


class Worker(models.Model):
    """A running ``territoire worker`` process. It shows a sign of life every few seconds, so that a
    job waiting for one can say whether one runs; its row goes when it stops (or, if it was
    killed, stops counting once its sign of life is older than TERRITOIRE_INGEST_JOB_LOST_SECONDS)."""

    hostname = models.CharField(_("machine"), max_length=255)
    pid = models.PositiveIntegerField(_("numéro de processus"))
    started_at = models.DateTimeField(_("démarré le"), auto_now_add=True)
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), db_index=True)

    class Meta:
        ordering = ["-heartbeat_at", "-id"]
        verbose_name = _("processus de traitement")
        verbose_name_plural = _("processus de traitement")

    def __str__(self) -> str:
        return f"{self.hostname} (pid {self.pid})"
