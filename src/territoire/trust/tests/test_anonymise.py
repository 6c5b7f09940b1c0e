"""Anonymising transforms on real city files, as the ingestion engine leaves them in the lake."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

import duckdb
import pytest

from territoire.core.duckdb import load_extension
from territoire.core.errors import ValidationFailed
from territoire.lake.engine import stage
from territoire.trust.disclosure.transforms import PseudonymKey, TransformPlan, apply_plan

SECRET = "k3y-de-test-" + "7" * 30
OTHER_SECRET = "autre-cl3-" + "9" * 30
BOUNDARIES = (
    Path(__file__).resolve().parents[2]
    / "territories"
    / "data"
    / "geojson"
    / "communes-35-ille-et-vilaine.geojson.gz"
)


def lake_table(con, shared_data: Path, relative: str, name: str, tmp_path: Path) -> None:
    """The file staged by the ingestion engine (typed Parquet), loaded as table ``name``."""
    staged = stage(shared_data / "city" / relative, workdir=tmp_path / name)
    staged.close()
    con.execute(
        f'CREATE TABLE "{name}" AS SELECT * FROM read_parquet(?)', [str(staged.parquet_path)]
    )


def run(con, steps, source, **options) -> list[dict]:
    compiled = apply_plan(con, TransformPlan.from_json(steps), source, **options)
    cursor = con.execute(compiled.sql, compiled.params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def tables(con) -> set[str]:
    return {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def test_dates_to_month_or_year(shared_data, tmp_path):
    con = duckdb.connect()
    lake_table(
        con, shared_data, "montpellier-deliberations/VilleMTP_MTP_Delibs.csv", "delibs", tmp_path
    )
    original = [row[0] for row in con.execute("SELECT date_cm FROM delibs").fetchall()]
    assert all(isinstance(d, dt.date) for d in original)  # parsed from dd/mm/yyyy
    months = run(con, [{"op": "generalise_date", "column": "date_cm", "to": "month"}], "delibs")
    assert [r["date_cm"] for r in months] == [f"{d.year:04d}-{d.month:02d}" for d in original]
    assert months[0]["date_cm"] == "2013-11"
    years = run(con, [{"op": "generalise_date", "column": "date_cm", "to": "year"}], "delibs")
    assert [r["date_cm"] for r in years] == [d.year for d in original]


def test_addresses_lose_their_house_number(shared_data, tmp_path):
    con = duckdb.connect()
    lake_table(
        con,
        shared_data,
        "montpellier-defibrillateurs/VilleMTP_MTP_Defibrillateurs.csv",
        "defib",
        tmp_path,
    )
    lake_table(con, shared_data, "paris-sanisettes/sanisettesparis.csv", "sanisettes", tmp_path)
    step = [{"op": "address_to_street", "column": "adresse"}]
    pairs = {}
    for table in ("defib", "sanisettes"):
        before = [r[0] for r in con.execute(f'SELECT adresse FROM "{table}"').fetchall()]
        after = [r["adresse"] for r in run(con, step, table)]
        pairs.update(zip(before, after, strict=True))
    assert (
        pairs["6 rue Maguelone             340000 Montpellier"]
        == "rue Maguelone 340000 Montpellier"
    )
    assert pairs["19 bis Rue durand     34000 Montpellier"] == "Rue durand 34000 Montpellier"
    assert pairs["1-55 Rue de la Constituante                       34000 MONTPELLIER"] == (
        "Rue de la Constituante 34000 MONTPELLIER"
    )
    assert pairs["92102  RUE BLOMET"] == "RUE BLOMET"
    assert pairs["face au 121 RUE DES PYRENEES"] == "RUE DES PYRENEES"
    assert pairs["130 ter BOULEVARD DE CLICHY"] == "BOULEVARD DE CLICHY"
    assert pairs["Avenue de Naples\n34000 Montpellier"] == "Avenue de Naples 34000 Montpellier"
    leading = re.compile(
        r"^\s*(?:face au\s+)?\d+\s*(?:bis|ter|[a-z])?\s*,?\s+(?:rue|avenue|bd|boulevard|place|quai|allée|chemin)\b",
        re.I,
    )
    numbered = [b for b in pairs if b and leading.match(b)]
    assert len(numbered) > 300
    assert not [a for a in pairs.values() if a and leading.match(a)]


def test_a_street_named_after_a_date_keeps_it():
    con = duckdb.connect()
    con.execute("CREATE TABLE a (adresse VARCHAR)")
    con.executemany(
        "INSERT INTO a VALUES (?)",
        [["Rue du 8 Mai 1945"], ["3 place du 11 Novembre"], [None], ["12"]],
    )
    out = [r["adresse"] for r in run(con, [{"op": "address_to_street", "column": "adresse"}], "a")]
    assert out == ["Rue du 8 Mai 1945", "place du 11 Novembre", None, "12"]


def distance_m(lat1, lon1, lat2, lon2) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371000 * math.hypot(x, math.radians(lat2 - lat1))


def test_coordinates_to_a_200_m_grid(shared_data, tmp_path):
    con = duckdb.connect()
    lake_table(
        con,
        shared_data,
        "rennes-velo-star-stations/topologie-des-stations-le-velo-star.csv",
        "velo",
        tmp_path,
    )
    before = con.execute("SELECT latitude, longitude FROM velo").fetchall()
    after = run(
        con,
        [
            {
                "op": "coordinates_to_grid",
                "latitude": "latitude",
                "longitude": "longitude",
                "cell_metres": 200,
                "id_column": "carreau",
            }
        ],
        "velo",
    )
    assert len(after) == len(before) == 83
    cells = {}
    for (lat, lon), row in zip(before, after, strict=True):
        # the centre of a 200 m cell is at most 100·√2 m away
        assert distance_m(lat, lon, row["latitude"], row["longitude"]) <= 142
        match = re.fullmatch(r"CRS3035RES200mN(\d+)E(\d+)", row["carreau"])
        assert match and int(match[1]) % 200 == 0 and int(match[2]) % 200 == 0
        cells.setdefault(row["carreau"], set()).add((row["latitude"], row["longitude"]))
    assert all(len(points) == 1 for points in cells.values())  # one centre per cell
    assert len(cells) < len(before)  # stations sharing a cell are no longer told apart


def test_geo_point_to_a_1_km_grid(shared_data, tmp_path):
    con = duckdb.connect()
    lake_table(
        con,
        shared_data,
        "nantes-parkings-disponibilites/244400404_parkings-publics-nantes-disponibilites.csv",
        "parkings",
        tmp_path,
    )
    before = [r[0] for r in con.execute("SELECT geolocalisation FROM parkings").fetchall()]
    after = run(
        con,
        [{"op": "coordinates_to_grid", "point": "geolocalisation", "cell_metres": 1000}],
        "parkings",
    )
    assert sum(point is not None for point in before) > 20
    for point, row in zip(before, after, strict=True):
        moved = row["geolocalisation"]
        if point is None:
            assert moved is None
            continue
        assert set(moved) == {"lat", "lon"}
        assert distance_m(point["lat"], point["lon"], moved["lat"], moved["lon"]) <= 708


def test_coordinates_to_the_commune(shared_data, tmp_path):
    con = duckdb.connect()
    lake_table(
        con,
        shared_data,
        "rennes-velo-star-stations/topologie-des-stations-le-velo-star.csv",
        "velo",
        tmp_path,
    )
    load_extension(con, "spatial")
    con.execute(
        "CREATE TABLE communes AS SELECT * FROM ST_Read(?)", ["/vsigzip/" + str(BOUNDARIES)]
    )
    ids = [r[0] for r in con.execute("SELECT id FROM velo").fetchall()]
    out = run(
        con,
        [
            {
                "op": "coordinates_to_area",
                "latitude": "latitude",
                "longitude": "longitude",
                "boundaries": "communes_35",
                "output": "code_commune",
            }
        ],
        "velo",
        boundaries={"communes_35": "communes"},
    )
    assert [r["id"] for r in out] == ids  # same rows, same order
    assert "latitude" not in out[0] and "longitude" not in out[0]
    # the Vélo Star network is in Rennes (35238); République, the first station, in particular
    assert out[0]["code_commune"] == "35238"
    assert {r["code_commune"] for r in out} <= {"35238", "35051", "35281"}
    assert sum(r["code_commune"] == "35238" for r in out) > 70


def test_pseudonyms_are_stable_per_secret_and_the_secret_never_shows():
    con = duckdb.connect()
    con.execute("CREATE TABLE p (nir VARCHAR, nom VARCHAR)")
    con.executemany(
        "INSERT INTO p VALUES (?, ?)",
        [
            ["180057512345678", "Martin"],
            ["280057512345611", "Durand"],
            ["180057512345678", "Martin"],
            [None, "X"],
        ],
    )
    steps = [{"op": "pseudonymise", "column": "nir"}, {"op": "drop", "columns": ["nom"]}]
    first = [r["nir"] for r in run(con, steps, "p", key=PseudonymKey(SECRET))]
    again = [r["nir"] for r in run(con, steps, "p", key=PseudonymKey(SECRET))]
    other = [r["nir"] for r in run(con, steps, "p", key=PseudonymKey(OTHER_SECRET))]
    assert first == again
    assert first[0] == first[2] != first[1] and first[3] is None
    assert len(first[0]) == 32 and re.fullmatch(r"[0-9a-f]{32}", first[0])
    assert other[0] != first[0] and other[1] != first[1]
    assert "180057512345678" not in str(first)
    with_context = run(
        con,
        [{"op": "pseudonymise", "column": "nir", "context": "projet-a"}],
        "p",
        key=PseudonymKey(SECRET),
    )
    assert with_context[0]["nir"] != first[0]
    # nowhere in the SQL, its parameters, the plan, the key's text, or errors
    plan = TransformPlan.from_json(steps)
    compiled = apply_plan(con, plan, "p", key=PseudonymKey(SECRET))
    key = PseudonymKey(SECRET)
    texts = [compiled.sql, str(compiled.params), plan.to_json(), repr(key), str(key)]
    for bad in (
        lambda: apply_plan(
            con,
            TransformPlan.from_json([{"op": "pseudonymise", "column": "absente"}]),
            "p",
            key=key,
        ),
        lambda: PseudonymKey(SECRET[:20]),
        lambda: apply_plan(con, plan, "p"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            bad()
        texts += [refused.value.message_fr, refused.value.message_en, str(refused.value.as_dict())]
    assert not [t for t in texts if SECRET in t or SECRET[:20] in t]


def test_pseudonym_key_from_the_environment(monkeypatch):
    monkeypatch.delenv("TERRITOIRE_PSEUDONYM_KEY", raising=False)
    with pytest.raises(ValidationFailed) as refused:
        PseudonymKey.from_environment()
    assert "TERRITOIRE_PSEUDONYM_KEY" in refused.value.message_en
    monkeypatch.setenv("TERRITOIRE_PSEUDONYM_KEY", SECRET)
    assert PseudonymKey.from_environment().pseudonym("x") == PseudonymKey(SECRET).pseudonym("x")


def test_ages_top_coding_and_rare_categories():
    con = duckdb.connect()
    con.execute("CREATE TABLE people (age INTEGER, revenu DOUBLE, quartier VARCHAR)")
    rows = [[a, 1000.0 * a, "Centre" if a % 2 else "Nord"] for a in range(0, 100, 3)]
    rows += [[None, None, "Ilot Sud"]]
    con.executemany("INSERT INTO people VALUES (?, ?, ?)", rows)
    out = run(
        con,
        [
            {"op": "age_bands", "column": "age", "edges": [0, 18, 25, 65, 80]},
            {"op": "top_code", "column": "revenu", "at": 60000},
            {"op": "rare_categories", "column": "quartier", "min_count": 3},
        ],
        "people",
    )
    ages = [r[0] for r in rows]
    expected = [
        None
        if a is None
        else "0-17"
        if a < 18
        else "18-24"
        if a < 25
        else "25-64"
        if a < 65
        else "65-79"
        if a < 80
        else "80+"
        for a in ages
    ]
    assert [r["age"] for r in out] == expected
    assert [r["revenu"] for r in out] == [
        None if a is None else min(1000.0 * a, 60000) for a in ages
    ]
    assert [r["quartier"] for r in out][-1] == "Autre" and out[0]["quartier"] == "Nord"
    widths = run(con, [{"op": "age_bands", "column": "age", "width": 10, "top": 90}], "people")
    assert [r["age"] for r in widths][:5] == ["0-9", "0-9", "0-9", "0-9", "10-19"]
    assert widths[-2]["age"] == "90+"  # age 99
    quantile = run(con, [{"op": "top_code", "column": "revenu", "quantile": 0.9}], "people")
    cap = max(r["revenu"] for r in quantile if r["revenu"] is not None)
    # the 0.9 quantile (discrete) of 0, 3 000, …, 99 000 is 90 000: the 3 incomes above it
    # (93 000, 96 000, 99 000) are capped to it
    assert cap == 90000.0
    assert sum(r["revenu"] == 90000.0 for r in quantile) == 4
    assert quantile[-1]["revenu"] is None  # a missing income stays missing


@pytest.mark.parametrize(
    ("steps", "where", "french", "english"),
    [
        (
            [{"op": "shuffle", "column": "age"}],
            "steps[0].op",
            "opération « shuffle » inconnue",
            "unknown operation 'shuffle'",
        ),
        (
            [{"op": "drop"}],
            "steps[0].columns",
            "paramètre(s) manquant(s) : columns",
            "missing parameter(s): columns",
        ),
        (
            [{"op": "drop", "columns": ["age"], "colour": 1}],
            "steps[0].colour",
            "inconnu(s) : colour",
            "unknown parameter(s): colour",
        ),
        (
            [{"op": "top_code", "column": "taille", "at": 3}],
            "steps[0].column",
            "« taille » n'existe pas",
            "'taille' does not exist",
        ),
        (
            [{"op": "drop", "columns": ["age"]}, {"op": "age_bands", "column": "age"}],
            "steps[1].column",
            "« age » n'existe pas à cette étape",
            "'age' does not exist at this step",
        ),
        (
            [{"op": "generalise_date", "column": "nom", "to": "year"}],
            "steps[0].column",
            "type VARCHAR : une date attendu",
            "type VARCHAR: a date expected",
        ),
        (
            [{"op": "generalise_date", "column": "naissance", "to": "week"}],
            "steps[0].to",
            "month ou year",
            "month or year",
        ),
        (
            [{"op": "drop", "columns": ["age", "nom", "naissance"]}],
            "steps[0].columns",
            "plus aucune colonne",
            "no column left",
        ),
        (
            [{"op": "age_bands", "column": "age", "edges": [18, 10]}],
            "steps[0].edges",
            "liste croissante",
            "increasing list",
        ),
        (
            [{"op": "rare_categories", "column": "nom", "min_count": 0}],
            "steps[0].min_count",
            "entier positif",
            "positive whole number",
        ),
        ([], "plan", "Plan de transformation vide", "Empty transform plan"),
    ],
)
def test_a_plan_that_cannot_run_is_refused_and_nothing_is_created(steps, where, french, english):
    con = duckdb.connect()
    con.execute("CREATE TABLE people (age INTEGER, nom VARCHAR, naissance DATE)")
    before = tables(con)
    with pytest.raises(ValidationFailed) as refused:
        apply_plan(con, TransformPlan.from_json(steps), "people")
    assert refused.value.where == where
    assert french in refused.value.message_fr and english in refused.value.message_en
    assert tables(con) == before
    assert con.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'territoire_pseudonym'"
    ).fetchone() == (0,)


def test_a_plan_is_json_data():
    steps = [
        {"op": "drop", "columns": ["nom"]},
        {"op": "coordinates_to_grid", "latitude": "lat", "longitude": "lon", "cell_metres": 200},
    ]
    plan = TransformPlan.from_json(json.dumps(steps))
    assert json.loads(plan.to_json()) == steps
    assert TransformPlan.from_json(plan.to_json()) == plan
    with pytest.raises(ValidationFailed) as refused:
        TransformPlan.from_json("[{")
    assert "JSON invalide" in refused.value.message_fr
