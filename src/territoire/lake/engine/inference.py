"""Column types, inferred over the whole column, and the SQL that casts each value.

Every source value arrives as VARCHAR in the DuckDB table ``raw_data``. Inference is SQL only
(no Python loop over values):

1. **Propose** on a sample: the whole table when it has at most ``EXACT_ROWS`` rows, otherwise
   its first ``SAMPLE_HEAD`` rows plus whole vectors drawn at random (system sampling). Two
   aggregate queries count, per column, how many values fit each candidate shape: cheap tests
   for every column first (only number characters? date-shaped? a boolean word? braces?), then
   the detailed shapes (number notations, date formats parsed with ``TRY_STRPTIME``, points,
   WKT, GeoJSON) only for the families a column can still belong to.
2. **Verify** every proposed non-text type on the *whole* column: one aggregate query counts the
   values the chosen parser rejects (and, for decimals, the longest value and the most
   decimals, exactly). A column with a failure is analysed again over the whole column (step 1
   without sampling), so the final type always fits every value. Small tables skip this step:
   their analysis already covered every value.

Type overrides (``IngestOptions.type_overrides``, by column id or label) force a type. There is no
silent fallback: when a value does not fit, the ingestion fails with an ``override_mismatch``
error that counts the bad values and names the first lines (up to five).

Null markers (``NULL_MARKERS``): a marker is a null in any typed column, so ``NC`` in a date
column does not keep it as text. In a text column only empty or whitespace-only values and the
spreadsheet error values (``EXCEL_ERRORS``, plus ``NULL``) become null; word-like markers (``NA``,
``NC``, ``-``…) stay, because there they can be real values (a country code, "sans objet"). The
``raw`` table always keeps the value exactly as in the file.

Types and their storage (the Parquet column type):

==========  =============================================  ======================================
type        recognised                                     storage
==========  =============================================  ======================================
integer     ``-12``, ``1 234`` (space, U+00A0, U+202F or   BIGINT
            ``.`` thousands), at most 18 digits
decimal     ``3.5``, ``3,5``, ``1 063 850,00``,            DECIMAL(18,s) when every value has at
            ``1.234,5``, ``1,234.5``, ``1e-3``             most 6 decimals and 17 characters
                                                           (exact amounts), else DOUBLE
boolean     oui/non, vrai/faux, true/false, yes/no, o/n    BOOLEAN
date        ``2013-12-03``, ``03/12/2013`` (also ``.`` or  DATE
            ``-``), ``03/12/13``, ``2013/12/03``
datetime    ISO 8601 with or without zone, ``03/12/2013    TIMESTAMP WITH TIME ZONE (values
            10:30``                                        without zone are Europe/Paris time)
geo_point   ``lat,lon``, ``[lon,lat]``, WKT ``POINT``,     STRUCT(lat DOUBLE, lon DOUBLE)
            GeoJSON ``Point``
geometry    any other WKT or GeoJSON geometry              GEOMETRY (spatial extension; written
                                                           to Parquet as WKB with GeoParquet
                                                           metadata)
text        everything else                                VARCHAR
==========  =============================================  ======================================

What stays text although it looks like a number: a value with leading zeros (INSEE ``01000``,
postal codes, phone numbers), a column whose name says it is an identifier (code INSEE, SIREN,
SIRET, code postal, téléphone…), integers longer than 18 digits, and integer columns whose
values all have the same length of 9 digits or more (SIREN, SIRET). Any column where one value
does not fit stays text; when at least 90 % fit, a warning names the first value that does not.

Dates: day first (French usage). ``03/04/2013`` is 3 April. A column where some values only make
sense month first (``12/25/2013``) and none only day first is read month first, with a warning;
a column holding both kinds is ambiguous and stays text with a warning naming an example line.
Different unambiguous notations in one column (``03/12/2013`` and ``2013-12-03``) are each read
with their own format, with a ``mixed_dates`` warning. Two-digit years: 00–68 → 2000s,
69–99 → 1900s.

Geo points: a ``lat,lon`` string is read latitude first (OpenDataSoft's ``geo_point_2d``
convention), ``[x,y]`` arrays and WKT/GeoJSON longitude first; when the values only make sense
in the other order (|value| > 90, or points that fall in France only when swapped) the order is
swapped. Separate latitude/longitude columns stay ``decimal`` and are marked with
``ColumnInfo.geo_role`` (``latitude``/``longitude``) when their names and ranges say so.
"""
# ruff: noqa: S608 - SQL is assembled from identifiers quoted by quote_ident() and literals
# escaped by q()/_q(); no SQL text ever comes from users.

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from .csvreader import quote_ident
from .issues import Issue, error, warning

TYPES = ("integer", "decimal", "boolean", "date", "datetime", "geo_point", "geometry", "text")

EXCEL_ERRORS = (
    "#N/A",
    "#NA",
    "#N/D",
    "#VALUE!",
    "#VALEUR!",
    "#REF!",
    "#DIV/0!",
    "#NAME?",
    "#NOM?",
    "#NUM!",
    "#NOMBRE!",
    "#NULL!",
    "NULL",
    "null",
)
# Null in any typed column (see module doc); compared after trimming spaces.
NULL_MARKERS = (
    "",
    *EXCEL_ERRORS,
    "N/A",
    "n/a",
    "NA",
    "na",
    "N.A.",
    "NC",
    "nc",
    "N.C.",
    "ND",
    "nd",
    "n.d.",
    "N.D.",
    "NaN",
    "nan",
    "None",
    "none",
    "Null",
    "-",
    "--",
    "—",
    "–",
    "?",
)
WHITESPACE = " \t\r\n\u00a0\u202f\u2007\u2009"

TRUE_WORDS = ("oui", "vrai", "true", "yes", "o", "y", "t")
FALSE_WORDS = ("non", "faux", "false", "no", "n", "f")
_SHORT_BOOL = ("o", "n", "y", "t", "f")

EXACT_ROWS = 50_000  # tables up to this size are analysed whole at once
SAMPLE_HEAD = 5_000
SAMPLE_RANDOM = 5_000

_SPACES = " \u00a0\u202f\u2007\u2009"  # thousands separators: space, NBSP, NNBSP, figure, thin
_SP = f"[{_SPACES}]"
_SIGN = "[+-]?"
_INT = "(0|[1-9][0-9]*)"  # no leading zero: "01000" is a code, not a number


def _grouped(separator: str) -> str:
    return f"({_INT}|[1-9][0-9]{{0,2}}({separator}[0-9]{{3}})+)"


NUMBER_STYLES = {
    # style: (full-match pattern, thousands characters, decimal mark, integer-only pattern)
    "plain": (
        _SIGN + f"({_INT}(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?",
        "",
        ".",
        _SIGN + _INT,
    ),
    "fr": (_SIGN + _grouped(_SP) + "(,[0-9]+)?", WHITESPACE, ",", _SIGN + _grouped(_SP)),
    "fr_dot": (
        _SIGN + _grouped("\\.") + "(,[0-9]+)?",
        ".",
        ",",
        _SIGN + _grouped("\\."),
    ),
    "en": (_SIGN + _grouped(",") + "(\\.[0-9]+)?", ",", ".", _SIGN + _grouped(",")),
    "space_dot": (_SIGN + _grouped(_SP) + "(\\.[0-9]+)?", WHITESPACE, ".", _SIGN + _grouped(_SP)),
}
_LEAD0 = _SIGN + "0[0-9]+"
_D_ISO = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
_D_DMY4 = "[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}"
_D_DMY2 = "[0-9]{1,2}/[0-9]{1,2}/[0-9]{2}"
_D_YMD = "[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}"
_DT_ISO = (
    "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?"
    " ?(Z|z|UTC|[+-][0-9]{2}(:?[0-9]{2})?)?"
)
_DT_DMY = "[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}[ T][0-9]{1,2}[:h][0-9]{2}(:[0-9]{2})?"
_DT_DMY_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%YT%H:%M:%S", "%d/%m/%Y %Hh%M"]
_COORD = r"[+-]?[0-9]{1,3}(\.[0-9]+)?"
_LATLON = _COORD + r"\s*,\s*" + _COORD
_BRACKET = r"\[\s*" + _COORD + r"\s*,\s*" + _COORD + r"\s*\]"
_NUMG = r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?"
_WKT_POINT = r"(?i)POINT\s*(Z\s*)?\(\s*" + _NUMG + r"\s+" + _NUMG + r"(\s+" + _NUMG + r")?\s*\)"
_WKT_ANY = (
    r"(?is)(SRID=[0-9]+;)?\s*(MULTI)?(POINT|LINESTRING|POLYGON|GEOMETRYCOLLECTION)"
    r"\s*(Z|M|ZM)?\s*(\(.*\)|EMPTY)"
)
_GJ_POINT = r'(?s)\{.*"type"\s*:\s*"Point".*\}'
_GJ_ANY = r'(?s)\{.*"type"\s*:\s*"((Multi)?(Point|LineString|Polygon)|GeometryCollection)".*\}'

# Names that say "identifier": the column stays text even when every value is a number.
_IDENTIFIER_TOKENS = {
    "insee",
    "siren",
    "siret",
    "postal",
    "codepostal",
    "cp",
    "tel",
    "telephone",
    "phone",
    "fax",
    "mobile",
    "portable",
    "zip",
    "nir",
    "iban",
    "bic",
    "uai",
    "finess",
    "rna",
    "ean",
    "isbn",
    "cedex",
    "appel",
}
_IDENTIFIER_SUBSTRINGS = ("siret", "siren", "insee", "telephone", "postal")
_LAT_NAMES = {"lat", "latitude", "ylat", "y", "coordy", "lat_wgs84", "wgs84_lat", "geo_lat"}
_LON_NAMES = {
    "lon",
    "lng",
    "long",
    "longitude",
    "xlong",
    "x",
    "coordx",
    "lon_wgs84",
    "wgs84_lon",
    "geo_lon",
}
# Bounding boxes (lat_min, lat_max, lon_min, lon_max) of France, mainland and overseas:
# used to choose the order of the two numbers of a point when both orders are in range.
FRANCE_BBOXES = (
    (41.0, 51.5, -5.8, 10.0),  # métropole et Corse
    (15.8, 16.6, -61.9, -60.9),  # Guadeloupe
    (14.3, 14.9, -61.3, -60.7),  # Martinique
    (2.0, 6.0, -54.7, -51.5),  # Guyane
    (-21.5, -20.8, 55.1, 55.9),  # La Réunion
    (-13.1, -12.5, 44.9, 45.4),  # Mayotte
    (46.7, 47.2, -56.5, -56.1),  # Saint-Pierre-et-Miquelon
    (-23.0, -19.0, 163.0, 169.0),  # Nouvelle-Calédonie
    (-28.0, -7.0, -155.0, -134.0),  # Polynésie française
)


def q(value: str) -> str:
    """SQL string literal; control characters go through chr() (DuckDB's parser chokes on a raw
    carriage return inside a literal)."""
    parts = []
    plain = ""
    for ch in value:
        if ord(ch) < 32:
            if plain:
                parts.append("'" + plain.replace("'", "''") + "'")
                plain = ""
            parts.append(f"chr({ord(ch)})")
        else:
            plain += ch
    if plain or not parts:
        parts.append("'" + plain.replace("'", "''") + "'")
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


def _in_list(values) -> str:
    """SQL list literal; tested with list_contains(), because an ``IN (…)`` list of constants
    costs DuckDB ~25 ms of planning per use, which adds up to seconds on wide files."""
    return "[" + ", ".join(q(v) for v in values) + "]"


def _is_in(expr: str, values) -> str:
    return f"list_contains({_in_list(values)}, {expr})"


@dataclass
class Decision:
    type: str
    reason: str
    style: str = ""  # number style, date formats, point order…
    scale: int | None = None
    params: dict = field(default_factory=dict)
    trim: bool = False
    issues: list[Issue] = field(default_factory=list)
    geo_role: str | None = None


# --- normalised value ----------------------------------------------------------------------


def norm_expr(col: str, *, trim: bool, typed: bool) -> str:
    """SQL for the value of ``col`` with null markers applied (see module doc).

    Cheap first: no marker starts with a digit, so values starting with one (most values of a
    numeric or date column) skip the list lookup; trimming with Unicode spaces costs ~1 µs per
    value in DuckDB, so it is only done for columns where padding was seen (``trim``).
    """
    c = quote_ident(col)
    if typed:
        base = f"trim({c}, {q(WHITESPACE)})" if trim else c
        return (
            f"CASE WHEN ({base} < '0' OR {base} >= ':') AND {_is_in(base, NULL_MARKERS)} "
            f"THEN NULL ELSE {base} END"
        )
    # text: only blank values and spreadsheet errors become null; each test starts with a
    # prefix comparison so that ordinary values are decided without the costly ones
    trimmed = f"trim({c}, {q(WHITESPACE)})"
    return (
        f"CASE WHEN {c} LIKE '#%' AND {_is_in(c, EXCEL_ERRORS)} THEN NULL "
        f"WHEN {c} = 'NULL' OR {c} = 'null' THEN NULL "
        f"WHEN ({c} < '!' OR {c} LIKE {q(chr(0xA0) + '%')} OR {c} LIKE {q(chr(0x202F) + '%')}) "
        f"AND {trimmed} = '' THEN NULL ELSE {c} END"
    )


# --- analysis ------------------------------------------------------------------------------
#
# Two aggregate queries over a materialised copy of the normalised values: stage A computes a few
# cheap features for every column (is every value made of number characters? of date
# characters? a boolean word? braces?), stage B computes the detailed shape counts only for the
# families a column can still belong to. Regular expressions cost ~0.1 µs per value plus ~0.5 ms
# to compile, and DuckDB evaluates every argument of every aggregate, so doing only the relevant
# ones matters; ``count_if`` is used instead of ``FILTER`` (8× less overhead per aggregate).

_NUMCHARS = f"[0-9+.,eE{_SP[1:-1]}-]+"
_NUMLIKE = f"[+-]?([0-9]+|[0-9]{{1,3}}([.,{_SP[1:-1]}][0-9]{{3}})+)([.,][0-9]+)?"
_DATESHAPE = "[0-9]{1,4}[/.-][0-9]{1,2}[/.-][0-9]{1,4}([ T].*)?"
_GEO_WORD = r"(?i)\s*(SRID=|MULTI|POINT|LINESTRING|POLYGON|GEOMETRYCOLLECTION).*"


def _stage_a(col: str, v: str) -> dict[str, str]:
    c = quote_ident(col)
    rm = "regexp_full_match"
    return {
        "n": f"count({v})",
        "n_raw": f"count({c})",
        "n_numchars": f"count_if({rm}({v}, '{_NUMCHARS}'))",
        "n_bool": f"count_if({_is_in('lower(' + v + ')', TRUE_WORDS + FALSE_WORDS)})",
        "n_brace": f"count_if({v} LIKE '{{%}}')",
        "n_bracket_shape": f"count_if({v} LIKE '[%]')",
        "n_geo_word": f"count_if({rm}({v}, '{_GEO_WORD}'))",
        "n_dateshape": f"count_if({rm}({v}, '{_DATESHAPE}'))",
        "n_numlike": f"count_if({rm}({v}, '{_NUMLIKE}'))",
    }


def _padded(c: str) -> str:
    """SQL true when the value starts or ends with a space (ASCII or Unicode)."""
    tests = []
    for ch in WHITESPACE:
        tests.append(f"{c} LIKE {q(ch + '%')}")
        tests.append(f"{c} LIKE {q('%' + ch)}")
    return "(" + " OR ".join(tests) + ")"


def _guarded(shape: str, parses: str) -> str:
    """count_if(shape AND parses), parsing only values of the right shape: an aggregate's
    arguments are evaluated for every row, a CASE branch only for the rows that reach it."""
    return f"count_if(CASE WHEN {shape} THEN {parses} ELSE false END)"


def _stage_b(col: str, v: str, a: dict) -> dict[str, str]:
    rm = "regexp_full_match"
    n = a["n"]
    out: dict[str, str] = {}
    if n and a["n_bool"] == n:
        lv = f"lower({v})"
        out["n_bool_short"] = f"count_if({_is_in(lv, _SHORT_BOOL)})"
        out["n_true"] = f"count_if({_is_in(lv, TRUE_WORDS)})"
        out["n_false"] = f"count_if({_is_in(lv, FALSE_WORDS)})"
    if n and a["n_numchars"] == n:
        out.update(
            {
                "n_int": f"count_if({rm}({v}, '[+-]?[0-9]+'))",
                "n_lead0": f"count_if({rm}({v}, '{_LEAD0}'))",
                "n_dot": f"count_if(contains({v}, '.'))",
                "n_comma": f"count_if(contains({v}, ','))",
                "n_exp": f"count_if({rm}({v}, '.*[0-9][eE][+-]?[0-9]+'))",
                "n_fr_dot_evidence": (
                    f"count_if({rm}({v}, '.*[0-9]\\.[0-9]{{3}}(\\.[0-9]{{3}})*,[0-9]*|"
                    f"[+-]?[0-9]{{1,3}}\\.[0-9]{{3}}\\.[0-9]{{3}}(\\.[0-9]{{3}})*'))"
                ),
                "n_en_evidence": (
                    f"count_if({rm}({v}, '.*[0-9],[0-9]{{3}}(,[0-9]{{3}})*\\.[0-9]*|"
                    f"[+-]?[0-9]{{1,3}},[0-9]{{3}},[0-9]{{3}}(,[0-9]{{3}})*'))"
                ),
                "min_len": f"min(length({v}))",
                "max_len": f"max(length({v}))",
                "max_scale_dot": f"max(length({v}) - instr({v}, '.')) FILTER (contains({v}, '.'))",
                "max_scale_comma": (
                    f"max(length({v}) - instr({v}, ',')) FILTER (contains({v}, ','))"
                ),
                "n_latlon": f"count_if({rm}({v}, '{_LATLON}'))",
            }
        )
        for style, (pattern, _t, _d, _i) in NUMBER_STYLES.items():
            out[f"n_{style}"] = f"count_if({rm}({v}, '{pattern}'))"
        for k, ch in enumerate(_SPACES):
            out[f"n_space{k}"] = f"count_if(contains({v}, {q(ch)}))"
    if n and a["n_dateshape"] == n:
        rv = f"replace(replace({v}, '.', '/'), '-', '/')"
        dmy = f"try_strptime({rv}, ['%d/%m/%Y', '%d/%m/%y'])"
        mdy = f"try_strptime({rv}, ['%m/%d/%Y', '%m/%d/%y'])"
        out.update(
            {
                "n_iso": _guarded(f"{rm}({v}, '{_D_ISO}')", f"try_cast({v} AS DATE) IS NOT NULL"),
                "n_dmy4_shape": f"count_if({rm}({rv}, '{_D_DMY4}'))",
                "n_dotsep": f"count_if(contains({v}, '.'))",
                "n_dash": f"count_if(contains({v}, '-'))",
                "n_dmy4": _guarded(
                    f"{rm}({rv}, '{_D_DMY4}')", f"try_strptime({rv}, '%d/%m/%Y') IS NOT NULL"
                ),
                "n_mdy4": _guarded(
                    f"{rm}({rv}, '{_D_DMY4}')", f"try_strptime({rv}, '%m/%d/%Y') IS NOT NULL"
                ),
                "n_dmy_only": _guarded(
                    f"{rm}({rv}, '{_D_DMY4}|{_D_DMY2}')", f"{dmy} IS NOT NULL AND {mdy} IS NULL"
                ),
                "n_mdy_only": _guarded(
                    f"{rm}({rv}, '{_D_DMY4}|{_D_DMY2}')", f"{dmy} IS NULL AND {mdy} IS NOT NULL"
                ),
                "n_dmy2": _guarded(
                    f"{rm}({rv}, '{_D_DMY2}')", f"try_strptime({rv}, '%d/%m/%y') IS NOT NULL"
                ),
                "n_ymd": _guarded(
                    f"NOT {rm}({v}, '{_D_ISO}') AND {rm}({rv}, '{_D_YMD}')",
                    f"try_strptime({rv}, '%Y/%m/%d') IS NOT NULL",
                ),
                "n_dt_iso": _guarded(
                    f"{rm}({v}, '{_DT_ISO}')", f"try_cast({v} AS TIMESTAMPTZ) IS NOT NULL"
                ),
                "n_dt_dmy": _guarded(
                    f"{rm}({v}, '{_DT_DMY}')", f"try_strptime({v}, {_DT_DMY_FORMATS}) IS NOT NULL"
                ),
            }
        )
    if n and a["n_brace"] == n:
        out["n_gj_point"] = f"count_if({rm}({v}, '{_GJ_POINT}') AND json_valid({v}))"
        out["n_gj_any"] = f"count_if({rm}({v}, '{_GJ_ANY}') AND json_valid({v}))"
    if n and a["n_bracket_shape"] == n:
        out["n_bracket"] = f"count_if({rm}({v}, '{_BRACKET}'))"
    if n and a["n_geo_word"] == n:
        out["n_wkt_point"] = f"count_if({rm}({v}, '{_WKT_POINT}'))"
        out["n_wkt_any"] = f"count_if({rm}({v}, '{_WKT_ANY}'))"
    return out


class Features(dict):
    """Feature counts of one column; features that were not computed count 0."""

    def __missing__(self, key: str) -> int:
        return 0


def _aggregate(con, table: str, exprs: list[tuple[str, str, str]]) -> dict[str, dict]:
    result: dict[str, dict] = {}
    if not exprs:
        return result
    row = con.execute(f"SELECT {', '.join(e for _c, _n, e in exprs)} FROM {table}").fetchone()
    for (col, name, _e), value in zip(exprs, row, strict=True):
        result.setdefault(col, {})[name] = value or 0
    return result


def analyse(
    con: duckdb.DuckDBPyConnection, columns: list[str], *, sample: bool
) -> dict[str, Features]:
    """Feature counts per column, over a sample or over the whole of ``raw_data``."""
    if not columns:
        return {}
    source = "raw_data"
    if sample:
        source = "__sample"
        # the first rows, plus whole vectors picked at random (system sampling reads only
        # what it keeps; reservoir sampling would scan every column of the table)
        (total,) = con.execute("SELECT count(*) FROM raw_data").fetchone()
        percent = min(100.0, 100.0 * SAMPLE_RANDOM / max(1, total))
        con.execute(
            "CREATE TEMP TABLE IF NOT EXISTS __sample AS "
            f"SELECT * FROM raw_data WHERE rowid < {SAMPLE_HEAD} UNION ALL "
            f"SELECT * FROM raw_data WHERE rowid >= {SAMPLE_HEAD} "
            f"USING SAMPLE {percent:.6f}% (system, 42)"
        )
    names = {col: f"v{k}" for k, col in enumerate(columns)}
    # padding first (cheap prefix/suffix tests), so that only padded columns pay for trimming
    padded = _aggregate(
        con, source, [(c, "n_padded", f"count_if({_padded(quote_ident(c))})") for c in columns]
    )
    projections = []
    for col in columns:
        trim = bool(padded[col]["n_padded"])
        projections.append(quote_ident(col))
        projections.append(f"{norm_expr(col, trim=trim, typed=True)} AS {names[col]}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE __analysis AS SELECT {', '.join(projections)} FROM {source}"
    )
    try:
        stage_a = _aggregate(
            con,
            "__analysis",
            [(c, n, e) for c in columns for n, e in _stage_a(c, names[c]).items()],
        )
        stage_b = _aggregate(
            con,
            "__analysis",
            [(c, n, e) for c in columns for n, e in _stage_b(c, names[c], stage_a[c]).items()],
        )
    finally:
        con.execute("DROP TABLE IF EXISTS __analysis")
    return {c: Features({**padded[c], **stage_a[c], **stage_b.get(c, {})}) for c in columns}


# --- decision ------------------------------------------------------------------------------


def _tokens(identifier: str) -> set[str]:
    return set(identifier.split("_"))


def is_identifier_name(identifier: str) -> bool:
    tokens = _tokens(identifier)
    if tokens & _IDENTIFIER_TOKENS:
        return True
    if "code" in tokens and not tokens & {"nombre", "nb", "montant"}:
        return True
    return any(s in identifier for s in _IDENTIFIER_SUBSTRINGS)


def decide(col: str, label: str, f: dict) -> Decision:
    """The type of one column from its feature counts (see module doc for the rules)."""
    n = f["n"]
    trim = f["n_padded"] > 0
    if n == 0:
        return Decision(
            "text",
            "aucune valeur (ou seulement des marqueurs de valeur manquante) : texte",
            trim=trim,
        )

    # booleans
    if f["n_bool"] == n and (f["n_bool_short"] == 0 or (f["n_true"] and f["n_false"])):
        return Decision("boolean", "valeurs oui/non (vrai/faux, true/false)", trim=trim)

    # numbers
    if f["n_lead0"] and f["n_numchars"] == n:
        return Decision("text", "zéros en tête : conservé en texte", trim=trim)
    numeric_style = None
    for style in ("plain", "fr", "fr_dot", "en", "space_dot"):
        if f[f"n_{style}"] == n:
            numeric_style = style
            break
    if numeric_style:
        # Disambiguate 1.234 (plain) / 1.234 (fr_dot) and 1,234 (fr) / 1,234 (en).
        if numeric_style == "plain" and f["n_fr_dot_evidence"] and f["n_fr_dot"] == n:
            numeric_style = "fr_dot"
        if numeric_style == "fr" and f["n_en_evidence"] and f["n_en"] == n:
            numeric_style = "en"
        if is_identifier_name(col):
            return Decision(
                "text", "identifiant (d'après le nom de la colonne) : conservé en texte", trim=trim
            )
        _pattern, _thousands, mark, _int = NUMBER_STYLES[numeric_style]
        spaces = "".join(ch for k, ch in enumerate(_SPACES) if f[f"n_space{k}"])
        has_fraction = f["n_comma"] if mark == "," else f["n_dot"]
        if numeric_style in ("fr_dot",):
            has_fraction = f["n_comma"]
        is_integer = not has_fraction and not (numeric_style == "plain" and f["n_exp"])
        if is_integer:
            if f["max_len"] > _max_integer_length(numeric_style):
                return Decision("text", "nombre trop long pour un entier : conservé en texte")
            if n >= 2 and f["min_len"] == f["max_len"] and f["min_len"] >= 9:
                return Decision(
                    "text",
                    f"identifiant de longueur fixe ({f['min_len']} chiffres) : conservé en texte",
                    trim=trim,
                )
            return Decision(
                "integer",
                _number_reason("entiers", numeric_style),
                numeric_style,
                trim=trim,
                params={"spaces": spaces},
            )
        d = Decision(
            "decimal",
            _number_reason("nombres décimaux", numeric_style),
            numeric_style,
            trim=trim,
            params={"spaces": spaces},
        )
        scale = f["max_scale_comma"] if mark == "," else f["max_scale_dot"]
        _set_scale(d, max_len=f["max_len"], scale=scale, exponent=bool(f["n_exp"]))
        return d

    # dates
    date_total = f["n_iso"] + f["n_dmy4"] + f["n_dmy2"] + f["n_ymd"]
    slash_total = f["n_dmy4_shape"] + f["n_dmy2"]
    if f["n_iso"] + f["n_ymd"] + slash_total >= n and slash_total and f["n_mdy_only"]:
        if f["n_dmy_only"]:
            d = Decision(
                "text", "dates ambiguës (jour/mois et mois/jour) : conservé en texte", trim=trim
            )
            d.params["ambiguous_dates"] = True
            return d
        if f["n_iso"] + f["n_ymd"] + f["n_mdy4"] + f["n_dmy2"] >= n:
            d = Decision("date", "dates au format mois/jour/année (américain)", "mdy", trim=trim)
            d.params["families"] = _date_families(f, mdy=True)
            d.params["normalise"] = _needs_normalise(f)
            d.params["month_first"] = True
            return d
    if date_total == n:
        families = _date_families(f)
        d = Decision(
            "date", "dates (" + ", ".join(_FAMILY_LABEL[x] for x in families) + ")", trim=trim
        )
        d.params["families"] = families
        d.params["normalise"] = _needs_normalise(f)
        return d

    # datetimes (date-only values in the same column are read as midnight)
    if f["n_dt_iso"] + f["n_dt_dmy"] + date_total == n and (f["n_dt_iso"] or f["n_dt_dmy"]):
        families = _date_families(f)
        if f["n_dt_iso"]:
            families.append("dt_iso")
        if f["n_dt_dmy"]:
            families.append("dt_dmy")
        d = Decision("datetime", "dates et heures (ISO 8601 ou jj/mm/aaaa hh:mm)", trim=trim)
        d.params["families"] = families
        d.params["normalise"] = _needs_normalise(f)
        return d

    # points and geometries
    for feature, kind, why in (
        ("n_latlon", "latlon", "points « latitude, longitude »"),
        ("n_bracket", "bracket", "points [x, y]"),
        ("n_wkt_point", "wkt_point", "points WKT"),
        ("n_gj_point", "geojson_point", "points GeoJSON"),
    ):
        if f[feature] == n:
            d = Decision("geo_point", why, kind, trim=trim)
            return d
    if f["n_wkt_any"] == n:
        return Decision("geometry", "géométries WKT", "wkt", trim=trim)
    if f["n_gj_any"] == n:
        return Decision("geometry", "géométries GeoJSON", "geojson", trim=trim)

    d = Decision("text", "texte", trim=trim)
    if n >= 10 and f["n_numlike"] >= 0.9 * n:
        d.params["almost"] = "number"
    elif n >= 10 and f["n_dateshape"] >= 0.9 * n:
        d.params["almost"] = "date"
    return d


def _needs_normalise(f: dict) -> bool:
    """Do some day/month/year values use ``.`` or ``-`` (other than ISO dates)?"""
    return bool(f["n_dotsep"]) or f["n_dash"] > f["n_iso"] + f["n_dt_iso"]


_FAMILY_LABEL = {
    "iso": "aaaa-mm-jj",
    "dmy4": "jj/mm/aaaa",
    "dmy2": "jj/mm/aa",
    "ymd": "aaaa/mm/jj",
    "mdy4": "mm/jj/aaaa",
    "mdy2": "mm/jj/aa",
}


def _date_families(f: dict, *, mdy: bool = False) -> list[str]:
    fam = []
    if f["n_iso"]:
        fam.append("iso")
    if f["n_dmy4_shape"]:
        fam.append("mdy4" if mdy else "dmy4")
    if f["n_dmy2"]:
        fam.append("mdy2" if mdy else "dmy2")
    if f["n_ymd"]:
        fam.append("ymd")
    return fam


def _max_integer_length(style: str) -> int:
    return 18 if style == "plain" else 24


def _set_scale(d: Decision, *, max_len: int, scale: int, exponent: bool) -> None:
    """DECIMAL(18,s) (exact, for amounts) when every value has at most 6 decimals and at most
    17 characters; DOUBLE otherwise (coordinates with 14 decimals, scientific notation)."""
    d.scale = scale if (not exponent and scale <= 6 and max_len <= 17) else None


def _number_reason(what: str, style: str) -> str:
    return {
        "plain": what,
        "fr": f"{what} (virgule décimale, espaces de milliers)",
        "fr_dot": f"{what} (virgule décimale, points de milliers)",
        "en": f"{what} (point décimal, virgules de milliers)",
        "space_dot": f"{what} (point décimal, espaces de milliers)",
    }[style]


# --- SQL per decision ----------------------------------------------------------------------


def number_pattern(d: Decision, *, integer: bool) -> str:
    """Full-match pattern for the column's notation; for space-grouped styles only the space
    characters seen in the column (a later value with another one fails verification and the
    column is analysed again over every value)."""
    if d.style in ("fr", "space_dot"):
        spaces = d.params.get("spaces", _SPACES)
        body = _grouped(f"[{spaces}]") if spaces else _INT
        if integer:
            return _SIGN + body
        fraction = "(,[0-9]+)?" if d.style == "fr" else "(\\.[0-9]+)?"
        return _SIGN + body + fraction
    return NUMBER_STYLES[d.style][3 if integer else 0]


def _number_text(v: str, style: str, spaces: str | None = None) -> str:
    """SQL turning a number written in ``style`` into plain ``1234.5`` text."""
    _pattern, thousands, mark, _int = NUMBER_STYLES[style]
    if style in ("fr", "space_dot") and spaces is not None:
        thousands = spaces
    expr = v
    for ch in thousands:
        if ch in "\r\n":
            continue
        expr = f"replace({expr}, {q(ch)}, '')"
    if mark == ",":
        expr = f"replace({expr}, ',', '.')"
    return expr


_DATE_FORMATS = {
    "iso": "%Y-%m-%d",
    "dmy4": "%d/%m/%Y",
    "dmy2": "%d/%m/%y",
    "ymd": "%Y/%m/%d",
    "mdy4": "%m/%d/%Y",
    "mdy2": "%m/%d/%y",
}


def _date_expr(v: str, families: list[str], *, try_: bool, normalise: bool = True) -> str:
    """SQL parsing a date/datetime in one of ``families``; ``normalise``: some values use ``.``
    or ``-`` between day, month and year, so they are rewritten with ``/`` first."""
    rv = f"replace(replace({v}, '.', '/'), '-', '/')" if normalise else v
    fn = "try_strptime" if try_ else "strptime"
    cast = "try_cast" if try_ else "cast"
    branches = []  # (shape test, parser)
    for fam in families:
        if fam == "iso":
            # a cast reads ISO dates ~3× faster than strptime
            branches.append((f"regexp_full_match({v}, '{_D_ISO}')", f"{cast}({v} AS DATE)"))
        elif fam in ("dmy4", "mdy4"):
            branches.append(
                (f"regexp_full_match({rv}, '{_D_DMY4}')", f"{fn}({rv}, '{_DATE_FORMATS[fam]}')")
            )
        elif fam in ("dmy2", "mdy2"):
            branches.append(
                (f"regexp_full_match({rv}, '{_D_DMY2}')", f"{fn}({rv}, '{_DATE_FORMATS[fam]}')")
            )
        elif fam == "ymd":
            branches.append((f"regexp_full_match({rv}, '{_D_YMD}')", f"{fn}({rv}, '%Y/%m/%d')"))
        elif fam == "dt_iso":
            branches.append((f"regexp_full_match({v}, '{_DT_ISO}')", f"{cast}({v} AS TIMESTAMPTZ)"))
        elif fam == "dt_dmy":
            branches.append(
                (
                    f"regexp_full_match({v}, '{_DT_DMY}')",
                    f"{fn}({v}, {_DT_DMY_FORMATS})::TIMESTAMPTZ",
                )
            )
    if len(branches) == 1 and not try_:
        # one notation, already verified on every value: no shape test needed
        return branches[0][1]
    return "CASE " + " ".join(f"WHEN {t} THEN {p}" for t, p in branches) + " END"


def _coord_pair(v: str, kind: str) -> tuple[str, str]:
    """SQL for the two numbers of a point, in the order they are written."""
    if kind == "latlon":
        return (f"trim(split_part({v}, ',', 1))", f"trim(split_part({v}, ',', 2))")
    if kind == "bracket":
        inner = f"trim({v}, {q('[] ' + chr(9) + chr(13) + chr(10))})"
        return (f"trim(split_part({inner}, ',', 1))", f"trim(split_part({inner}, ',', 2))")
    if kind == "wkt_point":
        pattern = r"(?i)POINT\s*(?:Z\s*)?\(\s*(\S+)\s+(\S+)"
        return (f"regexp_extract({v}, {q(pattern)}, 1)", f"regexp_extract({v}, {q(pattern)}, 2)")
    # geojson_point
    return (
        f"json_extract_string({v}, '$.coordinates[0]')",
        f"json_extract_string({v}, '$.coordinates[1]')",
    )


def storage_type(d: Decision) -> str:
    return {
        "integer": "BIGINT",
        "decimal": f"DECIMAL(18,{d.scale})" if d.scale is not None else "DOUBLE",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "datetime": "TIMESTAMP WITH TIME ZONE",
        "geo_point": "STRUCT(lat DOUBLE, lon DOUBLE)",
        "geometry": "GEOMETRY",
        "text": "VARCHAR",
    }[d.type]


def cast_expr(col: str, d: Decision, *, try_: bool = False) -> str:
    """SQL producing the typed value of ``col`` (``try_``: null instead of an error)."""
    if d.type == "text":
        return norm_expr(col, trim=False, typed=False)
    v = norm_expr(col, trim=d.trim, typed=True)
    cast = "try_cast" if try_ else "cast"
    if d.type in ("integer", "decimal"):
        target = storage_type(d)
        return f"{cast}({_number_text(v, d.style, d.params.get('spaces'))} AS {target})"
    if d.type == "boolean":
        return (
            f"CASE WHEN {_is_in(f'lower({v})', TRUE_WORDS)} THEN true "
            f"WHEN {_is_in(f'lower({v})', FALSE_WORDS)} THEN false END"
        )
    if d.type == "date":
        expr = _date_expr(v, d.params["families"], try_=try_, normalise=_normalise(d))
        return f"{cast}({expr} AS DATE)"
    if d.type == "datetime":
        expr = _date_expr(v, d.params["families"], try_=try_, normalise=_normalise(d))
        return f"{cast}({expr} AS TIMESTAMPTZ)"
    if d.type == "geo_point":
        a, b = _coord_pair(v, d.style)
        lat, lon = (b, a) if d.params.get("lon_first") else (a, b)
        return (
            f"CASE WHEN {v} IS NOT NULL THEN struct_pack(lat := {cast}({lat} AS DOUBLE), "
            f"lon := {cast}({lon} AS DOUBLE)) END"
        )
    if d.type == "geometry":
        if d.style == "geojson":
            fn = "ST_GeomFromGeoJSON"
        else:
            fn = "ST_GeomFromText"
            v = f"regexp_replace({v}, '^SRID=[0-9]+;', '')"
        inner = f"{fn}({v})"
        return f"TRY({inner})" if try_ else inner
    raise ValueError(d.type)


def _normalise(d: Decision) -> bool:
    return d.params.get("normalise", True)


def check_expr(col: str, d: Decision) -> str:
    """SQL true when the value of ``col`` fits ``d`` (null values fit)."""
    v = norm_expr(col, trim=d.trim, typed=True)
    if d.type == "text":
        return "true"
    rm = "regexp_full_match"
    if d.type in ("integer", "decimal"):
        pattern = number_pattern(d, integer=d.type == "integer")
        fits = ""
        if d.type == "integer":  # BIGINT holds 18 digits (24 characters with separators)
            fits = f" AND length({v}) <= {_max_integer_length(d.style)}"
        return f"({v} IS NULL OR ({rm}({v}, '{pattern}'){fits}))"
    if d.type == "boolean":
        return f"({v} IS NULL OR {_is_in(f'lower({v})', TRUE_WORDS + FALSE_WORDS)})"
    if d.type in ("date", "datetime"):
        expr = _date_expr(v, d.params["families"], try_=True, normalise=_normalise(d))
        return f"({v} IS NULL OR {expr} IS NOT NULL)"
    if d.type == "geo_point":
        pattern = {"latlon": _LATLON, "bracket": _BRACKET, "wkt_point": _WKT_POINT}.get(d.style)
        if pattern:
            return f"({v} IS NULL OR {rm}({v}, '{pattern}'))"
        return f"({v} IS NULL OR ({rm}({v}, '{_GJ_POINT}') AND json_valid({v})))"
    if d.type == "geometry":
        return f"({v} IS NULL OR {cast_expr(col, d, try_=True)} IS NOT NULL)"
    raise ValueError(d.type)


# --- the whole inference --------------------------------------------------------------------


@dataclass
class Inferred:
    decisions: dict[str, Decision]
    issues: list[Issue]
    needs_spatial: bool


def infer(
    con: duckdb.DuckDBPyConnection,
    ids: list[str],
    labels: dict[str, str],
    *,
    row_count: int,
    overrides: dict[str, str],
    file_label: str,
    load_spatial,
) -> Inferred:
    """Decide the type of every column of ``raw_data`` (see module doc)."""
    issues: list[Issue] = []
    exact = row_count <= EXACT_ROWS
    free = [i for i in ids if i not in overrides]
    features = analyse(con, free, sample=not exact)
    decisions = {col: decide(col, labels[col], features[col]) for col in free}

    if any(d.type == "geometry" for d in decisions.values()) or any(
        t == "geometry" for t in overrides.values()
    ):
        load_spatial()

    if not exact:
        to_verify = {c: decisions[c] for c in free if decisions[c].type != "text"}
        failed, stats = _verify(con, to_verify)
        for col, (max_len, scale) in stats.items():
            d = decisions[col]
            if col not in failed and d.type == "decimal":
                _set_scale(d, max_len=max_len, scale=scale, exponent=d.scale is None and scale > 6)
        if failed:
            full = analyse(con, failed, sample=False)
            for col in failed:
                decisions[col] = decide(col, labels[col], full[col])
                features[col] = full[col]
            if any(decisions[c].type == "geometry" for c in failed):
                load_spatial()
            still, _stats = _verify(
                con, {c: decisions[c] for c in failed if decisions[c].type != "text"}
            )
            for col in still:  # should not happen: exact analysis and parser disagree
                decisions[col] = Decision("text", "valeurs hétérogènes : conservé en texte")

    # geometry columns whose WKT/GeoJSON does not parse stay text
    geometry_cols = [c for c in free if decisions[c].type == "geometry"]
    if geometry_cols:
        bad, _stats = _verify(con, {c: decisions[c] for c in geometry_cols})
        for col in bad:
            decisions[col] = Decision("text", "géométries invalides : conservé en texte")
            issues.append(
                warning(
                    "invalid_geometry",
                    f"La colonne « {labels[col]} » ressemble à des géométries mais certaines "
                    "sont invalides : elle est conservée en texte.",
                    f"Column '{labels[col]}' looks like geometries but some are invalid: kept "
                    "as text.",
                    file=file_label,
                    line=_first_bad_line(con, col, decisions_for_check(col, features.get(col))),
                    column=labels[col],
                    hint_fr="Corrigez la syntaxe WKT (ex. POLYGON((x y, x y, …))) ou GeoJSON.",
                    hint_en="Fix the WKT (e.g. POLYGON((x y, x y, …))) or GeoJSON syntax.",
                )
            )

    _refine_points(con, decisions, sampled=not exact)

    for col in free:
        issues.extend(_decision_issues(con, col, labels[col], decisions[col], file_label))

    for col, type_name in overrides.items():
        decisions[col], more = _override(con, col, labels[col], type_name, file_label, load_spatial)
        issues.extend(more)
    con.execute("DROP TABLE IF EXISTS __sample")
    return Inferred(
        decisions, issues, needs_spatial=any(d.type == "geometry" for d in decisions.values())
    )


def decisions_for_check(col: str, f: dict | None) -> Decision:
    return Decision("geometry", "", "geojson" if f and f.get("n_gj_any") else "wkt")


def _verify(con, decisions: dict[str, Decision]) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """Columns with a value the chosen parser rejects, over the whole table; for decimal
    columns also (longest value, most decimals), exact, from the same scan."""
    if not decisions:
        return [], {}
    cols = list(decisions)
    parts = [f"count_if(NOT {check_expr(c, decisions[c])})" for c in cols]
    decimal_cols = [c for c in cols if decisions[c].type == "decimal"]
    for c in decimal_cols:
        v = norm_expr(c, trim=decisions[c].trim, typed=True)
        mark = NUMBER_STYLES[decisions[c].style][2]
        parts.append(f"max(length({v}))")
        parts.append(f"max(length({v}) - instr({v}, {q(mark)})) FILTER (contains({v}, {q(mark)}))")
    row = con.execute("SELECT " + ", ".join(parts) + " FROM raw_data").fetchone()
    failed = [c for c, bad in zip(cols, row[: len(cols)], strict=True) if bad]
    stats = {}
    for k, c in enumerate(decimal_cols):
        max_len, scale = row[len(cols) + 2 * k], row[len(cols) + 2 * k + 1]
        stats[c] = (max_len or 0, scale or 0)
    return failed, stats


def _first_bad_line(con, col: str, d: Decision) -> int | None:
    row = con.execute(f"SELECT min(__line__) FROM raw WHERE NOT {check_expr(col, d)}").fetchone()
    return row[0] if row else None


def _first_bad(con, col: str, condition: str) -> tuple[int | None, str | None]:
    row = con.execute(
        f"SELECT __line__, {quote_ident(col)} FROM raw WHERE {condition} ORDER BY __line__ LIMIT 1"
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _in_france(lat: str, lon: str) -> str:
    return (
        "("
        + " OR ".join(
            f"({lat} BETWEEN {a} AND {b} AND {lon} BETWEEN {c} AND {d})"
            for a, b, c, d in FRANCE_BBOXES
        )
        + ")"
    )


def _refine_points(con, decisions: dict[str, Decision], *, sampled: bool = False) -> None:
    """Which of the two numbers is the latitude (see module doc); decided on the sample of a
    large table, since it is a judgement on where the points are, not a parse."""
    source = "__sample" if sampled else "raw_data"
    for col, d in decisions.items():
        if d.type != "geo_point":
            continue
        v = norm_expr(col, trim=True, typed=True)
        a, b = _coord_pair(v, d.style)
        a, b = f"try_cast({a} AS DOUBLE)", f"try_cast({b} AS DOUBLE)"
        row = con.execute(
            f"SELECT max(abs({a})), max(abs({b})), count(*) FILTER ({_in_france(a, b)}), "
            f"count(*) FILTER ({_in_france(b, a)}), count({v}) FROM {source}"
        ).fetchone()
        max_a, max_b, france_ab, france_ba, n = row
        lon_first = d.style != "latlon"
        name = col.replace("_", "")
        if d.style == "latlon" and ("xy" in name or "lonlat" in name):
            lon_first = True
        if (max_a or 0) > 90 >= (max_b or 0):
            lon_first = True
        elif (max_b or 0) > 90 >= (max_a or 0):
            lon_first = False
        elif france_ab > france_ba and france_ab >= 0.5 * n:
            lon_first = False
        elif france_ba > france_ab and france_ba >= 0.5 * n:
            lon_first = True
        if (max_a or 0) > 180 or (max_b or 0) > 180:
            decisions[col] = Decision("text", "coordonnées hors plage (projection ?) : texte")
            continue
        d.params["lon_first"] = lon_first
        d.reason += " (longitude d'abord)" if lon_first else " (latitude d'abord)"


def mark_lat_lon(decisions: dict[str, Decision], stats: dict[str, dict]) -> None:
    """Separate latitude/longitude columns, recognised by name then checked by range (the
    range comes from the statistics of the written Parquet: no extra scan)."""
    for col, d in decisions.items():
        if d.type != "decimal":
            continue
        tokens = _tokens(col) | {col, col.replace("_", "")}
        if tokens & _LAT_NAMES:
            role, limit = "latitude", 90
        elif tokens & _LON_NAMES:
            role, limit = "longitude", 180
        else:
            continue
        try:
            low, high = float(stats[col]["min"]), float(stats[col]["max"])
        except (TypeError, ValueError, KeyError):
            continue
        if -limit <= low and high <= limit:
            d.geo_role = role
            d.reason += f" ; {role} (nom et plage de valeurs)"


def _decision_issues(con, col: str, label: str, d: Decision, file_label: str) -> list[Issue]:
    out = []
    families = d.params.get("families") or []
    date_families = [x for x in families if not x.startswith("dt_")]
    if d.type in ("date", "datetime") and len(date_families) > 1:
        out.append(
            warning(
                "mixed_dates",
                f"La colonne « {label} » mélange plusieurs formats de date "
                f"({', '.join(_FAMILY_LABEL[x] for x in date_families)}) ; chaque valeur a été lue "
                "selon son format.",
                f"Column '{label}' mixes date formats; each value was read in its own format.",
                file=file_label,
                column=label,
                hint_fr="Vérifiez quelques dates ; harmonisez le format à la source (aaaa-mm-jj).",
                hint_en="Check a few dates; use one format at the source (yyyy-mm-dd).",
            )
        )
    if d.params.get("month_first"):
        out.append(
            warning(
                "month_first_dates",
                f"La colonne « {label} » contient des dates au format mois/jour/année "
                "(ex. 12/25/2013) : elles ont été lues ainsi.",
                f"Column '{label}' holds month/day/year dates; they were read that way.",
                file=file_label,
                column=label,
            )
        )
    if d.params.get("ambiguous_dates"):
        line, value = _first_bad(
            con,
            col,
            f"try_strptime(replace(replace(trim({quote_ident(col)}), '.', '/'), '-', '/'), "
            "['%d/%m/%Y', '%d/%m/%y']) IS NULL AND try_strptime(replace(replace(trim("
            f"{quote_ident(col)}), '.', '/'), '-', '/'), ['%m/%d/%Y', '%m/%d/%y']) IS NOT NULL",
        )
        out.append(
            warning(
                "mixed_dates",
                f"La colonne « {label} » mélange des dates jour/mois et mois/jour (ex. "
                f"« {value} » ligne {line}) : elle est conservée en texte.",
                f"Column '{label}' mixes day/month and month/day dates (e.g. '{value}' at "
                f"line {line}): kept as text.",
                file=file_label,
                line=line,
                column=label,
                hint_fr="Harmonisez les dates (jj/mm/aaaa ou aaaa-mm-jj) puis rechargez, ou "
                "forcez le type « date ».",
                hint_en="Use one date format (dd/mm/yyyy or yyyy-mm-dd) and reload.",
            )
        )
    almost = d.params.get("almost")
    if almost:
        v = norm_expr(col, trim=True, typed=True)
        if almost == "number":
            condition = f"{v} IS NOT NULL AND NOT regexp_full_match({v}, '{_NUMLIKE}')"
            what_fr, what_en = "des nombres", "numbers"
        else:
            condition = f"{v} IS NOT NULL AND NOT regexp_full_match({v}, '{_DATESHAPE}')"
            what_fr, what_en = "des dates", "dates"
        line, value = _first_bad(con, col, condition)
        if line is not None:
            out.append(
                warning(
                    "mostly_typed",
                    f"La colonne « {label} » contient presque uniquement {what_fr}, mais pas "
                    f"« {value} » (ligne {line}) : elle est conservée en texte.",
                    f"Column '{label}' holds almost only {what_en}, but not '{value}' (line "
                    f"{line}): kept as text.",
                    file=file_label,
                    line=line,
                    column=label,
                    hint_fr="Corrigez ou videz les valeurs non conformes, ou forcez le type de "
                    "la colonne.",
                    hint_en="Fix or empty the odd values, or force the column type.",
                )
            )
    return out


# --- overrides ------------------------------------------------------------------------------


def _override(con, col, label, type_name, file_label, load_spatial):
    """Force a type; every value must fit or the ingestion fails, naming the first bad lines."""
    if type_name not in TYPES:
        raise ValueError(type_name)
    issues = []
    if type_name == "text":
        return Decision("text", "type imposé : texte", params={"overridden": True}), issues
    if type_name == "geometry":
        load_spatial()
    features = analyse(con, [col], sample=False)[col]
    natural = decide(col, label, features)
    if natural.type == type_name:
        d = natural
    else:
        d = _forced_decision(type_name, features)
    if d.type == "decimal":
        mark = NUMBER_STYLES[d.style][2]
        scale = features["max_scale_comma"] if mark == "," else features["max_scale_dot"]
        _set_scale(d, max_len=features["max_len"], scale=scale, exponent=bool(features["n_exp"]))
    if d.type == "geo_point":
        _refine_points(con, {col: d})
        if d.type != "geo_point":
            d = Decision("geo_point", "", "latlon")
    bad = con.execute(
        f"SELECT __line__, {quote_ident(col)} FROM raw WHERE NOT {check_expr(col, d)} "
        "ORDER BY __line__ LIMIT 5"
    ).fetchall()
    if bad:
        (count,) = con.execute(
            f"SELECT count(*) FROM raw_data WHERE NOT {check_expr(col, d)}"
        ).fetchone()
        lines = ", ".join(str(r[0]) for r in bad)
        issues.append(
            error(
                "override_mismatch",
                f"Type « {type_name} » imposé à la colonne « {label} », mais {count} valeur(s) "
                f"ne s'y prêtent pas (ex. « {bad[0][1]} », ligne(s) {lines}).",
                f"Type '{type_name}' forced on column '{label}', but {count} value(s) do not "
                f"fit (e.g. '{bad[0][1]}', line(s) {lines}).",
                file=file_label,
                line=bad[0][0],
                column=label,
                hint_fr="Corrigez ces valeurs, ou retirez le type imposé pour cette colonne.",
                hint_en="Fix these values, or remove the forced type for this column.",
            )
        )
    d.reason = f"type imposé ({d.reason})" if d.reason else "type imposé"
    d.params["overridden"] = True
    return d, issues


def _forced_decision(type_name: str, f: dict) -> Decision:
    if type_name in ("integer", "decimal"):
        style = max(NUMBER_STYLES, key=lambda s: f[f"n_{s}"])
        return Decision(type_name, "", style, trim=True)
    if type_name == "boolean":
        return Decision("boolean", "", trim=True)
    if type_name in ("date", "datetime"):
        fam = _date_families(f) or ["dmy4", "iso"]
        if not _date_families(f):
            fam = ["iso", "dmy4", "dmy2", "ymd"]
        if type_name == "datetime":
            fam = fam + ["dt_iso", "dt_dmy"]
        return Decision(type_name, "", params={"families": fam}, trim=True)
    if type_name == "geo_point":
        kind = max(
            (
                ("latlon", f["n_latlon"]),
                ("bracket", f["n_bracket"]),
                ("wkt_point", f["n_wkt_point"]),
                ("geojson_point", f["n_gj_point"]),
            ),
            key=lambda kv: kv[1],
        )[0]
        return Decision("geo_point", "", kind, trim=True)
    if type_name == "geometry":
        return Decision("geometry", "", "geojson" if f["n_gj_any"] > f["n_wkt_any"] else "wkt")
    return Decision("text", "")
