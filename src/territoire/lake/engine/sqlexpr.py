"""SQL for one column and one decided type: the normalised value, the cast that writes it,
and the check that tells whether a value fits (see :mod:`.inference` for the rules)."""
# ruff: noqa: S608 - SQL is assembled from identifiers quoted by quote_ident() and literals
# escaped by q()/_q(); no SQL text ever comes from users.

from __future__ import annotations

from dataclasses import dataclass, field

from .csvreader import quote_ident
from .issues import Issue
from .patterns import (
    _BRACKET,
    _D_DMY2,
    _D_DMY4,
    _D_ISO,
    _D_YMD,
    _DATE_FORMATS,
    _DT_DMY,
    _DT_DMY_FORMATS,
    _DT_ISO,
    _GJ_POINT,
    _INT,
    _INTEGRAL_FLOAT,
    _LATLON,
    _SIGN,
    _SPACES,
    _WKT_POINT,
    DATE_PLACEHOLDERS,
    EXCEL_ERRORS,
    FALSE_WORDS,
    NULL_MARKERS,
    NUMBER_STYLES,
    TRUE_WORDS,
    WHITESPACE,
    _grouped,
    _is_in,
    q,
)


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
            f"THEN NULL WHEN {base} LIKE '00%' AND {_is_in(base, DATE_PLACEHOLDERS)} "
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


def _max_integer_length(style: str) -> int:
    return 18 if style == "plain" else 24


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
        pattern = r"(?i)POINT\s*(?:Z\s*)?\(\s*([^\s()]+)\s+([^\s()]+)"
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
        v = norm_expr(col, trim=False, typed=False)
        if d.params.get("integral_floats"):
            # identifiers a spreadsheet exported as numbers: 21860194600000.0 → 21860194600000
            return (
                f"CASE WHEN regexp_full_match(trim({v}), '{_INTEGRAL_FLOAT}') "
                f"THEN split_part(trim({v}), '.', 1) ELSE {v} END"
            )
        return v
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
