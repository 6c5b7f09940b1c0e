"""Serving files: built for every version when it is written, and for versions written before they
existed by the worker (at start and every hour) or ``territoire serving build``; never by a web
request (``records.serving`` reads a version without one from its Parquet file meanwhile).

A serving file is only an accelerator: when building it fails (memory, disk), the ingestion still
succeeds and says so in its report; the worker tries again later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from django.conf import settings

from ..engine import rowfile
from ..engine import serving as building
from ..models import DatasetLake, DatasetVersion
from .files import lake_root, place
from .locks import Staging, dataset_lock

logger = logging.getLogger(__name__)


def serving_options() -> building.Options:
    """What to build, from the settings (docs/configuration.md)."""
    return building.Options(
        structures=tuple(settings.TERRITOIRE_SERVING_STRUCTURES),
        min_rows=int(settings.TERRITOIRE_SERVING_MIN_ROWS),
        sorted_max=int(settings.TERRITOIRE_SERVING_SORTED_MAX),
        memory_mb=int(settings.TERRITOIRE_SERVING_MEMORY_MB),
    )


def serving_build_staged(
    parquet: Path, columns: Sequence[Mapping], workdir: Path
) -> tuple[Path | None, dict | None, str]:
    """Build the serving file of a staged Parquet file in ``workdir``: (its path, its manifest,
    "") or (None, None, the reason) when it could not be built (the version is read from
    Parquet until the worker builds it)."""
    target = workdir / building.serving_path(Path(parquet.name)).name
    try:
        manifest = building.build(parquet, target, columns, serving_options())
    except Exception as exc:  # an accelerator: never the reason an ingestion fails
        logger.exception("Serving file of %s not built", parquet.name)
        return None, None, f"{type(exc).__name__}: {exc}"[:300]
    return target, manifest, ""


def serving_place(staged: Path, final: Path) -> list[Path]:
    """Place a built serving file and the rows file beside it (first: the serving file names
    it, so a reader never finds the manifest without its rows); the paths placed."""
    placed = []
    staged_rows = rowfile.rows_path(staged)
    if staged_rows.is_file():
        rowfile.rows_path(final).unlink(missing_ok=True)  # a rebuild's, or a killed run's
        place(staged_rows, rowfile.rows_path(final))
        placed.append(rowfile.rows_path(final))
    place(staged, final)
    return [*placed, final]


def serving_unbuilt_warning(reason: str) -> dict:
    return {
        "severity": "warning",
        "code": "serving_not_built",
        "message": (
            "Les structures de lecture rapide de cette version n'ont pas pu être construites "
            f"({reason}) : elle est servie depuis son fichier Parquet, plus lentement, jusqu'à ce "
            "que le worker les construise."
        ),
        "message_en": (
            f"The fast-read structures of this version could not be built ({reason}): it is served "
            "from its Parquet file, more slowly, until the worker builds them."
        ),
    }


def version_serving_path(version: DatasetVersion) -> Path:
    return building.serving_path(lake_root() / version.path)


def versions_without_serving() -> Iterator[DatasetVersion]:
    """Versions whose serving file is missing: the served versions first, newest first."""
    current = set(
        DatasetLake.objects.exclude(current_version=None).values_list("current_version", flat=True)
    )
    versions = DatasetVersion.objects.select_related("dataset").order_by("-pk")
    served: list[DatasetVersion] = []
    others: list[DatasetVersion] = []
    for version in versions.iterator():
        if version_serving_path(version).is_file() or not (lake_root() / version.path).is_file():
            continue
        (served if version.pk in current else others).append(version)
    yield from served
    yield from others


def version_serving_build(version: DatasetVersion, *, rebuild: bool = False) -> dict | None:
    """Build (or with ``rebuild``, replace) the serving file of one version, under its dataset's
    lock; its manifest, or None when it already had one or the build failed."""
    final = version_serving_path(version)
    with dataset_lock(version.dataset.slug, holder="serving"):
        if final.is_file() and not rebuild:
            return None
        staging = Staging()
        try:
            staged, manifest, reason = serving_build_staged(
                lake_root() / version.path, list(version.columns or []), staging.path
            )
            if staged is None:
                logger.warning("Serving file of %s not built: %s", version.path, reason)
                return None
            if rebuild:
                final.unlink(missing_ok=True)
            serving_place(staged, final)
            return manifest
        finally:
            staging.remove()


def versions_outdated() -> Iterator[DatasetVersion]:
    """Served versions whose serving file lacks structures the settings ask for (built before
    they existed, or before the settings changed): the newest first."""
    wanted = set(settings.TERRITOIRE_SERVING_STRUCTURES)
    lakes = DatasetLake.objects.exclude(current_version=None).select_related(
        "current_version__dataset"
    )
    for lake in lakes.order_by("-current_version_id"):
        version = lake.current_version
        manifest = building.manifest_of(version_serving_path(version)) if version else None
        if version is None or manifest is None:
            continue  # missing: versions_without_serving() has it
        if wanted - set(manifest.get("structures", building.LEGACY_STRUCTURES)):
            yield version


def serving_build_missing(*, limit: int | None = None) -> int:
    """Build the missing serving files, then rebuild the served versions' outdated ones (the
    worker at start and every hour; the command). Readers keep the file they attached until
    they detach it: a rebuilt file is another file."""
    built = 0
    for version in versions_without_serving():
        if limit is not None and built >= limit:
            break
        if version_serving_build(version) is not None:
            built += 1
    for version in versions_outdated():
        if limit is not None and built >= limit:
            break
        if version_serving_build(version, rebuild=True) is not None:
            built += 1
    if built:
        logger.info("Built %d missing serving file(s)", built)
    return built
