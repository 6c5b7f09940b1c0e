"""Reusers' scripts, unchanged, against a live server: an OpenDataSoft-style requests script and a
DCAT harvester following the paging links."""

from __future__ import annotations

import pytest
import requests
from rdflib import RDF, Graph
from rdflib.namespace import DCAT

pytestmark = pytest.mark.django_db(transaction=True)


def test_ods_style_script(live_server, catalogue):
    base = f"{live_server.url}/api/explore/v2.1/catalog/datasets"
    catalog = requests.get(
        base, params={"where": 'search(title, "budget")', "limit": 10}, timeout=30
    ).json()
    dataset_id = catalog["results"][0]["dataset_id"]
    response = requests.get(
        f"{base}/{dataset_id}/records",
        params={
            "select": "fonction, sum(bp) as total",
            "where": 'd_r = "D" and bp > 0',
            "group_by": "fonction",
            "order_by": "total desc",
            "limit": 5,
        },
        timeout=30,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["total_count"] > 5 and len(body["results"]) == 5
    totals = [r["total"] for r in body["results"]]
    assert totals == sorted(totals, reverse=True)
    export = requests.get(
        f"{base}/{dataset_id}/exports/csv", params={"where": 'd_r = "R"'}, timeout=30
    )
    assert export.status_code == 200 and export.content.startswith("\ufeff".encode())
    error = requests.get(f"{base}/{dataset_id}/records", params={"where": "d_r = "}, timeout=30)
    assert error.status_code == 400 and error.json()["error_code"] == "ODSQLError"


def test_dcat_harvester_follows_next_links(live_server, catalogue, settings):
    settings.TERRITOIRE_BASE_URL = live_server.url
    url, seen = f"{live_server.url}/catalogue.rdf?page_size=1", set()
    while url:
        response = requests.get(url, timeout=30, allow_redirects=False)
        assert response.status_code == 200
        graph = Graph().parse(data=response.content, format="xml")
        seen |= set(graph.subjects(RDF.type, DCAT.Dataset))
        url = response.links.get("next", {}).get("url")
    assert len(seen) == len(catalogue.public)
