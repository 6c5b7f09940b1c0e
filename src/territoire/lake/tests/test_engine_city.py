"""Every real city file in ../shared/data/city stages with the right types and values."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from .engine_helpers import CITY, run, typed, types, values

CITY_FILES = sorted(CITY.glob("*/*.csv"))


def test_every_city_file_is_covered():
    assert len(CITY_FILES) >= 11


@pytest.mark.parametrize("path", CITY_FILES, ids=lambda p: p.parent.name + "/" + p.name)
def test_city_file_stages_without_error(path, tmp_path):
    staged, _cols = run(path, tmp_path)
    try:
        assert staged.row_count > 0
        assert staged.parquet_path.is_file()
        assert staged.source_checksum and len(staged.source_checksum) == 64
        # the raw table keeps every column as text, with its source line
        (n,) = staged.con.execute("SELECT count(*) FROM raw").fetchone()
        assert n == staged.row_count
        assert all(len(c.stats["examples"]) <= 5 for c in staged.columns)
        assert all(c.reason for c in staged.columns)
        ids = [c.id for c in staged.columns]
        assert len(ids) == len(set(ids))
        assert all(i.isascii() and i == i.lower() for i in ids)
    finally:
        staged.close()
    # only the staged Parquet is left in the work directory once closed
    assert os.listdir(tmp_path) == [staged.parquet_path.name]


def test_montpellier_budget_latin1_decimal_comma_nbsp(tmp_path):
    staged, cols = run(
        CITY / "montpellier-budget-primitif-2014/VilleMTP_MTP_BudgetPri_2014.csv", tmp_path
    )
    with staged:
        assert staged.encoding == "cp1252"
        assert staged.delimiter == ";"
        assert types(staged) == {
            "exercice": "integer",
            "i_f": "text",
            "d_r": "text",
            "nature": "integer",
            "fonction": "integer",
            "bp": "decimal",
            "libelle_fonction": "text",
        }
        # header ' BP ' keeps its label, Latin-1 'Libellé fonction' is decoded
        assert cols["bp"].label == " BP "
        assert cols["libelle_fonction"].label == "Libellé fonction"
        # ' 1 063 850,00    ' (U+00A0 thousands, padding) is 1063850.00
        first = typed(staged, "SELECT bp FROM t LIMIT 1")[0][0]
        assert first == Decimal("1063850.00")
        assert cols["bp"].storage_type == "DECIMAL(18,2)"
        assert cols["bp"].stats["min"] is not None
        # raw keeps the original text and its line (header is line 1)
        raw = staged.con.execute(
            "SELECT bp, __line__ FROM raw ORDER BY __line__ LIMIT 1"
        ).fetchone()
        assert raw[0].strip().startswith("1") and raw[1] == 2


def test_montpellier_defibrillateurs_dbase_headers_and_latin1(tmp_path):
    staged, cols = run(
        CITY / "montpellier-defibrillateurs/VilleMTP_MTP_Defibrillateurs.csv", tmp_path
    )
    with staged:
        assert [c.id for c in staged.columns] == [
            "id",
            "nom",
            "adresse",
            "tel",
            "coord_x",
            "coord_y",
        ]
        assert cols["nom"].label == "Nom,C,254"
        assert cols["id"].type == "integer"
        assert cols["tel"].type == "text"  # phone numbers stay text
        assert cols["coord_x"].type == "decimal" and cols["coord_x"].geo_role == "longitude"
        assert cols["coord_y"].type == "decimal" and cols["coord_y"].geo_role == "latitude"
        assert "Maison de la Prévention Santé" in values(staged, "nom")
        assert typed(staged, "SELECT round(coord_x, 6) FROM t WHERE id = 1")[0][0] == 3.879523
        # a quoted address spans two lines: the next rows keep their real line numbers
        lines = dict(staged.con.execute("SELECT id, __line__ FROM raw").fetchall())
        assert lines["1"] == 2 and lines["3"] == 4 and lines["4"] == 6


def test_montpellier_deliberations_ddmmyyyy(tmp_path):
    staged, cols = run(CITY / "montpellier-deliberations/VilleMTP_MTP_Delibs.csv", tmp_path)
    with staged:
        assert cols["date_cm"].type == "date"
        assert values(staged, "date_cm")[0] == "2013-11-25"
        assert cols["numero_poseidon"].type == "integer"
        assert cols["elu_s"].label == "Elu(s)"


def test_nantes_parkings_bom_crlf_identifiers_geojson(tmp_path):
    staged, cols = run(
        CITY / "nantes-lieux-stationnement/244400404_lieux-stationnement-nantes-metropole.csv",
        tmp_path,
    )
    with staged:
        assert staged.encoding == "utf-8-sig"
        assert cols["identifiant"].label == "Identifiant"  # BOM not in the label
        assert cols["code_insee"].type == "text"
        assert cols["numero_siret"].type == "text"
        assert values(staged, "numero_siret")[0] == "24440040400129"
        assert cols["places"].type == "integer"
        assert cols["tarif_1h"].type == "decimal"
        assert cols["longitude"].geo_role == "longitude"
        assert cols["latitude"].geo_role == "latitude"
        assert cols["geolocalisation"].type == "geo_point"
        lat, lon = typed(staged, "SELECT geolocalisation.lat, geolocalisation.lon FROM t LIMIT 1")[
            0
        ]
        assert 47 < lat < 48 and -2 < lon < -1
        assert cols["places_voitures_electriques"].label == "Places voitures éléctriques"


def test_nantes_disponibilites_leading_zero_and_lat_lon_string(tmp_path):
    staged, cols = run(
        CITY
        / "nantes-parkings-disponibilites/244400404_parkings-publics-nantes-disponibilites.csv",
        tmp_path,
    )
    with staged:
        assert cols["identifiant"].type == "text"
        assert values(staged, "identifiant")[0] == "012"
        assert cols["horodatage"].type == "datetime"
        assert cols["horodatage"].storage_type == "TIMESTAMP WITH TIME ZONE"
        assert typed(staged, "SELECT epoch(horodatage)::BIGINT FROM t LIMIT 1")[0][0] == 1738232200
        assert cols["geolocalisation"].type == "geo_point"  # '47.2171…, -1.5643…' (some empty)
        assert cols["geolocalisation"].stats["nulls"] > 0
        lat, lon = typed(
            staged,
            "SELECT geolocalisation.lat, geolocalisation.lon FROM t WHERE geolocalisation IS NOT NULL LIMIT 1",
        )[0]
        assert 47 < lat < 48 and -2 < lon < -1
        assert cols["disponibilite"].type == "integer"  # -1 means unavailable


def test_paris_fontaines_iso_datetimes_booleans_points(tmp_path):
    staged, cols = run(CITY / "paris-fontaines-a-boire/fontaines-a-boire.csv", tmp_path)
    with staged:
        assert cols["disponibilite"].type == "boolean"  # OUI/NON
        assert cols["debut_indisponibilite"].type == "datetime"
        assert cols["geo_point_2d"].type == "geo_point"
        assert cols["geo_shape"].type == "geo_point"  # GeoJSON Point
        rows = typed(
            staged,
            "SELECT geo_point_2d.lat, geo_point_2d.lon, geo_shape.lat, geo_shape.lon FROM t LIMIT 1",
        )
        lat, lon, lat2, lon2 = rows[0]
        assert 48 < lat < 49 and 2 < lon < 3 and abs(lat - lat2) < 1e-6 and abs(lon - lon2) < 1e-6
        assert cols["n_voie_pair"].type == "text"  # '66F', '2 FACE'
        assert cols["identifiant"].type == "text"  # GF92742 and 9-digit identifiers


def test_paris_sanisettes_multipoint_geometry(tmp_path):
    staged, cols = run(CITY / "paris-sanisettes/sanisettesparis.csv", tmp_path)
    with staged:
        assert cols["geo_shape"].type == "geometry"
        assert cols["geo_shape"].storage_type == "GEOMETRY"
        assert cols["geo_point_2d"].type == "geo_point"
        assert cols["acces_pmr"].type == "boolean"
        assert cols["statut"].stats["nulls"] == staged.row_count


def test_rennes_stations_subscript_headers_booleans_dates(tmp_path):
    staged, cols = run(
        CITY / "rennes-velo-star-stations/topologie-des-stations-le-velo-star.csv", tmp_path
    )
    with staged:
        assert cols["id_proche1"].label == "id_proche₁"
        assert cols["terminal_cb"].type == "boolean"
        assert cols["mise_en_service"].type == "date"
        assert cols["latitude"].geo_role == "latitude"
        assert typed(staged, "SELECT min(longitude) < -1.6 FROM t")[0][0]
    staged, cols = run(
        CITY / "rennes-velo-star-stations/etat-des-stations-le-velo-star-en-temps-reel.csv",
        tmp_path,
    )
    with staged:
        assert "nb_mplacements" in cols
        assert cols["date"].type == "datetime"


def test_strasbourg_mostly_numbers_keeps_text_with_warning(tmp_path):
    staged, cols = run(
        CITY / "strasbourg-parkings-occupation/occupation-parkings-temps-reel.csv", tmp_path
    )
    with staged:
        assert cols["info_usager"].type == "text"  # numbers and 'OUVERT'
        warning = next(i for i in staged.issues if i.code == "mostly_typed")
        assert warning.column == "InfoUsager" and warning.line and "OUVERT" in warning.message_fr
        assert cols["total"].type == "integer"


def test_antibes_escaped_quotes_insee_and_iso_dates(tmp_path):
    staged, cols = run(CITY / "antibes-aires-livraison/antibes_aires_livraison.csv", tmp_path)
    with staged:
        assert staged.delimiter == ","
        assert len(staged.columns) == 25
        assert cols["coll_insee"].type == "text"
        assert values(staged, "coll_insee")[0] == "06004"
        assert cols["arr_date"].type == "date"
        assert cols["id"].type == "integer"
        assert '"aires de livraison' in values(staged, "arr_considerant")[0]
