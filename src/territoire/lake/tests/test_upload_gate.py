"""An upload from someone who may not upload is refused before its body is read — through the
API and the back-office — so an anonymous client cannot make the server read and spool gigabytes.
The body stream counts what the server reads from it."""

from __future__ import annotations

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, FakePayload, encode_multipart
from django.urls import reverse

from territoire.lake.models import IngestJob
from territoire.lake.tests.test_api_uploads import bearer, uploads_left

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]

pytestmark = pytest.mark.django_db


class CountingBody(FakePayload):
    """A request body that counts the bytes the server reads."""

    def __init__(self, content: bytes):
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size=-1, /):
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size=-1, /):
        data = super().readline(size)
        self.bytes_read += len(data)
        return data


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings):
    settings.TERRITOIRE_API_RATE = "100000/60"


def post_counted(client, path, budget_csv, *, token: str | None = None, headers=None):
    """POST the real budget file as multipart; returns (response, bytes the server read, total)."""
    fields = {"file": budget_csv.open("rb")}
    if token:
        fields["csrfmiddlewaretoken"] = token
    content = encode_multipart(BOUNDARY, fields)
    fields["file"].close()
    body = CountingBody(content)
    response = client.generic(
        "POST",
        path,
        content,
        content_type=MULTIPART_CONTENT,
        headers=headers or {},
        **{"wsgi.input": body},
    )
    return response, body.bytes_read, len(content)


@pytest.mark.parametrize(
    "who,credentials,status",
    [
        ("anonyme", None, 401),
        ("jeton sans portée write", "read-token", 401),
        ("jeton invalide", "bad-token", 401),
        ("agent (voit le jeu, ne le charge pas)", "agent", 403),
        ("citoyen (ne voit pas le jeu)", "citizen", 404),
    ],
)
def test_api_refuses_before_reading_the_body(
    client, home, make_dataset, roles, budget_csv, who, credentials, status
):
    dataset = make_dataset(access_level="internal")
    if credentials is None:
        headers = {}
    elif credentials == "read-token":
        headers = bearer(roles["steward"], scopes=("read",))
    elif credentials == "bad-token":
        headers = {"Authorization": "Bearer pas-un-jeton"}
    else:
        headers = bearer(roles[credentials])
    response, read, _ = post_counted(
        client, f"/api/v1/datasets/{dataset.slug}/uploads", budget_csv, headers=headers
    )
    assert response.status_code == status, who
    assert "message_en" in response.json()
    assert read == 0, f"{who}: {read} bytes of the body were read"
    assert response["Connection"] == "close"
    assert not IngestJob.objects.exists() and uploads_left(home) == []


def test_api_reads_the_body_of_an_allowed_upload(client, home, make_dataset, roles, budget_csv):
    dataset = make_dataset()
    response, read, total = post_counted(
        client,
        f"/api/v1/datasets/{dataset.slug}/uploads",
        budget_csv,
        headers=bearer(roles["steward"]),
    )
    assert response.status_code == 202 and read == total
    assert IngestJob.objects.get().status == "succeeded"


def test_backoffice_refuses_before_reading_the_body(home, make_dataset, roles, budget_csv):
    """Even with a CSRF cookie and token (anyone gets one from any page), which would make
    Django's CSRF check read the whole body first."""
    dataset = make_dataset()
    path = f"/espace/jeux-de-donnees/{dataset.slug}/depot/"
    token = _get_new_csrf_string()

    anonymous = Client(enforce_csrf_checks=True)
    anonymous.cookies["csrftoken"] = token
    response, read, _ = post_counted(anonymous, path, budget_csv, token=token)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert read == 0

    agent = Client(enforce_csrf_checks=True)
    agent.force_login(roles["agent"])
    agent.cookies["csrftoken"] = token
    response, read, _ = post_counted(agent, path, budget_csv, token=token)
    assert response.status_code == 404 and read == 0
    assert not IngestJob.objects.exists() and uploads_left(home) == []

    steward = Client(enforce_csrf_checks=True)
    steward.force_login(roles["steward"])
    steward.cookies["csrftoken"] = token
    response, read, total = post_counted(steward, path, budget_csv, token=token)
    assert response.status_code == 302 and read == total
    assert IngestJob.objects.get().status == "succeeded"
