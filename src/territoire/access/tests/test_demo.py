"""The demo's access data: a partner agreement with data pushed under it, a granted and a
refused request; building it again changes nothing."""

from __future__ import annotations

import pytest

from territoire.trust.models import AccessGrant, AccessRequest, AgreementDelivery, AuditEvent

pytestmark = pytest.mark.django_db


def test_demo_access(home, client):
    from territoire.demo.services import demo_build

    report = demo_build(password="un mot de passe de démo solide")
    assert "partenaire-eau" in report.accounts
    [delivery] = AgreementDelivery.objects.all()
    assert delivery.version_number == 1 and delivery.status == "created"
    statuses = dict(AccessRequest.objects.values_list("requester__username", "status"))
    assert statuses == {"reutilisateur": "granted", "citoyen": "refused"}
    access_events = AuditEvent.objects.filter(action__startswith="access_").count()
    assert access_events == 4  # two requests, one grant, one refusal
    demo_build(password="un mot de passe de démo solide")
    assert AgreementDelivery.objects.count() == 1 and AccessGrant.objects.count() == 1
    assert AuditEvent.objects.filter(action__startswith="access_").count() == access_events
    assert AuditEvent.objects.filter(action="agreement_push").count() == 1
    from territoire.accounts.models import User

    client.force_login(User.objects.get(username="reutilisateur"))
    read = client.get("/api/v1/datasets/compteurs-eau-sectorisation/records?limit=100").json()
    assert read["total_count"] == 31
    assert {r["quartier"] for r in read["results"]} == {"Port Marianne"}
    assert "compteur" not in read["results"][0]
