"""…/datasets/{id}/records, …/facets and …/exports/{format}: the records of the served version,
through the one query engine. Reading a non-public dataset is audited (channel "ods")."""

from __future__ import annotations

from django.http import JsonResponse

from territoire.records import engine, exports, selectors
from territoire.records.odsql import RecordQuery

from .. import catalogue, common
from .base import DatasetNotFound, ParameterError, dataset_entry, flag, integer, ods_view, texts

MAX_LIMIT = 10000  # per page (OpenDataSoft: 100); offset has no cap (OpenDataSoft: offset + limit <= 10,000)
EXPORT_FORMATS = exports.codes(exports.ODS)


def _json(body) -> JsonResponse:
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def _timezone(request) -> str:
    name = request.GET.get("timezone") or engine.DEFAULT_TIMEZONE
    if not engine.is_timezone(name):
        shown = name[:40] + ("…" if len(name) > 40 else "")
        raise ParameterError(
            "timezone",
            f"Fuseau horaire inconnu : « {shown} » (par exemple Europe/Paris, UTC).",
            f"Unknown time zone: '{shown}' (for example Europe/Paris, UTC).",
        )
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


def _served(request, actor, dataset_id: str) -> selectors.Served:
    """The dataset and the version it serves (``version`` None: no data yet), through the
    records selectors; the lean lookup of the records endpoints, audited."""
    found = catalogue.dataset_for(actor, dataset_id)
    if found is None:
        raise DatasetNotFound(dataset_id)
    dataset, version = found
    common.audit_read(request, actor, dataset, "ods")
    return selectors.served_for_actor(actor, dataset, version)


@ods_view
def record_list(request, actor, dataset_id: str):
    served = _served(request, actor, dataset_id)
    limit = integer(request, "limit", 10, minimum=-1, maximum=MAX_LIMIT)
    offset = integer(request, "offset", 0, minimum=0)
    if served.version is None:
        return _json({"total_count": 0, "results": []})
    timezone = _timezone(request)
    query = _query(request, limit=MAX_LIMIT if limit == -1 else limit, offset=offset)
    result = selectors.version_page(
        served, query, max_limit=MAX_LIMIT, default_limit=10, timezone=timezone
    )
    body = {"total_count": result["total_count"], "results": result["results"]}
    if result["limits"]:
        body["limits"] = result["limits"]
    return _json(body)


@ods_view
def facets(request, actor, dataset_id: str):
    served = _served(request, actor, dataset_id)
    if served.version is None:
        return _json({"links": [], "facets": []})
    timezone = _timezone(request)
    wanted = texts(request, "facet") or selectors.default_facets(served)
    limit = integer(request, "limit", 50, minimum=1, maximum=1000)
    result = selectors.record_facets(
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
    available = exports.offered_by(exports.ODS, has_position=exports.has_position(entry.version))
    return _json(
        {
            "links": [{"rel": "self", "href": base}]
            + [{"rel": f.code, "href": f"{base}/{f.code}"} for f in available]
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
    served = _served(request, actor, dataset_id)
    if served.version is None:
        raise DatasetNotFound(
            dataset_id,
            f"Le jeu de données « {dataset_id} » n'a pas encore de données à exporter.",
            f"Dataset '{dataset_id}' has no data to export yet.",
        )
    timezone = _timezone(request)
    limit = integer(request, "limit", -1, minimum=-1)
    offset = integer(request, "offset", 0, minimum=0)
    query = _query(request, limit=None if limit == -1 else limit, offset=offset)
    delimiter = request.GET.get("delimiter", ";")
    if fmt == "csv" and delimiter not in (";", ",", "\t", "|"):
        raise ParameterError(
            "delimiter", "Séparateur : ; , | ou tabulation.", "Delimiter: ; , | or tab."
        )
    export = exports.Export(
        served,
        query,
        exports.BY_CODE[fmt],
        timezone,
        use_labels=flag(request, "use_labels", False),
        delimiter=delimiter if fmt == "csv" else ";",
        bom=flag(request, "with_bom", True) if fmt == "csv" else False,
        sql_csv=False,  # OpenDataSoft's forms of values, row by row
        hide_id=True,
        raw=flag(request, "raw", False),
    )
    try:
        return exports.respond(export)
    except exports.NoPosition as exc:
        raise ParameterError("format", exc.message_fr, exc.message_en) from None
