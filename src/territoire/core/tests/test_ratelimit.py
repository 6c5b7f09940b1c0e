"""core.ratelimit: fixed windows, the exponential lock, both stores, and the client's address."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from territoire.core import ratelimit
from territoire.core.models import RateLimitCounter


class Clock:
    """The module's clock, moved by hand: windows and locks end without waiting."""

    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    import time

    fake = Clock(time.time())
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake


def test_hit_counts_up_to_the_limit_then_refuses(rate_store):
    answers = [ratelimit.hit("t-hit:a", "3/60") for _ in range(5)]
    assert [w.allowed for w in answers] == [True, True, True, False, False]
    assert [w.count for w in answers] == [1, 2, 3, 4, 5]
    assert answers[0].remaining == 2 and answers[3].remaining == 0
    assert 1 <= answers[3].retry_after <= 60
    # another key has its own window
    assert ratelimit.hit("t-hit:b", "3/60").count == 1


def test_a_window_starts_again_once_over(clock, db):
    for _ in range(3):
        ratelimit.hit("t-win", "3/60")
    assert not ratelimit.hit("t-win", "3/60").allowed
    clock.now += 61
    window = ratelimit.hit("t-win", "3/60")
    assert window.allowed and window.count == 1


def test_expired_rows_are_purged(clock, db):
    ratelimit.hit("t-old", "1/60")
    clock.now += 120
    ratelimit.hit("t-new", "1/60")
    assert ratelimit.DatabaseStore().purge(now=clock.now) == 1
    assert list(RateLimitCounter.objects.values_list("key", flat=True)) == ["t-new"]


def test_the_database_store_keeps_one_row_per_key(db, settings):
    settings.REDIS_URL = None
    for _ in range(4):
        ratelimit.hit("t-row", "10/60")
    row = RateLimitCounter.objects.get(key="t-row")
    assert row.count == 4 and row.locked_until is None


def test_attempts_lock_at_the_limit_and_the_lock_doubles(clock, rate_store):
    key = "t-login:someone|192.0.2.1"
    decisions = [ratelimit.attempt(key, limit=3, window=100) for _ in range(4)]
    # the limit-th attempt is let through (and locks at once); the next one is refused
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert 99 <= decisions[3].retry_after <= 100
    assert 99 <= ratelimit.locked_for(key) <= 100
    clock.now += 101
    assert ratelimit.locked_for(key) == 0
    assert ratelimit.attempt(key, limit=3, window=100).allowed  # one more try after the lock…
    refused = ratelimit.attempt(key, limit=3, window=100)
    assert not refused.allowed and 199 <= refused.retry_after <= 200  # …which doubled it
    clock.now += 201
    assert ratelimit.attempt(key, limit=3, window=100).allowed
    assert 399 <= ratelimit.attempt(key, limit=3, window=100).retry_after <= 400


def test_a_refused_attempt_does_not_lengthen_the_lock(clock, rate_store):
    key = "t-login:x|192.0.2.2"
    for _ in range(2):
        ratelimit.attempt(key, limit=2, window=100)
    for _ in range(10):
        assert not ratelimit.attempt(key, limit=2, window=100).allowed
    clock.now += 101
    assert ratelimit.attempt(key, limit=2, window=100).allowed


def test_attempts_are_forgotten_after_a_quiet_window_or_a_success(clock, rate_store):
    key = "t-login:y|192.0.2.3"
    ratelimit.attempt(key, limit=3, window=100)
    ratelimit.attempt(key, limit=3, window=100)
    ratelimit.forgive(key)
    assert ratelimit.attempt(key, limit=3, window=100).allowed
    assert ratelimit.attempt(key, limit=3, window=100).allowed
    clock.now += 101  # no lock was reached: a quiet window forgets
    for _ in range(3):
        assert ratelimit.attempt(key, limit=3, window=100).allowed
    assert not ratelimit.attempt(key, limit=3, window=100).allowed


def test_the_lock_grows_to_a_day_at_most():
    assert ratelimit.lock_seconds(5, limit=5, window=900) == 900
    assert ratelimit.lock_seconds(7, limit=5, window=900) == 3600
    assert ratelimit.lock_seconds(30, limit=5, window=900) == 86400
    assert ratelimit.lock_seconds(30, limit=5, window=200000) == 200000


def test_long_keys_are_bounded():
    key = ratelimit.safe_key("reset-email:" + "x" * 500)
    assert len(key) < 120 and key.startswith("reset-email:sha256:")
    assert ratelimit.safe_key("api-ip:192.0.2.1") == "api-ip:192.0.2.1"


# ---------------------------------------------------------------------------- the client address

PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]
ADDRESS_CASES = [
    # (trusted proxies, REMOTE_ADDR, X-Forwarded-For, client)
    ([], "192.0.2.9", None, "192.0.2.9"),
    ([], "192.0.2.9", "203.0.113.5", "192.0.2.9"),  # no trusted proxy: the header is ignored
    (PROXIES, "192.0.2.9", "203.0.113.5", "192.0.2.9"),  # the peer is not a trusted proxy
    (PROXIES, "10.1.2.3", "203.0.113.5", "203.0.113.5"),
    (PROXIES, "10.1.2.3", None, "10.1.2.3"),
    # what the client wrote itself (on the left) is not believed
    (PROXIES, "10.1.2.3", "198.51.100.1, 203.0.113.5", "203.0.113.5"),
    # a chain of trusted proxies is walked from the right
    (PROXIES, "10.1.2.3", "203.0.113.5, 10.9.9.9", "203.0.113.5"),
    (PROXIES, "10.1.2.3", "garbage, 203.0.113.5", "203.0.113.5"),
    (PROXIES, "10.1.2.3", "203.0.113.5, garbage", "10.1.2.3"),
    (PROXIES, "10.1.2.3", "203.0.113.5:4711", "203.0.113.5"),
    (PROXIES, "10.1.2.3", "[2001:db8::7]:443", "2001:db8::7"),
    (PROXIES, "2001:db8:ffff::1", "2001:db8:1::5", "2001:db8:1::5"),
]


@pytest.mark.parametrize("trusted,remote,forwarded,client", ADDRESS_CASES)
def test_client_ip_believes_forwarded_for_only_from_trusted_proxies(
    settings, trusted, remote, forwarded, client
):
    settings.TERRITOIRE_TRUSTED_PROXIES = trusted
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    assert ratelimit.client_ip(RequestFactory().get("/", **extra)) == client


@pytest.mark.parametrize(
    "remote,bucket",
    [
        ("192.0.2.9", "192.0.2.9"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.9", "192.0.2.9"),
    ],
)
def test_ipv6_clients_count_by_their_64(settings, remote, bucket):
    settings.TERRITOIRE_TRUSTED_PROXIES = []
    assert ratelimit.client_bucket(RequestFactory().get("/", REMOTE_ADDR=remote)) == bucket
