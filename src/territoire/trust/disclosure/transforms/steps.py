"""The anonymising steps that need no geography: drop, pseudonymise, generalise dates and ages,
addresses to the street, top-code, rare categories."""

from __future__ import annotations

import math
import re

from ..sql import quote
from .plan import Emitted, StepContext, StepKind, register
from .pseudonym import FUNCTION

NUMERIC = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|"
    r"DOUBLE|DECIMAL.*|REAL|INT.*)$"
)
TEMPORAL = re.compile(r"^(DATE|TIMESTAMP.*)$")

# A house number at the start of a French address — « 6 », « 12B », « 12 bis, », « 12-14 »,
# « n° 5 », or after a locator as Paris writes them (« face au 375 RUE DES PYRENEES ») — followed
# by the street (a letter). Only at the start: « Rue du 8 Mai 1945 » keeps its date. RE2 has no
# look-ahead: the letter is captured and put back.
LOCATORS = (
    r"(?:(?:en\s+)?face\s+(?:au|à|a|du)|devant(?:\s+le)?|(?:à\s+l'\s*)?angle(?:\s+du)?|"
    r"vis[- ]à[- ]vis(?:\s+du)?|au\s+droit\s+du|à\s+côté\s+du|près\s+du)\s+"
)
HOUSE_NUMBER = (
    rf"^\s*(?:{LOCATORS})?(?:n[°o]\s*)?\d+(?:\s*[-/]\s*\d+)?"
    r"(?:\s*(?:bis|ter|quater|quinquies|[a-z]))?\b[\s,]*(\pL)"
)


def column(step: dict, columns: dict[str, str], context: StepContext, param: str = "column"):
    name = step[param]
    if not isinstance(name, str) or name not in columns:
        context.refuse(
            f"la colonne « {name} » n'existe pas à cette étape (colonnes : {', '.join(columns)}).",
            f"column '{name}' does not exist at this step (columns: {', '.join(columns)}).",
            param,
        )
    return name


def of_type(name: str, columns: dict[str, str], pattern: re.Pattern, what, context, param):
    if not pattern.match(columns[name].upper()):
        context.refuse(
            f"la colonne « {name} » est de type {columns[name]} : {what[0]} attendu.",
            f"column '{name}' is of type {columns[name]}: {what[1]} expected.",
            param,
        )


def replace(source: str, name: str, expression: str) -> str:
    return f"SELECT * REPLACE ({expression} AS {quote(name)}) FROM {source}"  # noqa: S608


def positive_number(step: dict, param: str, context: StepContext, *, whole: bool = False):
    value = step[param]
    valid = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not valid or value <= 0 or (whole and not isinstance(value, int)):
        kind = (
            ("un entier positif", "a positive whole number")
            if whole
            else ("un nombre positif", "a positive number")
        )
        context.refuse(
            f"{param} = {value!r} : {kind[0]} attendu.",
            f"{param} = {value!r}: {kind[1]} expected.",
            param,
        )
    return value


def _drop(step, columns, source, context) -> Emitted:
    names = step["columns"]
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names:
        context.refuse("indiquez les colonnes à supprimer.", "name the columns to drop.", "columns")
    for name in names:
        column({"columns": name}, columns, context, "columns")
    kept = {k: v for k, v in columns.items() if k not in names}
    excluded = ", ".join(quote(n) for n in names)
    return Emitted(f"SELECT * EXCLUDE ({excluded}) FROM {source}", [], kept)  # noqa: S608


def _pseudonymise(step, columns, source, context) -> Emitted:
    name = column(step, columns, context)
    context_text = step.get("context", "")
    length = step.get("length", 32)
    if not isinstance(context_text, str):
        context.refuse("le contexte est un texte.", "the context is a text.", "context")
    if not isinstance(length, int) or isinstance(length, bool) or not 16 <= length <= 64:
        context.refuse(
            f"longueur {length!r} : entre 16 et 64 caractères hexadécimaux.",
            f"length {length!r}: between 16 and 64 hexadecimal characters.",
            "length",
        )
    expression = f"left({FUNCTION}(CAST({quote(name)} AS VARCHAR), ?), ?)"
    return Emitted(
        replace(source, name, expression),
        [context_text, length],
        columns | {name: "VARCHAR"},
        {"pseudonym"},
    )


def _generalise_date(step, columns, source, context) -> Emitted:
    name = column(step, columns, context)
    of_type(name, columns, TEMPORAL, ("une date", "a date"), context, "column")
    to = step["to"]
    if to == "month":
        return Emitted(
            replace(source, name, f"strftime({quote(name)}, ?)"),
            ["%Y-%m"],
            columns | {name: "VARCHAR"},
        )
    if to == "year":
        return Emitted(
            replace(source, name, f"CAST(year({quote(name)}) AS INTEGER)"),
            [],
            columns | {name: "INTEGER"},
        )
    context.refuse(f"« {to} » : month ou year attendu.", f"'{to}': month or year expected.", "to")


def _age_bands(step, columns, source, context) -> Emitted:
    name = column(step, columns, context)
    of_type(name, columns, NUMERIC, ("un nombre", "a number"), context, "column")
    if "edges" in step:
        edges = step["edges"]
        if (
            not isinstance(edges, list)
            or len(edges) < 2
            or not all(isinstance(e, int) and not isinstance(e, bool) for e in edges)
            or edges != sorted(set(edges))
        ):
            context.refuse(
                "bornes : une liste croissante d'au moins deux âges entiers.",
                "edges: an increasing list of at least two whole ages.",
                "edges",
            )
    else:
        width = positive_number(step, "width", context, whole=True) if "width" in step else 10
        top = positive_number(step, "top", context, whole=True) if "top" in step else 90
        edges = list(range(0, top, width)) + [top]
    cases = [f"WHEN {quote(name)} < ? THEN ?"]
    params: list = [edges[0], f"<{edges[0]}"]
    for low, high in zip(edges, edges[1:], strict=False):
        cases.append(f"WHEN {quote(name)} < ? THEN ?")
        params += [high, f"{low}-{high - 1}"]
    expression = f"CASE WHEN {quote(name)} IS NULL THEN NULL {' '.join(cases)} ELSE ? END"
    params.append(f"{edges[-1]}+")
    return Emitted(replace(source, name, expression), params, columns | {name: "VARCHAR"})


def _address_to_street(step, columns, source, context) -> Emitted:
    name = column(step, columns, context)
    if columns[name].upper() != "VARCHAR":
        context.refuse(
            f"la colonne « {name} » n'est pas du texte.", f"column '{name}' is not text.", "column"
        )
    stripped = f"regexp_replace({quote(name)}, ?, ?, ?)"
    expression = f"nullif(trim(regexp_replace({stripped}, ?, ?, ?)), '')"
    return Emitted(
        replace(source, name, expression), [HOUSE_NUMBER, "\\1", "i", r"\s+", " ", "g"], columns
    )


def _top_code(step, columns, source, context) -> Emitted:
    name = column(step, columns, context)
    of_type(name, columns, NUMERIC, ("un nombre", "a number"), context, "column")
    if ("at" in step) == ("quantile" in step):
        context.refuse(
            "indiquez soit un plafond (at), soit un quantile.",
            "give either a ceiling (at) or a quantile.",
            "at",
        )
    if "at" in step:
        value = step["at"]
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            context.refuse(
                f"plafond {value!r} : un nombre attendu.",
                f"ceiling {value!r}: a number expected.",
                "at",
            )
        expression = f"CASE WHEN {quote(name)} > ? THEN ? ELSE {quote(name)} END"
        return Emitted(replace(source, name, expression), [value, value], columns)
    share = step["quantile"]
    if not isinstance(share, int | float) or isinstance(share, bool) or not 0.5 <= share < 1:
        context.refuse(
            f"quantile {share!r} : entre 0,5 et 1 (0,99 plafonne le 1 % le plus élevé).",
            f"quantile {share!r}: between 0.5 and 1 (0.99 caps the top 1%).",
            "quantile",
        )
    # not least(): it ignores NULLs, and a missing value would become the ceiling
    ceiling = f"quantile_disc({quote(name)}, ?) OVER ()"
    expression = f"CASE WHEN {quote(name)} > {ceiling} THEN {ceiling} ELSE {quote(name)} END"
    return Emitted(replace(source, name, expression), [share, share], columns)


def _rare_categories(step, columns, source, context) -> Emitted:
    name = column(step, columns, context)
    minimum = positive_number(step, "min_count", context, whole=True)
    replacement = step.get("replacement", "Autre")
    if replacement is not None and not isinstance(replacement, str):
        context.refuse(
            "remplacement : un texte ou null.", "replacement: a text or null.", "replacement"
        )
    expression = (
        f"CASE WHEN count(*) OVER (PARTITION BY {quote(name)}) < ? "
        f"THEN CAST(? AS VARCHAR) ELSE CAST({quote(name)} AS VARCHAR) END"
    )
    return Emitted(
        replace(source, name, expression), [minimum, replacement], columns | {name: "VARCHAR"}
    )


for _kind in (
    StepKind("drop", ("columns",), (), _drop, "supprimer des colonnes", "drop columns"),
    StepKind(
        "pseudonymise",
        ("column",),
        ("context", "length"),
        _pseudonymise,
        "remplacer chaque valeur par un pseudonyme (HMAC-SHA-256, clé du serveur)",
        "replace each value by a pseudonym (HMAC-SHA-256, server key)",
    ),
    StepKind(
        "generalise_date",
        ("column", "to"),
        (),
        _generalise_date,
        "ramener une date au mois ou à l'année",
        "generalise a date to its month or year",
    ),
    StepKind(
        "age_bands",
        ("column",),
        ("width", "top", "edges"),
        _age_bands,
        "regrouper des âges en tranches",
        "group ages into bands",
    ),
    StepKind(
        "address_to_street",
        ("column",),
        (),
        _address_to_street,
        "ramener une adresse à sa voie (sans numéro)",
        "generalise an address to its street (no house number)",
    ),
    StepKind(
        "top_code",
        ("column",),
        ("at", "quantile"),
        _top_code,
        "plafonner les valeurs les plus élevées",
        "cap the highest values",
    ),
    StepKind(
        "rare_categories",
        ("column", "min_count"),
        ("replacement",),
        _rare_categories,
        "regrouper les modalités rares",
        "merge rare categories",
    ),
):
    register(_kind)
