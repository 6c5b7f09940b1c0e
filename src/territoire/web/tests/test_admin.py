"""The back-office (Django admin) for each role: what they see, what they may change, and audit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from territoire.catalog.models import Dataset
from territoire.trust.models import AuditEvent

PAGES = {
    "index": lambda ctx: reverse("admin:index"),
    "datasets": lambda ctx: reverse("admin:catalog_dataset_changelist"),
    "dataset": lambda ctx: reverse("admin:catalog_dataset_change", args=[ctx["dataset"].pk]),
    "territories": lambda ctx: reverse("admin:territories_territory_changelist"),
    "users": lambda ctx: reverse("admin:accounts_user_changelist"),
    "audit": lambda ctx: reverse("admin:trust_auditevent_changelist"),
    "organizations": lambda ctx: reverse("admin:organizations_organization_changelist"),
    "tokens": lambda ctx: reverse("admin:accounts_apitoken_changelist"),
}

# status per role and page: 200 allowed, 302 redirected to login, 403 forbidden
MATRIX = {
    "anonymous": dict.fromkeys(PAGES, 302),
    "citizen": dict.fromkeys(PAGES, 302),
    "reuser": dict.fromkeys(PAGES, 302),
    "agent": {
        "index": 200,
        "datasets": 200,
        "dataset": 200,
        "territories": 200,
        "users": 403,
        "audit": 403,
        "organizations": 200,
        "tokens": 200,
    },
    "steward": {
        "index": 200,
        "datasets": 200,
        "dataset": 200,
        "territories": 200,
        "users": 403,
        "audit": 403,
        "organizations": 200,
        "tokens": 200,
    },
    "data_officer": dict.fromkeys(PAGES, 200),
}


@pytest.mark.parametrize("role", list(MATRIX))
@pytest.mark.django_db
def test_admin_pages_per_role(client, roles, role, make_dataset, montpellier):
    ctx = {"dataset": make_dataset("Budget primitif", access_level="internal")}
    if roles[role]:
        client.force_login(roles[role])
    for page, url in PAGES.items():
        response = client.get(url(ctx))
        assert response.status_code == MATRIX[role][page], (role, page, response.status_code)


@pytest.mark.django_db
def test_admin_is_in_french(client, data_officer):
    client.force_login(data_officer)
    import html as htmllib

    html = htmllib.unescape(client.get(reverse("admin:index")).content.decode())
    assert 'lang="fr"' in html and "Jeux de données" in html and "Journal d'audit" in html


@pytest.mark.django_db
def test_steward_edits_own_dataset_through_admin_and_it_is_audited(
    client, steward, make_dataset, organization, service
):
    dataset = make_dataset("Budget primitif")
    client.force_login(steward)
    url = reverse("admin:catalog_dataset_change", args=[dataset.pk])
    form = {
        "title": "Budget primitif 2014",
        "slug": dataset.slug,
        "description": "",
        "publisher": organization.pk,
        "publisher_service": service.pk,
        "steward": "",
        "contact_name": "",
        "contact_email": "",
        "keywords": "[]",
        "licence": "etalab-2.0",
        "frequency": "ANNUAL",
        "temporal_start": "",
        "temporal_end": "",
        "landing_page": "",
        "access_level": "public",
        "themes": [],
        "territories": [],
        "distributions-TOTAL_FORMS": "0",
        "distributions-INITIAL_FORMS": "0",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    dataset.refresh_from_db()
    assert dataset.title == "Budget primitif 2014"
    event = AuditEvent.objects.filter(
        object_id=str(dataset.pk), action="update", actor=steward
    ).get()
    assert event.changes["title"] == ["Budget primitif", "Budget primitif 2014"]
    assert event.changes["frequency"] == ["UNKNOWN", "ANNUAL"]


@pytest.mark.django_db
def test_steward_cannot_edit_other_service_dataset_in_admin(
    client, steward, make_dataset, other_service, organization
):
    dataset = make_dataset("Eau", publisher_service=other_service)
    client.force_login(steward)
    url = reverse("admin:catalog_dataset_change", args=[dataset.pk])
    response = client.post(
        url, {"title": "Piraté", "slug": dataset.slug, "publisher": organization.pk}
    )
    # another service's dataset is not in a steward's back-office: « n'existe pas », back to the index
    assert (response.status_code, response["Location"]) == (302, reverse("admin:index"))
    assert Dataset.objects.get(pk=dataset.pk).title == "Eau"
    assert not AuditEvent.objects.filter(object_id=str(dataset.pk), action="update").exists()


@pytest.mark.django_db
def test_audit_log_is_read_only_even_for_the_data_officer(client, data_officer, make_dataset):
    make_dataset("Budget")
    event = AuditEvent.objects.first()
    client.force_login(data_officer)
    assert client.get(reverse("admin:trust_auditevent_change", args=[event.pk])).status_code == 200
    assert (
        client.post(
            reverse("admin:trust_auditevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:trust_auditevent_add")).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_token_created_in_admin_is_shown_once(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse("admin:accounts_apitoken_add"),
        {"name": "mon script", "scopes": ["read"], "days": "30"},
        follow=True,
    )
    html = response.content.decode()
    assert "trt_" in html and "plus jamais affiché" in html
    token = agent.api_tokens.get()
    listing = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert token.key_id in listing
    plaintext_secret = html.split("trt_", 1)[1].split()[0].split("_", 1)[1].rstrip("<")
    assert plaintext_secret not in listing


@pytest.mark.django_db
def test_a_plain_member_of_the_service_posts_admin_forms_and_nothing_changes(
    client, agent, make_dataset, organization, service
):
    """An agent belongs to the service but is not its steward: the admin's add and change forms
    are refused to them even when posted directly, and nothing is written or audited."""
    dataset = make_dataset("Budget primitif")
    client.force_login(agent)
    form = {
        "title": "Modifié par un agent",
        "slug": dataset.slug,
        "description": "",
        "publisher": organization.pk,
        "publisher_service": service.pk,
        "steward": "",
        "keywords": "[]",
        "licence": "etalab-2.0",
        "frequency": "ANNUAL",
        "access_level": "public",
        "distributions-TOTAL_FORMS": "0",
        "distributions-INITIAL_FORMS": "0",
    }
    events = AuditEvent.objects.count()
    changed = client.post(reverse("admin:catalog_dataset_change", args=[dataset.pk]), form)
    added = client.post(reverse("admin:catalog_dataset_add"), {**form, "slug": "cree-par-un-agent"})
    file_added = client.post(
        reverse("admin:catalog_distribution_add"),
        {"dataset": dataset.pk, "title": "Fichier d'un agent", "download_url": "https://x.fr/a"},
    )
    for response in (changed, added, file_added):
        assert response.status_code == 403, response.status_code
    assert Dataset.objects.get(pk=dataset.pk).title == "Budget primitif"
    assert not Dataset.objects.filter(slug="cree-par-un-agent").exists()
    assert not dataset.distributions.exists()
    assert AuditEvent.objects.count() == events
