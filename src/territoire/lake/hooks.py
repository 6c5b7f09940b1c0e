"""What the apps built on the lake do when a dataset gets a new version, registered in their
``AppConfig.ready()``: the lake imports nothing above it (the indicators recompute the series
built on the dataset). Callbacks run after the version's transaction commits, one after the other;
a callback's failure is its own business (it records it), never the ingestion's."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from territoire.core import ratelimit

if TYPE_CHECKING:
    from .models import DatasetVersion

VersionCreated = Callable[["DatasetVersion"], None]

_version_created: list[VersionCreated] = []
log = logging.getLogger(__name__)


def version_created_register(callback: VersionCreated) -> VersionCreated:
    """Add what must happen once a dataset has a new version (registering it twice keeps one)."""
    if callback not in _version_created:
        _version_created.append(callback)
    return callback


def version_created_notify_on_commit(version: DatasetVersion) -> None:
    """Run the registered callbacks once the transaction that created ``version`` commits."""
    transaction.on_commit(lambda: version_created_run(version))


def version_created_run(version: DatasetVersion) -> None:
    for callback in _version_created:
        try:
            callback(version)
        except Exception:  # a follower's failure never undoes nor fails an ingestion
            log.exception("version-created callback %r failed for version %s", callback, version.pk)


# ---------------------------------------------------------------- the worker's rounds

Maintenance = Callable[[], object]

_maintenance: list[Maintenance] = []
_daily: dict[str, Maintenance] = {}


def maintenance_register(callback: Maintenance) -> Maintenance:
    """Add what each worker must do when it starts and then every hour, beside the lake's own
    maintenance (the workspace collects the staff's notifications and sends their digest)."""
    if callback not in _maintenance:
        _maintenance.append(callback)
    return callback


def daily_register(name: str, callback: Maintenance) -> Maintenance:
    """Add what must run once a day, from ``TERRITOIRE_DIGEST_HOUR`` (local time), on whichever
    worker's round comes first (the participants' digest). The day is claimed in the shared
    counters of ``core.ratelimit`` (the database or Redis): one worker wins it."""
    _daily[name] = callback
    return callback


def maintenance_run(now: datetime.datetime | None = None) -> None:
    for callback in _maintenance:
        try:
            callback()
        except Exception:  # one app's round never stops another's, nor the worker
            log.exception("maintenance callback %r failed", callback)
    local = timezone.localtime(now or timezone.now())
    if local.hour < int(getattr(settings, "TERRITOIRE_DIGEST_HOUR", 7)):
        return
    for name, callback in _daily.items():
        if daily_claim(name, local.date()):
            try:
                callback()
            except Exception:
                log.exception("daily callback %s failed", name)


def daily_claim(name: str, day: datetime.date) -> bool:
    """Whether this process is the first to claim ``name`` for ``day`` (then it runs it)."""
    window = ratelimit.hit(f"daily:{name}:{day.isoformat()}", f"1/{2 * 86400}")
    return window.count == 1
