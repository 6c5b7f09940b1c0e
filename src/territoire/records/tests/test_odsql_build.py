"""Queries built in code (``odsql.build``): the same SQL, answers and errors as their ODSQL text,
values bound whatever they hold."""

from __future__ import annotations

import pytest

from territoire.records.odsql import QueryError, RecordQuery, compile_query, parse
from territoire.records.odsql import build as q
from territoire.records.odsql.refine import Refinement, parse_filters
from territoire.records.odsql.validate import Schema

f = q.field

# (built where clause, the text a person would write for it)
WHERES = [
    (q.eq(f("category"), "École"), '`category` = "École"'),
    (q.ge(f("value"), q.number("100.50")), "`value` >= 100.50"),
    (q.lt(f("n"), 3), "`n` < 3"),
    (q.is_bool(f("flag"), False), "`flag` is false"),
    (q.is_null(f("value")), "`value` is null"),
    (q.search("cœur", f("label")), 'search(`label`, "cœur")'),
    (q.search("l'école"), '"l\'école"'),
    (q.le(f("day"), q.date("2021-03")), "`day` <= date'2021-03'"),
    (
        q.and_(q.gt(f("n"), 50), q.or_(q.eq(f("category"), "Mairie"), q.is_bool(f("flag"), True))),
        '`n` > 50 and (`category` = "Mairie" or `flag` is true)',
    ),
    (q.not_(q.eq(f("category"), "Piscine")), 'not `category` = "Piscine"'),
]


@pytest.mark.parametrize(("built", "text"), WHERES)
def test_a_built_condition_is_its_text(synthetic, built, text):
    assert q.text(built) == text
    from_tree = compile_query(RecordQuery(where=built), columns=synthetic.columns)
    from_text = compile_query(RecordQuery(where=text), columns=synthetic.columns)
    assert (from_tree.sql, from_tree.params) == (from_text.sql, from_text.params)
    assert synthetic.ids(where=built) == synthetic.ids(where=text)


def test_built_select_group_and_order_read_like_their_text(synthetic):
    built = synthetic.run(
        select=q.select((q.call("year", f("day")), "annee"), (q.call("count", q.star()), "n")),
        group_by=[q.group(q.call("year", f("day")), "annee")],
        order_by=[q.order(f("n"), descending=True)],
    )
    text = synthetic.run(
        select="year(day) as annee, count(*) as n",
        group_by="year(day) as annee",
        order_by="n desc",
    )
    assert built == text and len(built["results"]) == 5


@pytest.mark.parametrize(
    "built",
    [
        q.eq(f("categry"), "École"),  # unknown field: the closest name is suggested
        q.and_(q.gt(f("n"), 1), q.eq(f("day"), "beaucoup")),  # not a date, second condition
        q.search("x", f("nope")),
        q.gt(f("label"), q.date("2024")),
        q.call("in_bbox", f("label"), 1, 2, 3, 4),
    ],
)
def test_a_built_condition_fails_as_its_text_does(synthetic, built):
    text = q.text(built)
    with pytest.raises(QueryError) as from_text:
        compile_query(RecordQuery(where=text), columns=synthetic.columns)
    with pytest.raises(QueryError) as from_tree:
        compile_query(RecordQuery(where=built), columns=synthetic.columns)
    assert from_tree.value.as_dict() == from_text.value.as_dict()
    assert from_tree.value.position > 1 or text.startswith("`categ")


def test_search_on_a_number_is_accepted_both_ways(synthetic):
    built = q.search("4", f("n"))
    assert synthetic.ids(where=built) == synthetic.ids(where=q.text(built))


def test_values_are_bound_and_survive_their_text(synthetic):
    hostile = "x\"; DROP TABLE t; -- \\ ' \n fin"
    built = q.eq(f("label"), hostile)
    compiled = compile_query(RecordQuery(where=built), columns=synthetic.columns)
    assert hostile in compiled.params and "DROP" not in compiled.sql
    reparsed = parse("where", q.text(built))
    assert reparsed.right.value == hostile


def test_a_tree_is_not_changed_by_compiling_it(synthetic):
    built = q.and_(q.eq(f("Catégorie"), 12), q.ge(f("day"), "2021"))
    before = q.text(built)
    for _ in range(2):  # the page, then its count: the same tree compiled twice
        compile_query(RecordQuery(where=built), columns=synthetic.columns)
    assert q.text(built) == before
    assert synthetic.ids(where=built) == synthetic.ids(where=before) == []


def test_refinements_take_values_with_colons_and_quotes_as_they_are(synthetic):
    schema = Schema(synthetic.columns)
    [as_text] = parse_filters(schema, ['category:"a:b"'], [])
    [as_built] = parse_filters(schema, [Refinement("category", '"a:b"')], [])
    assert as_text.value == "a:b"  # the text form unquotes
    assert as_built.value == '"a:b"'  # a value given in code is the value
    with pytest.raises(QueryError) as caught:
        parse_filters(schema, [Refinement("n", "douze")], [])
    assert (caught.value.clause, caught.value.position) == ("refine", 3)  # as in "n:douze"
