"""What the portal records of its own use: how many times each dataset page was opened per day.

Privacy by design: one aggregated counter per dataset and day — no visitor, address, cookie or
user agent is stored, and no request of the table, map or chart controls counts (only plain
visits of the page, without query string). It orders the "most viewed" datasets of the home page.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DatasetDailyViews(models.Model):
    """Visits of one dataset page on one day (Europe/Paris), aggregated."""

    dataset = models.ForeignKey(
        "catalog.Dataset",
        verbose_name=_("jeu de données"),
        on_delete=models.CASCADE,
        related_name="daily_views",
    )
    day = models.DateField(_("jour"))
    count = models.PositiveIntegerField(_("nombre de visites"), default=0)

    class Meta:
        ordering = ["-day", "dataset_id"]
        verbose_name = _("visites d'un jeu de données (par jour)")
        verbose_name_plural = _("visites des jeux de données (par jour)")
        constraints = [
            models.UniqueConstraint(fields=["dataset", "day"], name="web_daily_views_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id} {self.day}: {self.count}"
