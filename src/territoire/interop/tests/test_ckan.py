"""The CKAN action API through HTTP: envelope, shapes, search, visibility, errors and the audit."""

from __future__ import annotations

import json

import pytest

from territoire.interop import common
from territoire.interop.ckan.registry import ACTIONS
from territoire.trust.models import AuditEvent

pytestmark = pytest.mark.django_db


def call(
    client,
    action: str,
    method: str = "get",
    prefix: str = "/api/3/action/",
    status: int = 200,
    **params,
):
    if method == "get":
        response = client.get(prefix + action, params)
    else:
        response = client.post(prefix + action, json.dumps(params), content_type="application/json")
    assert response.status_code == status, response.content
    body = response.json()
    if status == 200:
        assert body["success"] is True
        # from the request's host, not TERRITOIRE_BASE_URL (https://data.example.fr in tests)
        assert body["help"] == f"http://testserver/api/3/action/help_show?name={action}"
        return body["result"]
    assert body["success"] is False
    return body["error"]


def reads() -> int:
    return AuditEvent.objects.filter(action="read").count()


@pytest.mark.parametrize("prefix", ["/api/3/action/", "/api/action/"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_both_paths_and_methods(client, catalogue, prefix, method):
    names = call(client, "package_list", method=method, prefix=prefix)
    assert names == sorted(d.slug for d in catalogue.public)


def test_trailing_slash_is_served_without_redirect(client, catalogue):
    response = client.post("/api/3/action/package_list/", "{}", content_type="application/json")
    assert response.status_code == 200
    assert response.json()["result"] == sorted(d.slug for d in catalogue.public)


def test_status_show(client, catalogue):
    status = call(client, "status_show")
    assert status["site_url"] == "https://data.example.fr"
    assert status["ckan_version"].startswith("2.")
    assert "datastore" in status["extensions"]
    assert client.get("/api/3").json() == {"version": 3}


def test_package_show_shape(client, catalogue):
    budget = call(client, "package_show", id=catalogue.budget.slug)
    assert budget["id"] == common.dataset_uuid(catalogue.budget)
    assert budget["name"] == "budget-primitif-2014" and budget["title"] == "Budget primitif 2014"
    assert budget["notes"].startswith("Le budget primitif")
    assert budget["private"] is False and budget["isopen"] is True
    assert budget["license_id"] == "etalab-2.0"
    assert budget["license_url"] == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    assert budget["organization"]["name"] == "ville-de-montpellier"
    assert budget["organization"]["is_organization"] is True
    assert budget["owner_org"] == budget["organization"]["id"]
    assert sorted(t["name"] for t in budget["tags"]) == ["budget", "finances publiques"]
    assert sorted(g["name"] for g in budget["groups"]) == ["econ", "gove"]
    extras = {e["key"]: e["value"] for e in budget["extras"]}
    assert (
        extras["frequency"] == "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
    )
    assert extras["spatial_uri"] == "http://id.insee.fr/geo/commune/34172"
    assert extras["temporal_start"] == "2014-01-01" and extras["records_count"] == "1448"
    formats = [(r["format"], r["datastore_active"]) for r in budget["resources"]]
    assert formats == [("CSV", False), ("CSV", True), ("JSON", True), ("Parquet", True)]
    assert budget["num_resources"] == 4
    assert budget["resources"][1]["url"].endswith(
        "/api/explore/v2.1/catalog/datasets/budget-primitif-2014/exports/csv"
    )
    assert budget["metadata_modified"] >= budget["metadata_created"]
    # by UUID too, and the same answer
    assert call(client, "package_show", id=budget["id"]) == budget


def test_resource_show(client, catalogue):
    budget = call(client, "package_show", id=catalogue.budget.slug)
    for resource in budget["resources"]:
        assert call(client, "resource_show", id=resource["id"]) == resource
    error = call(client, "resource_show", id="00000000-0000-0000-0000-000000000000", status=404)
    assert error["__type"] == "Not Found Error"


def test_package_search_q_fq_sort_and_facets(client, catalogue):
    found = call(
        client,
        "package_search",
        q="budget",
        **{"facet.field": json.dumps(["organization", "tags", "res_format", "groups"])},
    )
    assert found["count"] == 1 and found["results"][0]["name"] == "budget-primitif-2014"
    assert found["facets"]["tags"] == {"budget": 1, "finances publiques": 1}
    assert found["search_facets"]["organization"]["items"] == [
        {"name": "ville-de-montpellier", "display_name": "Ville de Montpellier", "count": 1}
    ]
    # accent- and case-insensitive, prefix words
    assert call(client, "package_search", q="METROPOLE fontaine")["count"] == 1
    assert (
        call(client, "package_search", fq='tags:"eau"')["results"][0]["name"]
        == catalogue.fountains.slug
    )
    assert call(client, "package_search", fq="res_format:GeoJSON")["count"] == 1
    assert (
        call(client, "package_search", fq="organization:ville-de-montpellier res_format:PARQUET")[
            "count"
        ]
        == 2
    )
    assert (
        call(client, "package_search", fq="organization:montpellier-mediterranee-metropole")[
            "count"
        ]
        == 0
    )
    assert call(client, "package_search", fq="groups:envi OR groups:econ")["count"] == 2
    assert call(client, "package_search", fq="-tags:eau")["count"] == 1
    assert (
        call(client, "package_search", q="*:*", fq="metadata_modified:[2000-01-01T00:00:00Z TO *]")[
            "count"
        ]
        == 2
    )
    assert (
        call(client, "package_search", fq="metadata_modified:[* TO 2000-01-01T00:00:00Z]")["count"]
        == 0
    )
    names = [r["name"] for r in call(client, "package_search", sort="name asc")["results"]]
    assert names == sorted(names) and len(names) == 2
    names_desc = [
        r["name"] for r in call(client, "package_search", sort="title_string desc")["results"]
    ]
    assert names_desc == ["fontaines-a-boire-de-la-metropole", "budget-primitif-2014"]
    page = call(client, "package_search", rows=1, start=1, sort="name asc")
    assert page["count"] == 2 and [r["name"] for r in page["results"]] == [names[1]]


def test_post_with_native_json_values(client, catalogue):
    found = call(
        client,
        "package_search",
        method="post",
        rows=5,
        **{"facet.field": ["groups"], "facet.limit": 1},
    )
    assert found["count"] == 2
    assert len(found["search_facets"]["groups"]["items"]) == 1


def test_search_errors_are_ckan_errors(client, catalogue):
    assert (
        call(client, "package_search", status=400, fq="colour:red")["__type"]
        == "Search Query Error"
    )
    assert (
        call(client, "package_search", status=400, sort="popularity desc")["__type"]
        == "Search Query Error"
    )
    error = call(client, "package_search", status=409, rows="many")
    assert error["__type"] == "Validation Error" and error["rows"] == ["Invalid integer"]
    assert error["message"] and error["message_en"]
    assert call(client, "package_search", status=409, rows=5000)["__type"] == "Validation Error"
    assert call(client, "package_show", status=409)["__type"] == "Validation Error"
    response = client.get("/api/3/action/package_delete", {"id": "x"})
    assert (
        response.status_code == 400
        and response.json() == "Bad request - Action name not known: package_delete"
    )
    response = client.post("/api/3/action/package_show", "[1, 2]", content_type="application/json")
    assert response.status_code == 400 and "dictionary" in response.json()


def test_organizations(client, catalogue):
    assert call(client, "organization_list") == [
        "montpellier-mediterranee-metropole",
        "ville-de-montpellier",
    ]
    full = call(client, "organization_list", all_fields="true", sort="package_count desc")
    assert [(o["name"], o["package_count"]) for o in full] == [
        ("ville-de-montpellier", 2),
        ("montpellier-mediterranee-metropole", 0),
    ]
    assert full[0]["title"] == "Ville de Montpellier" and full[0]["type"] == "organization"
    org = call(client, "organization_show", id="ville-de-montpellier", include_datasets="true")
    assert org["package_count"] == 2
    assert sorted(p["name"] for p in org["packages"]) == sorted(d.slug for d in catalogue.public)
    assert call(client, "organization_show", id=org["id"])["name"] == "ville-de-montpellier"
    assert (
        call(client, "organization_show", id="nowhere", status=404)["__type"] == "Not Found Error"
    )


def test_private_datasets_are_not_found_for_outsiders(client, catalogue, citizen, token_of):
    for dataset in catalogue.hidden:
        for headers in ({}, {"HTTP_AUTHORIZATION": token_of(citizen)}):
            response = client.get("/api/3/action/package_show", {"id": dataset.slug}, **headers)
            assert response.status_code == 404
            assert response.json()["error"]["__type"] == "Not Found Error"
        found = call(client, "package_search", q=dataset.title, include_private="true")
        assert dataset.slug not in [r["name"] for r in found["results"]]
    assert reads() == 0


def test_agents_see_internal_data_with_include_private_and_reads_are_audited(
    client, catalogue, agent, token_of
):
    token = token_of(agent)
    # CKAN's header and ckanapi's: the bare token in Authorization, or X-CKAN-API-Key
    public_only = client.get("/api/3/action/package_search", HTTP_X_CKAN_API_KEY=token).json()[
        "result"
    ]
    assert public_only["count"] == 2
    with_private = client.get(
        "/api/3/action/package_search", {"include_private": "true"}, HTTP_AUTHORIZATION=token
    ).json()["result"]
    # agents see the territory's inventory: internal datasets and unpublished public ones
    expected = {d.slug for d in catalogue.public} | {catalogue.internal.slug, catalogue.draft.slug}
    assert {r["name"] for r in with_private["results"]} == expected
    internal = next(r for r in with_private["results"] if r["name"] == catalogue.internal.slug)
    assert internal["private"] is True
    assert reads() == 0  # searching lists metadata; reading one dataset is what is audited
    shown = client.get(
        "/api/3/action/package_show", {"id": catalogue.internal.slug}, HTTP_AUTHORIZATION=token
    )
    assert shown.status_code == 200
    event = AuditEvent.objects.get(action="read")
    assert (
        event.actor == agent
        and event.reason == "ckan"
        and event.object_id == str(catalogue.internal.pk)
    )
    # the restricted dataset of another service stays invisible to this agent
    hidden = client.get(
        "/api/3/action/package_show", {"id": catalogue.restricted.slug}, HTTP_AUTHORIZATION=token
    )
    assert hidden.status_code == 404 and reads() == 1


def test_bad_token_and_rate_limit(client, catalogue, settings):
    response = client.get("/api/3/action/package_list", HTTP_AUTHORIZATION="trt_wrong")
    assert response.status_code == 403
    assert response.json()["error"]["__type"] == "Authorization Error"
    settings.TERRITOIRE_API_RATE = "1/60"
    assert client.get("/api/3/action/package_list").status_code == 200
    limited = client.get("/api/3/action/package_list")
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert limited.json()["error"]["__type"] == "Rate Limit Error"


def test_groups_tags_licences_and_help(client, catalogue):
    assert "econ" in call(client, "group_list")
    assert call(client, "tag_list") == ["budget", "eau", "finances publiques", "fontaines"]
    assert "etalab-2.0" in [lic["id"] for lic in call(client, "license_list")]
    assert "q, fq" in call(client, "help_show", name="package_search")


def test_help_url_follows_the_host_and_port_called(client, catalogue, settings):
    settings.ALLOWED_HOSTS = ["testserver", "data.example.fr"]
    settings.TERRITOIRE_BASE_URL = "http://127.0.0.1:8000"
    body = client.get("/api/3/action/package_list", HTTP_HOST="testserver:8123").json()
    assert body["help"] == "http://testserver:8123/api/3/action/help_show?name=package_list"
    followed = client.get(body["help"], HTTP_HOST="testserver:8123").json()
    assert followed["success"] is True and "public datasets" in followed["result"]
    # the /api/action/ path and a POST give the same link; HTTPS comes from the request too
    posted = client.post(
        "/api/action/package_search",
        "{}",
        content_type="application/json",
        HTTP_HOST="data.example.fr",
        secure=True,
    ).json()
    assert posted["help"] == "https://data.example.fr/api/3/action/help_show?name=package_search"
    # a host outside ALLOWED_HOSTS is refused before any action runs, never echoed in a link
    refused = client.get("/api/3/action/package_list", HTTP_HOST="evil.example.com")
    assert refused.status_code == 400 and b"evil.example.com" not in refused.content
    assert reads() == 0


def test_help_url_without_request_falls_back_to_the_base_url(settings):
    from territoire.interop.ckan.views import help_url

    settings.TERRITOIRE_BASE_URL = "https://opendata.montpellier.fr/"
    assert help_url(None, "package_show") == (
        "https://opendata.montpellier.fr/api/3/action/help_show?name=package_show"
    )


def test_help_show_documents_every_action(client, catalogue):
    assert {"package_search", "datastore_search", "datastore_info", "help_show"} <= set(ACTIONS)
    for name in ACTIONS:
        text = call(client, "help_show", name=name)
        assert isinstance(text, str) and len(text) > 15 and text != name, name
    assert call(client, "help_show", status=409)["name"] == ["Missing value"]
    assert call(client, "help_show", status=404, name="package_delete")["__type"] == (
        "Not Found Error"
    )


def test_search_query_count(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        call(client, "package_search", rows=100, **{"facet.field": '["tags"]'})
