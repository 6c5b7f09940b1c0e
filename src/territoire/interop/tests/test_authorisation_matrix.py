"""Who sees which dataset through each front-end: the same answer as the native API's selector,
role by role, and the catalogue never shows anything but public data."""

from __future__ import annotations

import pytest

from territoire.trust.models import AuditEvent

pytestmark = pytest.mark.django_db

# role -> the non-public datasets of the fixture it may read
VISIBLE = {
    "anonymous": set(),
    "citizen": set(),
    "reuser": set(),
    "agent": {"internal", "draft"},
    "steward": {"internal", "draft"},
    "data_officer": {"internal", "draft", "restricted"},
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_matrix(client, catalogue, roles, token_of, role):
    user = roles[role]
    headers = {"HTTP_AUTHORIZATION": token_of(user)} if user else {}
    expected_reads = 0
    for name in ("internal", "restricted", "draft"):
        dataset = getattr(catalogue, name)
        allowed = name in VISIBLE[role]
        status = 200 if allowed else 404
        ckan = client.get("/api/3/action/package_show", {"id": dataset.slug}, **headers)
        ods = client.get(f"/api/explore/v2.1/catalog/datasets/{dataset.slug}", **headers)
        assert (ckan.status_code, ods.status_code) == (status, status), (role, name)
        expected_reads += 2 if allowed else 0
        if not allowed:
            assert dataset.title not in ckan.content.decode() + ods.content.decode()
    searched = client.get(
        "/api/3/action/package_search", {"include_private": "true", "rows": 100}, **headers
    )
    names = {r["name"] for r in searched.json()["result"]["results"]}
    assert names == {d.slug for d in catalogue.public} | {
        getattr(catalogue, n).slug for n in VISIBLE[role]
    }
    listed = client.get("/api/explore/v2.1/catalog/datasets", {"limit": 100}, **headers).json()
    assert {r["dataset_id"] for r in listed["results"]} == names
    dcat = client.get("/catalogue.ttl", **headers).content.decode()
    assert all(getattr(catalogue, n).slug not in dcat for n in ("internal", "restricted", "draft"))
    events = AuditEvent.objects.filter(action="read")
    assert events.count() == expected_reads
    assert all(e.actor == user for e in events)
