"""The native API: create, change and recompute indicators with a write token (the steward
rule), evaluations and dashboards; refusals change nothing."""

from __future__ import annotations

import pytest

from territoire.accounts.services import token_create
from territoire.indicators.models import Dashboard, Indicator
from territoire.trust.models import AuditEvent

from .conftest import DELIB_COUNT

pytestmark = pytest.mark.django_db


def bearer(user, scopes=("write",)) -> dict:
    _, plaintext = token_create(actor=user, user=user, name="t", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def body(**extra) -> dict:
    return {"title": "Délibérations par mois", "service": "ville-de-montpellier/finances",
            "definition": DELIB_COUNT, **extra}  # fmt: skip


@pytest.fixture
def org_slug(service):
    assert service.organization.slug == "ville-de-montpellier", service.organization.slug
    return service


def test_steward_creates_updates_and_recomputes(client, delibs, steward, org_slug):
    response = client.post(
        "/api/v1/indicators", body(), content_type="application/json", **bearer(steward)
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "ok" and data["last_run"]["status"] == "created"
    assert data["series"] == "indicateur-delibrations-par-mois" or data["series"].startswith(
        "indicateur-"
    )
    records = client.get(f"/api/v1/datasets/{data['series']}/records", **bearer(steward, ("read",)))
    assert records.status_code == 200 and records.json()["total_count"] == 2
    quarter = {**DELIB_COUNT, "period": {"column": "date_cm", "truncate": "quarter"}}
    response = client.patch(f"/api/v1/indicators/{data['slug']}", {"definition": quarter},
                            content_type="application/json", **bearer(steward))  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["definition_version"] == 2
    assert response.json()["last_run"]["series_version"] == 2
    response = client.post(f"/api/v1/indicators/{data['slug']}/compute", **bearer(steward))
    assert response.status_code == 200 and response.json()["last_run"]["status"] == "unchanged"


def test_refusals_write_nothing(client, delibs, steward, agent, citizen, org_slug):
    tokens = {u.username: bearer(u) for u in (steward, agent, citizen)}
    read_only = bearer(steward, ("read",))
    before = AuditEvent.objects.count()
    bad = {**DELIB_COUNT, "measure": {"kind": "sum", "column": "absente"}}
    response = client.post("/api/v1/indicators", body(definition=bad), content_type="application/json",
                           **tokens["steward"])  # fmt: skip
    assert response.status_code == 400 and response.json()["where"] == "measure.column"
    assert "absente" in response.json()["message"] and "message_en" in response.json()
    for user in (agent, citizen):  # not stewards of the service
        response = client.post("/api/v1/indicators", body(), content_type="application/json",
                               **tokens[user.username])  # fmt: skip
        assert response.status_code == 403, response.content
    response = client.post("/api/v1/indicators", body(), content_type="application/json")
    assert response.status_code == 401
    response = client.post(
        "/api/v1/indicators", body(), content_type="application/json", **read_only
    )
    assert response.status_code == 401
    assert not Indicator.objects.exists() and AuditEvent.objects.count() == before


def test_internal_indicator_is_not_found_for_the_public(client, delibs, steward, org_slug):
    client.post("/api/v1/indicators", body(), content_type="application/json", **bearer(steward))
    slug = Indicator.objects.get().slug
    assert client.get(f"/api/v1/indicators/{slug}").status_code == 404
    assert client.get("/api/v1/indicators").json() == []
    assert client.get(f"/api/v1/indicators/{slug}", **bearer(steward, ("read",))).status_code == 200


def test_dashboard_and_evaluation_through_the_api(client, delibs, steward, org_slug):
    from territoire.territories.models import Territory

    Territory.objects.create(kind="commune", code="34172", name="Montpellier")
    client.post("/api/v1/indicators", body(), content_type="application/json", **bearer(steward))
    slug = Indicator.objects.get().slug
    response = client.post("/api/v1/dashboards", {"title": "Assemblées", "service": "ville-de-montpellier/finances",
                           "indicators": [slug], "access_level": "public"},
                           content_type="application/json", **bearer(steward))  # fmt: skip
    assert response.status_code == 400 and response.json()["where"] == "indicators"  # not public
    assert not Dashboard.objects.exists()
    response = client.post("/api/v1/dashboards", {"title": "Assemblées", "service": "ville-de-montpellier/finances",
                           "indicators": [slug]}, content_type="application/json", **bearer(steward))  # fmt: skip
    assert response.status_code == 201, response.content
    tile = response.json()["tiles"][0]
    assert tile["indicator"] == slug and tile["value"] == 58 and tile["period"] == "2013-12"
    assert client.get("/api/v1/dashboards/assemblees").status_code == 404  # internal
    response = client.post("/api/v1/evaluations", {"indicator": slug, "title": "Séances courtes",
                           "intervention_date": "2013-12-01", "treated": ["34172"]},
                           content_type="application/json", **bearer(steward))  # fmt: skip
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["treated_means"] == {"before": 102.0, "after": 58.0, "change": -44.0}
    assert data["estimate"] is None and "Sans territoire de comparaison" in data["sentence_fr"]
    response = client.patch(f"/api/v1/evaluations/{data['slug']}", {"comparison": ["34172"]},
                            content_type="application/json", **bearer(steward))  # fmt: skip
    assert response.status_code == 400 and response.json()["where"] == "comparison"
    response = client.patch(f"/api/v1/evaluations/{data['slug']}", {"title": "Séances plus courtes"},
                            content_type="application/json", **bearer(steward))  # fmt: skip
    assert response.status_code == 200 and response.json()["title"] == "Séances plus courtes"


# role -> (may create an indicator of the service, sees the internal indicator and dashboard)
MATRIX = {
    "anonymous": (401, False),
    "citizen": (403, False),
    "agent": (403, True),
    "steward": (201, True),
    "data_officer": (201, True),
}


@pytest.mark.parametrize("role", list(MATRIX))
def test_authorisation_matrix(
    client, delibs, org_slug, steward, agent, citizen, data_officer, role
):
    users = {"anonymous": None, "citizen": citizen, "agent": agent, "steward": steward,
             "data_officer": data_officer}  # fmt: skip
    internal = client.post(
        "/api/v1/indicators", body(), content_type="application/json", **bearer(steward)
    )
    slug = internal.json()["slug"]
    client.post("/api/v1/dashboards", {"title": "Interne", "service": "ville-de-montpellier/finances",
                "indicators": [slug]}, content_type="application/json", **bearer(steward))  # fmt: skip
    user = users[role]
    write = bearer(user) if user else {}
    read = bearer(user, ("read",)) if user else {}
    created, sees = MATRIX[role]
    response = client.post(
        "/api/v1/indicators", body(title="Autre"), content_type="application/json", **write
    )
    assert response.status_code == created, (role, response.content)
    status = 200 if sees else 404
    assert client.get(f"/api/v1/indicators/{slug}", **read).status_code == status
    assert client.get("/api/v1/dashboards/interne", **read).status_code == status
    assert client.get(f"/indicateurs/{slug}/comparaison/").status_code == 404  # anonymous portal
    compute = client.post(f"/api/v1/indicators/{slug}/compute", **write)
    assert compute.status_code == {"anonymous": 401, "citizen": 404, "agent": 403}.get(role, 200), (
        role
    )
