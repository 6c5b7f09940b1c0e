"""Reports in the native API (/api/v1/reports): the public list and its filters, a report with
its timeline, filing one with a token or a session, the service's answer; who may do what, and
every refusal leaves nothing behind. Real Montpellier communes; no author in any public answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from territoire.accounts.services import token_create
from territoire.reports import services
from territoire.reports.models import Report, ReportEvent, ReportFollow
from territoire.trust.models import AuditEvent

from .conftest import INSIDE, OUTSIDE, jpeg_with_gps, png_bytes

pytestmark = pytest.mark.django_db

BASE = "/api/v1/reports"
# Antigone (Montpellier, ~700 m east of the Comédie) and the town hall of Castelnau-le-Lez.
ANTIGONE = (43.6080, 3.8880)
CASTELNAU = (43.6335, 3.9010)


def bearer(user, scope="write") -> dict:
    raw = token_create(actor=user, user=user, name="t", scopes=[scope])[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client, url, data, headers=None):
    return client.post(url, data, content_type="application/json", **(headers or {}))


@pytest.fixture
def three(file_report, citizen, proprete, steward, data_officer):
    """A new voirie report at the Comédie, a resolved one at Antigone, a propreté one (another
    service) in Castelnau-le-Lez, and a hidden one that no public answer shows."""
    comedie = file_report(citizen, description="Nid-de-poule profond devant le n° 12")
    antigone = file_report(citizen, description="Trottoir défoncé place du Nombre d'Or",
                           position=ANTIGONE)  # fmt: skip
    services.report_answer(actor=steward, report=antigone, status="resolu", message="Réparé.")
    castelnau = file_report(citizen, category=proprete, description="Dépôt sauvage de gravats",
                            position=CASTELNAU)  # fmt: skip
    hidden = file_report(citizen, description="Texte injurieux masqué par la modération")
    services.report_moderate(actor=data_officer, report=hidden, hide=True, reason="Injurieux")
    return {"comedie": comedie, "antigone": antigone, "castelnau": castelnau, "hidden": hidden}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()]


def test_the_list_and_its_filters(client, three, django_assert_max_num_queries):
    comedie, antigone, castelnau = three["comedie"], three["antigone"], three["castelnau"]
    with django_assert_max_num_queries(6):
        everything = client.get(BASE)
    assert ids(everything) == [castelnau.pk, antigone.pk, comedie.pk]  # newest first, no hidden
    body = everything.content.decode()
    assert "citizen" not in body and "@example.fr" not in body and "author" not in body
    first = everything.json()[2]
    assert first["category"] == "voirie" and first["commune_code"] == "34172"
    assert first["url"] == f"/signalements/{comedie.pk}/" and first["photo_url"] is None

    assert ids(client.get(BASE, {"status": "resolu"})) == [antigone.pk]
    assert ids(client.get(BASE, {"category": "proprete"})) == [castelnau.pk]
    assert ids(client.get(BASE, {"service": "finances"})) == [antigone.pk, comedie.pk]
    assert ids(client.get(BASE, {"quartier": castelnau.commune.code})) == [castelnau.pk]
    assert castelnau.commune.code != "34172"
    # A box around the Comédie only, then one around the whole of Montpellier's centre.
    assert ids(client.get(BASE, {"bbox": "3.875,43.605,3.884,43.612"})) == [comedie.pk]
    assert ids(client.get(BASE, {"bbox": "3.87,43.60,3.89,43.62"})) == [antigone.pk, comedie.pk]
    tomorrow = (timezone.now() + dt.timedelta(days=1)).isoformat()
    assert ids(client.get(BASE, {"since": tomorrow})) == []
    assert len(ids(client.get(BASE, {"until": tomorrow}))) == 3
    assert ids(client.get(BASE, {"limit": 1, "offset": 1})) == [antigone.pk]
    assert ids(client.get(BASE, {"status": "nouveau", "service": "finances"})) == [comedie.pk]


@pytest.mark.parametrize(
    ("params", "status", "where"),
    [
        ({"bbox": "3.8,43.6,3.9"}, 400, "bbox"),
        ({"bbox": "3.9,43.6,3.8,43.7"}, 400, "bbox"),
        ({"bbox": "3.8,43.6,abc,43.7"}, 400, "bbox"),
        ({"bbox": "3.8,43.6,3.9,143.7"}, 400, "bbox"),
        ({"status": "ferme"}, 422, "query.status"),
        ({"since": "hier"}, 422, "query.since"),
        ({"since": "2.00001"}, 422, "query.since"),  # not seconds since 1970: ISO 8601 only
        ({"limit": "5000"}, 422, "query.limit"),
    ],
)
def test_bad_filters_are_refused_in_both_languages(client, three, params, status, where):
    response = client.get(BASE, params)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["where"] == where and body["message"] and body["message_en"]
    assert body["message"] != body["message_en"]


def test_a_report_with_its_timeline(client, three, steward, django_assert_max_num_queries):
    antigone = three["antigone"]
    with django_assert_max_num_queries(4):
        shown = client.get(f"{BASE}/{antigone.pk}").json()
    assert shown["status"] == "resolu" and shown["moderation"] == "visible"
    assert [(e["old_status"], e["status"], e["message"]) for e in shown["timeline"]] == [
        ("", "nouveau", ""),
        ("nouveau", "resolu", "Réparé."),
    ]
    assert "citizen" not in str(shown) and "steward" not in str(shown)
    assert client.get(f"{BASE}/999999").status_code == 404
    assert client.get(f"{BASE}/0").status_code == 404


def test_a_hidden_report_is_absent_for_the_public_and_an_audited_read_for_its_service(
    client, three, steward, citizen, agent
):
    hidden = three["hidden"]
    reads = AuditEvent.objects.filter(action="read", object_id=str(hidden.pk))
    assert client.get(f"{BASE}/{hidden.pk}").status_code == 404
    assert client.get(f"{BASE}/{hidden.pk}", **bearer(citizen, "read")).status_code == 404
    assert not reads.exists()
    shown = client.get(f"{BASE}/{hidden.pk}", **bearer(steward, "read"))
    assert shown.status_code == 200 and shown.json()["moderation"] == "masque"
    assert reads.get().actor == steward
    assert client.get(f"{BASE}/{hidden.pk}", **bearer(agent, "read")).status_code == 200
    assert reads.count() == 2


def test_filing_with_a_write_token(client, voirie, citizen):
    response = post(
        client, BASE,
        {"category": "voirie", "description": "Plaque d'égout descellée, dangereux",
         "latitude": INSIDE[0], "longitude": INSIDE[1], "address": "Place de la Comédie"},
        bearer(citizen),
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.get(pk=body["id"])
    assert (report.author, report.channel, report.status) == (citizen, "api", "nouveau")
    assert report.commune.code == "34172" and body["commune_code"] == "34172"
    assert ReportFollow.objects.filter(report=report, user=citizen).exists()
    assert AuditEvent.objects.filter(action="create", object_id=str(report.pk)).exists()
    assert "citizen" not in response.content.decode()


def test_filing_with_a_session_needs_its_csrf_token(voirie, citizen):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(citizen)
    payload = {"category": "voirie", "description": "Lampadaire couché sur le trottoir",
               "latitude": INSIDE[0], "longitude": INSIDE[1]}  # fmt: skip
    refused = post(browser, BASE, payload)
    assert refused.status_code == 403 and refused.json()["where"] == "csrf"
    assert not Report.objects.exists()
    browser.get("/signalements/nouveau/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = post(browser, BASE, payload, {"HTTP_X_CSRFTOKEN": token})
    assert accepted.status_code == 201, accepted.content


@pytest.mark.parametrize(
    ("change", "status", "where"),
    [
        ({"category": "inconnue"}, 400, "category"),
        ({"description": "court"}, 400, "description"),
        ({"description": "<script>alert(1)</script> sur la chaussée"}, 400, "description"),
        ({"latitude": OUTSIDE[0], "longitude": OUTSIDE[1]}, 400, "latitude"),
        ({"latitude": 91}, 422, "body.payload.latitude"),
    ],
)
def test_refused_reports_leave_nothing(client, voirie, citizen, change, status, where):
    payload = {"category": "voirie", "description": "Nid-de-poule profond devant le n° 12",
               "latitude": INSIDE[0], "longitude": INSIDE[1], **change}  # fmt: skip
    response = post(client, BASE, payload, bearer(citizen))
    assert response.status_code == status, response.content
    assert response.json()["where"].startswith(where)
    assert not Report.objects.exists()
    assert not AuditEvent.objects.filter(object_type="reports.report").exists()


def test_who_may_file(client, voirie, citizen):
    payload = {"category": "voirie", "description": "Nid-de-poule profond devant le n° 12",
               "latitude": INSIDE[0], "longitude": INSIDE[1]}  # fmt: skip
    assert post(client, BASE, payload).status_code == 401  # anonymous
    assert post(client, BASE, payload, bearer(citizen, "read")).status_code == 401
    assert not Report.objects.exists()


def test_filing_is_rate_limited_per_account(client, voirie, citizen, settings):
    settings.TERRITOIRE_REPORT_RATE = "1/3600"
    headers = bearer(citizen)
    payload = {"category": "voirie", "description": "Nid-de-poule profond devant le n° 12",
               "latitude": INSIDE[0], "longitude": INSIDE[1]}  # fmt: skip
    assert post(client, BASE, payload, headers).status_code == 201
    refused = post(client, BASE, payload, headers)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["error"] == "rate_limited"
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("citizen", 403), ("reuser", 403), ("agent", 200), ("steward", 200),
     ("data_officer", 200)],
)  # fmt: skip
def test_who_may_answer(client, roles, file_report, role, status):
    report = file_report(roles["citizen"])
    user = roles[role]
    response = post(
        client, f"{BASE}/{report.pk}/answer",
        {"status": "pris_en_charge", "message": "Équipe envoyée demain matin."},
        bearer(user) if user else None,
    )  # fmt: skip
    assert response.status_code == status, response.content
    report.refresh_from_db()
    answered = ReportEvent.objects.filter(report=report, status="pris_en_charge")
    if status == 200:
        assert report.status == "pris_en_charge" and answered.get().actor == user
        assert response.json()["timeline"][-1]["message"] == "Équipe envoyée demain matin."
    else:
        assert report.status == "nouveau" and not answered.exists()
        assert not AuditEvent.objects.filter(action="update", object_id=str(report.pk)).exists()


def test_the_other_service_may_not_answer(client, file_report, proprete, citizen, steward):
    report = file_report(citizen, category=proprete, description="Dépôt sauvage de gravats")
    response = post(client, f"{BASE}/{report.pk}/answer", {"status": "resolu"}, bearer(steward))
    assert response.status_code == 403 and response.json()["message_en"]
    report.refresh_from_db()
    assert report.status == "nouveau"


def test_rejecting_needs_a_message(client, file_report, citizen, steward):
    report = file_report(citizen)
    url = f"{BASE}/{report.pk}/answer"
    refused = post(client, url, {"status": "rejete"}, bearer(steward))
    assert refused.status_code == 400 and refused.json()["where"] == "message"
    report.refresh_from_db()
    assert report.status == "nouveau"
    accepted = post(client, url, {"status": "rejete", "message": "Voie privée."}, bearer(steward))
    assert accepted.status_code == 200 and accepted.json()["status"] == "rejete"


def test_categories(client, voirie, proprete):
    listed = client.get(f"{BASE}/categories").json()
    assert [(c["code"], c["service_slug"]) for c in listed] == [
        ("proprete", "eau"),
        ("voirie", "finances"),
    ]


def test_place_of_a_position(client, montpellier):
    inside = client.get(f"{BASE}/place", {"latitude": CASTELNAU[0], "longitude": CASTELNAU[1]})
    assert inside.status_code == 200, inside.content
    body = inside.json()
    assert body["is_inside"] is True and body["commune_code"] == "34057"
    assert body["commune"] == "Castelnau-le-Lez"
    outside = client.get(f"{BASE}/place", {"latitude": OUTSIDE[0], "longitude": OUTSIDE[1]})
    assert outside.json()["is_inside"] is False and outside.json()["commune"] is None
    refused = client.get(f"{BASE}/place", {"latitude": "abc", "longitude": "3.9"})
    assert refused.status_code == 422 and refused.json()["where"] == "query.latitude"
    assert client.get(f"{BASE}/place", {"latitude": "43.6"}).status_code == 422


def test_the_author_attaches_the_photo_of_a_report_filed_as_json(
    client, voirie, citizen, steward, tmp_path
):
    def file(description: str) -> dict:
        return post(
            client, BASE,
            {"category": "voirie", "description": description,
             "latitude": INSIDE[0], "longitude": INSIDE[1]},
            bearer(citizen),
        ).json()  # fmt: skip

    body = file("Lampadaire couché sur le trottoir")
    url = f"{BASE}/{body['id']}/photo"

    def send(user, data: bytes, name="photo.jpg"):
        return client.post(
            url, {"photo": SimpleUploadedFile(name, data, "image/jpeg")}, **bearer(user)
        )

    # Not the author, not an image: refused, nothing stored.
    assert send(steward, jpeg_with_gps()).status_code == 403
    refused = send(citizen, b"%PDF-1.4 pas une image", "photo.pdf")
    assert refused.status_code == 400 and refused.json()["where"] == "photo"
    assert not Report.objects.get(pk=body["id"]).photo
    # The author's photo: stored without its metadata, shown by the report's page.
    response = send(citizen, jpeg_with_gps())
    assert response.status_code == 200, response.content
    assert response.json()["photo_url"] == f"/signalements/{body['id']}/photo/"
    report = Report.objects.get(pk=body["id"])
    with Image.open(report.photo.path) as stored:
        assert max(stored.size) <= 1600 and not stored.getexif()
    assert AuditEvent.objects.filter(
        action="update", object_id=str(report.pk), changes__photo=[False, True]
    ).exists()
    # Once: a second photo is refused, and so is one after the service took the report.
    again = send(citizen, png_bytes())
    assert again.status_code == 400 and "déjà une photo" in again.json()["message"]
    other = file("Bouche d'égout bruyante au passage")
    services.report_answer(
        actor=steward,
        report=Report.objects.get(pk=other["id"]),
        status="pris_en_charge",
        message="",
    )
    url = f"{BASE}/{other['id']}/photo"
    late = send(citizen, png_bytes())
    assert late.status_code == 400 and "taken this report in hand" in late.json()["message_en"]
