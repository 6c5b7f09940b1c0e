"""Every supported format into the DuckDB table ``raw_data`` (all VARCHAR) and the view ``raw``.

- CSV/TSV/TXT: :mod:`.csvreader` (DuckDB's reader, after :mod:`.textfile` made it UTF-8).
- XLSX: openpyxl in read-only (streaming) mode. DuckDB's ``excel`` extension was tried: with
  ``all_varchar`` it returns dates as serial numbers (``41611``) and booleans as ``1``/``0``, and
  without it types come from the first rows only, so openpyxl, which returns typed cells, is
  used. Rows go to a CSV in the work directory that DuckDB then loads; memory stays flat.
- ODS: ``content.xml`` parsed with a streaming XML parser (repeated rows/columns expanded, typed
  cells read from ``office:value`` / ``office:date-value``), same CSV route.
- JSON (array of objects) and NDJSON: DuckDB ``read_json``; nested values are kept as JSON text.
- GeoJSON, zipped Shapefile, GeoPackage: DuckDB ``spatial`` (``ST_Read``, GDAL); the geometry
  becomes WKT text in ``raw`` and is typed again by inference (points → ``geo_point``). Layers
  in a projected CRS (Lambert 93…) are reprojected to WGS 84 longitude/latitude.
- Parquet: DuckDB ``read_parquet``.

Values are turned to text the way a person would write them: dates ``2013-12-03``, datetimes
ISO 8601, booleans ``true``/``false``, numbers without exponent when possible.
"""
# ruff: noqa: S608 - SQL is assembled from identifiers quoted by quote_ident() and literals
# escaped by q()/_q(); no SQL text ever comes from users.

from __future__ import annotations

import csv
import datetime as dt
import decimal
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.etree.ElementTree import iterparse

import duckdb

from .csvreader import _q, quote_ident
from .duckdb_ext import load_extension
from .issues import IngestError, Issue, error, info
from .names import make_identifiers
from .sniff import _has_header

HEADER_PROBE = 50


def cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    text = str(value)
    return text


def load_rows(
    con: duckdb.DuckDBPyConnection,
    tmpdir: Path,
    rows: Iterable[tuple[int, list[str | None]]],
    *,
    label: str,
) -> tuple[list[str], list[str], list[Issue]]:
    """Load ``(line number, values)`` rows (first non-empty row may be the header)."""
    out = tmpdir / "rows.csv"
    iterator = iter(rows)
    probe: list[tuple[int, list]] = []
    for item in iterator:
        if any(v not in (None, "") for v in item[1]):
            probe.append(item)
        if len(probe) >= HEADER_PROBE:
            break
    if not probe:
        raise IngestError(
            [
                error(
                    "empty_file",
                    "La feuille ne contient aucune donnée.",
                    "The sheet holds no data.",
                    file=label,
                    hint_fr="Vérifiez la feuille choisie (option « feuille ») ou le fichier.",
                    hint_en="Check the chosen sheet or the file.",
                )
            ]
        )
    first = [v or "" for v in probe[0][1]]
    has_header = _has_header(first, [[v or "" for v in r] for _n, r in probe[1:]])
    width = 0
    count = 0
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")

        def emit(line: int, values: list) -> None:
            nonlocal width, count
            end = len(values)
            while end and values[end - 1] in (None, ""):
                end -= 1
            if end == 0:
                return
            width = max(width, end)
            writer.writerow([line, *[("" if v is None else v) for v in values[:end]]])
            count += 1

        start = 1 if has_header else 0
        for line, values in probe[start:]:
            emit(line, values)
        for line, values in iterator:
            emit(line, values)
    header = first if has_header else []
    end = len(header)
    while end and not header[end - 1].strip():
        end -= 1
    width = max(width, end)
    labels = (header[:end] + [""] * width)[:width]
    ids = make_identifiers(labels)
    if not has_header:
        ids = [f"colonne_{k}" for k in range(1, width + 1)]
        labels = list(ids)
    issues = []
    if width == 0:
        raise IngestError(
            [
                error(
                    "empty_file",
                    "Le fichier ne contient que des lignes vides.",
                    "The file holds only empty rows.",
                    file=label,
                )
            ]
        )
    columns = "{'__line__': 'BIGINT', " + ", ".join(f"{_q(i)}: 'VARCHAR'" for i in ids) + "}"
    con.execute(
        f"CREATE TABLE raw_data AS SELECT * FROM read_csv({_q(str(out))}, auto_detect = false, "
        f"delim = ',', quote = '\"', escape = '\"', header = false, columns = {columns}, "
        f"null_padding = true, parallel = false, max_line_size = {8 << 20})"
    )
    out.unlink()
    cols = ", ".join(quote_ident(i) for i in ids)
    con.execute(f"CREATE VIEW raw AS SELECT {cols}, __line__ FROM raw_data")
    if not has_header:
        issues.append(
            info(
                "header_missing",
                "Aucune ligne d'en-tête détectée : les colonnes sont nommées colonne_1…",
                "No header row detected: columns are named colonne_1…",
                file=label,
            )
        )
    return ids, labels, issues


# --- spreadsheets -----------------------------------------------------------------------------


def _sheet_error(label: str, wanted: str, available: list[str]) -> IngestError:
    return IngestError(
        [
            error(
                "sheet_not_found",
                f"Feuille « {wanted} » introuvable. Feuilles : {', '.join(available)}.",
                f"Sheet '{wanted}' not found. Sheets: {', '.join(available)}.",
                file=label,
                hint_fr="Choisissez l'une des feuilles listées (nom ou numéro à partir de 1).",
                hint_en="Pick one of the listed sheets (name or number from 1).",
            )
        ]
    )


def _pick_sheet(names: list[str], wanted: str | None, label: str) -> int:
    if not wanted:
        return 0
    if wanted in names:
        return names.index(wanted)
    lowered = [n.strip().lower() for n in names]
    if wanted.strip().lower() in lowered:
        return lowered.index(wanted.strip().lower())
    if wanted.isdigit() and 1 <= int(wanted) <= len(names):
        return int(wanted) - 1
    raise _sheet_error(label, wanted, names)


def xlsx_rows(path: Path, sheet: str | None, label: str) -> tuple[str, Iterator]:
    import openpyxl

    # a file object, because openpyxl refuses paths whose extension is not .xlsx
    fh = open(path, "rb")  # noqa: SIM115 - closed when the rows are consumed
    try:
        workbook = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        names = workbook.sheetnames
        index = _pick_sheet(names, sheet, label)
    except BaseException:
        fh.close()
        raise
    ws = workbook.worksheets[index]

    def rows():
        try:
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                yield number, [cell_text(v) for v in row]
        finally:
            workbook.close()
            fh.close()

    return names[index], rows()


_NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
_T = "{{{}}}".format(_NS["table"])
_O = "{{{}}}".format(_NS["office"])
_X = "{{{}}}".format(_NS["text"])
MAX_REPEAT = 16384  # ODS pads sheets with "repeat 1 048 576 empty rows": never expand those


def _ods_cell(cell) -> str | None:
    kind = cell.get(f"{_O}value-type")
    if kind in ("float", "percentage", "currency"):
        value = cell.get(f"{_O}value")
        if value is not None:
            try:
                return cell_text(float(value)) if "e" in value.lower() else _plain(value)
            except ValueError:
                return value
    if kind == "date":
        value = cell.get(f"{_O}date-value") or ""
        return value[:-9] if value.endswith("T00:00:00") else value
    if kind == "boolean":
        return cell.get(f"{_O}boolean-value")
    if kind == "time":
        return cell.get(f"{_O}time-value")
    paragraphs = []
    for p in cell.iter(f"{_X}p"):
        paragraphs.append(_text_of(p))
    if not paragraphs:
        return None
    return "\n".join(paragraphs)


def _plain(value: str) -> str:
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value


def _text_of(element) -> str:
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == f"{_X}s":
            parts.append(" " * int(child.get(f"{_X}c", "1")))
        elif tag == f"{_X}tab":
            parts.append("\t")
        elif tag == f"{_X}line-break":
            parts.append("\n")
        else:
            parts.append(_text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _check_no_dtd(path: Path) -> None:
    """ODS never needs a DTD: refusing one rules out entity-expansion attacks on the parser."""
    with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
        head = fh.read(4096)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise IngestError(
            [
                error(
                    "bad_spreadsheet",
                    "Fichier ODS refusé : il déclare une DTD, ce que LibreOffice ne fait jamais.",
                    "ODS file refused: it declares a DTD, which LibreOffice never does.",
                    hint_fr="Réenregistrez le classeur depuis un tableur.",
                    hint_en="Save the workbook again from a spreadsheet application.",
                )
            ]
        )


def ods_sheet_names(path: Path) -> list[str]:
    _check_no_dtd(path)
    names = []
    with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
        for _event, element in iterparse(fh, events=("start",)):  # noqa: S314 - no DTD, see above
            if element.tag == f"{_T}table":
                names.append(element.get(f"{_T}name") or f"Feuille{len(names) + 1}")
    return names


def ods_rows(path: Path, sheet: str | None, label: str) -> tuple[str, Iterator]:
    names = ods_sheet_names(path)
    if not names:
        raise IngestError(
            [
                error(
                    "empty_file", "Le classeur ne contient aucune feuille.", "No sheet.", file=label
                )
            ]
        )
    index = _pick_sheet(names, sheet, label)

    def rows():
        table_index = -1
        number = 0
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
            inside = False
            for event, element in iterparse(fh, events=("start", "end")):  # noqa: S314
                tag = element.tag
                if event == "start" and tag == f"{_T}table":
                    table_index += 1
                    inside = table_index == index
                    continue
                if event == "end" and tag == f"{_T}table":
                    if inside:
                        return
                    element.clear()
                    continue
                if not inside or event != "end" or tag != f"{_T}table-row":
                    continue
                values: list[str | None] = []
                for cell in element:
                    if cell.tag not in (f"{_T}table-cell", f"{_T}covered-table-cell"):
                        continue
                    repeat = int(cell.get(f"{_T}number-columns-repeated", "1"))
                    value = _ods_cell(cell)
                    if value is None and repeat > 1:
                        values.extend([None] * min(repeat, MAX_REPEAT))
                    else:
                        values.extend([value] * min(repeat, MAX_REPEAT))
                rows_repeat = int(element.get(f"{_T}number-rows-repeated", "1"))
                element.clear()
                empty = all(v in (None, "") for v in values)
                if empty:
                    number += rows_repeat
                    continue
                for _ in range(min(rows_repeat, MAX_REPEAT)):
                    number += 1
                    yield number, values

    return names[index], rows()


# --- DuckDB-native formats ---------------------------------------------------------------------


def _varchar_table(con, relation_sql: str, *, label: str, line_expr: str) -> tuple[list, list]:
    """``raw_data`` from any relation: every column cast to text, geometry as WKT."""
    con.execute(f"CREATE TEMP VIEW __src AS {relation_sql}")
    described = con.execute("DESCRIBE __src").fetchall()
    labels = [r[0] for r in described]
    ids = make_identifiers(labels)
    parts = []
    for (name, type_name, *_rest), ident in zip(described, ids, strict=True):
        col = quote_ident(name)
        upper = type_name.upper()
        if upper.startswith("GEOMETRY"):
            expr = f"ST_AsText({col})"
        elif upper.startswith(("STRUCT", "MAP")) or upper.endswith("[]") or upper == "JSON":
            expr = f"to_json({col})::VARCHAR"
        elif upper == "BLOB":
            expr = f"hex({col})"
        elif upper.startswith("TIMESTAMP") and "TIME ZONE" not in upper:
            expr = f"strftime({col}, '%Y-%m-%dT%H:%M:%S')"
        elif upper in ("FLOAT", "DOUBLE"):
            expr = f"CASE WHEN {col} = trunc({col}) AND abs({col}) < 1e15 THEN {col}::BIGINT::VARCHAR ELSE {col}::VARCHAR END"
        else:
            expr = f"{col}::VARCHAR"
        parts.append(f"{expr} AS {quote_ident(ident)}")
    con.execute(
        f"CREATE TABLE raw_data AS SELECT {', '.join(parts)}{', ' if parts else ''}"
        f"{line_expr} AS __line__ FROM __src"
    )
    con.execute("DROP VIEW __src")
    cols = ", ".join(quote_ident(i) for i in ids)
    con.execute(f"CREATE VIEW raw AS SELECT {cols}{', ' if cols else ''}__line__ FROM raw_data")
    return ids, labels


def load_json(con, path: Path, *, ndjson: bool, label: str) -> tuple[list, list]:
    fmt = "newline_delimited" if ndjson else "array"
    try:
        sql = (
            f"SELECT * FROM read_json({_q(str(path))}, format = '{fmt}', records = true, "
            f"sample_size = -1, maximum_object_size = {32 << 20})"
        )
        return _varchar_table(con, sql, label=label, line_expr="(row_number() OVER ())::BIGINT")
    except duckdb.Error as exc:
        raise IngestError(
            [
                error(
                    "bad_json",
                    f"JSON illisible : {_first_line(exc)}",
                    f"Unreadable JSON: {_first_line(exc)}",
                    file=label,
                    hint_fr="Le fichier doit être un tableau d'objets [{…}, {…}] ou un objet par "
                    "ligne (NDJSON). Vérifiez qu'il est complet et valide.",
                    hint_en="The file must be an array of objects or one object per line "
                    "(NDJSON). Check it is complete and valid.",
                )
            ]
        ) from exc


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def load_parquet(con, path: Path, *, label: str, load_spatial) -> tuple[list, list]:
    types = con.execute(
        f"SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet({_q(str(path))}))"
    ).fetchall()
    if any(str(t[0]).upper().startswith("GEOMETRY") for t in types):
        load_spatial()
    sql = f"SELECT * FROM read_parquet({_q(str(path))})"
    return _varchar_table(con, sql, label=label, line_expr="(row_number() OVER ())::BIGINT")


def spatial_source(path: Path, fmt: str, members: list[str]) -> str:
    if fmt == "shapefile" and zipfile.is_zipfile(path):
        shp = sorted(m for m in members if m.lower().endswith(".shp"))[0]
        return f"/vsizip/{path}/{shp}"
    if fmt == "geopackage" and zipfile.is_zipfile(path):
        gpkg = sorted(m for m in members if m.lower().endswith(".gpkg"))[0]
        return f"/vsizip/{path}/{gpkg}"
    return str(path)


def load_spatial_file(
    con, path: Path, fmt: str, members: list[str], *, layer: str | None, label: str
) -> tuple[list, list, list[Issue]]:
    source = spatial_source(path, fmt, members)
    issues: list[Issue] = []
    if fmt == "shapefile":
        missing = _missing_shapefile_parts(members)
        if missing:
            raise IngestError(
                [
                    error(
                        "incomplete_shapefile",
                        f"Shapefile incomplet : il manque {', '.join(missing)} dans le ZIP.",
                        f"Incomplete shapefile: {', '.join(missing)} missing from the ZIP.",
                        file=label,
                        hint_fr="Un Shapefile se compose d'au moins .shp, .shx et .dbf (et .prj "
                        "pour la projection) : zippez-les ensemble.",
                        hint_en="A shapefile needs at least .shp, .shx and .dbf (and .prj): zip "
                        "them together.",
                    )
                ]
            )
    try:
        layers = con.execute(
            f"SELECT unnest(layers, recursive := false) FROM ST_Read_Meta({_q(source)})"
        ).fetchall()
    except duckdb.Error:
        layers = []
    layer_names = [row[0]["name"] for row in layers] if layers else []
    if fmt == "geopackage" and not layer_names:
        raise IngestError(
            [
                error(
                    "bad_geopackage",
                    "Ce fichier SQLite n'est pas un GeoPackage lisible (aucune couche).",
                    "This SQLite file is not a readable GeoPackage (no layer).",
                    file=label,
                )
            ]
        )
    chosen = None
    crs = None
    if layer_names:
        index = _pick_sheet(layer_names, layer, label) if layer else 0
        chosen = layer_names[index]
        fields = layers[index][0].get("geometry_fields") or []
        if fields:
            crs = (fields[0].get("crs") or {}).get("auth_code") and fields[0]["crs"]
        if len(layer_names) > 1:
            issues.append(
                info(
                    "layer_chosen",
                    f"Couche lue : « {chosen} » (couches : {', '.join(layer_names)}).",
                    f"Layer read: '{chosen}' (layers: {', '.join(layer_names)}).",
                    file=label,
                )
            )
    layer_arg = f", layer = {_q(chosen)}" if chosen else ""
    relation = f"SELECT * FROM ST_Read({_q(source)}{layer_arg})"
    try:
        described = con.execute(f"DESCRIBE {relation}").fetchall()
    except duckdb.Error as exc:
        raise IngestError(
            [
                error(
                    "bad_geodata",
                    f"Fichier géographique illisible : {_first_line(exc)}",
                    f"Unreadable geographic file: {_first_line(exc)}",
                    file=label,
                )
            ]
        ) from exc
    geom_cols = [r[0] for r in described if str(r[1]).upper().startswith("GEOMETRY")]
    auth = None
    if crs:
        auth = f"{crs.get('auth_name')}:{crs.get('auth_code')}"
    if geom_cols and auth and auth not in ("EPSG:4326", "OGC:CRS84"):
        g = quote_ident(geom_cols[0])
        others = ", ".join(quote_ident(r[0]) for r in described if r[0] != geom_cols[0])
        relation = (
            f"SELECT {others}{', ' if others else ''}ST_Transform({g}, {_q(auth)}, 'EPSG:4326', "
            f"always_xy := true) AS {g} FROM ST_Read({_q(source)}{layer_arg})"
        )
        issues.append(
            info(
                "reprojected",
                f"Géométries reprojetées de {auth} en WGS 84 (longitude, latitude).",
                f"Geometries reprojected from {auth} to WGS 84 (longitude, latitude).",
                file=label,
            )
        )
    ids, labels = _varchar_table(
        con, relation, label=label, line_expr="(row_number() OVER ())::BIGINT"
    )
    return ids, labels, issues


def _missing_shapefile_parts(members: list[str]) -> list[str]:
    lower = [m.lower() for m in members]
    shp = sorted(m for m in lower if m.endswith(".shp"))
    if not shp:
        return [".shp"]
    stem = shp[0][:-4]
    return [ext for ext in (".shx", ".dbf") if stem + ext not in lower]


def ensure_loaded(con, name: str) -> None:
    load_extension(con, name)
