"""Small-cell suppression: no hidden cell can be recomputed from what is published.

The attacker here is written independently of the module: it reads only the published rows
(values, hidden cells, which dimensions each total is over), writes every additivity equation
itself, and asks SciPy's ``linprog`` for the smallest and largest value of each hidden cell.
"""

from __future__ import annotations

import itertools
import random

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from scipy.optimize import linprog

from territoire.core.errors import ValidationFailed
from territoire.trust.disclosure import DisclosureConfig, protect_microdata, protect_table


def attack(rows: list[dict], dimensions: tuple[str, ...], measure: str) -> dict[int, tuple]:
    """Row index of each hidden cell → (min, max) an attacker can compute from the published
    rows with additivity and non-negativity (max is inf when unbounded)."""
    key = {(tuple(r[d] for d in dimensions), r["total_of"]): i for i, r in enumerate(rows)}
    equations = []
    for i, row in enumerate(rows):
        totals = set(filter(None, row["total_of"].split(",")))
        for dim in totals:
            # this total = sum over the categories of `dim` of the cells equal elsewhere
            parts = [
                j
                for j, other in enumerate(rows)
                if set(filter(None, other["total_of"].split(","))) == totals - {dim}
                and all(other[d] == row[d] for d in dimensions if d != dim)
            ]
            assert parts, "every total has parts"
            equations.append((i, parts))
    assert len(key) == len(rows)
    hidden = [i for i, r in enumerate(rows) if r["hidden"]]
    n = len(rows)
    a_eq = np.zeros((len(equations), n))
    for e, (total, parts) in enumerate(equations):
        a_eq[e, parts] = 1.0
        a_eq[e, total] -= 1.0
    bounds = [(0, None) if r["hidden"] else (float(r[measure]), float(r[measure])) for r in rows]
    result = {}
    for cell in hidden:
        found = []
        for sense in (1.0, -1.0):
            c = np.zeros(n)
            c[cell] = sense
            solved = linprog(c, A_eq=a_eq, b_eq=np.zeros(len(equations)), bounds=bounds)
            if solved.status == 3:  # unbounded
                found.append(np.inf)
                continue
            assert solved.status == 0, solved.message
            found.append(solved.x[cell])
        result[cell] = (found[0], found[1])
    return result


def truth(rows: list[dict], dimensions, values: dict) -> list[float]:
    """The real value of every published row (interior cells from `values`, totals summed)."""
    out = []
    for row in rows:
        totals = set(filter(None, row["total_of"].split(",")))
        out.append(
            sum(
                v
                for k, v in values.items()
                if all(d in totals or k[i] == row[d] for i, d in enumerate(dimensions))
            )
        )
    return out


def random_table(rng: random.Random, dims: int):
    sizes = [rng.randint(2, 7) for _ in range(dims)]
    names = tuple(f"d{i}" for i in range(dims))
    values = {}
    for index in itertools.product(*[range(s) for s in sizes]):
        pick = rng.random()
        values[tuple(f"c{j}" for j in index)] = (
            0 if pick < 0.1 else rng.randint(1, 10) if pick < 0.4 else rng.randint(11, 80)
        )
    values[rng.choice(sorted(values))] = rng.randint(1, 10)  # at least one small cell
    rows = [dict(zip(names, k, strict=True), n=v) for k, v in values.items()]
    return names, values, rows


@pytest.mark.parametrize("seed", range(24))
def test_no_hidden_cell_is_recomputable_on_generated_tables(seed):
    rng = random.Random(seed)
    dims = 1 if seed % 6 == 0 else 3 if seed % 6 == 5 else 2
    share = 0.0 if seed % 2 else 0.2
    names, values, rows = random_table(rng, dims)
    config = DisclosureConfig(dimensions=names, count_column="n", protection_share=share)
    protected = protect_table(rows, config)
    out = protected.rows
    real = truth(out, names, values)
    # published values are the real ones, hidden cells are None
    for row, value in zip(out, real, strict=True):
        assert row["n"] == (None if row["hidden"] else value)
    # every cell under 11 (totals included, empty cells excepted) is hidden
    for row, value in zip(out, real, strict=True):
        if 0 < value < 11:
            assert row["hidden"]
    primary = {
        (tuple(h.cell[d] for d in names), ",".join(h.margins)) for h in protected.report.primary
    }
    assert len(primary) == sum(1 for v in real if 0 < v < 11)
    intervals = attack(out, names, "n")
    assert intervals, "the generated tables all have small cells"
    for cell, (low, high) in intervals.items():
        assert high - low > 0.5, (out[cell], low, high)
        key = (tuple(out[cell][d] for d in names), out[cell]["total_of"])
        if key in primary:
            value = real[cell]
            assert high >= value + max(share * value, 1) - 1e-6
            assert low <= value - share * value + 1e-6
    # the module's own intervals are the attacker's
    for hidden in protected.report.hidden:
        index = next(
            i
            for i, r in enumerate(out)
            if all(r[d] == hidden.cell[d] for d in names)
            and r["total_of"] == ",".join(hidden.margins)
        )
        low, high = intervals[index]
        assert hidden.low == pytest.approx(low, abs=1e-6)
        assert (hidden.high is None and high == np.inf) or hidden.high == pytest.approx(
            high, abs=1e-6
        )


def test_a_single_small_cell_gets_complements_in_its_row_and_column():
    rows = [
        {"commune": c, "age": a, "n": n}
        for c, line in zip("ABC", [(3, 20, 25), (30, 40, 50), (33, 44, 15)], strict=True)
        for a, n in zip(("0-17", "18-64", "65+"), line, strict=True)
    ]
    protected = protect_table(
        rows, DisclosureConfig(dimensions=("commune", "age"), count_column="n")
    )
    hidden = {(r["commune"], r["age"]) for r in protected.rows if r["hidden"]}
    # the cheapest box: A×0-17 (3) with A×65+ (25), C×0-17 (33), C×65+ (15)
    assert hidden == {("A", "0-17"), ("A", "65+"), ("C", "0-17"), ("C", "65+")}
    totals = {(r["commune"], r["age"]): r["n"] for r in protected.rows if r["total_of"]}
    assert totals[("A", None)] == 48 and totals[(None, "0-17")] == 66
    assert totals[(None, None)] == 260
    report = protected.report
    assert [h.rules for h in report.primary] == [("threshold",)]
    assert all(h.protects == (({"commune": "A", "age": "0-17"}, ()),) for h in report.secondary)
    french = report.sentences("fr")
    assert (
        "Case « commune = A, age = 0-17 » masquée : moins de 11 individus (secret statistique)."
        in french
    )
    assert any("secret secondaire, pour que « commune = A, age = 0-17 »" in s for s in french)
    assert any("fewer than 11 individuals" in s for s in report.sentences("en"))


def test_one_dimension_hides_the_cheapest_complement_and_keeps_the_total():
    rows = [{"quartier": q, "n": n} for q, n in (("Centre", 3), ("Nord", 20), ("Sud", 30))]
    out = protect_table(rows, DisclosureConfig(dimensions=("quartier",), count_column="n")).rows
    assert [(r["quartier"], r["n"]) for r in out] == [
        ("Centre", None),
        ("Nord", None),
        ("Sud", 30),
        (None, 53),
    ]


def test_a_small_total_is_hidden_and_protected_too():
    # commune B has 7 people in all: its total is itself a small cell
    rows = [
        {"commune": "A", "sexe": "F", "n": 40},
        {"commune": "A", "sexe": "H", "n": 35},
        {"commune": "B", "sexe": "F", "n": 4},
        {"commune": "B", "sexe": "H", "n": 3},
        {"commune": "C", "sexe": "F", "n": 50},
        {"commune": "C", "sexe": "H", "n": 52},
    ]
    config = DisclosureConfig(dimensions=("commune", "sexe"), count_column="n")
    out = protect_table(rows, config).rows
    by = {(r["commune"], r["sexe"]): r for r in out}
    assert by[("B", None)]["hidden"] and by[("B", "F")]["hidden"] and by[("B", "H")]["hidden"]
    for _, (low, high) in attack(out, ("commune", "sexe"), "n").items():
        assert high - low >= 1


def test_empty_cells_are_published_unless_asked():
    rows = [
        {"c": c, "k": k, "n": n}
        for (c, k), n in zip(itertools.product("AB", "xyz"), (0, 30, 40, 25, 35, 45), strict=True)
    ]
    out = protect_table(rows, DisclosureConfig(dimensions=("c", "k"), count_column="n")).rows
    assert not any(r["hidden"] for r in out)
    hidden = protect_table(
        rows, DisclosureConfig(dimensions=("c", "k"), count_column="n", hide_zeros=True)
    ).rows
    assert next(r for r in hidden if (r["c"], r["k"]) == ("A", "x"))["hidden"]


def microdata_business(con: duckdb.DuckDBPyConnection) -> None:
    """Turnover of establishments by sector × commune, with crafted cells:
    (A, BTP): 2 firms; (B, BTP): one firm at 90 %; (A, Commerce) and (B, Commerce): 4 firms each
    with no dominant one."""
    rows = [
        ("A", "BTP", "s1", 100.0),
        ("A", "BTP", "s2", 120.0),
        ("B", "BTP", "s3", 900.0),
        ("B", "BTP", "s4", 50.0),
        ("B", "BTP", "s5", 30.0),
        ("B", "BTP", "s6", 20.0),
    ]
    for commune in "AB":
        for i in range(4):
            rows.append((commune, "Commerce", f"{commune}c{i}", 200.0 + 10 * i))
            rows.append((commune, "Commerce", f"{commune}c{i}", 5.0))  # two lines, one unit
    con.execute("CREATE TABLE firms (commune VARCHAR, secteur VARCHAR, siret VARCHAR, ca DOUBLE)")
    con.executemany("INSERT INTO firms VALUES (?, ?, ?, ?)", rows)


def test_business_rules_three_units_and_dominance():
    con = duckdb.connect()
    microdata_business(con)
    config = DisclosureConfig(
        dimensions=("commune", "secteur"), kind="business", unit_column="siret", value_column="ca"
    )
    protected = protect_microdata(con, "firms", config)
    primary = {
        (h.cell["commune"], h.cell["secteur"], h.margins): h.rules for h in protected.report.primary
    }
    assert primary == {("A", "BTP", ()): ("min_units",), ("B", "BTP", ()): ("dominance",)}
    by = {(r["commune"], r["secteur"]): r for r in protected.rows}
    assert by[("A", "Commerce")]["hidden"] and by[("B", "Commerce")]["hidden"]
    assert by[("A", None)]["ca"] == 100 + 120 + 4 * 5 + 200 + 210 + 220 + 230
    assert by[(None, "BTP")]["ca"] == 1220  # dominance: s3 is 900/1220 = 74 % of the total
    sentences = protected.report.sentences("fr")
    assert any("moins de 3 unités contributrices (secret des affaires)" in s for s in sentences)
    assert any("plus de 85 % du total (dominance" in s for s in sentences)
    for _, (low, high) in attack(protected.rows, ("commune", "secteur"), "ca").items():
        assert high - low > 0


def test_business_nk_rule():
    con = duckdb.connect()
    microdata_business(con)
    config = DisclosureConfig(
        dimensions=("commune", "secteur"),
        kind="business",
        unit_column="siret",
        value_column="ca",
        nk=(2, 60.0),
    )
    primary = {
        (h.cell["commune"], h.cell["secteur"], h.margins): h.rules
        for h in protect_microdata(con, "firms", config).report.primary
    }
    # (B, BTP) total 1000: the two largest are 950 = 95 % > 60 % ; Commerce cells: 2 of 4 ≈ 52 %
    assert primary[("B", "BTP", ())] == ("dominance", "nk")
    assert ("A", "Commerce", ()) not in primary
    # the total of BTP: s3 + s2 = 1020 of 1220 = 84 % > 60 %
    assert primary[(None, "BTP", ("commune",))] == ("nk",)


def test_microdata_and_aggregates_give_the_same_protection():
    rng = random.Random(7)
    people = [
        (rng.choice(["34001", "34002", "34003", "34004"]), rng.choice(["0-17", "18-64", "65+"]))
        for _ in range(300)
    ] + [("34005", "65+")] * 4
    con = duckdb.connect()
    con.register(
        "people_arrow", pa.table({"commune": [p[0] for p in people], "age": [p[1] for p in people]})
    )
    con.execute("CREATE TABLE people AS SELECT * FROM people_arrow")
    config = DisclosureConfig(dimensions=("commune", "age"))
    from_micro = protect_microdata(con, "people", config)
    counts = con.execute("SELECT commune, age, count(*) AS n FROM people GROUP BY ALL").arrow()
    from_agg = protect_table(
        counts, DisclosureConfig(dimensions=("commune", "age"), count_column="n")
    )
    assert [r["count"] for r in from_micro.rows] == [r["n"] for r in from_agg.rows]
    assert any(r["hidden"] for r in from_micro.rows)


def test_controlled_rounding_keeps_totals_additive():
    rng = random.Random(3)
    rows = [
        {"a": f"a{i}", "b": f"b{j}", "n": rng.randint(11, 99)} for i in range(5) for j in range(4)
    ]
    config = DisclosureConfig(dimensions=("a", "b"), count_column="n", rounding_base=5)
    out = protect_table(rows, config).rows
    real = {(r["a"], r["b"]): r["n"] for r in rows}
    interior = {(r["a"], r["b"]): r["n"] for r in out if not r["total_of"]}
    for key, value in interior.items():
        assert value % 5 == 0 and abs(value - real[key]) < 5
    for r in out:
        assert r["n"] % 5 == 0
        if r["total_of"] == "b":
            assert r["n"] == sum(v for (a, _), v in interior.items() if a == r["a"])
        if r["total_of"] == "a":
            assert r["n"] == sum(v for (_, b), v in interior.items() if b == r["b"])
    sentences = protect_table(rows, config).report.sentences("en")
    assert any("controlled rounding" in s for s in sentences)


def test_conventional_rounding_rounds_each_value_on_its_own():
    rows = [{"q": q, "n": n} for q, n in (("x", 12), ("y", 13), ("z", 14))]
    config = DisclosureConfig(
        dimensions=("q",), count_column="n", rounding_base=5, rounding="conventional"
    )
    out = protect_table(rows, config).rows
    assert [r["n"] for r in out] == [10, 15, 15, 40]  # 39 rounds to 40, not to 10 + 15 + 15


def test_the_public_report_does_not_tell_why_a_cell_is_hidden():
    rows = [
        {"commune": c, "age": a, "n": n}
        for c, line in zip("ABC", [(3, 20, 25), (30, 40, 50), (33, 44, 15)], strict=True)
        for a, n in zip(("0-17", "18-64", "65+"), line, strict=True)
    ]
    report = protect_table(
        rows, DisclosureConfig(dimensions=("commune", "age"), count_column="n")
    ).report
    public = report.as_dict(public=True)
    assert public["hidden_count"] == 4
    assert all(set(h) == {"cell", "margins"} for h in public["hidden"])
    assert "primaire" not in str(public) and "threshold" not in str(public)
    internal = report.as_dict()
    assert internal["primary_count"] == 1 and internal["secondary_count"] == 3
    assert internal["hidden"][0]["rules"] == ["threshold"]


@pytest.mark.parametrize(
    ("values", "where", "french", "english"),
    [
        ({"threshold": 0}, "threshold", "seuil 0", "threshold 0"),
        ({"threshold": 2.5}, "threshold", "seuil 2.5", "threshold 2.5"),
        ({"dominance": 0}, "dominance", "dominance 0 %", "dominance 0%"),
        ({"dominance": 120}, "dominance", "]0, 100]", "(0, 100]"),
        ({"dimensions": ()}, "dimensions", "aucune dimension", "no dimension"),
        (
            {"kind": "business"},
            "unit_column",
            "sans colonne d'unité",
            "without a contributing-unit",
        ),
        ({"nk": (0, 50)}, "nk", "règle (n, k)", "(n, k) rule"),
        ({"protection_share": 1.5}, "protection_share", "[0, 1[", "[0, 1)"),
        ({"rounding_base": 1}, "rounding_base", "base d'arrondi 1", "rounding base 1"),
        (
            {"minimum_protection": 0},
            "minimum_protection",
            "protection minimale",
            "minimum protection",
        ),
    ],
)
def test_a_configuration_that_cannot_protect_is_refused(values, where, french, english):
    arguments = {"dimensions": ("commune",)} | values
    with pytest.raises(ValidationFailed) as refused:
        DisclosureConfig(**arguments)
    error = refused.value
    assert where in error.where
    assert french in error.message_fr and error.message_fr.startswith("Configuration du secret")
    assert english in error.message_en and error.message_en.startswith("Disclosure configuration")


def test_missing_columns_are_refused_before_anything_is_computed():
    con = duckdb.connect()
    con.execute("CREATE TABLE people (commune VARCHAR, age INTEGER)")
    config = DisclosureConfig(dimensions=("commune", "quartier"), count_column="effectif")
    with pytest.raises(ValidationFailed) as refused:
        protect_microdata(con, "people", config)
    assert "« quartier » n'existe pas" in refused.value.message_fr
    assert "'effectif' does not exist" in refused.value.message_en
    assert refused.value.where == "dimensions, count_column"
    # nothing was created on the caller's connection
    assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [("people",)]
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone() == (0,)


def test_business_rules_on_an_aggregated_table_are_refused():
    config = DisclosureConfig(
        dimensions=("commune",), kind="business", unit_column="siret", value_column="ca"
    )
    with pytest.raises(ValidationFailed) as refused:
        protect_table([{"commune": "A", "siret": "x", "ca": 3.0, "n": 1}], config)
    assert "données détaillées par unité" in refused.value.message_fr
    with pytest.raises(ValidationFailed) as refused:
        protect_table(
            [{"commune": "A", "n": 1}, {"commune": "A", "n": 2}],
            DisclosureConfig(dimensions=("commune",), count_column="n"),
        )
    assert "deux lignes pour la même case" in refused.value.message_fr
