"""Editing a consultation: everything before it opens; once open, not its questions nor its
conditions; after the first answer only the dates and the description — the same service for the
workspace, the API and the admin, audited, nothing written when refused."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from territoire.accounts.services import token_create
from territoire.core.errors import PermissionRefused, ValidationFailed
from territoire.participation import services
from territoire.participation.models import Consultation
from territoire.trust.models import AuditEvent


def _answers(consultation) -> dict:
    first, second = consultation.questions.all()
    return {first.pk: "Parcs", second.pk: ""}


def _local(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def upcoming(agent, project):
    now = timezone.now().replace(second=0, microsecond=0)
    return services.consultation_create(
        actor=agent, project=project, title="Budget 2027", description="Avant l'été.",
        opens_at=now + datetime.timedelta(days=2), closes_at=now + datetime.timedelta(days=20),
        questions=[{"kind": "single", "label": "Priorité", "choices": ["Écoles", "Parcs"]},
                   {"kind": "text", "label": "Remarques", "is_required": False}],
    )  # fmt: skip


def test_before_it_opens_the_workspace_changes_everything(client, agent, upcoming):
    client.force_login(agent)
    url = f"/espace/participation/consultations/{upcoming.slug}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "unique : Priorité | Écoles ; Parcs" in page.content.decode()
    closes = upcoming.closes_at + datetime.timedelta(days=5)
    response = client.post(url, {
        "title": "Budget participatif 2027", "description": "Avant l'automne.",
        "opens_at": _local(upcoming.opens_at), "closes_at": _local(closes),
        "questions": "unique : Priorité | Écoles ; Parcs ; Pistes cyclables\nechelle 1-10 : Utilité",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    upcoming.refresh_from_db()
    assert upcoming.title == "Budget participatif 2027" and upcoming.closes_at == closes
    assert [(q.kind, q.choices, q.scale_max) for q in upcoming.questions.all()] == [
        ("single", ["Écoles", "Parcs", "Pistes cyclables"], 5), ("scale", [], 10)]  # fmt: skip
    events = AuditEvent.objects.filter(object_type="participation.consultation",
                                       object_id=str(upcoming.pk), action="update")  # fmt: skip
    assert any("questions" in e.changes for e in events)
    assert any("title" in e.changes for e in events)


def test_a_bad_edit_keeps_what_was_typed_and_writes_nothing(client, agent, upcoming):
    client.force_login(agent)
    url = f"/espace/participation/consultations/{upcoming.slug}/"
    before = AuditEvent.objects.count()
    response = client.post(url, {
        "title": "Nouveau titre", "opens_at": _local(upcoming.closes_at),
        "closes_at": _local(upcoming.opens_at), "questions": "unique : Priorité | Écoles ; Parcs",
    })  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "La clôture doit suivre l&#x27;ouverture." in html and 'value="Nouveau titre"' in html
    upcoming.refresh_from_db()
    assert upcoming.title == "Budget 2027" and AuditEvent.objects.count() == before


def test_after_the_first_answer_only_dates_and_text_change(client, agent, citizen, participant,
                                                           upcoming):  # fmt: skip
    Consultation.objects.filter(pk=upcoming.pk).update(
        opens_at=timezone.now() - datetime.timedelta(hours=1))  # fmt: skip
    upcoming.refresh_from_db()
    services.response_submit(actor=participant, consultation=upcoming,
                             answers=_answers(upcoming))  # fmt: skip
    client.force_login(agent)
    page = client.get(f"/espace/participation/consultations/{upcoming.slug}/").content.decode()
    assert "1 personne(s) ont déjà répondu" in page
    assert 'name="questions"' in page and "disabled" in page
    _, key = token_create(actor=agent, user=agent, name="t", scopes=["read", "write"])
    url = f"/api/v1/participation/consultations/{upcoming.slug}"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}", "content_type": "application/json"}
    refused = client.patch(url, {"questions": [{"kind": "text", "label": "Autre"}]}, **auth)
    assert refused.status_code == 400 and refused.json()["where"] == "questions"
    assert "already answered" in refused.json()["message_en"]
    assert client.patch(url, {"title": "Autre titre"}, **auth).status_code == 400
    closes = upcoming.closes_at + datetime.timedelta(days=3)
    response = client.patch(url, {"closes_at": closes.isoformat(),
                                  "description": "Prolongée d'une semaine."}, **auth)  # fmt: skip
    assert response.status_code == 200, response.content
    upcoming.refresh_from_db()
    assert upcoming.closes_at == closes and upcoming.title == "Budget 2027"
    assert [q.label for q in upcoming.questions.all()] == ["Priorité", "Remarques"]
    too_late = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(ValidationFailed, match="première réponse"):
        services.consultation_update(actor=agent, consultation=upcoming, opens_at=too_late)
    with pytest.raises(PermissionRefused):
        services.consultation_update(actor=citizen, consultation=upcoming, description="x")


def test_the_admin_goes_through_the_same_rules(client, data_officer, participant, upcoming):
    Consultation.objects.filter(pk=upcoming.pk).update(
        opens_at=timezone.now() - datetime.timedelta(hours=1))  # fmt: skip
    upcoming.refresh_from_db()
    services.response_submit(actor=participant, consultation=upcoming,
                             answers=_answers(upcoming))  # fmt: skip
    client.force_login(data_officer)
    url = f"/admin/participation/consultation/{upcoming.pk}/change/"
    form = {"title": "Titre changé", "description": upcoming.description,
            "opens_at_0": timezone.localtime(upcoming.opens_at).strftime("%d/%m/%Y"),
            "opens_at_1": timezone.localtime(upcoming.opens_at).strftime("%H:%M:%S"),
            "closes_at_0": timezone.localtime(upcoming.closes_at).strftime("%d/%m/%Y"),
            "closes_at_1": timezone.localtime(upcoming.closes_at).strftime("%H:%M:%S")}  # fmt: skip
    response = client.post(url, form, follow=True)
    assert "ont déjà répondu" in response.content.decode()
    upcoming.refresh_from_db()
    assert upcoming.title == "Budget 2027"
    form.update(title="Budget 2027", description="Texte relu.")
    assert client.post(url, form).status_code == 302
    upcoming.refresh_from_db()
    assert upcoming.description == "Texte relu."
    assert AuditEvent.objects.filter(object_id=str(upcoming.pk), action="update",
                                     actor=data_officer).exists()  # fmt: skip
