"""A project's results list its evaluations (measured effects: the difference-in-differences
estimate, its interval and sentence); linked from the workspace form and the API; a change of a
linked evaluation, or new values of its indicator, goes on the project's timeline."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from territoire.accounts.services import token_create
from territoire.indicators import services as indicator_services
from territoire.lake import services as lake_services
from territoire.participation import services
from territoire.territories.models import Territory
from territoire.trust.models import AuditEvent

TREATED = [f"3410{i}" for i in range(10)]
CONTROL = [f"3420{i}" for i in range(10)]
YEARS = range(2016, 2024)


@pytest.fixture
def evaluation(db, tmp_path, make_dataset, data_officer, service):
    """A published indicator over a panel of 20 communes where the treated ten gain 5 from 2020
    on (common trend + 2 a year, noise sd 1), and its evaluation."""
    for code in TREATED + CONTROL:
        Territory.objects.create(kind="commune", code=code, name=f"Commune {code}")
    rng = np.random.default_rng(3)
    lines = ["annee;code_insee;valeur"]
    for code in TREATED + CONTROL:
        level = rng.normal(50, 10)
        for i, year in enumerate(YEARS):
            value = (
                level + 2 * i + rng.normal(0, 1) + (5 if code in TREATED and year >= 2020 else 0)
            )
            lines.append(f"{year};{code};{value:.3f}")
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dataset = make_dataset("Défibrillateurs utilisés", slug="panel")
    lake_services.dataset_ingest(actor=data_officer, dataset=dataset, source=path,
                                 original_name=path.name, publish=True)  # fmt: skip
    indicator = indicator_services.indicator_create(
        actor=data_officer, title="Survies après arrêt cardiaque", publisher_service=service,
        definition={"dataset": "panel", "measure": {"kind": "sum", "column": "valeur"},
                    "period": {"column": "annee", "truncate": "year"},
                    "territory": {"column": "code_insee"}},
    )  # fmt: skip
    indicator_services.indicator_compute(actor=data_officer, indicator=indicator)
    indicator_services.indicator_publish(actor=data_officer, indicator=indicator,
                                         reason="Agrégats publics, sans donnée personnelle.")  # fmt: skip
    return indicator_services.evaluation_create(
        actor=data_officer, indicator=indicator, title="Effet du réseau de DAE",
        intervention_date=dt.date(2020, 1, 1), treated=TREATED, comparison=CONTROL,
    )  # fmt: skip


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
