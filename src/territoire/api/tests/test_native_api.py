"""The native API: catalogue and territories, auth by token, errors in French and English."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from territoire.accounts.services import token_create
from territoire.trust.models import AuditEvent


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.mark.django_db
def test_status(client):
    body = client.get("/api/v1/status").json()
    assert body["status"] == "ok"


@pytest.mark.django_db
def test_epci_members(client, montpellier):
    body = client.get("/api/v1/territories", {"epci": "243400017", "limit": 100}).json()
    assert len(body) == 31
    assert {"code": "34172", "name": "Montpellier", "kind": "commune"}.items() <= next(
        t for t in body if t["code"] == "34172"
    ).items()
    detail = client.get("/api/v1/territories/epci/243400017").json()
    assert len(detail["members"]) == 31 and detail["geometry"]["type"] == "MultiPolygon"


@pytest.mark.django_db
def test_unknown_territory_is_a_bilingual_404(client, montpellier):
    response = client.get("/api/v1/territories/communes/00000")
    assert response.status_code == 404
    body = response.json()
    assert (
        body["error"] == "not_found"
        and "introuvable" in body["message"]
        and "not found" in body["message_en"]
    )


@pytest.mark.django_db
def test_bad_parameter_is_a_bilingual_422(client):
    response = client.get("/api/v1/datasets", {"limit": "beaucoup"})
    assert response.status_code == 422
    body = response.json()
    assert body["where"] == "query.limit" and "Requête invalide" in body["message"]
    assert "Invalid request" in body["message_en"]


@pytest.mark.parametrize("header", ["Bearer {t}", "Apikey {t}", "{t}"])
@pytest.mark.django_db
def test_token_shows_internal_datasets_and_reads_are_audited(client, make_dataset, agent, header):
    dataset = make_dataset("Compteurs internes", access_level="internal")
    _, token = token_create(actor=agent, user=agent, name="script")
    assert client.get("/api/v1/datasets").json() == []
    assert client.get(f"/api/v1/datasets/{dataset.slug}").status_code == 404
    auth = {"HTTP_AUTHORIZATION": header.format(t=token)}
    assert [d["slug"] for d in client.get("/api/v1/datasets", **auth).json()] == [dataset.slug]
    response = client.get(f"/api/v1/datasets/{dataset.slug}", **auth)
    assert response.status_code == 200 and response.json()["access_level"] == "internal"
    event = AuditEvent.objects.get(action="read")
    assert event.actor == agent and event.reason == "api/v1"


@pytest.mark.django_db
def test_ckan_header_and_invalid_token(client, agent):
    _, token = token_create(actor=agent, user=agent, name="ckan")
    assert client.get("/api/v1/datasets", HTTP_X_CKAN_API_KEY=token).status_code == 200
    response = client.get("/api/v1/datasets", HTTP_AUTHORIZATION="Bearer trt_000000000000_nope")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


@pytest.mark.django_db
def test_rate_limit_answers_429_with_retry_after(client, settings):
    settings.TERRITOIRE_API_RATE = "3/60"
    codes = [client.get("/api/v1/datasets").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/datasets")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Trop de requêtes" in response.json()["message"]
