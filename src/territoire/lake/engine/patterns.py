"""Constants of type inference: null markers, boolean words, and the regular expressions
that recognise numbers, dates, points and geometries (RE2 syntax, as DuckDB runs them).

Also the helpers that write SQL literals (``q``) and constant-list tests (``_is_in``).
"""
# ruff: noqa: S608 - SQL is assembled from identifiers quoted by quote_ident() and literals
# escaped by q()/_q(); no SQL text ever comes from users.

from __future__ import annotations

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


# Dates that stand for "no date" (MySQL's zero date and its spreadsheet forms): null in any typed
# column, counted and reported for date columns.
DATE_PLACEHOLDERS = (
    "0000-00-00",
    "0000-00-00 00:00:00",
    "0000-00-00T00:00:00",
    "0000-00-00 00:00",
    "00/00/0000",
    "00/00/00",
    "00/00/0000 00:00",
    "00/00/0000 00:00:00",
    "00.00.0000",
)


WHITESPACE = " \t\r\n\u00a0\u202f\u2007\u2009"


TRUE_WORDS = ("oui", "vrai", "true", "yes", "o", "y", "t")


FALSE_WORDS = ("non", "faux", "false", "no", "n", "f")


_SHORT_BOOL = ("o", "n", "y", "t", "f")


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
    "codepost",
    "cpostal",
    "postcode",
    "zipcode",
}


# Names that say "identifier" wherever they appear in the column name (``Station_codepost``,
# ``num_siret``, ``CodeINSEE``, ``telephone_fixe``).
_IDENTIFIER_SUBSTRINGS = (
    "siret",
    "siren",
    "insee",
    "telephone",
    "postal",
    "codepost",
    "postcode",
    "zipcode",
)

# An integer column of E.164 phone numbers (+33467…) stays text, whatever its name.
_INTL_PHONE = "[+][0-9]{10,14}"

# A spreadsheet's export of an identifier stored as a number: ``21860194600000.0``.
_INTEGRAL_FLOAT = "[0-9]+[.]0+"


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


_NUMCHARS = f"[0-9+.,eE{_SP[1:-1]}-]+"


_NUMLIKE = f"[+-]?([0-9]+|[0-9]{{1,3}}([.,{_SP[1:-1]}][0-9]{{3}})+)([.,][0-9]+)?"


_DATESHAPE = "[0-9]{1,4}[/.-][0-9]{1,2}[/.-][0-9]{1,4}([ T].*)?"


_GEO_WORD = r"(?i)\s*(SRID=|MULTI|POINT|LINESTRING|POLYGON|GEOMETRYCOLLECTION).*"


_FAMILY_LABEL = {
    "iso": "aaaa-mm-jj",
    "dmy4": "jj/mm/aaaa",
    "dmy2": "jj/mm/aa",
    "ymd": "aaaa/mm/jj",
    "mdy4": "mm/jj/aaaa",
    "mdy2": "mm/jj/aa",
}


_DATE_FORMATS = {
    "iso": "%Y-%m-%d",
    "dmy4": "%d/%m/%Y",
    "dmy2": "%d/%m/%y",
    "ymd": "%Y/%m/%d",
    "mdy4": "%m/%d/%Y",
    "mdy2": "%m/%d/%y",
}
