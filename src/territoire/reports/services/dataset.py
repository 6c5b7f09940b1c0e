"""The reports as an open dataset in the lake (slug ``signalements``), through the lake's
ingestion service as the indicators' series are: no author, no description or address (free
text typed by people), no photo, positions rounded to ~100 m, hidden reports left out. Each
refresh is a new version only when something changed (the lake says "unchanged" otherwise)."""

from __future__ import annotations

import csv
import logging
import tempfile
from pathlib import Path

from django.db import transaction
from django_tasks import task

from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset
from territoire.catalog.vocabularies import Frequency
from territoire.core.errors import TerritoireError, ValidationFailed
from territoire.lake import services as lake_services
from territoire.lake.report import IngestReport

from .. import geo
from ..models import Report, ReportCategory
from ..vocabularies import ModerationState

log = logging.getLogger(__name__)

DATASET_SLUG = "signalements"
COLUMNS = [
    "identifiant", "categorie", "code_categorie", "statut", "cree_le", "statut_change_le",
    "latitude", "longitude", "code_commune", "commune", "quartier",
]  # fmt: skip
TYPES = {"identifiant": "integer", "code_commune": "text", "quartier": "text"}


def _dataset(actor) -> Dataset:
    dataset = Dataset.objects.filter(slug=DATASET_SLUG).first()
    if dataset is not None:
        return dataset
    category = ReportCategory.objects.select_related("service__organization").first()
    if category is None or actor is None:
        raise ValidationFailed(
            "Le jeu de données des signalements n'existe pas encore : créez une catégorie de "
            "signalement et lancez la publication avec un compte d'administrateur des données.",
            "The reports dataset does not exist yet: create a report category and run the "
            "publication with a data officer's account.",
            where="dataset",
        )
    with transaction.atomic():
        dataset = catalog_services.dataset_create(
            actor=actor,
            title="Signalements dans l'espace public",
            slug=DATASET_SLUG,
            publisher=category.service.organization,
            publisher_service=category.service,
            access_level="public",
            licence="etalab-2.0",
            frequency=Frequency.DAILY,
            description=(
                "Les signalements des habitants (voirie, propreté, éclairage…) et leur statut. "
                "Sans auteur ni texte libre ni photo ; positions arrondies à environ 100 m."
            ),
            keywords=["signalement", "espace public", "Open311"],
        )
        lake_services.dataset_set_type_overrides(
            actor=actor, dataset=dataset, overrides=TYPES, reason="colonnes des signalements"
        )
    return dataset


def _write(path: Path) -> int:
    rows = (
        Report.objects.filter(moderation=ModerationState.VISIBLE)
        .order_by("id")
        .values_list(
            "id",
            "category__name",
            "category__code",
            "status",
            "created_at",
            "status_changed_at",
            "latitude",
            "longitude",
            "commune__code",
            "commune__name",
            "quartier__name",
        )  # fmt: skip
    )
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for (
            pk,
            name,
            code,
            status,
            created,
            changed,
            lat,
            lon,
            insee,
            commune,
            quartier,
        ) in rows.iterator(chunk_size=2000):
            lat, lon = geo.public_position(lat, lon)
            writer.writerow([
                pk, name, code, status, created.isoformat(timespec="seconds"),
                changed.isoformat(timespec="seconds") if changed else "",
                f"{lat:.{geo.PUBLIC_DECIMALS}f}", f"{lon:.{geo.PUBLIC_DECIMALS}f}",
                insee or "", commune or "", quartier or "",
            ])  # fmt: skip
            count += 1
    return count


def reports_dataset_refresh(*, actor=None, publish: bool = True) -> IngestReport:
    """Write the current reports as a new version of the ``signalements`` dataset. ``actor``
    None is the platform (the worker, the command): it can refresh an existing dataset only."""
    dataset = _dataset(actor)
    with tempfile.TemporaryDirectory(prefix="signalements-") as folder:
        path = Path(folder) / f"{DATASET_SLUG}.csv"
        _write(path)
        report = lake_services.dataset_ingest(
            actor=actor, dataset=dataset, source=path, original_name=path.name,
            holder="la publication des signalements",
        )  # fmt: skip
    if publish and actor is not None and report.status == "created" and not dataset.is_published:
        catalog_services.dataset_publish(
            actor=actor, dataset=dataset, reason="signalements : données ouvertes sans auteur"
        )
    return report


@task()
def reports_dataset_refresh_job() -> str:
    """The worker's refresh of the open dataset (the platform as actor)."""
    try:
        return reports_dataset_refresh(actor=None).status
    except TerritoireError as exc:
        log.warning("reports dataset refresh failed: %s", exc.message_en)
        return "failed"


def _enqueue() -> None:
    try:
        reports_dataset_refresh_job.enqueue()
    except Exception:  # the change stands; the next change or `territoire reports publish` retries
        log.exception("could not queue the reports dataset refresh")


def reports_dataset_refresh_soon() -> None:
    """Once the caller's transaction commits, ask the worker to refresh the open dataset — if it
    exists (a data officer creates it once with `territoire reports publish --as …`)."""
    if Dataset.objects.filter(slug=DATASET_SLUG).exists():
        transaction.on_commit(_enqueue)
