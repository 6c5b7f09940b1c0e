"""The access workflow through the native API: ask, grant with a scope, refuse, withdraw,
revoke; agreements and a partner's push. Every refusal leaves nothing behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from territoire.access import services
from territoire.accounts.services import token_create
from territoire.lake.models import DatasetVersion
from territoire.trust.models import (
    AccessGrant,
    AccessRequest,
    Agreement,
    AgreementDelivery,
    AuditEvent,
)

from .conftest import CSV, later

pytestmark = pytest.mark.django_db


def bearer(user, scope="write") -> dict:
    raw = token_create(actor=user, user=user, name="t", scopes=[scope])[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client, url, data, user):
    return client.post(url, data, content_type="application/json", **bearer(user))


PURPOSE = "Étude des consommations d'eau des communes du sud"


def test_request_grant_read_revoke(client, levels, reuser, steward):
    slug = levels.restricted.slug
    created = post(client, "/api/v1/access-requests", {"dataset": slug, "purpose": PURPOSE}, reuser)
    assert created.status_code == 201, created.content
    request_id = created.json()["id"]
    assert created.json()["status"] == "pending"
    queue = client.get("/api/v1/access-requests?status=pending", **bearer(steward, "read")).json()
    assert [r["id"] for r in queue] == [request_id]
    granted = post(
        client,
        f"/api/v1/access-requests/{request_id}/grant",
        {
            "expires_at": later(10).isoformat(),
            "columns": ["commune", "volume_m3"],
            "row_filters": [{"column": "volume_m3", "op": ">=", "value": 12}],
        },
        steward,
    )
    assert granted.status_code == 201, granted.content
    grant_id = granted.json()["id"]
    read = client.get(f"/api/v1/datasets/{slug}/records", **bearer(reuser, "read")).json()
    assert {tuple(sorted(r)) for r in read["results"]} == {("_id", "commune", "volume_m3")}
    assert sorted(r["volume_m3"] for r in read["results"]) == [12.5, 14.0, 20.0, 97.31]
    mine = client.get("/api/v1/access-requests/mine", **bearer(reuser, "read")).json()
    assert mine[0]["status"] == "granted" and mine[0]["grant"]["id"] == grant_id
    revoked = post(
        client, f"/api/v1/access-grants/{grant_id}/revoke", {"reason": "Étude close"}, steward
    )
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    gone = client.get(f"/api/v1/datasets/{slug}/records", **bearer(reuser, "read"))
    assert gone.status_code == 404
    actions = list(
        AuditEvent.objects.filter(action__startswith="access_").values_list("action", flat=True)
    )
    assert sorted(actions) == ["access_grant", "access_request", "access_revoke"]


def test_refusal_needs_a_reason_and_is_told(client, levels, reuser, steward):
    request = services.access_request_create(actor=reuser, dataset=levels.internal, purpose=PURPOSE)
    url = f"/api/v1/access-requests/{request.pk}/refuse"
    empty = post(client, url, {"reason": " "}, steward)
    assert empty.status_code == 400 and empty.json()["where"] == "reason"
    assert AccessRequest.objects.get(pk=request.pk).status == "pending"
    assert not AuditEvent.objects.filter(action="access_refuse").exists()
    refused = post(client, url, {"reason": "Données nominatives : pas de communication."}, steward)
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    mine = client.get("/api/v1/access-requests/mine", **bearer(reuser, "read")).json()
    assert mine[0]["refusal_reason"] == "Données nominatives : pas de communication."


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"columns": ["nope"]}, "columns"),
        ({"row_filters": [{"column": "nope", "op": "=", "value": 1}]}, "row_filters"),
        ({"row_filters": [{"column": "commune", "op": "~", "value": 1}]}, "row_filters[0].op"),
        ({"period": {"column": "commune", "start": "2024-01-01"}}, "row_filters"),
        ({"expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": (timezone.now() + dt.timedelta(days=2000)).isoformat()}, "expires_at"),
    ],
)
def test_bad_scope_is_refused_and_nothing_is_granted(
    client, levels, reuser, steward, payload, where
):
    request = services.access_request_create(
        actor=reuser, dataset=levels.restricted, purpose=PURPOSE
    )
    body = {"expires_at": later().isoformat(), **payload}
    response = post(client, f"/api/v1/access-requests/{request.pk}/grant", body, steward)
    assert response.status_code == 400, response.content
    assert response.json()["where"] == where
    assert not AccessGrant.objects.exists()
    assert AccessRequest.objects.get(pk=request.pk).status == "pending"
    assert not AuditEvent.objects.filter(action="access_grant").exists()


def test_who_decides(client, levels, reuser, agent, other_agent, citizen, data_officer):
    request = services.access_request_create(
        actor=reuser, dataset=levels.restricted, purpose=PURPOSE
    )
    url = f"/api/v1/access-requests/{request.pk}/grant"
    body = {"expires_at": later().isoformat()}
    for outsider in (agent, other_agent, citizen, reuser):
        assert post(client, url, body, outsider).status_code == 404, outsider
    assert not AccessGrant.objects.exists()
    assert post(client, url, body, data_officer).status_code == 201


def test_requests_refused(client, levels, reuser, agent, make_dataset):
    public = make_dataset("Ouvert", publish=True)
    for user, slug, status in (
        (reuser, public.slug, 404),  # public: nothing to ask
        (agent, levels.internal.slug, 404),  # already readable
        (reuser, "inconnu", 404),
    ):
        response = post(
            client, "/api/v1/access-requests", {"dataset": slug, "purpose": PURPOSE}, user
        )
        assert response.status_code == status, (user, slug)
    short = post(
        client,
        "/api/v1/access-requests",
        {"dataset": levels.internal.slug, "purpose": "svp"},
        reuser,
    )
    assert short.status_code == 400 and short.json()["where"] == "purpose"
    anonymous = client.post(
        "/api/v1/access-requests",
        {"dataset": levels.internal.slug, "purpose": PURPOSE},
        content_type="application/json",
    )
    assert anonymous.status_code in (401, 403)
    assert not AccessRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="access_request").exists()


def test_withdraw(client, levels, reuser, citizen):
    request = services.access_request_create(actor=reuser, dataset=levels.internal, purpose=PURPOSE)
    url = f"/api/v1/access-requests/{request.pk}/withdraw"
    assert post(client, url, {}, citizen).status_code == 404
    assert post(client, url, {}, reuser).json()["status"] == "withdrawn"


@pytest.fixture
def agreement(levels, partner_org, service, data_officer, make_dataset, meter_csv):
    from .conftest import ingest

    provided = make_dataset("Relevés transmis par le délégataire", access_level="internal")
    ingest(data_officer, provided, meter_csv)
    agreement = Agreement(
        title="Convention eau potable",
        reference="conv-eau",
        partner=partner_org,
        partner_kind="delegate",
        service=service,
        purpose="Suivi de la délégation de service public de l'eau",
        starts_on=timezone.localdate() - dt.timedelta(days=1),
        ends_on=timezone.localdate() + dt.timedelta(days=365),
    )
    services.agreement_save(
        actor=data_officer,
        agreement=agreement,
        datasets_provided=[provided],
        datasets_received=[levels.restricted],
    )
    agreement.provided = provided
    return agreement


def _upload(client, user, reference, slug, text=CSV + "Pérols;01/04/2024;3,5;C-006;Abonné F\n"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/api/v1/agreements/{reference}/datasets/{slug}/deliveries",
        {"file": SimpleUploadedFile("releves.csv", text.encode("latin-1"), "text/csv")},
        **bearer(user),
    )


def test_partner_push_lands_in_the_lake_with_provenance(client, agreement, partner):
    slug = agreement.provided.slug
    response = _upload(client, partner, "conv-eau", slug)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "created" and response.json()["version"] == 2
    version = DatasetVersion.objects.get(dataset=agreement.provided, number=2)
    assert version.row_count == 6
    delivery = AgreementDelivery.objects.get()
    assert (delivery.agreement, delivery.version_number, delivery.pushed_by) == (
        agreement,
        2,
        partner,
    )
    event = AuditEvent.objects.get(action="agreement_push")
    assert event.actor == partner and event.changes["agreement"] == [None, "conv-eau"]
    listed = client.get("/api/v1/agreements", **bearer(partner, "read")).json()
    assert [a["reference"] for a in listed] == ["conv-eau"]


def test_partner_push_refusals(client, agreement, partner, levels, reuser, data_officer):
    # a dataset the agreement does not name, an account that is not the partner's
    assert _upload(client, partner, "conv-eau", levels.restricted.slug).status_code == 404
    assert _upload(client, reuser, "conv-eau", agreement.provided.slug).status_code == 404
    # a partner token reads what its agreement gives it, nothing else
    headers = bearer(partner, "read")
    assert (
        client.get(f"/api/v1/datasets/{levels.restricted.slug}/records", **headers).status_code
        == 200
    )
    assert (
        client.get(f"/api/v1/datasets/{levels.internal.slug}/records", **headers).status_code == 404
    )
    services.agreement_terminate(actor=data_officer, agreement=agreement, reason="Fin du contrat")
    assert _upload(client, partner, "conv-eau", agreement.provided.slug).status_code == 403
    assert not DatasetVersion.objects.filter(dataset=agreement.provided, number=2).exists()
    assert not AgreementDelivery.objects.exists()
    assert (
        client.get(f"/api/v1/datasets/{levels.restricted.slug}/records", **headers).status_code
        == 404
    )
