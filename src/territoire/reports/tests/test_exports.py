"""The staff's exports of reports (CSV and XLSX from the workspace's queue): the list's filters
kept, the service's reports only, the author's name and e-mail for the staff, text typed by the
public never run as a formula, each export an audited read; refused to everyone else, with no
trace of data and no audit event."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from territoire.accounts.models import Membership
from territoire.reports import services
from territoire.trust.models import AuditEvent

from .test_api import ANTIGONE, CASTELNAU

pytestmark = pytest.mark.django_db

URL = "/espace/signalements/export"
FORMULA = '=HYPERLINK("http://example.com/x","clic") trou sur la chaussée'


@pytest.fixture
def queue(file_report, citizen, proprete, steward):
    citizen.first_name, citizen.last_name = "Camille", "Durand"
    citizen.save()
    formula = file_report(citizen, description=FORMULA, address="@SUM(1+1) rue Foch")
    resolved = file_report(citizen, description="Trottoir défoncé place du Nombre d'Or",
                           position=ANTIGONE)  # fmt: skip
    services.report_answer(actor=steward, report=resolved, status="resolu", message="Réparé.")
    other = file_report(citizen, category=proprete, description="Dépôt sauvage de gravats",
                        position=CASTELNAU)  # fmt: skip
    return {"formula": formula, "resolved": resolved, "other": other}


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"].startswith('attachment; filename="signalements-')
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))


def test_the_service_exports_its_queue_with_the_authors(client, queue, steward):
    client.force_login(steward)
    rows = _csv(client.get(f"{URL}.csv"))
    assert [int(r["numéro"]) for r in rows] == [queue["resolved"].pk, queue["formula"].pk]
    formula = rows[1]
    assert formula["courriel de l'auteur"] == "citizen@example.fr"
    assert formula["nom de l'auteur"] == "Camille Durand"
    assert formula["commune"] == "Montpellier" and formula["statut"] == "Nouveau"
    # Typed by the public: shown as text by a spreadsheet, never run.
    assert formula["description"] == "'" + FORMULA
    assert formula["adresse ou repère"] == "'@SUM(1+1) rue Foch"
    event = AuditEvent.objects.get(action="read", object_type="reports.report")
    assert event.actor == steward and event.changes["rows"] == [None, 2]


def test_filters_are_kept(client, queue, steward, data_officer):
    client.force_login(steward)
    page = client.get("/espace/signalements/", {"statut": "resolu"}).content.decode()
    assert f'href="{URL}.xlsx?statut=resolu&amp;moderation="' in page
    rows = _csv(client.get(f"{URL}.csv", {"statut": "resolu"}))
    assert [int(r["numéro"]) for r in rows] == [queue["resolved"].pk]
    assert _csv(client.get(f"{URL}.csv", {"moderation": "masque"})) == []
    client.force_login(data_officer)  # every service's reports
    rows = _csv(client.get(f"{URL}.csv", {"statut": "nouveau"}))
    assert {int(r["numéro"]) for r in rows} == {queue["formula"].pk, queue["other"].pk}
    assert AuditEvent.objects.filter(action="read", object_type="reports.report").count() == 3


def test_xlsx_has_the_csv_columns_and_no_formula(client, queue, data_officer):
    client.force_login(data_officer)
    csv_rows = _csv(client.get(f"{URL}.csv"))
    response = client.get(f"{URL}.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(csv_rows[0])
    assert [r[0] for r in rows[1:]] == [int(r["numéro"]) for r in csv_rows]
    texts = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in texts)
    risky = [c for c in texts if c.value == FORMULA]
    assert risky and all(c.quotePrefix for c in risky)  # the text itself, unchanged


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("citizen", 403), ("reuser", 403), ("agent", 200), ("steward", 200),
     ("data_officer", 200)],
)  # fmt: skip
def test_who_may_export(client, roles, file_report, who, status):
    file_report(roles["citizen"])
    if roles[who] is not None:
        client.force_login(roles[who])
    for fmt in ("csv", "xlsx"):
        response = client.get(f"{URL}.{fmt}")
        assert response.status_code == status
        assert b"citizen@example.fr" not in response.content or status == 200
    reads = AuditEvent.objects.filter(action="read", object_type="reports.report")
    assert reads.count() == (2 if status == 200 else 0)


def test_another_service_exports_nothing_of_this_one(client, file_report, citizen, proprete,
                                                      other_service):  # fmt: skip
    file_report(citizen)  # voirie: the finances' service
    water = type(citizen).objects.create(username="water", role="agent", email="w@example.fr")
    Membership.objects.create(user=water, service=other_service, role="member")
    client.force_login(water)
    assert _csv(client.get(f"{URL}.csv")) == []


def test_unknown_format(client, queue, steward):
    client.force_login(steward)
    assert client.get(f"{URL}.json").status_code == 404
    assert not AuditEvent.objects.filter(action="read", object_type="reports.report").exists()
