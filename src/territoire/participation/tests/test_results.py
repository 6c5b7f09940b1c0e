"""A consultation's results published as a public dataset of the lake, read back through the
public records API: aggregated choices, reviewed free texts only, small quartiers hidden."""

import datetime

import pytest
from django.utils import timezone

from territoire.core.errors import ValidationFailed
from territoire.participation import services
from territoire.participation.models import Answer
from territoire.territories.models import Territory

from .conftest import answers_for


@pytest.fixture
def quartiers(db):
    return [Territory.objects.create(kind="quartier", code=f"Q{n}", name=f"Quartier {n}")
            for n in (1, 2, 3)]  # fmt: skip


def test_results_are_published_as_a_dataset(client, make_participant, consultation, quartiers,
                                             data_officer, agent):  # fmt: skip
    sizes = {quartiers[0]: 12, quartiers[1]: 11, quartiers[2]: 2}
    n = 0
    for quartier, size in sizes.items():
        for _ in range(size):
            n += 1
            user = make_participant(f"P{n}")
            choice = "Écoles" if n % 3 else "Gymnases"
            services.response_submit(actor=user, consultation=consultation, quartier=quartier,
                                     answers=answers_for(consultation, q0=choice, q4=f"Texte {n}"))  # fmt: skip
    approved = Answer.objects.get(text="Texte 1")
    services.answer_text_review(actor=data_officer, answer=approved, decision="approved")
    with pytest.raises(ValidationFailed, match="après la clôture"):
        services.results_publish(actor=agent, consultation=consultation)
    consultation.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    consultation.save()
    services.results_publish(actor=data_officer, consultation=consultation)
    consultation.refresh_from_db()
    slug = consultation.results_dataset.slug
    response = client.get(f"/api/v1/datasets/{slug}/records", {"limit": 100})
    assert response.status_code == 200, response.content
    rows = [r for r in response.json()["results"]]
    overall = {
        r["reponse"]: r["nombre"] for r in rows if r["question"] == 1 and not r["quartier_code"]
    }
    assert overall == {"Écoles": 17, "Gymnases": 8, "Mairies": 0}
    # Q2 (11) would be shown alone, but then Q3 (2) = total − Q1 − Q2: only Q1 is detailed,
    # and the dataset says which quartiers are hidden, with no figure for them.
    detailed = {r["quartier_code"] for r in rows if r["quartier_code"] and r["nombre"] is not None}
    assert detailed == {"Q1"}
    hidden = [r for r in rows if r["secret_statistique"] == "masqué"]
    assert {r["quartier_code"] for r in hidden} == {"Q2", "Q3"}
    assert all(r["nombre"] is None and r["repondants"] is None for r in hidden)
    texts = [r["reponse"] for r in rows if r["type"] == "text"]
    assert texts == ["Texte 1"]
    assert consultation.project.timeline.filter(text__startswith="Résultats publiés").exists()
    page = client.get(f"/consultations/{consultation.slug}/").content.decode()
    assert "Part, Quartier 1" in page and "Part, Quartier 2" not in page
    assert "Quartiers non détaillés" in page and "Quartier 2, Quartier 3" in page
    api = client.get(f"/api/v1/participation/consultations/{consultation.slug}").json()
    assert api["hidden_quartiers"] == ["Q2", "Q3"]
    assert "Quartier 2, Quartier 3" in api["disclosure"][0]
    assert all(r["count"] is None for r in api["results"] if r["hidden"])
