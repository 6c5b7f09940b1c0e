"""A project's results list its evaluations (measured effects: the difference-in-differences
estimate, its interval and sentence); linked from the workspace form and the API; a change of a
linked evaluation, or new values of its indicator, goes on the project's timeline."""

from __future__ import annotations

import datetime as dt

import pytest

from territoire.accounts.services import token_create
from territoire.indicators import services as indicator_services
from territoire.participation import services
from territoire.trust.models import AuditEvent

from .effects import evaluation_on_panel


@pytest.fixture
def evaluation(db, tmp_path, make_dataset, data_officer, service):
    return evaluation_on_panel(tmp_path, make_dataset, data_officer, service)


def test_workspace_links_an_evaluation_and_the_page_shows_its_effect(client, agent, project,
                                                                      evaluation):  # fmt: skip
    client.force_login(agent)
    page = client.get(f"/espace/participation/projets/{project.slug}/")
    assert "Effet du réseau de DAE" in page.content.decode()
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if not form.fields[name].disabled}
    data = {k: (v if v is not None else "") for k, v in data.items()}
    data["evaluations"] = [evaluation.pk]
    response = client.post(f"/espace/participation/projets/{project.slug}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(project.evaluations.all()) == [evaluation]
    assert project.timeline.filter(text="Effet mesuré suivi : Effet du réseau de DAE").exists()
    client.logout()
    html = client.get(f"/projets/{project.slug}/").content.decode()
    assert "Effets mesurés" in html and f"/evaluations/{evaluation.slug}/" in html
    assert "Intervalle de confiance à 95 %" in html and "de plus" in html


def test_api_links_with_a_write_token_and_shows_the_estimate(client, agent, citizen, project,
                                                             evaluation):  # fmt: skip
    url = f"/api/v1/participation/projects/{project.slug}/links"
    _, citizen_key = token_create(actor=citizen, user=citizen, name="t", scopes=["read", "write"])
    refused = client.put(url, {"evaluations": [evaluation.slug]}, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {citizen_key}")  # fmt: skip
    assert refused.status_code in (403, 404) and not project.evaluations.exists()
    _, key = token_create(actor=agent, user=agent, name="t", scopes=["read", "write"])
    unknown = client.put(url, {"evaluations": ["nope"]}, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {key}")  # fmt: skip
    assert unknown.status_code == 400 and "nope" in unknown.json()["message"]
    assert not project.evaluations.exists()
    response = client.put(url, {"evaluations": [evaluation.slug]},
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")  # fmt: skip
    assert response.status_code == 200, response.content
    effect = response.json()["evaluations"][0]
    assert effect["reference"] == evaluation.slug
    low, high = effect["confidence_interval"]
    assert low < 5 < high and abs(effect["estimate"] - 5) < 1.5
    assert "de plus" in effect["sentence_fr"] and "more" in effect["sentence_en"]
    assert AuditEvent.objects.filter(object_id=str(project.pk), action="update").exists()
    public = client.get(f"/api/v1/participation/projects/{project.slug}").json()
    assert public["evaluations"][0]["estimate"] == effect["estimate"]


def test_a_change_of_a_linked_evaluation_goes_on_the_timeline(django_capture_on_commit_callbacks,
                                                              data_officer, project, evaluation):  # fmt: skip
    services.project_set_links(actor=data_officer, project=project, evaluations=[evaluation])
    with django_capture_on_commit_callbacks(execute=True):
        indicator_services.evaluation_update(actor=data_officer, evaluation=evaluation,
                                             intervention_date=dt.date(2019, 1, 1))  # fmt: skip
    texts = list(project.timeline.values_list("text", flat=True))
    assert "Effet mesuré « Effet du réseau de DAE » modifié : date de l'intervention" in texts
    with django_capture_on_commit_callbacks(execute=True):
        indicator_services.evaluation_update(actor=data_officer, evaluation=evaluation,
                                             title=evaluation.title)  # no change, no line  # fmt: skip
    assert project.timeline.count() == len(texts)


def test_reports_of_the_service_are_linked_and_counted(client, agent, citizen, data_officer,
                                                       project, other_service):  # fmt: skip
    from territoire.core.errors import ValidationFailed
    from territoire.reports.models import Report, ReportCategory

    voirie = ReportCategory.objects.create(code="voirie", name="Voirie", service=project.service)
    eau = ReportCategory.objects.create(code="eau", name="Eau", service=other_service)
    ours = [Report.objects.create(category=voirie, description=f"Trou n° {n}", latitude=43.61,
                                  longitude=3.87, status=status)
            for n, status in enumerate(["nouveau", "pris_en_charge", "resolu"])]  # fmt: skip
    theirs = Report.objects.create(category=eau, description="Fuite", latitude=43.6, longitude=3.9)
    with pytest.raises(ValidationFailed, match="autre service"):
        services.project_set_links(actor=data_officer, project=project, reports=[theirs])
    assert not project.reports.exists()
    client.force_login(agent)
    form = client.get(f"/espace/participation/projets/{project.slug}/").context["form"]
    offered = set(form.fields["reports"].queryset)
    assert offered == {ours[0], ours[1]}  # open reports of the project's service only
    services.project_set_links(actor=agent, project=project, reports=ours)
    assert project.timeline.filter(text=f"{ours[0]} rattaché au projet").exists()
    html = client.get(f"/projets/{project.slug}/").content.decode()
    assert "3 signalements des habitants sont rattachés à ce projet" in html
    assert "pris en charge : 1" in html and f"/signalements/{ours[2].pk}/" in html
    form = client.get(f"/espace/participation/projets/{project.slug}/").context["form"]
    assert ours[2] in set(form.fields["reports"].queryset)  # linked ones stay offered
    api = client.get(f"/api/v1/participation/projects/{project.slug}").json()
    assert api["report_count"] == 3
