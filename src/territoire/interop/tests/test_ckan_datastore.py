"""datastore_search and datastore_info over the lake, with CKAN's parameters and errors."""

from __future__ import annotations

import json

import pytest

from territoire.interop import common

pytestmark = pytest.mark.django_db


def search(client, status: int = 200, method: str = "post", **params):
    if method == "post":
        response = client.post(
            "/api/3/action/datastore_search", json.dumps(params), content_type="application/json"
        )
    else:
        response = client.get("/api/3/action/datastore_search", params)
    assert response.status_code == status, response.content
    body = response.json()
    return body["result"] if status == 200 else body["error"]


@pytest.fixture
def csv_resource(catalogue) -> str:
    return common.export_uuid(catalogue.budget, "csv")


def test_filters_fields_sort(client, csv_resource):
    result = search(
        client,
        resource_id=csv_resource,
        filters={"d_r": "R", "i_f": ["F", "I"]},
        fields=["nature", "bp"],
        sort="bp desc",
        limit=4,
    )
    assert result["fields"] == [{"id": "nature", "type": "text"}, {"id": "bp", "type": "numeric"}]
    assert len(result["records"]) == 4 and set(result["records"][0]) == {"nature", "bp"}
    amounts = [r["bp"] for r in result["records"]]
    assert amounts == sorted(amounts, reverse=True)
    only_r = search(client, resource_id=csv_resource, filters={"d_r": "R"}, limit=0)
    assert result["total"] == only_r["total"] and only_r["records"] == []
    both = search(client, resource_id=csv_resource, filters={"d_r": ["R", "D"]}, limit=1)
    assert both["total"] == 1448
    assert (
        result["_links"]["next"].startswith("/api/3/action/datastore_search?")
        and "offset=4" in result["_links"]["next"]
    )


def test_full_text_and_per_field_search(client, csv_resource):
    everywhere = search(client, resource_id=csv_resource, q="jeunes")
    per_field = search(client, resource_id=csv_resource, q={"libelle_fonction": "jeunes"})
    assert everywhere["total"] == per_field["total"] > 0
    assert all("JEUNES" in r["libelle_fonction"] for r in per_field["records"])
    # GET parameters are strings: JSON objects and comma-separated lists, as CKAN reads them
    via_get = search(
        client,
        method="get",
        resource_id=csv_resource,
        q='{"libelle_fonction": "jeunes"}',
        fields="nature,bp",
        limit=2,
    )
    assert via_get["total"] == per_field["total"] and set(via_get["records"][0]) == {"nature", "bp"}


def test_formats_totals_and_aliases(client, catalogue, csv_resource):
    lists = search(
        client, resource_id=csv_resource, records_format="lists", limit=2, include_total=False
    )
    assert lists["records"][0][:4] == [1, 2014, "F", "D"] and "total" not in lists
    assert "total_was_estimated" not in lists
    by_slug = search(client, resource_id=catalogue.budget.slug, limit=1)
    assert by_slug["total"] == 1448
    json_resource = common.export_uuid(catalogue.budget, "json")
    assert search(client, resource_id=json_resource, limit=1)["total"] == 1448
    page = search(client, resource_id=csv_resource, offset=1440, limit=100)
    assert len(page["records"]) == 8 and page["total"] == 1448


@pytest.mark.parametrize(
    "params,key",
    [
        ({"filters": {"colour": "red"}}, "filters"),
        ({"fields": ["bp", "colour"]}, "fields"),
        ({"sort": "colour desc"}, "sort"),
        ({"q": {"colour": "x"}}, "q"),
        ({"limit": -1}, "limit"),
        ({"offset": -5}, "offset"),
        ({"records_format": "xml"}, "records_format"),
        ({"q": {"_id": "premier"}}, "q"),
        ({"filters": {"exercice": "deux mille"}}, "filters"),
    ],
)
def test_validation_errors(client, csv_resource, params, key):
    error = search(client, status=409, resource_id=csv_resource, **params)
    assert error["__type"] == "Validation Error" and key in error


def test_not_found(client, catalogue):
    distribution = catalogue.budget.distributions.get()
    error = search(client, status=404, resource_id=common.distribution_uuid(distribution))
    assert error["__type"] == "Not Found Error"
    assert (
        search(client, status=404, resource_id=catalogue.internal.slug)["__type"]
        == "Not Found Error"
    )
    assert search(client, status=409)["__type"] == "Validation Error"


def test_datastore_info(client, catalogue, csv_resource):
    response = client.get("/api/3/action/datastore_info", {"id": csv_resource})
    info = response.json()["result"]
    assert info["meta"]["count"] == 1448 and info["meta"]["aliases"] == [catalogue.budget.slug]
    fields = {f["id"]: f for f in info["fields"]}
    assert (
        fields["exercice"]["type"] == "int"
        and fields["libelle_fonction"]["info"]["label"] == "Libellé fonction"
    )
    assert info["schema"]["bp"] == "numeric"


def test_every_resource_has_id_first(client, csv_resource):
    """CKAN's _id: an int field, first in fields, in every record; sort, filters and q take it;
    it is the 1-based row number of the version."""
    result = search(client, resource_id=csv_resource, limit=3)
    assert result["fields"][0] == {"id": "_id", "type": "int"}
    assert [f["id"] for f in result["fields"][1:3]] == ["exercice", "i_f"]
    assert [r["_id"] for r in result["records"]] == [1, 2, 3]
    assert list(result["records"][0])[0] == "_id"
    last = search(client, resource_id=csv_resource, sort="_id desc", limit=2)
    assert [r["_id"] for r in last["records"]] == [1448, 1447]
    one = search(client, resource_id=csv_resource, filters={"_id": 1000})
    assert one["total"] == 1 and one["records"][0]["_id"] == 1000
    two = search(client, resource_id=csv_resource, filters={"_id": [3, 5]}, fields="_id,nature")
    assert [r["_id"] for r in two["records"]] == [3, 5] and set(two["records"][0]) == {
        "_id",
        "nature",
    }
    by_q = search(client, resource_id=csv_resource, q={"_id": "7"})
    assert by_q["total"] == 1 and by_q["records"][0]["_id"] == 7
    # the row number of a filtered row is the row's, not its place in the page
    recettes = search(client, resource_id=csv_resource, filters={"d_r": "R"}, sort="_id", limit=5)
    assert all(r["d_r"] == "R" for r in recettes["records"])
    ids = [r["_id"] for r in recettes["records"]]
    assert ids == sorted(ids) and ids != [1, 2, 3, 4, 5]
    again = search(client, resource_id=csv_resource, filters={"_id": ids[0]})
    assert again["records"][0] == recettes["records"][0]


def test_paging_by_id_like_a_ckan_client(client, csv_resource):
    """What third-party CKAN clients do: sort=_id, offset += len(records) until a short page,
    following _links.next; every row comes exactly once."""
    seen: list[int] = []
    url = f"/api/3/action/datastore_search?resource_id={csv_resource}&sort=_id&limit=500"
    pages = 0
    while True:
        body = client.get(url).json()
        assert body["success"], body
        result = body["result"]
        seen.extend(r["_id"] for r in result["records"])
        pages += 1
        if len(result["records"]) < 500:
            break
        url = result["_links"]["next"]
    assert pages == 3 and result["total"] == 1448 and result["total_was_estimated"] is False
    assert seen == list(range(1, 1449))
    # with a filter too: pages by _id hold every matching row once
    matching: list[int] = []
    offset = 0
    while True:
        page = search(
            client, resource_id=csv_resource, filters={"d_r": "R"}, sort="_id", limit=100,
            offset=offset,
        )  # fmt: skip
        matching.extend(r["_id"] for r in page["records"])
        offset += len(page["records"])
        if not page["records"]:
            break
    assert len(matching) == len(set(matching)) == page["total"]
    assert matching == sorted(matching)


def test_links_limit_clamp_and_formats(client, csv_resource):
    first = search(client, method="get", resource_id=csv_resource, limit=10, offset=20)
    links = first["_links"]
    assert "offset" not in links["start"] and "offset=30" in links["next"]
    assert "offset=10" in links["prev"]
    clamped = search(client, resource_id=csv_resource, limit=50000)
    assert clamped["limit"] == 32000 and len(clamped["records"]) == 1448
    default = search(client, resource_id=csv_resource)
    assert default["limit"] == 100 and len(default["records"]) == 100
    as_csv = search(
        client, resource_id=csv_resource, records_format="csv", limit=2, fields="_id,nature,bp"
    )
    assert isinstance(as_csv, dict) and as_csv["records"].splitlines()[0].startswith("1,")
    assert len(as_csv["records"].splitlines()) == 2
    as_tsv = search(
        client, resource_id=csv_resource, records_format="tsv", limit=1, fields="_id,d_r"
    )
    assert as_tsv["records"] == "1\tD\n"


def test_distinct(client, csv_resource):
    kinds = search(client, resource_id=csv_resource, fields="d_r", distinct=True, sort="d_r")
    assert kinds["records"] == [{"d_r": "D"}, {"d_r": "R"}] and kinds["total"] == 2
    # with _id among the fields every row is already distinct
    rows = search(client, resource_id=csv_resource, distinct=True, limit=1)
    assert rows["total"] == 1448


def test_own_id_column_is_shown_under_the_other_name(client, catalogue, data_officer, shared_data):
    """A file with its own _id column: CKAN's _id stays the row number, the data's column is
    shown under the engine's name for it."""
    from territoire.catalog import services as catalog_services

    from .conftest import lake_version

    dataset = catalogue.draft
    lake_version(
        dataset,
        "SELECT * FROM (VALUES (10, 'a'), (20, 'b')) t(_id, nom)",
        [("_id", "_id", "integer", "BIGINT"), ("nom", "nom", "text", "VARCHAR")],
    )
    catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
    result = search(client, resource_id=dataset.slug)
    assert [f["id"] for f in result["fields"]] == ["_id", "_record_id", "nom"]
    assert result["records"] == [
        {"_id": 1, "_record_id": 10, "nom": "a"},
        {"_id": 2, "_record_id": 20, "nom": "b"},
    ]
    assert (
        search(client, resource_id=dataset.slug, filters={"_record_id": 20})["records"][0]["_id"]
        == 2
    )
