"""The workspace's dataset pages: create and edit every DCAT-AP field through the catalogue's
services, as a steward and as the data officer; what a refusal looks like; who may enter."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from territoire.accounts.models import Membership
from territoire.catalog.models import Dataset, Theme
from territoire.trust.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def themes(db):
    from territoire.catalog.vocabularies import EU_THEMES

    for code, (fr, en) in EU_THEMES.items():
        Theme.objects.get_or_create(code=code, defaults={"label_fr": fr, "label_en": en})


@pytest.fixture
def colleague(service):
    from territoire.accounts.models import User

    user = User.objects.create(
        username="claire", first_name="Claire", last_name="Martin", role="agent"
    )
    Membership.objects.create(user=user, service=service, role="member")
    return user


def _form(service, **values) -> dict:
    data = {
        "title": "Stations de vélos en libre-service",
        "description": "Les stations **Vélomagg** et leur capacité.",
        "publisher_service": service.pk,
        "steward": "",
        "keywords": "vélo, stations, mobilité",
        "themes": ["TRAN", "REGI"],
        "licence": "odbl-1.0",
        "frequency": "MONTHLY",
        "temporal_start": "2024-01-01",
        "temporal_end": "2024-12-31",
        "contact_name": "Direction des mobilités",
        "contact_email": "mobilites@example.fr",
        "landing_page": "https://www.example.fr/velo",
        "access_level": "public",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def test_a_steward_creates_a_dataset_with_every_field(
    client, steward, service, colleague, montpellier
):
    client.force_login(steward)
    page = client.get(reverse("workspace:dataset_new"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Claire Martin" in html  # the steward is chosen among the service's members
    from territoire.territories.models import Territory

    commune = Territory.objects.get(kind="commune", code="34172")
    response = client.post(
        reverse("workspace:dataset_new"),
        _form(service, steward=colleague.pk, territories=[montpellier.pk, commune.pk]),
    )
    dataset = Dataset.objects.get(title="Stations de vélos en libre-service")
    assert response.status_code == 302
    assert response.url == reverse("lake:dataset", args=[dataset.slug]) + "#depot"
    assert dataset.keywords == ["vélo", "stations", "mobilité"]
    assert sorted(dataset.themes.values_list("code", flat=True)) == ["REGI", "TRAN"]
    assert (dataset.licence, dataset.frequency, dataset.access_level) == (
        "odbl-1.0",
        "MONTHLY",
        "public",
    )
    assert dataset.steward == colleague
    assert dataset.publisher == service.organization
    assert str(dataset.temporal_end) == "2024-12-31"
    assert set(dataset.territories.all()) == {montpellier, commune}
    assert dataset.publication_state == "draft"
    created = AuditEvent.objects.get(object_id=str(dataset.pk), action="create")
    assert created.actor == steward


def test_edit_keeps_what_was_typed_and_names_the_wrong_field(
    client, steward, service, make_dataset
):
    dataset = make_dataset("Budget primitif", keywords=["budget"])
    client.force_login(steward)
    url = reverse("workspace:dataset_edit", args=[dataset.slug])
    assert 'value="budget"' in client.get(url).content.decode()
    before = AuditEvent.objects.count()
    response = client.post(
        url,
        _form(
            service,
            title="Budget primitif 2024",
            temporal_start="2024-12-31",
            temporal_end="2024-01-01",
            contact_email="pas-un-courriel",
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Budget primitif 2024"' in html  # what was typed stays
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_contact_email_errors"' in html
    assert 'id="id_contact_email_errors"' in html
    assert AuditEvent.objects.count() == before
    # the service's own rule (start after end) lands on its field
    response = client.post(
        url, _form(service, temporal_start="2024-12-31", temporal_end="2024-01-01")
    )
    assert response.status_code == 400
    assert "La période couverte commence après sa fin." in response.content.decode()
    assert 'aria-describedby="id_temporal_start_errors"' in response.content.decode()
    assert Dataset.objects.get(pk=dataset.pk).title == "Budget primitif"

    response = client.post(url, _form(service, title="Budget primitif 2024"))
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.title == "Budget primitif 2024"
    assert dataset.keywords == ["vélo", "stations", "mobilité"]
    update = (
        AuditEvent.objects.filter(object_id=str(dataset.pk), action="update").order_by("id").last()
    )
    assert update.changes["title"] == ["Budget primitif", "Budget primitif 2024"]


def test_a_json_list_of_keywords_is_read_too(client, steward, service, make_dataset):
    dataset = make_dataset("Budget primitif")
    client.force_login(steward)
    client.post(
        reverse("workspace:dataset_edit", args=[dataset.slug]),
        _form(service, keywords='["budget", "finances", "Budget"]'),
    )
    assert Dataset.objects.get(pk=dataset.pk).keywords == ["budget", "finances"]


def test_a_steward_cannot_name_a_stranger_or_hand_the_dataset_to_another_service(
    client, steward, service, other_service, make_dataset, data_officer
):
    dataset = make_dataset("Budget primitif")
    client.force_login(steward)
    url = reverse("workspace:dataset_edit", args=[dataset.slug])
    response = client.post(url, _form(service, publisher_service=other_service.pk))
    assert response.status_code == 400  # not among the choices
    response = client.post(url, _form(service, steward=data_officer.pk))
    assert response.status_code == 400
    assert Dataset.objects.get(pk=dataset.pk).publisher_service == service


@pytest.mark.parametrize(
    "who, status", [("agent", 403), ("citizen", 403), ("steward", 200), ("data_officer", 200)]
)
def test_who_may_create(roles, who, status):
    client = Client()
    client.force_login(roles[who])
    assert client.get(reverse("workspace:dataset_new")).status_code == status


def test_another_services_dataset_is_not_found(client, steward, other_service, make_dataset, roles):
    dataset = make_dataset("Relevés des compteurs", publisher_service=other_service)
    url = reverse("workspace:dataset_edit", args=[dataset.slug])
    client.force_login(steward)
    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "Piraté"}).status_code == 404
    assert Dataset.objects.get(pk=dataset.pk).title == "Relevés des compteurs"
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login"))


def test_links_back_and_forth_with_the_upload_pages(client, steward, make_dataset):
    dataset = make_dataset("Budget primitif")
    client.force_login(steward)
    edit = reverse("workspace:dataset_edit", args=[dataset.slug])
    lake = reverse("lake:dataset", args=[dataset.slug])
    assert f'href="{lake}#depot"' in client.get(edit).content.decode()
    assert f'href="{edit}"' in client.get(lake).content.decode()
    home = client.get(reverse("lake:home")).content.decode()
    assert reverse("workspace:dataset_new") in home and f'href="{edit}"' in home
