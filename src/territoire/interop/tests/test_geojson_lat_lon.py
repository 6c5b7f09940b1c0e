"""GeoJSON exports of datasets positioned by a latitude column and a longitude column.

Montpellier's defibrillators (real file: Latin-1, dBase-style headers, decimal-comma
coordinates in Coord_X / Coord_Y) go through the real ingestion, which marks the pair with
``geo_role``; the native and OpenDataSoft exports then build one Point per record from it.
Expected coordinates are read from the version's Parquet file with pyarrow, not through the
query engine under test.
"""

from __future__ import annotations

import csv
import json

import pyarrow.parquet as pq
import pytest

from territoire.conftest import publish_real_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_serving_store")]

DEFIBRILLATORS_CSV = "city/montpellier-defibrillateurs/VilleMTP_MTP_Defibrillateurs.csv"
NATIVE = "/api/v1/datasets"
ODS = "/api/explore/v2.1/catalog/datasets"


@pytest.fixture
def publish_file(home, make_dataset, data_officer):
    """publish_file(title, path) -> a public dataset with the file ingested, as the lake does it."""

    def publish(title, path):
        dataset = make_dataset(title)
        publish_real_file(data_officer, dataset, path)
        dataset.refresh_from_db()
        return dataset

    return publish


@pytest.fixture
def defibrillators(publish_file, shared_data):
    return publish_file("Défibrillateurs de Montpellier", shared_data / DEFIBRILLATORS_CSV)


@pytest.fixture
def defibrillators_with_gaps(publish_file, shared_data, tmp_path):
    """The real file, same encoding and quoting, with no position for the defibrillator Id 1 and
    no latitude for Id 2 (the real file gives every row both)."""
    source = shared_data / DEFIBRILLATORS_CSV
    with source.open(encoding="latin-1", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    x, y = header.index("Coord_X,C,50"), header.index("Coord_Y,C,50")
    for row in rows[1:]:
        if row[0] == "1":
            row[x] = row[y] = ""
        elif row[0] == "2":
            row[y] = ""
    path = tmp_path / "VilleMTP_MTP_Defibrillateurs.csv"
    with path.open("w", encoding="latin-1", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return publish_file("Défibrillateurs (positions manquantes)", path)


def served_version(dataset):
    from territoire.lake.models import DatasetVersion

    return DatasetVersion.objects.filter(dataset=dataset).order_by("-number").first()


def parquet_rows(dataset) -> list[dict]:
    return pq.read_table(served_version(dataset).absolute_path).to_pylist()


def body(response) -> bytes:
    assert response.status_code == 200, response.content
    assert response.streaming  # never the whole export in memory
    return b"".join(response.streaming_content)


def geojson(client, url: str, **params) -> tuple[dict, bytes]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    data = body(response)
    return json.loads(data), data


def test_ingestion_marks_the_pair(defibrillators):
    roles = {c["id"]: c.get("geo_role") for c in served_version(defibrillators).columns}
    assert roles["coord_x"] == "longitude" and roles["coord_y"] == "latitude"
    assert not any(
        c["type"] in ("geo_point", "geometry") for c in served_version(defibrillators).columns
    )


def test_native_export_builds_points_from_the_pair(client, defibrillators, mode):
    url = f"{NATIVE}/{defibrillators.slug}/exports"
    collection, data = geojson(client, f"{url}/geojson")
    records = json.loads(body(client.get(f"{url}/json")))
    expected = parquet_rows(defibrillators)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(records) == len(expected) == 167
    for feature, record, row in zip(collection["features"], records, expected, strict=True):
        assert feature["type"] == "Feature"
        # RFC 7946: [longitude, latitude]; the pair stays in the properties, as ODS does
        assert feature["geometry"] == {
            "type": "Point",
            "coordinates": [row["coord_x"], row["coord_y"]],
        }
        assert feature["properties"] == record
        assert 43.5 < feature["properties"]["coord_y"] < 43.7 and 3.8 < row["coord_x"] < 4
    assert collection["features"][0]["properties"]["nom"] == expected[0]["nom"]
    assert body(client.get(f"{url}/geojson")) == data  # stable: the same bytes twice


def test_native_export_follows_the_query(client, defibrillators, mode):
    url = f"{NATIVE}/{defibrillators.slug}/exports/geojson"
    collection, _ = geojson(client, url, select="nom, coord_y, coord_x", order_by="coord_y desc")
    latitudes = [f["geometry"]["coordinates"][1] for f in collection["features"]]
    assert len(latitudes) == 167 and latitudes == sorted(latitudes, reverse=True)
    assert set(collection["features"][0]["properties"]) == {"nom", "coord_y", "coord_x"}
    filtered, _ = geojson(client, url, where="coord_x > 3.9")
    expected = [r for r in parquet_rows(defibrillators) if r["coord_x"] > 3.9]
    assert 0 < len(filtered["features"]) == len(expected) < 167
    # without both coordinates in the result there is no position: refused before any byte
    for params in (
        {"select": "nom"},
        {"select": "nom, coord_y"},
        {"select": "coord_x as x, coord_y"},
    ):
        refused = client.get(url, params)
        assert refused.status_code == 400 and refused.json()["where"] == "export_format"


def test_native_export_of_records_without_a_position(client, defibrillators_with_gaps, mode):
    url = f"{NATIVE}/{defibrillators_with_gaps.slug}/exports/geojson"
    collection, _ = geojson(client, url)
    expected = parquet_rows(defibrillators_with_gaps)
    assert len(collection["features"]) == len(expected) == 167
    by_id = {f["properties"]["id"]: f for f in collection["features"]}
    assert by_id[1]["geometry"] is None
    assert by_id[1]["properties"]["coord_x"] is None and by_id[1]["properties"]["nom"]
    assert by_id[2]["geometry"] is None and by_id[2]["properties"]["coord_x"] is not None
    positioned = [f for f in collection["features"] if f["geometry"] is not None]
    assert len(positioned) == 165


def test_ods_export_builds_the_same_points(client, defibrillators):
    collection, data = geojson(client, f"{ODS}/{defibrillators.slug}/exports/geojson")
    native, native_data = geojson(client, f"{NATIVE}/{defibrillators.slug}/exports/geojson")
    expected = parquet_rows(defibrillators)
    assert len(collection["features"]) == len(expected) == 167
    for feature, row in zip(collection["features"], expected, strict=True):
        assert feature["geometry"]["coordinates"] == [row["coord_x"], row["coord_y"]]
        assert feature["properties"]["coord_y"] == row["coord_y"]
    assert collection == native and data == native_data  # one writer for both front-ends
    assert body(client.get(f"{ODS}/{defibrillators.slug}/exports/geojson")) == data
    refused = client.get(f"{ODS}/{defibrillators.slug}/exports/geojson", {"select": "nom"})
    assert refused.status_code == 400
    assert refused.json()["error_code"] == "InvalidRESTParameterError"


def test_ods_export_of_records_without_a_position(client, defibrillators_with_gaps):
    collection, _ = geojson(client, f"{ODS}/{defibrillators_with_gaps.slug}/exports/geojson")
    assert len(collection["features"]) == 167
    by_id = {f["properties"]["id"]: f for f in collection["features"]}
    assert by_id[1]["geometry"] is None and by_id[2]["geometry"] is None
    assert by_id[3]["geometry"]["type"] == "Point"


def test_catalogues_offer_geojson_for_the_pair(client, defibrillators):
    links = client.get(f"{ODS}/{defibrillators.slug}/exports").json()["links"]
    assert {link["rel"] for link in links} >= {"csv", "json", "geojson", "parquet"}
    package = client.get("/api/3/action/package_show", {"id": defibrillators.slug}).json()
    assert "GeoJSON" in {r["format"] for r in package["result"]["resources"]}
