"""The native records API: pages, keyset cursors, one record, facets, exports, errors, access.

Expected answers are computed in Python from the version's Parquet file read with pyarrow (not
with the SQL under test). Most tests run twice: on the Parquet files (hot versions off) and on
the hot copies (loaded synchronously), which must give the same answers, byte for byte for
exports.
"""

# Fixtures imported from the interop tests are parameters of the tests here (F811).
# ruff: noqa: F811

from __future__ import annotations

import csv
import decimal
import hashlib
import io
import json
from collections import Counter

import pyarrow.parquet as pq
import pytest

from territoire.interop.tests.conftest import (  # noqa: F401 - fixtures
    BUDGET_COLUMNS,
    BUDGET_CSV,
    BUDGET_SQL,
    _clear_rate_limits,
    catalogue,
    home,
    lake_version,
    token_of,
)
from territoire.records import cursors, serving
from territoire.records.selectors import sources
from territoire.trust.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_serving_store")]

ETAT_CSV = "city/rennes-velo-star-stations/etat-des-stations-le-velo-star-en-temps-reel.csv"
ETAT_SQL = """
SELECT CAST(id AS BIGINT) AS id, nom, etat, CAST(velos_disponibles AS BIGINT) AS velos_disponibles,
       CAST(date AS TIMESTAMPTZ) AS date
FROM read_csv('{path}', header = true, all_varchar = true)
"""
ETAT_COLUMNS = [
    ("id", "id", "integer", "BIGINT"),
    ("nom", "nom", "text", "VARCHAR"),
    ("etat", "état", "text", "VARCHAR"),
    ("velos_disponibles", "Vélos disponibles", "integer", "BIGINT"),
    ("date", "date", "datetime", "TIMESTAMP WITH TIME ZONE"),
]


@pytest.fixture
def etat(make_dataset, data_officer, shared_data, home):
    """Rennes, Vélo STAR live state: a datetime column (with its offset) in the lake."""
    from territoire.catalog import services as catalog_services

    dataset = make_dataset("État des stations Vélo STAR")
    lake_version(dataset, ETAT_SQL.format(path=shared_data / ETAT_CSV), ETAT_COLUMNS)
    catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
    return dataset


def url(dataset, tail: str = "records") -> str:
    return f"/api/v1/datasets/{dataset.slug}/{tail}"


def file_rows(dataset, number: int | None = None) -> list[dict]:
    """Every row of the served (or given) version, in file order, with its _id."""
    from territoire.lake.models import DatasetVersion

    versions = DatasetVersion.objects.filter(dataset=dataset)
    version = versions.get(number=number) if number else versions.order_by("-number").first()
    table = pq.read_table(version.absolute_path).to_pylist()
    return [{"_id": i + 1, **row} for i, row in enumerate(table)]


def number(value):
    return None if value is None else float(value)


def walk(client, first: dict, dataset, **headers) -> tuple[list[dict], list[dict]]:
    """Follow next links from the first page to the end: (records, page bodies)."""
    response = client.get(url(dataset), first, **headers)
    assert response.status_code == 200, response.content
    pages = [response.json()]
    while pages[-1]["next"]:
        response = client.get(pages[-1]["next"], **headers)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        assert len(pages) < 200
    return [r for p in pages for r in p["results"]], pages


# ---------------------------------------------------------------- pages


def test_first_page_has_ids_fields_and_total(client, catalogue, mode):
    rows = file_rows(catalogue.budget)
    body = client.get(url(catalogue.budget)).json()
    assert body["total_count"] == len(rows) == 1448
    assert [r["_id"] for r in body["results"]] == list(range(1, 11))
    assert body["results"][0] == {
        **{k: v for k, v in rows[0].items() if k != "bp"},
        "bp": number(rows[0]["bp"]),
    }
    assert [f["name"] for f in body["fields"]] == ["_id"] + [c[0] for c in BUDGET_COLUMNS]
    assert body["version"] == 1 and body["limits"] == []
    assert body["next_cursor"] and body["next"].startswith(url(catalogue.budget) + "?cursor=")


def test_where_order_select_give_what_python_computes(client, catalogue, mode):
    rows = [r for r in file_rows(catalogue.budget) if r["d_r"] == "R"]
    expected = sorted(rows, key=lambda r: (r["bp"] is None, -(r["bp"] or 0), r["_id"]))[:25]
    body = client.get(
        url(catalogue.budget),
        {"where": 'd_r = "R"', "order_by": "bp desc", "select": "_id, nature, bp", "limit": 25},
    ).json()
    assert body["total_count"] == len(rows) == 219
    assert body["results"] == [
        {"_id": r["_id"], "nature": r["nature"], "bp": number(r["bp"])} for r in expected
    ]


def test_several_where_are_anded_and_refine_filters(client, catalogue, mode):
    rows = [
        r
        for r in file_rows(catalogue.budget)
        if r["i_f"] == "I" and r["bp"] is not None and r["bp"] > 100000 and r["fonction"] == "020"
    ]
    body = client.get(
        url(catalogue.budget),
        {"where": ['i_f = "I"', "bp > 100000"], "refine": "fonction:020", "limit": 100},
    ).json()
    assert body["total_count"] == len(rows)
    assert [r["_id"] for r in body["results"]] == [r["_id"] for r in rows]


def _python_order(rows, order_by):
    def text_key(value, descending):
        if value is None:
            return (1, "")
        # Python compares str by code point as DuckDB does by bytes (same order for UTF-8).
        return (0, _Reverse(value) if descending else value)

    keys = {
        None: lambda r: (),
        "bp desc": lambda r: ((r["bp"] is None, -(r["bp"] or 0)),),
        "fonction": lambda r: (text_key(r["fonction"], False),),
        "nature desc, bp": lambda r: (
            text_key(r["nature"], True),
            (r["bp"] is None, r["bp"] or 0),
        ),
        "_id desc": lambda r: (-r["_id"],),
        "length(nature)": lambda r: ((r["nature"] is None, len(r["nature"] or "")),),
    }[order_by]
    return sorted(rows, key=lambda r: (*keys(r), r["_id"]))


class _Reverse:
    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return self.value > other.value

    def __eq__(self, other):
        return self.value == other.value


@pytest.mark.parametrize(
    "order_by", [None, "bp desc", "fonction", "nature desc, bp", "_id desc", "length(nature)"]
)
def test_cursors_walk_every_record_once_in_order(client, catalogue, mode, order_by):
    rows = file_rows(catalogue.budget)
    first = {"limit": 97, "select": "_id"}
    if order_by:
        first["order_by"] = order_by
    records, pages = walk(client, first, catalogue.budget)
    assert [r["_id"] for r in records] == [r["_id"] for r in _python_order(rows, order_by)]
    assert len(pages) == 15 and {p["total_count"] for p in pages} == {1448}
    cursor = cursors.decode(pages[0]["next_cursor"])
    keyset = order_by != "length(nature)"  # an expression pages by offset
    assert (cursor.after is not None) is keyset and (cursor.offset is None) is keyset


def test_cursor_pages_through_a_filter_and_groups(client, catalogue, mode):
    rows = [r for r in file_rows(catalogue.budget) if r["d_r"] == "D"]
    records, _ = walk(
        client, {"where": 'd_r = "D"', "order_by": "fonction desc", "limit": 50}, catalogue.budget
    )
    assert [r["_id"] for r in records] == [
        r["_id"]
        for r in sorted(
            rows, key=lambda r: (r["fonction"] is None, _Reverse(r["fonction"] or ""), r["_id"])
        )
    ]
    groups, pages = walk(
        client,
        {"select": "fonction, count(*) as n", "group_by": "fonction", "limit": 7},
        catalogue.budget,
    )
    counts = Counter(r["fonction"] for r in file_rows(catalogue.budget))
    assert {g["fonction"]: g["n"] for g in groups} == counts
    assert pages[0]["total_count"] == len(counts) == len(groups)


def test_a_cursor_keeps_reading_its_version(client, catalogue, home, mode):
    first = client.get(url(catalogue.budget), {"order_by": "bp desc", "limit": 5}).json()
    _swap_in_second_version(catalogue.budget, where="d_r = 'R'")
    fresh = client.get(url(catalogue.budget), {"order_by": "bp desc", "limit": 5}).json()
    assert fresh["version"] == 2 and fresh["total_count"] == 219
    followed = client.get(first["next"]).json()
    assert followed["version"] == 1 and followed["total_count"] == 1448
    old = _python_order(file_rows(catalogue.budget, 1), "bp desc")
    assert [r["_id"] for r in followed["results"]] == [r["_id"] for r in old[5:10]]
    explicit = client.get(url(catalogue.budget), {"version": 1, "limit": 1}).json()
    assert explicit["version"] == 1 and explicit["total_count"] == 1448
    assert client.get(url(catalogue.budget), {"version": 3}).status_code == 404


def _swap_in_second_version(dataset, *, where: str):
    import duckdb

    from territoire.lake.models import DatasetLake, DatasetVersion

    v1 = DatasetVersion.objects.get(dataset=dataset, number=1)
    path = v1.absolute_path.with_name("v2.parquet")
    duckdb.sql(
        f"COPY (SELECT * FROM read_parquet('{v1.absolute_path}') WHERE {where}) TO '{path}' (FORMAT parquet)"
    )
    checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    rows = duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
    v2 = DatasetVersion.objects.create(
        dataset=dataset,
        number=2,
        path=f"{dataset.slug}/v2.parquet",
        source_name="v2.parquet",
        source_checksum=checksum,
        parquet_checksum=checksum,
        byte_size=path.stat().st_size,
        row_count=rows,
        columns=v1.columns,
    )
    DatasetLake.objects.filter(dataset=dataset).update(current_version=v2)
    return v2


def test_bad_cursors_are_refused(client, catalogue):
    first = client.get(url(catalogue.budget), {"order_by": "bp desc", "limit": 5}).json()
    damaged = first["next_cursor"][:-3] + (
        "AAA" if not first["next_cursor"].endswith("AAA") else "BBB"
    )
    response = client.get(url(catalogue.budget), {"cursor": damaged})
    assert response.status_code == 400
    body = response.json()
    assert (
        body["clause"] == "cursor"
        and "curseur" in body["message"]
        and "cursor" in body["message_en"]
    )
    other = client.get(
        url(catalogue.budget), {"cursor": first["next_cursor"], "where": 'd_r = "R"'}
    )
    assert other.status_code == 400 and "where" in other.json()["message_en"]
    shifted = client.get(url(catalogue.budget), {"cursor": first["next_cursor"], "offset": 10})
    assert shifted.status_code == 400 and "offset" in shifted.json()["message_en"]
    same = client.get(
        url(catalogue.budget), {"cursor": first["next_cursor"], "order_by": "bp desc", "limit": 3}
    )
    assert same.status_code == 200 and len(same.json()["results"]) == 3


def test_datetimes_page_and_export_in_the_platform_time_zone(client, etat, mode):
    rows = file_rows(etat)
    body = client.get(url(etat), {"order_by": "date desc, nom", "limit": 200}).json()
    assert body["total_count"] == len(rows)
    assert body["results"][0]["date"] == "2018-04-25T10:47:04+02:00"
    records, pages = walk(client, {"order_by": "date", "limit": 30}, etat)
    assert sorted(r["_id"] for r in records) == [r["_id"] for r in rows]
    assert cursors.decode(pages[0]["next_cursor"]).offset == 30  # datetimes page by offset
    exported = client.get(url(etat, "exports/csv")).getvalue().decode()
    parsed = list(csv.DictReader(io.StringIO(exported)))
    everything = client.get(url(etat), {"limit": 1000}).json()["results"]
    assert [r["date"] for r in parsed] == [r["date"] for r in everything]
    utc = client.get(url(etat), {"timezone": "UTC", "limit": 1}).json()["results"][0]
    assert utc["date"] == "2018-04-25T08:47:04+00:00"


# ---------------------------------------------------------------- one record


def test_one_record_by_id(client, catalogue, mode):
    rows = file_rows(catalogue.budget)
    last = client.get(url(catalogue.budget, "records/1448")).json()
    assert last["_id"] == 1448 and last["nature"] == rows[-1]["nature"]
    assert last["bp"] == number(rows[-1]["bp"])
    picked = client.get(url(catalogue.budget, "records/7"), {"select": "nature, bp * 2 as double"})
    assert picked.json() == {"nature": rows[6]["nature"], "double": number(rows[6]["bp"]) * 2}
    for missing in (0, 1449, -3):
        response = client.get(url(catalogue.budget, f"records/{missing}"))
        assert response.status_code == 404 and response.json()["error"] == "not_found"


# ---------------------------------------------------------------- facets


def test_facets_count_like_python(client, catalogue, mode):
    rows = file_rows(catalogue.budget)
    body = client.get(url(catalogue.budget, "facets"), {"facet": ["d_r", "i_f"]}).json()
    assert body["version"] == 1
    got = {f["name"]: {v["value"]: v["count"] for v in f["facets"]} for f in body["facets"]}
    assert got == {"d_r": Counter(r["d_r"] for r in rows), "i_f": Counter(r["i_f"] for r in rows)}
    filtered = client.get(
        url(catalogue.budget, "facets"), {"facet": "i_f", "where": 'd_r = "R"'}
    ).json()
    assert {v["value"]: v["count"] for v in filtered["facets"][0]["facets"]} == Counter(
        r["i_f"] for r in rows if r["d_r"] == "R"
    )
    default = client.get(url(catalogue.budget, "facets")).json()
    assert {"d_r", "i_f"} <= {f["name"] for f in default["facets"]}
    limited = client.get(url(catalogue.budget, "facets"), {"facet": "nature", "limit": 3}).json()
    assert len(limited["facets"][0]["facets"]) == 3
    assert limited["facets"][0]["limits"][0]["name"] == "facet_limit"


def test_bbox_reads_the_geo_copy_and_matches_python(client, catalogue, settings, monkeypatch):
    settings.TERRITOIRE_RECORDS_SERVING = True
    used = []
    copy = sources._copy
    monkeypatch.setattr(sources, "_copy", lambda main, kind: used.append(kind) or copy(main, kind))
    rows = file_rows(catalogue.fountains)
    inside = [
        r
        for r in rows
        if r["geo_point_2d"]["lat"] is not None
        and 48.85 <= r["geo_point_2d"]["lat"] <= 48.87
        and 2.33 <= r["geo_point_2d"]["lon"] <= 2.36
    ]
    query = {"where": "in_bbox(geo_point_2d, 48.87, 2.36, 48.85, 2.33)", "select": "_id"}
    records, pages = walk(client, {**query, "limit": 20}, catalogue.fountains)
    assert [r["_id"] for r in records] == [r["_id"] for r in inside]
    assert pages[0]["total_count"] == len(inside)
    assert ("geo", "geo_point_2d") in used  # the serving file's geo copy answered
    settings.TERRITOIRE_RECORDS_SERVING = False
    cold, _ = walk(client, {**query, "limit": 20}, catalogue.fountains)
    assert cold == records
    facets = client.get(
        url(catalogue.fountains, "facets"), {"facet": "commune", **{"where": query["where"]}}
    ).json()
    assert sum(v["count"] for v in facets["facets"][0]["facets"]) == len(inside)


# ---------------------------------------------------------------- exports


def test_csv_export_streams_every_record_in_a_stable_order(client, catalogue, mode):
    rows = file_rows(catalogue.budget)
    response = client.get(url(catalogue.budget, "exports/csv"))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="budget-primitif-2014.csv"' in response["Content-Disposition"]
    content = response.getvalue()
    assert content.startswith(b"exercice,i_f,d_r,nature,fonction,bp,libelle_fonction\r\n")
    parsed = list(csv.DictReader(io.StringIO(content.decode())))
    assert len(parsed) == len(rows)
    for got, row in zip(parsed, rows, strict=True):
        assert got["nature"] == row["nature"] and got["fonction"] == (row["fonction"] or "")
        assert (decimal.Decimal(got["bp"]) if got["bp"] else None) == row["bp"]
    again = client.get(url(catalogue.budget, "exports/csv")).getvalue()
    assert hashlib.sha256(again).digest() == hashlib.sha256(content).digest()
    excel = client.get(
        url(catalogue.budget, "exports/csv"),
        {"delimiter": ";", "bom": "true", "use_labels": "true", "where": 'd_r = "R"'},
    ).getvalue()
    assert excel.startswith(
        "\ufeffExercice;I_F;D_R;Nature;Fonction;BP;Libellé fonction\r\n".encode()
    )
    assert excel.count(b"\r\n") == 1 + 219


def test_export_bytes_are_the_same_from_parquet_and_from_serving_files(client, catalogue, settings):
    queries = [
        {"order_by": "bp desc, nature"},
        {"where": 'd_r = "R"', "order_by": "fonction"},
        {"select": "fonction, sum(bp) as total", "group_by": "fonction", "order_by": "total desc"},
        {"select": "range(bp, 100000) as tranche, count(*) as n", "group_by": "range(bp, 100000)"},
    ]
    results = {}
    for mode_name in ("off", "on"):
        settings.TERRITOIRE_RECORDS_SERVING = mode_name == "on"
        results[mode_name] = [
            client.get(url(catalogue.budget, "exports/csv"), q).getvalue() for q in queries
        ]
    assert results["off"] == results["on"]
    assert results["off"][3].splitlines()[1].startswith(b"0-100000,")


def test_json_jsonl_geojson_parquet_and_xlsx_exports(client, catalogue, mode):
    from openpyxl import load_workbook

    page = client.get(url(catalogue.fountains), {"limit": 10000}).json()["results"]
    plain = [{k: v for k, v in r.items() if k != "_id"} for r in page]
    as_json = json.loads(client.get(url(catalogue.fountains, "exports/json")).getvalue())
    assert as_json == plain
    lines = client.get(url(catalogue.fountains, "exports/jsonl")).getvalue().decode().splitlines()
    assert [json.loads(line) for line in lines] == plain
    geo = json.loads(client.get(url(catalogue.fountains, "exports/geojson")).getvalue())
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == len(plain)
    first = geo["features"][0]
    assert first["geometry"]["coordinates"] == [
        plain[0]["geo_point_2d"]["lon"],
        plain[0]["geo_point_2d"]["lat"],
    ]
    response = client.get(url(catalogue.fountains, "exports/parquet"), {"where": "disponibilite"})
    table = pq.read_table(io.BytesIO(b"".join(response.streaming_content)))
    assert table.num_rows == sum(1 for r in plain if r["disponibilite"])
    assert table.column_names == list(plain[0])
    workbook = load_workbook(
        io.BytesIO(b"".join(client.get(url(catalogue.budget, "exports/xlsx")).streaming_content))
    )
    sheet = workbook.active
    assert sheet.max_row == 1449 and sheet.cell(1, 7).value == "libelle_fonction"
    refused = client.get(url(catalogue.budget, "exports/geojson"))
    assert refused.status_code == 400 and refused.json()["where"] == "export_format"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("params", "status", "where"),
    [
        ({"where": "d_r == 3"}, 400, "where:6"),
        ({"where": 'd_r = "R"', "order_by": "popluation"}, 400, "order_by:1"),
        ({"where": ["d_r = 'R'", "bp >"]}, 400, "where[1]:5"),
        ({"limit": 20000}, 400, "limit"),
        ({"limit": "beaucoup"}, 422, "query.limit"),
        ({"offset": -1}, 400, "offset"),
        ({"timezone": "Mars/Olympus_Mons"}, 400, "timezone"),
        ({"lang": "de"}, 422, "query.lang"),
        ({"select": "count(*)", "group_by": "nature", "order_by": "bp"}, 400, "order_by:1"),
    ],
)
def test_bad_queries_are_4xx_with_where_and_how(client, catalogue, params, status, where):
    response = client.get(url(catalogue.budget), params)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["where"] == where and body["message"] and body["message_en"]
    if status == 400 and where not in ("timezone", "offset", "limit"):
        assert body["clause"] == where.split(":")[0].split("[")[0] and body["position"]


def test_limit_error_points_to_cursors(client, catalogue):
    body = client.get(url(catalogue.budget), {"limit": 10001}).json()
    assert "next_cursor" in body["message_en"] and body["clause"] == "limit"


def test_unknown_export_format_and_delimiter(client, catalogue):
    assert client.get(url(catalogue.budget, "exports/pdf")).status_code == 422
    response = client.get(url(catalogue.budget, "exports/csv"), {"delimiter": "#"})
    assert response.status_code == 400 and response.json()["where"] == "delimiter"


def test_a_dataset_without_data(client, catalogue, make_dataset, data_officer):
    from territoire.catalog import services as catalog_services

    empty = make_dataset("Sans données")
    catalog_services.dataset_publish(actor=data_officer, dataset=empty)
    body = client.get(url(empty)).json()
    assert body["total_count"] == 0 and body["results"] == [] and body["version"] is None
    assert client.get(url(empty, "records/1")).status_code == 404
    assert client.get(url(empty, "facets")).json() == {"facets": [], "version": None}
    assert client.get(url(empty, "exports/csv")).status_code == 404


# ---------------------------------------------------------------- access


VISIBLE = {  # role -> the non-public datasets it may read (as the catalogue decides)
    "anonymous": set(),
    "citizen": set(),
    "reuser": set(),
    "agent": {"internal", "draft"},
    "steward": {"internal", "draft"},
    "data_officer": {"internal", "draft", "restricted"},
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_authorisation_matrix(client, catalogue, roles, token_of, shared_data, role):
    for name in ("internal", "restricted", "draft"):
        lake_version(
            getattr(catalogue, name),
            BUDGET_SQL.format(path=shared_data / BUDGET_CSV),
            BUDGET_COLUMNS,
        )
    user = roles[role]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_of(user)}"} if user else {}
    before = AuditEvent.objects.filter(action="read").count()
    reads = 0
    for name in ("internal", "restricted", "draft"):
        dataset = getattr(catalogue, name)
        allowed = name in VISIBLE[role]
        for tail, params in (
            ("records", {"limit": 1}),
            ("records/1", {}),
            ("facets", {"facet": "d_r"}),
            ("exports/csv", {}),
        ):
            response = client.get(url(dataset, tail), params, **headers)
            assert response.status_code == (200 if allowed else 404), (role, name, tail)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if allowed:
                reads += 1
                assert b"ADMINISTRATION" in body or b'"D"' in body
            else:
                assert json.loads(body)["error"] == "not_found"
                assert b"ADMINISTRATION" not in body and dataset.title.encode() not in body
    events = AuditEvent.objects.filter(action="read").order_by("pk")[before:]
    assert len(events) == reads
    assert all(e.actor == user and e.reason == "api/v1 enregistrements" for e in events)
    public = client.get(url(catalogue.budget), {"limit": 1}, **headers)
    assert public.status_code == 200
    assert AuditEvent.objects.filter(action="read").count() == before + reads  # public: no audit


def test_bad_token_is_401_and_nothing_is_read(client, catalogue):
    before = AuditEvent.objects.count()
    response = client.get(url(catalogue.budget), HTTP_AUTHORIZATION="Bearer trt_000_nope")
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    assert AuditEvent.objects.count() == before


def test_rate_limit_answers_429(client, catalogue, settings):
    settings.TERRITOIRE_API_RATE = "2/60"
    assert client.get(url(catalogue.budget)).status_code == 200
    assert client.get(url(catalogue.budget, "records/1")).status_code == 200
    response = client.get(url(catalogue.budget, "facets"))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_a_page_costs_one_query(client, catalogue, django_assert_max_num_queries, settings):
    settings.TERRITOIRE_RECORDS_SERVING = True
    # One for the dataset, plus the rate-limit counter's upsert (core.ratelimit: in the database
    # unless REDIS_URL is set, so that the limit holds across web processes).
    with django_assert_max_num_queries(2):
        assert client.get(url(catalogue.budget), {"where": 'd_r = "R"'}).status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get(url(catalogue.budget, "records/3")).status_code == 200


def test_record_by_id_from_the_row_fetch_equals_the_sql_lookup(
    client, catalogue, etat, settings, monkeypatch
):
    """The serving file's row fetch (row n is record n + 1) answers exactly what the SQL lookup
    answers — decimals, geo points, datetimes in the asked time zone — on real data."""
    settings.TERRITOIRE_RECORDS_SERVING = True
    fetched = []
    row = sources.row
    monkeypatch.setattr(sources, "row", lambda *a: fetched.append(row(*a)) or fetched[-1])
    cases = [
        (catalogue.budget, [1, 2, 700, 1448], {}),
        (catalogue.fountains, [1, 2, 50], {}),
        (etat, [1, 5, 20], {}),
        (etat, [1, 5], {"timezone": "America/Cayenne"}),
    ]
    answers = {}
    for dataset, ids, params in cases:
        for record_id in ids:
            path = url(dataset, f"records/{record_id}")
            answers[path, tuple(params.items())] = client.get(path, params).json()
    assert len(fetched) == 12 and None not in fetched  # every answer came from the row fetch
    serving.store().clear()
    monkeypatch.setattr(sources, "row", lambda *args: None)  # SQL lookups only
    for (path, params), answer in answers.items():
        assert client.get(path, dict(params)).json() == answer, path
    assert answers[url(etat, "records/1"), (("timezone", "America/Cayenne"),)]["date"].endswith(
        "-03:00"
    )
