"""datastore_search and datastore_info over the lake, through the records query engine.

CKAN parameters become a query built in code (``odsql.build``), which the engine checks against
the columns and binds: ``filters`` are refines (several values of one field are ORed, fields
are ANDed, as in CKAN), ``q`` is a full-text search (a string: every text column; an object:
per column), ``fields`` a select, ``sort`` an order_by. User values are never pasted into SQL
nor into query text.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from territoire.records import selectors
from territoire.records.odsql import QueryError, RecordQuery, Schema
from territoire.records.odsql import build as q
from territoire.records.odsql.refine import Refinement

from .. import common
from . import registry
from .actions import find_resource
from .errors import ValidationError, not_found
from .params import as_bool, as_dict, as_int, as_list, as_str

ROWS_MAX = 32000  # CKAN's ckan.datastore.search.rows_max default
TYPES = {
    "integer": "int",
    "decimal": "numeric",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "geo_point": "json",
    "geometry": "json",
    "text": "text",
}
PARAMETER_OF_CLAUSE = {
    "select": "fields",
    "where": "q",
    "refine": "filters",
    "order_by": "sort",
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
    served = selectors.served_for(entry.dataset, entry.version)
    if served.version is None or (resource is not None and not resource["datastore_active"]):
        raise not_found("Ressource du datastore", "Datastore resource", resource_id)
    return resource_id, served, entry.version


def _unknown(parameter: str, name: str, schema: Schema) -> ValidationError:
    known = ", ".join(c.id for c in schema.columns[:30])
    return ValidationError(
        f"Le champ « {name} » n'existe pas ({parameter}). Champs : {known}.",
        f"Field '{name}' does not exist ({parameter}). Fields: {known}.",
        **{parameter: [f'field "{name}" not in table']},
    )


def _column(schema: Schema, parameter: str, name: str) -> str:
    column = schema.find(str(name).strip().strip('"'))
    if column is None:
        raise _unknown(parameter, name, schema)
    return column.id


def _query(data, schema: Schema) -> RecordQuery:
    refine = []
    for name, value in as_dict(data, "filters").items():
        column = _column(schema, "filters", name)
        for item in value if isinstance(value, list) else [value]:
            if item is None or isinstance(item, dict | list):
                raise ValidationError(
                    f"Filtre « {name} » : donnez une valeur ou une liste de valeurs.",
                    f"Filter '{name}': give a value or a list of values.",
                    filters=["Invalid filter value"],
                )
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            refine.append(Refinement(column, text))
    where = []
    text = data.get("q")
    if isinstance(text, dict) or (isinstance(text, str) and text.strip().startswith("{")):
        for name, words in as_dict(data, "q").items():
            where.append(q.search(str(words), q.field(_column(schema, "q", name))))
    elif text not in (None, ""):
        where.append(q.search(as_str(data, "q")))
    fields = [_column(schema, "fields", f) for f in as_list(data, "fields")]
    order = []
    for part in as_str(data, "sort").split(","):
        if part.strip():
            words = part.strip().rsplit(" ", 1)
            name, direction = (
                words
                if len(words) == 2 and words[1].lower() in ("asc", "desc")
                else (part.strip(), "asc")
            )
            column = q.field(_column(schema, "sort", name))
            order.append(q.order(column, descending=direction.lower() == "desc"))
    return RecordQuery(
        select=q.select(*(q.field(f) for f in fields)) or None,
        where=where or None,
        order_by=order or None,
        refine=refine,
    )


def datastore_search(request, actor, data):
    """Records of a resource with datastore_active: resource_id, filters, q, fields, sort, limit, offset, include_total, records_format (objects or lists)."""
    resource_id, served, _version = _served(actor, data)
    schema = Schema(served.data_columns)
    query = _query(data, schema)
    limit = as_int(data, "limit", 100, minimum=0, maximum=ROWS_MAX)
    offset = as_int(data, "offset", 0, minimum=0)
    include_total = as_bool(data, "include_total", True)
    records_format = as_str(data, "records_format", "objects") or "objects"
    if records_format not in ("objects", "lists"):
        raise ValidationError(
            "records_format : objects ou lists.",
            "records_format: objects or lists.",
            records_format=["Invalid value"],
        )
    if as_bool(data, "distinct", False):
        raise ValidationError(
            "distinct n'est pas pris en charge : utilisez l'API OpenDataSoft (group_by).",
            "distinct is not supported: use the OpenDataSoft API (group_by).",
            distinct=["Not supported"],
        )
    query.limit = max(limit, 1)
    query.offset = offset
    try:
        result = selectors.version_page(
            served, query, max_limit=ROWS_MAX, default_limit=100, with_count=include_total
        )
    except QueryError as exc:
        parameter = PARAMETER_OF_CLAUSE.get(exc.clause, exc.clause)
        raise ValidationError(
            exc.message_fr, exc.message_en, **{parameter: [exc.message_en]}
        ) from None
    common.audit_read(request, actor, served.dataset, "ckan:datastore")
    rows = result["results"] if limit else []
    names = [c.name for c in result["columns"]]
    columns = served.version.columns if served.version else []
    # As CKAN: a field's ``info`` only once its data dictionary was filled in.
    documented = {
        f.id: f for f in selectors.fields_documented(served.dataset_id, columns) if f.is_documented
    }
    answer = {
        "resource_id": resource_id,
        "fields": [
            {"id": c.name, "type": TYPES.get(c.type, "text")}
            | ({"info": _info(documented[c.name], c.name)} if c.name in documented else {})
            for c in result["columns"]
        ],
        "records": rows
        if records_format == "objects"
        else [[row.get(n) for n in names] for row in rows],
        "records_format": records_format,
        "limit": limit,
        "offset": offset,
        "include_total": include_total,
        "_links": _links(request, data, limit, offset),
    }
    for key in ("filters", "q", "sort"):
        if data.get(key) not in (None, ""):
            answer[key] = data[key]
    if include_total:
        answer["total"] = result["total_count"]
        answer["total_was_estimated"] = False
    if result["limits"]:
        answer["limits"] = result["limits"]
    return answer


def _links(request, data, limit: int, offset: int) -> dict:
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

    return {"start": link(0), "next": link(offset + max(limit, 1))}


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
    fields = []
    for column in served.data_columns:
        doc = documented.get(column.id)
        fields.append(
            {
                "id": column.id,
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
