"""Territoire's ingestion engine: any file a city produces → typed, immutable Parquet.

No Django here: the engine takes a path and a work directory and returns a
:class:`StagedTable` (open DuckDB connection with the raw text table, typed Parquet written
under a temporary name, column types and statistics, warnings), or raises :class:`IngestError`
with precise :class:`Issue` objects and leaves no file behind. The Django layer
(``territoire.lake.services``) renames the Parquet into the lake and records the version.

Modules: :mod:`.readers` (the registry of formats: recognise and read, one module per format
family), :mod:`.sniff` (first look, encoding, CSV dialect, header), :mod:`.refusals` (content
no reader takes), :mod:`.textfile` (checksum and UTF-8 transcoding), :mod:`.csvreader` (CSV →
DuckDB), :mod:`.isolation` (the reading runs in a child process with memory and time limits),
:mod:`.inference` (types, null markers, casts), :mod:`.names` (column identifiers),
:mod:`.writer` (Parquet and statistics), :mod:`.compare` (version diff), :mod:`.duckdb_ext`
(extensions from wheels).
"""

from .compare import compare
from .issues import IngestError, Issue
from .model import ColumnInfo, IngestOptions, Limits, StagedTable
from .patterns import NULL_MARKERS, TYPES
from .stage import source_checksum, stage

__all__ = [
    "NULL_MARKERS",
    "TYPES",
    "ColumnInfo",
    "IngestError",
    "IngestOptions",
    "Issue",
    "Limits",
    "StagedTable",
    "compare",
    "source_checksum",
    "stage",
]
