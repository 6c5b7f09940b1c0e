"""A version's rows by number: an Arrow IPC file (``v3-1a2b3c4d.rows`` beside
``v3-1a2b3c4d.parquet`` and its serving file) holding the serving file's ``records`` in record-id
order, in small uncompressed batches of ``BATCH`` rows.

Fetching one record from DuckDB costs about a millisecond whatever the index (planning the query,
then decompressing the vector of 2,048 rows that holds it); an Arrow file answers in
tens of microseconds: batch ``(id - 1) // BATCH`` is found through the file's footer, and one value
per column is read from it. Every web process reads the same file (positioned reads of one batch,
not a memory map: a mapped page would count in the resident memory of every process that touched
it, while read pages stay in the operating system's page cache, shared, as the serving file's
blocks do; both cost the same 30 µs a lookup, measured), so memory per process does not grow with
the lake.

The file is written only when every column's Arrow type gives back in Python exactly what DuckDB
gives (numbers, decimals, text, booleans, dates, times, naive timestamps, structs and lists of
those): a version with a time-zone-aware timestamp, a geometry or a blob has none, and its records
are fetched from the serving file as before.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb
import pyarrow as pa
from pyarrow import ipc

SUFFIX = ".rows"
BATCH = 256  # rows per batch: the file's footer stays small, a lookup reads one batch's values


def rows_path(parquet_or_serving: Path) -> Path:
    """The rows file of a version, beside its Parquet (or serving) file."""
    return parquet_or_serving.with_suffix(SUFFIX)


def _exact(kind: pa.DataType) -> bool:
    """Whether values of this Arrow type come back from Arrow as DuckDB returns them."""
    if pa.types.is_struct(kind):
        return all(_exact(kind.field(i).type) for i in range(kind.num_fields))
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _exact(kind.value_type)
    if pa.types.is_timestamp(kind):
        return kind.tz is None and kind.unit == "us"
    if pa.types.is_decimal(kind):  # DuckDB's HUGEINT is exported as a decimal, returned as int
        return kind.scale > 0 or kind.precision < 38
    return (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_date32(kind)
        or pa.types.is_time(kind)
        or pa.types.is_null(kind)
    )


def write(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> dict | None:
    """Write the rows of ``table`` (in rowid order: the caller's connection preserves insertion
    order) to ``target``, fsynced; its manifest entry, or None when a column's type cannot be
    given back exactly (no file is then written)."""
    target.unlink(missing_ok=True)
    reader = con.execute(f"SELECT * FROM {table}").to_arrow_reader(BATCH * 64)  # noqa: S608
    if not all(_exact(f.type) for f in reader.schema):
        reader.close()
        return None
    rows = 0
    try:
        with pa.OSFile(str(target), "wb") as sink, ipc.new_file(sink, reader.schema) as out:
            for batch in reader:
                for start in range(0, batch.num_rows, BATCH):
                    out.write_batch(batch.slice(start, BATCH))
                rows += batch.num_rows
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    entry = {"batch": BATCH, "rows": rows}
    if not _same_as_duckdb(con, table, target, entry):
        target.unlink(missing_ok=True)
        return None
    return entry


def _same_as_duckdb(con, table: str, target: Path, entry: dict, samples: int = 16) -> bool:
    """Whether rows spread over the file come back exactly as DuckDB returns them (a last check
    of the types' round trip on the real values)."""
    rows = int(entry["rows"])
    if rows == 0:
        return True
    found = RowFile(target, entry)
    try:
        for n in sorted({0, rows - 1, *range(0, rows, max(rows // samples, 1))}):
            expected = con.execute(f"SELECT * FROM {table} WHERE rowid = {int(n)}").fetchone()  # noqa: S608
            if found.get(n) != expected:
                return False
    finally:
        found.close()
    return True


class RowFile:
    """A rows file open read-only: ``get(n)`` is row ``n`` (0-based) as DuckDB's tuple."""

    def __init__(self, path: Path, entry: dict):
        self._file = pa.OSFile(str(path), "rb")
        self._reader = ipc.open_file(self._file)
        self._lock = threading.Lock()  # the reader's batch lookup is not documented thread-safe
        self.batch = int(entry["batch"])
        self.rows = int(entry["rows"])
        if self._reader.num_record_batches != -(-self.rows // self.batch) and self.rows:
            self.close()
            raise ValueError(f"{path.name}: {self._reader.num_record_batches} batches")

    @property
    def names(self) -> list[str]:
        """The columns of the rows, in order (those of the serving file's ``records``)."""
        return list(self._reader.schema.names)

    def get(self, row: int) -> tuple | None:
        if not 0 <= row < self.rows:
            return None
        with self._lock:
            batch = self._reader.get_batch(row // self.batch)
        offset = row % self.batch
        return tuple(column[offset].as_py() for column in batch.columns)

    def span(self, start: int, count: int) -> list[tuple]:
        """Rows ``start`` to ``start + count - 1`` (fewer at the end of the file), as ``get``
        gives them: one batch read per 256 rows, each value converted once."""
        stop = min(start + max(count, 0), self.rows)
        found: list[tuple] = []
        row = max(start, 0)
        while row < stop:
            with self._lock:
                batch = self._reader.get_batch(row // self.batch)
            first = row % self.batch
            part = batch.slice(first, min(stop - row, self.batch - first))
            found.extend(zip(*(column.to_pylist() for column in part.columns), strict=True))
            row += part.num_rows
        return found

    def close(self) -> None:
        self._file.close()


def open_rows(serving_file: Path, manifest: dict) -> RowFile | None:
    """The rows file beside a serving file whose manifest says it has one, opened; None when it
    has none or the file is missing or unreadable (records are then fetched from the serving
    file)."""
    entry = manifest.get("rows_file")
    path = rows_path(serving_file)
    if not entry or not path.is_file():
        return None
    try:
        return RowFile(path, entry)
    except (OSError, ValueError, pa.ArrowException):
        return None
