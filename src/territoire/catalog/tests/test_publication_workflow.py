"""The publication workflow (brouillon → soumis → publié, or renvoyé au relais) and the review
rule, through the one publication service and every path to it: services, admin, API,
workspace (/espace/), CLI, ingestion with ``--publish``. Every refusal leaves nothing behind."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from territoire.accounts.services import token_create
from territoire.catalog import selectors, services
from territoire.catalog.models import Dataset
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.lake import services as lake_services
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]
pytestmark = pytest.mark.django_db


def _events(dataset: Dataset) -> list[tuple[str, str, str]]:
    return [
        (e.action, e.get_action_display(), e.reason)
        for e in AuditEvent.objects.filter(
            object_type="catalog.dataset", object_id=str(dataset.pk)
        ).order_by("id")
        if e.action != "create"
    ]


@pytest.fixture
def review_everywhere(data_officer):
    services.publication_review_rule_set(actor=data_officer, review_required=True)


def test_without_review_a_steward_publishes_directly(make_dataset, steward):
    dataset = make_dataset("Budget primitif")
    assert not selectors.publication_review_required(dataset)
    services.dataset_publish(actor=steward, dataset=dataset)
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "published"


def test_with_review_a_steward_submits_and_the_officer_publishes(
    make_dataset, steward, data_officer, review_everywhere
):
    dataset = make_dataset("Budget primitif")
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionRefused, match="soumettez-le"):
        services.dataset_publish(actor=steward, dataset=dataset)
    stored = Dataset.objects.get(pk=dataset.pk)
    assert (stored.is_published, stored.publication_state) == (False, "draft")
    assert AuditEvent.objects.count() == before

    services.dataset_submit(actor=steward, dataset=dataset, comment="Budget voté le 12 avril.")
    stored = Dataset.objects.get(pk=dataset.pk)
    assert (stored.publication_state, stored.submitted_by) == ("submitted", steward)
    with pytest.raises(ValidationFailed, match="déjà soumis"):
        services.dataset_submit(actor=steward, dataset=dataset)

    services.dataset_publish(actor=data_officer, dataset=dataset, reason="Relu.")
    stored = Dataset.objects.get(pk=dataset.pk)
    assert (stored.is_published, stored.publication_state) == (True, "published")
    assert _events(dataset) == [
        ("submit", "soumission pour publication", "Budget voté le 12 avril."),
        ("publish", "publication", "Relu."),
    ]


def test_send_back_needs_the_officer_a_comment_and_a_submission(
    make_dataset, steward, data_officer, review_everywhere
):
    dataset = make_dataset("Budget primitif")
    with pytest.raises(ValidationFailed, match="Seul un jeu de données soumis"):
        services.dataset_send_back(actor=data_officer, dataset=dataset, comment="Titre ?")
    services.dataset_submit(actor=steward, dataset=dataset)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionRefused):
        services.dataset_send_back(actor=steward, dataset=dataset, comment="moi-même")
    with pytest.raises(ValidationFailed, match="commentaire est obligatoire"):
        services.dataset_send_back(actor=data_officer, dataset=dataset, comment="  ")
    assert AuditEvent.objects.count() == before
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "submitted"

    services.dataset_send_back(
        actor=data_officer, dataset=dataset, comment="Précisez la licence et la période."
    )
    stored = Dataset.objects.get(pk=dataset.pk)
    assert (stored.publication_state, stored.review_comment) == (
        "sent_back",
        "Précisez la licence et la période.",
    )
    # The steward fixes and submits again; the comment goes with the new submission.
    services.dataset_submit(actor=steward, dataset=dataset)
    stored = Dataset.objects.get(pk=dataset.pk)
    assert (stored.publication_state, stored.review_comment) == ("submitted", "")
    assert [e[0] for e in _events(dataset)] == ["submit", "send_back", "submit"]


def test_the_service_rule_overrides_the_installation(
    make_dataset, service, other_service, data_officer, steward, settings
):
    finances = make_dataset("Budget primitif")
    water = make_dataset("Relevés des compteurs", publisher_service=other_service)
    settings.TERRITOIRE_PUBLICATION_REVIEW = True
    assert selectors.publication_review_required(finances)
    services.publication_review_rule_set(actor=data_officer, service=service, review_required=False)
    assert not selectors.publication_review_required(finances)
    assert selectors.publication_review_required(water)
    services.publication_review_rule_set(actor=data_officer, review_required=False)
    assert not selectors.publication_review_required(water)
    # « comme l'installation »
    services.publication_review_rule_set(actor=data_officer, service=service, review_required=None)
    services.publication_review_rule_set(actor=data_officer, review_required=True)
    assert selectors.publication_review_required(finances)
    assert AuditEvent.objects.filter(object_type="catalog.publicationreviewrule").count() == 4
    with pytest.raises(PermissionRefused):
        services.publication_review_rule_set(actor=steward, review_required=False)
    assert selectors.publication_review_rule_installation() is True


def test_a_steward_asks_for_a_decision_in_one_click_and_the_decision_answers_it(
    home, make_dataset, steward, data_officer, delibs_csv
):
    dataset = make_dataset("Délibérations du conseil municipal")
    lake_services.dataset_ingest(actor=steward, dataset=dataset, source=delibs_csv)
    with pytest.raises(ValidationFailed, match="données personnelles"):
        services.dataset_publish(actor=steward, dataset=dataset)

    services.personal_data_review_request(actor=steward, dataset=dataset)
    services.personal_data_review_request(actor=steward, dataset=dataset)  # twice: one request
    stored = Dataset.objects.get(pk=dataset.pk)
    assert stored.personal_data_review_requested_by == steward
    requests = AuditEvent.objects.filter(object_id=str(dataset.pk), action="decision_request")
    assert requests.count() == 1
    assert "Elu" in str(requests.get().changes["flagged_columns"][1])

    services.personal_data_decision_record(
        actor=data_officer,
        dataset=dataset,
        decision="publish_as_is",
        reason="Noms des élus : publics.",
    )
    assert Dataset.objects.get(pk=dataset.pk).personal_data_review_requested_at is None
    services.dataset_publish(actor=steward, dataset=dataset)
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "published"


def test_unpublishing_returns_to_draft(make_dataset, data_officer):
    dataset = make_dataset("Budget primitif", publish=True)
    services.dataset_unpublish(actor=data_officer, dataset=dataset)
    stored = Dataset.objects.get(pk=dataset.pk)
    assert (stored.is_published, stored.publication_state) == (False, "draft")


# --- the paths --------------------------------------------------------------------------------


def test_admin_actions_submit_and_refuse_publication_under_review(
    client, make_dataset, steward, review_everywhere
):
    dataset = make_dataset("Budget primitif")
    client.force_login(steward)
    url = reverse("admin:catalog_dataset_changelist")
    client.post(url, {"action": "publish", "_selected_action": [dataset.pk]})
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "draft"
    response = client.post(url, {"action": "submit", "_selected_action": [dataset.pk]}, follow=True)
    assert "1 soumis" in response.content.decode()
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "submitted"


def test_api_publication_steps(make_dataset, steward, data_officer, review_everywhere):
    dataset = make_dataset("Budget primitif")
    _, steward_token = token_create(actor=steward, user=steward, name="t", scopes=["write"])
    _, officer_token = token_create(
        actor=data_officer, user=data_officer, name="t", scopes=["write"]
    )
    url = f"/api/v1/datasets/{dataset.slug}/publication"
    api = Client()

    def post(token, body):
        return api.post(
            url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    refused = post(steward_token, {"action": "publish"})
    assert refused.status_code == 403
    assert "soumettez-le" in refused.json()["message"]
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "draft"
    assert api.post(url, {"action": "submit"}, content_type="application/json").status_code == 401

    answer = post(steward_token, {"action": "submit", "comment": "À relire"})
    assert answer.status_code == 200
    assert answer.json() == {
        "slug": dataset.slug,
        "publication_state": "submitted",
        "is_published": False,
        "review_required": True,
        "review_comment": "",
        "personal_data_review_requested": False,
    }
    assert post(officer_token, {"action": "send_back"}).status_code == 400
    back = post(officer_token, {"action": "send_back", "comment": "Ajoutez la licence."})
    assert back.json()["publication_state"] == "sent_back"
    assert back.json()["review_comment"] == "Ajoutez la licence."
    post(steward_token, {"action": "submit"})
    assert post(officer_token, {"action": "publish"}).json()["is_published"] is True


def test_workspace_buttons_follow_the_rule(client, make_dataset, steward, data_officer):
    dataset = make_dataset("Budget primitif")
    services.publication_review_rule_set(actor=data_officer, review_required=True)
    client.force_login(steward)
    page = client.get(reverse("lake:dataset", args=[dataset.slug])).content.decode()
    assert 'value="submit"' in page and 'value="publish"' not in page
    client.post(reverse("lake:publication", args=[dataset.slug]), {"action": "publish"})
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "draft"
    response = client.post(
        reverse("lake:publication", args=[dataset.slug]),
        {"action": "submit", "comment": "Prêt.", "next": "https://ailleurs.example/"},
    )
    assert response.url == reverse("lake:dataset", args=[dataset.slug]) + "#publication"
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "submitted"
    page = client.get(reverse("lake:dataset", args=[dataset.slug])).content.decode()
    assert "En attente de la relecture" in page and 'name="comment"' not in page

    client.force_login(data_officer)
    page = client.get(reverse("lake:dataset", args=[dataset.slug])).content.decode()
    assert 'value="send_back"' in page
    client.post(
        reverse("lake:publication", args=[dataset.slug]),
        {"action": "send_back", "comment": "Le titre doit dire l'année."},
    )
    client.force_login(steward)
    page = client.get(reverse("lake:dataset", args=[dataset.slug])).content.decode()
    assert "Le titre doit dire l&#x27;année." in page


def test_cli_publication_steps(make_dataset, steward, data_officer, review_everywhere, capsys):
    dataset = make_dataset("Budget primitif")
    with pytest.raises(CommandError, match="soumettez-le"):
        call_command("publication", dataset.slug, "publish", "--as", "steward")
    call_command("publication", dataset.slug, "submit", "--as", "steward", "--comment", "Prêt")
    assert "soumis" in capsys.readouterr().out
    with pytest.raises(CommandError, match="commentaire est obligatoire"):
        call_command("publication", dataset.slug, "send-back")
    call_command("publication", dataset.slug, "publish")
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "published"
    assert [e[0] for e in _events(dataset)] == ["submit", "publish"]


def test_ingestion_with_publish_submits_under_review(
    home, make_dataset, steward, review_everywhere, budget_csv
):
    dataset = make_dataset("Budget primitif")
    report = lake_services.dataset_ingest(
        actor=steward, dataset=dataset, source=budget_csv, publish=True
    )
    assert report.status == "created"
    assert report.published is False
    assert Dataset.objects.get(pk=dataset.pk).publication_state == "submitted"
