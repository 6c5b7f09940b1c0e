"""The grammar: what each construct parses to, and OpenDataSoft's documented examples."""

from __future__ import annotations

import datetime as dt

import pytest

from territoire.records.odsql import ast, parse

from .conftest import lake_dataset


def test_where_tree_with_positions():
    node = parse("where", 'population > 10 and (commune = "Paris" or not ouvert)')
    assert isinstance(node, ast.BoolOp) and node.op == "and"
    compare, either = node.items
    assert (compare.op, compare.left.name, compare.right.value, compare.right.pos) == (
        ">",
        "population",
        10,
        13,
    )
    assert either.op == "or" and isinstance(either.items[1], ast.Not)
    assert either.items[1].operand.pos == 46


def test_literals():
    node = parse("where", "a in (12, -3.5, 'x', \"y\\\"z\", true, FALSE, date'2024-03')")
    values = [(item.kind, item.value) for item in node.items[:6]]
    assert values == [
        ("number", 12),
        ("number", -3.5),
        ("string", "x"),
        ("string", 'y"z'),
        ("boolean", True),
        ("boolean", False),
    ]
    date = node.items[6]
    assert (date.start, date.end, date.precision) == (
        dt.datetime(2024, 3, 1),
        dt.datetime(2024, 4, 1),
        "month",
    )


@pytest.mark.parametrize(
    ("text", "start", "precision"),
    [
        ("2017", dt.datetime(2017, 1, 1), "year"),
        ("2018/04/01", dt.datetime(2018, 4, 1), "day"),
        ("2017-04-03T08:02", dt.datetime(2017, 4, 3, 8, 2), "minute"),
        ("2017-04-03 08:02:09.5", dt.datetime(2017, 4, 3, 8, 2, 9, 500000), "microsecond"),
        (
            "2017-04-03T08:02:09+02:00",
            dt.datetime(2017, 4, 3, 8, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "second",
        ),
        ("2017-04-03T06:02:09Z", dt.datetime(2017, 4, 3, 6, 2, 9, tzinfo=dt.UTC), "second"),
    ],
)
def test_date_literal_formats(text, start, precision):
    node = parse("where", f"d = date'{text}'").right
    assert (node.start, node.precision) == (start, precision)


def test_ranges_and_brackets():
    closed = parse("where", "n in [1..10]")
    opened = parse("where", "n: ]1 TO 10[")
    assert (closed.low_inclusive, closed.high_inclusive) == (True, True)
    assert (opened.low_inclusive, opened.high_inclusive, opened.low.value, opened.high.value) == (
        False,
        False,
        1,
        10,
    )


def test_distances_intervals_and_geometries():
    call = parse("where", "within_distance(geo, geom'POINT(2.35 48.85)', 1.5km)")
    assert (call.args[1].lon, call.args[1].lat) == (2.35, 48.85)
    assert (call.args[2].value, call.args[2].unit) == (1.5, "km")
    group = parse("group_by", "range(d, 1 day), range(d, 5m)")
    assert [(g.expr.args[1].value, g.expr.args[1].unit) for g in group] == [
        (1.0, "day"),
        (5.0, "m"),
    ]


def test_select_items_keep_their_text_for_output_names():
    items = parse("select", "count(*), sum(x)  /  2 AS half, `Nom complet`, *")
    assert [(i.text, i.alias) for i in items] == [
        ("count(*)", None),
        ("sum(x)  /  2", "half"),
        ("`Nom complet`", None),
        ("*", None),
    ]
    assert items[2].expr.name == "Nom complet"


def test_order_items():
    items = parse("order_by", "count(*) DESC, nom, date asc")
    assert [(i.text, i.descending) for i in items] == [
        ("count(*)", True),
        ("nom", False),
        ("date", False),
    ]


# ---------------------------------------------------------------- OpenDataSoft's documented examples

ODS_COLUMNS = [
    {"id": name, "label": name, "type": t}
    for name, t in [
        ("my_field", "integer"),
        ("12", "integer"),
        ("and", "text"),
        ("my_boolean_field", "boolean"),
        ("my_numeric_field", "integer"),
        ("my_text_field", "text"),
        ("my_date_field", "date"),
        ("my_geo_field", "geo_point"),
        ("numeric_field", "decimal"),
        ("date_field", "datetime"),
        ("film_name", "text"),
        ("population", "integer"),
        ("country_name", "text"),
        ("field1", "text"),
        ("field2", "text"),
        ("my_field1", "text"),
        ("my_field2", "text"),
        ("city", "text"),
        ("birth_date", "date"),
        ("date", "date"),
        ("age", "integer"),
    ]
]


SQL_TYPES = {
    "integer": "BIGINT",
    "text": "VARCHAR",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    "geo_point": "STRUCT(lat DOUBLE, lon DOUBLE)",
    "decimal": "DOUBLE",
}
SAMPLE = {
    "integer": "7",
    "text": "'paris star wars'",
    "boolean": "true",
    "date": "DATE '2017-06-01'",
    "datetime": "TIMESTAMPTZ '2017-06-01 08:30:00+02'",
    "geo_point": "{'lat': 1.0, 'lon': 1.0}",
    "decimal": "5.5",
}


@pytest.fixture(scope="module")
def ods_examples(con, odsql_home, lake):
    """Two rows with every column of ODS_COLUMNS, as a version, so each documented example
    really runs (through the records selectors)."""
    path = lake / "ods_examples.parquet"
    values = ", ".join(
        f'CAST({SAMPLE[c["type"]]} AS {SQL_TYPES[c["type"]]}) AS "{c["id"]}"' for c in ODS_COLUMNS
    )
    con.execute(f"COPY (SELECT {values} FROM range(2)) TO '{path}' (FORMAT parquet)")
    return lake_dataset(odsql_home, path, ODS_COLUMNS, con)


@pytest.mark.parametrize(
    "where",
    [
        "my_field > 10",
        "`12` > 10",
        '`and`: "value"',
        "my_boolean_field is TRUE",
        "my_boolean_field: FALSE",
        "my_date_field > date'2017-04-03T08:02'",
        "my_date_field > date'2018/04/01'",
        "within_distance(my_geo_field, geom'POINT(1 1)', 10km)",
        "distance(my_geo_field, geom'POINT(1 1)', 100yd)",
        "my_numeric_field > 10 and my_text_field like \"paris\" or within_distance(my_geo_field, geom'POINT(1 1)', 1km)",
        "my_boolean_field OR my_numeric_field > 50 and my_date_field > date'1972'",
        "(my_boolean_field OR my_numeric_field > 50) and my_date_field > date'1972'",
        '"tree"',
        '"tree" AND "flower"',
        '"tree" OR "car"',
        'NOT "dog"',
        '"dog" AND NOT "cat"',
        '"action movies"',
        '"film*"',
        "my_boolean_field",
        "my_boolean_field is false",
        'film_name like "star wars"',
        "numeric_field IN [1..10]",
        "numeric_field IN ]1..10[",
        "numeric_field: [1..10]",
        "date_field IN [date'2017'..date'2018']",
        "film_name is null",
        "film_name is not null",
        "date_format(date_field, 'dd') = '08'",
        "in_bbox(my_geo_field, 48.9, 2.2, 48.8, 2.4)",
        'search(film_name, "star") and startswith(city, "Par")',
    ],
)
def test_documented_where_examples_run(ods_examples, where):
    assert isinstance(ods_examples.run(where=where, select="my_field")["results"], list)


@pytest.mark.parametrize(
    ("select", "group_by", "order_by"),
    [
        ("*", None, None),
        ("field1, field2", None, None),
        ("field1 AS my_field, field2", None, None),
        ("2 as const_2", None, None),
        ("2 * population as double_population", None, None),
        ('"hello" as hello', None, None),
        ("length(country_name)", None, None),
        ("SUM(population) as sum_population", None, None),
        ("COUNT(*)", None, None),
        ("count(population) as population_count_not_empty", None, None),
        ("median(age) as med", None, None),
        ("percentile(age, 1) as first_percentile", None, None),
        (None, "my_field as myfield", None),
        (None, "my_field1,my_field2 as my_field", None),
        (None, "range(population, 5)", None),
        (None, "range(date, 1 day)", None),
        (None, "year(date_field)", None),
        (None, "date_format(date_field, \"YYYY-MM-dd'T'HH\")", None),
        (None, 'date_format(date_field, "w")', None),
        (None, "city", "city ASC"),
        (None, "city", "count(*) DESC"),
        ("count(*) as population_count", "city", "population_count DESC"),
        (None, "city, year(birth_date) as birth_year", "city DESC, birth_year ASC"),
    ],
)
def test_documented_clause_examples_run(ods_examples, select, group_by, order_by):
    answer = ods_examples.run(select=select, group_by=group_by, order_by=order_by)
    assert len(answer["results"]) in (1, 2)
