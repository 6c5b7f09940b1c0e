"""Credentials the API cannot check (HTTP Basic, Digest…) are refused with a 401, in each
front-end's shape — never ignored, which made the request anonymous without a word."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from territoire.accounts.services import token_create
from territoire.core.models import RateLimitCounter
from territoire.lake.models import IngestJob
from territoire.trust.models import AuditEvent

pytestmark = pytest.mark.django_db

BASIC = "Basic " + base64.b64encode(b"agent:un mot de passe solide 42").decode()


@pytest.mark.parametrize("header", [BASIC, 'Digest username="agent", realm="x"'])
def test_native_api_refuses_basic_and_digest(client, agent, make_dataset, header):
    dataset = make_dataset("Budget", publish=True)
    events = AuditEvent.objects.count()
    for path in ("/api/v1/datasets", f"/api/v1/datasets/{dataset.slug}"):
        response = client.get(path, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, path
        body = response.json()
        assert body["error"] == "invalid_token"
        assert header.split()[0] in body["message"] and "Bearer" in body["message_en"]
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert AuditEvent.objects.count() == events
    assert not RateLimitCounter.objects.exists()  # refused before anything was counted


def test_an_upload_with_basic_credentials_is_refused_before_anything(client, steward, make_dataset):
    dataset = make_dataset("Budget")
    events = AuditEvent.objects.count()
    response = client.post(
        f"/api/v1/datasets/{dataset.slug}/uploads",
        {"file": SimpleUploadedFile("a.csv", b"a;b\n1;2\n", content_type="text/csv")},
        HTTP_AUTHORIZATION=BASIC,
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    assert not IngestJob.objects.exists() and AuditEvent.objects.count() == events


def test_opendatasoft_paths_answer_their_401(client, make_dataset):
    make_dataset("Budget", publish=True)
    response = client.get("/api/explore/v2.1/catalog/datasets", HTTP_AUTHORIZATION=BASIC)
    assert response.status_code == 401
    assert response.json()["error_code"] == "InvalidAPIKey"


def test_ckan_paths_answer_their_authorization_error(client, make_dataset):
    make_dataset("Budget", publish=True)
    response = client.get("/api/3/action/package_list", HTTP_AUTHORIZATION=BASIC)
    body = response.json()
    assert body["success"] is False and body["error"]["__type"] == "Authorization Error"
    assert response.status_code == 403  # CKAN's status for refused credentials


def test_tokens_keep_working_in_every_accepted_form(client, agent):
    _, token = token_create(actor=agent, user=agent, name="script")
    for headers in (
        {"HTTP_AUTHORIZATION": f"Bearer {token}"},
        {"HTTP_AUTHORIZATION": f"Apikey {token}"},
        {"HTTP_AUTHORIZATION": f"Token {token}"},
        {"HTTP_AUTHORIZATION": token},
        {"HTTP_X_CKAN_API_KEY": token},
    ):
        assert client.get("/api/v1/datasets", **headers).status_code == 200, headers
