"""Shapes of the native records API (/api/v1/datasets/{slug}/records, facets, exports)."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class LimitOut(Schema):
    """A limit the query hit: said, never silent."""

    name: str
    value: float | int | None = None
    part: str | None = None
    message: str
    message_en: str


class FieldOut(Schema):
    name: str
    type: str


class RecordsOut(Schema):
    total_count: int | None
    results: list[dict[str, Any]]
    limits: list[LimitOut]
    next_cursor: str | None
    next: str | None
    version: int | None
    fields: list[FieldOut]


class FacetOut(Schema):
    name: str
    facets: list[dict[str, Any]]
    limits: list[LimitOut]


class FacetsOut(Schema):
    facets: list[FacetOut]
    version: int | None


class QueryErrorOut(Schema):
    """A refused query: what is wrong, where (clause, 1-based column, rank) and how to fix it."""

    error: str
    message: str
    message_en: str
    where: str | None = None
    clause: str | None = None
    position: int | None = None
    index: int | None = None


class FieldDocOut(Schema):
    """A field of the served version, as documented by its steward."""

    name: str
    label: str
    type: str
    description: str
    unit: str
    source_label: str
