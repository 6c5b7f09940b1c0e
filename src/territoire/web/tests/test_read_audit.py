"""Reads of non-public data are audited with the client's address, the same on every channel."""

from __future__ import annotations

import pytest

from territoire.core import ratelimit
from territoire.trust.models import AuditEvent


@pytest.mark.django_db
def test_portal_and_api_read_audits_record_the_same_client_address(
    client, agent, make_dataset, monkeypatch
):
    """The portal asked REMOTE_ADDR itself while the API asked core.ratelimit.client_ip, which is
    the one place that knows the client behind a trusted proxy. A stand-in for that function makes
    the two answers differ, as they do behind a proxy."""
    dataset = make_dataset("Compteurs", access_level="internal")
    monkeypatch.setattr(ratelimit, "client_ip", lambda request: "203.0.113.7")
    client.force_login(agent)
    assert client.get(f"/jeux-de-donnees/{dataset.slug}/").status_code == 200
    assert client.get(f"/api/v1/datasets/{dataset.slug}").status_code == 200
    reads = AuditEvent.objects.filter(action="read", object_id=str(dataset.pk))
    assert sorted(reads.values_list("reason", "ip_address")) == [
        ("api/v1", "203.0.113.7"),
        ("portail", "203.0.113.7"),
    ]
