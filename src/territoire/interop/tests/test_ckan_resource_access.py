"""CKAN resources by UUID: the UUIDs are derived from primary keys (anyone can compute them), so
``find_resource`` must look only in the datasets the actor may see. An internal dataset with
data in the lake, a distribution and record exports: anonymous ``datastore_search``,
``datastore_info`` and ``resource_show`` by any of its resource UUIDs are Not Found — exactly as
a UUID that does not exist — while an agent of the territory reads them."""

from __future__ import annotations

import pytest

from territoire.interop import common

from .conftest import BUDGET_COLUMNS, BUDGET_CSV, BUDGET_SQL, lake_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def internal_with_data(catalogue, shared_data, data_officer):
    from territoire.catalog import services as catalog_services

    dataset = catalogue.internal
    lake_version(dataset, BUDGET_SQL.format(path=shared_data / BUDGET_CSV), BUDGET_COLUMNS)
    distribution = catalog_services.distribution_create(
        actor=data_officer,
        dataset=dataset,
        title="Effectifs (CSV)",
        format="csv",
        download_url="https://intranet.example.fr/effectifs.csv",
    )
    dataset.refresh_from_db()
    return dataset, distribution


def _resource_ids(dataset, distribution) -> list[str]:
    return [
        common.export_uuid(dataset, "csv"),
        common.export_uuid(dataset, "json"),
        common.distribution_uuid(distribution),
    ]


def _call(client, action, token=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(f"/api/3/action/{action}", params, **headers)


def test_anonymous_cannot_reach_an_internal_resource_by_uuid(client, internal_with_data):
    dataset, distribution = internal_with_data
    unknown = _call(client, "resource_show", id="00000000-0000-5000-8000-000000000000")
    assert unknown.status_code == 404
    for resource_id in _resource_ids(dataset, distribution):
        shown = _call(client, "resource_show", id=resource_id)
        assert shown.status_code == 404, resource_id
        assert shown.json()["error"]["__type"] == unknown.json()["error"]["__type"]
        for action in ("datastore_search", "datastore_info"):
            params = (
                {"resource_id": resource_id}
                if action == "datastore_search"
                else {"id": resource_id}
            )
            answer = _call(client, action, **params)
            assert answer.status_code == 404, (action, resource_id, answer.content[:200])
            assert "records" not in answer.json().get("result", {})
    by_dataset_uuid = _call(client, "datastore_search", resource_id=common.dataset_uuid(dataset))
    assert by_dataset_uuid.status_code == 404


def test_an_agent_reads_the_same_resources(client, internal_with_data, agent, token_of):
    dataset, distribution = internal_with_data
    token = token_of(agent)
    for resource_id in _resource_ids(dataset, distribution):
        assert _call(client, "resource_show", token, id=resource_id).status_code == 200
    page = _call(client, "datastore_search", token, resource_id=common.export_uuid(dataset, "csv"))
    assert page.status_code == 200 and page.json()["result"]["total"] == 1448
