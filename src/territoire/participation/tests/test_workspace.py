"""The staff's participation page: who may enter, answering, moderating, a project's form."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from territoire.core.errors import PermissionRefused
from territoire.participation import services
from territoire.participation.models import InvitationCode, Project, Response
from territoire.trust.models import AuditEvent

from .conftest import answers_for


@pytest.fixture
def proposal(participant, project):
    return services.proposal_create(actor=participant, title="Un DAE", text="Au stade.",
                                    category="sante", project=project)  # fmt: skip


@pytest.mark.parametrize(("role", "status"), [("citizen", 403), ("reuser", 403), ("agent", 200),
                                              ("steward", 200), ("data_officer", 200)])  # fmt: skip
def test_who_enters_the_staff_page(client, roles, role, status, project):
    client.force_login(roles[role])
    assert client.get("/espace/participation/").status_code == status


def test_an_agent_answers_and_a_moderator_hides(client, agent, citizen, proposal):
    client.force_login(agent)
    page = client.get("/espace/participation/").content.decode()
    assert "Un DAE" in page
    client.post("/espace/participation/actions/", {"action": "answer_proposal", "id": proposal.pk,
                                                   "status": "rejected", "answer": ""})  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.status == "submitted"  # a rejection needs its reason
    client.post("/espace/participation/actions/", {"action": "answer_proposal", "id": proposal.pk,
                                                   "status": "accepted", "answer": "Oui."})  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.status == "accepted"
    citizen.user_permissions.add(Permission.objects.get(codename="moderate_content"))
    client.force_login(citizen)  # a moderator without a staff role
    client.post("/espace/participation/actions/", {"action": "moderate", "kind": "proposal",
                                                   "id": proposal.pk, "act": "hide",
                                                   "reason": "Hors sujet"})  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.is_hidden and proposal.hidden_reason == "Hors sujet"
    assert client.get(f"/propositions/{proposal.pk}/").status_code == 200  # moderators still see it
    client.logout()
    assert client.get(f"/propositions/{proposal.pk}/").status_code == 404


def test_project_form_creates_through_the_service(client, agent, service, territory):
    client.force_login(agent)
    assert client.get("/espace/participation/projets/nouveau/").status_code == 200
    response = client.post("/espace/participation/projets/nouveau/", {
        "title": "Budget participatif", "service": service.pk, "territory": territory.pk,
        "status": "planned", "progress": 0, "is_published": "on"})  # fmt: skip
    assert response.status_code == 302
    project = Project.objects.get(title="Budget participatif")
    response = client.post(f"/espace/participation/projets/{project.slug}/", {
        "title": "Budget participatif", "service": service.pk, "territory": territory.pk,
        "status": "in_progress", "progress": 30})  # fmt: skip
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.progress == 30 and project.timeline.filter(text__contains="30").exists()


def test_the_data_officer_hands_out_invitation_codes_in_the_admin(client, data_officer, agent):
    client.force_login(agent)
    assert client.get("/admin/participation/invitationcode/add/").status_code == 403
    client.force_login(data_officer)
    response = client.post("/admin/participation/invitationcode/add/",
                           {"code": "MTP-2026-9", "note": "Mairie annexe"})  # fmt: skip
    assert response.status_code == 302
    code = InvitationCode.objects.get(code="MTP-2026-9")
    assert AuditEvent.objects.filter(object_type="participation.invitationcode",
                                     object_id=str(code.pk), action="create").exists()  # fmt: skip


def test_a_residents_only_consultation_asks_for_the_badge(participant, project, agent):
    now = timezone.now()
    consultation = services.consultation_create(
        actor=agent, project=project, title="Réservée", requires_residency=True,
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=1),
        questions=[{"kind": "scale", "label": "Note"}],
    )  # fmt: skip
    question = consultation.questions.get()
    with pytest.raises(PermissionRefused, match="résidents"):
        services.response_submit(
            actor=participant, consultation=consultation, answers={question.pk: 3}
        )
    assert not Response.objects.exists()
    InvitationCode.objects.create(code="ABC")
    services.residency_verify(participant=participant.participant, invitation_code="abc")
    services.response_submit(actor=participant, consultation=consultation, answers={question.pk: 3})
    assert Response.objects.count() == 1


def test_staff_exports_hold_pseudonyms_only_and_are_audited(
    client, agent, citizen, proposal, consultation
):
    services.response_submit(actor=proposal.author.user, consultation=consultation,
                             answers=answers_for(consultation))  # fmt: skip
    client.force_login(citizen)
    assert client.get("/espace/participation/exports/proposals.csv").status_code == 403
    client.force_login(agent)
    body = client.get("/espace/participation/exports/proposals.csv").content.decode()
    assert "Un DAE" in body and "Camille34" in body and "@example.fr" not in body
    responses = client.get("/espace/participation/exports/responses.json").json()
    assert {r["question"] for r in responses} >= {"Lieu prioritaire"}
    assert all("participant" not in r and "author" not in r for r in responses)
    assert AuditEvent.objects.filter(action="read", object_type="participation.responses").exists()
    assert client.get("/espace/participation/exports/users.csv").status_code == 404


def test_phases_are_set_from_the_project_page(client, agent, project):
    client.force_login(agent)
    url = f"/espace/participation/projets/{project.slug}/"
    assert "Concertation" in client.get(url).content.decode()
    client.post("/espace/participation/actions/", {"action": "set_phase", "id": project.pk,
                                                   "kind": "concertation", "starts_on": "2026-01-05",
                                                   "ends_on": "2025-12-01", "next": url})  # fmt: skip
    assert not project.phases.exists()  # the end before the start: refused
    response = client.post("/espace/participation/actions/", {
        "action": "set_phase", "id": project.pk, "kind": "concertation",
        "starts_on": "2026-01-05", "ends_on": "2026-03-01", "next": url})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == url
    assert project.phases.get().ends_on == datetime.date(2026, 3, 1)


def test_a_consultation_is_written_one_question_per_line(client, agent, project):
    client.force_login(agent)
    url = f"/espace/participation/projets/{project.slug}/consultations/nouvelle/"
    values = {"title": "Lieux", "opens_at": "2026-01-01T08:00", "closes_at": "2026-02-01T08:00",
              "questions": "unique : Le lieu | Écoles ; Stades\nbof : rien"}  # fmt: skip
    response = client.post(url, values)
    assert response.status_code == 400 and "Ligne 2" in response.content.decode()
    assert "bof : rien" in response.content.decode()  # what was typed stays
    values["questions"] = ("unique : Le lieu | Écoles ; Stades\nechelle 0-10 : Utilité\n"
                           "classement : Ordre | A ; B ; C\ntexte : Un mot ? (facultatif)")  # fmt: skip
    assert client.post(url, values).status_code == 302
    questions = list(project.consultations.get().questions.all())
    assert [q.kind for q in questions] == ["single", "scale", "ranking", "text"]
    assert (questions[1].scale_min, questions[1].scale_max) == (0, 10)
    assert questions[3].label == "Un mot ?" and not questions[3].is_required
