"""Column documentation: written in the workspace, kept across versions, and the same label,
description and unit everywhere fields are described — portal, native API, Table Schema,
OpenDataSoft, CKAN's datastore, DCAT."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from territoire.catalog.models import ColumnDescription
from territoire.conftest import publish_real_file
from territoire.interop import common
from territoire.lake import services as lake_services
from territoire.trust.models import AuditEvent

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def budget(home, make_dataset, data_officer, budget_csv):
    dataset = make_dataset("Budget primitif 2014")
    publish_real_file(data_officer, dataset, budget_csv)
    return dataset


def _row(page: str, column: str) -> int:
    """The form's index of a column (fields are named by position)."""
    marker = f"<code>{column}</code>"
    assert marker in page
    return page[: page.index(marker)].count('class="panel column-doc"') - 1


def _document(client, dataset, **docs) -> object:
    url = reverse("workspace:dataset_columns", args=[dataset.slug])
    page = client.get(url).content.decode()
    data = {}
    for column, (label, unit, description) in docs.items():
        i = _row(page, column)
        data |= {f"c{i}_label": label, f"c{i}_unit": unit, f"c{i}_description": description}
    return client.post(url, data)


def test_steward_documents_columns_and_every_front_end_shows_it(client, steward, budget):
    client.force_login(steward)
    page = client.get(reverse("workspace:dataset_columns", args=[budget.slug])).content.decode()
    assert 'placeholder="Libellé fonction"' in page  # the file's header, as a hint
    response = _document(
        client,
        budget,
        bp=("Montant au budget primitif", "€", "Crédits votés, en euros TTC."),
        d_r=("Dépense ou recette", "", "D : dépense ; R : recette."),
    )
    assert response.status_code == 302
    assert ColumnDescription.objects.filter(dataset=budget).count() == 2
    event = (
        AuditEvent.objects.filter(object_id=str(budget.pk), action="update").order_by("id").last()
    )
    assert event.changes["columns"]["bp — unit"] == [None, "€"]
    assert event.reason == "documentation des colonnes"

    anonymous = Client()
    portal = anonymous.get(reverse("web:dataset", args=[budget.slug])).content.decode()
    assert "Montant au budget primitif" in portal and "Crédits votés, en euros TTC." in portal
    # the table's header too, with its unit
    assert "Montant au budget primitif (€)" in portal

    fields = {f["name"]: f for f in anonymous.get(f"/api/v1/datasets/{budget.slug}/fields").json()}
    assert fields["bp"] == {
        "name": "bp",
        "label": "Montant au budget primitif",
        "type": "decimal",
        "description": "Crédits votés, en euros TTC.",
        "unit": "€",
        "source_label": "BP",
    }
    assert fields["nature"]["label"] == "Nature" and fields["nature"]["description"] == ""

    schema = anonymous.get(f"/api/v1/datasets/{budget.slug}/table-schema").json()
    bp = next(f for f in schema["fields"] if f["name"] == "bp")
    assert bp == {
        "name": "bp",
        "title": "Montant au budget primitif",
        "type": "number",
        "description": "Crédits votés, en euros TTC.",
        "unit": "€",
    }
    assert schema["title"] == "Budget primitif 2014"

    ods = anonymous.get(f"/api/explore/v2.1/catalog/datasets/{budget.slug}").json()
    ods_bp = next(f for f in ods["fields"] if f["name"] == "bp")
    assert (ods_bp["label"], ods_bp["description"], ods_bp["annotations"]) == (
        "Montant au budget primitif",
        "Crédits votés, en euros TTC.",
        {"unit": "€"},
    )

    resource = common.export_uuid(budget, "csv")
    info = anonymous.post(
        "/api/3/action/datastore_info",
        json.dumps({"id": resource}),
        content_type="application/json",
    ).json()["result"]
    ckan_bp = next(f for f in info["fields"] if f["id"] == "bp")
    assert ckan_bp["info"] == {
        "label": "Montant au budget primitif",
        "notes": "Crédits votés, en euros TTC.",
        "type_override": "",
        "unit": "€",
    }
    search = anonymous.post(
        "/api/3/action/datastore_search",
        json.dumps({"resource_id": resource, "limit": 1}),
        content_type="application/json",
    ).json()["result"]
    by_id = {f["id"]: f for f in search["fields"]}
    assert by_id["d_r"]["info"]["label"] == "Dépense ou recette"
    assert "info" not in by_id["nature"]  # as CKAN: no data dictionary, no info

    graph = Graph().parse(data=anonymous.get("/catalogue.ttl").content, format="turtle")
    schema_uri = URIRef(common.absolute(f"/api/v1/datasets/{budget.slug}/table-schema"))
    assert (None, DCTERMS.conformsTo, schema_uri) in graph


def test_documentation_is_kept_across_versions(client, steward, budget, budget_csv, tmp_path):
    client.force_login(steward)
    _document(client, budget, bp=("Montant", "€", ""))
    # A new version without the column « BP », then one with it again.
    text = budget_csv.read_bytes().decode("latin-1").splitlines()
    without = tmp_path / "sans_bp.csv"
    without.write_text(
        "\n".join(";".join(c for j, c in enumerate(line.split(";")) if j != 5) for line in text),
        encoding="latin-1",
    )
    report = lake_services.dataset_ingest(actor=steward, dataset=budget, source=without)
    assert report.status == "created"
    page = client.get(reverse("workspace:dataset_columns", args=[budget.slug])).content.decode()
    assert "absentes de la version servie" in page and "<code>bp</code> — Montant" in page
    # saving the page for the new version keeps the former column's documentation
    client.post(reverse("workspace:dataset_columns", args=[budget.slug]), {})
    assert ColumnDescription.objects.filter(dataset=budget, column="bp").exists()
    lake_services.dataset_ingest(actor=steward, dataset=budget, source=budget_csv)
    fields = {f["name"]: f for f in Client().get(f"/api/v1/datasets/{budget.slug}/fields").json()}
    assert fields["bp"]["label"] == "Montant" and fields["bp"]["unit"] == "€"


def test_too_long_a_unit_is_refused_on_its_field(client, steward, budget):
    client.force_login(steward)
    response = _document(client, budget, bp=("Montant", "€" * 60, ""))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "50" in html
    assert not ColumnDescription.objects.filter(dataset=budget).exists()


def test_another_services_steward_cannot_document(client, budget, other_service):
    from territoire.accounts.models import Membership, User

    stranger = User.objects.create(username="eau", role="steward")
    Membership.objects.create(user=stranger, service=other_service, role="steward")
    client.force_login(stranger)
    url = reverse("workspace:dataset_columns", args=[budget.slug])
    assert client.get(url).status_code == 404
    assert client.post(url, {"c0_label": "x"}).status_code == 404
    assert not ColumnDescription.objects.exists()
