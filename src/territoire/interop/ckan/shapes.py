"""Territoire's catalogue in CKAN's shapes (package, resource, organization, group dicts).

Ids are stable UUIDs derived from our primary keys (interop.common.stable_uuid); names are slugs.
Themes (EU data-theme) are CKAN groups; keywords are tags. The record exports of a dataset with
data in the lake are resources with ``datastore_active: true``: datastore_search reads them.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from territoire.catalog.vocabularies import EU_FREQUENCY_BASE

from .. import common
from ..catalogue import Entry
from ..dcat.vocab import INSEE_GEO, TERRITORY_PATHS


def ckan_datetime(value: dt.datetime | None) -> str | None:
    """CKAN writes naive UTC ISO timestamps: 2024-03-01T10:12:45.123456."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def organization_dict(organization, *, package_count: int | None = None) -> dict:
    data = {
        "id": common.organization_uuid(organization),
        "name": organization.slug,
        "title": organization.name,
        "display_name": organization.name,
        "description": "",
        "image_url": "",
        "image_display_url": "",
        "created": ckan_datetime(organization.created_at),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "type": "organization",
        "num_followers": 0,
        "extras": [{"key": "siren", "value": organization.siren}] if organization.siren else [],
    }
    if package_count is not None:
        data["package_count"] = package_count
    return data


def group_dict(theme) -> dict:
    return {
        "id": common.stable_uuid("theme", theme.pk),
        "name": theme.code.lower(),
        "title": theme.label_fr,
        "display_name": theme.label_fr,
        "description": theme.label_en,
        "image_display_url": "",
        "uri": theme.uri,
    }


def tag_dict(name: str) -> dict:
    return {
        "id": common.stable_uuid("tag", 0, name),
        "name": name,
        "display_name": name,
        "state": "active",
        "vocabulary_id": None,
    }


def _resource_base(entry: Entry, *, position: int) -> dict:
    return {
        "package_id": common.dataset_uuid(entry.dataset),
        "position": position,
        "state": "active",
        "url_type": None,
        "resource_type": None,
        "cache_url": None,
        "hash": "",
        "size": None,
    }


def resource_dicts(entry: Entry) -> list[dict]:
    d = entry.dataset
    resources = []
    for distribution in entry.distributions:
        resource = _resource_base(entry, position=len(resources))
        resource.update(
            {
                "id": common.distribution_uuid(distribution),
                "name": distribution.title,
                "description": "",
                "format": distribution.format,
                "mimetype": distribution.media_type or None,
                "url": common.distribution_url(distribution),
                "size": distribution.byte_size,
                "hash": f"sha256:{distribution.checksum}" if distribution.checksum else "",
                "created": ckan_datetime(distribution.created_at),
                "last_modified": ckan_datetime(distribution.modified_at),
                "metadata_modified": ckan_datetime(distribution.modified_at),
                "datastore_active": False,
            }
        )
        resources.append(resource)
    for export in entry.exports:
        resource = _resource_base(entry, position=len(resources))
        version = entry.version
        resource.update(
            {
                "id": common.export_uuid(d, export.code),
                "name": f"{d.title} — export {export.label}",
                "description": f"Toutes les lignes de la version {version.number} ({version.row_count} lignes), "
                f"produites par l'API des enregistrements. / All rows of version {version.number}.",
                "format": export.label,
                "mimetype": export.media_type,
                "url": common.export_url(d, export.code),
                "created": ckan_datetime(version.created_at),
                "last_modified": ckan_datetime(version.created_at),
                "metadata_modified": ckan_datetime(version.created_at),
                "datastore_active": True,
            }
        )
        resources.append(resource)
    return resources


def territory_uri(territory) -> str | None:
    path = TERRITORY_PATHS.get(territory.kind)
    return f"{INSEE_GEO}{path}/{territory.code}" if path else None


def _extras(entry: Entry) -> list[dict]:
    d = entry.dataset
    extras = {
        "uri": common.portal_page(d) + "#dataset",
        "identifier": common.dataset_uuid(d),
        "access_level": d.access_level,
        "frequency": EU_FREQUENCY_BASE + d.frequency,
        "theme": ",".join(t.uri for t in entry.themes),
        "issued": ckan_datetime(d.published_at),
        "modified": ckan_datetime(entry.modified),
        "temporal_start": d.temporal_start.isoformat() if d.temporal_start else None,
        "temporal_end": d.temporal_end.isoformat() if d.temporal_end else None,
        "contact_name": d.contact_name,
        "contact_email": d.contact_email,
        "publisher_service": d.publisher_service.name if d.publisher_service else None,
        "spatial_text": ", ".join(t.name for t in entry.territories),
        "territories": ",".join(t.code for t in entry.territories),
        "language": "fr",
    }
    uris = [u for u in (territory_uri(t) for t in entry.territories) if u]
    if len(uris) == 1:
        extras["spatial_uri"] = uris[0]
    if entry.version is not None:
        extras["records_count"] = str(entry.version.row_count)
        extras["version"] = str(entry.version.number)
    return [{"key": key, "value": value} for key, value in sorted(extras.items()) if value]


def package_dict(entry: Entry) -> dict:
    d = entry.dataset
    resources = resource_dicts(entry)
    tags = [tag_dict(k) for k in entry.keywords]
    return {
        "id": common.dataset_uuid(d),
        "name": d.slug,
        "title": d.title,
        "notes": d.description,
        "type": "dataset",
        "state": "active",
        "private": not d.is_public,
        "isopen": common.licence_is_open(d.licence),
        "license_id": d.licence,
        "license_title": common.licence_title(d.licence),
        "license_url": common.licence_url(d.licence),
        "url": d.landing_page or common.portal_page(d),
        "version": f"{entry.version.number}" if entry.version is not None else None,
        "author": d.publisher.name,
        "author_email": d.publisher.email or None,
        "maintainer": d.contact_name or (d.publisher_service.name if d.publisher_service else None),
        "maintainer_email": d.contact_email
        or (d.publisher_service.email if d.publisher_service else None)
        or None,
        "metadata_created": ckan_datetime(d.created_at),
        "metadata_modified": ckan_datetime(entry.modified),
        "owner_org": common.organization_uuid(d.publisher),
        "organization": organization_dict(d.publisher),
        "creator_user_id": None,
        "groups": [group_dict(t) for t in entry.themes],
        "tags": tags,
        "num_tags": len(tags),
        "resources": resources,
        "num_resources": len(resources),
        "extras": _extras(entry),
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }
