"""Territoire's catalogue in OpenDataSoft Explore v2.1 shapes (dataset objects, fields, errors)."""

from __future__ import annotations

import datetime as dt

from django.http import JsonResponse

from territoire.catalog.vocabularies import EU_FREQUENCY_BASE
from territoire.records import selectors

from .. import common
from ..catalogue import Entry

ODS_TYPES = {
    "integer": "int",
    "decimal": "double",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "geo_point": "geo_point_2d",
    "geometry": "geo_shape",
    "text": "text",
}


def iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def error(status: int, code: str, fr: str, en: str, **extra) -> JsonResponse:
    """ODS error shape, French message first, English beside it."""
    body = {"error_code": code, "message": fr, "message_en": en, **extra}
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


# OpenDataSoft's own codes for an exhausted quota (Explore API documentation, "Errors handling"):
# 10005 for anonymous users' quota, 10002 otherwise.
QUOTA_ERROR_CODES = {True: 10005, False: 10002}
TIME_UNITS = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


def quota_error(
    *, retry_after: int, limit: int, seconds: int, resets_at: float, is_anonymous: bool
) -> JsonResponse:
    """A 429 in OpenDataSoft's shape (the `quota` response of its Explore API specification:
    errorcode, reset_time, limit_time_unit, call_limit, error) with its X-RateLimit-* headers,
    plus the French and English messages every Territoire error carries."""
    reset = dt.datetime.fromtimestamp(resets_at, dt.UTC).replace(microsecond=0)
    unit = TIME_UNITS.get(seconds, f"{seconds} seconds")
    who, who_fr = (
        ("anonymous users", "utilisateurs anonymes")
        if is_anonymous
        else ("your account", "votre compte")
    )
    en = f"You have exceeded the requests limit for {who}: {limit} per {unit}; retry in {retry_after} s."
    body = {
        "errorcode": QUOTA_ERROR_CODES[is_anonymous],
        "reset_time": reset.isoformat().replace("+00:00", "Z"),
        "limit_time_unit": unit,
        "call_limit": limit,
        "error": en,
        "message": f"Limite de requêtes des {who_fr} atteinte : {limit} par période de {seconds} s ; "
        f"réessayez dans {retry_after} s"
        + (", ou utilisez une clé d'API." if is_anonymous else "."),
        "message_en": en,
    }
    response = JsonResponse(body, status=429, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["Retry-After"] = str(retry_after)
    response["X-RateLimit-Limit"] = str(limit)
    response["X-RateLimit-Remaining"] = "0"
    response["X-RateLimit-Reset"] = str(int(reset.timestamp()))
    return response


def features(entry: Entry) -> list[str]:
    if entry.version is None:
        return []
    types = {c.get("type") for c in entry.version.columns}
    found = []
    if types & {"integer", "decimal"}:
        found.append("analyze")
    if types & {"geo_point", "geometry"}:
        found.append("geo")
    if types & {"date", "datetime"}:
        found.append("timeserie")
    return found


def catalogue_row(entry: Entry) -> dict:
    """The catalogue fields of a dataset, as where/refine/order_by see them."""
    d = entry.dataset
    version = entry.version
    return {
        "dataset_id": d.slug,
        "dataset_uid": common.dataset_uuid(d),
        "title": d.title,
        "description": d.description,
        "theme": [t.label_fr for t in entry.themes],
        "keyword": entry.keywords,
        "publisher": d.publisher.name,
        "license": common.licence_title(d.licence),
        "language": "fr",
        "territory": [t.name for t in entry.territories],
        "features": features(entry),
        "visibility": "domain" if d.is_public else "restricted",
        "modified": entry.modified,
        "data_processed": version.created_at if version is not None else None,
        "metadata_processed": d.modified_at,
        "records_count": entry.records_count,
        "has_records": entry.records_count > 0,
    }


def fields(entry: Entry) -> list[dict]:
    if entry.version is None:
        return []
    return [
        {
            "name": f.id,
            "label": f.label,
            "type": ODS_TYPES.get(f.type, "text"),
            "description": f.description or None,
            "annotations": {"unit": f.unit} if f.unit else {},
        }
        for f in selectors.fields_documented(
            entry.dataset.pk,
            entry.version.columns,
            docs={d.column: d for d in entry.dataset.column_descriptions.all()},
        )
        if entry.open_columns is None or f.id in entry.open_columns
    ]


def links(entry: Entry) -> list[dict]:
    base = common.absolute(f"/api/explore/v2.1/catalog/datasets/{entry.dataset.slug}")
    return [
        {"rel": "self", "href": base},
        {"rel": "records", "href": base + "/records"},
        {"rel": "exports", "href": base + "/exports"},
        {"rel": "facets", "href": base + "/facets"},
    ]


def dataset(entry: Entry, row: dict, *, include_links: bool = False) -> dict:
    d = entry.dataset
    default = {
        "title": d.title,
        "description": d.description,
        "theme": row["theme"],
        "keyword": row["keyword"],
        "license": row["license"],
        "license_url": common.licence_url(d.licence) or None,
        "language": "fr",
        "timezone": "Europe/Paris",
        "modified": iso(row["modified"]),
        "modified_updates_on_metadata_change": True,
        "modified_updates_on_data_change": True,
        "data_processed": iso(row["data_processed"]),
        "metadata_processed": iso(row["metadata_processed"]),
        "publisher": row["publisher"],
        "references": d.landing_page or common.portal_page(d),
        "records_count": row["records_count"],
        "territory": row["territory"],
        "geographic_reference": [t.code for t in entry.territories],
        "attributions": None,
        "federated": False,
        "update_frequency": d.get_frequency_display(),
    }
    dcat = {
        "accrualperiodicity": EU_FREQUENCY_BASE + d.frequency,
        "issued": iso(d.published_at),
        "created": iso(d.created_at),
        "creator": d.publisher_service.name if d.publisher_service else d.publisher.name,
        "contact_name": d.contact_name or None,
        "contact_email": d.contact_email or None,
        "temporal_coverage_start": d.temporal_start.isoformat() if d.temporal_start else None,
        "temporal_coverage_end": d.temporal_end.isoformat() if d.temporal_end else None,
        "spatial": [t.code for t in entry.territories],
        "theme": [t.uri for t in entry.themes],
        "identifier": row["dataset_uid"],
    }
    result = {
        "visibility": row["visibility"],
        "dataset_id": d.slug,
        "dataset_uid": row["dataset_uid"],
        "has_records": row["has_records"],
        "data_visible": True,
        "features": row["features"],
        "metas": {"default": default, "dcat": dcat},
        "fields": fields(entry),
        "attachments": [
            {
                "id": common.distribution_uuid(r),
                "title": r.title,
                "mimetype": r.media_type or None,
                "url": common.distribution_url(r),
            }
            for r in entry.distributions
        ],
        "alternative_exports": [],
    }
    if include_links:
        result["links"] = links(entry)
    return result
