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


def square(lon: float, lat: float, size: float) -> dict:
    return {"type": "Polygon", "coordinates": [[
        [lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat],
    ]]}  # fmt: skip


@pytest.fixture
def communes(db):
    """Two square communes side by side (0.1° ≈ 8 km × 11 km at 43.6° N) and a third without
    a shape or a population, members of one EPCI."""
    from territoire.territories.models import EpciMembership, Territory

    a = Territory.objects.create(kind="commune", code="34001", name="Aville", population=2000,
                                 geometry=square(3.8, 43.6, 0.1))  # fmt: skip
    b = Territory.objects.create(kind="commune", code="34002", name="Béville", population=500,
                                 geometry=square(3.9, 43.6, 0.1))  # fmt: skip
    c = Territory.objects.create(kind="commune", code="34003", name="Céville")
    epci = Territory.objects.create(kind="epci", code="200000001", name="Agglo d'Essai")
    for commune in (a, b, c):
        EpciMembership.objects.create(epci=epci, commune=commune)
    return a, b, c


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def points_dataset(make_dataset, ingest, tmp_path):
    """Seven points: 4 in Aville, 2 in Béville, 1 outside both (left out)."""
    rows = ["nom;lon;lat;places"]
    rows += [f"A{i};3.8{i}5;43.65;{i}" for i in range(1, 5)]
    rows += ["B1;3.95;43.61;10", "B2;3.99;43.69;20", "hors;4.50;43.65;100"]
    dataset = make_dataset("Défibrillateurs", slug="defibs", access_level="public", publish=True)
    ingest(dataset, write(tmp_path, "defibs.csv", rows))
    return dataset


PLACES_BY_CODE = {
    "dataset": "places",
    "measure": {"kind": "sum", "column": "places"},
    "period": {"column": "annee", "truncate": "year"},
    "territory": {"column": "code"},
    "normalisation": {"kind": "per_1000"},
}


@pytest.fixture
def places(make_dataset, ingest, tmp_path, communes, data_officer, service):
    """A public indicator over three communes and two years (places per 1,000 inhabitants)."""
    from territoire.indicators import services as indicator_services

    dataset = make_dataset("Places", slug="places", access_level="public", publish=True)
    ingest(dataset, write(tmp_path, "p.csv", [
        "annee;code;places",
        "2019;34001;10", "2019;34002;5", "2019;34003;1",
        "2021;34001;30", "2021;34002;6", "2021;34003;2",
    ]))  # fmt: skip
    indicator = indicator_services.indicator_create(
        actor=data_officer, title="Places pour 1000 habitants", publisher_service=service,
        definition=PLACES_BY_CODE, access_level="public", unit="places",
    )  # fmt: skip
    indicator_services.indicator_compute(actor=data_officer, indicator=indicator)
    indicator_services.indicator_publish(
        actor=data_officer, indicator=indicator, reason="source publique"
    )
    return indicator
