"""A demo-like catalogue for the front-ends: the real Montpellier EPCI and its communes, public
datasets with themes, territories, distributions and real data in the lake, and non-public ones
that must never leak."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from territoire.accounts.services import token_create


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def home(settings, tmp_path):
    """An empty TERRITOIRE_HOME (the lake) and MEDIA_ROOT for the test."""
    path = tmp_path / "home"
    path.mkdir()
    settings.TERRITOIRE_HOME = path
    settings.MEDIA_ROOT = path / "uploads"
    settings.TERRITOIRE_BASE_URL = "https://data.example.fr"
    return path


BUDGET_CSV = "city/montpellier-budget-primitif-2014/VilleMTP_MTP_BudgetPri_2014.csv"
BUDGET_SQL = """
SELECT CAST("Exercice" AS BIGINT) AS exercice, "I_F" AS i_f, "D_R" AS d_r, "Nature" AS nature,
       "Fonction" AS fonction,
       TRY_CAST(replace(regexp_replace("BP", '[^0-9,-]', '', 'g'), ',', '.') AS DECIMAL(18, 2)) AS bp,
       "Libellé fonction" AS libelle_fonction
FROM read_csv('{path}', delim=';', header=true, encoding='latin-1', all_varchar=true)
"""
BUDGET_COLUMNS = [
    ("exercice", "Exercice", "integer", "BIGINT"),
    ("i_f", "I_F", "text", "VARCHAR"),
    ("d_r", "D_R", "text", "VARCHAR"),
    ("nature", "Nature", "text", "VARCHAR"),
    ("fonction", "Fonction", "text", "VARCHAR"),
    ("bp", "BP", "decimal", "DECIMAL(18,2)"),
    ("libelle_fonction", "Libellé fonction", "text", "VARCHAR"),
]
FOUNTAINS_CSV = "city/paris-fontaines-a-boire/fontaines-a-boire.csv"
FOUNTAINS_SQL = """
SELECT "Identifiant" AS identifiant, "Type Objet" AS type_objet, "Modèle" AS modele, "Voie" AS voie,
       "Commune" AS commune, ("Disponibilité" = 'OUI') AS disponibilite,
       {{'lat': CAST(trim(split_part(geo_point_2d, ',', 1)) AS DOUBLE),
        'lon': CAST(trim(split_part(geo_point_2d, ',', 2)) AS DOUBLE)}} AS geo_point_2d
FROM read_csv('{path}', delim=';', header=true, all_varchar=true)
"""
FOUNTAINS_COLUMNS = [
    ("identifiant", "Identifiant", "text", "VARCHAR"),
    ("type_objet", "Type Objet", "text", "VARCHAR"),
    ("modele", "Modèle", "text", "VARCHAR"),
    ("voie", "Voie", "text", "VARCHAR"),
    ("commune", "Commune", "text", "VARCHAR"),
    ("disponibilite", "Disponibilité", "boolean", "BOOLEAN"),
    ("geo_point_2d", "geo_point_2d", "geo_point", "STRUCT(lat DOUBLE, lon DOUBLE)"),
]


def lake_version(dataset, select_sql: str, columns: list[tuple]):
    """Write a real file's rows as the dataset's served Parquet version, as the lake records one.

    The front-ends are tested on their own: this writes the version directly with DuckDB (typed
    like the lake's ingestion would) instead of going through the ingestion service.
    """
    import hashlib

    import duckdb
    from django.conf import settings

    from territoire.lake.models import DatasetLake, DatasetVersion
    from territoire.lake.services.serving import version_serving_build

    folder = settings.TERRITOIRE_HOME / "lake" / dataset.slug
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "v1.parquet"
    con = duckdb.connect()
    con.execute(f"COPY ({select_sql}) TO '{path}' (FORMAT parquet)")
    stats = {}
    for column_id, *_ in columns:
        distinct, nulls = con.execute(
            f'SELECT count(DISTINCT "{column_id}"), count(*) - count("{column_id}") FROM read_parquet(\'{path}\')'
        ).fetchone()
        stats[column_id] = {"distinct": distinct, "nulls": nulls}
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
    con.close()
    checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    version = DatasetVersion.objects.create(
        dataset=dataset,
        number=1,
        path=f"{dataset.slug}/v1.parquet",
        source_name=path.name,
        source_checksum=checksum,
        parquet_checksum=checksum,
        byte_size=path.stat().st_size,
        row_count=rows,
        columns=[
            {
                "id": i,
                "label": label,
                "type": t,
                "storage_type": storage,
                "stats": stats[i],
                "reason": "",
            }
            for i, label, t, storage in columns
        ],
    )
    DatasetLake.objects.update_or_create(dataset=dataset, defaults={"current_version": version})
    version_serving_build(version, rebuild=True)  # as ingestion does
    return version


@dataclass
class Catalogue:
    budget: object  # public, published, with data in the lake and a CSV distribution
    fountains: object  # public, published, geo points in the lake and an uploaded XLSX
    internal: object  # published for the territory's agents only
    restricted: object  # its service only
    draft: object  # public but not published
    metropole: object  # the EPCI's organisation
    city: object  # the commune's organisation (publisher of the datasets)

    @property
    def public(self):
        return [self.budget, self.fountains]

    @property
    def hidden(self):
        return [self.internal, self.restricted, self.draft]


@pytest.fixture
def catalogue(
    home, montpellier, organization, service, other_service, data_officer, make_dataset, shared_data
):
    from territoire.catalog import services as catalog_services
    from territoire.catalog.models import Theme
    from territoire.catalog.vocabularies import EU_THEMES
    from territoire.organizations.models import Organization
    from territoire.territories.models import Territory

    for code, (
        label_fr,
        label_en,
    ) in EU_THEMES.items():  # flushed by transactional (live server) tests
        Theme.objects.get_or_create(
            code=code, defaults={"label_fr": label_fr, "label_en": label_en}
        )

    commune = Territory.objects.get(kind="commune", code="34172")
    organization.territory = commune
    organization.website = "https://www.montpellier.fr"
    organization.email = "opendata@montpellier.fr"
    organization.save()
    metropole = Organization.objects.create(
        name="Montpellier Méditerranée Métropole",
        slug="montpellier-mediterranee-metropole",
        siren="243400017",
        territory=montpellier,
    )
    budget = make_dataset(
        "Budget primitif 2014",
        description="Le budget primitif de la Ville de Montpellier pour 2014, par nature et par fonction.",
        themes=["ECON", "GOVE"],
        territories=[commune],
        keywords=["budget", "finances publiques"],
        frequency="ANNUAL",
        temporal_start=dt.date(2014, 1, 1),
        temporal_end=dt.date(2014, 12, 31),
        contact_name="Direction des finances",
        contact_email="finances@montpellier.fr",
    )
    catalog_services.distribution_create(
        actor=data_officer,
        dataset=budget,
        title="Fichier source (CSV)",
        format="csv",
        download_url="https://data.montpellier3m.fr/sites/default/files/ressources/VilleMTP_MTP_BudgetPri_2014.csv",
    )
    lake_version(budget, BUDGET_SQL.format(path=shared_data / BUDGET_CSV), BUDGET_COLUMNS)
    catalog_services.dataset_publish(actor=data_officer, dataset=budget)

    fountains = make_dataset(
        "Fontaines à boire de la Métropole",
        description="",
        themes=["ENVI", "HEAL"],
        territories=list(montpellier.members.all()),
        keywords=["eau", "fontaines"],
        frequency="IRREG",
    )
    lake_version(
        fountains, FOUNTAINS_SQL.format(path=shared_data / FOUNTAINS_CSV), FOUNTAINS_COLUMNS
    )
    catalog_services.dataset_publish(actor=data_officer, dataset=fountains)
    catalog_services.distribution_create(
        actor=data_officer,
        dataset=fountains,
        title="Inventaire (tableur)",
        format="xlsx",
        content=b"PK\x03\x04 not really a spreadsheet",
        filename="fontaines.xlsx",
    )
    internal = make_dataset(
        "Effectifs des agents",
        access_level="internal",
        themes=["GOVE"],
        keywords=["ressources humaines"],
        publish=True,
    )
    restricted = make_dataset(
        "Fuites du réseau d'eau",
        access_level="restricted",
        publisher_service=other_service,
        themes=["ENVI"],
        keywords=["eau"],
        publish=True,
    )
    draft = make_dataset("Subventions aux associations", themes=["ECON"], keywords=["budget"])
    for dataset in (budget, fountains, internal, restricted, draft):
        dataset.refresh_from_db()
    return Catalogue(budget, fountains, internal, restricted, draft, metropole, organization)


@pytest.fixture
def token_of():
    """token_of(user) -> a fresh read token for that user."""

    def make(user) -> str:
        return token_create(actor=user, user=user, name="interop")[1]

    return make
