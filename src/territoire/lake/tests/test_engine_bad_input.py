"""Bad input ends in a precise IngestError (file, line, column, what to do) or a documented
fallback — never a traceback, never a file left in the work directory."""

from __future__ import annotations

import os
import zipfile

from .engine_helpers import codes, fails, run, types
from .test_engine_formats import make_xlsx


def test_empty_file(tmp_path):
    path = tmp_path / "vide.csv"
    path.write_bytes(b"")
    error = fails(path, tmp_path)
    assert error.issues[0].code == "empty_file"
    assert error.issues[0].file == "vide.csv"
    assert error.issues[0].hint_fr


def test_whitespace_only_file(tmp_path):
    path = tmp_path / "blanc.csv"
    path.write_bytes(b"\n\n   \r\n")
    assert fails(path, tmp_path).issues[0].code == "empty_file"


def test_binary_garbage(tmp_path):
    path = tmp_path / "donnees.csv"
    path.write_bytes(bytes(range(256)) * 50)
    error = fails(path, tmp_path)
    assert error.issues[0].code == "binary_file"
    assert error.message_fr  # the error itself carries the first issue's message


def test_truncated_zip(tmp_path):
    xlsx = make_xlsx(tmp_path / "ok.xlsx")
    data = xlsx.read_bytes()
    path = tmp_path / "coupe.xlsx"
    path.write_bytes(data[: len(data) // 2])
    work = tmp_path / "work"
    work.mkdir()
    error = fails(path, work)
    assert error.issues[0].code == "truncated_zip"
    assert "interrompu" in error.issues[0].hint_fr


def test_zip_without_known_content(tmp_path):
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("notes.txt", "bonjour")
    assert fails(path, tmp_path).issues[0].code == "unsupported_format"


def test_incomplete_shapefile(tmp_path):
    path = tmp_path / "communes.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("communes.shp", b"\x00\x00\x27\x0a" + b"\x00" * 96)
    error = fails(path, tmp_path)
    assert error.issues[0].code == "incomplete_shapefile"
    assert ".dbf" in error.issues[0].message_fr


def test_wrong_extension_content_decides(tmp_path):
    xlsx = make_xlsx(tmp_path / "ok.xlsx")
    path = tmp_path / "communes.csv"
    path.write_bytes(xlsx.read_bytes())
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.source_format == "xlsx"
        warning = next(i for i in staged.issues if i.code == "extension_mismatch")
        assert "CSV" in warning.message_fr and "Excel" in warning.message_fr
    path = tmp_path / "table.xlsx"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    staged, cols = run(path, tmp_path / "work2")
    with staged:
        assert staged.source_format == "csv"
        assert "extension_mismatch" in codes(staged.issues)


def test_row_with_too_many_fields_reports_its_line(tmp_path):
    lines = ["code;nom;montant"] + [f"{i:05d};Commune {i};{i},5" for i in range(1, 40)]
    lines[20] = "00020;Commune; vingt;20,5"  # unquoted ';' inside a value: physical line 21
    path = tmp_path / "communes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = fails(path, tmp_path)
    issue = error.issues[0]
    assert issue.code == "too_many_fields"
    assert issue.line == 21
    assert issue.file == "communes.csv"
    assert "21" in issue.message_fr and "guillemets" in issue.hint_fr


def test_too_many_fields_after_a_multiline_value_counts_physical_lines(tmp_path):
    text = 'a,b\n1,"deux\nlignes"\n2,x\n3,y,z\n'
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    error = fails(path, tmp_path)
    assert error.issues[0].code == "too_many_fields"
    assert error.issues[0].line == 5


def test_unclosed_quote(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('a,b\n1,"ouvert\n2,x\n', encoding="utf-8")
    error = fails(path, tmp_path)
    assert error.issues[0].severity == "error"
    assert error.issues[0].code in ("bad_quotes", "csv_error")


def test_mixed_ambiguous_dates_keep_text_with_warning(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("id;date\n1;25/12/2013\n2;12/25/2013\n3;01/02/2014\n", encoding="utf-8")
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert cols["date"].type == "text"
        warning = next(i for i in staged.issues if i.code == "mixed_dates")
        assert warning.column == "date"
        assert warning.line == 3  # '12/25/2013' only reads month first
        assert warning.hint_fr


def test_type_override_that_does_not_fit_names_the_lines(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("code;montant\n1;12\n2;douze\n3;13\n4;treize\n", encoding="utf-8")
    error = fails(path, tmp_path, type_overrides={"montant": "integer"})
    issue = error.issues[0]
    assert issue.code == "override_mismatch"
    assert issue.column == "montant"
    assert issue.line == 3
    assert "3, 5" in issue.message_fr


def test_override_unknown_column_or_type(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    assert (
        fails(path, tmp_path, type_overrides={"zzz": "integer"}).issues[0].code == "unknown_column"
    )
    assert fails(path, tmp_path, type_overrides={"a": "entier"}).issues[0].code == "unknown_type"


def test_header_only_file_is_kept_with_warning(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a;b;c\n", encoding="utf-8")
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert staged.row_count == 0
        assert "no_rows" in codes(staged.issues)
        assert types(staged) == {"a": "text", "b": "text", "c": "text"}


def test_invalid_utf8_inside_utf8_file_falls_back_with_line(tmp_path):
    head = "nom;ville\n" + "".join(f"Été {i};Montpellier\n" for i in range(50_000))
    path = tmp_path / "x.csv"
    path.write_bytes(head.encode("utf-8") + "Hôtel;Sète\n".encode("cp1252"))
    staged, cols = run(path, tmp_path / "work")
    with staged:
        warning = next(i for i in staged.issues if i.code == "mixed_encoding")
        assert warning.line == 50_002
        assert staged.con.execute("SELECT nom FROM raw WHERE __line__ = 50002").fetchone() == (
            "Hôtel",
        )


def test_bad_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('[{"a": 1}, {"a": ', encoding="utf-8")
    assert fails(path, tmp_path).issues[0].code == "bad_json"


def test_broken_xls_and_pdf(tmp_path):
    # an Excel 97-2003 header followed by nothing: read as XLS (supported), refused clearly
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    error = fails(path, tmp_path)
    assert error.issues[0].code == "bad_spreadsheet" and "réenregistrez" in error.issues[0].hint_fr
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"x" * 100)
    assert fails(path, tmp_path).issues[0].code == "unsupported_format"


def test_missing_file(tmp_path):
    error = fails(tmp_path / "absent.csv", tmp_path)
    assert error.issues[0].code == "not_found"


def test_failure_after_transcoding_leaves_nothing(tmp_path):
    """A Latin-1 file is transcoded into the work directory before it fails: still clean."""
    path = tmp_path / "x.csv"
    path.write_bytes("é;b\n1;2\n3;4;5\n".encode("cp1252"))
    work = tmp_path / "work"
    work.mkdir()
    fails(path, work)
    assert os.listdir(work) == []
