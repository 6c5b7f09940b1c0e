"""Rate limits and locks that hold across every web process, and the client's address.

Two mechanisms, over one store:

- ``hit(key, rate)``: a fixed-window counter (the window starts at the key's first hit), for the
  API, the costly portal pages and the password-reset form.
- ``attempt(key, limit=, window=)``: a lock for guessable secrets (passwords). Each attempt is
  counted *before* it is checked, so that concurrent attempts cannot slip past the limit; at the
  ``limit``-th the key locks for ``window`` seconds, and each attempt let through after a lock
  doubles it (up to a day). A success ``forgive``s the key.

The store is the application database by default (``core.RateLimitCounter``: one upsert per
counted request, the same statement on SQLite and PostgreSQL), or Redis when ``REDIS_URL`` is set
(one MULTI of three commands). Measured per counted request (``bench/ratelimit.py``): see
docs/production.md.

A per-process memory cache, as before, let 4 gunicorn workers check 18 wrong passwords instead of
5 and serve 4 × 120 API requests a minute.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import connection, transaction

from .models import RateLimitCounter

DAY = 86400
# Expired database rows are deleted by one hit in PURGE_EVERY (per process): the table stays as
# small as the number of clients seen in the longest window, at no cost to the other hits.
PURGE_EVERY = 1000
REDIS_PREFIX = "territoire:rl:"


def parse_rate(rate: str) -> tuple[int, int]:
    """'120/60' -> (120 requests, 60 seconds)."""
    count, _, seconds = rate.partition("/")
    return int(count), int(seconds or 60)


@dataclass(frozen=True)
class Entry:
    """The state of one key: a count, when it is forgotten, and until when it is locked."""

    count: int
    expires_at: float
    locked_until: float | None = None


@dataclass(frozen=True)
class Window:
    """The answer of ``hit``: whether this request is within the limit, and when the window ends."""

    count: int
    limit: int
    seconds: int
    resets_at: float

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        return max(self.limit - self.count, 0)

    @property
    def retry_after(self) -> int:
        return max(math.ceil(self.resets_at - time.time()), 1)


@dataclass(frozen=True)
class Decision:
    """The answer of ``attempt``: go ahead, or wait ``retry_after`` seconds."""

    allowed: bool
    retry_after: int = 0


# ------------------------------------------------------------------------------------ the stores


class Store(Protocol):
    def hit(self, key: str, *, seconds: int, now: float) -> tuple[int, float]:
        """Count one hit in the key's window; return (count, end of the window)."""

    def change(self, key: str, change: Callable[[Entry | None], Entry | None], *, now: float):
        """Replace the key's live entry (None: absent or expired) by ``change(entry)`` (None
        deletes it), atomically with respect to every other process."""

    def get(self, key: str, *, now: float) -> Entry | None: ...


class DatabaseStore:
    """The application database: no extra service, atomic on SQLite and PostgreSQL."""

    _hits = 0

    def hit(self, key: str, *, seconds: int, now: float) -> tuple[int, float]:
        q = connection.ops.quote_name
        table, k, n, exp = (
            q(RateLimitCounter._meta.db_table),
            q("key"),
            q("count"),
            q("expires_at"),
        )
        # SET sees the row as it was, so both CASEs test the old expiry (SQL, SQLite, PostgreSQL).
        # Names come from the model's metadata, quoted; every value is bound.
        sql = (
            f"INSERT INTO {table} ({k}, {n}, {exp}) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT ({k}) DO UPDATE SET "
            f"{n} = CASE WHEN {table}.{exp} <= %s THEN 1 ELSE {table}.{n} + 1 END, "
            f"{exp} = CASE WHEN {table}.{exp} <= %s THEN excluded.{exp} ELSE {table}.{exp} END "
            f"RETURNING {n}, {exp}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, now + seconds, now, now])
            ((count, expires_at),) = cursor.fetchall()
        DatabaseStore._hits += 1
        if DatabaseStore._hits % PURGE_EVERY == 0:
            self.purge(now=now)
        return int(count), float(expires_at)

    def change(self, key, change, *, now):
        with transaction.atomic():
            # The insert comes first: it takes SQLite's write lock whatever the transaction mode,
            # and gives PostgreSQL a row to lock.
            RateLimitCounter.objects.bulk_create(
                [RateLimitCounter(key=key, count=0, expires_at=0)], ignore_conflicts=True
            )
            row = RateLimitCounter.objects.select_for_update().get(key=key)
            entry = _live(
                Entry(row.count, row.expires_at, row.locked_until) if row.count else None, now
            )
            new = change(entry)
            if new is None:
                row.delete()
            else:
                row.count, row.expires_at, row.locked_until = (
                    new.count,
                    new.expires_at,
                    new.locked_until,
                )
                row.save()

    def get(self, key, *, now):
        row = RateLimitCounter.objects.filter(key=key).first()
        if row is None or not row.count:
            return None
        return _live(Entry(row.count, row.expires_at, row.locked_until), now)

    def purge(self, *, now: float) -> int:
        deleted, _ = RateLimitCounter.objects.filter(expires_at__lt=now).delete()
        return deleted


class RedisStore:
    """Redis: counters expire by themselves; the lock's read-modify-write uses WATCH/MULTI."""

    def __init__(self, url: str):
        import redis  # only when REDIS_URL is set: the client costs 0.4 s of start-up

        self.client = redis.Redis.from_url(url)

    def hit(self, key, *, seconds, now):
        name = REDIS_PREFIX + key
        pipe = self.client.pipeline(transaction=True)
        pipe.set(name, 0, ex=seconds, nx=True)
        pipe.incr(name)
        pipe.pttl(name)
        _, count, ttl_ms = pipe.execute()
        if ttl_ms < 0:  # a key left without expiry (by hand): give it one
            self.client.expire(name, seconds)
            ttl_ms = seconds * 1000
        return int(count), now + ttl_ms / 1000

    def change(self, key, change, *, now):
        name = REDIS_PREFIX + "lock:" + key

        def run(pipe):
            entry = _live(_entry(pipe.hgetall(name)), now)
            new = change(entry)
            pipe.multi()
            if new is None:
                pipe.delete(name)
            else:
                pipe.hset(
                    name,
                    mapping={
                        "count": new.count,
                        "expires_at": new.expires_at,
                        "locked_until": "" if new.locked_until is None else new.locked_until,
                    },
                )
                pipe.pexpireat(name, math.ceil(new.expires_at * 1000))

        self.client.transaction(run, name)

    def get(self, key, *, now):
        return _live(_entry(self.client.hgetall(REDIS_PREFIX + "lock:" + key)), now)


def _entry(fields: dict) -> Entry | None:
    if not fields:
        return None
    value = {k.decode(): v.decode() for k, v in fields.items()}
    locked = value.get("locked_until") or None
    return Entry(int(value["count"]), float(value["expires_at"]), float(locked) if locked else None)


def _live(entry: Entry | None, now: float) -> Entry | None:
    return entry if entry is not None and entry.expires_at > now else None


@functools.cache
def _redis_store(url: str) -> RedisStore:
    return RedisStore(url)


_DATABASE = DatabaseStore()


def store() -> Store:
    url = getattr(settings, "REDIS_URL", None)
    return _redis_store(url) if url else _DATABASE


# ------------------------------------------------------------------------------ the mechanisms


def hit(key: str, rate: str) -> Window:
    """Count one request against ``rate`` ('120/60') for ``key``."""
    limit, seconds = parse_rate(rate)
    now = time.time()
    count, resets_at = store().hit(safe_key(key), seconds=seconds, now=now)
    return Window(count=count, limit=limit, seconds=seconds, resets_at=resets_at)


def lock_seconds(count: int, *, limit: int, window: int) -> float:
    """How long the ``count``-th attempt locks the key: ``window`` at the limit, doubled at each
    attempt beyond it, at most a day (or the window, if longer)."""
    return min(window * 2 ** min(count - limit, 20), max(window, DAY))


def attempt(key: str, *, limit: int, window: int) -> Decision:
    """Reserve one attempt at a guessable secret (see the module's docstring)."""
    now = time.time()
    decision = Decision(True)

    def reserve(entry: Entry | None) -> Entry | None:
        nonlocal decision
        if entry is not None and entry.locked_until is not None and entry.locked_until > now:
            decision = Decision(False, max(math.ceil(entry.locked_until - now), 1))
            return entry
        count = (entry.count if entry else 0) + 1
        # Locked as soon as the limit-th attempt is let through, before its outcome is known:
        # concurrent attempts then find the lock; a success forgives the key.
        locked_until = (
            now + lock_seconds(count, limit=limit, window=window) if count >= limit else None
        )
        return Entry(count, (locked_until or now) + window, locked_until)

    store().change(safe_key(key), reserve, now=now)
    return decision


def forgive(key: str) -> None:
    """Forget a key's attempts (after a success)."""
    store().change(safe_key(key), lambda entry: None, now=time.time())


def locked_for(key: str) -> int:
    """Seconds the key stays locked (0: not locked)."""
    now = time.time()
    entry = store().get(safe_key(key), now=now)
    if entry is None or entry.locked_until is None or entry.locked_until <= now:
        return 0
    return max(math.ceil(entry.locked_until - now), 1)


def safe_key(key: str) -> str:
    """Keys hold what clients send (user names, e-mail addresses): bounded and hashed if long."""
    if len(key) <= 120:
        return key
    scope = key.split(":", 1)[0][:40]
    return f"{scope}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def digest(text: str) -> str:
    """A stable pseudonym of a personal value (an e-mail address) used in a key."""
    return hashlib.sha256(text.strip().lower().encode()).hexdigest()[:32]


# --------------------------------------------------------------------------- the client address


@functools.lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]):
    return tuple(ipaddress.ip_network(n, strict=False) for n in trusted)


@functools.lru_cache(maxsize=4096)
def _address(text: str):
    """The address written in ``text`` (a port or brackets around it allowed), None when it is
    not one. Remembered: parsing costs about 50 µs, twice on every API request, and a client
    sends the same few addresses."""
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:5678
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's address: the socket's peer, or — only when that peer is one of
    ``TERRITOIRE_TRUSTED_PROXIES`` — the last address in ``X-Forwarded-For`` that is not a
    trusted proxy (read from the right: what the client wrote itself, on the left, is ignored)."""
    remote = request.META.get("REMOTE_ADDR") or ""
    trusted = _networks(tuple(getattr(settings, "TERRITOIRE_TRUSTED_PROXIES", ()) or ()))
    peer = _address(remote)
    if peer is None or not trusted or not any(peer in n for n in trusted):
        return remote or "unknown"
    client = peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break  # garbage: the last trusted hop is the client as far as anyone can tell
        client = address
        if not any(address in n for n in trusted):
            break
    return str(client)


def client_bucket(request) -> str:
    """The address a limit counts against: an IPv6 client by its /64 (one subscriber's whole
    allocation: the addresses within it cost nothing to change)."""
    ip = client_ip(request)
    address = _address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    if isinstance(address, ipaddress.IPv6Address):
        return str(address.ipv4_mapped)
    return ip
