"""File fidelity on real files (issue 11): what the file says, read as it means it."""

from __future__ import annotations

from pathlib import Path

from .engine_helpers import CITY, codes, fails, run, types, values

DATA = Path(__file__).resolve().parent / "data"
CATALOGUE = DATA / "montpellier-catalogue-opendata/VilleMTP_MTP_Opendata.csv"
STATIONS = DATA / "montpellier-stations-air/AirLR_LR_StationAir.csv"


def test_whitespace_only_line_is_not_a_record(tmp_path):
    """Montpellier's catalogue of 129 datasets has a line holding one space under its header."""
    staged, cols = run(CATALOGUE, tmp_path)
    with staged:
        assert staged.row_count == 129
        assert staged.con.execute("SELECT count(*) FROM raw").fetchone() == (129,)
        assert cols["id"].stats["nulls"] == 0
        assert "blank_lines" in codes(staged.issues)
        # the first record keeps its line: blank line 1, header 2, the space line 3
        assert staged.con.execute("SELECT min(__line__) FROM raw").fetchone() == (4,)


def test_postal_codes_stay_text_by_name(tmp_path):
    """Station_codepost = 34000, 30650…: a postal code, not a number."""
    staged, cols = run(STATIONS, tmp_path)
    with staged:
        assert cols["station_codepost"].type == "text"
        assert values(staged, "station_codepost")[0] == "34000"


def test_phone_numbers_in_e164_stay_text(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("service;joindre\nEau;+33467347000\nBruxelles;+3225551234\n", encoding="utf-8")
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert cols["joindre"].type == "text"
        assert values(staged, "joindre") == ["+33467347000", "+3225551234"]


def test_siret_exported_as_floats_gets_its_digits_back(tmp_path):
    """A spreadsheet saved SIRET numbers as 21860194600000.0 (Poitiers' own SIRET here)."""
    path = tmp_path / "subventions.csv"
    path.write_text(
        "beneficiaire;siret;montant\n"
        "Ville de Poitiers;21860194600000.0;1500\n"
        "Nantes Métropole;24440040400129.0;200\n"
        "Association;;30\n",
        encoding="utf-8",
    )
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert cols["siret"].type == "text"
        assert values(staged, "siret") == ["21860194600000", "24440040400129", None]
        notice = next(i for i in staged.issues if i.code == "identifier_digits_restored")
        assert notice.column == "siret" and notice.line == 2
        assert "21860194600000.0" in notice.message_fr and "2 identifiant" in notice.message_fr


def test_fixed_length_identifiers_as_floats_without_a_telling_name(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("ref;n\n218601946.0;1\n244400404.0;2\n", encoding="utf-8")
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert cols["ref"].type == "text"
        assert values(staged, "ref") == ["218601946", "244400404"]


def test_zero_dates_are_missing_values_and_counted(tmp_path):
    """The catalogue's 'Date mise à jour' holds '0000-00-00 00:00:00' for 15 datasets."""
    staged, cols = run(CATALOGUE, tmp_path)
    with staged:
        assert cols["date_mise_a_jour"].type == "datetime"
        assert cols["date_mise_a_jour"].stats["nulls"] == 15
        notice = next(i for i in staged.issues if i.code == "date_placeholders")
        assert notice.column == "Date mise à jour"
        assert "15 date(s) fictive(s)" in notice.message_fr
        assert notice.line == 99  # its physical line; the record starts at line 93
        # raw keeps the file's text
        assert staged.con.execute(
            "SELECT count(*) FROM raw WHERE date_mise_a_jour LIKE '0000%'"
        ).fetchone() == (15,)


def test_failed_override_names_the_files_lines(tmp_path):
    """A value that does not fit a forced type is reported at the line an editor shows: the
    catalogue's record 133 starts at line 6 but its description runs to line 56, where its
    licence is."""
    error = fails(CATALOGUE, tmp_path, type_overrides={"licence": "integer"})
    issue = error.issues[0]
    assert issue.code == "override_mismatch" and issue.column == "Licence"
    assert "ligne(s) 4, 5, 56, 59, 80)" in issue.message_fr
    assert len(error.issues) == 1 + len([i for i in error.issues if i.severity != "error"])
    path = tmp_path / "x.csv"
    path.write_text('id;texte;montant\n1;"deux\nlignes";12\n2;"trois\nlignes\nici";douze\n')
    issue = fails(path, tmp_path, type_overrides={"montant": "integer"}).issues[0]
    assert issue.line == 6 and "ligne(s) 6)" in issue.message_fr


def test_distinct_counts_are_exact_for_small_files(tmp_path):
    """The catalogue's URLs are all different: 129, not an estimate of 152."""
    staged, cols = run(CATALOGUE, tmp_path)
    with staged:
        assert cols["url"].stats["distinct"] == 129
        assert cols["url"].stats["distinct_is_estimate"] is False
        assert all(c.stats["distinct"] <= staged.row_count for c in staged.columns)


def test_distinct_estimates_are_marked_and_bounded(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(
        "id;code\n" + "".join(f"{i};{i % 7}\n" for i in range(120_000)), encoding="utf-8"
    )
    staged, cols = run(path, tmp_path / "work")
    with staged:
        assert cols["id"].stats["distinct_is_estimate"] is True
        assert cols["id"].stats["distinct"] <= 120_000
        assert cols["code"].stats["distinct"] == 7


def test_city_budget_keeps_its_types(tmp_path):
    staged, _cols = run(
        CITY / "montpellier-budget-primitif-2014/VilleMTP_MTP_BudgetPri_2014.csv", tmp_path
    )
    with staged:
        assert types(staged)["bp"] == "decimal" and staged.row_count == 1448
