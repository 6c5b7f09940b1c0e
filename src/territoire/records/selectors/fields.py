"""The fields of a served version as people should read them: the one place where a version's
columns (the lake's description) meet their documentation (the catalogue's
``ColumnDescription``: label, description, unit, kept across versions). Every front-end that
describes fields reads here: the portal's columns, the native API (``/fields`` and the Table
Schema), OpenDataSoft's ``fields``, CKAN's datastore ``fields[].info``, DCAT's distributions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from territoire.catalog.selectors import column_descriptions_get

# dBase headers carry their type: "OBJECTID,N,10,0", "NOM,C,254" — not a label for people.
_DBASE_SUFFIX = re.compile(r",[CNDLFM](,\d+){0,2}$")

# Table Schema (frictionless) field types for the records engine's types.
TABLE_SCHEMA_TYPES = {
    "integer": "integer",
    "decimal": "number",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "geo_point": "geopoint",
    "geometry": "geojson",
    "text": "string",
}


@dataclass(frozen=True, slots=True)
class FieldDoc:
    """One field: its id, the label people read (documented, else the file's header without
    dBase suffixes), its type, and what its steward wrote about it."""

    id: str
    label: str
    type: str
    description: str = ""
    unit: str = ""
    source_label: str = ""  # the header in the file
    is_documented: bool = False

    @property
    def label_with_unit(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


def source_label(spec: Mapping) -> str:
    """A column's header as the file gave it, dBase type suffixes dropped."""
    column_id = str(spec["id"])
    label = str(spec.get("label") or column_id).strip() or column_id
    return _DBASE_SUFFIX.sub("", label) or label


def fields_documented(
    dataset_id: int, columns: Iterable[Mapping], *, docs: Mapping | None = None
) -> list[FieldDoc]:
    """The fields of a version (``columns``: the lake's JSON description, in order) with their
    documentation — one query, none when a list page hands ``docs`` it prefetched."""
    if docs is None:
        docs = column_descriptions_get(dataset_id) if dataset_id else {}
    fields = []
    for spec in columns:
        column_id = str(spec["id"])
        doc = docs.get(column_id)
        original = source_label(spec)
        fields.append(
            FieldDoc(
                id=column_id,
                label=(doc.label if doc and doc.label else original),
                type=str(spec.get("type") or "text"),
                description=doc.description if doc else "",
                unit=doc.unit if doc else "",
                source_label=original,
                is_documented=doc is not None,
            )
        )
    return fields


def table_schema(dataset, fields: list[FieldDoc]) -> dict:
    """A Table Schema (frictionless, as schema.data.gouv.fr) describing the dataset's served
    version: each field's name, title, description, type; the unit as a custom property."""
    schema: dict = {
        "name": dataset.slug,
        "title": dataset.title,
        "fields": [],
    }
    if dataset.description:
        schema["description"] = dataset.description
    for field in fields:
        item: dict = {
            "name": field.id,
            "title": field.label,
            "type": TABLE_SCHEMA_TYPES.get(field.type, "any"),
        }
        if field.description:
            item["description"] = field.description
        if field.unit:
            item["unit"] = field.unit
        schema["fields"].append(item)
    return schema
