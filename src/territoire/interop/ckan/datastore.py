"""datastore_search and datastore_info over the lake, through the records query engine, with
CKAN 2.10's conventions (``ckanext/datastore``): ``_id`` first in every resource, ``limit``
100 by default and clamped to ``rows_max`` (32,000), ``total`` and ``total_was_estimated``
unless ``include_total=false``, ``records_format`` objects, lists, csv or tsv (the last two a
string of rows without a header), ``distinct``, and ``_links`` start/next (prev). How the
parameters become a query: ``datastore_query``.
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

from territoire.records import selectors
from territoire.records.engine import InsufficientMemory
from territoire.records.odsql import QueryError

from .. import common
from . import registry
from .actions import find_resource
from .datastore_query import TYPES, Names, query_of
from .errors import UnavailableError, ValidationError, not_found
from .params import as_bool, as_int, as_str

ROWS_MAX = 32000  # CKAN's ckan.datastore.search.rows_max default
ROWS_DEFAULT = 100  # ckan.datastore.search.rows_default
PARAMETER_OF_CLAUSE = {
    "select": "fields",
    "where": "q",
    "refine": "filters",
    "order_by": "sort",
    "group_by": "distinct",
    "limit": "limit",
    "offset": "offset",
}


def _served(actor, data):
    resource_id = as_str(data, "resource_id") or as_str(data, "id")
    if not resource_id:
        raise ValidationError(
            "Le paramètre « resource_id » est obligatoire.",
            "Parameter 'resource_id' is required.",
            resource_id=["Missing value"],
        )
    entry, resource = find_resource(actor, resource_id)
    served = selectors.served_for_actor(actor, entry.dataset, entry.version)
    if served.version is None or (resource is not None and not resource["datastore_active"]):
        raise not_found("Ressource du datastore", "Datastore resource", resource_id)
    return resource_id, served, entry.version


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _delimited(rows: list[list], delimiter: str) -> str:
    """CKAN's csv and tsv records: the rows, quoted as CSV, without a header."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for row in rows:
        writer.writerow([_text(v) for v in row])
    return out.getvalue()


RECORDS_FORMATS = {
    "objects": lambda names, rows: [dict(zip(names, row, strict=True)) for row in rows],
    "lists": lambda names, rows: rows,
    "csv": lambda names, rows: _delimited(rows, ","),
    "tsv": lambda names, rows: _delimited(rows, "\t"),
}


def datastore_search(request, actor, data):
    """Records of a resource with datastore_active: resource_id, filters, q, fields, sort,
    distinct, limit (default 100, at most 32,000), offset, include_total, records_format
    (objects, lists, csv, tsv). Every resource has _id, the row number, first in fields."""
    resource_id, served, _version = _served(actor, data)
    names = Names.of(served)
    distinct = as_bool(data, "distinct", False)
    query, fields = query_of(data, served, names, distinct=distinct)
    limit = min(as_int(data, "limit", ROWS_DEFAULT, minimum=0), ROWS_MAX)
    offset = as_int(data, "offset", 0, minimum=0)
    include_total = as_bool(data, "include_total", True)
    records_format = as_str(data, "records_format", "objects") or "objects"
    if records_format not in RECORDS_FORMATS:
        raise ValidationError(
            "records_format : objects, lists, csv ou tsv.",
            "records_format: objects, lists, csv or tsv.",
            records_format=["Value must be one of ['objects', 'lists', 'csv', 'tsv']"],
        )
    query.limit = max(limit, 1)
    query.offset = offset
    try:
        result = selectors.version_page(
            served, query, max_limit=ROWS_MAX, default_limit=ROWS_DEFAULT, with_count=include_total
        )
    except QueryError as exc:
        parameter = PARAMETER_OF_CLAUSE.get(exc.clause, exc.clause)
        raise ValidationError(
            exc.message_fr, exc.message_en, **{parameter: [exc.message_en]}
        ) from None
    except InsufficientMemory as exc:
        raise UnavailableError(exc.message_fr, exc.message_en, exc.retry_after) from None
    common.audit_read(request, actor, served.dataset, "ckan:datastore")
    shown = [names.to_ckan[f] for f in fields]
    rows = [[row.get(f) for f in fields] for row in result["results"]] if limit else []
    columns = served.version.columns if served.version else []
    # As CKAN: a field's ``info`` only once its data dictionary was filled in.
    documented = {
        f.id: f for f in selectors.fields_documented(served.dataset_id, columns) if f.is_documented
    }
    described = [
        field | ({"info": _info(documented[f], f)} if f in documented else {})
        for f, field in zip(fields, names.fields(fields), strict=True)
    ]
    answer = {
        "resource_id": resource_id,
        "fields": described,
        "records": RECORDS_FORMATS[records_format](shown, rows),
        "records_format": records_format,
        "limit": limit,
        "offset": offset,
        "include_total": include_total,
        "_links": _links(request, data, limit, offset),
    }
    for key in ("filters", "q", "sort", "distinct"):
        if data.get(key) not in (None, ""):
            answer[key] = data[key]
    if include_total:
        answer["total"] = result["total_count"]
        answer["total_was_estimated"] = False
    if result["limits"]:
        answer["limits"] = result["limits"]
    return answer


def _links(request, data, limit: int, offset: int) -> dict:
    """CKAN's ``_links``: the same search from the start, the next page (and the previous)."""

    def link(new_offset: int) -> str:
        params = {}
        for key, value in data.items():
            if key == "offset":
                continue
            params[key] = (
                json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
            )
        if new_offset:
            params["offset"] = new_offset
        return f"{request.path}?{urlencode(params, doseq=False)}"

    links = {"start": link(0), "next": link(offset + limit)}
    if offset > 0:
        links["prev"] = link(max(offset - limit, 0))
    return links


def _info(doc, label: str) -> dict:
    """CKAN's data dictionary of a field (``info``: label, notes, type_override), from the
    field's documentation (the unit as an extra key, as CKAN's dictionary allows)."""
    info = {
        "label": doc.label if doc else label,
        "notes": doc.description if doc else "",
        "type_override": "",
    }
    if doc and doc.unit:
        info["unit"] = doc.unit
    return info


def datastore_info(request, actor, data):
    """Columns and row count of a datastore resource: id (or resource_id)."""
    resource_id, served, version = _served(actor, data)
    common.audit_read(request, actor, served.dataset, "ckan:datastore")
    documented = {f.id: f for f in selectors.fields_documented(served.dataset_id, version.columns)}
    names = Names.of(served)
    fields = []
    for column in served.data_columns:  # as CKAN: every field but _id
        doc = documented.get(column.id)
        fields.append(
            {
                "id": names.to_ckan[column.id],
                "type": TYPES.get(column.type, "text"),
                "info": _info(doc, column.label),
                "schema": {
                    "native_type": column.storage_type,
                    "territoire_type": column.type,
                },
            }
        )
    return {
        "meta": {
            "id": resource_id,
            "count": int(version.row_count),
            "table_type": "BASE TABLE",
            "size": int(version.byte_size),
            "db_size": int(version.byte_size),
            "idx_size": 0,
            "aliases": [served.dataset.slug],
            "version": version.number,
        },
        "fields": fields,
        "schema": {f["id"]: f["type"] for f in fields},
    }


registry.register(datastore_search, datastore_info)
