"""One test per rule: the report we give, and (where the rule is frictionless') the same counts as
frictionless on the same file. Files are read record by record like frictionless (a blank line is
a row, a short row has fewer cells), see loaders.load_with_python."""

from __future__ import annotations

import json

import duckdb
import pytest

from territoire.core.errors import ValidationFailed
from territoire.schemas.validation import validate_table

from .loaders import compare_text, load_with_python


def schema_of(*fields, **extra) -> dict:
    return {"name": "test", "title": "Test", "fields": list(fields), **extra}


def assert_same(tmp_path, text, schema, expected, **options):
    ours, theirs, their_valid = compare_text(tmp_path, text, schema, **options)
    assert ours.counts() == theirs
    assert ours.counts() == expected
    assert ours.valid is their_valid is (not expected)
    return ours


def test_brief_message_for_dates(tmp_path):
    text = "nom,date_debut\na,2021-01-04\nb,12/03/2021\nc,2021-02-01\nd,31/12/2021\ne,2021-03-01\nf,1er mars\n"
    schema = schema_of({"name": "nom", "type": "string"}, {"name": "date_debut", "type": "date"})
    report = assert_same(tmp_path, text, schema, {("type-error", "date_debut"): 3})
    group = report.errors_by_kind[0]
    assert (
        group.message_fr
        == "Colonne date_debut : 3 valeurs ne sont pas des dates au format AAAA-MM-JJ (lignes 3, 5, 7)."
    )
    assert (
        group.message_en
        == "Column date_debut: 3 values are not dates in the format YYYY-MM-DD (lines 3, 5, 7)."
    )
    assert "déclarez le format" in group.what_to_do_fr
    assert group.examples == [
        {"line": 3, "value": "12/03/2021"},
        {"line": 5, "value": "31/12/2021"},
        {"line": 7, "value": "1er mars"},
    ]


def test_date_with_french_format(tmp_path):
    text = "d\n03/12/2013\n3/12/2013\n31/02/2013\n2013-12-03\n"
    report = assert_same(
        tmp_path,
        text,
        schema_of({"name": "d", "type": "date", "format": "%d/%m/%Y"}),
        {("type-error", "d"): 2},
    )
    assert "JJ/MM/AAAA" in report.errors_by_kind[0].message_fr


def test_required_and_missing_values(tmp_path):
    text = "code,libelle\n01000,a\n,b\nNA,c\n-,d\n"
    schema = schema_of(
        {"name": "code", "type": "string", "constraints": {"required": True}},
        {"name": "libelle", "type": "string"},
        missingValues=["", "NA"],
    )
    report = assert_same(tmp_path, text, schema, {("constraint-error", "code"): 2})
    assert report.errors_by_kind[0].message_fr.startswith(
        "Colonne code : 2 cellules vides alors que la colonne est obligatoire (lignes 3, 4)"
    )


def test_field_missing_values_override_the_schema(tmp_path):
    text = "n\n1\n-\nNA\n"
    schema = schema_of(
        {"name": "n", "type": "integer", "missingValues": ["", "-"]}, missingValues=["", "NA"]
    )
    # a row whose every field is missing is a blank row, for frictionless too
    assert_same(tmp_path, text, schema, {("type-error", "n"): 1, ("blank-row", None): 1})


def test_integer_and_number_types(tmp_path):
    text = "i,x\n01,1.5\n 2 ,-3e2\n1.0,1,5\n1 000,abc\n"
    text = 'i,x\n01,1.5\n 2 ,-3e2\n1.0,"1,5"\n1 000,abc\n'
    schema = schema_of({"name": "i", "type": "integer"}, {"name": "x", "type": "number"})
    assert_same(tmp_path, text, schema, {("type-error", "i"): 2, ("type-error", "x"): 2})


def test_french_numbers_with_decimal_comma_and_spaces(tmp_path):
    text = 'montant\n"1 063 850,00"\n"12,5"\n12.5\n"1\u00a0000,25"\n'
    schema = schema_of({"name": "montant", "type": "number", "decimalChar": ",", "groupChar": " "})
    report = assert_same(tmp_path, text, schema, {("type-error", "montant"): 2})
    assert "virgule" in report.errors_by_kind[0].message_fr


def test_boolean_with_french_values(tmp_path):
    text = "b\noui\nnon\nOui\ntrue\n"
    schema = schema_of(
        {"name": "b", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]}
    )
    report = assert_same(tmp_path, text, schema, {("type-error", "b"): 2})
    assert "oui / non" in report.errors_by_kind[0].message_fr


def test_unique_compares_typed_values(tmp_path):
    text = "id,n\na,1\nb,01\nc,2\na,3\na,+2\n"
    schema = schema_of(
        {"name": "id", "type": "string", "constraints": {"unique": True}},
        {"name": "n", "type": "integer", "constraints": {"unique": True}},
    )
    report = assert_same(
        tmp_path, text, schema, {("unique-error", "id"): 2, ("unique-error", "n"): 2}
    )
    by_column = {g.column: g for g in report.errors_by_kind}
    assert [e["line"] for e in by_column["id"].examples] == [5, 6]
    assert [e["value"] for e in by_column["n"].examples] == ["01", "+2"]


def test_primary_key_duplicates_and_empty_keys(tmp_path):
    text = "commune,annee,v\n34172,2020,1\n34172,2021,2\n34172,2020,3\n,,4\n"
    schema = schema_of(
        {"name": "commune", "type": "string"},
        {"name": "annee", "type": "year"},
        {"name": "v", "type": "integer"},
        primaryKey=["commune", "annee"],
    )
    report = assert_same(tmp_path, text, schema, {("primary-key", None): 2})
    rules = sorted(g.rule for g in report.errors_by_kind)
    assert rules == ["primary-key", "primary-key-null"]


def test_pattern_enum_bounds_and_lengths(tmp_path):
    text = "insee,cat,n,d,s\n34172,eau,5,2020-01-01,abc\n3417,Eau,-1,2019-12-31,ab\n2A004,voirie,101,2021-06-01,abcdefg\n"
    schema = schema_of(
        {
            "name": "insee",
            "type": "string",
            "constraints": {"pattern": "([013-9]\\d|2[AB1-9])\\d{3}"},
        },
        {"name": "cat", "type": "string", "constraints": {"enum": ["eau", "voirie"]}},
        {"name": "n", "type": "integer", "constraints": {"minimum": 0, "maximum": 100}},
        {"name": "d", "type": "date", "constraints": {"minimum": "2020-01-01"}},
        {"name": "s", "type": "string", "constraints": {"minLength": 3, "maxLength": 5}},
    )
    report = assert_same(
        tmp_path,
        text,
        schema,
        {
            ("constraint-error", "insee"): 1,
            ("constraint-error", "cat"): 1,
            ("constraint-error", "n"): 2,
            ("constraint-error", "d"): 1,
            ("constraint-error", "s"): 2,
        },
    )
    messages = " ".join(g.message_fr for g in report.errors_by_kind)
    assert "pas dans la liste autorisée (eau, voirie)" in messages
    assert "inférieure au minimum 0" in messages and "supérieure au maximum 100" in messages


def test_pattern_python_only_syntax_runs_in_python(tmp_path):
    """A look-ahead is not RE2: those values are checked in Python, once per distinct value."""
    text = "code\n12345\n00000\n00001\n00000\n"
    schema = schema_of(
        {"name": "code", "type": "string", "constraints": {"pattern": "(?!00000)\\d{5}"}}
    )
    con = duckdb.connect()
    report = validate_table(con, "raw", schema, load_with_python(con, text))
    assert report.counts() == {("constraint-error", "code"): 2}
    assert not con.execute(
        "SELECT * FROM duckdb_tables() WHERE table_name LIKE '__territoire_pattern%'"
    ).fetchall()
    assert_same(tmp_path, text, schema, {("constraint-error", "code"): 2})


def test_pattern_written_for_python(tmp_path):
    """\\u00C0 escapes and escaped punctuation (schemas of scdl-equipements, aires-livraison)."""
    text = "voie\nRue de l’Église\nRue #12\nAvenue Émile-Zola\n"
    schema = schema_of(
        {
            "name": "voie",
            "type": "string",
            "constraints": {"pattern": "^[a-zA-Z0-9\\-\\'\\’\\s\\u00C0-\\u00FF]+$"},
        }
    )
    assert_same(tmp_path, text, schema, {("constraint-error", "voie"): 1})


def test_blank_rows_and_short_or_long_rows(tmp_path):
    text = "a,b,c\n1,x,2\n\n,,\n3,y\n4,z,5,extra\n"
    schema = schema_of(
        {"name": "a", "type": "integer"},
        {"name": "b", "type": "string"},
        {"name": "c", "type": "integer"},
    )
    report = assert_same(
        tmp_path,
        text,
        schema,
        {("blank-row", None): 2, ("missing-cell", "c"): 1, ("extra-cell", ""): 1},
    )
    blank = next(g for g in report.errors_by_kind if g.kind == "blank-row")
    assert [e["line"] for e in blank.examples] == [3, 4]


def test_missing_extra_and_misnamed_columns(tmp_path):
    text = "Nom,date_debut,commentaire\nx,2020-01-01,ok\n"
    schema = schema_of(
        {"name": "nom", "type": "string"},
        {"name": "date_debut", "type": "date"},
        {"name": "montant", "type": "number"},
    )
    report, theirs, _ = compare_text(tmp_path, text, schema)
    assert report.counts() == {
        ("incorrect-label", "nom"): 1,
        ("extra-label", "commentaire"): 1,
        ("missing-label", "montant"): 1,
    }
    # frictionless pairs "commentaire" with montant because it stands at montant's place
    assert theirs == {
        ("incorrect-label", "nom"): 1,
        ("incorrect-label", "montant"): 1,
        ("type-error", "montant"): 1,
    }
    incorrect = next(g for g in report.errors_by_kind if g.kind == "incorrect-label")
    assert "Renommez l'en-tête en « nom »" in incorrect.what_to_do_fr
    # in place, only the case differs: frictionless says the same
    assert_same(
        tmp_path,
        "Nom,date_debut\nx,2020-01-01\n",
        schema_of(*schema["fields"][:2]),
        {("incorrect-label", "nom"): 1},
    )


def test_accents_and_spaces_in_headers_are_suggested(tmp_path):
    con = duckdb.connect()
    columns = load_with_python(con, "Date début,Montant TTC\n2020-01-01,abc\n")
    schema = schema_of(
        {"name": "date_debut", "type": "date"}, {"name": "montant_ttc", "type": "number"}
    )
    report = validate_table(con, "raw", schema, columns)
    assert report.counts() == {
        ("incorrect-label", "date_debut"): 1,
        ("incorrect-label", "montant_ttc"): 1,
        ("type-error", "montant_ttc"): 1,
    }
    assert report.columns[0] == {
        "field": "date_debut",
        "column": "c0",
        "label": "Date début",
        "position": 1,
    }


def test_columns_are_matched_by_name_not_position(tmp_path):
    """Deliberate difference: frictionless checks cells by position, so two swapped columns give
    two incorrect labels and a type error per row; we check each column against its own field."""
    text = "b,a\nx,1\ny,2\n"
    schema = schema_of({"name": "a", "type": "integer"}, {"name": "b", "type": "string"})
    ours, theirs, _ = compare_text(tmp_path, text, schema)
    assert theirs == {
        ("incorrect-label", "a"): 1,
        ("incorrect-label", "b"): 1,
        ("type-error", "a"): 2,
    }
    assert len(ours.errors_by_kind) == 1 and ours.error_count == 1
    group = ours.errors_by_kind[0]
    assert (group.kind, group.rule) == ("incorrect-label", "order")
    assert "ordre du schéma" in group.what_to_do_fr


def test_a_missing_middle_column_costs_one_error(tmp_path):
    text = "a,c\n1,2\n3,4\n"
    schema = schema_of(
        {"name": "a", "type": "integer"},
        {"name": "b", "type": "date"},
        {"name": "c", "type": "integer"},
    )
    ours, theirs, _ = compare_text(tmp_path, text, schema)
    assert ours.counts() == {("missing-label", "b"): 1}
    assert theirs[("type-error", "b")] == 2  # frictionless reads column c as b


def test_fields_match_modes(tmp_path):
    text = "a,extra\n1,x\n"
    fields = [
        {"name": "a", "type": "integer"},
        {"name": "b", "type": "string"},
        {"name": "c", "type": "string", "constraints": {"required": True}},
    ]
    expected = {
        "equal": {
            ("missing-label", "b"): 1,
            ("missing-label", "c"): 1,
            ("extra-label", "extra"): 1,
        },
        "subset": {("missing-label", "b"): 1, ("missing-label", "c"): 1},
        "superset": {("missing-label", "c"): 1, ("extra-label", "extra"): 1},
        "partial": {("missing-label", "c"): 1},
    }
    for mode, counts in expected.items():
        assert_same(tmp_path, text, schema_of(*fields, fieldsMatch=mode), counts)


def test_duplicate_header(tmp_path):
    con = duckdb.connect()
    report = validate_table(
        con, "raw", schema_of({"name": "a", "type": "integer"}), load_with_python(con, "a,a\n1,x\n")
    )
    assert report.counts() == {("duplicate-label", "a"): 1}


def test_array_items_with_enum(tmp_path):
    text = 'allergenes\n"[""lait"", ""soja""]"\n"[""lait"", ""chocolat""]"\n"[1]"\nnot json\n[]\n'
    schema = schema_of(
        {
            "name": "allergenes",
            "type": "array",
            "arrayItem": {"type": "string", "constraints": {"enum": ["lait", "soja"]}},
        }
    )
    assert_same(
        tmp_path,
        text,
        schema,
        {("constraint-error", "allergenes"): 1, ("type-error", "allergenes"): 2},
    )


def test_max_examples_and_json_report(tmp_path):
    text = "n\n" + "\n".join(["x"] * 12) + "\n"
    con = duckdb.connect()
    report = validate_table(
        con,
        "raw",
        schema_of({"name": "n", "type": "integer"}),
        load_with_python(con, text),
        max_examples=3,
        file_name="n.csv",
    )
    group = report.errors_by_kind[0]
    assert group.count == 12 and [e["line"] for e in group.examples] == [2, 3, 4]
    assert group.message_fr.endswith("(lignes 2, 3, 4…).")
    data = json.loads(json.dumps(report.as_dict()))
    assert data["valid"] is False and data["error_count"] == 12 and data["file_name"] == "n.csv"
    assert data["summary_fr"].startswith("Non conforme au schéma « Test » : 12 erreurs")


def test_valid_table_says_so(tmp_path):
    con = duckdb.connect()
    report = validate_table(
        con, "raw", schema_of({"name": "n", "type": "integer"}), load_with_python(con, "n\n1\n2\n")
    )
    assert report.valid and report.error_count == 0 and report.errors_by_kind == []
    assert report.summary_fr == "Conforme au schéma « Test » (2 lignes vérifiées)."


def test_bad_calls_are_refused_in_both_languages():
    con = duckdb.connect()
    columns = load_with_python(con, "n\n1\n")
    with pytest.raises(ValidationFailed) as error:
        validate_table(con, "raw", {"type": "object", "properties": {}}, columns)
    assert "Table Schema" in error.value.message_fr and "Table Schema" in error.value.message_en
    with pytest.raises(ValidationFailed) as error:
        validate_table(con, "raw", schema_of({"name": "n"}), [{"id": "nope", "label": "n"}])
    assert "nope" in error.value.message_fr
    with pytest.raises(ValidationFailed):
        validate_table(con, "missing_table", schema_of({"name": "n"}), columns)


def test_unknown_type_and_unsupported_constraint_are_warnings(tmp_path):
    con = duckdb.connect()
    schema = schema_of(
        {"name": "n", "type": "entier"},
        {"name": "m", "type": "integer", "constraints": {"pattern": "\\d+"}},
    )
    report = validate_table(con, "raw", schema, load_with_python(con, "n,m\nx,12\n"))
    assert report.valid
    assert {w.field for w in report.warnings} == {"n", "m"}


def test_pattern_is_the_whole_value(tmp_path):
    """Deliberate difference: frictionless wraps a pattern as ^…$ without a group and uses
    re.match, so "a|b" means "starts with a, or is b"; the Table Schema pattern is the whole value."""
    text = "x\na\nab\nxb\nc\n"
    schema = schema_of({"name": "x", "type": "string", "constraints": {"pattern": "a|b"}})
    ours, theirs, _ = compare_text(tmp_path, text, schema)
    assert theirs == {("constraint-error", "x"): 2}  # "xb" and "c"; "ab" passes
    assert ours.counts() == {("constraint-error", "x"): 3}
    assert [e["value"] for e in ours.errors_by_kind[0].examples] == ["ab", "xb", "c"]


def test_enum_on_typed_values(tmp_path):
    """enum values are read with the field's type, like frictionless: 01 is 1, 2.50 is 2.5."""
    text = "i,x,d,b\n01,2.50,2020-01-01,true\n3,1,2021-01-01,false\n2,3.5,2020-1-1,1\n7,2.5,2022-01-01,0\n"
    schema = schema_of(
        {"name": "i", "type": "integer", "constraints": {"enum": [1, 2, 3, 4, 5]}},
        {"name": "x", "type": "number", "constraints": {"enum": [1, 2.5, 7, 8]}},
        {
            "name": "d",
            "type": "date",
            "constraints": {"enum": ["2020-01-01", "2021-01-01", "2023-01-01", "2024-01-01"]},
        },
        {"name": "b", "type": "boolean", "constraints": {"enum": [True]}},
    )
    assert_same(
        tmp_path,
        text,
        schema,
        {
            ("constraint-error", "i"): 1,
            ("constraint-error", "x"): 1,
            ("constraint-error", "d"): 1,
            ("constraint-error", "b"): 2,
        },
    )


def test_french_habits_get_the_exact_fix_and_groups_follow_the_schema(tmp_path):
    text = 'id,date_cm,montant\n1,25/11/2013,"1 063 850,00"\n1,2013-12-03,"12,5"\n'
    schema = schema_of(
        {"name": "id", "type": "integer", "constraints": {"unique": True}},
        {"name": "date_cm", "type": "date"},
        {"name": "montant", "type": "number"},
    )
    report = assert_same(
        tmp_path,
        text,
        schema,
        {("unique-error", "id"): 1, ("type-error", "date_cm"): 1, ("type-error", "montant"): 2},
    )
    assert [g.column for g in report.errors_by_kind] == ["id", "date_cm", "montant"]
    by_column = {g.column: g for g in report.errors_by_kind}
    assert "« format »: « %d/%m/%Y »" in by_column["date_cm"].what_to_do_fr
    assert "« decimalChar »: « , »" in by_column["montant"].what_to_do_fr
    assert "12,5" in by_column["montant"].what_to_do_fr


def test_dbase_headers_are_recognised():
    """Shapefile exports (Montpellier's defibrillators) write "Nom,C,254" for the field nom."""
    con = duckdb.connect()
    columns = load_with_python(con, '"Nom,C,254","DDEBUT,D",Autre\nMairie,2020-01-01,x\n')
    schema = schema_of({"name": "nom", "type": "string"}, {"name": "ddebut", "type": "date"})
    report = validate_table(con, "raw", schema, columns)
    assert report.counts() == {
        ("incorrect-label", "nom"): 1,
        ("incorrect-label", "ddebut"): 1,
        ("extra-label", "Autre"): 1,
    }
    assert report.columns[0]["label"] == "Nom,C,254"
