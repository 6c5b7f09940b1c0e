"""Fixtures of the portal's tests: real Montpellier files ingested into the lake."""

from __future__ import annotations

import pytest

from territoire.conftest import publish_real_file
from territoire.lake.tests import lake_django_fixtures

# The lake's fixtures for real files and an empty TERRITOIRE_HOME, shared rather than copied.
home = lake_django_fixtures.home
city = lake_django_fixtures.city
budget_csv = lake_django_fixtures.budget_csv
defib_csv = lake_django_fixtures.defib_csv
delibs_csv = lake_django_fixtures.delibs_csv

BROWSER_UA = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}


@pytest.fixture
def ingest(home, data_officer):
    """ingest(dataset, path) -> the report: loads a real file into the lake as a new version."""
    from territoire.lake import services as lake_services

    def run(dataset, path, **options):
        report = lake_services.dataset_ingest(
            actor=data_officer, dataset=dataset, source=path, original_name=path.name, **options
        )
        assert report.status in ("created", "unchanged"), report.as_dict()
        return report

    return run


@pytest.fixture
def defibrillators(home, make_dataset, defib_csv, montpellier, data_officer):
    """Montpellier's defibrillators, public, with its 167 positions in the lake."""
    from territoire.territories.models import Territory

    commune = Territory.objects.get(kind="commune", code="34172")
    dataset = make_dataset(
        "Défibrillateurs de Montpellier",
        description="Emplacements des **défibrillateurs** automatisés externes.",
        themes=["HEAL"],
        keywords=["DAE", "santé"],
        territories=[commune],
        frequency="IRREG",
    )
    publish_real_file(data_officer, dataset, defib_csv)
    return dataset


@pytest.fixture
def budget(make_dataset, ingest, budget_csv, data_officer):
    """Montpellier's 2014 budget (1,448 rows, decimal amounts), public."""
    from territoire.catalog import services as catalog_services

    dataset = make_dataset(
        "Budget primitif 2014",
        description="Budget voté par le conseil municipal : crédits par section et par fonction.",
        themes=["ECON", "GOVE"],
        keywords=["budget", "finances"],
        frequency="ANNUAL",
    )
    ingest(dataset, budget_csv)
    catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
    return dataset
