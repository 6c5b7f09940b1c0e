"""Ingest a path or an http(s) URL into a dataset named by its slug, creating it if needed (the CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from territoire.accounts import permissions
from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset
from territoire.core.errors import ValidationFailed
from territoire.organizations.models import Organization, Service
from territoire.trust.services import audited_delete

from ..engine import IngestOptions
from ..report import IngestReport
from ..sources import fetch_url, is_url
from .ingest import Progress, dataset_ingest
from .lake_settings import dataset_lake_update, require_edit
from .locks import Staging


def _default_publisher(actor):
    """The organisation of the actor's (stewarded, else any) service, else the first organisation."""
    service = None
    if permissions.is_authenticated(actor):
        stewarded = permissions.stewarded_service_ids(actor)
        ids = stewarded or permissions.member_service_ids(actor)
        service = (
            Service.objects.select_related("organization").filter(id__in=ids).order_by("id").first()
        )
    if service is not None:
        return service.organization, (
            service if service.id in permissions.stewarded_service_ids(actor) else None
        )
    organization = Organization.objects.order_by("id").first()
    if organization is None:
        raise ValidationFailed(
            "Aucune organisation n'existe pour publier ce jeu de données : créez-en une dans le back-office "
            "(/admin/) ou lancez `territoire demo`.",
            "No organisation exists to publish this dataset: create one in the back-office (/admin/) or run "
            "`territoire demo`.",
            where="publisher",
        )
    return organization, None


def dataset_ingest_by_slug(
    *,
    actor,
    slug: str,
    source: str,
    title: str | None = None,
    schema_ref: str | None = None,
    publish: bool = False,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest a path or http(s) URL into dataset `slug`, creating the dataset if it does not exist.

    A new dataset is published by the organisation of the actor's stewarded service (else of any of
    their services, else the first organisation), is public when `publish` is asked and internal
    otherwise, and is titled `title` or after the file name. Creating one needs an account (the
    catalogue's rule): the system actor (`None`) can only load existing datasets.
    """
    dataset = Dataset.objects.filter(slug=slug).first()
    if dataset is not None:
        require_edit(actor, dataset)
    fetch, created = None, False
    try:
        if is_url(source):
            fetch = Staging("fetch-")  # marked in use: the cleanup leaves it alone
            fetched = fetch_url(source, dest_dir=fetch.path / "download")
            path, name = fetched.path, fetched.name
        else:
            path = Path(source).expanduser()
            name = path.name
            if not path.is_file():
                raise ValidationFailed(
                    f"Fichier introuvable : {source}. Vérifiez le chemin.",
                    f"File not found: {source}. Check the path.",
                    where="source",
                )
        if dataset is None:
            if actor is None:
                raise ValidationFailed(
                    f"Le jeu de données « {slug} » n'existe pas et aucun compte n'est indiqué pour le créer : "
                    "créez un administrateur des données (`territoire createsuperuser`) ou passez --as.",
                    f"Dataset '{slug}' does not exist and no account is given to create it: create a data "
                    "officer (`territoire createsuperuser`) or pass --as.",
                    where="actor",
                )
            publisher, service = _default_publisher(actor)
            values: dict[str, Any] = {"access_level": "public" if publish else "internal"}
            if service is not None:
                values["publisher_service"] = service
            dataset = catalog_services.dataset_create(
                actor=actor,
                title=title or Path(name).stem.replace("_", " ").replace("-", " ").strip() or slug,
                publisher=publisher,
                slug=slug,
                **values,
            )
            created = True
        try:
            report = dataset_ingest(
                actor=actor,
                dataset=dataset,
                source=path,
                original_name=name,
                schema_ref=schema_ref,
                options=IngestOptions(sheet=sheet) if sheet else None,
                publish=publish,
                progress=progress,
            )
        except BaseException:
            if created:
                _forget(actor, dataset)
            raise
        if report.status == "failed" and created:
            _forget(actor, dataset)
        elif report.status != "failed" and is_url(source):
            dataset_lake_update(actor=actor, dataset=dataset, source_url=source)
        return report
    finally:
        if fetch is not None:
            fetch.remove()


def _forget(actor, dataset: Dataset) -> None:
    """A dataset this command created for a file that could not be ingested is removed again
    (audited: its creation and its removal both stay in the log)."""
    audited_delete(
        actor=actor, instance=dataset, reason="ingestion échouée : jeu de données créé pour rien"
    )
