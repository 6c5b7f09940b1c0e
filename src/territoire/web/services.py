"""Writes of the portal: the aggregated, anonymous visit counter of dataset pages."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import DatasetDailyViews

BOT_MARKERS = ("bot", "crawl", "spider", "slurp", "preview", "monitor", "headless")


def is_probably_a_robot(user_agent: str) -> bool:
    agent = (user_agent or "").lower()
    return not agent or any(marker in agent for marker in BOT_MARKERS)


def dataset_view_count(*, dataset_id: int) -> None:
    """Add one visit to today's counter of the dataset (one UPDATE; an INSERT the first time)."""
    day = timezone.localdate()
    counters = DatasetDailyViews.objects.filter(dataset_id=dataset_id, day=day)
    if counters.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            DatasetDailyViews.objects.create(dataset_id=dataset_id, day=day, count=1)
    except IntegrityError:  # another request created it meanwhile
        counters.update(count=F("count") + 1)
