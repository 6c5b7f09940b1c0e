"""Streaming writers of the record exports: csv, json, jsonl (row by row from the engine), parquet
and xlsx (written batch by batch to a temporary file, then streamed from disk). GeoJSON is
written by ``territoire.records.exports``, shared with the native API.

Rows come in the engine's stable order (file order, or the order_by with the file row number as
the last key): two runs of the same export give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator

from django.http import FileResponse, StreamingHttpResponse

from territoire.records.odsql import QueryError, RecordQuery, compile_query

from .. import records as records_io

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/jsonl",
    "geojson": "application/geo+json",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_MAX_ROWS = 1_048_575  # a sheet holds 1,048,576 rows, the header included
BATCH = 2000


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict) and set(value) == {"lat", "lon"}:
        return f"{value['lat']}, {value['lon']}"  # as OpenDataSoft writes geo_point_2d
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def csv_stream(
    rows: Iterable[dict], header: list[str], names: list[str], *, delimiter: str, bom: bool
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    yield ("\ufeff".encode() if bom else b"") + _drain(buffer)
    count = 0
    for row in rows:
        writer.writerow([_cell(row.get(n)) for n in names])
        count += 1
        if count % BATCH == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    buffer.seek(0)
    data = buffer.read()
    buffer.seek(0)
    buffer.truncate()
    return data.encode("utf-8")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_stream(rows: Iterable[dict]) -> Iterator[bytes]:
    yield b"["
    chunk, first = [], True
    for row in rows:
        chunk.append(("" if first else ",") + _dumps(row))
        first = False
        if len(chunk) >= BATCH:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    chunk.append("]")
    yield "".join(chunk).encode("utf-8")


def jsonl_stream(rows: Iterable[dict]) -> Iterator[bytes]:
    chunk = []
    for row in rows:
        chunk.append(_dumps(row) + "\n")
        if len(chunk) >= BATCH:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    yield "".join(chunk).encode("utf-8")


def streaming(body: Iterator[bytes], fmt: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(body, content_type=MEDIA_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _TemporaryFile:
    """A file removed as soon as the response has been sent (or on error)."""

    def __init__(self, suffix: str):
        handle, self.path = tempfile.mkstemp(prefix="territoire-export-", suffix=suffix)
        os.close(handle)

    def response(self, fmt: str, filename: str) -> FileResponse:
        stream = open(self.path, "rb")  # noqa: SIM115 - closed by FileResponse
        os.unlink(self.path)  # the open handle keeps the data until the response closes it
        return FileResponse(
            stream, content_type=MEDIA_TYPES[fmt], as_attachment=True, filename=filename
        )

    def discard(self) -> None:
        if os.path.exists(self.path):
            os.unlink(self.path)


def parquet_file(served, query: RecordQuery, filename: str, *, timezone: str) -> FileResponse:
    """Typed Parquet straight from DuckDB's Arrow batches (datetimes as UTC timestamps)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from territoire.records import engine

    con = records_io.connection(timezone)
    compiled = compile_query(
        query,
        columns=served.columns,
        source_params=[str(served.path)],
        max_limit=None,
        default_limit=None,
        timezone=timezone,
    )
    for extension in compiled.extensions:
        engine.ensure_extension(con, extension)
    datetimes = {c["name"] for c in compiled.columns if c["type"] == "datetime"}
    target = _TemporaryFile(".parquet")
    cursor = con.cursor()
    try:
        reader = cursor.execute(compiled.sql, compiled.params).to_arrow_reader(50_000)
        writer = None
        for batch in reader:
            arrays = [
                _timestamps(batch.column(i)) if name in datetimes else batch.column(i)
                for i, name in enumerate(batch.schema.names)
            ]
            table = pa.Table.from_arrays(arrays, names=[c["name"] for c in compiled.columns])
            if writer is None:
                writer = pq.ParquetWriter(target.path, table.schema)
            writer.write_table(table)
        if writer is None:
            empty = reader.schema.empty_table()
            table = pa.Table.from_arrays(
                [
                    _timestamps(col) if n in datetimes else col
                    for n, col in zip(empty.schema.names, empty.columns, strict=True)
                ],
                names=[c["name"] for c in compiled.columns],
            )
            writer = pq.ParquetWriter(target.path, table.schema)
        writer.close()
    except BaseException:
        target.discard()
        raise
    finally:
        cursor.close()
    return target.response("parquet", filename)


def _timestamps(column):
    """The compiler hands datetimes out as epoch microseconds: back to timestamps for Parquet."""
    import pyarrow as pa

    return column.cast(pa.int64()).cast(pa.timestamp("us", tz="UTC"))


def xlsx_file(
    rows: Iterable[dict], header: list[str], names: list[str], filename: str
) -> FileResponse:
    from openpyxl import Workbook

    target = _TemporaryFile(".xlsx")
    try:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("donnees")
        sheet.append(header)
        for count, row in enumerate(rows, start=1):
            if count > XLSX_MAX_ROWS:
                raise QueryError(
                    f"Plus de {XLSX_MAX_ROWS} lignes : trop pour une feuille Excel ; utilisez csv ou parquet, ou filtrez",
                    f"More than {XLSX_MAX_ROWS} rows: too many for an Excel sheet; use csv or parquet, or filter",
                    clause="limit",
                )
            sheet.append([_xlsx_cell(row.get(n)) for n in names])
        workbook.save(target.path)
    except BaseException:
        target.discard()
        raise
    return target.response("xlsx", filename)


def _xlsx_cell(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    return _cell(value)
