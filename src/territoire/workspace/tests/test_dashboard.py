"""The data officer's « pilotage » page and the legal duties: real figures from the catalogue,
the worker's sign of life, failed jobs, publications per month; only for the data officer."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from territoire.catalog import services
from territoire.lake import services as lake_services
from territoire.lake.models import DatasetLake, DatasetVersion, IngestJob, JobStatus, Worker
from territoire.organizations.models import Service
from territoire.workspace.selectors import inventory
from territoire.workspace.selectors.dashboard import dashboard, publications_per_month

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def territory(home, make_dataset, steward, data_officer, budget_csv, other_service):
    """A published monthly budget loaded 40 days ago (late), an internal dataset without data,
    a failed upload; the water service has no relay."""
    budget = make_dataset("Budget primitif", frequency="MONTHLY", steward=steward)
    lake_services.dataset_ingest(actor=steward, dataset=budget, source=budget_csv)
    services.dataset_publish(actor=data_officer, dataset=budget)
    DatasetVersion.objects.filter(dataset=budget).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    internal = make_dataset("Compteurs", access_level="internal", publisher_service=other_service)
    IngestJob.objects.create(
        dataset=internal,
        status=JobStatus.FAILED,
        source_name="compteurs.csv",
        finished_at=timezone.now(),
        created_by=data_officer,
    )
    return budget, internal


@pytest.mark.parametrize(
    "who,status", [("citizen", 403), ("agent", 403), ("steward", 403), ("data_officer", 200)]
)
def test_only_the_data_officer_sees_the_dashboard(client, roles, who, status):
    client.force_login(roles[who])
    for name in ("workspace:dashboard", "workspace:legal_duties"):
        assert client.get(reverse(name)).status_code == status


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("workspace:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_coverage_and_gaps(data_officer, territory, service, other_service):
    budget, internal = territory
    board = dashboard(inventory(data_officer))
    by_service = {line.service.pk: line for line in board.coverage if line.service}
    finances, water = by_service[service.pk], by_service[other_service.pk]
    assert (finances.declared, finances.published, finances.with_steward) == (1, 1, 1)
    assert finances.up_to_date == 0  # late
    assert (water.declared, water.internal, water.with_steward, water.up_to_date) == (1, 1, 0, 0)
    assert board.total.declared == 2
    assert [s.pk for s in board.services_without_relay] == [other_service.pk]
    assert {r.dataset.pk for r in board.overdue} == {budget.pk}
    assert [j.dataset_id for j in board.failed_jobs] == [internal.pk]
    assert board.worker_alive is False


def test_the_page_says_no_worker_runs_then_that_one_does(client, data_officer, territory):
    client.force_login(data_officer)
    page = client.get(reverse("workspace:dashboard")).content.decode()
    assert "Aucun worker actif." in page and "territoire worker" in page
    assert "compteurs.csv" in page and "Direction de l&#x27;eau" in page
    Worker.objects.create(hostname="h", pid=1, heartbeat_at=timezone.now())
    page = client.get(reverse("workspace:dashboard")).content.decode()
    assert "Aucun worker actif." not in page and "est actif" in page


def test_publications_per_month_counts_each_dataset_once_a_month(data_officer, make_dataset):
    dataset = make_dataset("Arbres")
    services.dataset_publish(actor=data_officer, dataset=dataset)
    services.dataset_unpublish(actor=data_officer, dataset=dataset)
    services.dataset_publish(actor=data_officer, dataset=dataset)
    other = make_dataset("Bancs")
    services.dataset_publish(actor=data_officer, dataset=other)
    months = publications_per_month()
    assert len(months) == 12 and months[-1].count == 2 and months[-1].percent == 100
    assert months[-1].month == timezone.localdate().replace(day=1)
    assert sum(m.count for m in months[:-1]) == 0 and months[0].percent == 0


def test_legal_duties_from_the_catalogue(client, data_officer, make_dataset, home):
    deliberations = make_dataset("Délibérations")
    DatasetLake.objects.update_or_create(
        dataset=deliberations, defaults={"schema_ref": "scdl-deliberations"}
    )
    client.force_login(data_officer)
    page = client.get(reverse("workspace:legal_duties")).content.decode()
    assert "CRPA), art. L312-1-1" in page and "décret n° 2016-1922" in page
    deliberations_row = page[page.index('<th scope="row">Délibérations') :]
    deliberations_row = deliberations_row[: deliberations_row.index("</tr>")]
    assert (
        "incomplet" in deliberations_row and "n&#x27;a aucune donnée déposée" in deliberations_row
    )
    subsidies = page[page.index('<th scope="row">Subventions') :]
    subsidies = subsidies[: subsidies.index("</tr>")]
    assert "manquant" in subsidies and "Aucun jeu de données ne déclare ce schéma" in subsidies
    procurement = page[page.index('<th scope="row">Données essentielles') :]
    assert "à vérifier" in procurement[: procurement.index("</tr>")]
    assert "Population inconnue" in page


def _duty_row(page: str, title: str) -> str:
    row = page[page.index(f'<th scope="row">{title}') :]
    return row[: row.index("</tr>")]


def test_a_duty_with_a_population_threshold_binds_only_larger_publishers(
    client, data_officer, make_dataset, organization, montpellier
):
    """The ten highest pay: more than 40,000 inhabitants (CGFP art. L716-1, since 2023); the
    other duties bind the small commune as well."""
    from territoire.territories.models import Territory

    make_dataset("Budget primitif")
    client.force_login(data_officer)
    communes = Territory.objects.filter(kind="commune", population__isnull=False)
    organization.territory = communes.get(code="34172")  # Montpellier, about 300,000
    organization.save()
    page = client.get(reverse("workspace:legal_duties")).content.decode()
    pay = _duty_row(page, "Dix plus hautes rémunérations")
    assert "manquant" in pay and "Aucun jeu de données ne déclare ce schéma" in pay
    assert "Code général de la fonction publique, art. L716-1" in pay

    small = communes.filter(population__lte=40_000).order_by("population").first()
    organization.territory = small
    organization.save()
    page = client.get(reverse("workspace:legal_duties")).content.decode()
    pay = _duty_row(page, "Dix plus hautes rémunérations")
    assert "non concerné" in pay and "40 000" in pay.replace("\u202f", " ").replace("\xa0", " ")
    assert "manquant" in _duty_row(page, "Subventions")  # whatever the population


def test_every_service_even_without_dataset_is_a_coverage_line(data_officer, other_service):
    Service.objects.create(organization=other_service.organization, name="Voirie", slug="voirie")
    board = dashboard(inventory(data_officer))
    assert {line.service.name for line in board.coverage} == {"Voirie", "Direction de l'eau"}
    assert all(line.declared == 0 for line in board.coverage)


def test_a_dataset_that_looks_like_a_duty_without_its_schema_is_incomplete(
    client, data_officer, make_dataset
):
    make_dataset("Subventions aux associations 2024")
    client.force_login(data_officer)
    page = client.get(reverse("workspace:legal_duties")).content.decode()
    subsidies = page[page.index('<th scope="row">Subventions') :]
    subsidies = subsidies[: subsidies.index("</tr>")]
    assert "incomplet" in subsidies and "ne déclare pas le schéma attendu" in subsidies
    assert "scdl-subventions" in subsidies


def test_the_dashboard_query_count_does_not_grow_with_datasets(
    client, data_officer, make_dataset, django_assert_max_num_queries
):
    client.force_login(data_officer)
    make_dataset("Un")
    with django_assert_max_num_queries(30) as first:
        client.get(reverse("workspace:dashboard"))
    for n in range(5):
        make_dataset(f"Jeu {n}", keywords=["x"], themes=["GOVE"])
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("workspace:dashboard"))
