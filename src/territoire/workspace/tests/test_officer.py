"""The data officer's tools: queues, inventory and its gaps, steward assignment, review rule,
inventory and audit exports; only for the data officer."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from territoire.catalog import selectors as catalog_selectors
from territoire.catalog import services
from territoire.catalog.models import Dataset
from territoire.lake import services as lake_services
from territoire.lake.models import DatasetVersion
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]
pytestmark = pytest.mark.django_db


def _csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))


@pytest.fixture
def city(home, make_dataset, steward, data_officer, delibs_csv, budget_csv):
    """Three datasets: deliberations (names flagged, decision asked), a monthly budget last
    loaded 40 days ago, and an inventoried dataset without steward nor data."""
    delibs = make_dataset("Délibérations du conseil municipal", steward=steward)
    lake_services.dataset_ingest(actor=steward, dataset=delibs, source=delibs_csv)
    services.personal_data_review_request(actor=steward, dataset=delibs)
    budget = make_dataset("Budget primitif", frequency="MONTHLY", steward=steward)
    lake_services.dataset_ingest(actor=steward, dataset=budget, source=budget_csv)
    DatasetVersion.objects.filter(dataset=budget).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    services.dataset_submit(actor=steward, dataset=budget, comment="À relire")
    orphan = make_dataset("Arbres d'alignement", frequency="ANNUAL")
    return delibs, budget, orphan


def test_dashboard_queues(client, data_officer, city):
    delibs, budget, _orphan = city
    client.force_login(data_officer)
    page = client.get(reverse("workspace:officer_home")).content.decode()
    decisions = page[page.index('id="decisions"') : page.index('id="soumis"')]
    assert "Délibérations du conseil municipal" in decisions and "demandée par steward" in decisions
    submitted = page[page.index('id="soumis"') : page.index('id="relecture"')]
    assert "Budget primitif" in submitted and "Délibérations" not in submitted


def test_inventory_gaps_and_filters(client, data_officer, city):
    delibs, budget, orphan = city
    client.force_login(data_officer)
    url = reverse("workspace:officer_datasets")

    def titles(filtre):
        html = client.get(url, {"filtre": filtre}).content.decode()
        return {d.title for d in (delibs, budget, orphan) if d.title.replace("'", "&#x27;") in html}

    assert titles("signales") == {delibs.title}
    assert titles("a-decider") == {delibs.title}
    assert titles("en-retard") == {budget.title, orphan.title}  # late; never loaded
    assert titles("sans-relais") == {orphan.title}
    assert titles("soumis") == {budget.title}
    page = client.get(url).content.decode()
    assert "Données personnelles signalées" in page


def test_inventory_csv(client, data_officer, city):
    client.force_login(data_officer)
    rows = _csv(client.get(reverse("workspace:officer_datasets"), {"format": "csv"}))
    by_title = {r["titre"]: r for r in rows}
    assert set(by_title) == {
        "Délibérations du conseil municipal",
        "Budget primitif",
        "Arbres d'alignement",
    }
    assert by_title["Budget primitif"]["mise à jour en retard"] == "oui"
    assert (
        by_title["Budget primitif"]["état de publication"]
        == "soumis à l'administrateur des données"
    )
    assert "Elu" in by_title["Délibérations du conseil municipal"]["données personnelles signalées"]
    assert by_title["Arbres d'alignement"]["relais données"] == ""


def test_assign_a_steward_among_the_services_members(client, data_officer, steward, city):
    _d, _b, orphan = city
    client.force_login(data_officer)
    page = client.get(reverse("workspace:officer_datasets"), {"filtre": "sans-relais"})
    assert f'id="relais-{orphan.pk}"' in page.content.decode()
    response = client.post(
        reverse("workspace:officer_assign_steward", args=[orphan.slug]),
        {"steward": steward.pk, "query": "filtre=sans-relais"},
    )
    assert response.url == reverse("workspace:officer_datasets") + "?filtre=sans-relais"
    assert Dataset.objects.get(pk=orphan.pk).steward == steward
    event = AuditEvent.objects.filter(object_id=str(orphan.pk), action="update").first()
    assert event.changes["steward"] == [None, steward.pk]
    audit = client.get(reverse("workspace:officer_audit"), {"what": orphan.title}).content.decode()
    assert f"relais données : — → {steward}" in audit


def test_assigning_a_stranger_is_refused(client, data_officer, citizen, city):
    _d, _b, orphan = city
    client.force_login(data_officer)
    client.post(
        reverse("workspace:officer_assign_steward", args=[orphan.slug]), {"steward": citizen.pk}
    )
    assert Dataset.objects.get(pk=orphan.pk).steward is None


def test_review_rules_form(client, data_officer, service, other_service, make_dataset):
    client.force_login(data_officer)
    client.post(
        reverse("workspace:officer_review_rules"),
        {"installation": "no", f"service_{service.pk}": "yes", f"service_{other_service.pk}": ""},
    )
    finances = make_dataset("Budget primitif")
    water = make_dataset("Compteurs", publisher_service=other_service)
    assert catalog_selectors.publication_review_required(finances)
    assert not catalog_selectors.publication_review_required(water)
    page = client.get(reverse("workspace:officer_home")).content.decode()
    assert '<option value="yes" selected>oui</option>' in page


def test_audit_log_in_words_filters_and_csv(client, data_officer, steward, city):
    delibs, budget, _orphan = city
    client.force_login(data_officer)
    url = reverse("workspace:officer_audit")
    page = client.get(url, {"action": "submit"}).content.decode()
    assert "steward a soumis pour publication « Budget primitif » (jeu de données)" in page
    assert "état de publication : brouillon → soumis à l&#x27;administrateur des données" in page
    assert "Délibérations" not in page
    page = client.get(url, {"who": "steward", "what": "Délibérations"}).content.decode()
    assert "a demandé une décision sur les données personnelles de" in page
    assert "Budget primitif" not in page
    bad = client.get(url, {"since": "2026-12-31", "until": "2026-01-01"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.content.decode()

    rows = _csv(client.get(url, {"action": "submit", "format": "csv"}))
    assert len(rows) == 1
    assert rows[0]["auteur"] == "steward"
    assert rows[0]["action"] == "soumission pour publication"
    assert "motif : À relire" in rows[0]["description"]
    today = timezone.localdate()
    later = (today + datetime.timedelta(days=1)).isoformat()
    assert _csv(client.get(url, {"since": later, "format": "csv"})) == []


@pytest.mark.parametrize("who", ["anonymous", "citizen", "agent", "steward"])
@pytest.mark.parametrize(
    "name",
    ["officer_home", "officer_datasets", "officer_audit"],
)
def test_only_the_data_officer_enters(roles, who, name):
    client = Client()
    if roles[who] is not None:
        client.force_login(roles[who])
    response = client.get(reverse(f"workspace:{name}"), {"format": "csv"})
    assert response.status_code in (302, 403)
    assert response.status_code == (302 if who == "anonymous" else 403)


def test_a_steward_cannot_assign_or_set_rules(client, steward, city):
    _d, _b, orphan = city
    client.force_login(steward)
    assert (
        client.post(
            reverse("workspace:officer_assign_steward", args=[orphan.slug]),
            {"steward": steward.pk},
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("workspace:officer_review_rules"), {"installation": "yes"}).status_code
        == 403
    )
    assert Dataset.objects.get(pk=orphan.pk).steward is None
    assert not catalog_selectors.publication_review_rule_installation()


def test_inventory_queries_do_not_grow_with_datasets(
    client, data_officer, city, make_dataset, django_assert_max_num_queries
):
    client.force_login(data_officer)
    url = reverse("workspace:officer_datasets")
    client.get(url)
    for n in range(10):
        make_dataset(f"Jeu supplémentaire {n}", frequency="WEEKLY")
    with django_assert_max_num_queries(14):
        page = client.get(url)
    assert page.content.decode().count('/fiche/">Jeu supplémentaire') == 10
