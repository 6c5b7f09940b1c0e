"""A tiny per-process memo with a time limit, for what is costly to rebuild and rarely changes
(commune boundaries decoded from JSON, the home map's SVG paths). Each web worker keeps its own;
entries expire after ``ttl`` seconds, so a reloaded territory shows up within minutes."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

_lock = threading.Lock()
_entries: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
MAX_ENTRIES = 64


def remember(key, build: Callable[[], Any], *, ttl: float = 600.0):
    now = time.monotonic()
    with _lock:
        found = _entries.get(key)
        if found is not None and found[0] > now:
            _entries.move_to_end(key)
            return found[1]
    value = build()
    with _lock:
        _entries[key] = (now + ttl, value)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def forget_all() -> None:
    with _lock:
        _entries.clear()
