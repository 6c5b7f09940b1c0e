"""The ODSQL suite's datasets: real city files (and one generated table) written as versions in a
lake, read through the path production uses — ``records.selectors`` — from the Parquet file and
from the serving file built beside it (every structure, whatever the size), which must agree.

Each dataset comes with its column list (as the lake records it: ids, labels, types, storage
types) and its rows read back in Python, so tests can compute the expected answer
independently of the SQL under test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.test import override_settings

from territoire.catalog import services as catalog_services
from territoire.core.duckdb import load_extension
from territoire.interop.tests.conftest import lake_version
from territoire.lake.engine import serving as serving_build
from territoire.records import engine, selectors
from territoire.records.columns import quote
from territoire.records.odsql import QueryError, RecordQuery

MODES = ("off", "on")  # the Parquet file, then the serving file
_PKS = itertools.count(900_001)  # version keys apart from the database's
# Every structure, on up to three sortable columns: the suite's files are small.
ALL_STRUCTURES = serving_build.Options(min_rows=0, sorted_max=3, memory_mb=256)


def both(home: Path, read, modes=MODES):
    """``read()`` from the Parquet file and from the serving file: the answers (or the errors)
    must be the same."""
    answers = []
    for mode in modes:
        with override_settings(TERRITOIRE_HOME=home, TERRITOIRE_RECORDS_SERVING=mode == "on"):
            try:
                answers.append(("answer", read()))
            except QueryError as exc:
                answers.append(("error", exc))
    kind, first = answers[0]
    for other_kind, other in answers[1:]:
        assert other_kind == kind, (answers, modes)
        if kind == "error":
            assert (other.message_en, other.clause, other.position) == (
                first.message_en,
                first.clause,
                first.position,
            )
        else:
            assert other == first, modes
    if kind == "error":
        raise first
    return first


@dataclass
class Dataset:
    home: Path  # TERRITOIRE_HOME of the suite's lake
    path: Path
    columns: list[dict]  # as the lake records them
    rows: list[dict]  # every row, in file order, as Python values
    served: selectors.Served

    def run(self, modes=MODES, **query) -> dict:
        """A page as the front-ends read it (``selectors.version_page``): ``{"total_count",
        "results", "limits", "columns"}``; the record id only when the query selects it."""
        options = {k: query.pop(k) for k in ("max_limit", "timeout_s", "with_count") if k in query}
        query.setdefault("limit", 10000)
        return both(
            self.home,
            lambda: selectors.version_page(
                self.served, RecordQuery(**query), default_limit=10, **options
            ),
            modes,
        )

    def ids(self, key: str = "id", **query) -> list:
        query.setdefault("select", key)
        return [row[key] for row in self.run(**query)["results"]]

    def expect(self, predicate, key: str = "id") -> list:
        return [row[key] for row in self.rows if predicate(row)]

    def facets(self, modes=MODES, **options) -> list[dict]:
        return both(self.home, lambda: selectors.record_facets(self.served, **options), modes)

    def export(self, query: RecordQuery, **options) -> list[dict]:
        """Every row of an export (``selectors.export_rows``), streamed."""
        return both(
            self.home,
            lambda: list(
                selectors.export_rows(self.served, query, engine.DEFAULT_TIMEZONE, **options)
            ),
        )


def _columns(*specs: tuple[str, str, str]) -> list[dict]:
    return [{"id": i, "label": label, "type": t} for i, label, t in specs]


def odsql_version(home: Path, path: Path, columns: list[dict], rows: int, con) -> tuple:
    """The file as a version of the lake: its columns with their storage types, as ingestion
    records them, and the Served the selectors read."""
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    storage = {name: type_ for name, type_, *_ in described}
    columns = [{**c, "storage_type": c.get("storage_type") or storage[c["id"]]} for c in columns]
    serving_build.build(path, serving_build.serving_path(path), columns, ALL_STRUCTURES)
    version = selectors.Version(
        pk=next(_PKS),
        number=1,
        path=str(path.relative_to(home / "lake")),
        row_count=rows,
        columns=columns,
        parquet_checksum=hashlib.sha256(path.read_bytes()).hexdigest(),
    )
    return version, columns


def lake_dataset(home: Path, path: Path, columns: list[dict], con) -> Dataset:
    rows = _read(con, path)
    version, columns = odsql_version(home, path, columns, len(rows), con)
    return Dataset(home, path, columns, rows, selectors.served_for(None, version))


def _read(con, path: Path) -> list[dict]:
    """Rows as Python values; aware datetimes in UTC (read as epochs: DuckDB would need pytz)."""
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    zoned = {name for name, type_, *_ in described if type_ == "TIMESTAMP WITH TIME ZONE"}
    projection = ", ".join(
        f"epoch_us({quote(name)}) AS {quote(name)}" if name in zoned else quote(name)
        for name, *_ in described
    )
    cursor = con.execute(f"SELECT {projection} FROM read_parquet('{path}')")  # noqa: S608 - test fixture
    names = [d[0] for d in cursor.description]
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    rows = []
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        for name in zoned:
            if row[name] is not None:
                row[name] = epoch + dt.timedelta(microseconds=row[name])
        rows.append(row)
    return rows


@pytest.fixture(scope="session")
def con():
    """A connection to write the suite's files (the reads use the production connections)."""
    connection = engine.connect()
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def odsql_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("odsql-home")


@pytest.fixture(scope="session")
def lake(odsql_home) -> Path:
    folder = odsql_home / "lake" / "odsql"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture(scope="session")
def velo(shared_data, odsql_home, lake, con) -> Dataset:
    """Rennes, Vélo STAR stations: accents in names, dates, booleans, a lat/lon pair as geo_point."""
    source = (
        shared_data
        / "city"
        / "rennes-velo-star-stations"
        / "topologie-des-stations-le-velo-star.csv"
    )
    path = lake / "velo.parquet"
    con.execute(
        f"""COPY (SELECT id::BIGINT AS id, nom, adresse_voie, commune,
              {{'lat': latitude::DOUBLE, 'lon': longitude::DOUBLE}} AS geo,
              mise_en_service::DATE AS mise_en_service, nb_emplacements::BIGINT AS nb_emplacements,
              terminal_cb::BOOLEAN AS terminal_cb, id_correspondance::BIGINT AS id_correspondance
            FROM read_csv('{source}', header = true)) TO '{path}' (FORMAT parquet)"""
    )
    columns = _columns(
        ("id", "Identifiant", "integer"),
        ("nom", "Nom", "text"),
        ("adresse_voie", "Voie", "text"),
        ("commune", "Commune", "text"),
        ("geo", "Position", "geo_point"),
        ("mise_en_service", "Mise en service", "date"),
        ("nb_emplacements", "Nombre d'emplacements", "integer"),
        ("terminal_cb", "Terminal CB", "boolean"),
        ("id_correspondance", "Correspondance", "integer"),
    )
    return lake_dataset(odsql_home, path, columns, con)


@pytest.fixture(scope="session")
def etat(shared_data, odsql_home, lake, con) -> Dataset:
    """Rennes, Vélo STAR live state: a datetime column literally named `date`."""
    source = (
        shared_data
        / "city"
        / "rennes-velo-star-stations"
        / "etat-des-stations-le-velo-star-en-temps-reel.csv"
    )
    path = lake / "etat.parquet"
    con.execute(
        f"""COPY (SELECT id::BIGINT AS id, nom, etat, velos_disponibles::BIGINT AS velos_disponibles,
              emplacements_disponibles::BIGINT AS emplacements_disponibles, date::TIMESTAMPTZ AS date
            FROM read_csv('{source}', header = true)) TO '{path}' (FORMAT parquet)"""
    )
    columns = _columns(
        ("id", "id", "integer"),
        ("nom", "nom", "text"),
        ("etat", "état", "text"),
        ("velos_disponibles", "Vélos disponibles", "integer"),
        ("emplacements_disponibles", "Emplacements disponibles", "integer"),
        ("date", "date", "datetime"),
    )
    return lake_dataset(odsql_home, path, columns, con)


@pytest.fixture(scope="session")
def fontaines(shared_data, odsql_home, lake, con) -> Dataset:
    """Paris, drinking fountains: 1,327 points as geo_point and as WKB geometry, OUI/NON flags."""
    load_extension(con, "spatial")
    source = shared_data / "city" / "paris-fontaines-a-boire" / "fontaines-a-boire.csv"
    path = lake / "fontaines.parquet"
    con.execute(
        f"""COPY (SELECT "Identifiant" AS id, "Type Objet" AS type_objet, "Modèle" AS modele,
              "Voie" AS voie, "Commune" AS commune, "Disponibilité" = 'OUI' AS disponible,
              "Début Indisponibilité" AS debut_indisponibilite, "Motif Indisponibilité" AS motif,
              {{'lat': split_part(geo_point_2d, ',', 1)::DOUBLE,
                'lon': trim(split_part(geo_point_2d, ',', 2))::DOUBLE}} AS geo,
              ST_AsWKB(ST_GeomFromGeoJSON(geo_shape)) AS geo_shape
            FROM read_csv('{source}', header = true, delim = ';')) TO '{path}' (FORMAT parquet)"""
    )
    columns = _columns(
        ("id", "Identifiant", "integer"),
        ("type_objet", "Type Objet", "text"),
        ("modele", "Modèle", "text"),
        ("voie", "Voie", "text"),
        ("commune", "Commune", "text"),
        ("disponible", "Disponibilité", "boolean"),
        ("debut_indisponibilite", "Début Indisponibilité", "datetime"),
        ("motif", "Motif Indisponibilité", "text"),
        ("geo", "geo_point_2d", "geo_point"),
        ("geo_shape", "geo_shape", "geometry"),
    )
    return lake_dataset(odsql_home, path, columns, con)


@pytest.fixture(scope="session")
def nantes(shared_data, odsql_home, lake, con) -> Dataset:
    """Nantes, parking places: French labels with spaces ("Places PMR") mapped to ids, decimals."""
    source = (
        shared_data
        / "city"
        / "nantes-lieux-stationnement"
        / "244400404_lieux-stationnement-nantes-metropole.csv"
    )
    path = lake / "nantes.parquet"
    con.execute(
        f"""COPY (SELECT "Identifiant" AS id, "Nom" AS nom, "Code INSEE"::VARCHAR AS code_insee,
              "Places"::BIGINT AS places, "Places PMR"::BIGINT AS places_pmr,
              "Tarif 1h"::DOUBLE AS tarif_1h, "Nom de la commune" AS commune,
              {{'lat': "Latitude"::DOUBLE, 'lon': "Longitude"::DOUBLE}} AS geo
            FROM read_csv('{source}', header = true, delim = ';')) TO '{path}' (FORMAT parquet)"""
    )
    columns = _columns(
        ("id", "Identifiant", "text"),
        ("nom", "Nom", "text"),
        ("code_insee", "Code INSEE", "text"),
        ("places", "Places", "integer"),
        ("places_pmr", "Places PMR", "integer"),
        ("tarif_1h", "Tarif 1h", "decimal"),
        ("commune", "Nom de la commune", "text"),
        ("geo", "Géolocalisation", "geo_point"),
    )
    return lake_dataset(odsql_home, path, columns, con)


CATEGORIES = ["École", "Mairie", "Bibliothèque", "Œuvre sociale", "Crèche", "Gymnase", "Piscine"]
NAMES = [
    "l'école du Parc",
    'Salle "Jean Moulin"',
    "Cœur de ville",
    "Rue d'Alésia",
    "Place Saint-Michel",
    "Maison; DROP TABLE x",
]


@pytest.fixture(scope="session")
def synthetic(odsql_home, lake, con) -> Dataset:
    """10,000 generated rows: every column type, nulls, accents, quotes, a tz-aware datetime."""
    rng = random.Random(20240601)
    paris = ZoneInfo("Europe/Paris")
    rows = []
    for i in range(10000):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 4 * 366))
        rows.append(
            (
                i,
                rng.choice(CATEGORIES),
                None if i % 17 == 0 else round(rng.uniform(-50, 950), 2),
                rng.randrange(0, 100),
                day,
                dt.datetime(
                    day.year, day.month, day.day, rng.randrange(24), rng.randrange(60), tzinfo=paris
                ),
                None if i % 23 == 0 else (i % 3 == 0),
                {"lat": 43.55 + rng.random() * 0.1, "lon": 3.80 + rng.random() * 0.12},
                f"{rng.choice(NAMES)} {i}",
            )
        )
    path = lake / "synthetic.parquet"
    names = ["id", "category", "value", "n", "day", "ts", "flag", "geo", "label"]
    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("category", pa.string()),
            ("value", pa.float64()),
            ("n", pa.int64()),
            ("day", pa.date32()),
            ("ts", pa.timestamp("us", tz="Europe/Paris")),
            ("flag", pa.bool_()),
            ("geo", pa.struct([("lat", pa.float64()), ("lon", pa.float64())])),
            ("label", pa.string()),
        ]
    )
    table = pa.Table.from_pylist(
        [dict(zip(names, row, strict=True)) for row in rows], schema=schema
    )
    pq.write_table(table, path)
    columns = _columns(
        ("id", "Identifiant", "integer"),
        ("category", "Catégorie", "text"),
        ("value", "Valeur", "decimal"),
        ("n", "Nombre", "integer"),
        ("day", "Jour", "date"),
        ("ts", "Horodatage", "datetime"),
        ("flag", "Drapeau", "boolean"),
        ("geo", "Position", "geo_point"),
        ("label", "Libellé", "text"),
    )
    version, columns = odsql_version(odsql_home, path, columns, len(rows), con)
    return Dataset(
        odsql_home,
        path,
        columns,
        [dict(zip(names, row, strict=True)) for row in rows],
        selectors.served_for(None, version),
    )


def generated_labels(make_dataset, data_officer, title: str, rows: int):
    """A published dataset of ``rows`` generated rows: ``id``, a distinct ``label`` each
    (« Libellé numéro i »), and ``category`` (97 values), written as the lake writes a version."""
    dataset = make_dataset(title)
    lake_version(
        dataset,
        f"SELECT i AS id, 'Libellé numéro ' || i AS label, 'Catégorie ' || (i % 97) AS category "
        f"FROM range({int(rows)}) t(i)",
        [
            ("id", "id", "integer", "BIGINT"),
            ("label", "label", "text", "VARCHAR"),
            ("category", "category", "text", "VARCHAR"),
        ],
    )
    catalog_services.dataset_publish(actor=data_officer, dataset=dataset)
    return dataset
