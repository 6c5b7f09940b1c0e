"""Time limits of record queries: one watchdog thread per process interrupts the statements whose
time is up. (A ``threading.Timer`` per statement costs a thread start, about 0.2 ms: as much as
a record lookup on a hot version.)"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from contextlib import contextmanager

import duckdb

# How DuckDB reports an interrupted statement: an InterruptException, or, when the interruption
# lands between two fetches of a pending result, an InvalidInputException whose message carries
# "INTERRUPT" (pyarrow's batch reader turns it into an OSError).
INTERRUPTIONS = (duckdb.InterruptException, duckdb.InvalidInputException, OSError)


def interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB telling that ``con.interrupt()`` stopped the statement."""
    if isinstance(exc, duckdb.InterruptException):
        return True
    return isinstance(exc, INTERRUPTIONS) and "INTERRUPT" in str(exc).upper()


class _Entry:
    __slots__ = ("active", "con", "expired")

    def __init__(self, con):
        self.con = con
        self.active = True
        self.expired = False


class Watchdog:
    def __init__(self):
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, _Entry]] = []
        self._sequence = itertools.count()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        with self._condition:
            while True:
                while self._heap and not self._heap[0][2].active:
                    heapq.heappop(self._heap)  # finished in time
                if not self._heap:
                    self._condition.wait()
                    continue
                due, _, entry = self._heap[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                heapq.heappop(self._heap)
                # Under the lock: the statement cannot end (and the next one start) meanwhile.
                entry.expired = True
                entry.con.interrupt()

    def start(self) -> None:
        """Start the watchdog's thread now (a web process at load), not in a first request."""
        with self._condition:
            self._start()

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():  # a forked child has none
            self._thread = threading.Thread(target=self._run, name="records-watchdog", daemon=True)
            self._thread.start()

    @contextmanager
    def deadline(self, con, seconds: float | None):
        """``with watchdog.deadline(con, 10) as d:`` — ``d.expired`` after an interruption."""
        entry = _Entry(con)
        if seconds is None:
            yield entry
            return
        with self._condition:
            self._start()
            heapq.heappush(
                self._heap, (time.monotonic() + max(seconds, 0.0), next(self._sequence), entry)
            )
            self._condition.notify()
        try:
            yield entry
        finally:
            with self._condition:
                entry.active = False


watchdog = Watchdog()
