"""Inventory exports: XLSX (same columns as the CSV, formula-like text inert) and the SCDL
« Catalogue simplifié » (published public datasets only, the schema's own columns)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from territoire.catalog import services
from territoire.workspace.exports import SCDL_FIELDS

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def datasets(make_dataset, data_officer, montpellier):
    published = make_dataset(
        "Délibérations",
        description='=HYPERLINK("http://example.com")',
        keywords=["Délibérations", "Conseil"],
        frequency="MONTHLY",
        themes=["GOVE"],
        territories=[montpellier.members.get(code="34172")],
    )
    services.dataset_publish(actor=data_officer, dataset=published)
    hidden = make_dataset("Compteurs", access_level="internal")
    return published, hidden


def test_xlsx_has_the_csv_columns_and_no_formula(client, data_officer, datasets):
    client.force_login(data_officer)
    response = client.get(reverse("workspace:officer_datasets") + "?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "identifiant" and rows[0][-1] == "score de qualité"
    assert {r[1] for r in rows[1:]} == {"Délibérations", "Compteurs"}
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_scdl_catalogue_follows_the_schema(client, data_officer, datasets, shared_data):
    published, _hidden = datasets
    client.force_login(data_officer)
    response = client.get(reverse("workspace:officer_datasets") + "?format=scdl")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))
    schema = json.loads((shared_data / "schemas/scdl-catalogue/schema.json").read_text())
    assert list(rows[0]) == [f["name"] for f in schema["fields"]] == SCDL_FIELDS
    [row] = rows  # the internal dataset is not in a public catalogue
    assert row["ID"] == published.slug and row["COLL_NOM"] == "Ville de Montpellier"
    assert row["FREQ_MAJ"] == "Mensuelle ou plusieurs fois par mois"
    enums = {f["name"]: f.get("constraints", {}).get("enum") for f in schema["fields"]}
    assert row["FREQ_MAJ"] in enums["FREQ_MAJ"] and row["LICENCE"] in enums["LICENCE"]
    assert row["COUV_SPAT_MAILLE"] == "Communale" and row["COUV_SPAT_NOM"] == "Montpellier"
    assert row["MOTS_CLES"] == "deliberations;conseil"
    assert row["DESCRIPTION"].startswith("'=")  # inert in a spreadsheet
    assert row["URL"].endswith(f"/jeux-de-donnees/{published.slug}/")


def test_exports_are_for_the_data_officer_only(client, steward, datasets):
    client.force_login(steward)
    for kind in ("xlsx", "scdl", "csv"):
        response = client.get(reverse("workspace:officer_datasets") + f"?format={kind}")
        assert response.status_code == 403
