"""Open311 documents as JSON or XML, and the specification's error shape."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from django.http import HttpResponse

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _xml_value(parent: ET.Element, name: str, value) -> None:
    child = ET.SubElement(parent, name)
    if isinstance(value, bool):
        child.text = "true" if value else "false"
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                _xml_object(child, _singular(name), item)
            else:
                _xml_value(child, _singular(name), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _xml_value(child, key, item)
    elif value is not None:
        child.text = str(value)


def _singular(name: str) -> str:
    return {"endpoints": "endpoint", "formats": "format", "attributes": "attribute",
            "values": "value", "keywords": "keyword"}.get(name, name.rstrip("s"))  # fmt: skip


def _xml_object(parent: ET.Element, name: str, data: dict) -> None:
    element = ET.SubElement(parent, name)
    for key, value in data.items():
        _xml_value(element, key, value)


def document(data, fmt: str, *, root: str = "", item: str = "", status: int = 200) -> HttpResponse:
    """``data`` (a dict, or a list of dicts under ``root``/``item`` in XML) in ``fmt``."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    else:
        if isinstance(data, list):
            top = ET.Element(root)
            for entry in data:
                _xml_object(top, item, entry)
        else:
            top = ET.Element(root)
            for key, value in data.items():
                _xml_value(top, key, value)
        body = '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode")
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt], status=status)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def error(code: int, description: str, fmt: str = "json") -> HttpResponse:
    """The specification's errors: a list of {code, description}, with the same HTTP status."""
    return document(
        [{"code": code, "description": description}],
        fmt if fmt in CONTENT_TYPES else "json",
        root="errors",
        item="error",
        status=code,
    )
