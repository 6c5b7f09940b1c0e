"""OpenDataSoft Explore v2.1 catalogue paths: shapes, where/refine/order_by, errors, visibility."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from territoire.trust.models import AuditEvent

pytestmark = pytest.mark.django_db

API = "/api/explore/v2.1/catalog"


def get(client, path: str, status: int = 200, **params):
    response = client.get(API + path, params)
    assert response.status_code == status, response.content
    return response.json()


def ids(body) -> list[str]:
    return [r["dataset_id"] for r in body["results"]]


def test_dataset_list_shape(client, catalogue):
    body = get(client, "/datasets")
    assert body["total_count"] == 2
    budget = next(r for r in body["results"] if r["dataset_id"] == catalogue.budget.slug)
    assert budget["visibility"] == "domain" and budget["has_records"] is True
    assert budget["features"] == ["analyze"]
    meta = budget["metas"]["default"]
    assert meta["title"] == "Budget primitif 2014"
    assert meta["records_count"] == 1448
    assert sorted(meta["theme"]) == ["Gouvernement et secteur public", "Économie et finances"]
    assert meta["keyword"] == ["budget", "finances publiques"]
    assert meta["publisher"] == "Ville de Montpellier"
    assert meta["license"].startswith("Licence Ouverte")
    assert meta["modified"].endswith("+00:00")
    assert {f["name"]: f["type"] for f in budget["fields"]} == {
        "exercice": "int",
        "i_f": "text",
        "d_r": "text",
        "nature": "text",
        "fonction": "text",
        "bp": "double",
        "libelle_fonction": "text",
    }
    fountains = get(client, f"/datasets/{catalogue.fountains.slug}")
    assert fountains["features"] == ["geo"]
    assert {f["name"]: f["type"] for f in fountains["fields"]}["geo_point_2d"] == "geo_point_2d"
    assert fountains["attachments"][0]["title"] == "Inventaire (tableur)"


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"where": '"fontaines"'}, ["fontaines-a-boire-de-la-metropole"]),
        ({"where": 'search(title, "BUDGET")'}, ["budget-primitif-2014"]),
        ({"where": 'theme = "Environnement"'}, ["fontaines-a-boire-de-la-metropole"]),
        (
            {"where": 'keyword in ("budget", "eau")', "order_by": "title"},
            ["budget-primitif-2014", "fontaines-a-boire-de-la-metropole"],
        ),
        ({"where": "records_count > 1400"}, ["budget-primitif-2014"]),
        ({"where": 'records_count > 1400 and features = "geo"'}, []),
        ({"where": 'not keyword = "eau"'}, ["budget-primitif-2014"]),
        (
            {"where": "modified >= date'2000'", "order_by": "records_count desc"},
            ["budget-primitif-2014", "fontaines-a-boire-de-la-metropole"],
        ),
        ({"where": "year(modified) < 2000"}, []),
        ({"refine": "theme:Environnement"}, ["fontaines-a-boire-de-la-metropole"]),
        (
            {"refine": ["keyword:eau", "keyword:budget"], "order_by": "dataset_id"},
            ["budget-primitif-2014", "fontaines-a-boire-de-la-metropole"],
        ),
        ({"exclude": "keyword:eau"}, ["budget-primitif-2014"]),
        (
            {"refine": 'publisher:"Ville de Montpellier"', "order_by": "title desc"},
            ["fontaines-a-boire-de-la-metropole", "budget-primitif-2014"],
        ),
        (
            {"where": ['startswith(dataset_id, "budget")', "records_count >= 0"]},
            ["budget-primitif-2014"],
        ),
    ],
)
def test_catalogue_queries(client, catalogue, params, expected):
    body = get(client, "/datasets", **params)
    assert sorted(ids(body)) == sorted(expected)
    if "order_by" in params:
        assert ids(body) == expected
    assert body["total_count"] == len(expected)


def test_paging(client, catalogue):
    first = get(client, "/datasets", limit=1, order_by="title")
    second = get(client, "/datasets", limit=1, offset=1, order_by="title")
    assert first["total_count"] == second["total_count"] == 2
    assert ids(first) + ids(second) == ["budget-primitif-2014", "fontaines-a-boire-de-la-metropole"]
    assert get(client, "/datasets", offset=20000)["results"] == []


@pytest.mark.parametrize(
    "params,code,fragment",
    [
        ({"where": "title == 'x'"}, "ODSQLError", "where"),
        ({"where": "colour = 'red'"}, "ODSQLError", "colour"),
        ({"order_by": "theme"}, "ODSQLError", "theme"),
        ({"refine": "nothing"}, "ODSQLError", "refine"),
        ({"limit": 101}, "InvalidRESTParameterError", "limit"),
        ({"offset": -1}, "InvalidRESTParameterError", "offset"),
        ({"select": "title"}, "InvalidRESTParameterError", "select"),
    ],
)
def test_errors_in_the_ods_shape(client, catalogue, params, code, fragment):
    body = get(client, "/datasets", status=400, **params)
    assert body["error_code"] == code
    assert fragment in body["message"] + body["message_en"]
    assert body["message"] != body["message_en"]


def test_hidden_datasets_are_not_found(client, catalogue, citizen, token_of):
    for headers in ({}, {"HTTP_AUTHORIZATION": f"Apikey {token_of(citizen)}"}):
        listed = client.get(API + "/datasets", {"limit": 100}, **headers).json()
        assert sorted(ids(listed)) == sorted(d.slug for d in catalogue.public)
        for dataset in catalogue.hidden:
            response = client.get(f"{API}/datasets/{dataset.slug}", **headers)
            assert response.status_code == 404
            assert response.json()["error_code"] == "NotFound"
    assert not AuditEvent.objects.filter(action="read").exists()


def test_agent_reads_internal_metadata_and_it_is_audited(client, catalogue, agent, token_of):
    auth = {"HTTP_AUTHORIZATION": f"Apikey {token_of(agent)}"}
    listed = client.get(API + "/datasets", {"refine": "visibility:restricted"}, **auth).json()
    assert sorted(ids(listed)) == sorted([catalogue.internal.slug, catalogue.draft.slug])
    assert not AuditEvent.objects.filter(action="read").exists()
    detail = client.get(f"{API}/datasets/{catalogue.internal.slug}", **auth)
    assert detail.status_code == 200 and detail.json()["visibility"] == "restricted"
    event = AuditEvent.objects.get(action="read")
    assert (event.actor, event.reason, event.object_id) == (
        agent,
        "ods",
        str(catalogue.internal.pk),
    )


def test_catalog_facets(client, catalogue):
    body = get(client, "/facets", facet=["theme", "features"])
    themes = {f["name"]: f["count"] for f in body["facets"][0]["facets"]}
    assert themes == {
        "Environnement": 1,
        "Santé": 1,
        "Gouvernement et secteur public": 1,
        "Économie et finances": 1,
    }
    features = {f["name"]: f["count"] for f in body["facets"][1]["facets"]}
    assert features == {"analyze": 1, "geo": 1}
    refined = get(client, "/facets", facet="keyword", refine="keyword:eau")
    assert refined["facets"][0]["facets"] == [
        {"name": "eau", "count": 1, "value": "eau", "state": "refined"},
        {"name": "fontaines", "count": 1, "value": "fontaines", "state": "displayed"},
    ]
    assert get(client, "/facets", status=400, facet="colour")["error_code"] == "ODSQLError"


def test_invalid_key_and_rate_limit(client, catalogue, settings):
    response = client.get(API + "/datasets", HTTP_AUTHORIZATION="Apikey trt_nope")
    assert response.status_code == 401 and response.json()["error_code"] == "InvalidAPIKey"
    settings.TERRITOIRE_API_RATE = "1/60"
    assert client.get(API + "/datasets").status_code == 200
    limited = client.get(API + "/datasets")
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    # OpenDataSoft's shape: the `quota` response of its Explore API specification, and the
    # X-RateLimit-* headers its documentation describes.
    body = limited.json()
    assert {"errorcode", "reset_time", "limit_time_unit", "call_limit", "error"} <= set(body)
    assert body["errorcode"] == 10005  # the anonymous users' quota
    assert body["call_limit"] == 1 and body["limit_time_unit"] == "minute"
    reset = dt.datetime.strptime(body["reset_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert 0 < reset.timestamp() - time.time() <= 61
    assert body["message"] and body["message_en"] == body["error"]
    assert limited["X-RateLimit-Limit"] == "1" and limited["X-RateLimit-Remaining"] == "0"
    assert int(limited["X-RateLimit-Reset"]) == int(reset.timestamp())


def test_a_signed_in_client_gets_the_quota_error_of_users(client, catalogue, agent, settings):
    settings.TERRITOIRE_API_RATE = "1/3600"
    client.force_login(agent)
    assert client.get(API + "/datasets").status_code == 200
    limited = client.get(API + "/datasets")
    assert limited.status_code == 429
    body = limited.json()
    assert body["errorcode"] == 10002 and body["limit_time_unit"] == "hour"


def test_list_query_count(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        get(client, "/datasets", limit=100)
