"""Every example file shipped with the schemas in ../shared/data/schemas stages, typed right."""

from __future__ import annotations

import pytest

from .engine_helpers import SCHEMAS, run, typed, types, values

EXAMPLES = sorted(
    p
    for p in SCHEMAS.glob("*/**/*")
    if p.is_file()
    and p.suffix in (".csv", ".json", ".geojson")
    and "exemple" in str(p.relative_to(SCHEMAS))
    or p.parent.name == "exemples-communes"
)


def test_examples_found():
    assert len([p for p in EXAMPLES if p.suffix == ".csv"]) >= 34


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(SCHEMAS)))
def test_example_stages(path, tmp_path):
    staged, cols = run(path, tmp_path)
    with staged:
        assert staged.row_count >= 1
        assert staged.parquet_path.is_file()
        for col in cols.values():
            if "insee" in col.id or "siren" in col.id or "siret" in col.id:
                assert col.type == "text", col
            if col.id.startswith("date_") and col.stats["nulls"] < staged.row_count:
                assert col.type in ("date", "datetime", "text"), col


def test_irve_statique(tmp_path):
    staged, cols = run(SCHEMAS / "irve-statique/exemple-valide.csv", tmp_path)
    with staged:
        assert cols["siren_amenageur"].type == "text"
        assert cols["code_insee_commune"].type == "text"
        assert cols["coordonnees_xy"].type == "geo_point"  # "[7.48710500,48.345345]" is [lon, lat]
        lat, lon = typed(staged, "SELECT coordonnees_xy.lat, coordonnees_xy.lon FROM t LIMIT 1")[0]
        assert (lat, lon) == (48.345345, 7.487105)
        assert cols["gratuit"].type == "boolean"
        assert cols["puissance_nominale"].type == "integer"
        assert cols["date_mise_en_service"].type == "date"


def test_stations_taxi_lon_lat_string_is_swapped_by_france(tmp_path):
    staged, cols = run(SCHEMAS / "stations-taxi/exemple-valide.csv", tmp_path)
    with staged:
        assert staged.delimiter == ";"
        lat, lon = typed(staged, "SELECT geopoint.lat, geopoint.lon FROM t LIMIT 1")[0]
        assert 45 < lat < 46 and 5 < lon < 6  # "5.7118754, 45.1800016" is lon, lat
        assert cols["insee"].type == "text"
        assert cols["no_appel"].type == "text"  # phone number "0476544254"


def test_stationnement_cyclable_point_with_newline_in_quotes(tmp_path):
    staged, cols = run(SCHEMAS / "stationnement-cyclable/exemple-valide.csv", tmp_path)
    with staged:
        assert cols["coordonneesxy"].type == "geo_point"
        assert cols["code_com"].type == "text"


def test_subventions(tmp_path):
    staged, cols = run(SCHEMAS / "scdl-subventions/exemple-valide.csv", tmp_path)
    with staged:
        assert cols["id_attribuant"].label == "idAttribuant"
        assert cols["id_attribuant"].type == "text"  # SIRET-length identifiers
        assert cols["montant"].type == "decimal"
        assert cols["date_convention"].type == "date"
    staged, cols = run(SCHEMAS / "scdl-subventions/exemple-invalide.csv", tmp_path)
    with staged:
        # both ISO and dd/mm/yyyy: each read in its own format, with a warning
        assert cols["date_convention"].type == "date"
        assert any(i.code == "mixed_dates" and i.column == "dateConvention" for i in staged.issues)


def test_hautes_remunerations_siren_and_crlf(tmp_path):
    staged, cols = run(SCHEMAS / "hautes-remunerations/exemple-valide.csv", tmp_path)
    with staged:
        assert cols["siren"].type == "text"
        assert values(staged, "siren")[0] == "110043015"
        assert cols["annee"].type == "integer"


def test_aires_livraison_invalid_wkt_stays_text(tmp_path):
    staged, cols = run(SCHEMAS / "aires-livraison/exemple-valide.csv", tmp_path)
    with staged:
        # "POLYGON(4.85 45.76, …)" lacks the inner parentheses: not valid WKT
        assert cols["geom_wkt"].type == "text"
        assert any(i.code == "invalid_geometry" for i in staged.issues)
        assert cols["date_maj"].type == "datetime"
        assert cols["arr_present"].type == "boolean"  # oui/non


def test_zfe_geojson(tmp_path):
    staged, cols = run(SCHEMAS / "zfe/exemple-valide-zone.geojson", tmp_path)
    with staged:
        assert staged.source_format == "geojson"
        geometry = [c for c in staged.columns if c.type == "geometry"]
        assert len(geometry) == 1
        assert types(staged)["date_debut"] == "date"
