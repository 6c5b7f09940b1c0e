"""The portal's report pages and the service's workspace, through HTTP."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from territoire.reports import geo
from territoire.reports.models import Report, ReportFollow
from territoire.reports.vocabularies import ModerationState
from territoire.trust.models import AuditEvent

from .conftest import INSIDE, OUTSIDE, jpeg_with_gps


def _form(**change):
    data = {"category": "voirie", "description": "Nid-de-poule profond devant l'école",
            "address": "Rue de la Loge", "latitude": str(INSIDE[0]), "longitude": str(INSIDE[1]),
            "website": ""}  # fmt: skip
    data.update(change)
    return data


def test_list_map_and_filters_without_javascript(client, file_report, citizen, proprete):
    file_report(citizen)
    file_report(citizen, category=proprete, description="Dépôt sauvage de gravats sur le trottoir")
    page = client.get("/signalements/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "2 signalements" in html
    assert html.count('<circle cx="') == 2
    filtered = client.get("/signalements/", {"categorie": "proprete", "statut": "nouveau"})
    assert "1 signalement" in filtered.content.decode()
    # Unknown filter values are ignored, never reflected.
    odd = client.get("/signalements/", {"categorie": "<script>", "statut": "x", "page": "zz"})
    assert odd.status_code == 200 and "<script>" not in odd.content.decode()


def test_list_query_count(client, file_report, citizen, django_assert_max_num_queries):
    for _ in range(5):
        file_report(citizen)
    client.get("/signalements/")  # boundaries memo
    with django_assert_max_num_queries(12):
        assert client.get("/signalements/").status_code == 200


def test_filing_through_the_form_then_the_page(client, voirie, citizen):
    client.force_login(citizen)
    photo = SimpleUploadedFile("vacances.png", jpeg_with_gps(300, 200), "image/png")
    response = client.post("/signalements/nouveau/", {**_form(), "photo": photo})
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/signalements/{report.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Nid-de-poule profond" in page and "Nouveau" in page and "Ne plus suivre" in page
    photo_response = client.get(f"/signalements/{report.pk}/photo/")
    assert photo_response["Content-Type"] == "image/jpeg"
    assert photo_response["X-Content-Type-Options"] == "nosniff"
    assert f'filename="signalement-{report.pk}.jpg"' in photo_response["Content-Disposition"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"latitude": str(OUTSIDE[0]), "longitude": str(OUTSIDE[1])}, "en dehors du territoire"),
        ({"description": "Regardez <script>alert(1)</script> ici"}, "code HTML ou JavaScript"),
        ({"latitude": "", "longitude": ""}, "Indiquez le lieu"),
        ({"category": "inconnue"}, "Sélectionnez un choix valide"),
        ({"website": "http://spam.example"}, "réservé aux robots"),
        (
            {"photo": SimpleUploadedFile("photo.jpg", b"%PDF-1.4 pas une image", "image/jpeg")},
            "JPEG, PNG ou WebP",
        ),
    ],
)
def test_bad_input_is_refused_and_what_was_typed_kept(client, voirie, citizen, change, expected):
    client.force_login(citizen)
    data = _form(description="Mon texte soigneusement tapé, à garder")
    data.update(change)
    response = client.post("/signalements/nouveau/", data)
    html = response.content.decode()
    assert response.status_code == 400 and expected in html
    if "description" not in change:
        assert "Mon texte soigneusement tapé, à garder" in html
    assert "&lt;script&gt;" in html or "<script>alert" not in html
    assert not Report.objects.exists()


def test_filing_needs_an_account_and_a_csrf_token(client, voirie, citizen):
    assert client.get("/signalements/nouveau/").status_code == 302
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    assert strict.post("/signalements/nouveau/", _form()).status_code == 403
    assert not Report.objects.exists()


def test_follow_and_one_click_unsubscribe(client, file_report, citizen, reuser):
    report = file_report(citizen)
    client.force_login(reuser)
    client.post(f"/signalements/{report.pk}/suivre/")
    follow = ReportFollow.objects.get(user=reuser)
    client.logout()
    page = client.get(f"/signalements/desabonnement/{follow.token}/")
    assert page.status_code == 200 and ReportFollow.objects.filter(user=reuser).exists()
    assert client.post(f"/signalements/desabonnement/{follow.token}/").status_code == 200
    assert not ReportFollow.objects.filter(user=reuser).exists()
    assert client.post("/signalements/desabonnement/inconnu/").status_code == 404


def test_flags_hide_a_report_from_the_public(client, file_report, citizen, settings):
    settings.TERRITOIRE_REPORT_FLAGS_TO_HIDE = 1
    report = file_report(citizen)
    refused = client.post(f"/signalements/{report.pk}/abus/", {"reason": "<b>x</b>"})
    assert refused.status_code == 400 and Report.objects.get().flag_count == 0
    client.post(f"/signalements/{report.pk}/abus/", {"reason": "Insultes dans le texte"})
    assert Report.objects.get().moderation == ModerationState.PENDING
    assert client.get(f"/signalements/{report.pk}/").status_code == 404
    assert "1 signalement" not in client.get("/signalements/").content.decode()


@pytest.mark.parametrize(
    ("who", "queue", "handle"),
    [
        ("anonymous", 302, 302),
        ("citizen", 403, 403),
        ("reuser", 403, 403),
        ("agent", 200, 200),  # a member of the category's service
        ("steward", 200, 200),
        ("data_officer", 200, 200),
    ],
)
def test_workspace_authorisation_matrix(client, file_report, roles, who, queue, handle):
    report = file_report(roles["citizen"])
    if roles[who] is not None:
        client.force_login(roles[who])
    assert client.get("/espace/signalements/").status_code == queue
    assert client.get(f"/espace/signalements/{report.pk}/").status_code == handle
    response = client.post(f"/espace/signalements/{report.pk}/", {"status": "resolu"})
    assert response.status_code == (302 if handle == 200 else handle)
    assert (Report.objects.get().status == "resolu") == (handle == 200)


def test_another_service_does_not_see_the_report(client, file_report, citizen, other_service):
    from territoire.accounts.models import Membership, User

    water = User.objects.create(username="eau", role="agent", email="eau@example.fr")
    Membership.objects.create(user=water, service=other_service)
    report = file_report(citizen)
    client.force_login(water)
    assert client.get(f"/espace/signalements/{report.pk}/").status_code in (403, 404)


def test_the_steward_answers_and_moderates(client, file_report, citizen, steward,
                                           django_capture_on_commit_callbacks):  # fmt: skip
    report = file_report(citizen)
    client.force_login(steward)
    queue = client.get("/espace/signalements/").content.decode()
    assert f"Signalement n° {report.pk}" in queue
    refused = client.post(f"/espace/signalements/{report.pk}/", {"status": "rejete", "message": ""})
    assert refused.status_code == 400 and "Expliquez pourquoi" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/espace/signalements/{report.pk}/",
                           {"status": "resolu", "message": "Trou rebouché ce matin."})  # fmt: skip
    assert done.status_code == 302 and len(mail.outbox) == 1
    public = client.get(f"/signalements/{report.pk}/").content.decode()
    assert "Trou rebouché ce matin." in public and "Résolu" in public
    hidden = client.post(f"/espace/signalements/{report.pk}/moderation/",
                         {"action": "masquer", "reason": "Photo d'une personne"})  # fmt: skip
    assert hidden.status_code == 302
    assert Report.objects.get().moderation == ModerationState.HIDDEN
    event = AuditEvent.objects.filter(object_id=str(report.pk)).order_by("-id").first()
    assert event.reason == "Photo d'une personne" and event.actor == steward


def test_reading_a_hidden_report_is_audited(client, file_report, citizen, steward):
    report = file_report(citizen)
    client.force_login(steward)
    client.get(f"/signalements/{report.pk}/")
    assert not AuditEvent.objects.filter(action="read").exists()  # visible: public data
    client.post(f"/espace/signalements/{report.pk}/moderation/",
                {"action": "masquer", "reason": "Photo d'une personne"})  # fmt: skip
    assert client.get(f"/signalements/{report.pk}/").status_code == 200
    assert client.get(f"/espace/signalements/{report.pk}/").status_code == 200
    reads = AuditEvent.objects.filter(action="read", object_id=str(report.pk))
    assert reads.count() == 2 and {e.actor for e in reads} == {steward}


def test_quartier_filter(client, file_report, citizen, montpellier):
    from territoire.territories.models import Territory
    from territoire.territories.services import quartier_create

    city = Territory.objects.get(kind="commune", code="34172")
    square = {"type": "Polygon", "coordinates": [[[3.87, 43.60], [3.89, 43.60], [3.89, 43.62],
                                                  [3.87, 43.62], [3.87, 43.60]]]}  # fmt: skip
    quartier_create(commune=city, code="ecusson", name="Écusson", geometry=square)
    inside = file_report(citizen)
    file_report(citizen, position=(43.63, 3.85))
    assert inside.quartier.code == "ecusson"
    page = client.get("/signalements/", {"quartier": "ecusson"}).content.decode()
    assert "1 signalement" in page and f"/signalements/{inside.pk}/" in page


def test_a_moderator_edits_the_text_with_a_logged_reason(client, file_report, citizen, steward):
    report = file_report(citizen, description="Le voisin Jean Dupont a encore tout sali ici")
    client.force_login(steward)
    refused = client.post(f"/espace/signalements/{report.pk}/texte/",
                          {"description": "Tout est sali <b>ici</b>", "edit_reason": "nom"})  # fmt: skip
    assert refused.status_code == 400 and "code HTML" in refused.content.decode()
    done = client.post(f"/espace/signalements/{report.pk}/texte/",
                       {"description": "Tout a encore été sali ici", "edit_reason": "Nom retiré"})  # fmt: skip
    assert done.status_code == 302
    assert Report.objects.get().description == "Tout a encore été sali ici"
    event = AuditEvent.objects.filter(object_id=str(report.pk)).order_by("-id").first()
    assert event.reason == "Nom retiré" and "Jean Dupont" in event.changes["description"][0]
    client.force_login(citizen)
    assert client.post(f"/espace/signalements/{report.pk}/texte/",
                       {"description": "Autre texte assez long", "edit_reason": "x"}).status_code == 403  # fmt: skip


def test_the_no_javascript_map_places_the_point_and_keeps_the_text(client, voirie, citizen):
    client.force_login(citizen)
    response = client.post("/signalements/nouveau/", {
        "category": "voirie", "description": "Texte tapé avant le clic", "carte.x": "180",
        "carte.y": "135",
    })  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200 and not Report.objects.exists()
    assert "Texte tapé avant le clic" in html and "Point placé" in html
    form = response.context["form"]
    lat, lon = float(form.initial["latitude"]), float(form.initial["longitude"])
    assert 43.4 < lat < 43.8 and 3.6 < lon < 4.1
    image = client.get("/signalements/carte.svg", {"lat": str(lat), "lon": str(lon)})
    assert image["Content-Type"].startswith("image/svg+xml")
    body = image.content.decode()
    assert "<circle" in body and "<script" not in body and body.count("<path") == 31
    # the clicked pixel is where the point is drawn again
    assert 'cx="180.0"' in body and 'cy="135.0"' in body
    # the commune of the point, found from its position, is told
    place = geo.locate(lon, lat)
    assert place is not None and f"Point placé à {place.commune.name}" in html


def test_a_click_outside_the_territory_on_the_map_is_told(client, voirie, citizen):
    client.force_login(citizen)
    response = client.post("/signalements/nouveau/", {"category": "voirie", "carte.x": "1",
                                                      "carte.y": "1"})  # fmt: skip
    assert response.status_code == 200 and not Report.objects.exists()
    assert "Ce point est en dehors du territoire" in response.content.decode()
