"""The quality score: its four criteria, the advice it gives, and where it is shown."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from territoire.catalog import services
from territoire.lake import services as lake_services
from territoire.lake.models import DatasetVersion
from territoire.workspace.selectors import inventory
from territoire.workspace.selectors.quality import dataset_quality

pytest_plugins = ["territoire.lake.tests.lake_django_fixtures"]
pytestmark = pytest.mark.django_db


def _criteria(quality) -> dict:
    return {c.key: c for c in quality.criteria}


def test_an_empty_declaration_scores_low_and_says_what_to_do(make_dataset):
    dataset = make_dataset("Arbres", frequency="UNKNOWN")
    quality = dataset_quality(dataset)
    by_key = _criteria(quality)
    assert by_key["freshness"].points == 0 and by_key["columns"].points == 0
    assert by_key["schema"].points == 0
    # licence given by default: 1 field of 9 → round(40 / 9)
    assert by_key["metadata"].points == 4
    assert quality.score == 4 and quality.level == "poor"
    assert "Nommez un relais données." in quality.advice
    assert "Déposez le fichier du jeu de données." in quality.advice


def test_a_complete_fresh_documented_dataset_scores_full_but_schema(
    home, make_dataset, steward, budget_csv, montpellier
):
    dataset = make_dataset(
        "Budget primitif",
        description="Budget voté par le conseil municipal : crédits par section et nature.",
        keywords=["budget"],
        frequency="ANNUAL",
        steward=steward,
        contact_email="finances@example.fr",
        temporal_start=datetime.date(2014, 1, 1),
        territories=[montpellier],
        themes=["ECON"],
    )
    lake_services.dataset_ingest(actor=steward, dataset=dataset, source=budget_csv)
    version = DatasetVersion.objects.get(dataset=dataset)
    columns = [c["id"] for c in version.columns]
    services.column_descriptions_set(
        actor=steward,
        dataset=dataset,
        descriptions={c: {"label": c.upper()} for c in columns[:-1]},
    )
    quality = dataset_quality(dataset)
    by_key = _criteria(quality)
    assert by_key["metadata"].points == 40 and by_key["metadata"].advice == []
    assert by_key["freshness"].points == 20
    assert by_key["schema"].points == 10  # no schema declared: half, with the advice to declare one
    assert by_key["columns"].points == round(20 * (len(columns) - 1) / len(columns))
    assert "1 colonnes" in by_key["columns"].advice[0]
    # late: the score loses its freshness points and says since when
    DatasetVersion.objects.filter(dataset=dataset).update(
        created_at=timezone.now() - datetime.timedelta(days=400)
    )
    late = _criteria(dataset_quality(dataset))["freshness"]
    assert late.points == 0 and "jour(s) de retard" in late.explanation


def test_the_inventory_and_the_page_give_the_same_score(client, data_officer, make_dataset):
    dataset = make_dataset("Arbres", keywords=["arbres"], frequency="IRREG")
    [row] = [r for r in inventory(data_officer) if r.dataset.pk == dataset.pk]
    assert row.quality.score == dataset_quality(dataset).score
    client.force_login(data_officer)
    page = client.get(reverse("workspace:dataset_edit", args=[dataset.slug])).content.decode()
    assert f"Qualité : {row.quality.score} sur 100" in page and "Pour progresser" in page
    listing = client.get(reverse("workspace:officer_datasets")).content.decode()
    assert f'#qualite" class="quality quality-poor">{row.quality.score}<' in listing
