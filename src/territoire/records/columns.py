"""Columns as the records engine passes them around: one typed description of a version's
columns, one of a result's columns, the column types, how a column is named in SQL, and where
a version's positions are.

The lake records a version's columns as JSON (``DatasetVersion.columns``: a list of dicts with
``id``, ``label``, ``type``, ``storage_type``, ``stats``, ``geo_role``…); the records engine
reads that list once, into :class:`Column` values, when it serves the version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from territoire.core.duckdb import quote_identifier as quote
from territoire.lake.engine.patterns import TYPES  # the lake's list: one list of column types

NUMERIC = frozenset({"integer", "decimal"})
TEMPORAL = frozenset({"date", "datetime"})
GEO = frozenset({"geo_point", "geometry"})

__all__ = [
    "GEO",
    "NUMERIC",
    "TEMPORAL",
    "TYPES",
    "Column",
    "Position",
    "ResultColumn",
    "columns_of",
    "position",
    "quote",
]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a version: its id (the Parquet name), the label people gave it, its type
    (one of ``TYPES``), its storage type when known (``"GEOMETRY"``, ``"DECIMAL(18,2)"``…),
    the coordinate role ingestion recognised (``"latitude"``/``"longitude"``) and its number of
    distinct values (from the version's statistics)."""

    id: str
    label: str
    type: str
    storage_type: str = ""
    geo_role: str = ""
    distinct: int | None = None

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"column {self.id!r} has unknown type {self.type!r}")

    @property
    def native_geometry(self) -> bool:
        """A geometry stored as DuckDB GEOMETRY (GeoParquet) rather than a WKB BLOB."""
        return self.type == "geometry" and self.storage_type.upper().startswith("GEOMETRY")

    @classmethod
    def of(cls, spec: Column | Mapping) -> Column:
        """A column from the lake's JSON description (or the column itself)."""
        if isinstance(spec, Column):
            return spec
        stats = spec.get("stats") or {}
        distinct = stats.get("distinct") if isinstance(stats, Mapping) else None
        return cls(
            id=str(spec["id"]),
            label=str(spec.get("label") or spec["id"]),
            type=str(spec["type"]),
            storage_type=str(spec.get("storage_type") or ""),
            geo_role=str(spec.get("geo_role") or ""),
            distinct=int(distinct) if distinct is not None else None,
        )


def columns_of(specs: Iterable[Column | Mapping]) -> tuple[Column, ...]:
    """Typed columns from the lake's JSON list (or from columns already typed)."""
    return tuple(Column.of(spec) for spec in specs)


@dataclass(frozen=True, slots=True)
class ResultColumn:
    """One column of a query's result: its output name, its type, and for a numeric
    ``range()`` bucket its width (values come back as ``"100-200"``)."""

    name: str
    type: str
    range_width: float | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """Where records take their position: one point or shape field (``field``, of type
    ``kind``), or a latitude field and a longitude field (``kind`` = ``"pair"``)."""

    kind: str  # "geo_point" | "geometry" | "pair"
    field: str | None = None
    latitude: str | None = None
    longitude: str | None = None


def position(
    result: Iterable[ResultColumn | Column], columns: Iterable[Column] | None = None
) -> Position | None:
    """The position of records with these fields, or None: the first point or shape field,
    else a pair of numeric fields named like the columns ingestion marked with ``geo_role``
    latitude and longitude. ``result`` are a query's output columns (or a version's columns);
    ``columns`` the version's columns, where the roles are (default: ``result`` itself). A
    pair is only recognised under its own names: ``select=nom`` or a renamed coordinate has
    no position."""
    result = list(result)
    fields = [(c.name if isinstance(c, ResultColumn) else c.id, c.type) for c in result]
    for name, kind in fields:
        if kind in GEO:
            return Position(kind=kind, field=name)
    stored = columns if columns is not None else [c for c in result if isinstance(c, Column)]
    roles = {c.id: c.geo_role for c in stored}
    numeric = [name for name, kind in fields if kind in NUMERIC]
    latitude = next((n for n in numeric if roles.get(n) == "latitude"), None)
    longitude = next((n for n in numeric if roles.get(n) == "longitude"), None)
    if latitude and longitude:
        return Position(kind="pair", latitude=latitude, longitude=longitude)
    return None
