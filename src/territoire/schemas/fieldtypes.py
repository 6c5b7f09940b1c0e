"""For each Table Schema type: an SQL test that a (non-missing) text value is of that type, and the
typed value the constraints compare. Each rule follows what frictionless' field readers accept
(see the parity tests in tests/test_types.py), expressed as DuckDB SQL so a million rows cost one
scan and no Python per value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .datetimes import DateTimeSql, parse_literal
from .sqltext import in_list, sql_string

# Python's str.strip() removes these; int()/Decimal() strip them too.
PY_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_SP = "[" + "".join(f"\\x{{{ord(c):X}}}" for c in PY_SPACES) + "]"
DIGITS = r"[0-9](?:_?[0-9])*"
INTEGER_RE = rf"{_SP}*[+-]?{DIGITS}{_SP}*"
DECIMAL_BODY = (
    rf"[+-]?(?:(?:{DIGITS}(?:\.(?:{DIGITS})?)?|\.{DIGITS})(?:[eE][+-]?{DIGITS})?"
    rf"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[sS]?[nN][aA][nN][0-9]*)"
)
DECIMAL_RE = rf"{_SP}*{DECIMAL_BODY}{_SP}*"
NON_BARE_RE = r"((^[^-0-9]*)|([^0-9]*$))"
EMAIL_LOCAL_CHARS = r"\x{0100}-\x{017F}\x{0180}-\x{024F}\x{00A0}-\x{00FF}0-9a-z!#$%&'*+/=?^_`{}|~\-"
EMAIL_LOCAL_RE = (
    rf"(?i)(?:[\x{{0100}}-\x{{017F}}\x{{0180}}-\x{{024F}}\x{{00A0}}-\x{{00FF}}]"
    rf"|[{EMAIL_LOCAL_CHARS}]+(?:\.[{EMAIL_LOCAL_CHARS}]+)*"
    r'|"(?:[\x{0100}-\x{017F}\x{0180}-\x{024F}\x{00A0}-\x{00FF}\x01-\x08\x0B\x0C\x0E-\x1F!#-\[\]-\x7F]|\\[\x09.])*")'
)
# validators.domain after IDNA encoding; non-ASCII letters stand in for their punycode form.
DOMAIN_RE = (
    r"(?i)(?:[a-z0-9\x{80}-\x{10FFFF}](?:[a-z0-9\x{80}-\x{10FFFF}-]{0,61}[a-z0-9\x{80}-\x{10FFFF}])?\.)+"
    r"[a-z0-9\x{80}-\x{10FFFF}][a-z0-9\x{80}-\x{10FFFF}-]{0,61}[a-z\x{80}-\x{10FFFF}]"
)
URI_SCHEME_RE = r"^[a-zA-Z][a-zA-Z0-9+.-]*:"
DURATION_RE = (
    r"[+-]?P(?:[0-9]+(?:[,.][0-9]+)?Y)?(?:[0-9]+(?:[,.][0-9]+)?M)?(?:[0-9]+(?:[,.][0-9]+)?W)?"
    r"(?:[0-9]+(?:[,.][0-9]+)?D)?(?:T(?:[0-9]+(?:[,.][0-9]+)?H)?(?:[0-9]+(?:[,.][0-9]+)?M)?"
    r"(?:[0-9]+(?:[,.][0-9]+)?S)?)?"
)
WKT_RE = (
    r"(?is)\s*(?:POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON|GEOMETRYCOLLECTION)"
    r"(?:\s+(?:Z|M|ZM))?\s*(?:\(.*\)|EMPTY)\s*"
)
GEOJSON_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
    "Feature",
    "FeatureCollection",
)


@dataclass
class FieldSql:
    """valid: SQL boolean for a non-missing value; value: the typed SQL value constraints use;
    length: SQL length for minLength/maxLength; literal: a constraint value as SQL, or None."""

    valid: str
    value: str
    literal: Callable[[object], str | None]
    length: str | None = None
    description: str = ""


def strip_sql(v: str) -> str:
    """Python's str.strip(). DuckDB's trim(v, characters) is slow with many characters: regex
    only for the few values that start or end with a space."""
    edge = sql_string(f"^{_SP}|{_SP}$")
    both = sql_string(f"^{_SP}+|{_SP}+$")
    return f"(CASE WHEN regexp_matches({v}, {edge}) THEN regexp_replace({v}, {both}, '', 'g') ELSE {v} END)"


def regex_match(v: str, regex: str) -> str:
    return f"regexp_full_match({v}, {sql_string(regex)})"


def field_sql(field: dict, v: str) -> FieldSql:
    """SQL for one field over the SQL expression v (a VARCHAR that is not a missing value)."""
    field_type = field["type"]
    fmt = field.get("format") or "default"
    builder = _BUILDERS.get(field_type, _any)
    return builder(field, fmt, v)


def _string(field: dict, fmt: str, v: str) -> FieldSql:
    if fmt == "email":
        local = f"split_part({v}, '@', 1)"
        domain = f"split_part({v}, '@', 2)"
        valid = (
            f"(length({v}) - length(replace({v}, '@', '')) = 1 AND length({local}) <= 64 "
            f"AND length({domain}) <= 253 AND {regex_match(local, EMAIL_LOCAL_RE)} "
            f"AND {regex_match(domain, DOMAIN_RE)} AND NOT regexp_matches({domain}, '\\s|__'))"
        )
    elif fmt == "uri":
        valid = f"regexp_matches({v}, {sql_string(URI_SCHEME_RE)})"
    elif fmt == "uuid":
        bare = (
            f"replace(replace(replace(trim(lower({v}), '{{}}'), 'urn:', ''), 'uuid:', ''), '-', '')"
        )
        valid = regex_match(bare, "[0-9a-f]{32}")
    elif fmt == "binary":
        valid = (
            regex_match(v, r"[A-Za-z0-9+/\s]*={0,2}\s*")
            + f" AND length(regexp_replace({v}, '[^A-Za-z0-9+/=]', '', 'g')) % 4 = 0"
        )
    elif fmt == "wkt":
        valid = regex_match(v, WKT_RE)
    else:
        valid = "TRUE"
    return FieldSql(
        valid=f"({valid})", value=v, literal=lambda x: sql_string(str(x)), length=f"length({v})"
    )


def _integer(field: dict, fmt: str, v: str) -> FieldSql:
    text = strip_sql(v)
    if field.get("bareNumber", True) is False:
        text = f"regexp_replace({text}, {sql_string(NON_BARE_RE)}, '', 'g')"
    if field.get("bareNumber", True) is False:
        valid = regex_match(text, INTEGER_RE)
        value = f"TRY_CAST(replace({text}, '_', '') AS HUGEINT)"
    else:
        # Fast path: DuckDB's integer cast reads what Python's int() reads, plus decimals and
        # exponents (it rounds "1.5") and "+-5", refused here; anything else goes to the regex.
        cast = f"TRY_CAST({v} AS HUGEINT)"
        odd = f"(contains({v}, '.') OR contains({v}, 'e') OR contains({v}, 'E') OR contains({v}, '+-'))"
        valid = f"(CASE WHEN {cast} IS NOT NULL AND NOT {odd} THEN TRUE ELSE {regex_match(v, INTEGER_RE)} END)"
        # CASE, not coalesce: the slow strip only runs for the values the cast refused
        value = f"(CASE WHEN {cast} IS NOT NULL THEN {cast} ELSE TRY_CAST(replace({strip_sql(v)}, '_', '') AS HUGEINT) END)"

    def literal(x):
        try:
            return str(int(str(x).strip().replace("_", "")))
        except ValueError:
            return None

    return FieldSql(valid=valid, value=value, literal=literal)


def _number_text(field: dict, v: str) -> tuple[str, str | None]:
    # Decimal() drops every underscore (int() does not): "1_" and "_1" are numbers.
    text = f"replace({strip_sql(v)}, '_', '')"
    if field.get("bareNumber", True) is False:
        text = f"regexp_replace({text}, {sql_string(NON_BARE_RE)}, '', 'g')"
    group_char = field.get("groupChar") or ""
    decimal_char = field.get("decimalChar") or "."
    if group_char:
        text = f"replace({text}, {sql_string(group_char)}, '')"
    guard = None
    if decimal_char != ".":
        guard = f"NOT contains({text}, '.')"
        text = f"replace({text}, {sql_string(decimal_char)}, '.')"
    return text, guard


def _number(field: dict, fmt: str, v: str) -> FieldSql:
    if not (set(field) & {"bareNumber", "groupChar", "decimalChar"}):
        # Fast path: DuckDB's double cast reads what Decimal() reads except "+-5"; what it
        # refuses (NBSP padding, "_1", "sNaN") goes to the regex.
        cast = f"TRY_CAST({v} AS DOUBLE)"
        fallback = regex_match(f"replace({v}, '_', '')", DECIMAL_RE)
        valid = f"(CASE WHEN {cast} IS NOT NULL THEN NOT contains({v}, '+-') ELSE {fallback} END)"
        value = f"(CASE WHEN {cast} IS NOT NULL THEN {cast} ELSE TRY_CAST(replace({strip_sql(v)}, '_', '') AS DOUBLE) END)"
    else:
        text, guard = _number_text(field, v)
        valid = regex_match(text, DECIMAL_RE)
        if guard:
            valid = f"({guard} AND {valid})"
        value = f"TRY_CAST({text} AS DOUBLE)"

    def literal(x):
        if isinstance(x, str):
            x = (
                x.strip()
                .replace(field.get("groupChar") or "\0", "")
                .replace(field.get("decimalChar") or ".", ".")
            )
        try:
            number = Decimal(str(x))
        except InvalidOperation:
            return None
        return f"CAST('{number}' AS DOUBLE)"

    return FieldSql(valid=valid, value=value, literal=literal)


def _boolean(field: dict, fmt: str, v: str) -> FieldSql:
    true_values = [str(x) for x in field.get("trueValues", ["true", "True", "TRUE", "1"])]
    false_values = [str(x) for x in field.get("falseValues", ["false", "False", "FALSE", "0"])]

    def literal(x):
        if isinstance(x, bool):
            return "TRUE" if x else "FALSE"
        if str(x) in true_values:
            return "TRUE"
        if str(x) in false_values:
            return "FALSE"
        return None

    valid = in_list(v, [sql_string(x) for x in true_values + false_values])
    return FieldSql(
        valid=valid, value=in_list(v, [sql_string(x) for x in true_values]), literal=literal
    )


def _datetime(field: dict, fmt: str, v: str) -> FieldSql:
    sql = DateTimeSql(field["type"], fmt, v)
    return FieldSql(
        valid=sql.valid, value=sql.value, literal=lambda x: parse_literal(field["type"], fmt, x)
    )


def _year(field: dict, fmt: str, v: str) -> FieldSql:
    number = f"TRY_CAST(replace({strip_sql(v)}, '_', '') AS INTEGER)"
    valid = f"(length({v}) = 4 AND {regex_match(v, INTEGER_RE)} AND {number} BETWEEN 0 AND 9999)"
    return FieldSql(valid=valid, value=number, literal=lambda x: _int_literal(x))


def _yearmonth(field: dict, fmt: str, v: str) -> FieldSql:
    part = rf"{_SP}*\+?{DIGITS}{_SP}*"
    q = "'"
    year, month = (
        f"TRY_CAST(replace({strip_sql(f'split_part({v}, {q}-{q}, {i})')}, '_', '') AS INTEGER)"
        for i in (1, 2)
    )
    valid = f"({regex_match(v, part + '-' + part)} AND {month} BETWEEN 1 AND 12)"

    def literal(x):
        try:
            y, m = (int(p) for p in str(x).split("-"))
        except ValueError:
            return None
        return str(y * 100 + m)

    return FieldSql(valid=valid, value=f"({year} * 100 + {month})", literal=literal)


def _duration(field: dict, fmt: str, v: str) -> FieldSql:
    # isodate's "P(?!\b)": a lone "P" is refused, "PT" is a zero duration
    valid = f"({regex_match(v, DURATION_RE)} AND NOT regexp_full_match({v}, '[+-]?P'))"
    return FieldSql(valid=valid, value=v, literal=lambda x: sql_string(str(x)))


def _geopoint(field: dict, fmt: str, v: str) -> FieldSql:
    if fmt == "array":
        ok = f"(CASE WHEN json_valid({v}) THEN json_type({v}) = 'ARRAY' AND json_array_length({v}) = 2 ELSE FALSE END)"
        lon, lat = (f"TRY_CAST(json_extract_string({v}, '$[{i}]') AS DOUBLE)" for i in (0, 1))
        kinds = " AND ".join(
            in_list(f"json_type({v}, '$[{i}]')", ["'UBIGINT'", "'BIGINT'", "'DOUBLE'", "'VARCHAR'"])
            for i in (0, 1)
        )
        shape = f"(CASE WHEN {ok} THEN {kinds} ELSE FALSE END)"
        lon, lat = (f"(CASE WHEN {ok} THEN {x} END)" for x in (lon, lat))
    elif fmt == "object":
        ok = f"(CASE WHEN json_valid({v}) THEN json_type({v}) = 'OBJECT' AND len(json_keys({v})) = 2 ELSE FALSE END)"
        lon, lat = (
            f"(CASE WHEN {ok} THEN TRY_CAST(json_extract_string({v}, '$.{k}') AS DOUBLE) END)"
            for k in ("lon", "lat")
        )
        shape = ok
    else:
        halves = [f"split_part({v}, ',', {i})" for i in (1, 2)]
        shape = " AND ".join(
            [regex_match(v, "[^,]*,[^,]*")] + [regex_match(half, DECIMAL_RE) for half in halves]
        )
        lon, lat = (f"TRY_CAST(replace({strip_sql(half)}, '_', '') AS DOUBLE)" for half in halves)
    valid = f"({shape} AND {lon} BETWEEN -180 AND 180 AND {lat} BETWEEN -90 AND 90)"
    return FieldSql(valid=valid, value=v, literal=lambda x: sql_string(str(x)))


def _json(kind: str) -> Callable:
    def build(field: dict, fmt: str, v: str) -> FieldSql:
        check = f"json_type({v}) = '{kind}'"
        if field["type"] == "geojson":
            types = [sql_string(t) for t in (("Topology",) if fmt == "topojson" else GEOJSON_TYPES)]
            check = f"{check} AND {in_list(f'json_extract_string({v}, {chr(39)}$.type{chr(39)})', types)}"
        valid = f"(CASE WHEN json_valid({v}) THEN {check} ELSE FALSE END)"
        count = f"json_array_length({v})" if kind == "ARRAY" else f"len(json_keys({v}))"
        length = f"(CASE WHEN json_valid({v}) THEN {count} END)"
        return FieldSql(valid=valid, value=v, literal=lambda x: sql_string(str(x)), length=length)

    return build


def _list(field: dict, fmt: str, v: str) -> FieldSql:
    delimiter = field.get("delimiter", ",")
    item = {
        "name": "item",
        "type": field.get("itemType", "string"),
        "format": field.get("itemFormat", "default"),
    }
    item_sql = field_sql(item, "item")
    valid = f"list_bool_and(list_transform(string_split({v}, {sql_string(delimiter)}), lambda item: coalesce({item_sql.valid}, FALSE)))"
    length = f"len(string_split({v}, {sql_string(delimiter)}))"
    return FieldSql(valid=valid, value=v, literal=lambda x: sql_string(str(x)), length=length)


def _any(field: dict, fmt: str, v: str) -> FieldSql:
    return FieldSql(valid="TRUE", value=v, literal=lambda x: sql_string(str(x)))


def _int_literal(x) -> str | None:
    try:
        return str(int(x))
    except (TypeError, ValueError):
        return None


_BUILDERS = {
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "date": _datetime,
    "datetime": _datetime,
    "time": _datetime,
    "year": _year,
    "yearmonth": _yearmonth,
    "duration": _duration,
    "geopoint": _geopoint,
    "geojson": _json("OBJECT"),
    "object": _json("OBJECT"),
    "array": _json("ARRAY"),
    "list": _list,
    "any": _any,
}
