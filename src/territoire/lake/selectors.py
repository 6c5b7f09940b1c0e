"""Reads of the lake: versions, the served version, personal-data flags, diffs, jobs, aware of who asks."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from territoire.accounts import permissions
from territoire.catalog import selectors as catalog_selectors
from territoire.catalog.models import Dataset
from territoire.core.errors import NotFound, ValidationFailed

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
