"""refine / exclude (OpenDataSoft facet filters) and facet counts."""

from __future__ import annotations

from collections import Counter

import pytest

from territoire.records.odsql import QueryError, RecordQuery, compile_query


def facet_counts(answer: list[dict], name: str) -> dict:
    facet = next(f for f in answer if f["name"] == name)
    return {v["value"]: v.get("count") for v in facet["facets"]}


# ---------------------------------------------------------------- refine / exclude


def test_refine_on_text_number_and_boolean(synthetic):
    got = synthetic.ids(refine=["category:Crèche", "n:7", "flag:true"])
    assert got == synthetic.expect(
        lambda r: r["category"] == "Crèche" and r["n"] == 7 and r["flag"] is True
    )
    assert got


def test_refine_twice_on_one_field_means_either_value(synthetic):
    got = synthetic.ids(refine=["category:Mairie", "category:Piscine"])
    assert got == synthetic.expect(lambda r: r["category"] in ("Mairie", "Piscine"))


def test_refine_by_label_and_quoted_value(velo):
    got = velo.ids(refine=['Terminal CB:"true"'])
    assert got == velo.expect(lambda r: r["terminal_cb"] is True)


@pytest.mark.parametrize(
    ("value", "predicate"),
    [
        ("2021", lambda d: d.year == 2021),
        ("2021/03", lambda d: (d.year, d.month) == (2021, 3)),
        ("2021-03", lambda d: (d.year, d.month) == (2021, 3)),
        ("2021/03/15", lambda d: (d.year, d.month, d.day) == (2021, 3, 15)),
    ],
)
def test_refine_on_a_date_names_a_period(synthetic, value, predicate):
    assert synthetic.ids(refine=[f"day:{value}"]) == synthetic.expect(lambda r: predicate(r["day"]))


def test_exclude_removes_matches_and_keeps_records_without_value(synthetic):
    got = synthetic.ids(exclude=["flag:true", "category:École"])
    assert got == synthetic.expect(lambda r: r["flag"] is not True and r["category"] != "École")
    assert any(r["flag"] is None for r in synthetic.rows if r["id"] in set(got))


def test_refine_exclude_and_where_together(synthetic):
    got = synthetic.ids(where="n >= 50", refine=["day:2022"], exclude=["category:Gymnase"])
    assert got == synthetic.expect(
        lambda r: r["n"] >= 50 and r["day"].year == 2022 and r["category"] != "Gymnase"
    )


@pytest.mark.parametrize(
    ("refine", "position", "words"),
    [
        ("category", 1, "champ:valeur"),
        ("categorie:École", 1, "category"),
        ("n:douze", 3, "nombre"),
        ("day:2021-13", 5, "date"),
        ("geo:1", 5, "within_distance"),
    ],
)
def test_bad_refine_names_the_clause_and_position(synthetic, refine, position, words):
    with pytest.raises(QueryError) as caught:
        compile_query(RecordQuery(refine=["category:Mairie", refine]), columns=synthetic.columns)
    error = caught.value
    assert (error.clause, error.index, error.position) == ("refine", 1, position)
    assert words in error.message_fr
    assert error.message_en != error.message_fr


# ---------------------------------------------------------------- facets


def test_facet_counts_match_python(synthetic):
    answer = synthetic.facets(
        facet_fields=["category", "flag", "n"],
        limit_per_facet=200,
    )
    assert facet_counts(answer, "category") == dict(Counter(r["category"] for r in synthetic.rows))
    flags = Counter(r["flag"] for r in synthetic.rows if r["flag"] is not None)
    assert facet_counts(answer, "flag") == {"true": flags[True], "false": flags[False]}
    assert facet_counts(answer, "n") == {
        str(k): v for k, v in Counter(r["n"] for r in synthetic.rows).items()
    }
    categories = next(f for f in answer if f["name"] == "category")["facets"]
    assert [v["count"] for v in categories] == sorted(
        (v["count"] for v in categories), reverse=True
    )
    assert all(v["state"] == "displayed" and v["name"] == v["value"] for v in categories)
    assert all(f["limits"] == [] for f in answer)


def test_facets_follow_where_and_refine(synthetic):
    answer = synthetic.facets(
        facet_fields=["Catégorie"],
        where="n < 10",
        refine=["category:École", "category:Mairie"],
    )
    expected = Counter(
        r["category"]
        for r in synthetic.rows
        if r["n"] < 10 and r["category"] in ("École", "Mairie")
    )
    assert facet_counts(answer, "category") == dict(expected)
    assert {v["state"] for v in answer[0]["facets"]} == {"refined"}


def test_excluded_value_is_listed_without_count(synthetic):
    answer = synthetic.facets(
        facet_fields=["category"],
        exclude=["category:Piscine"],
    )
    values = answer[0]["facets"]
    excluded = [v for v in values if v["state"] == "excluded"]
    assert excluded == [{"name": "Piscine", "state": "excluded", "value": "Piscine"}]
    counted = {v["value"]: v["count"] for v in values if v["state"] == "displayed"}
    assert counted == dict(
        Counter(r["category"] for r in synthetic.rows if r["category"] != "Piscine")
    )


def test_date_facets_are_hierarchical(synthetic):
    years = synthetic.facets(facet_fields=["day"])[0]["facets"]
    counts = Counter(str(r["day"].year) for r in synthetic.rows)
    assert [(v["value"], v["count"]) for v in years] == sorted(counts.items(), reverse=True)

    refined = synthetic.facets(
        facet_fields=["day"],
        refine=["day:2021"],
    )[0]["facets"]
    months = Counter(f"2021/{r['day'].month:02d}" for r in synthetic.rows if r["day"].year == 2021)
    assert len(refined) == 1
    year = refined[0]
    assert (year["name"], year["value"], year["state"], year["count"]) == (
        "2021",
        "2021",
        "refined",
        sum(months.values()),
    )
    assert [(m["name"], m["value"], m["count"]) for m in year["facets"]] == [
        (k[-2:], k, months[k]) for k in sorted(months, reverse=True)
    ]

    day = synthetic.facets(
        facet_fields=["day"],
        refine=["day:2021/03"],
    )[0]["facets"]
    march = day[0]["facets"][0]
    assert (march["value"], march["state"]) == ("2021/03", "refined")
    days = Counter(
        r["day"].strftime("%Y/%m/%d")
        for r in synthetic.rows
        if (r["day"].year, r["day"].month) == (2021, 3)
    )
    assert {d["value"]: d["count"] for d in march["facets"]} == dict(days)


def test_facet_limit_is_reported_not_silent(synthetic):
    # 100 distinct values of n, exactly 7 categories: only n is cut.
    answer = synthetic.facets(
        facet_fields=["n", "category"],
        limit_per_facet=7,
    )
    by_name = {f["name"]: f for f in answer}
    assert len(by_name["n"]["facets"]) == 7
    assert by_name["n"]["limits"][0]["name"] == "facet_limit"
    top = Counter(r["n"] for r in synthetic.rows).most_common()
    assert [v["count"] for v in by_name["n"]["facets"]] == [c for _, c in top[:7]]
    assert len(by_name["category"]["facets"]) == 7
    assert by_name["category"]["limits"] == []


def test_facets_on_real_data(fontaines):
    answer = fontaines.facets(
        facet_fields=["type_objet", "commune"],
        where="not disponible",
    )
    unavailable = [r for r in fontaines.rows if r["disponible"] is False]
    assert facet_counts(answer, "type_objet") == dict(Counter(r["type_objet"] for r in unavailable))
    assert sum(facet_counts(answer, "commune").values()) == len(
        [r for r in unavailable if r["commune"] is not None]
    )


def test_facet_errors(synthetic):
    with pytest.raises(QueryError) as caught:
        synthetic.facets(
            facet_fields=["category", "categry"],
        )
    assert (caught.value.clause, caught.value.index) == ("facet", 1)
    assert "category" in caught.value.message_en
    with pytest.raises(QueryError):
        synthetic.facets(facet_fields=["geo"])
