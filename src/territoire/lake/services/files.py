"""Files of the lake: where versions, staging and uploads live; atomic placement; cleanup."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import get_valid_filename


def lake_root() -> Path:
    return Path(settings.TERRITOIRE_HOME) / "lake"


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


def place(staged: Path, final: Path) -> None:
    """Move a finished file to its final name atomically, refusing to replace an existing file."""
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(staged, final)  # fails if `final` exists: versions are never overwritten
        staged.unlink()
    except FileExistsError:
        raise
    except OSError:  # file systems without hard links
        if final.exists():
            raise FileExistsError(final) from None
        os.rename(staged, final)
    fsync_dir(final.parent)


def remove_empty_dirs(*paths: Path) -> None:
    for path in paths:
        try:
            path.rmdir()
        except OSError:
            pass


def upload_store(*, chunks, original_name: str) -> Path:
    """Write an uploaded file (an iterable of byte chunks) where the worker will find it;
    ``TooLarge`` (and nothing left behind) beyond ``TERRITOIRE_UPLOAD_MAX_BYTES``."""
    from territoire.lake.uploads import too_large, upload_max_bytes

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
    from territoire.lake.models import DatasetVersion

    root = lake_root()
    relative = [
        path
        for pair in DatasetVersion.objects.filter(dataset=dataset).values_list(
            "path", "source_path"
        )
        for path in pair
        if path
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
