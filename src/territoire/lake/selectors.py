"""Reads of the lake: versions, the served version, personal-data flags, diffs, jobs, aware of who asks."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from territoire.accounts import permissions
from territoire.catalog import selectors as catalog_selectors
from territoire.catalog.models import AccessLevel, Dataset
from territoire.core.errors import NotFound, ValidationFailed
from territoire.trust.disclosure.lineage import KIND, Verdict, lineage_verdict

from . import engine
from .models import DatasetLake, DatasetVersion, IngestJob


def dataset_list_editable(actor) -> QuerySet[Dataset]:
    """Datasets whose data the actor may load (the catalogue's edit rule), with their served version."""
    return (
        catalog_selectors.dataset_list_editable(actor)
        .select_related("lake__current_version")
        .order_by("title")
    )


def dataset_lake(dataset: Dataset) -> DatasetLake | None:
    return DatasetLake.objects.select_related("current_version").filter(dataset=dataset).first()


def dataset_current_version(dataset: Dataset) -> DatasetVersion | None:
    lake = dataset_lake(dataset)
    return lake.current_version if lake else None


def current_version_paths(limit: int) -> list[str]:
    """The lake paths of the versions datasets serve now, the newest first (a web process
    attaches their serving files when it starts). Paths only: no reader is involved."""
    return list(
        DatasetLake.objects.exclude(current_version=None)
        .order_by("-current_version_id")
        .values_list("current_version__path", flat=True)[: max(int(limit), 0)]
    )


def newest_public_slug() -> str | None:
    """The dataset anyone may read whose served version is the newest (a web process reads it
    once when it starts), or None."""
    return (
        DatasetLake.objects.exclude(current_version=None)
        .filter(dataset__is_published=True, dataset__access_level=AccessLevel.PUBLIC)
        .order_by("-current_version_id")
        .values_list("dataset__slug", flat=True)
        .first()
    )


def dataset_versions(dataset: Dataset) -> QuerySet[DatasetVersion]:
    return (
        DatasetVersion.objects.filter(dataset=dataset)
        .select_related("created_by")
        .order_by("-number")
    )


def version_get(dataset: Dataset, number: int) -> DatasetVersion:
    version = (
        DatasetVersion.objects.filter(dataset=dataset, number=number)
        .select_related("created_by")
        .first()
    )
    if version is None:
        raise NotFound(
            f"Le jeu de données « {dataset.slug} » n'a pas de version {number}.",
            f"Dataset '{dataset.slug}' has no version {number}.",
            where="number",
        )
    return version


def dataset_personal_flags(dataset: Dataset) -> list[dict]:
    """Personal-data flags of the version the dataset serves (empty when it has none)."""
    current = (
        DatasetVersion.objects.filter(
            pk=DatasetLake.objects.filter(dataset=dataset).values("current_version")[:1]
        )
        .values_list("personal_data", flat=True)
        .first()
    )
    return list(current or [])


def dataset_is_derived(dataset: Dataset) -> bool:
    """Has the dataset ever held a version made by anonymisation?"""
    return DatasetVersion.objects.filter(dataset=dataset, lineage__kind=KIND).exists()


def dataset_derivation_verdict(dataset: Dataset, candidate: dict | None = None) -> Verdict | None:
    """The publication rule's view of a derived dataset (catalog.hooks): may the served version,
    or the ``candidate`` about to be served, be opened without a decision? None when the dataset
    is not derived by anonymisation (the flags rule applies)."""
    if candidate is not None:
        lineage = candidate.get("lineage") or {}
        if not lineage and not dataset_is_derived(dataset):
            return None
        checksum, flags = candidate.get("parquet_checksum", ""), candidate.get("personal_data")
    else:
        if not dataset_is_derived(dataset):
            return None
        served = dataset_current_version(dataset)
        lineage = served.lineage if served else {}
        checksum = served.parquet_checksum if served else ""
        flags = served.personal_data if served else []
    source = lineage.get("source") or {}
    source_checksum = (
        DatasetVersion.objects.filter(
            pk=int(source["version_id"]), dataset_id=int(source.get("dataset_id") or 0)
        )
        .values_list("parquet_checksum", flat=True)
        .first()
        if source.get("version_id")
        else None
    )
    return lineage_verdict(
        lineage, parquet_checksum=checksum, source_checksum=source_checksum, flags=flags or []
    )


def version_derived_from(version: DatasetVersion) -> tuple[Dataset | None, dict]:
    """The source dataset of an anonymised version (None when gone) and its lineage."""
    lineage = version.lineage or {}
    if lineage.get("kind") != KIND:
        return None, {}
    source_id = (lineage.get("source") or {}).get("dataset_id")
    source = Dataset.objects.filter(pk=int(source_id)).first() if source_id else None
    return source, lineage


def version_compare(dataset: Dataset, from_number: int, to_number: int) -> dict:
    """Schema changes always; rows added, removed and changed when the dataset declares a key column."""
    if from_number == to_number:
        raise ValidationFailed(
            "Choisissez deux versions différentes à comparer.",
            "Choose two different versions to compare.",
            where="to",
        )
    old, new = version_get(dataset, from_number), version_get(dataset, to_number)
    lake = dataset_lake(dataset)
    key = (lake.key_column or None) if lake else None
    if key and not ({c["id"] for c in old.columns} & {c["id"] for c in new.columns} >= {key}):
        key = None
    result = engine.compare(
        old.absolute_path,
        new.absolute_path,
        old_columns=old.columns,
        new_columns=new.columns,
        key=key,
    )
    return {"dataset": dataset.slug, "from": old.number, "to": new.number, "key": key, **result}


def job_get_for_actor(actor, job_id: int) -> IngestJob:
    """A job is seen by whoever asked for it and by data officers; others get not-found."""
    job = (
        IngestJob.objects.select_related("dataset", "version", "created_by")
        .filter(pk=job_id)
        .first()
    )
    if job is None or not (
        permissions.is_data_officer(actor)
        or (permissions.is_authenticated(actor) and job.created_by_id == actor.pk)
    ):
        raise NotFound(f"Tâche {job_id} introuvable.", f"Job {job_id} not found.", where="id")
    return job


def dataset_jobs(dataset: Dataset, actor, *, limit: int = 10) -> QuerySet[IngestJob]:
    qs = IngestJob.objects.filter(dataset=dataset).select_related("created_by", "version")
    if not permissions.is_data_officer(actor):
        qs = qs.filter(Q(created_by_id=getattr(actor, "pk", None)))
    return qs[:limit]
