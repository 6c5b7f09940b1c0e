"""The public pages and exports: published entries only for the public, public fields only,
exports that parse back, linked datasets named only when the reader may see them."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow
from odf.text import P

from territoire.registers import services

pytest_plugins = ["territoire.registers.tests.fixtures"]
pytestmark = pytest.mark.django_db

INTERNAL = ["Contrat prestataire à renégocier", "Bastion SSH sur 10.2.3.4", "Pondérations revues"]


@pytest.fixture
def registers(make_processing, make_algorithm, make_dataset, data_officer):
    open_data = make_dataset("Effectifs des cantines", publish=True)
    private = make_dataset("Fichier des familles", access_level="personal")
    canteen = make_processing(datasets=[open_data, private])
    draft = make_processing(name="Vidéoprotection des bâtiments", publish=False)
    creche = make_algorithm(datasets=[open_data, private], processing_activities=[canteen, draft])
    services.processing_update(actor=data_officer, entry=canteen, internal_notes="Secret changé")
    services.processing_update(actor=data_officer, entry=canteen, recipients=["Trésorerie"])
    return canteen, draft, creche, open_data, private


def _csv(response) -> list[dict]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))


def _ods(response) -> list[list[str]]:
    document = load(io.BytesIO(response.content))
    [table] = document.spreadsheet.getElementsByType(Table)
    return [
        [
            "\n".join(str(p) for p in cell.getElementsByType(P))
            for cell in row.getElementsByType(TableCell)
        ]
        for row in table.getElementsByType(TableRow)
    ]


def test_public_list_and_page_hide_drafts_and_internal_fields(client, registers):
    canteen, draft, creche, open_data, private = registers
    page = client.get(reverse("web:processing_list")).content.decode()
    assert canteen.name in page and draft.name not in page
    assert "Analyse d&#x27;impact (AIPD) obligatoire : 2 critères du CEPD" in page
    detail = client.get(reverse("web:processing", args=[canteen.slug])).content.decode()
    for text in INTERNAL:
        assert text not in detail
    assert "Hébergeur du portail famille (Suisse)" in detail
    assert open_data.title in detail and private.title not in detail
    assert creche.name in detail  # the algorithm that uses it
    # History: the creation and the change of recipients; the change of internal notes alone is not one of them.
    start = detail.index('id="historique"')
    history = detail[start : detail.index("</section>", start)]
    assert history.count("<li>") == 2 and "destinataires" in history
    assert client.get(reverse("web:processing", args=[draft.slug])).status_code == 404


@pytest.mark.parametrize(
    ("role", "sees_draft"),
    [
        ("anonymous", False),
        ("citizen", False),
        ("reuser", False),
        ("agent", True),
        ("steward", True),
        ("data_officer", True),
    ],
)
def test_drafts_for_agents_only(roles, role, sees_draft, registers):
    _canteen, draft, *_ = registers
    client = Client()
    if roles[role] is not None:
        client.force_login(roles[role])
    response = client.get(reverse("web:processing", args=[draft.slug]))
    assert response.status_code == (200 if sees_draft else 404)


def test_processing_csv_and_ods_parse_back(client, registers):
    canteen, draft, _creche, open_data, private = registers
    rows = _csv(client.get(reverse("web:processing_list"), {"format": "csv"}))
    assert [r["identifiant"] for r in rows] == [canteen.slug]
    row = rows[0]
    assert (
        row["bases légales"]
        == "mission d'intérêt public ou exercice de l'autorité publique (art. 6-1-e)"
    )
    assert row["données sensibles (art. 9)"] == "oui"
    assert row["jeux de données utilisés"] == open_data.title
    assert "notes internes" not in row and not any(t in ";".join(row.values()) for t in INTERNAL)
    sheet = _ods(client.get(reverse("web:processing_list"), {"format": "ods"}))
    header, values = sheet[0], sheet[1]
    assert header[:2] == ["identifiant", "nom du traitement"] and len(sheet) == 2
    by_header = dict(zip(header, values, strict=True))
    assert (
        by_header["finalités"]
        == "Inscrire les enfants à la cantine\nFacturer les repas aux familles"
    )
    assert by_header["durées de conservation"] == "Dossier d'inscription : 1 an après la scolarité"


def test_algorithm_page_and_open_data(client, registers):
    canteen, draft, creche, open_data, private = registers
    detail = client.get(reverse("web:algorithm", args=[creche.slug])).content.decode()
    assert "Quotient familial" in detail and "1,5" in detail or "1.5" in detail
    assert "condition, sans pondération" in detail
    assert (
        "Cette décision a été prise sur le fondement d&#x27;un traitement algorithmique" in detail
    )
    assert draft.name not in detail and private.title not in detail and INTERNAL[2] not in detail
    data = json.loads(client.get(reverse("web:algorithm_list"), {"format": "json"}).content)
    [record] = data["algorithms"]
    assert record["automation"] == "assist"
    assert record["parameters"][1] == {
        "name": "Fratrie déjà accueillie",
        "description": "",
        "weight": 1.5,
    }
    assert record["datasets"] == [{"slug": open_data.slug, "title": open_data.title}]
    assert record["processing_activities"] == [{"reference": canteen.slug, "name": canteen.name}]
    assert "internal_notes" not in record
    rows = _csv(client.get(reverse("web:algorithm_list"), {"format": "csv"}))
    assert rows[0]["degré d'automatisation"] == "aide à la décision : un agent décide"
    assert rows[0]["principaux paramètres et pondération"].startswith(
        "Quotient familial (pondération 3) : Tranche de revenus | Fratrie"
    )


def test_public_list_query_count(client, registers, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        client.get(reverse("web:algorithm_list"), {"format": "json"})


def test_csv_cells_never_run_as_formulas(client, make_processing):
    make_processing(
        name='=HYPERLINK("http://example.org";"clic")', purposes=["+33 est un indicatif"]
    )
    [row] = _csv(client.get(reverse("web:processing_list"), {"format": "csv"}))
    assert row["nom du traitement"] == '\'=HYPERLINK("http://example.org";"clic")'
    assert row["finalités"] == "'+33 est un indicatif"
    sheet = _ods(client.get(reverse("web:processing_list"), {"format": "ods"}))
    assert sheet[1][1] == '=HYPERLINK("http://example.org";"clic")'  # a string cell, as typed


def test_pages_in_english(client, registers):
    canteen, *_ = registers
    client.cookies["django_language"] = "en"
    page = client.get(reverse("web:processing", args=[canteen.slug]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "Data protection impact assessment (DPIA) required: 2 of the EDPB" in text
    assert "public interest task or exercise of official authority (art. 6-1-e)" in text
    listing = client.get(reverse("web:algorithm_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Register of public algorithms" in listing
