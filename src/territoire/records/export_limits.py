"""How many exports run at once, and for how long.

- **Slots.** An export holds one of ``TERRITOIRE_EXPORT_SLOTS`` slots from its query to its last
  byte: an exclusive ``flock`` on one of the lock files ``TERRITOIRE_HOME/run/exports/slot-N``.
  The lock belongs to the open file, so the bound holds across every web process and thread of
  the machine, and the kernel frees a slot when its process dies (nothing to clean up). With
  every slot held, the next export is refused at once: ``ExportsBusy`` (503, ``Retry-After``).
- **Time.** ``TERRITOIRE_EXPORT_SECONDS`` bounds a whole export, sending included: the records
  watchdog interrupts its query when the time is up (``selectors.export_cursor``).
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from django.conf import settings

from territoire.core.errors import TerritoireError

RETRY_AFTER_SECONDS = 30


class ExportsBusy(TerritoireError):
    """Every export slot is taken: try again in a moment."""

    code = "exports_busy"
    status = 503

    def __init__(self, retry_after: int = RETRY_AFTER_SECONDS):
        super().__init__(
            f"Trop d'exports en cours : réessayez dans {retry_after} s.",
            f"Too many exports are running: retry in {retry_after} s.",
            where="export",
        )
        self.retry_after = retry_after


_lock = threading.Lock()
_held: set[int] = set()  # slots held by this process (file descriptors)


class Slot:
    """One export slot, held until ``release`` (idempotent)."""

    def __init__(self, fd: int, number: int):
        self._fd: int | None = fd
        self.number = number

    def release(self) -> None:
        with _lock:
            fd, self._fd = self._fd, None
            if fd is None:
                return
            _held.discard(fd)
        os.close(fd)  # closing the file releases its lock

    def __enter__(self) -> Slot:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _folder() -> Path:
    folder = Path(settings.TERRITOIRE_HOME) / "run" / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def acquire() -> Slot:
    """A free slot, or ExportsBusy."""
    folder = _folder()
    for number in range(int(settings.TERRITOIRE_EXPORT_SLOTS)):
        fd = os.open(folder / f"slot-{number}", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        with _lock:
            _held.add(fd)
        return Slot(fd, number)
    raise ExportsBusy()


def held() -> int:
    """How many slots this process holds (exports it is running)."""
    with _lock:
        return len(_held)


def seconds() -> float:
    """The time limit of a whole export."""
    return float(settings.TERRITOIRE_EXPORT_SECONDS)
