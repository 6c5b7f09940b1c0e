from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

CITY = Path(__file__).resolve().parents[5] / "shared" / "data" / "city"
DELIBS = CITY / "montpellier-deliberations" / "VilleMTP_MTP_Delibs.csv"
BUDGET = CITY / "montpellier-budget-primitif-2014" / "VilleMTP_MTP_BudgetPri_2014.csv"
PARKINGS = (
    CITY / "nantes-lieux-stationnement" / "244400404_lieux-stationnement-nantes-metropole.csv"
)


def read_csv(path: Path, encoding: str) -> list[dict]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def delib_months() -> Counter:
    """Deliberations per month, read from the file with the csv module (not through the app)."""
    rows = read_csv(DELIBS, "utf-8")
    return Counter(f"{r['Date CM'][6:10]}-{r['Date CM'][3:5]}" for r in rows)


@pytest.fixture
def ingest(data_officer):
    from territoire.lake import services as lake_services

    def run(dataset, path: Path):
        report = lake_services.dataset_ingest(
            actor=data_officer, dataset=dataset, source=path, original_name=path.name
        )
        assert report.status == "created", report.as_dict()
        return report

    return run


@pytest.fixture
def delibs(make_dataset, ingest):
    """The deliberations of Montpellier: internal (the elected members' names are personal data)."""
    dataset = make_dataset("Délibérations", slug="deliberations", access_level="internal")
    ingest(dataset, DELIBS)
    return dataset


@pytest.fixture
def parkings(make_dataset, ingest, data_officer):
    from territoire.catalog import services as catalog_services

    dataset = make_dataset("Lieux de stationnement", slug="stationnement")
    ingest(dataset, PARKINGS)
    catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
    return dataset


@pytest.fixture
def nantes(db):
    from territoire.territories.services import territories_load

    territories_load(epci_siren="244400404")


DELIB_COUNT = {
    "dataset": "deliberations",
    "measure": {"kind": "count"},
    "period": {"column": "date_cm", "truncate": "month"},
    "territory": {"code": "34172"},
}

PLACES = {
    "dataset": "stationnement",
    "measure": {"kind": "sum", "column": "places"},
    "reference_period": "2024",
    "territory": {"column": "code_insee"},
}
