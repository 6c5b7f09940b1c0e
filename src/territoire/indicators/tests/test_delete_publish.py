"""Deleting indicators, evaluations and dashboards, and the data officer's recorded decision to
make a dashboard with non-public indicators public: one service each, through the API (token
scopes, 204/400/403/404 with French and English messages), the workspace and the admin.
Every refusal leaves everything as it was."""

from __future__ import annotations

import datetime as dt

import pytest

from territoire.catalog.models import Dataset
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.indicators import services
from territoire.indicators.models import Dashboard, Evaluation, Indicator
from territoire.trust.models import AuditEvent

from .conftest import DELIB_COUNT
from .test_api import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def internal(delibs, data_officer, service):
    """An indicator on the internal deliberations: internal, its series computed."""
    indicator = services.indicator_create(actor=data_officer, title="Délibérations par mois",
                                          publisher_service=service, definition=DELIB_COUNT)  # fmt: skip
    services.indicator_compute(actor=data_officer, indicator=indicator)
    assert indicator.access_level == "internal" and not indicator.is_public
    return indicator


@pytest.fixture
def board(internal, places, data_officer, service):
    return services.dashboard_create(
        actor=data_officer, title="Mixte", publisher_service=service,
        blocks=[{"kind": "kpi", "indicator": places.slug},
                {"kind": "bar", "indicator": internal.slug}],
    )  # fmt: skip


def _unchanged(before: int) -> None:
    assert AuditEvent.objects.count() == before


# ------------------------------------------------------------------ publication decision


def test_public_dashboard_with_internal_indicator_needs_the_officers_decision(
    client, board, internal, steward, data_officer
):
    before = AuditEvent.objects.count()
    for actor in (steward, data_officer):  # not by a simple change of level, even the officer's
        with pytest.raises(ValidationFailed) as caught:
            services.dashboard_update(actor=actor, dashboard=board, access_level="public")
        assert (
            "décision motivée" in caught.value.message_fr
            and "recorded decision" in caught.value.message_en
        )
    with pytest.raises(PermissionRefused):
        services.dashboard_publish(actor=steward, dashboard=board, reason="Je le veux.")
    with pytest.raises(ValidationFailed) as caught:
        services.dashboard_publish(actor=data_officer, dashboard=board, reason="  ")
    assert caught.value.where == "reason"
    board.refresh_from_db()
    internal.refresh_from_db()
    assert board.access_level == "internal" and board.published_at is None
    assert not internal.is_public
    _unchanged(before)
    assert client.get(f"/tableaux-de-bord/{board.slug}/").status_code == 404

    services.dashboard_publish(
        actor=data_officer, dashboard=board, reason="Agrégats mensuels, sans nom."
    )
    board.refresh_from_db()
    internal.refresh_from_db()
    assert board.access_level == "public" and board.published_by == data_officer
    assert (
        board.published_at is not None
        and board.publication_reason == "Agrégats mensuels, sans nom."
    )
    assert internal.is_public and internal.publication_reason == "Agrégats mensuels, sans nom."
    event = AuditEvent.objects.filter(action="publish", object_type="indicators.dashboard").get()
    assert event.actor == data_officer and event.reason == "Agrégats mensuels, sans nom."
    assert event.changes["indicators_published"] == [None, [internal.slug]]
    assert AuditEvent.objects.filter(
        action="publish", object_type="indicators.indicator", object_id=str(internal.pk)
    ).exists()
    html = client.get(f"/tableaux-de-bord/{board.slug}/").content.decode()
    assert internal.title in html  # the public now sees the block
    # Back to internal: the decision no longer holds; a new publication is a new decision.
    services.dashboard_update(actor=steward, dashboard=board, access_level="internal")
    board.refresh_from_db()
    assert board.published_at is None and board.publication_reason == ""


def test_publication_through_the_api(client, board, internal, steward, data_officer):
    url = f"/api/v1/dashboards/{board.slug}/publish"
    steward_token, officer_token = bearer(steward), bearer(data_officer)
    officer_read = bearer(data_officer, ("read",))
    before = AuditEvent.objects.count()
    response = client.patch(f"/api/v1/dashboards/{board.slug}", {"access_level": "public"},
                            content_type="application/json", **steward_token)  # fmt: skip
    assert response.status_code == 400 and "décision" in response.json()["message"]
    assert "decision" in response.json()["message_en"]
    response = client.post(url, {"reason": "motif"}, content_type="application/json",
                           **steward_token)  # fmt: skip
    assert response.status_code == 403 and response.json()["message_en"]
    response = client.post(url, {"reason": "motif"}, content_type="application/json",
                           **officer_read)  # fmt: skip
    assert response.status_code in (401, 403)
    response = client.post(url, {"reason": ""}, content_type="application/json",
                           **officer_token)  # fmt: skip
    assert response.status_code == 400
    _unchanged(before)
    response = client.post(url, {"reason": "Décision du 4 décembre"}, content_type="application/json",
                           **officer_token)  # fmt: skip
    assert response.status_code == 200, response.content
    data = response.json()
    assert (
        data["access_level"] == "public" and data["publication_reason"] == "Décision du 4 décembre"
    )
    assert data["published_at"]
    public = client.get(f"/api/v1/dashboards/{board.slug}").json()  # anonymous now
    assert [t["indicator"] for t in public["tiles"]] == [t["indicator"] for t in data["tiles"]]


def test_publication_through_the_workspace(client, board, internal, steward, data_officer):
    url = f"/espace/tableaux-de-bord/{board.slug}/publication/"
    client.force_login(steward)
    page = client.get(f"/espace/tableaux-de-bord/{board.slug}/").content.decode()
    assert url not in page  # the steward does not see the decision's form
    assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(data_officer)
    page = client.get(f"/espace/tableaux-de-bord/{board.slug}/").content.decode()
    assert url in page and internal.title in page
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "Donnez le motif" in response.content.decode()
    assert Dashboard.objects.get(pk=board.pk).access_level == "internal"
    response = client.post(url, {"reason": "Décision en comité"})
    assert response.status_code == 302
    board.refresh_from_db()
    assert board.access_level == "public" and board.publication_reason == "Décision en comité"


def test_publication_through_the_admin(client, board, internal, data_officer):
    client.force_login(data_officer)
    url = f"/admin/indicators/dashboard/{board.pk}/change/"
    assert client.get(url).status_code == 200
    form = {"title": board.title, "description": "", "access_level": "public",
            "publication_reason": ""}  # fmt: skip
    response = client.post(url, form, follow=True)
    assert "Donnez le motif" in response.content.decode()
    board.refresh_from_db()
    assert board.access_level == "internal"
    client.post(url, {**form, "publication_reason": "Décision de l'administration"})
    board.refresh_from_db()
    internal.refresh_from_db()
    assert board.access_level == "public" and board.published_by == data_officer
    assert internal.is_public


# ------------------------------------------------------------------ deletes


def test_delete_indicator_refused_while_used_then_deleted_with_its_series(
    client, board, internal, data_officer, steward
):
    evaluation = services.evaluation_create(actor=data_officer, indicator=internal, title="Effet",
                                            intervention_date=dt.date(2013, 12, 1), treated=["34001"])  # fmt: skip
    series_pk = internal.series.pk
    steward_token, officer_token = bearer(steward), bearer(data_officer)
    before = AuditEvent.objects.count()
    response = client.delete(f"/api/v1/indicators/{internal.slug}", **steward_token)
    assert response.status_code == 403 and response.json()["message"].startswith("Seul")
    response = client.delete(f"/api/v1/indicators/{internal.slug}", **officer_token)
    assert response.status_code == 400
    message = response.json()["message"]
    assert "tableau de bord « Mixte »" in message and "évaluation « Effet »" in message
    assert "dashboard 'Mixte'" in response.json()["message_en"]
    assert Indicator.objects.filter(pk=internal.pk).exists()
    _unchanged(before)
    assert (
        client.delete(f"/api/v1/evaluations/{evaluation.slug}", **steward_token).status_code == 204
    )
    assert not Evaluation.objects.filter(pk=evaluation.pk).exists()
    assert client.delete(f"/api/v1/dashboards/{board.slug}", **steward_token).status_code == 204
    assert not Dashboard.objects.filter(pk=board.pk).exists()
    event = AuditEvent.objects.get(action="delete", object_type="indicators.dashboard")
    assert event.changes["blocks"][0][1]["indicator"] == internal.slug
    response = client.delete(
        f"/api/v1/indicators/{internal.slug}?reason=doublon", **bearer(data_officer)
    )
    assert response.status_code == 204
    assert not Indicator.objects.filter(pk=internal.pk).exists()
    assert not Dataset.objects.filter(pk=series_pk).exists()
    assert (
        AuditEvent.objects.get(action="delete", object_type="indicators.indicator").reason
        == "doublon"
    )
    response = client.delete(f"/api/v1/indicators/{internal.slug}", **officer_token)
    assert response.status_code == 404 and response.json()["message_en"]


def test_delete_matrix(client, board, internal, data_officer, steward, agent, citizen):
    """Anonymous: 401; citizen: 404 (does not see it); agent: 403; read token: refused;
    steward: 204 for dashboards and evaluations."""
    url = f"/api/v1/dashboards/{board.slug}"
    tokens = [bearer(citizen), bearer(agent), bearer(steward, ("read",)), bearer(steward)]
    before = AuditEvent.objects.count()
    assert client.delete(url).status_code == 401
    assert client.delete(url, **tokens[0]).status_code == 404
    assert client.delete(url, **tokens[1]).status_code == 403
    assert client.delete(url, **tokens[2]).status_code in (401, 403)
    _unchanged(before)
    assert Dashboard.objects.filter(pk=board.pk).exists()
    assert client.delete(url, **tokens[3]).status_code == 204


def test_delete_through_the_workspace_with_confirmation(client, board, steward, agent):
    url = f"/espace/tableaux-de-bord/{board.slug}/suppression/"
    client.force_login(agent)
    assert client.get(url).status_code in (403, 404)
    client.force_login(steward)
    page = client.get(url)
    assert page.status_code == 200 and "Supprimer le tableau de bord" in page.content.decode()
    assert Dashboard.objects.filter(pk=board.pk).exists()  # asking is not deleting
    response = client.post(url, {"reason": "remplacé"})
    assert response.status_code == 302
    assert not Dashboard.objects.filter(pk=board.pk).exists()
    assert (
        AuditEvent.objects.get(action="delete", object_type="indicators.dashboard").reason
        == "remplacé"
    )


def test_delete_through_the_admin_goes_through_the_service(client, board, internal, data_officer):
    client.force_login(data_officer)
    response = client.post(f"/admin/indicators/indicator/{internal.pk}/delete/", {"post": "yes"},
                           follow=True)  # fmt: skip
    assert "tableau de bord « Mixte »" in response.content.decode()
    assert Indicator.objects.filter(pk=internal.pk).exists()
    client.post(f"/admin/indicators/dashboard/{board.pk}/delete/", {"post": "yes"})
    assert not Dashboard.objects.filter(pk=board.pk).exists()
    assert (
        AuditEvent.objects.filter(action="delete", object_type="indicators.dashboard").count() == 1
    )
