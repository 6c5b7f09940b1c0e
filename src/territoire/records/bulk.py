"""Export writers that never turn a row into Python: for formats where Python per row is the
bottleneck (see ``exports`` for the registry of formats).

- **CSV formatted by DuckDB**: every row becomes one CSV line in SQL (values in the same forms
  as the JSON API: ISO dates, datetimes with their offset, ``"lat, lon"`` points,
  ``true``/``false``; quotes only where needed, CRLF), fetched as Arrow batches whose string
  buffer is the chunk to send: a million rows stream in about a second instead of the many
  seconds a ``csv.writer`` loop over Python dicts takes. Results whose output SQL cannot
  match exactly (range buckets, geometries as GeoJSON) use the row-by-row writer instead.
- **Parquet**: typed, straight from DuckDB's Arrow batches into a temporary file (datetimes as
  UTC timestamps), then streamed from disk.
"""

# ruff: noqa: S608 -- the SQL wraps a compiled query; identifiers are positional aliases.

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator, Sequence

from . import spreadsheet
from .columns import ResultColumn

# pyarrow is imported where it is used: it takes 0.12 s to import, and only exports need it here.

BATCH_ROWS = 50_000


def csv_by_sql_possible(columns: Sequence[ResultColumn]) -> bool:
    return all(c.range_width is None and c.type != "geometry" for c in columns)


def _text_sql(name: str, column_type: str) -> str:
    """SQL turning one output column into the text the JSON API shows for it."""
    if column_type == "text":
        return name
    if column_type == "geo_point":
        lat, lon = f"struct_extract({name}, 'lat')", f"struct_extract({name}, 'lon')"
        return (
            f"CASE WHEN {lat} IS NULL OR {lon} IS NULL THEN NULL "
            f"ELSE CAST({lat} AS VARCHAR) || ', ' || CAST({lon} AS VARCHAR) END"
        )
    if column_type == "datetime":
        # The compiled query gives epoch microseconds; ISO 8601 with the offset, like Python's
        # isoformat(): fraction only when there is one, offset as +HH:MM.
        ts = f"make_timestamptz({name})"
        offset = f"CAST(epoch(CAST({ts} AS TIMESTAMP)) - epoch({ts}) AS BIGINT)"
        micros = f"((({name}) % 1000000) + 1000000) % 1000000"
        return (
            f"CASE WHEN {name} IS NULL THEN NULL ELSE "
            f"strftime(CAST({ts} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S') || "
            f"CASE WHEN {micros} = 0 THEN '' ELSE '.' || lpad(CAST({micros} AS VARCHAR), 6, '0') END || "
            f"CASE WHEN {offset} < 0 THEN '-' ELSE '+' END || "
            f"lpad(CAST(abs({offset}) // 3600 AS VARCHAR), 2, '0') || ':' || "
            f"lpad(CAST((abs({offset}) % 3600) // 60 AS VARCHAR), 2, '0') END"
        )
    return f"CAST({name} AS VARCHAR)"


_DELIMITERS_SQL = {",": "','", ";": "';'", "|": "'|'", "\t": "chr(9)"}


def _csv_line_sql(compiled, delimiter: str, neutral: bool = True) -> str:
    """SQL giving each row as one CSV line (RFC 4180: quoted only when needed, CRLF); with
    ``neutral``, text that a spreadsheet would run as a formula gets a quote before it."""
    sep = _DELIMITERS_SQL[delimiter]
    names = [f'"c{i}"' for i in range(len(compiled.columns))]
    fields = []
    for name, column in zip(names, compiled.columns, strict=True):
        text = _text_sql(name, column.type)
        if neutral and spreadsheet.is_free_text(column):
            text = spreadsheet.neutral_sql(text)
        if column.type in ("text", "geo_point"):
            value = f"({text})"
            fields.append(
                f"CASE WHEN {value} IS NULL THEN '' "
                f"WHEN contains({value}, '\"') OR contains({value}, {sep}) "
                f"OR contains({value}, chr(10)) OR contains({value}, chr(13)) "
                f"THEN '\"' || replace({value}, '\"', '\"\"') || '\"' ELSE {value} END"
            )
        else:
            fields.append(f"coalesce({text}, '')")
    line = f"concat_ws({sep}, {', '.join(fields)}) || chr(13) || chr(10)"
    return f'SELECT {line} FROM ({compiled.sql}) AS "_export"({", ".join(names)})'


def _joined(column) -> bytes:
    """The values of an Arrow string column one after the other: its data buffer, when whole."""
    import pyarrow as pa

    if column.null_count == 0 and (
        pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    ):
        if len(column) == 0:
            return b""
        _validity, offsets, data = column.buffers()
        view = memoryview(offsets).cast("q" if pa.types.is_large_string(column.type) else "i")
        start, end = view[column.offset], view[column.offset + len(column)]
        return data[start:end].to_pybytes()
    return "".join(v or "" for v in column.to_pylist()).encode("utf-8")


def csv_chunks(
    con, compiled, header: list[str], *, delimiter: str, bom: bool, neutral: bool = True
) -> Iterator[bytes]:
    """The CSV bytes of the export, a batch of rows at a time, formatted by DuckDB. The first
    chunk (the header) comes with the first batch: once it is out, the query has run."""
    first = io.StringIO()
    csv.writer(first, delimiter=delimiter, lineterminator="\r\n").writerow(header)
    head = ("\ufeff" if bom else "").encode() + first.getvalue().encode("utf-8")
    sql = _csv_line_sql(compiled, delimiter, neutral)
    reader = con.execute(sql, compiled.params).to_arrow_reader(BATCH_ROWS)
    for batch in reader:
        if batch.num_rows:
            yield head + _joined(batch.column(0))
            head = b""
    if head:
        yield head


def parquet_file(con, compiled) -> str:
    """The export as typed Parquet (datetimes as UTC timestamps) in a temporary file; its path.
    The caller opens it and removes it (an open handle keeps the data)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    handle, path = tempfile.mkstemp(prefix="territoire-export-", suffix=".parquet")
    os.close(handle)
    names = [c.name for c in compiled.columns]
    datetimes = {i for i, c in enumerate(compiled.columns) if c.type == "datetime"}

    def typed(batch_or_table):
        arrays = [
            batch_or_table.column(i).cast(pa.int64()).cast(pa.timestamp("us", tz="UTC"))
            if i in datetimes
            else batch_or_table.column(i)
            for i in range(len(names))
        ]
        return pa.Table.from_arrays(arrays, names=names)

    try:
        reader = con.execute(compiled.sql, compiled.params).to_arrow_reader(BATCH_ROWS)
        writer = None
        for batch in reader:
            table = typed(batch)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
        if writer is None:
            table = typed(reader.schema.empty_table())
            writer = pq.ParquetWriter(path, table.schema, compression="zstd")
        writer.close()
    except BaseException:
        os.unlink(path)
        raise
    return path
