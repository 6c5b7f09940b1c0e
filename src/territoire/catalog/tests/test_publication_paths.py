"""Every path that can change ``is_published`` goes through the one publication service and its
personal-data gate: the admin form and its actions, the API upload with ``publish``, the
services' own arguments. (The back-office buttons: lake/tests/test_backoffice.py; the CLI's
``--publish``: lake/tests/test_cli.py; the demo: lake/tests/test_ingest_service.py.)"""

from __future__ import annotations

import html

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from territoire.accounts.services import token_create
from territoire.catalog import services
from territoire.catalog.models import Dataset
from territoire.core.errors import ValidationFailed
from territoire.lake import services as lake_services
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]
pytestmark = pytest.mark.django_db


def _change_form(dataset: Dataset, **values) -> dict:
    """The admin change form of a dataset as a browser posts it."""
    return {
        "title": dataset.title,
        "description": dataset.description,
        "publisher": dataset.publisher_id,
        "publisher_service": dataset.publisher_service_id or "",
        "steward": "",
        "contact_name": "",
        "contact_email": "",
        "keywords": "[]",
        "licence": dataset.licence,
        "frequency": dataset.frequency,
        "temporal_start": "",
        "temporal_end": "",
        "landing_page": "",
        "access_level": dataset.access_level,
        "themes": [],
        "territories": [],
        "distributions-TOTAL_FORMS": "0",
        "distributions-INITIAL_FORMS": "0",
        **values,
    }


def _publications(dataset: Dataset) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_id=str(dataset.pk), action__in=["publish", "unpublish"]
        ).values_list("action", flat=True)
    )


@pytest.fixture
def deliberations(home, make_dataset, steward, data_officer, delibs_csv):
    """The council deliberations: its « Elu(s) » column holds names, flagged as personal data,
    and the data officer decided « garder privé »."""
    dataset = make_dataset("Délibérations du conseil municipal")
    report = lake_services.dataset_ingest(actor=steward, dataset=dataset, source=delibs_csv)
    assert any(f["kind"] == "person_name" for f in report.personal_data)
    services.personal_data_decision_record(
        actor=data_officer, dataset=dataset, decision="keep_private", reason="Avis du DPO."
    )
    return dataset


def test_ticking_published_in_the_admin_form_publishes_nothing(client, deliberations, steward):
    """The reported bypass: after « garder privé », a steward ticked « Publié » in the admin."""
    client.force_login(steward)
    url = reverse("admin:catalog_dataset_change", args=[deliberations.pk])
    assert 'name="is_published"' not in client.get(url).content.decode()
    response = client.post(
        url, _change_form(deliberations, is_published="on", description="Séances 2014")
    )
    assert response.status_code == 302
    deliberations.refresh_from_db()
    assert deliberations.description == "Séances 2014", "the rest of the form is saved"
    assert not deliberations.is_published and deliberations.published_at is None
    assert _publications(deliberations) == []
    assert Client().get(f"/jeux-de-donnees/{deliberations.slug}/").status_code == 404
    assert Client().get(f"/api/v1/datasets/{deliberations.slug}/records").status_code == 404


def test_admin_actions_publish_through_the_gate_and_are_audited(
    client, deliberations, steward, data_officer
):
    client.force_login(steward)
    changelist = reverse("admin:catalog_dataset_changelist")
    refused = client.post(
        changelist,
        {"action": "publish", "_selected_action": [deliberations.pk]},
        follow=True,
    )
    assert "Publication impossible" in html.unescape(refused.content.decode())
    deliberations.refresh_from_db()
    assert not deliberations.is_published and _publications(deliberations) == []

    services.personal_data_decision_record(
        actor=data_officer,
        dataset=deliberations,
        decision="publish_as_is",
        reason="Élus rapporteurs dans l'exercice de leur mandat (CGCT L2131-1).",
    )
    client.post(changelist, {"action": "publish", "_selected_action": [deliberations.pk]})
    deliberations.refresh_from_db()
    assert deliberations.is_published
    client.post(changelist, {"action": "unpublish", "_selected_action": [deliberations.pk]})
    deliberations.refresh_from_db()
    assert not deliberations.is_published
    events = AuditEvent.objects.filter(
        object_id=str(deliberations.pk), action__in=["publish", "unpublish"]
    ).order_by("id")
    assert [(e.get_action_display(), e.actor, e.reason) for e in events] == [
        ("publication", steward, "administration"),
        ("dépublication", steward, "administration"),
    ]


def test_an_api_upload_with_publish_goes_through_the_gate(
    client, home, make_dataset, steward, delibs_csv, settings
):
    settings.TERRITOIRE_API_RATE = "100000/60"
    dataset = make_dataset("Délibérations")
    _, plaintext = token_create(actor=steward, user=steward, name="t", scopes=["read", "write"])
    headers = {"Authorization": f"Bearer {plaintext}"}
    with delibs_csv.open("rb") as handle:
        accepted = client.post(
            f"/api/v1/datasets/{dataset.slug}/uploads",
            {"file": handle, "publish": "true"},
            headers=headers,
        )
    assert accepted.status_code == 202
    job = client.get(accepted.json()["status_url"], headers=headers).json()
    assert job["report"]["published"] is False
    assert job["report"]["errors"][-1]["code"] == "publication_refused"
    dataset.refresh_from_db()
    assert not dataset.is_published and _publications(dataset) == []


def test_services_take_no_is_published_argument(make_dataset, data_officer, organization):
    dataset = make_dataset("Budget")
    with pytest.raises(ValidationFailed, match="is_published"):
        services.dataset_update(actor=data_officer, dataset=dataset, is_published=True)
    with pytest.raises(ValidationFailed, match="is_published"):
        services.dataset_create(
            actor=data_officer, title="Autre", publisher=organization, is_published=True
        )
    dataset.refresh_from_db()
    assert not dataset.is_published and not Dataset.objects.filter(title="Autre").exists()


def test_a_published_dataset_cannot_become_personal_explained_not_a_crash(
    client, make_dataset, data_officer
):
    """The database refuses it too (a check constraint); the service says why before."""
    dataset = make_dataset("Budget", publish=True)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        services.dataset_update(actor=data_officer, dataset=dataset, access_level="personal")
    assert refused.value.where == "access_level" and refused.value.status == 400
    assert "dépubliez-le d'abord" in refused.value.message_fr

    client.force_login(data_officer)
    url = reverse("admin:catalog_dataset_change", args=[dataset.pk])
    response = client.post(url, _change_form(dataset, access_level="personal"), follow=True)
    assert response.status_code == 200
    assert "dépubliez-le d'abord" in html.unescape(response.content.decode())
    dataset.refresh_from_db()
    assert dataset.access_level == "public" and dataset.is_published
    assert AuditEvent.objects.count() == events


def test_the_database_constraint_is_still_there(make_dataset):
    """The service's refusal is the explanation; the constraint stays the last line."""
    dataset = make_dataset("Budget", publish=True)
    with pytest.raises(IntegrityError):
        Dataset.objects.filter(pk=dataset.pk).update(access_level="personal")
