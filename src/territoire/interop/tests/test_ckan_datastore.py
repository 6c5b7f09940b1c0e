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
    assert lists["records"][0][:3] == [2014, "F", "D"] and "total" not in lists
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
        ({"limit": 50000}, "limit"),
        ({"records_format": "csv"}, "records_format"),
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
