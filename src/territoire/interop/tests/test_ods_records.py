"""OpenDataSoft records, facets and exports over the lake, through the one query engine."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest
from openpyxl import load_workbook

from territoire.records import engine
from territoire.trust.models import AuditEvent

pytestmark = pytest.mark.django_db

API = "/api/explore/v2.1/catalog/datasets"


def get(client, path: str, status: int = 200, **params):
    response = client.get(API + path, params)
    assert response.status_code == status, response.content
    return response.json()


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.getvalue()


def test_records_page_with_where_order_and_select(client, catalogue):
    slug = catalogue.budget.slug
    page = get(
        client,
        f"/{slug}/records",
        limit=3,
        where='d_r = "R"',
        order_by="bp desc",
        select="nature, bp",
    )
    assert page["total_count"] > 3
    assert [set(r) for r in page["results"]] == [{"nature", "bp"}] * 3
    amounts = [r["bp"] for r in page["results"]]
    assert amounts == sorted(amounts, reverse=True)
    everything = get(client, f"/{slug}/records", limit=10)
    assert everything["total_count"] == 1448
    assert everything["results"][0]["exercice"] == 2014
    assert "_id" not in everything["results"][0]  # the native record id, only when selected
    last = get(client, f"/{slug}/records", select="_id, nature", order_by="_id desc", limit=1)
    assert last["results"] == [{"_id": 1448, "nature": last["results"][0]["nature"]}]


def test_ods_style_group_by(client, catalogue):
    body = get(
        client,
        f"/{catalogue.budget.slug}/records",
        select="d_r, sum(bp) as total, count(*) as n",
        group_by="d_r",
        order_by="d_r",
    )
    assert [r["d_r"] for r in body["results"]] == ["D", "R"]
    assert sum(r["n"] for r in body["results"]) == 1448
    assert all(r["total"] > 0 for r in body["results"])


def test_geo_points_as_lat_lon(client, catalogue):
    row = get(client, f"/{catalogue.fountains.slug}/records", limit=1)["results"][0]
    assert set(row["geo_point_2d"]) == {"lat", "lon"}
    assert 48.8 < row["geo_point_2d"]["lat"] < 49 and 2.2 < row["geo_point_2d"]["lon"] < 2.5
    assert row["disponibilite"] in (True, False)


def test_no_offset_cap(client, catalogue):
    """OpenDataSoft refuses offset + limit > 10,000; Territoire pages on."""
    body = get(client, f"/{catalogue.budget.slug}/records", offset=10000, limit=100)
    assert body["results"] == [] and body["total_count"] == 1448


def test_query_errors_are_ods_errors(client, catalogue):
    body = get(client, f"/{catalogue.budget.slug}/records", status=400, where="bp >> 3")
    assert body["error_code"] == "ODSQLError" and body["clause"] == "where" and body["position"]
    body = get(client, f"/{catalogue.budget.slug}/records", status=400, where="montant > 3")
    assert "montant" in body["message"]
    assert (
        get(client, f"/{catalogue.budget.slug}/records", status=400, limit=100000)["error_code"]
        == "InvalidRESTParameterError"
    )


def test_records_of_hidden_datasets(client, catalogue, agent, citizen, token_of, shared_data):
    from .conftest import BUDGET_COLUMNS, BUDGET_CSV, BUDGET_SQL, lake_version

    lake_version(
        catalogue.internal, BUDGET_SQL.format(path=shared_data / BUDGET_CSV), BUDGET_COLUMNS
    )
    slug = catalogue.internal.slug
    paths = [f"{API}/{slug}/records", f"{API}/{slug}/facets", f"{API}/{slug}/exports/csv"]
    for headers in ({}, {"HTTP_AUTHORIZATION": f"Apikey {token_of(citizen)}"}):
        for path in paths:
            response = client.get(path, **headers)
            assert response.status_code == 404 and response.json()["error_code"] == "NotFound"
    assert not AuditEvent.objects.filter(action="read").exists()
    auth = {"HTTP_AUTHORIZATION": f"Apikey {token_of(agent)}"}
    response = client.get(paths[0], {"limit": 2}, **auth)
    assert response.status_code == 200 and response.json()["total_count"] == 1448
    event = AuditEvent.objects.get(action="read")
    assert (event.actor, event.reason, event.object_id) == (
        agent,
        "ods",
        str(catalogue.internal.pk),
    )
    datastore = client.get(
        "/api/3/action/datastore_search",
        {"resource_id": slug, "limit": 1},
        HTTP_AUTHORIZATION=auth["HTTP_AUTHORIZATION"],
    )
    assert datastore.status_code == 200
    assert (
        AuditEvent.objects.filter(action="read", reason="ckan:datastore", actor=agent).count() == 1
    )


def test_facets(client, catalogue):
    body = get(client, f"/{catalogue.budget.slug}/facets", facet=["d_r", "i_f"], refine="d_r:R")
    by_name = {f["name"]: f["facets"] for f in body["facets"]}
    assert [(f["name"], f["state"]) for f in by_name["d_r"]] == [("R", "refined")]
    assert sum(f["count"] for f in by_name["i_f"]) == by_name["d_r"][0]["count"]
    default = get(client, f"/{catalogue.budget.slug}/facets")
    assert {"d_r", "i_f"} <= {f["name"] for f in default["facets"]}
    assert (
        get(client, f"/{catalogue.budget.slug}/facets", status=400, facet="nope")["error_code"]
        == "ODSQLError"
    )


def test_csv_export_for_excel_and_stable(client, catalogue):
    url = f"{API}/{catalogue.budget.slug}/exports/csv"
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"].startswith("text/csv")
    assert 'filename="budget-primitif-2014.csv"' in first["Content-Disposition"]
    data = body_of(first)
    assert data.startswith("\ufeff".encode()) and data == body_of(client.get(url))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["exercice", "i_f", "d_r", "nature", "fonction", "bp", "libelle_fonction"]
    assert len(rows) == 1449
    plain = body_of(
        client.get(
            url, {"delimiter": ",", "with_bom": "false", "use_labels": "true", "where": 'd_r = "R"'}
        )
    )
    parsed = list(csv.reader(io.StringIO(plain.decode()), delimiter=","))
    assert parsed[0][-1] == "Libellé fonction" and not plain.startswith("\ufeff".encode())
    assert {r[2] for r in parsed[1:]} == {"R"}


def test_json_jsonl_geojson_exports(client, catalogue):
    slug = catalogue.fountains.slug
    rows = json.loads(body_of(client.get(f"{API}/{slug}/exports/json")))
    assert len(rows) == 1327 and set(rows[0]["geo_point_2d"]) == {"lat", "lon"}
    lines = body_of(client.get(f"{API}/{slug}/exports/jsonl")).decode().splitlines()
    assert len(lines) == 1327 and json.loads(lines[0]) == rows[0]
    geojson = json.loads(
        body_of(client.get(f"{API}/{slug}/exports/geojson", {"where": "disponibilite"}))
    )
    assert geojson["type"] == "FeatureCollection"
    assert 0 < len(geojson["features"]) <= 1327
    feature = geojson["features"][0]
    lon, lat = feature["geometry"]["coordinates"]
    assert feature["geometry"]["type"] == "Point" and 2.2 < lon < 2.5 and 48.8 < lat < 49
    assert (
        "geo_point_2d" not in feature["properties"]
        and feature["properties"]["disponibilite"] is True
    )
    no_geo = get(client, f"/{catalogue.budget.slug}/exports/geojson", status=400)
    assert no_geo["error_code"] == "InvalidRESTParameterError"


def test_parquet_and_xlsx_exports(client, catalogue, tmp_path):
    parquet = tmp_path / "budget.parquet"
    parquet.write_bytes(body_of(client.get(f"{API}/{catalogue.budget.slug}/exports/parquet")))
    con = duckdb.connect()
    assert con.execute(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchone()[0] == 1448
    types = dict(
        con.execute(f"DESCRIBE SELECT * FROM read_parquet('{parquet}')").fetchall()[i][:2]
        for i in range(7)
    )
    assert types["exercice"] == "BIGINT" and types["bp"].startswith("DECIMAL")
    workbook = load_workbook(
        io.BytesIO(
            body_of(client.get(f"{API}/{catalogue.budget.slug}/exports/xlsx", {"limit": 10}))
        )
    )
    sheet = workbook.active
    values = list(sheet.values)
    assert values[0][0] == "exercice" and len(values) == 11 and values[1][0] == 2014


def test_export_errors(client, catalogue):
    assert (
        get(client, f"/{catalogue.budget.slug}/exports/docx", status=400)["error_code"]
        == "InvalidRESTParameterError"
    )
    assert (
        get(client, f"/{catalogue.budget.slug}/exports/csv", status=400, where="nope = 1")[
            "error_code"
        ]
        == "ODSQLError"
    )
    links = get(client, f"/{catalogue.budget.slug}/exports")["links"]
    assert "geojson" not in {link["rel"] for link in links} and "parquet" in {
        link["rel"] for link in links
    }


def test_time_zone_is_per_request(client, catalogue):
    assert get(client, f"/{catalogue.budget.slug}/records", status=400, timezone="Mars/Olympus")[
        "error_code"
    ] == ("InvalidRESTParameterError")
    con = engine.connection("America/New_York")  # the thread's one connection for Parquet
    assert con.execute("SELECT current_setting('TimeZone')").fetchone()[0] == "America/New_York"
    con = engine.connection()  # the next use without a time zone is back to the default
    assert con.execute("SELECT current_setting('TimeZone')").fetchone()[0] == "Europe/Paris"


def test_records_by_the_stable_dataset_uid(client, catalogue):
    uid = get(client, f"/{catalogue.budget.slug}")["dataset_uid"]
    assert get(client, f"/{uid}")["dataset_id"] == catalogue.budget.slug
    assert get(client, f"/{uid}/records", limit=1)["total_count"] == 1448
    from territoire.interop.common import stable_uuid

    internal_uid = stable_uuid("dataset", catalogue.internal.pk)
    for hidden in (catalogue.internal.slug, internal_uid):  # not visible, by slug or by uid
        assert get(client, f"/{hidden}/records", 404)["error_code"] == "NotFound"
    unknown = get(client, "/00000000-0000-5000-8000-000000000000/records", 404)
    assert unknown["error_code"] == "NotFound"
