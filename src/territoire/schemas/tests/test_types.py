"""Each type rule, value by value, against frictionless' own field readers (the reference).

For every field descriptor below and every tricky value, the SQL test must say "valid" exactly
when frictionless' `Field.read_cell` reads the value without a type note. Known, deliberate
differences are listed in DIFFERENCES and asserted separately (docs/schemas.md).
"""

from __future__ import annotations

import duckdb
import pytest
from frictionless import Field

from territoire.schemas.fieldtypes import field_sql

VALUES = {
    "integer": [
        "12",
        " 12 ",
        "+5",
        "-3",
        "1_000",
        "1__0",
        "_1",
        "1_",
        "1.0",
        "1.5",
        "1e3",
        "",
        "abc",
        "١٢",
        "12\u00a0",
        "0012",
        "99999999999999999999",
        "+-5",
        "0x10",
        "0b1",
        "\t7\n",
    ],
    "number": [
        "1.5",
        " 1.5 ",
        "1,5",
        ".5",
        "5.",
        "1e3",
        "1E-3",
        "-2.5e+4",
        "1_000.5",
        "inf",
        "-Infinity",
        "NaN",
        "sNaN",
        "1.2.3",
        "abc",
        "1 000",
        "0x10",
        "+.5",
        "1e",
        "e3",
        "٣",
        "12\u00a0",
        "_1",
        "1_",
        "+-5",
        "--5",
        "1e5_0",
        "\t7\n",
        "0b1",
    ],
    "boolean": ["true", "True", "TRUE", "1", "false", "0", "yes", "oui", " true", "tRue"],
    "date": [
        "2020-01-05",
        "2020-1-5",
        "2020-01- 5",
        "02020-01-05",
        "+2020-01-05",
        "2020-02-30",
        "2020-02-29",
        "2019-02-29",
        "05/01/2020",
        " 2020-01-05",
        "2020-01-05 ",
        "0000-01-01",
        "20200105",
        "2020-01-05T00:00:00",
    ],
    "datetime": [
        "2020-01-05T10:00:00",
        "2020-01-05T10:00:00Z",
        "2020-01-05T10:00:00+01:00",
        "2020-01-05T10:00:00.123+0100",
        "2020-01-05 10:00:00",
        "2020-01-05T24:00:00",
        "2020-01-05T25:00:00",
        "2020-01-05T10:00",
        "2020-02-30T10:00:00",
        "2020-01-05T10:00:00+01",
        "2020-01-05T10:00:00 ",
        "2020-01-05T10:60:00",
        "05/01/2020 10:00:00",
        "2020-01-05T10:00:00,5",
    ],
    "time": [
        "10:00:00",
        "10:00",
        "24:00:00",
        "23:59:59.5",
        "10:00:00Z",
        "10:00:00+02:00",
        "1:00:00",
        "10:61:00",
        "ab:cd:ef",
    ],
    "year": ["2020", "0000", "9999", "20200", "202", " 202", "+202", "-202", "2_20", "abcd"],
    "yearmonth": [
        "2020-01",
        "2020-12",
        "2020-13",
        "2020-00",
        "2020-1",
        "2020",
        "2020-01-01",
        "+2020-01",
        " 2020 - 01 ",
    ],
    "geopoint": [
        "3.87, 43.61",
        "3.87,43.61",
        "43.61",
        "200, 10",
        "10, 100",
        "a, b",
        "1,2,3",
        " 1 , 2 ",
        "-180,-90",
    ],
    "duration": ["P1D", "PT2H", "P1Y2M3DT4H5M6S", "P1.5D", "P", "PT", "-P1D", "1D", "P1W", "p1d"],
    "array": ["[1, 2]", "[]", '["a"]', "{}", "1", "[1,", "  [1] "],
    "object": ['{"a": 1}', "{}", "[]", "x", '{"a":'],
}
FORMATS = [
    (
        {"type": "string", "format": "email"},
        [
            "a@b.fr",
            "prenom.nom@ville.fr",
            "a@b",
            "a@@b.fr",
            "a b@c.fr",
            "é@x.fr",
            "ab@exemple.com.",
            "a@-x.fr",
            "a@x_y.fr",
            "a@x.f",
            '"a b"@x.fr',
            "a..b@x.fr",
            ".a@x.fr",
            "contact@mairie-montpellier.fr",
            "A@B.FR",
            "a@x.123",
        ],
    ),
    (
        {"type": "string", "format": "uri"},
        [
            "http://x",
            "https://exa mple.com/a b",
            "www.x.fr",
            "mailto:a@b",
            "a b:c",
            "C:\\x",
            "x:",
            "1http://x",
            "é:x",
            ":x",
        ],
    ),
    (
        {"type": "string", "format": "uuid"},
        [
            "2bc1c94f-0deb-43e9-92a1-4775189ec9f8",
            "2BC1C94F0DEB43E992A14775189EC9F8",
            "{2bc1c94f-0deb-43e9-92a1-4775189ec9f8}",
            "urn:uuid:2bc1c94f-0deb-43e9-92a1-4775189ec9f8",
            "2bc1c94f-0deb-43e9-92a1-4775189ec9f",
            "zzc1c94f-0deb-43e9-92a1-4775189ec9f8",
        ],
    ),
    ({"type": "number", "decimalChar": ","}, ["1,5", "1.5", "1 000,5", "-0,25", "12", "1,5,5"]),
    (
        {"type": "number", "decimalChar": ",", "groupChar": " "},
        ["1 000,5", "1\u00a0000,5", "1.000,5", "12"],
    ),
    ({"type": "number", "groupChar": ","}, ["1,000.5", "1,000,000", "1.5"]),
    ({"type": "number", "bareNumber": False}, ["12 €", "€12", "1,5 %", "%", "EUR -3.5", "12"]),
    ({"type": "integer", "bareNumber": False}, ["12 €", "€ 12", "n° 12", "-12 m", "x"]),
    (
        {"type": "boolean", "trueValues": ["oui", "Oui"], "falseValues": ["non", "Non"]},
        ["oui", "Oui", "OUI", "non", "true", "1"],
    ),
    (
        {"type": "date", "format": "%d/%m/%Y"},
        [
            "05/01/2020",
            "5/1/2020",
            "31/02/2020",
            "2020-01-05",
            "05/01/20",
            " 5/1/2020",
            "05/13/2020",
        ],
    ),
    ({"type": "date", "format": "%d/%m/%y"}, ["05/01/20", "05/01/2020", "29/02/21"]),
    ({"type": "date", "format": "%Y%m%d"}, ["20200105", "20201305", "2020015"]),
    (
        {"type": "date", "format": "%d %B %Y"},
        ["05 January 2020", "5 june 2020", "31 February 2020", "05 janvier 2020"],
    ),
    (
        {"type": "datetime", "format": "%d/%m/%Y %H:%M"},
        ["05/01/2020 10:30", "05/01/2020 24:30", "05/01/2020  10:30", "05/01/2020"],
    ),
    (
        {"type": "datetime", "format": "%Y-%m-%dT%H:%M:%S%z"},
        [
            "2020-01-05T10:00:00+0100",
            "2020-01-05T10:00:00Z",
            "2020-01-05T10:00:00+01:00",
            "2020-01-05T10:00:00",
        ],
    ),
    ({"type": "time", "format": "%H:%M"}, ["10:30", "1:5", "24:00", "10:30:00"]),
    ({"type": "time", "format": "%I:%M %p"}, ["10:30 AM", "10:30 pm", "13:30 PM"]),
    (
        {"type": "geopoint", "format": "array"},
        ["[3.87, 43.61]", "[3.87,43.61]", '["3.87", "43.61"]', "[200, 1]", "[1]", "3.87, 43.61"],
    ),
    (
        {"type": "geopoint", "format": "object"},
        ['{"lon": 3.8, "lat": 43.6}', '{"lon": 3.8}', '{"lon": 3.8, "lat": 95}'],
    ),
    ({"type": "list", "itemType": "integer"}, ["1,2,3", "1", "1,a", ""]),
]
CASES = [({"type": type_name}, values) for type_name, values in VALUES.items()] + FORMATS

# Deliberate, documented differences (docs/schemas.md): value -> our verdict.
DIFFERENCES = {
    # RE2's [0-9] is ASCII: Arabic-Indic digits, which Python's int()/Decimal() accept, are refused.
    ("integer", "default", "١٢"): False,
    ("number", "default", "٣"): False,
}


def frictionless_valid(descriptor: dict, value: str) -> bool:
    field = Field.from_descriptor({"name": "x", **descriptor})
    if value in field.missing_values:
        return True
    _, notes = field.read_cell(value)
    return not (notes and "type" in notes)


def sql_valid(con, descriptor: dict, values: list[str]) -> list[bool]:
    field = {"name": "x", "format": "default", **descriptor}
    sql = field_sql(field, "v")
    con.execute("CREATE OR REPLACE TEMP TABLE probe (i INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO probe VALUES (?, ?)", list(enumerate(values)))
    rows = con.execute(f"SELECT i, coalesce({sql.valid}, FALSE) FROM probe ORDER BY i").fetchall()  # noqa: S608
    return [bool(ok) for _, ok in rows]


@pytest.mark.parametrize(
    ("descriptor", "values"),
    CASES,
    ids=[f"{d['type']}-{d.get('format', 'default')}-{i}" for i, (d, _) in enumerate(CASES)],
)
def test_type_rule_matches_frictionless(descriptor, values):
    con = duckdb.connect()
    values = [v for v in values if v != ""]
    ours = sql_valid(con, descriptor, values)
    mismatches = []
    for value, our_verdict in zip(values, ours, strict=True):
        key = (descriptor["type"], descriptor.get("format", "default"), value)
        expected = DIFFERENCES.get(key, frictionless_valid(descriptor, value))
        if our_verdict != expected:
            mismatches.append((value, "ours", our_verdict, "expected", expected))
    assert not mismatches


@pytest.mark.parametrize(("key", "verdict"), list(DIFFERENCES.items()))
def test_documented_differences_are_real(key, verdict):
    """Each listed difference really differs from frictionless (else remove it from the list)."""
    type_name, fmt, value = key
    descriptor = {"type": type_name} if fmt == "default" else {"type": type_name, "format": fmt}
    assert frictionless_valid(descriptor, value) != verdict
    assert sql_valid(duckdb.connect(), descriptor, [value]) == [verdict]
