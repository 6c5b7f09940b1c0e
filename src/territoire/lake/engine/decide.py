"""From feature counts to a type: the decision rules described in :mod:`.inference`."""
# ruff: noqa: S608 - SQL is assembled from identifiers quoted by quote_ident() and literals
# escaped by q()/_q(); no SQL text ever comes from users.

from __future__ import annotations

from .patterns import (
    _FAMILY_LABEL,
    _IDENTIFIER_SUBSTRINGS,
    _IDENTIFIER_TOKENS,
    _SPACES,
    NUMBER_STYLES,
)
from .sqlexpr import (
    Decision,
    _max_integer_length,
)


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
        integral_floats = f["n_integral_float"] == n
        if is_identifier_name(col):
            if integral_floats:
                return _restored_identifier(trim, "d'après le nom de la colonne")
            return Decision(
                "text", "identifiant (d'après le nom de la colonne) : conservé en texte", trim=trim
            )
        if f["n_intl_phone"] == n:
            return Decision("text", "numéros de téléphone internationaux : conservé en texte")
        if integral_floats and n >= 2 and f["min_len"] == f["max_len"] >= 11:
            # nine digits or more, every value the same length, exported as 123456789.0
            return _restored_identifier(trim, "identifiants de longueur fixe")
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


def _restored_identifier(trim: bool, why: str) -> Decision:
    d = Decision(
        "text",
        f"identifiant exporté comme nombre décimal (« ….0 ») ({why}) : chiffres rétablis, en texte",
        trim=trim,
    )
    d.params["integral_floats"] = True
    return d


def _needs_normalise(f: dict) -> bool:
    """Do some day/month/year values use ``.`` or ``-`` (other than ISO dates)?"""
    return bool(f["n_dotsep"]) or f["n_dash"] > f["n_iso"] + f["n_dt_iso"]


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
