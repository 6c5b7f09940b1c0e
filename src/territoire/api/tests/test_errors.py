"""What ninja refuses before a view runs is answered in the native error shape: a value of the
wrong type or range (422), a body that is not JSON or not a readable form (400). Every operation
declares the refusals it can answer, so that clients and the fuzzer (test_fuzz.py) can rely on
the OpenAPI document."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.http import Http404
from ninja.errors import HttpError

from territoire.accounts.services import token_create
from territoire.api.api import api
from territoire.lake.models import DatasetLake, IngestJob
from territoire.trust.models import AuditEvent


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def home(settings, tmp_path):
    """An empty lake, where an accepted upload would be stored."""
    settings.TERRITOIRE_HOME = tmp_path
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return tmp_path


def _write_token(user) -> dict:
    _, token = token_create(actor=user, user=user, name="script", scopes=["read", "write"])
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _is_native(body: dict) -> bool:
    return {"error", "message", "message_en"} <= body.keys() and "detail" not in body


@pytest.mark.django_db
def test_a_query_parameter_of_the_wrong_type_is_named_in_both_languages(client):
    response = client.get("/api/v1/datasets", {"limit": "beaucoup"})
    assert response.status_code == 422
    body = response.json()
    assert _is_native(body) and body["error"] == "validation_failed"
    assert body["where"] == "query.limit"
    assert "« limit » doit être un nombre entier" in body["message"]
    assert "parameter 'limit' must be an integer" in body["message_en"]
    assert body["details"] == [
        {
            "loc": ["query", "limit"],
            "type": "int_parsing",
            "msg": "Input should be a valid integer, unable to parse string as an integer",
        }
    ]


@pytest.mark.django_db
def test_every_refused_parameter_is_listed_with_its_bound(client):
    response = client.get("/api/v1/territories", {"limit": "0", "offset": "-3"})
    assert response.status_code == 422
    body = response.json()
    assert body["where"] == "query.limit, query.offset"
    assert "« limit » doit être supérieur ou égal à 1" in body["message"]
    assert "« offset » doit être supérieur ou égal à 0" in body["message"]
    assert "'limit' must be at least 1" in body["message_en"]


@pytest.mark.django_db
def test_a_missing_parameter_says_to_add_it(client):
    # Refused before the view runs: the dataset need not exist.
    response = client.get("/api/v1/datasets/budget/versions/compare", {"from": "1"})
    assert response.status_code == 422
    body = response.json()
    assert body["where"] == "query.to"
    assert "« to » est obligatoire : ajoutez-le" in body["message"]
    assert "'to' is required: add it" in body["message_en"]


@pytest.mark.django_db
def test_a_path_segment_of_the_wrong_type_is_a_native_422(client):
    response = client.get("/api/v1/jobs/premier")
    assert response.status_code == 422
    body = response.json()
    assert _is_native(body) and body["where"] == "path.job_id"
    assert "segment d'adresse « job_id » doit être un nombre entier" in body["message"]


@pytest.mark.django_db
def test_an_unparsable_json_body_is_a_native_400_and_changes_nothing(client, make_dataset, steward):
    dataset = make_dataset()
    headers = _write_token(steward)
    events = AuditEvent.objects.count()
    response = client.put(
        f"/api/v1/datasets/{dataset.slug}/type-overrides",
        '{"overrides": {"nature": "text"},}',
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400
    body = response.json()
    assert _is_native(body) and body["error"] == "invalid_json" and body["where"] == "body"
    assert "pas du JSON valide (ligne 1, colonne 34)" in body["message"]
    assert "not valid JSON" in body["message_en"] and "column 34" in body["message_en"]
    assert not DatasetLake.objects.filter(dataset=dataset).exclude(type_overrides={}).exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_body_that_is_not_utf8_is_a_native_400(client, make_dataset, steward):
    dataset = make_dataset()
    token = _write_token(steward)
    events = AuditEvent.objects.count()
    response = client.put(
        f"/api/v1/datasets/{dataset.slug}/type-overrides",
        '{"overrides": {"libellé": "text"}}'.encode("latin-1"),
        content_type="application/json",
        **token,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_json" and "UTF-8" in body["message"]
    assert not DatasetLake.objects.filter(dataset=dataset).exclude(type_overrides={}).exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ("[]", "body.payload.overrides"),
        ('"texte"', "body.payload.overrides"),
        ('{"overrides": ["nature"]}', "body.payload.overrides"),
        ('{"reload": true}', "body.payload.overrides"),
    ],
)
@pytest.mark.django_db
def test_json_of_the_wrong_shape_is_a_native_422(client, make_dataset, steward, payload, where):
    dataset = make_dataset()
    headers = _write_token(steward)
    events = AuditEvent.objects.count()
    response = client.put(
        f"/api/v1/datasets/{dataset.slug}/type-overrides",
        payload,
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert _is_native(body) and body["where"] == where
    assert "champ JSON" in body["message"] and "JSON field" in body["message_en"]
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_broken_multipart_upload_is_a_native_400_and_stores_nothing(
    client, home, make_dataset, steward
):
    dataset = make_dataset()
    response = client.generic(
        "POST",
        f"/api/v1/datasets/{dataset.slug}/uploads",
        b"--nope\r\nContent-Disposition: form-data; name=file\r\n\r\nx",
        content_type="multipart/form-data",  # no boundary
        **_write_token(steward),
    )
    assert response.status_code == 400
    body = response.json()
    assert _is_native(body) and body["error"] == "invalid_body" and body["where"] == "body"
    assert "multipart/form-data" in body["message"] and "multipart/form-data" in body["message_en"]
    assert not IngestJob.objects.exists()
    assert not [path for path in home.rglob("*") if path.is_file()]


@pytest.mark.django_db
def test_an_upload_without_a_file_names_the_file_field(client, home, make_dataset, steward):
    dataset = make_dataset()
    response = client.post(
        f"/api/v1/datasets/{dataset.slug}/uploads", {"publish": "true"}, **_write_token(steward)
    )
    assert response.status_code == 422
    body = response.json()
    assert body["where"] == "file.file" and "« file » est obligatoire" in body["message"]
    assert not IngestJob.objects.exists()


def test_every_operation_declares_the_refusals_it_can_answer():
    schema = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1")))
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            takes_input = operation.get("parameters") or operation.get("requestBody")
            if takes_input and "422" not in responses:
                missing.append(f"{method.upper()} {path}: 422")
            if "requestBody" in operation and "400" not in responses:
                missing.append(f"{method.upper()} {path}: 400")
            for status, response in responses.items():
                if status.startswith("4"):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
                    if not {"error", "message", "message_en"} <= set(component["required"]):
                        missing.append(f"{method.upper()} {path}: {status} not the native shape")
    assert not missing, missing


@pytest.mark.parametrize("path", ["/api/v1/datasets", "/api/v1/territories"])
@pytest.mark.django_db
def test_an_offset_beyond_64_bits_is_a_422_not_a_500(client, path):
    # Found by the fuzzer: the offset went to the database as is and overflowed it.
    response = client.get(path, {"offset": "41153359855726276640768"})
    assert response.status_code == 422
    body = response.json()
    assert body["where"] == "query.offset"
    assert "« offset » doit être inférieur ou égal à 2147483647" in body["message"]


def test_a_django_404_raised_in_a_view_is_the_native_not_found(rf):
    response = api.on_exception(rf.get("/api/v1/datasets/x"), Http404("x"))
    body = json.loads(response.content)
    assert response.status_code == 404 and _is_native(body) and body["error"] == "not_found"


def test_any_other_refusal_of_ninja_is_in_the_native_shape(rf):
    response = api.on_exception(rf.get("/api/v1/datasets"), HttpError(413, "Payload too large"))
    body = json.loads(response.content)
    assert response.status_code == 413 and _is_native(body) and body["error"] == "http_413"
    assert "Payload too large" in body["message_en"] and "Requête refusée (413)" in body["message"]
