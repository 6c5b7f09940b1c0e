"""What the three front-ends share: stable identifiers, absolute URLs, the served version of each
dataset, the record exports every dataset with data offers, authentication and the read audit."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.urls import reverse

from territoire.accounts.authentication import actor_of
from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset, Distribution
from territoire.catalog.vocabularies import LICENCE_URLS, Licence
from territoire.core import ratelimit
from territoire.lake.models import DatasetLake
from territoire.records import exports

# Fixed namespace of Territoire's name-based UUIDs (uuid5). Names include the site's base URL, so
# two installations never give the same identifier to different datasets.
NAMESPACE = uuid.UUID("5c0f9a52-3b8e-5d7a-9f43-2f1e8c6b7a10")


def base_url() -> str:
    return settings.TERRITOIRE_BASE_URL.rstrip("/")


def absolute(path: str) -> str:
    """The public URL of a path of this site (TERRITOIRE_BASE_URL, never the Host header)."""
    if path.startswith(("http://", "https://")):
        return path
    return base_url() + (path if path.startswith("/") else "/" + path)


def stable_uuid(kind: str, pk: int, *parts: str) -> str:
    """A UUID that never changes for one object of one installation (renaming keeps it)."""
    name = "/".join([base_url(), kind, str(pk), *parts])
    return str(uuid.uuid5(NAMESPACE, name))


def dataset_uuid(dataset: Dataset) -> str:
    return stable_uuid("dataset", dataset.pk)


def organization_uuid(organization) -> str:
    return stable_uuid("organization", organization.pk)


def distribution_uuid(distribution: Distribution) -> str:
    return stable_uuid("distribution", distribution.pk)


def export_uuid(dataset: Dataset, fmt: str) -> str:
    return stable_uuid("dataset", dataset.pk, "export", fmt)


def portal_page(dataset: Dataset) -> str:
    """The dataset's page on the portal (dcat:landingPage, CKAN `url`)."""
    return absolute(reverse("web:dataset", kwargs={"slug": dataset.slug}))


def distribution_url(distribution: Distribution) -> str:
    if distribution.download_url:
        return distribution.download_url
    if distribution.file:
        return absolute(distribution.file.url)
    return ""


def licence_title(code: str) -> str:
    try:
        return str(Licence(code).label)
    except ValueError:
        return code


def licence_url(code: str) -> str:
    return LICENCE_URLS.get(code, "")


def licence_is_open(code: str) -> bool:
    return code in LICENCE_URLS


# ------------------------------------------------------------------ exports of the records API


def export_url(dataset: Dataset, fmt: str) -> str:
    return absolute(f"/api/explore/v2.1/catalog/datasets/{dataset.slug}/exports/{fmt}")


def records_url(dataset: Dataset) -> str:
    return absolute(f"/api/explore/v2.1/catalog/datasets/{dataset.slug}/records")


def current_versions(datasets) -> dict:
    """dataset id -> the version it serves (DatasetVersion), in one query; datasets without data are absent."""
    ids = [d.pk for d in datasets]
    if not ids:
        return {}
    lakes = DatasetLake.objects.filter(
        dataset_id__in=ids, current_version__isnull=False
    ).select_related("current_version")
    return {lake.dataset_id: lake.current_version for lake in lakes}


def current_version(dataset: Dataset):
    return current_versions([dataset]).get(dataset.pk)


def export_formats(version) -> list[exports.ExportFormat]:
    """The record exports CKAN and DCAT list for a served version (from the formats' registry;
    GeoJSON only when the records have a position)."""
    if version is None:
        return []
    return exports.offered_by(exports.CATALOGUE, has_position=exports.has_position(version))


# ------------------------------------------------------------------ who is asking, and the audit


def authenticate(request):
    """The actor, after the per-client rate limit. Raises RateLimited or InvalidToken (from
    accounts.authentication), which each front-end turns into its own error shape."""
    return actor_of(request)


def audit_read(request, actor, dataset: Dataset, channel: str) -> None:
    """Every read of a non-public dataset through a front-end leaves an audit event."""
    catalog_services.dataset_read_record(
        actor=actor, dataset=dataset, channel=channel, ip_address=ratelimit.client_ip(request)
    )
