"""A fixed-window counter in the cache, used for login attempts and public APIs.

With the default local-memory cache the count is per process; set REDIS_URL in production so all
web workers share it.
"""

from __future__ import annotations

import time

from django.core.cache import cache


def parse_rate(rate: str) -> tuple[int, int]:
    """'120/60' -> (120 requests, 60 seconds)."""
    count, _, seconds = rate.partition("/")
    return int(count), int(seconds or 60)


def hit(key: str, *, limit: int, window: int) -> tuple[bool, int]:
    """Count one hit; return (allowed, seconds until the window resets)."""
    bucket = int(time.time() // window)
    cache_key = f"rl:{key}:{bucket}"
    added = cache.add(cache_key, 1, timeout=window + 1)
    count = 1 if added else cache.incr(cache_key)
    retry_after = window - int(time.time() % window)
    return count <= limit, max(retry_after, 1)


def peek(key: str, *, window: int) -> int:
    bucket = int(time.time() // window)
    return int(cache.get(f"rl:{key}:{bucket}", 0))


def reset(key: str, *, window: int) -> None:
    bucket = int(time.time() // window)
    cache.delete(f"rl:{key}:{bucket}")


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")
