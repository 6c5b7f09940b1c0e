"""The worker's rounds: what apps above the lake register runs every hour, and once a day."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from territoire.lake import hooks

pytestmark = pytest.mark.django_db


def test_a_daily_callback_runs_once_a_day_from_the_hour(settings):
    settings.TERRITOIRE_DIGEST_HOUR = 7
    runs: list[int] = []
    hooks.daily_register("test-round", lambda: runs.append(1))
    try:
        early = timezone.make_aware(datetime.datetime(2031, 3, 2, 6, 30))
        hooks.maintenance_run(early)
        assert runs == []  # before the hour
        hooks.maintenance_run(early + datetime.timedelta(hours=2))
        hooks.maintenance_run(early + datetime.timedelta(hours=3))  # another worker, same day
        assert runs == [1]
        hooks.maintenance_run(early + datetime.timedelta(days=1, hours=2))
        assert runs == [1, 1]
    finally:
        hooks._daily.pop("test-round")


def test_a_failing_round_does_not_stop_the_others(settings):
    settings.TERRITOIRE_DIGEST_HOUR = 0
    runs: list[str] = []

    def broken():
        raise RuntimeError("boom")

    hooks.maintenance_register(broken)
    hooks.daily_register("test-broken", broken)
    hooks.daily_register("test-after", lambda: runs.append("daily"))
    try:
        hooks.maintenance_run(timezone.make_aware(datetime.datetime(2031, 3, 3, 12, 0)))
        assert runs == ["daily"]
    finally:
        hooks._maintenance.remove(broken)
        hooks._daily.pop("test-broken")
        hooks._daily.pop("test-after")
