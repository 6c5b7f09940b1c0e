"""Bad queries: a QueryError (400) that names the clause and the column, in French and English."""

from __future__ import annotations

import pytest

from territoire.records.odsql import QueryError, RecordQuery, ast, compile_query, parse

COLUMNS = [
    {"id": "population", "label": "Population municipale", "type": "integer"},
    {"id": "commune", "label": "Commune", "type": "text"},
    {"id": "surface", "label": "Surface (km²)", "type": "decimal"},
    {"id": "date_maj", "label": "Mise à jour", "type": "date"},
    {"id": "horodatage", "label": "Horodatage", "type": "datetime"},
    {"id": "geo", "label": "Position", "type": "geo_point"},
    {"id": "contour", "label": "Contour", "type": "geometry"},
    {"id": "ouvert", "label": "Ouvert", "type": "boolean"},
]


def refuse(**query) -> QueryError:
    with pytest.raises(QueryError) as caught:
        compile_query(RecordQuery(**query), columns=COLUMNS)
    error = caught.value
    assert error.status == 400
    assert error.message_fr and error.message_en and error.message_fr != error.message_en
    return error


# ---------------------------------------------------------------- syntax


@pytest.mark.parametrize(
    ("where", "position", "hint_en"),
    [
        ("population == 3", 13, "single equals sign"),
        ('commune = "Paris', 11, "not closed"),
        ("population > 3 && ouvert", 16, "AND or OR"),
        ("(population > 3", 16, "parenthesis is not closed"),
        ("population > 3)", 15, "no opening one"),
        ("population > 3 commune = 'x'", 16, "Join conditions with AND or OR"),
        ("population > ", 13, "ends too early"),
        ("population ~ 3", 12, "unexpected character '~'"),
        ("date_maj > date'2024-02-30'", 12, "not a valid date"),
        ("within_distance(geo, geom'POINT(48.8 2.3 7)', 1km)", 22, "not a point"),
    ],
)
def test_syntax_errors_point_at_the_column(where, position, hint_en):
    error = refuse(where=where)
    assert (error.clause, error.position) == ("where", position)
    assert hint_en in error.message_en
    assert f"colonne {position}" in error.message_fr
    assert f"column {position}" in error.message_en


def test_syntax_error_in_each_clause_names_it():
    assert refuse(select="population,").clause == "select"
    assert refuse(group_by="commune as").clause == "group_by"
    error = refuse(order_by="population descending")
    assert (error.clause, error.position) == ("order_by", 12)
    assert "ASC or DESC" in error.message_en


def test_second_where_parameter_is_identified():
    error = refuse(where=["population > 1", "commune = = 'x'"])
    assert (error.clause, error.index, error.position) == ("where", 1, 11)
    assert "n° 2" in error.message_fr and "#2" in error.message_en


def test_empty_clause_is_refused_not_ignored():
    assert parse("where", "population > 1")
    with pytest.raises(QueryError) as caught:
        parse("select", "   ")
    assert caught.value.clause == "select"


def test_keywords_are_whole_words_and_backquotes_escape_them():
    node = parse("where", "android = 1 and nothing is not null and `in` = 2")
    assert isinstance(node, ast.BoolOp)
    assert [
        item.expr.name if isinstance(item, ast.IsNull) else item.left.name for item in node.items
    ] == ["android", "nothing", "in"]
    error = refuse(where="population > 1 andcommune = 'x'")
    assert error.position == 16


# ---------------------------------------------------------------- names and types


def test_unknown_field_suggests_the_closest_name():
    error = refuse(where="popluation > 1000")
    assert (error.clause, error.position) == ("where", 1)
    assert (
        "« popluation »" in error.message_fr
        and "« population (Population municipale) »" in error.message_fr
    )
    assert "Did you mean 'population (Population municipale)'" in error.message_en


def test_unknown_field_found_by_its_label():
    error = refuse(select="commune, `Surface km2`")
    assert (error.clause, error.position) == ("select", 10)
    assert "surface (Surface (km²))" in error.message_en


def test_labels_and_ids_both_work():
    compiled = compile_query(
        RecordQuery(select="`Population municipale`, Commune", where="`Mise à jour` >= date'2024'"),
        columns=COLUMNS,
    )
    assert [c.name for c in compiled.columns] == ["population", "commune"]
    assert '"population"' in compiled.sql and '"date_maj"' in compiled.sql


def test_in_bbox_on_a_non_geo_field_names_the_field_and_its_type():
    error = refuse(where="ouvert and in_bbox(commune, 48, 2, 49, 3)")
    assert (error.clause, error.position) == ("where", 20)
    assert "'commune' is of type text" in error.message_en
    assert "« commune » est de type text" in error.message_fr


@pytest.mark.parametrize(
    ("query", "clause", "position", "words_en"),
    [
        ({"where": "count(*) > 3"}, "where", 1, "only allowed in select and order_by"),
        ({"where": "populaton_max(population) > 3"}, "where", 1, "does not exist"),
        ({"select": "summ(population)"}, "select", 1, "Did you mean 'sum'"),
        ({"select": "sum(commune)"}, "select", 5, "needs a number"),
        ({"select": "sum(count(*))"}, "select", 5, "cannot contain another aggregate"),
        ({"select": "year(commune)"}, "select", 6, "needs a date field"),
        ({"select": "date_format(date_maj, 'dd/MM/yyyy Q')"}, "select", 35, "symbol 'Q'"),
        ({"select": "percentile(population, 120)"}, "select", 24, "between 0 and 100"),
        ({"where": "population = 'beaucoup'"}, "where", 14, "not a number"),
        ({"where": "population + commune > 1"}, "where", 14, "needs numbers"),
        ({"where": "date_maj = 'hier'"}, "where", 12, "not a readable date"),
        ({"where": "geo = 3"}, "where", 1, "within_distance"),
        ({"where": "commune"}, "where", 1, "not a boolean"),
        ({"where": "population + 1"}, "where", 1, "not a condition"),
        ({"where": "within_distance(geo, geom'POINT(2 48)', 500)"}, "where", None, None),
        (
            {"where": "within_distance(geo, geom'POINT(2 48)', 5 parsecs)"},
            "where",
            41,
            "with a unit",
        ),
        ({"where": "in_bbox(geo, 95, 2, 48, 3)"}, "where", 14, "latitude"),
        ({"where": "search(population + 1, 'x')"}, "where", 8, "name them or write *"),
        (
            {"select": "within_distance(geo, geom'POINT(2 48)', 1km)"},
            "select",
            1,
            "only be used in where",
        ),
        ({"select": "range(population, 10)"}, "select", 1, "only be used in group_by"),
        ({"group_by": "range(commune, 10)"}, "group_by", 7, "a number or a date"),
        ({"group_by": "range(date_maj, 2 months)"}, "group_by", 17, "use 1 month"),
        ({"group_by": "commune", "select": "population"}, "select", 1, "must appear in group_by"),
        ({"group_by": "commune", "select": "*"}, "select", 1, "cannot be combined with group_by"),
        ({"select": "population, commune as population"}, "select", 13, "Two result columns"),
        ({"order_by": "geo"}, "order_by", 1, "sorted by a location"),
        ({"order_by": "2"}, "order_by", 1, "Sorting by a constant (2) has no effect"),
        ({"order_by": "commune, null desc"}, "order_by", 10, "by a constant (null) has"),
        ({"order_by": "1.5 * 2"}, "order_by", 1, "sort by a field"),
        ({"order_by": "count(*)"}, "order_by", 1, "add group_by or count() to select"),
        ({"select": "count(distinct *)"}, "select", 16, "unexpected '*'"),
        ({"select": "sum(distinct population)"}, "select", 1, "only allowed in count"),
        ({"where": "ouvert = 'peut-être'"}, "where", 10, "does not fit"),
    ],
)
def test_validation_errors(query, clause, position, words_en):
    if words_en is None:  # accepted: a bare number is a distance in metres
        compile_query(RecordQuery(**query), columns=COLUMNS)
        return
    error = refuse(**query)
    assert (error.clause, error.position) == (clause, position)
    assert words_en in error.message_en


def test_error_dict_has_clause_and_position():
    data = refuse(where="popluation > 1").as_dict()
    assert data["error"] == "invalid_query"
    assert data["clause"] == "where" and data["position"] == 1
    assert data["where"] == "where:1"
    assert data["message"] and data["message_en"]


def test_unknown_column_type_in_the_schema_is_a_programming_error():
    with pytest.raises(ValueError):
        compile_query(RecordQuery(), columns=[{"id": "x", "label": "x", "type": "money"}])
