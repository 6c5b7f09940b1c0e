"""« Qui a consulté ces données », the built-in guide, the queued-upload hint on the dataset page,
and the demo's staff side."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from territoire.accounts.models import Membership, User
from territoire.catalog import services as catalog_services
from territoire.catalog.models import ColumnDescription, Dataset
from territoire.lake import services as lake_services
from territoire.lake.models import IngestJob
from territoire.organizations.models import Service
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]
pytestmark = pytest.mark.django_db


def test_the_steward_sees_who_read_a_non_public_dataset(client, make_dataset, steward, agent):
    dataset = make_dataset("Compteurs", access_level="internal", steward=steward)
    catalog_services.dataset_read_record(actor=agent, dataset=dataset, channel="api/v1")
    client.force_login(steward)
    page = client.get(reverse("workspace:dataset_reads", args=[dataset.slug])).content.decode()
    assert "1 consultation" in page and ">agent</th>" in page and "api/v1" in page


@pytest.mark.parametrize("who", ["agent", "citizen"])
def test_others_get_not_found(client, make_dataset, roles, who):
    dataset = make_dataset("Compteurs", access_level="internal")
    client.force_login(roles[who])
    assert client.get(reverse("workspace:dataset_reads", args=[dataset.slug])).status_code == 404


def test_a_public_dataset_says_its_reads_are_not_logged(client, make_dataset, data_officer):
    dataset = make_dataset("Budget", publish=True)
    client.force_login(data_officer)
    page = client.get(reverse("workspace:dataset_reads", args=[dataset.slug])).content.decode()
    assert "ses lectures ne sont pas journalisées" in page


@pytest.mark.parametrize("page", ["", "roles", "parcours", "donnees-personnelles", "obligations"])
def test_guide_pages(client, agent, page):
    client.force_login(agent)
    url = reverse("workspace:guide_page", args=[page]) if page else reverse("workspace:guide")
    response = client.get(url)
    assert response.status_code == 200 and "Guide de l" in response.content.decode()


def test_guide_is_for_agents_and_knows_its_pages(client, agent, citizen):
    client.force_login(agent)
    assert client.get(reverse("workspace:guide_page", args=["inconnue"])).status_code == 404
    client.force_login(citizen)
    assert client.get(reverse("workspace:guide")).status_code == 403


def test_a_queued_upload_says_no_worker_runs(client, home, make_dataset, data_officer):
    dataset = make_dataset("Budget")
    IngestJob.objects.create(dataset=dataset, created_by=data_officer)
    client.force_login(data_officer)
    page = client.get(reverse("lake:dataset", args=[dataset.slug])).content.decode()
    assert "aucun worker actif" in page and "territoire worker" in page


def test_demo_staff_side(home, make_dataset, data_officer, organization, budget_csv):
    from territoire.demo.workspace import demo_workspace

    services = {
        slug: Service.objects.create(organization=organization, name=slug, slug=slug)
        for slug in ("eau", "mobilites", "sante-prevention", "social")
    }
    budget = make_dataset(
        "Budget primitif 2014", slug="budget-primitif-2014", publisher_service=services["eau"]
    )
    lake_services.dataset_ingest(actor=data_officer, dataset=budget, source=budget_csv)
    make_dataset("Aides", publisher_service=services["social"])
    relays = demo_workspace(officer=data_officer, services=services, password="x" * 16)
    assert sorted(relays) == ["relais-eau", "relais-sante", "relais-social"]
    assert not Dataset.objects.filter(steward__isnull=True).exists()
    assert not Membership.objects.filter(service=services["mobilites"]).exists()
    labels = dict(ColumnDescription.objects.filter(dataset=budget).values_list("column", "label"))
    assert labels["bp"] == "Montant voté" and len(labels) >= 7
    events = AuditEvent.objects.count()
    demo_workspace(officer=data_officer, services=services, password="x" * 16)
    assert AuditEvent.objects.count() == events  # building again changes nothing


def test_demo_dashboard_shows_real_gaps(home, client):
    """What the issue asks of the demo's pilotage: a late dataset, a missing legal dataset and
    a service without a relay, on the pages the data officer reads."""
    from territoire.demo.services import demo_build

    demo_build(password="un mot de passe de démo solide")
    client.force_login(User.objects.get(username="admin"))
    with translation.override("fr"):
        pilotage = client.get(reverse("workspace:dashboard"))
        duties = client.get(reverse("workspace:legal_duties"))
    assert pilotage.status_code == 200 and duties.status_code == 200
    page = pilotage.content.decode()
    late = page[page.index('id="retards"') : page.index('id="attente"')]
    assert "Comptages mensuels des vélos" in late  # monthly, never loaded
    without_relay = page[page.index('id="sans-relais"') : page.index('id="retards"')]
    assert "Direction des mobilités" in without_relay
    page = duties.content.decode()
    city = page[page.index(">Ville de Montpellier</h2>") :]
    city = city[: city.index("</section>")]
    for duty in ("Subventions de plus de 23 000 €", "Dix plus hautes rémunérations"):
        row = city[city.index(f'<th scope="row">{duty}') :]
        row = row[: row.index("</tr>")]
        assert 'class="duty-missing"' in row and "Aucun jeu de données ne déclare" in row, duty
