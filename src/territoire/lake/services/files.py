"""Files of the lake: where versions, staging and uploads live; placement that never replaces a
version's file and can be run again after a crash; removal of a deleted dataset's files."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.text import get_valid_filename

from ..engine.serving import SERVING_SUFFIXES
from ..models import DatasetVersion
from ..uploads import too_large, upload_max_bytes


def lake_root() -> Path:
    return Path(settings.TERRITOIRE_HOME) / "lake"


def staging_root() -> Path:
    """Where ingestions and downloads work before placing anything (one directory per run)."""
    return lake_root() / ".staging"


def uploads_root() -> Path:
    """Where web and API uploads wait for the worker (outside the lake: they are not versions)."""
    return Path(settings.TERRITOIRE_HOME) / "uploads" / "ingest"


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_referenced(path: Path) -> bool:
    """Whether a version row names ``path`` (its Parquet file or its source copy); a serving file
    and its rows file belong to the version of their Parquet twin."""
    if path.suffix in SERVING_SUFFIXES:
        path = path.with_suffix(".parquet")
    try:
        relative = str(path.relative_to(lake_root()))
    except ValueError:
        return False
    return DatasetVersion.objects.filter(Q(path=relative) | Q(source_path=relative)).exists()


def place(staged: Path, final: Path, *, checksum: str | None = None) -> bool:
    """Move a finished (fsynced) file to its final name atomically; never replace a version's file.

    The final name holds the content's hash, so a file already there is normally the orphan of a
    run that was killed between placement and commit: when its checksum matches it is reused and
    ``staged`` dropped (returns False). A different file that no version references (damaged) is
    replaced atomically; one that a version references is never touched: ``FileExistsError``.
    Returns True when this call put ``staged`` in place. Callers hold the dataset's lock.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(staged, final)  # fails if `final` exists: nothing is ever overwritten here
    except FileExistsError:
        return _place_over(staged, final, checksum)
    except OSError:  # file systems without hard links
        if final.exists() or final.is_symlink():
            return _place_over(staged, final, checksum)
        os.rename(staged, final)
    else:
        staged.unlink()
    os.utime(final)  # the cleanup's grace period counts from the placement, not the writing
    fsync_dir(final.parent)
    return True


def _place_over(staged: Path, final: Path, checksum: str | None) -> bool:
    if final.is_symlink() or not final.is_file():
        raise FileExistsError(errno.EEXIST, "occupied by something else than a file", str(final))
    if file_sha256(final) == (checksum or file_sha256(staged)):
        staged.unlink()
        return False
    if is_referenced(final):
        raise FileExistsError(errno.EEXIST, "a version's file is never replaced", str(final))
    os.replace(staged, final)
    fsync_dir(final.parent)
    return True


def remove_empty_dirs(*paths: Path) -> None:
    for path in paths:
        try:
            path.rmdir()
        except OSError:
            pass


def upload_store(*, chunks, original_name: str) -> Path:
    """Write an uploaded file (an iterable of byte chunks) where the worker will find it;
    ``TooLarge`` (and nothing left behind) beyond ``TERRITOIRE_UPLOAD_MAX_BYTES``."""
    limit = upload_max_bytes()
    directory = uploads_root() / uuid.uuid4().hex
    directory.mkdir(parents=True)
    path = directory / (get_valid_filename(Path(original_name).name)[:200] or "fichier")
    try:
        written = 0
        with path.open("wb") as handle:
            for chunk in chunks:
                written += len(chunk)
                if written > limit:
                    raise too_large(None, limit)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return path


def upload_discard(path: str | Path) -> None:
    """Remove an upload once its job is over; only ever inside the uploads directory."""
    path = Path(path)
    root = uploads_root().resolve()
    try:
        parent = path.resolve().parent
    except OSError:
        return
    if parent.parent == root:
        shutil.rmtree(parent, ignore_errors=True)


def dataset_files_remove_on_commit(dataset) -> None:
    """When the transaction deleting ``dataset`` commits, remove its versions' files (Parquet
    and source copies) and its lake directory. Called before the delete (the version rows are
    read now); a rolled-back delete removes nothing."""
    root = lake_root()
    relative = [
        name
        for pair in DatasetVersion.objects.filter(dataset=dataset).values_list(
            "path", "source_path"
        )
        for path in pair
        if path
        for name in (
            (path, *(str(Path(path).with_suffix(s)) for s in SERVING_SUFFIXES))
            if path.endswith(".parquet")
            else (path,)
        )
    ]
    dataset_dir = root / dataset.slug

    def remove() -> None:
        resolved_root = root.resolve()
        for name in relative:
            path = (root / name).resolve()
            if path.is_relative_to(resolved_root) and path.parent != resolved_root:
                path.unlink(missing_ok=True)
        remove_empty_dirs(dataset_dir / "sources", dataset_dir)

    transaction.on_commit(remove)
