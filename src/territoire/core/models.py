"""Abstract base models shared by every domain app; no domain rules here."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """A row that remembers when it was created and last modified."""

    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True


class RateLimitCounter(models.Model):
    """One rate-limit or lock counter (core.ratelimit), shared by every web process.

    Times are Unix seconds (floats), so that the one upsert per counted request compares numbers
    the same way on SQLite and PostgreSQL. Expired rows are purged now and then by the hot path.
    """

    key = models.CharField(max_length=200, primary_key=True)
    count = models.IntegerField(default=0)
    expires_at = models.FloatField(db_index=True)
    locked_until = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("compteur de limite de débit")
        verbose_name_plural = _("compteurs de limite de débit")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
