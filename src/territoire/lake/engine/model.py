"""The engine's data classes: options in, staged table out."""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from .issues import Issue


@dataclass
class ColumnInfo:
    id: str  # safe, unique, ASCII snake_case identifier: the Parquet column name
    label: str  # header label exactly as in the file
    type: str  # integer | decimal | boolean | date | datetime | geo_point | geometry | text
    storage_type: str  # DuckDB/Parquet type written (see inference module doc)
    stats: dict  # nulls, distinct (+ distinct_is_estimate), min, max, examples (≤ 5)
    reason: str  # why this type, in French
    overridden: bool = False
    geo_role: str | None = None  # "latitude" / "longitude" for separate coordinate columns

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Limits:
    """Bounds of one reading (see :mod:`.isolation`); the platform sets them from its settings
    (``TERRITOIRE_INGEST_MEMORY_MB``, ``TERRITOIRE_INGEST_SECONDS``,
    ``TERRITOIRE_INGEST_MAX_COLUMNS``)."""

    memory_mb: int = 4096  # address space the reading process may add to what it inherits
    seconds: int = 3600  # wall-clock time of the reading process, from start to close()
    max_columns: int = 1000
    isolated: bool = True  # False: read in this process (benchmarks comparing the two)


@dataclass
class IngestOptions:
    sheet: str | None = None  # spreadsheet sheet or geographic layer (name or 1-based number)
    encoding: str | None = None  # any Python codec name; forces the text encoding
    delimiter: str | None = None  # forces the CSV delimiter
    type_overrides: dict[str, str] = field(default_factory=dict)  # column id or label -> type
    limits: Limits = field(default_factory=Limits)


@dataclass
class StagedTable:
    # open; table/view ``raw`` (VARCHAR columns + __line__). When the file was read in an
    # isolated process, a proxy to that process's connection (execute, executemany, fetchone,
    # fetchall, fetchmany, description, close).
    con: duckdb.DuckDBPyConnection
    parquet_path: Path  # typed Parquet, written and fsynced under a temporary name
    row_count: int
    columns: list[ColumnInfo]
    issues: list[Issue]  # warnings and infos
    source_format: str
    source_checksum: str
    encoding: str | None
    delimiter: str | None
    has_header: bool
    sheet: str | None = None  # sheet or layer read, for spreadsheets and geographic files
    scratch_dir: Path | None = None  # DuckDB spill files; removed by close()
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step, for reports

    def close(self) -> None:
        """Close the connection and remove scratch files; ``parquet_path`` stays."""
        try:
            self.con.close()
        finally:
            if self.scratch_dir is not None:
                shutil.rmtree(self.scratch_dir, ignore_errors=True)

    def __enter__(self) -> StagedTable:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
