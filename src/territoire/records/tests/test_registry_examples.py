"""The registries take a new entry in one file (issue 9): the TSV export (one entry of
``records.exports.FORMATS`` and its writer) and ``abs()`` (one entry of the ODSQL scalar
functions), used through the API like the others, on the 2014 budget."""

# ruff: noqa: F811 -- the fixtures imported from interop are the test arguments

from __future__ import annotations

import csv
import io

import pytest

from territoire.interop.tests.conftest import (  # noqa: F401 - fixtures
    _clear_rate_limits,
    catalogue,
    home,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_serving_store")]


def _url(dataset) -> str:
    return f"/api/v1/datasets/{dataset.slug}/"


def test_tsv_export_is_the_csv_with_tabs(client, catalogue, mode):
    URL = _url(catalogue.budget)
    tsv = client.get(URL + "exports/tsv", {"where": 'd_r = "R"', "order_by": "bp desc"})
    assert tsv.status_code == 200
    assert tsv["Content-Type"] == "text/tab-separated-values; charset=utf-8"
    as_csv = client.get(URL + "exports/csv", {"where": 'd_r = "R"', "order_by": "bp desc"})
    tsv_rows = list(csv.reader(io.StringIO(tsv.getvalue().decode()), delimiter="\t"))
    csv_rows = list(csv.reader(io.StringIO(as_csv.getvalue().decode())))
    assert tsv_rows == csv_rows and len(tsv_rows) == 1 + 219


def test_abs_is_typed_like_its_argument_and_refuses_text(client, catalogue, mode):
    URL = _url(catalogue.budget)
    answer = client.get(
        URL + "records",
        {"select": "bp, abs(bp - 1000000) as ecart", "order_by": "ecart", "limit": 3},
    ).json()
    rows = answer["results"]
    assert [abs(r["bp"] - 1_000_000) for r in rows] == [r["ecart"] for r in rows]
    assert rows[0]["ecart"] <= rows[1]["ecart"] <= rows[2]["ecart"]
    refused = client.get(URL + "records", {"select": "abs(libelle_fonction)"})
    assert refused.status_code == 400
