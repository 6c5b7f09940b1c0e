"""Who is writing where in the lake.

- One lock per dataset directory (``lake/.locks/<slug>.lock``) serialises the ingestions of a
  dataset: the second waits for the first, then finds the content it left (the next version, or
  identical content). The lock file holds a line saying who has it, shown to whoever waits.
- One lock in each staging directory (``lake/.staging/<name>/.in-use``) tells the cleanup that a
  live process still works there.

Both are ``fcntl.flock`` locks: the kernel releases them when their process dies, however it dies
(SIGKILL included), so nobody ever waits on a dead holder and the cleanup recognises abandoned
files at once. The lake must therefore live on a file system with working locks and hard links: a
local one, or NFSv4 shared by several machines (its locks cover flock).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from .files import lake_root, remove_empty_dirs, staging_root

IN_USE = ".in-use"

_held = threading.local()  # the slugs this thread holds: an ingestion may call another (reingest)


def _held_slugs() -> set[str]:
    if not hasattr(_held, "slugs"):
        _held.slugs = set()
    return _held.slugs


def _lock_path(slug: str) -> Path:
    return lake_root() / ".locks" / f"{slug}.lock"


def _open_lock(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder_read(path: Path) -> str:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return ""
    return str(data.get("holder") or "")


def _holder_write(fd: int, holder: str) -> None:
    line = json.dumps(
        {
            "holder": holder,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        },
        ensure_ascii=False,
    ).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, line, 0)


@contextlib.contextmanager
def dataset_lock(
    slug: str, *, holder: str, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the lock of dataset ``slug`` (waiting for it if another ingestion has it; ``on_wait``
    is told who has it before waiting). Re-entrant within a thread."""
    held = _held_slugs()
    if slug in held:
        yield
        return
    path = _lock_path(slug)
    fd = _locked_fd(path, on_wait)
    try:
        _holder_write(fd, holder)
        held.add(slug)
        try:
            yield
        finally:
            held.discard(slug)
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


def _locked_fd(path: Path, on_wait: Callable[[str], None] | None) -> int:
    """Open and lock ``path``; again if the cleanup removed it meanwhile (a lock held on a
    removed file would not exclude whoever opens the new one)."""
    while True:
        fd = _open_lock(path)
        try:
            if not _try_lock(fd):
                if on_wait is not None:
                    on_wait(_holder_read(path))
                    on_wait = None
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if os.path.samestat(os.fstat(fd), os.stat(path)):
                    return fd
            except FileNotFoundError:
                pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


@contextlib.contextmanager
def dataset_lock_if_free(slug: str) -> Iterator[bool]:
    """Hold the lock of dataset ``slug`` when nobody has it (yields True), without waiting."""
    if slug in _held_slugs():
        yield False
        return
    fd = _open_lock(_lock_path(slug))
    try:
        yield _try_lock(fd)
    finally:
        os.close(fd)


def lock_files() -> list[Path]:
    directory = lake_root() / ".locks"
    return sorted(directory.glob("*.lock")) if directory.is_dir() else []


class Staging:
    """A fresh directory under ``lake/.staging/``, marked in use until ``remove()``."""

    def __init__(self, prefix: str = ""):
        self.path = staging_root() / f"{prefix}{uuid.uuid4().hex}"
        self.path.mkdir(parents=True)
        self._fd: int | None = os.open(self.path / IN_USE, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        remove_empty_dirs(staging_root())


@contextlib.contextmanager
def staging_dir(prefix: str = "") -> Iterator[Path]:
    """A fresh staging directory for the block, removed after it."""
    staging = Staging(prefix)
    try:
        yield staging.path
    finally:
        staging.remove()


@contextlib.contextmanager
def staging_if_abandoned(path: Path) -> Iterator[bool]:
    """Yields True, holding its lock, when no live process works in staging directory ``path``.
    A directory without its lock file (its creator died before making it) counts as abandoned:
    the cleanup only looks at directories older than its grace period."""
    marker = path / IN_USE
    try:
        fd = os.open(marker, os.O_RDWR)
    except FileNotFoundError:
        yield True
        return
    except OSError:
        yield False
        return
    try:
        yield _try_lock(fd)
    finally:
        os.close(fd)
