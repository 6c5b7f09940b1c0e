"""What the three front-ends share: stable identifiers, absolute URLs, the served version of each
dataset, the record exports every dataset with data offers, authentication and the read audit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from territoire.accounts.authentication import actor_of
from territoire.catalog import services as catalog_services
from territoire.catalog.models import Dataset, Distribution
from territoire.catalog.vocabularies import LICENCE_URLS, Licence
from territoire.core import ratelimit
from territoire.records import exports as record_exports

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


@dataclass(frozen=True)
class ExportFormat:
    code: str  # path segment of /exports/{code}
    label: str  # CKAN resource format, ODS label
    media_type: str  # IANA media type
    eu_file_type: str  # code in the EU file-type authority table
    needs_geo: bool = False


EXPORT_FORMATS = (
    ExportFormat("csv", "CSV", "text/csv", "CSV"),
    ExportFormat("json", "JSON", "application/json", "JSON"),
    ExportFormat("geojson", "GeoJSON", "application/geo+json", "GEOJSON", needs_geo=True),
    ExportFormat("parquet", "Parquet", "application/vnd.apache.parquet", "PARQUET"),
)


def export_url(dataset: Dataset, fmt: str) -> str:
    return absolute(f"/api/explore/v2.1/catalog/datasets/{dataset.slug}/exports/{fmt}")


def records_url(dataset: Dataset) -> str:
    return absolute(f"/api/explore/v2.1/catalog/datasets/{dataset.slug}/records")


def current_versions(datasets) -> dict:
    """dataset id -> the version it serves (DatasetVersion), in one query; datasets without data are absent."""
    from territoire.lake.models import DatasetLake

    ids = [d.pk for d in datasets]
    if not ids:
        return {}
    lakes = DatasetLake.objects.filter(
        dataset_id__in=ids, current_version__isnull=False
    ).select_related("current_version")
    return {lake.dataset_id: lake.current_version for lake in lakes}


def current_version(dataset: Dataset):
    return current_versions([dataset]).get(dataset.pk)


def version_has_geo(version) -> bool:
    """A point or shape column, or the latitude/longitude pair ingestion recognised (geo_role)."""
    return record_exports.has_position(version.columns or [])


def export_formats(version) -> list[ExportFormat]:
    """The exports a served version offers (GeoJSON only when it has a position: a point, a
    shape or a latitude/longitude pair)."""
    if version is None:
        return []
    has_geo = version_has_geo(version)
    return [f for f in EXPORT_FORMATS if has_geo or not f.needs_geo]


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
