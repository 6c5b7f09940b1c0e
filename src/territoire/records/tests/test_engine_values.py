"""What comes out: JSON-ready values, GeoJSON geometries, streamed exports in a stable order."""

from __future__ import annotations

import json

import pytest

from territoire.core.duckdb import load_extension
from territoire.records.odsql import RecordQuery, compile_query
from territoire.records.odsql.values import wkb_to_geojson

from .conftest import lake_dataset


def test_values_are_json_ready(synthetic):
    row = synthetic.run(where="id = 1")["results"][0]
    source = synthetic.rows[1]
    assert row["geo"] == {"lat": source["geo"]["lat"], "lon": source["geo"]["lon"]}
    assert row["day"] == source["day"].isoformat()
    assert row["ts"] == source["ts"].isoformat()  # local time with its offset
    assert (
        isinstance(row["value"], float)
        and isinstance(row["n"], int)
        and isinstance(row["flag"], bool)
    )
    json.dumps(row)


def test_datetime_keeps_its_offset(etat):
    row = etat.run(select="date, max(date) as last", group_by="date")["results"][0]
    assert row == {"date": "2018-04-25T10:47:04+02:00", "last": "2018-04-25T10:47:04+02:00"}


def test_geometry_comes_back_as_geojson(fontaines):
    rows = fontaines.run(select="id, geo, geo_shape", limit=50)["results"]
    for row in rows:
        assert row["geo_shape"]["type"] == "Point"
        lon, lat = row["geo_shape"]["coordinates"]
        assert (lat, lon) == pytest.approx((row["geo"]["lat"], row["geo"]["lon"]))


@pytest.mark.parametrize(
    "wkt",
    [
        "POINT (2.35 48.85)",
        "LINESTRING (0 0, 1 1, 2 0.5)",
        "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 2, 1 1))",
        "MULTIPOINT ((1 2), (3 4))",
        "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))",
        "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
        "GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1))",
        "POINT Z (1 2 3)",
    ],
)
def test_wkb_reader_agrees_with_duckdb_spatial(con, wkt):
    load_extension(con, "spatial")
    wkb, geojson = con.execute(
        "SELECT ST_AsWKB(ST_GeomFromText(?)), ST_AsGeoJSON(ST_GeomFromText(?))", [wkt, wkt]
    ).fetchone()
    assert wkb_to_geojson(bytes(wkb)) == json.loads(geojson)


def test_short_page_needs_no_count_query(velo):
    answer = velo.run(where='commune = "Rennes"', limit=1000)
    assert (
        answer["total_count"]
        == len(answer["results"])
        == len(velo.expect(lambda r: r["commune"] == "Rennes"))
    )
    answer = velo.run(where='commune = "Rennes"', limit=5, offset=2, with_count=False)
    assert answer["total_count"] is None and len(answer["results"]) == 5


def test_export_rows_have_no_cap_and_a_stable_order(synthetic):
    first = synthetic.export(RecordQuery(select="id, label"), batch_size=777)
    second = synthetic.export(RecordQuery(select="id, label"))
    assert [r["id"] for r in first] == list(range(10000))
    assert first == second
    ordered = synthetic.export(RecordQuery(where="n < 10", order_by="value desc"))
    expected = sorted(
        (r for r in synthetic.rows if r["n"] < 10),
        key=lambda r: (r["value"] is None, -(r["value"] or 0), r["id"]),
    )
    assert [r["id"] for r in ordered] == [r["id"] for r in expected]


def test_compiled_query_can_read_another_source(con, synthetic):
    con.execute(f"CREATE OR REPLACE TABLE hot AS SELECT * FROM read_parquet('{synthetic.path}')")
    compiled = compile_query(
        RecordQuery(where="n = 3", order_by="category", limit=5),
        columns=synthetic.columns,
        source_sql="hot",
        tiebreak_column="id",
    )
    assert compiled.sql.endswith('ORDER BY "_q1" ASC, "id" ASC LIMIT 5')
    assert compiled.sql.startswith('WITH "_src" AS (SELECT * FROM hot)')
    rows = con.execute(compiled.sql, compiled.params).fetchall()
    expected = sorted(
        (r for r in synthetic.rows if r["n"] == 3), key=lambda r: (r["category"], r["id"])
    )[:5]
    assert [row[0] for row in rows] == [r["id"] for r in expected]
    con.execute("DROP TABLE hot")


def test_spatial_is_loaded_only_when_needed(synthetic, fontaines):
    assert (
        compile_query(
            RecordQuery(where="in_bbox(geo, 1, 1, 2, 2)"), columns=synthetic.columns
        ).extensions
        == []
    )
    assert compile_query(
        RecordQuery(where="in_bbox(geo_shape, 1, 1, 2, 2)"), columns=fontaines.columns
    ).extensions == ["spatial"]


@pytest.fixture(scope="module")
def geoparquet(con, odsql_home, lake, fontaines):
    """The fountains as the lake writes them: GEOMETRY (GeoParquet) and DECIMAL(18,2) columns."""
    load_extension(con, "spatial")
    path = lake / "fontaines_geoparquet.parquet"
    con.execute(
        f"""COPY (SELECT id, ST_GeomFromWKB(geo_shape) AS geo_shape, geo,
              CAST(id % 1000 / 100 AS DECIMAL(18,2)) AS montant
            FROM read_parquet('{fontaines.path}')) TO '{path}' (FORMAT parquet)"""
    )
    columns = [
        {"id": "id", "label": "Identifiant", "type": "integer"},
        {"id": "geo_shape", "label": "geo_shape", "type": "geometry"},
        {"id": "geo", "label": "geo_point_2d", "type": "geo_point"},
        {"id": "montant", "label": "Montant", "type": "decimal"},
    ]
    return lake_dataset(odsql_home, path, columns, con)


def test_geoparquet_geometry_and_decimal_storage(fontaines, geoparquet):
    assert geoparquet.served.data_columns[1].storage_type.startswith("GEOMETRY")
    where = "within_distance(geo_shape, geom'POINT(2.3522 48.8566)', 700m) and in_bbox(geo_shape, 48.8, 2.3, 48.9, 2.4)"
    answer = geoparquet.run(where=where, select="id, geo_shape, montant", limit=1000)
    expected = fontaines.run(where=where, select="id, geo_shape", limit=1000)["results"]
    assert [r["id"] for r in answer["results"]] == [r["id"] for r in expected]
    assert [r["geo_shape"] for r in answer["results"]] == [r["geo_shape"] for r in expected]
    assert all(
        isinstance(r["montant"], float) and r["montant"] == round((r["id"] % 1000) / 100, 2)
        for r in answer["results"]
    )
    facets = geoparquet.facets(facet_fields=["montant"], where=[where])
    assert sum(v["count"] for v in facets[0]["facets"]) == len(expected)
