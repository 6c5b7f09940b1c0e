"""Remove what killed runs left behind: staging directories, version files that no version row
names (placed, then the process died before its transaction committed), uploads of web requests
that died before their job was recorded, lock files of datasets that no longer exist.

Run by the worker when it starts and then every ``CLEANUP_EVERY_SECONDS`` (``territoire worker``).
Only what is older than ``GRACE_SECONDS`` and that no live process uses is removed: a staging
directory whose lock (``locks.Staging``) is held, a dataset whose ingestion lock is held, an
upload named by a queued or running job are left alone, whatever their age. Only the file names
that ingestion itself writes (``v<N>-<hash8>.parquet``, ``sources/v<N>-<hash8><suffix>``) are
considered under a dataset's directory; anything else there is not ours to remove.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from territoire.catalog.models import Dataset

from ..engine.serving import SERVING_SUFFIXES
from ..models import DatasetVersion, IngestJob, JobStatus
from .files import lake_root, remove_empty_dirs, staging_root, uploads_root
from .locks import dataset_lock_if_free, lock_files, staging_if_abandoned

logger = logging.getLogger(__name__)

GRACE_SECONDS = 3600  # well above the seconds between placement and commit, and a web upload
CLEANUP_EVERY_SECONDS = 3600

VERSION_FILE = re.compile(
    r"v\d+-[0-9a-f]{8}\.(parquet|duckdb|rows)"
)  # a version, its serving files
SOURCE_FILE = re.compile(r"v\d+-[0-9a-f]{8}(\.[\w-]{0,11})?")


def lake_cleanup(*, grace_seconds: float = GRACE_SECONDS) -> list[str]:
    """Remove the leftovers described above; returns what was removed, relative to
    ``TERRITOIRE_HOME``, for the worker's log."""
    cutoff = time.time() - grace_seconds
    removed = [
        *_staging_leftovers(cutoff),
        *_version_orphans(cutoff),
        *_upload_leftovers(cutoff),
        *_lock_files_of_deleted_datasets(),
        *_spill_of_dead_processes(),
    ]
    home = Path(settings.TERRITOIRE_HOME)
    names = [str(path.relative_to(home)) for path in removed]
    if names:
        logger.info("Lake cleanup removed %d leftover(s): %s", len(names), ", ".join(names))
    return names


def _changed_at(path: Path) -> float:
    """The last modification of ``path`` or, for a directory, of anything it holds (``place``
    touches a file it links, so a placed file counts from its placement)."""
    newest = path.lstat().st_mtime
    if path.is_dir() and not path.is_symlink():
        for root, dirs, names in os.walk(path):
            for name in (*dirs, *names):
                try:
                    newest = max(newest, (Path(root) / name).lstat().st_mtime)
                except FileNotFoundError:
                    continue
    return newest


def _entries(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.is_dir() else []


def _staging_leftovers(cutoff: float) -> list[Path]:
    removed = []
    for entry in _entries(staging_root()):
        if _changed_at(entry) > cutoff:
            continue
        if not entry.is_dir() or entry.is_symlink():
            entry.unlink(missing_ok=True)
            removed.append(entry)
            continue
        with staging_if_abandoned(entry) as abandoned:
            if abandoned:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    remove_empty_dirs(staging_root())
    return removed


def _version_orphans(cutoff: float) -> list[Path]:
    removed = []
    root = lake_root()
    for dataset_dir in _entries(root):
        if dataset_dir.name.startswith(".") or not dataset_dir.is_dir():
            continue
        slug = dataset_dir.name
        with dataset_lock_if_free(slug) as free:
            if not free:  # an ingestion is placing or committing there right now
                continue
            referenced = {
                name
                for pair in DatasetVersion.objects.filter(
                    Q(path__startswith=f"{slug}/") | Q(source_path__startswith=f"{slug}/")
                ).values_list("path", "source_path")
                for name in pair
            }
            candidates = [p for p in _entries(dataset_dir) if VERSION_FILE.fullmatch(p.name)] + [
                p for p in _entries(dataset_dir / "sources") if SOURCE_FILE.fullmatch(p.name)
            ]
            for path in candidates:
                # a serving file and a rows file go with their version's Parquet file
                owner = path.with_suffix(".parquet") if path.suffix in SERVING_SUFFIXES else path
                if (
                    path.is_file()
                    and str(owner.relative_to(root)) not in referenced
                    and _changed_at(path) <= cutoff
                ):
                    path.unlink(missing_ok=True)
                    removed.append(path)
            remove_empty_dirs(dataset_dir / "sources", dataset_dir)
    return removed


def _upload_leftovers(cutoff: float) -> list[Path]:
    waiting = {
        Path(path).parent
        for path in IngestJob.objects.filter(
            status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        ).values_list("upload_path", flat=True)
        if path
    }
    removed = []
    for entry in _entries(uploads_root()):
        if entry in waiting or _changed_at(entry) > cutoff:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def _spill_of_dead_processes() -> list[Path]:
    """Spill directories (``TERRITOIRE_HOME/tmp/records-<pid>``) of web processes that are gone."""
    removed = []
    for entry in _entries(Path(settings.TERRITOIRE_HOME) / "tmp"):
        match = re.fullmatch(r"records-(\d+)", entry.name)
        if match is None or not entry.is_dir() or _alive(int(match.group(1))):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_files_of_deleted_datasets() -> list[Path]:
    files = {path.stem: path for path in lock_files()}
    gone = set(files) - set(Dataset.objects.filter(slug__in=files).values_list("slug", flat=True))
    removed = []
    for slug in sorted(gone):
        if (lake_root() / slug).exists():
            continue
        with dataset_lock_if_free(slug) as free:
            if free:
                files[slug].unlink(missing_ok=True)
                removed.append(files[slug])
    return removed
