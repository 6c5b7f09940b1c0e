"""…/datasets/{id}/records, …/facets and …/exports/{format}: the records of the served version,
through the one query engine. Reading a non-public dataset is audited (channel "ods")."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import JsonResponse

from territoire.records import exports as record_exports
from territoire.records.odsql import RecordQuery

from .. import catalogue, common
from .. import records as records_io
from . import exports
from .base import DatasetNotFound, ParameterError, dataset_entry, flag, integer, ods_view, texts

MAX_LIMIT = 10000  # per page (OpenDataSoft: 100); offset has no cap (OpenDataSoft: offset + limit <= 10,000)
EXPORT_FORMATS = ("csv", "json", "jsonl", "geojson", "parquet", "xlsx")


def _json(body) -> JsonResponse:
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def _timezone(request) -> str:
    from territoire.records import engine

    name = request.GET.get("timezone") or engine.DEFAULT_TIMEZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ParameterError(
            "timezone", f"Fuseau horaire inconnu : « {name} ».", f"Unknown time zone: '{name}'."
        ) from None
    return name


def _query(request, *, limit: int | None, offset: int) -> RecordQuery:
    return RecordQuery(
        select=request.GET.get("select") or None,
        where=texts(request, "where") or None,
        group_by=request.GET.get("group_by") or None,
        order_by=request.GET.get("order_by") or None,
        limit=limit,
        offset=offset,
        refine=texts(request, "refine"),
        exclude=texts(request, "exclude"),
        lang=(request.GET.get("lang") or "fr")[:2],
    )


def _served(request, actor, dataset_id: str):
    """(dataset, its records or None): the lean lookup of the records endpoints, audited."""
    found = catalogue.dataset_for(actor, dataset_id)
    if found is None:
        raise DatasetNotFound(dataset_id)
    dataset, version = found
    common.audit_read(request, actor, dataset, "ods")
    return dataset, records_io.served(dataset, version)


@ods_view
def record_list(request, actor, dataset_id: str):
    _dataset, served = _served(request, actor, dataset_id)
    limit = integer(request, "limit", 10, minimum=-1, maximum=MAX_LIMIT)
    offset = integer(request, "offset", 0, minimum=0)
    if served is None:
        return _json({"total_count": 0, "results": []})
    timezone = _timezone(request)
    query = _query(request, limit=MAX_LIMIT if limit == -1 else limit, offset=offset)
    result = records_io.run(served, query, max_limit=MAX_LIMIT, default_limit=10, timezone=timezone)
    body = {"total_count": result["total_count"], "results": result["results"]}
    if result["limits"]:
        body["limits"] = result["limits"]
    return _json(body)


@ods_view
def facets(request, actor, dataset_id: str):
    _dataset, served = _served(request, actor, dataset_id)
    if served is None:
        return _json({"links": [], "facets": []})
    timezone = _timezone(request)
    wanted = texts(request, "facet") or records_io.default_facets(served)
    limit = integer(request, "limit", 50, minimum=1, maximum=1000)
    result = records_io.facets(
        served,
        timezone=timezone,
        facet_fields=wanted,
        where=texts(request, "where") or None,
        refine=texts(request, "refine"),
        exclude=texts(request, "exclude"),
        limit_per_facet=limit,
        lang=(request.GET.get("lang") or "fr")[:2],
    )
    return _json({"links": [], "facets": result})


@ods_view
def export_list(request, actor, dataset_id: str):
    entry = dataset_entry(request, actor, dataset_id)
    base = common.absolute(f"/api/explore/v2.1/catalog/datasets/{entry.dataset.slug}/exports")
    available = [
        f
        for f in EXPORT_FORMATS
        if f != "geojson" or (entry.version and common.version_has_geo(entry.version))
    ]
    return _json(
        {
            "links": [{"rel": "self", "href": base}]
            + [{"rel": f, "href": f"{base}/{f}"} for f in available]
        }
    )


@ods_view
def export(request, actor, dataset_id: str, fmt: str):
    if fmt not in EXPORT_FORMATS:
        raise ParameterError(
            "format",
            f"Format d'export inconnu « {fmt} » : {', '.join(EXPORT_FORMATS)}.",
            f"Unknown export format '{fmt}': {', '.join(EXPORT_FORMATS)}.",
        )
    dataset, served = _served(request, actor, dataset_id)
    if served is None:
        raise DatasetNotFound(
            dataset_id,
            f"Le jeu de données « {dataset_id} » n'a pas encore de données à exporter.",
            f"Dataset '{dataset_id}' has no data to export yet.",
        )
    timezone = _timezone(request)
    limit = integer(request, "limit", -1, minimum=-1)
    offset = integer(request, "offset", 0, minimum=0)
    query = _query(request, limit=None if limit == -1 else limit, offset=offset)
    filename = f"{dataset.slug}.{fmt}"
    if fmt == "parquet":
        return exports.parquet_file(served, query, filename, timezone=timezone)
    # Compile before streaming, so a bad query is a 400 and not a broken download.
    columns = records_io.output_columns(served, query)
    rows = records_io.rows(served, query, timezone=timezone)
    names = [c["name"] for c in columns]
    labels = {c["id"]: c["label"] for c in served.columns}
    header = [labels.get(n, n) for n in names] if flag(request, "use_labels", False) else names
    if fmt == "csv":
        delimiter = request.GET.get("delimiter", ";")
        if delimiter not in (";", ",", "\t", "|"):
            raise ParameterError(
                "delimiter", "Séparateur : ; , | ou tabulation.", "Delimiter: ; , | or tab."
            )
        body = exports.csv_stream(
            rows, header, names, delimiter=delimiter, bom=flag(request, "with_bom", True)
        )
        return exports.streaming(body, fmt, filename)
    if fmt == "json":
        return exports.streaming(exports.json_stream(rows), fmt, filename)
    if fmt == "jsonl":
        return exports.streaming(exports.jsonl_stream(rows), fmt, filename)
    if fmt == "geojson":
        position = record_exports.geojson_position(columns, served.version.columns)
        if position is None:
            raise ParameterError(
                "format",
                "Pas de position dans le résultat (champ point ou géométrie, ou couple "
                "latitude/longitude) : l'export GeoJSON est impossible.",
                "No position in the result (a point or geometry field, or a latitude/longitude "
                "pair): GeoJSON export is not possible.",
            )
        body = record_exports.geojson_stream(rows, position)
        return exports.streaming(body, fmt, filename)
    return exports.xlsx_file(rows, header, names, filename)
