"""Spreadsheets through calamine: real XLS and ODS files keep their types and values, and the
crafted decompression bombs of issue 11 are refused before anything is expanded."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from .engine_helpers import fails, run, types, values

DATA = Path(__file__).resolve().parent / "data"
STATIONS = DATA / "montpellier-stations-air"

EXPECTED = {
    "station_num_bdqa": "text",
    "station_aasqa": "text",
    "station_nom": "text",
    "station_rue": "text",
    "station_codepost": "text",
    "station_ville": "text",
    "station_latitude": "decimal",
    "station_longitude": "decimal",
    "station_typologie": "text",
    "station_commentaire": "text",
}


@pytest.mark.parametrize("suffix", ["csv", "xls", "ods"])
def test_same_table_in_three_formats(tmp_path, suffix):
    """AIR LR's stations, as published in CSV (CP1252), XLS and ODS: same rows and types."""
    staged, cols = run(STATIONS / f"AirLR_LR_StationAir.{suffix}", tmp_path)
    with staged:
        assert staged.source_format == suffix
        assert staged.row_count == 20
        assert types(staged) == EXPECTED
        assert values(staged, "station_num_bdqa")[0] == "08016"  # leading zero kept
        assert values(staged, "station_codepost")[:2] == ["34000", "34970"]
        assert values(staged, "station_nom")[0] == "Près d'Arènes"
        assert cols["station_latitude"].geo_role == "latitude"
        lines = [r[0] for r in staged.con.execute("SELECT __line__ FROM raw ORDER BY 1").fetchall()]
        assert lines[:2] == [2, 3]  # the header is line (row) 1 in every format


def crafted_ods(path: Path, body: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="F">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
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


HEADER = (
    '<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p>'
    "</table:table-cell></table:table-row>"
)


def test_ods_space_bomb_refused(tmp_path):
    """789 bytes asking for a billion spaces (3.2 GB through the former reader)."""
    path = crafted_ods(
        tmp_path / "espaces.ods",
        HEADER + '<table:table-row><table:table-cell office:value-type="string"><text:p>x'
        '<text:s text:c="1000000000"/>y</text:p></table:table-cell></table:table-row>',
    )
    assert path.stat().st_size < 1000
    work = tmp_path / "work"
    work.mkdir()
    issue = fails(path, work).issues[0]
    assert issue.code == "spreadsheet_too_large"
    assert "espaces répétées" in issue.message_fr and "repeated spaces" in issue.message_en
    assert issue.hint_fr and issue.file == "espaces.ods"


def test_ods_repeat_bomb_refused(tmp_path):
    """807 bytes: 16,384 rows × 16,384 repeated non-empty cells (56 s of CPU before)."""
    path = crafted_ods(
        tmp_path / "repetitions.ods",
        HEADER + '<table:table-row table:number-rows-repeated="16384">'
        '<table:table-cell office:value-type="string" table:number-columns-repeated="16384">'
        "<text:p>x</text:p></table:table-cell></table:table-row>",
    )
    work = tmp_path / "work"
    work.mkdir()
    issue = fails(path, work).issues[0]
    assert issue.code == "spreadsheet_too_large"
    assert "cellules" in issue.message_fr and "cells" in issue.message_en


def test_ods_repeated_empty_padding_costs_nothing(tmp_path):
    """LibreOffice pads sheets with a million repeated empty rows: not counted, not read."""
    path = crafted_ods(
        tmp_path / "ok.ods",
        HEADER + '<table:table-row><table:table-cell office:value-type="float" office:value="3">'
        "<text:p>3</text:p></table:table-cell></table:table-row>"
        '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>',
    )
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.row_count == 1 and types(staged) == {"a": "integer"}


def test_ods_with_a_dtd_refused(tmp_path):
    path = tmp_path / "dtd.ods"
    crafted_ods(path, HEADER)
    with zipfile.ZipFile(path) as zf:
        content = zf.read("content.xml").decode()
    content = content.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY a "aaaa">]>',
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
    work = tmp_path / "work"
    work.mkdir()
    issue = fails(path, work).issues[0]
    assert issue.code == "spreadsheet_too_large" and "DTD" in issue.message_fr


def test_xlsx_sparse_bomb_stopped_by_the_memory_limit(tmp_path):
    """Two cells, A1 and XFD1048576: calamine asks for a dense sheet of 17 billion cells; the
    reading process's memory limit stops it at once, and this process lives on."""
    from .test_engine_formats import make_xlsx

    source = make_xlsx(tmp_path / "ok.xlsx")
    path = tmp_path / "immense.xlsx"
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", far)
                assert far in data
            zout.writestr(item, data)
    work = tmp_path / "work"
    work.mkdir()
    issue = fails(path, work).issues[0]
    assert issue.code in ("reader_crashed", "spreadsheet_too_large")
    assert issue.file == "immense.xlsx" and issue.hint_fr
