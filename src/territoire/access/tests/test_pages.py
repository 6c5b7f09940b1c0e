"""The portal's request pages and the workspace's queue, grant form and agreements."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from territoire.access import services
from territoire.trust.models import AccessGrant, AccessRequest, Agreement, AuditEvent

pytestmark = pytest.mark.django_db

PURPOSE = "Étude des consommations d'eau des communes du sud"


def test_portal_inventory_and_request(client, levels, reuser, agent):
    page = f"/jeux-de-donnees/{levels.restricted.slug}/"
    assert client.get(page).status_code == 404  # anonymous: does not exist
    assert client.get("/donnees-non-ouvertes/").status_code == 302  # to sign in
    client.force_login(reuser)
    inventory = client.get("/donnees-non-ouvertes/").content.decode()
    assert all(d.title in inventory for d in levels.all())
    assert "Grabels" not in inventory  # titles, never data
    response = client.get(page)
    form_url = f"/jeux-de-donnees/{levels.restricted.slug}/demande-d-acces/"
    assert response.status_code == 302 and response["Location"] == form_url
    short = client.post(form_url, {"purpose": "svp"})
    assert short.status_code == 400 and 'aria-invalid="true"' in short.content.decode()
    assert not AccessRequest.objects.exists()
    sent = client.post(form_url, {"purpose": PURPOSE})
    assert sent.status_code == 302
    mine = client.get("/mes-demandes-d-acces/").content.decode()
    assert levels.restricted.title in mine and "en attente" in mine
    # an agent reads internal data by right: not in their inventory
    client.force_login(agent)
    listed = client.get("/donnees-non-ouvertes/").content.decode()
    assert levels.internal.title not in listed and levels.personal.title in listed


def test_portal_withdraw(client, levels, reuser):
    request = services.access_request_create(actor=reuser, dataset=levels.personal, purpose=PURPOSE)
    client.force_login(reuser)
    assert client.post(f"/mes-demandes-d-acces/{request.pk}/retrait/").status_code == 302
    assert AccessRequest.objects.get(pk=request.pk).status == "withdrawn"


def test_workspace_grant_with_scope(client, levels, reuser, steward):
    request = services.access_request_create(
        actor=reuser, dataset=levels.restricted, purpose=PURPOSE
    )
    client.force_login(steward)
    queue = client.get("/espace/acces/").content.decode()
    assert str(reuser) in queue
    url = f"/espace/acces/demandes/{request.pk}/"
    page = client.get(url).content.decode()
    assert 'value="matricule"' in page
    bad = client.post(
        url,
        {"action": "grant", "expires_on": "2000-01-01", "row_filters": "commune ; = ; Lattes"},
    )
    assert bad.status_code == 400 and not AccessGrant.objects.exists()
    expires = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    done = client.post(
        url,
        {
            "action": "grant",
            "expires_on": expires,
            "columns": ["commune", "volume_m3"],
            "row_filters": "commune ; = ; Lattes",
            "period_column": "date_releve",
            "period_start": "2024-01-01",
        },
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    grant = AccessGrant.objects.get()
    assert grant.columns == ["commune", "volume_m3"]
    assert grant.row_filters == [{"column": "commune", "op": "=", "value": "Lattes"}]
    assert grant.period == {"column": "date_releve", "start": "2024-01-01"}
    revoke = client.post(
        f"/espace/acces/autorisations/{grant.pk}/revocation/", {"reason": "Étude terminée"}
    )
    assert revoke.status_code == 302, revoke.content.decode()[-3000:]
    grant.refresh_from_db()
    assert grant.revoked_at is not None


def test_workspace_refuse_and_who_enters(client, levels, reuser, steward, other_agent, citizen):
    request = services.access_request_create(actor=reuser, dataset=levels.internal, purpose=PURPOSE)
    url = f"/espace/acces/demandes/{request.pk}/"
    for outsider in (citizen, other_agent):
        client.force_login(outsider)
        assert client.get(url).status_code == 403
    client.force_login(steward)
    empty = client.post(url, {"action": "refuse", "refus-reason": ""})
    assert empty.status_code == 400
    refused = client.post(url, {"action": "refuse", "refus-reason": "Données non communicables."})
    assert refused.status_code == 302
    assert AccessRequest.objects.get(pk=request.pk).status == "refused"
    assert AuditEvent.objects.filter(action="access_refuse").count() == 1


def test_workspace_agreements(client, levels, steward, partner_org, service):
    client.force_login(steward)
    start = timezone.localdate()
    data = {
        "action": "save",
        "title": "Convention transports",
        "reference": "conv-transports",
        "partner": partner_org.pk,
        "partner_kind": "delegate",
        "service": service.pk,
        "purpose": "Données de fréquentation du réseau",
        "starts_on": start.isoformat(),
        "ends_on": (start - dt.timedelta(days=1)).isoformat(),
        "datasets_received": [levels.restricted.pk],
    }
    refused = client.post("/espace/conventions/nouvelle/", data)
    assert refused.status_code == 400 and not Agreement.objects.exists()
    data["ends_on"] = (start + dt.timedelta(days=90)).isoformat()
    assert client.post("/espace/conventions/nouvelle/", data).status_code == 302
    agreement = Agreement.objects.get()
    grant = AccessGrant.objects.get(agreement=agreement)
    assert grant.grantee_organization == partner_org and grant.is_active()
    assert "Convention transports" in client.get("/espace/conventions/").content.decode()
    page = client.post(
        "/espace/conventions/conv-transports/",
        {"action": "terminate", "resiliation-reason": "Fin du contrat"},
    )
    assert page.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None


def test_admin_partner_accounts_through_the_service(
    client, data_officer, steward, reuser, agent, partner_org
):
    from territoire.trust.models import PartnerAccount

    client.force_login(steward)
    assert client.get("/admin/trust/partneraccount/").status_code in (302, 403)
    client.force_login(data_officer)
    assert client.get("/admin/trust/accessgrant/").status_code == 200
    assert client.get("/admin/trust/accessgrant/add/").status_code == 403
    refused = client.post(
        "/admin/trust/partneraccount/add/", {"user": agent.pk, "organization": partner_org.pk}
    )
    assert refused.status_code == 302 and not PartnerAccount.objects.exists()
    added = client.post(
        "/admin/trust/partneraccount/add/", {"user": reuser.pk, "organization": partner_org.pk}
    )
    assert added.status_code == 302
    account = PartnerAccount.objects.get()
    assert account.user == reuser
    assert (
        AuditEvent.objects.filter(object_type="trust.partneraccount", action="create").count() == 1
    )
