"""Every supported format, generated here, and the CSV dialects cities produce."""

from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from territoire.core.duckdb import load_extension
from territoire.lake.engine.readers import dbase
from territoire.lake.engine.sniff import probe

from .engine_helpers import SHARED, codes, run, typed, types, values

GEOJSON = SHARED / "reference/france-geojson/communes-34-herault.geojson"


# --- spreadsheets ---------------------------------------------------------------------------


def make_xlsx(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Communes"
    ws.append(["Code INSEE", "Nom", "Montant", "Date", "Ouvert", "Quand"])
    ws.append(
        [
            "01000",
            "Bourg-en-Bresse",
            1234.5,
            dt.date(2013, 12, 3),
            True,
            dt.datetime(2024, 1, 2, 10, 30),
        ]
    )
    ws.append(["75056", "Paris", 12, dt.date(2014, 1, 31), False, dt.datetime(2024, 1, 3, 8, 0)])
    ws.append([None, None, None, None, None, None])
    ws.append(["13055", "Marseille", None, None, None, None])
    other = wb.create_sheet("Autre")
    other.append(["a", "b"])
    other.append([1, "x"])
    wb.save(path)
    return path


def test_xlsx_first_sheet_typed_cells(tmp_path):
    staged, cols = run(make_xlsx(tmp_path / "communes.xlsx"), tmp_path / "work")
    with staged:
        assert staged.source_format == "xlsx"
        assert staged.sheet == "Communes"
        assert staged.row_count == 3  # the empty row is skipped
        assert types(staged) == {
            "code_insee": "text",
            "nom": "text",
            "montant": "decimal",
            "date": "date",
            "ouvert": "boolean",
            "quand": "datetime",
        }
        assert values(staged, "code_insee") == ["01000", "75056", "13055"]
        assert values(staged, "date")[0] == "2013-12-03"
        # __line__ is the spreadsheet row number (header = row 1, blank row 4 skipped)
        lines = [r[0] for r in staged.con.execute("SELECT __line__ FROM raw ORDER BY 1").fetchall()]
        assert lines == [2, 3, 5]


def test_xlsx_named_sheet_and_unknown_sheet(tmp_path):
    path = make_xlsx(tmp_path / "communes.xlsx")
    staged, cols = run(path, tmp_path / "work", sheet="Autre")
    with staged:
        assert staged.sheet == "Autre" and list(cols) == ["a", "b"]
    staged, cols = run(path, tmp_path / "work", sheet="2")
    with staged:
        assert staged.sheet == "Autre"
    from .engine_helpers import fails

    (tmp_path / "work2").mkdir()
    error = fails(path, tmp_path / "work2", sheet="Budget")
    assert error.issues[0].code == "sheet_not_found"
    assert "Communes" in error.issues[0].message_fr


def make_ods(path: Path, rows: list[list], sheet: str = "Feuille1") -> Path:
    """A minimal but valid ODS file: typed cells, repeated empty cells and rows."""

    def cell(value):
        if value is None:
            return '<table:table-cell table:number-columns-repeated="2"/>'
        if isinstance(value, bool):
            return (
                f'<table:table-cell office:value-type="boolean" office:boolean-value="{str(value).lower()}">'
                f"<text:p>{'VRAI' if value else 'FAUX'}</text:p></table:table-cell>"
            )
        if isinstance(value, int | float):
            shown = str(value).replace(".", ",")
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{shown}</text:p></table:table-cell>"
            )
        if isinstance(value, dt.date):
            return (
                f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
                f"<text:p>{value.strftime('%d/%m/%Y')}</text:p></table:table-cell>"
            )
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows
    )
    body += '<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{body}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


def test_ods(tmp_path):
    path = make_ods(
        tmp_path / "budget.ods",
        [
            ["Code postal", "Libellé", "Montant", "Date", "Payé"],
            ["01000", "Été", 1063850.5, dt.date(2013, 12, 3), True],
            ["34000", "Hiver", 12, dt.date(2014, 1, 2), False],
        ],
    )
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.source_format == "ods"
        assert staged.row_count == 2
        assert types(staged) == {
            "code_postal": "text",
            "libelle": "text",
            "montant": "decimal",
            "date": "date",
            "paye": "boolean",
        }
        assert cols["libelle"].label == "Libellé"
        assert values(staged, "libelle") == ["Été", "Hiver"]
        assert typed(staged, "SELECT montant FROM t")[0][0] in (1063850.5, Decimal("1063850.5"))


# --- JSON -------------------------------------------------------------------------------------


def test_json_array_of_objects(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(
        json.dumps(
            [
                {
                    "insee": "01000",
                    "nom": "Bourg",
                    "pop": 41000,
                    "info": {"a": 1},
                    "date": "2024-01-31",
                },
                {
                    "insee": "75056",
                    "nom": "Paris",
                    "pop": 2100000,
                    "info": None,
                    "date": "2024-02-01",
                },
            ]
        ),
        encoding="utf-8",
    )
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.source_format == "json"
        assert types(staged) == {
            "insee": "text",
            "nom": "text",
            "pop": "integer",
            "info": "text",
            "date": "date",
        }
        assert values(staged, "insee") == ["01000", "75056"]
        assert json.loads(values(staged, "info")[0]) == {"a": 1}


def test_ndjson(tmp_path):
    path = tmp_path / "data.ndjson"
    path.write_text(
        '{"id": 1, "ok": true, "v": "1,5"}\n{"id": 2, "ok": false, "v": "2,25", "extra": "x"}\n',
        encoding="utf-8",
    )
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.source_format == "ndjson"
        assert types(staged)["id"] == "integer"
        assert types(staged)["ok"] == "boolean"
        assert types(staged)["v"] == "decimal"  # decimal comma in strings
        assert "extra" in cols


# --- geographic -------------------------------------------------------------------------------


def test_geojson_from_shared_reference(tmp_path):
    staged, cols = run(GEOJSON, tmp_path)
    with staged:
        assert staged.source_format == "geojson"
        assert cols["code"].type == "text"  # INSEE codes 34xxx
        geometry = [c for c in staged.columns if c.type == "geometry"]
        assert len(geometry) == 1 and geometry[0].storage_type == "GEOMETRY"
        assert staged.row_count > 300
        assert "Montpellier" in values(staged, "nom")


def _spatial_con(tmp_path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_extension(con, "spatial")
    con.execute(
        f"CREATE TABLE communes AS SELECT code, nom, geom FROM ST_Read('{GEOJSON}') "
        "ORDER BY code LIMIT 20"
    )
    return con


def test_zipped_shapefile_lambert93_is_reprojected(tmp_path):
    con = _spatial_con(tmp_path)
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    con.execute(
        "COPY (SELECT code, nom, ST_Transform(geom, 'EPSG:4326', 'EPSG:2154', always_xy := true) "
        f"AS geom FROM communes) TO '{shp_dir / 'communes.shp'}' "
        "(FORMAT GDAL, DRIVER 'ESRI Shapefile', SRS 'EPSG:2154')"
    )
    con.close()
    archive = tmp_path / "communes.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in os.listdir(shp_dir):
            zf.write(shp_dir / name, name)
    staged, cols = run(archive, tmp_path / "work")
    with staged:
        assert staged.source_format == "shapefile"
        assert staged.row_count == 20
        assert cols["code"].type == "text"
        geometry = [c for c in staged.columns if c.type == "geometry"][0]
        assert "reprojected" in codes(staged.issues)
        # back in longitude/latitude around the Hérault
        con = duckdb.connect()
        load_extension(con, "spatial")
        x, y = con.execute(
            f"SELECT ST_X(ST_Centroid({geometry.id})), ST_Y(ST_Centroid({geometry.id})) "
            f"FROM read_parquet('{staged.parquet_path}') LIMIT 1"
        ).fetchone()
        con.close()
        assert 2 < x < 5 and 42 < y < 45


def test_geopackage(tmp_path):
    con = _spatial_con(tmp_path)
    path = tmp_path / "communes.gpkg"
    con.execute(f"COPY communes TO '{path}' (FORMAT GDAL, DRIVER 'GPKG')")
    con.close()
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.source_format == "geopackage"
        assert staged.row_count == 20
        assert cols["code"].type == "text"
        assert any(c.type == "geometry" for c in staged.columns)


def test_parquet(tmp_path):
    path = tmp_path / "in.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT '01000' AS insee, 3.5::DOUBLE AS x, DATE '2013-12-03' AS d, "
        f"42 AS n, 'oui' AS ok) TO '{path}' (FORMAT parquet)"
    )
    con.close()
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.source_format == "parquet"
        assert types(staged) == {
            "insee": "text",
            "x": "decimal",
            "d": "date",
            "n": "integer",
            "ok": "boolean",
        }


# --- CSV dialects -----------------------------------------------------------------------------


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_utf16_with_bom_tab_separated(tmp_path):
    path = write(
        tmp_path / "export.txt",
        "\ufeffcode\tville\tmontant\n01000\tBourg\t1,5\n34172\tMontpellier\t2\n",
        "utf-16-le",
    )
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.encoding == "utf-16"
        assert staged.delimiter == "\t"
        assert types(staged) == {"code": "text", "ville": "text", "montant": "decimal"}
        assert values(staged, "ville") == ["Bourg", "Montpellier"]


def test_utf16_without_bom(tmp_path):
    path = write(tmp_path / "export.csv", "a;b\n1;é\n2;è\n", "utf-16-le")
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.encoding == "utf-16-le"
        assert values(staged, "b") == ["é", "è"]


def test_cp1252_specials(tmp_path):
    path = write(tmp_path / "cp.csv", "nom;prix\nŒuvre l’été;10 €\nCafé;2\n", "cp1252")
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.encoding == "cp1252"
        assert values(staged, "nom") == ["Œuvre l’été", "Café"]
        assert "encoding_detected" in codes(staged.issues)


def test_pipe_no_header(tmp_path):
    path = write(
        tmp_path / "x.csv", "01000|Bourg|12,5|03/12/2013\n34172|Montpellier|7|04/12/2013\n"
    )
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.delimiter == "|"
        assert staged.has_header is False
        assert list(cols) == ["colonne_1", "colonne_2", "colonne_3", "colonne_4"]
        assert types(staged) == {
            "colonne_1": "text",
            "colonne_2": "text",
            "colonne_3": "decimal",
            "colonne_4": "date",
        }
        assert values(staged, "colonne_4") == ["2013-12-03", "2013-12-04"]
        assert "header_missing" in codes(staged.issues)
        lines = [r[0] for r in staged.con.execute("SELECT __line__ FROM raw ORDER BY 1").fetchall()]
        assert lines == [1, 2]


def test_multiline_quoted_fields_blank_leading_lines_mixed_newlines(tmp_path):
    text = '\n\n"id","texte","date"\r\n1,"deux\nlignes",2013-12-03\r\n2,"simple",2013-12-04\n3,"trois\r\nlignes\nici",2013-12-05\n'
    path = write(tmp_path / "x.csv", text)
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.row_count == 3
        assert types(staged) == {"id": "integer", "texte": "text", "date": "date"}
        assert values(staged, "texte")[0] == "deux\nlignes"
        rows = staged.con.execute("SELECT id, __line__ FROM raw ORDER BY __line__").fetchall()
        assert rows == [("1", 4), ("2", 6), ("3", 7)]


def test_trailing_delimiters(tmp_path):
    path = write(tmp_path / "x.csv", "a;b;c;\n1;2;3;\n4;5;6;\n")
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert list(cols) == ["a", "b", "c"]
        assert "trailing_delimiter" in codes(staged.issues)
    path = write(tmp_path / "y.csv", "a;b;c\n1;2;3;\n4;5;6;;\n")
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert list(cols) == ["a", "b", "c"]
        assert values(staged, "c") == ["3", "6"]


def test_short_rows_are_padded(tmp_path):
    path = write(tmp_path / "x.csv", "a,b,c\n1,2,3\n4,5\n")
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert values(staged, "c") == ["3", None]


def test_number_and_date_notations(tmp_path):
    text = (
        "fr;fr_dot;en;plain;dmy2;ymd;dmy_dot;oui_non;o_n;dt_fr;neg\n"
        "1 234,5;1.234.567,89;1,234.5;1e3;03/12/13;2013/12/03;03.12.2013;Oui;O;03/12/2013 10:30;-12\n"
        "\u00a0 12,25 ;12,5;12.5;-2.5;04/12/13;2013/12/04;04.12.2013;non;N;04/12/2013 11:45:10;+3\n"
    )
    path = write(tmp_path / "x.csv", text)
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert types(staged) == {
            "fr": "decimal",
            "fr_dot": "decimal",
            "en": "decimal",
            "plain": "decimal",
            "dmy2": "date",
            "ymd": "date",
            "dmy_dot": "date",
            "oui_non": "boolean",
            "o_n": "boolean",
            "dt_fr": "datetime",
            "neg": "integer",
        }
        row = typed(
            staged,
            "SELECT fr::DOUBLE, fr_dot::DOUBLE, en::DOUBLE, plain, dmy2::VARCHAR, ymd::VARCHAR, "
            "dmy_dot::VARCHAR, oui_non, o_n, neg FROM t LIMIT 1",
        )[0]
        assert row == (
            1234.5,
            1234567.89,
            1234.5,
            1000.0,
            "2013-12-03",
            "2013-12-03",
            "2013-12-03",
            True,
            True,
            -12,
        )


def test_null_markers(tmp_path):
    text = "n;d;t\n1;2013-12-03;#N/A\nNA;-;x\n-; ;NA\n#N/A;N/A;\n3;NC;-\n"
    staged, cols = run(write(tmp_path / "x.csv", text), tmp_path / "work")
    with staged:
        assert types(staged) == {"n": "integer", "d": "date", "t": "text"}
        assert values(staged, "n") == ["1", None, None, None, "3"]
        # in text, spreadsheet errors and blanks are null; word-like markers stay
        assert values(staged, "t") == [None, "x", "NA", None, "-"]
        # raw keeps every value as in the file
        assert staged.con.execute("SELECT n FROM raw ORDER BY __line__").fetchall()[1] == ("NA",)


def test_type_override_ok_and_recorded(tmp_path):
    text = "code,montant\n1000,12\n2000,13\n"
    staged, cols = run(
        write(tmp_path / "x.csv", text),
        tmp_path / "work",
        type_overrides={"code": "text", "montant": "decimal"},
    )
    with staged:
        assert cols["code"].type == "text" and cols["code"].overridden
        assert cols["montant"].type == "decimal" and cols["montant"].overridden
        assert not cols["code"].reason == ""


def test_month_first_dates_are_detected(tmp_path):
    text = "d\n12/25/2013\n01/02/2014\n"
    staged, cols = run(write(tmp_path / "x.csv", text), tmp_path / "work")
    with staged:
        assert cols["d"].type == "date"
        assert values(staged, "d") == ["2013-12-25", "2014-01-02"]
        assert "month_first_dates" in codes(staged.issues)


def test_large_file_sampled_then_verified_over_whole_column(tmp_path):
    """A value that breaks a type far after the sample still makes the column text."""
    lines = ["id;code;montant"] + [f"{i};{10000 + i};{i},5" for i in range(1, 120_001)]
    lines[110_000] = "110000;ABC;12,5"  # a code that is not a number, far from the start
    path = write(tmp_path / "big.csv", "\n".join(lines) + "\n")
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.row_count == 120_000
        assert cols["id"].type == "integer"
        assert cols["code"].type == "text"
        assert cols["montant"].type == "decimal"
        assert cols["montant"].stats["max"] == "120000.5"
        (line,) = staged.con.execute("SELECT __line__ FROM raw WHERE code = 'ABC'").fetchone()
        assert line == 110_001


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter(tmp_path, delimiter):
    text = delimiter.join(["a", "b"]) + "\n" + delimiter.join(["1", "x"]) + "\n"
    staged, cols = run(write(tmp_path / "x.csv", text), tmp_path / "work")
    with staged:
        assert staged.delimiter == delimiter
        assert list(cols) == ["a", "b"]


def test_geojson_points_become_geo_points(tmp_path):
    """ST_AsText writes 'POINT (3.87 43.6)': the closing parenthesis is not part of the number."""
    path = tmp_path / "points.geojson"
    features = [
        {
            "type": "Feature",
            "properties": {"nom": nom},
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }
        for nom, lon, lat in (("Comédie", 3.8796, 43.6086), ("Antigone", 3.8874, 43.6081))
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    staged, cols = run(path, tmp_path / "work")
    with staged:
        point = next(c for c in staged.columns if c.type == "geo_point")
        lat, lon = typed(staged, f"SELECT {point.id}.lat, {point.id}.lon FROM t LIMIT 1")[0]
        assert (round(lat, 4), round(lon, 4)) == (43.6086, 3.8796)


def test_a_dbase_table_alone_is_read_with_its_accents_and_codes(tmp_path):
    """A .dbf without its .shp (what MapInfo or an old accounting tool exports): one module of
    the reader registry (readers/dbase.py); accents through the file's code page, INSEE codes
    kept as text, numbers typed."""
    con = _spatial_con(tmp_path)
    out = tmp_path / "dbf"
    out.mkdir()
    con.execute(
        f"COPY (SELECT code, nom, length(nom) AS longueur FROM communes) TO '{out / 'communes.shp'}' "
        "(FORMAT GDAL, DRIVER 'ESRI Shapefile')"
    )
    con.close()
    table = tmp_path / "export_mapinfo.dbf"
    (out / "communes.dbf").rename(table)
    staged, cols = run(table, tmp_path / "work")
    with staged:
        assert staged.source_format == "dbase"
        assert staged.row_count == 20
        assert cols["code"].type == "text" and cols["longueur"].type == "integer"
        assert not [c for c in staged.columns if c.type == "geometry"]
        names = values(staged, "nom")
        assert any("é" in n or "è" in n for n in names), names
    # A file of another format that starts with byte 0x03 is not taken for a table.
    fake = tmp_path / "not.dbf"
    fake.write_bytes(b"\x03\x7e\x0c\x04" + b"\x00" * 60)
    assert dbase.sniff(probe(fake)) is False
