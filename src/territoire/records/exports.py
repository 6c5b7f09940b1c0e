"""Record exports: the one registry of export formats and their writers.

Each format is one entry of ``FORMATS``: its code (the ``/exports/{code}`` path segment), its
label, its media type, its writer, and which front-ends offer it — the native API
(``api``), OpenDataSoft's exports (``ods``), the distributions CKAN and DCAT list for a dataset
(``catalogue``), the portal's downloads (``portal``). Adding a format is adding its entry (and
its writer) here, and its test.

Rows come in the stable order of the query (``selectors.export_cursor``): two exports of the
same version give the same bytes. There is no row cap; an export holds one of the machine's
export slots and has a time limit (``export_limits``). A streamed export runs its query and
reads its first rows before the response starts, so that a query that fails is an error answer,
never a 200 cut short; when the client goes away the stream is closed, which interrupts the
query and frees the slot.

Spreadsheet formats never carry a live formula (``spreadsheet``): a CSV text cell (or header)
starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a single quote before it
unless the export is ``raw``; XLSX writes such text as a string cell with Excel's quote prefix.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from territoire.core.errors import ValidationFailed

from . import bulk, export_limits, selectors, spreadsheet, streams
from .columns import Position, ResultColumn, columns_of, position
from .odsql import QueryError, RecordQuery

API, ODS, CATALOGUE, PORTAL = "api", "ods", "catalogue", "portal"
BATCH = 2000
XLSX_MAX_ROWS = 1_048_575  # a sheet holds 1,048,576 rows, the header included


@dataclass
class Export:
    """One export a front-end asked for."""

    served: selectors.Served
    query: RecordQuery
    format: ExportFormat
    timezone: str
    use_labels: bool = False  # headers: the columns' original labels rather than their ids
    delimiter: str = ","  # CSV
    bom: bool = False  # CSV: a byte-order mark (for Excel)
    sql_csv: bool = True  # CSV formatted by DuckDB where the result allows (else row by row)
    hide_id: bool = False  # no record id unless the query names it (OpenDataSoft)
    raw: bool = False  # CSV: text exactly as stored, formula-like cells not neutralised

    @property
    def filename(self) -> str:
        return f"{self.served.slug}.{self.format.code}"


@dataclass
class Table:
    """What a writer gets: the export, its query (checked), its result columns and header."""

    export: Export
    query: RecordQuery
    columns: list[ResultColumn]
    header: list[str]
    slot: export_limits.Slot | None = None  # handed to the stream that sends the export
    timeout_s: float | None = None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def rows(self) -> Iterator[dict]:
        """The rows, the query already run and its first rows read (errors come now)."""
        e = self.export
        return streams.Primed(
            selectors.export_rows(
                e.served, self.query, e.timezone, hide_id=e.hide_id, timeout_s=self.timeout_s
            )
        )

    def cursor(self):
        e = self.export
        return selectors.export_cursor(
            e.served, self.query, e.timezone, hide_id=e.hide_id, timeout_s=self.timeout_s
        )


class NoPosition(ValidationFailed):
    """A GeoJSON export of a result without a position."""

    def __init__(self):
        super().__init__(
            "Pas de position dans le résultat (champ point ou géométrie, ou couple "
            "latitude/longitude) : l'export GeoJSON est impossible.",
            "No position in the result (a point or geometry field, or a latitude/longitude "
            "pair): GeoJSON export is not possible.",
            where="export_format",
        )


def respond(export: Export) -> HttpResponse:
    """The export's response. A bad query is a QueryError before any byte is sent; with every
    export slot taken, ExportsBusy (503)."""
    served = export.served
    query = selectors.export_query(served, export.query)
    columns = selectors.output_columns(served, query, export.timezone, hide_id=export.hide_id)
    labels = {c.id: c.label for c in served.columns}
    names = [c.name for c in columns]
    header = [labels.get(n, n) for n in names] if export.use_labels else names
    table = Table(export, query, columns, header, export_limits.acquire(), export_limits.seconds())
    try:
        return export.format.write(table)
    finally:
        if table.slot is not None:  # not handed to a stream: the export is written (or failed)
            table.slot.release()


# ---------------------------------------------------------------- writers


def _streaming(table: Table, body: Iterator[bytes]) -> StreamingHttpResponse:
    export = table.export
    slot, table.slot = table.slot, None  # the stream releases it
    response = StreamingHttpResponse(
        streams.Stream(iter(body), slot), content_type=export.format.content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def _file(table: Table, path: str) -> FileResponse:
    stream = open(path, "rb")  # noqa: SIM115 - closed by FileResponse
    os.unlink(path)  # the open handle keeps the data until the response closes it
    export = table.export
    return FileResponse(
        stream,
        content_type=export.format.content_type,
        as_attachment=True,
        filename=export.filename,
    )


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


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return data.encode("utf-8")


def csv_header(table: Table) -> list[str]:
    """The header line's cells (labels come from people's files: neutralised like text)."""
    if table.export.raw:
        return list(table.header)
    return [spreadsheet.neutral(h) for h in table.header]


def _csv_rows(rows: Iterable[dict], table: Table) -> Iterator[bytes]:
    export, names = table.export, table.names
    texts = frozenset() if export.raw else spreadsheet.text_positions(table.columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=export.delimiter, lineterminator="\r\n")
    writer.writerow(csv_header(table))
    try:
        yield ("\ufeff".encode() if export.bom else b"") + _drain(buffer)
        for count, row in enumerate(rows, start=1):
            cells = [_cell(row.get(n)) for n in names]
            for i in texts:
                cells[i] = spreadsheet.neutral(cells[i])
            writer.writerow(cells)
            if count % BATCH == 0:
                yield _drain(buffer)
        yield _drain(buffer)
    finally:
        streams.close(rows)


def write_csv(table: Table) -> HttpResponse:
    export = table.export
    if not (export.sql_csv and bulk.csv_by_sql_possible(table.columns)):
        return _streaming(table, _csv_rows(table.rows(), table))

    def body():
        with table.cursor() as (con, compiled):
            yield from bulk.csv_chunks(
                con,
                compiled,
                csv_header(table),
                delimiter=export.delimiter,
                bom=export.bom,
                neutral=not export.raw,
            )

    return _streaming(table, body())


def write_tsv(table: Table) -> HttpResponse:
    """Tab-separated values: the CSV writer with a tab as the delimiter."""
    return write_csv(replace(table, export=replace(table.export, delimiter="\t")))


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_chunks(rows: Iterable[dict]) -> Iterator[bytes]:
    """A JSON array of the rows, in chunks (the "[" with the first of them)."""
    chunk, first = ["["], True
    try:
        for row in rows:
            chunk.append(("" if first else ",") + _dumps(row))
            first = False
            if len(chunk) >= BATCH:
                yield "".join(chunk).encode("utf-8")
                chunk = []
        chunk.append("]")
        yield "".join(chunk).encode("utf-8")
    finally:
        streams.close(rows)


def write_json(table: Table) -> HttpResponse:
    return _streaming(table, json_chunks(table.rows()))


def _jsonl_chunks(rows: Iterable[dict]) -> Iterator[bytes]:
    chunk = []
    try:
        for row in rows:
            chunk.append(_dumps(row) + "\n")
            if len(chunk) >= BATCH:
                yield "".join(chunk).encode("utf-8")
                chunk = []
        yield "".join(chunk).encode("utf-8")
    finally:
        streams.close(rows)


def write_jsonl(table: Table) -> HttpResponse:
    return _streaming(table, _jsonl_chunks(table.rows()))


def _coordinate(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _feature(row: dict, where: Position) -> dict:
    if where.field is not None:
        value = row.get(where.field)
        if isinstance(value, dict) and set(value) == {"lat", "lon"}:
            value = {"type": "Point", "coordinates": [value["lon"], value["lat"]]}
        properties = {k: v for k, v in row.items() if k != where.field}
        return {"type": "Feature", "geometry": value, "properties": properties}
    lat, lon = row.get(where.latitude), row.get(where.longitude)
    geometry = (
        {"type": "Point", "coordinates": [lon, lat]}  # RFC 7946: longitude first
        if _coordinate(lat) and _coordinate(lon)
        else None  # a record without its position is still a feature
    )
    return {"type": "Feature", "geometry": geometry, "properties": row}


def write_geojson(table: Table) -> HttpResponse:
    """A FeatureCollection, one feature per row: the geometry from the result's point or shape
    field (left out of the properties), else from the latitude/longitude pair ingestion
    recognised (kept in the properties, as OpenDataSoft does)."""
    where = position(table.columns, table.export.served.data_columns)
    if where is None:
        raise NoPosition()
    rows = table.rows()

    def body():
        try:
            yield b'{"type":"FeatureCollection","features":'
            yield from json_chunks(_feature(row, where) for row in rows)
            yield b"}"
        finally:
            streams.close(rows)

    return _streaming(table, body())


def write_parquet(table: Table) -> HttpResponse:
    """Typed Parquet (datetimes as UTC timestamps), written to a temporary file then streamed."""
    with table.cursor() as (con, compiled):
        path = bulk.parquet_file(con, compiled)
    return _file(table, path)


def _xlsx_cells(sheet, values: list) -> list:
    """A row's cells: numbers and booleans as they are; every text a string cell (never a
    formula: openpyxl would write text starting with "=" as one), with Excel's quote prefix
    when a spreadsheet could read it as a formula — shown and kept as the text it is."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        if value is None or isinstance(value, bool | int | float):
            cells.append(value)
            continue
        text = _cell(value)
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        if spreadsheet.is_risky(text):
            cell.quotePrefix = True
        cells.append(cell)
    return cells


def write_xlsx(table: Table) -> HttpResponse:
    from openpyxl import Workbook  # 0.14 s to import: only this writer needs it

    handle, path = tempfile.mkstemp(prefix="territoire-export-", suffix=".xlsx")
    os.close(handle)
    sheet = None
    try:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("donnees")
        sheet.append(_xlsx_cells(sheet, list(table.header)))
        names = table.names
        rows = table.rows()
        try:
            for count, row in enumerate(rows, start=1):
                if count > XLSX_MAX_ROWS:
                    raise QueryError(
                        f"Plus de {XLSX_MAX_ROWS} lignes : trop pour une feuille Excel ; utilisez csv ou parquet, ou filtrez",
                        f"More than {XLSX_MAX_ROWS} rows: too many for an Excel sheet; use csv or parquet, or filter",
                        clause="limit",
                    )
                sheet.append(_xlsx_cells(sheet, [row.get(n) for n in names]))
        finally:
            rows.close()
        workbook.save(path)
    except BaseException:
        os.unlink(path)
        _discard(sheet)
        raise
    return _file(table, path)


def _discard(sheet) -> None:
    """Close a write-only sheet that will not be saved, and remove the temporary file openpyxl
    writes its rows to (its writer is only reachable through a private attribute)."""
    with contextlib.suppress(Exception):
        sheet.close()
        sheet._writer.cleanup()


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class ExportFormat:
    code: str  # path segment of /exports/{code}
    label: str  # what people read (portal, CKAN resource format, DCAT title)
    media_type: str  # IANA media type (DCAT, CKAN)
    write: Callable[[Table], HttpResponse]
    offered_by: frozenset[str]  # API, ODS, CATALOGUE, PORTAL
    eu_file_type: str = ""  # code in the EU file-type authority table (DCAT)
    needs_position: bool = False  # only for results with a position
    charset: bool = False  # text: the Content-Type names UTF-8

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


_EVERYWHERE = frozenset({API, ODS, CATALOGUE, PORTAL})
FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat("csv", "CSV", "text/csv", write_csv, _EVERYWHERE, "CSV", charset=True),
    ExportFormat(
        "tsv", "TSV", "text/tab-separated-values", write_tsv, frozenset({API}), "TSV", charset=True
    ),
    ExportFormat("json", "JSON", "application/json", write_json, _EVERYWHERE, "JSON"),
    ExportFormat("jsonl", "JSON Lines", "application/jsonl", write_jsonl, frozenset({API, ODS})),
    ExportFormat(
        "geojson",
        "GeoJSON",
        "application/geo+json",
        write_geojson,
        _EVERYWHERE,
        "GEOJSON",
        needs_position=True,
    ),
    ExportFormat(
        "parquet",
        "Parquet",
        "application/vnd.apache.parquet",
        write_parquet,
        _EVERYWHERE,
        "PARQUET",
    ),
    ExportFormat(
        "xlsx",
        "Excel (XLSX)",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        write_xlsx,
        frozenset({API, ODS, PORTAL}),
        "XLSX",
    ),
)
BY_CODE = {f.code: f for f in FORMATS}


def offered_by(front_end: str, *, has_position: bool = True) -> list[ExportFormat]:
    """The formats a front-end offers, in the registry's order (GeoJSON only with a position)."""
    return [
        f for f in FORMATS if front_end in f.offered_by and (has_position or not f.needs_position)
    ]


def codes(front_end: str) -> tuple[str, ...]:
    return tuple(f.code for f in offered_by(front_end))


def has_position(version) -> bool:
    """Whether a version's records (a DatasetVersion or a served Version), all fields exported,
    have a position: a point or shape column, or the latitude/longitude pair ingestion
    recognised. False without a version."""
    return version is not None and position(columns_of(version.columns or [])) is not None
