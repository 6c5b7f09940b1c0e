"""How the portal shows records and columns: column labels, type names, cells of the table,
numbers in the visitor's language, and what changed from one version to the next."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from territoire.records.columns import Column

from ..maps import geometry_points

TYPE_LABELS = {
    "text": gettext_lazy("texte"),
    "integer": gettext_lazy("entier"),
    "decimal": gettext_lazy("nombre décimal"),
    "boolean": gettext_lazy("booléen (oui/non)"),
    "date": gettext_lazy("date"),
    "datetime": gettext_lazy("date et heure"),
    "geo_point": gettext_lazy("position (point)"),
    "geometry": gettext_lazy("géométrie"),
}
_DBASE_SUFFIX = re.compile(r",[CNDLFM](,\d+){0,2}$")
_SCALE = re.compile(r"DECIMAL\(\d+,\s*(\d+)\)")


@dataclass
class Cell:
    text: str
    is_number: bool = False
    is_empty: bool = False


def column_label(column: Column | dict) -> str:
    """The column's header as people read it: dBase type suffixes ("Nom,C,254") dropped."""
    if isinstance(column, Column):
        label, column_id = column.label, column.id
    else:
        label, column_id = column.get("label") or column["id"], column["id"]
    label = (label or column_id).strip() or column_id
    return _DBASE_SUFFIX.sub("", label) or label


def decimal_scale(column: Column) -> int | None:
    """The number of decimals the lake stores for the column (DECIMAL(18,2) -> 2), if fixed."""
    found = _SCALE.match(column.storage_type)
    return int(found.group(1)) if found else None


def is_french() -> bool:
    return not (get_language() or "fr").startswith("en")


def format_decimal(value, french: bool, scale: int | None = None) -> str:
    """A decimal as written in the visitor's language: 1 063 850,50 in French, 1,063,850.50 in
    English (the integer part grouped by thousands, the stored number of decimals kept)."""
    text = f"{value:.{scale}f}" if scale is not None and isinstance(value, float) else str(value)
    sign = "-" if text.startswith("-") else ""
    whole, _dot, fraction = text.lstrip("-").partition(".")
    if "e" in whole.lower() or not whole.isdigit():
        return text
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    if french:
        return sign + "\u202f".join(groups) + ("," + fraction if fraction else "")
    return sign + ",".join(groups) + ("." + fraction if fraction else "")


def display(value, column_type: str, french: bool = True, scale: int | None = None) -> Cell:
    if value is None or value == "":
        return Cell("—", is_empty=True)
    if column_type == "geo_point" and isinstance(value, dict):
        return Cell(f"{value.get('lat'):.5f}, {value.get('lon'):.5f}")
    if column_type == "geometry" and isinstance(value, dict):
        count = len(geometry_points(value))
        return Cell(f"{value.get('type')} ({count} pt)")
    if column_type == "boolean":
        return Cell(_("oui") if value else _("non"))
    if column_type == "decimal":
        return Cell(format_decimal(value, french, scale), is_number=True)
    if column_type == "integer":
        return Cell(str(value), is_number=True)
    text = str(value)
    return Cell(text if len(text) <= 160 else text[:157] + "…")


def schema_changes(previous_columns: list[dict], columns: list[dict]) -> dict:
    """What changed in the columns from one version to the next (by id)."""
    old = {c["id"]: c for c in previous_columns}
    new = {c["id"]: c for c in columns}
    return {
        "added": [column_label(new[i]) for i in new if i not in old],
        "removed": [column_label(old[i]) for i in old if i not in new],
        "retyped": [
            (
                column_label(new[i]),
                str(TYPE_LABELS.get(old[i]["type"], old[i]["type"])),
                str(TYPE_LABELS.get(new[i]["type"], new[i]["type"])),
            )
            for i in new
            if i in old and old[i]["type"] != new[i]["type"]
        ],
    }
