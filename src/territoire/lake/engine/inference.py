"""Column types, inferred over the whole column, and the SQL that casts each value.

Every source value arrives as VARCHAR in the DuckDB table ``raw_data``. Inference is SQL only
(no Python loop over values). This module runs it; :mod:`.patterns` holds the constants and
regular expressions, :mod:`.features` counts shapes per column, :mod:`.decide` turns counts
into a type, :mod:`.sqlexpr` writes the SQL that checks and casts each value.

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

from dataclasses import dataclass

import duckdb

from .csvreader import quote_ident
from .decide import (
    _forced_decision,
    _set_scale,
    _tokens,
    decide,
)
from .features import (
    EXACT_ROWS,
    analyse,
)
from .fidelity import Lines, placeholder_issues, restored_issues
from .issues import Issue, error, warning
from .patterns import (
    _DATESHAPE,
    _FAMILY_LABEL,
    _LAT_NAMES,
    _LON_NAMES,
    _NUMLIKE,
    FRANCE_BBOXES,
    NUMBER_STYLES,
    TYPES,
    q,
)
from .sqlexpr import (
    Decision,
    _coord_pair,
    check_expr,
    norm_expr,
)


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
    physical_lines: bool = False,
) -> Inferred:
    """Decide the type of every column of ``raw_data`` (see module doc); ``physical_lines``:
    line numbers count the file's lines (a text file), not rows."""
    issues: list[Issue] = []
    lines = Lines(ids, physical_lines)
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
                    line=_first_bad_line(
                        con, col, decisions_for_check(col, features.get(col)), lines
                    ),
                    column=labels[col],
                    hint_fr="Corrigez la syntaxe WKT (ex. POLYGON((x y, x y, …))) ou GeoJSON.",
                    hint_en="Fix the WKT (e.g. POLYGON((x y, x y, …))) or GeoJSON syntax.",
                )
            )

    _refine_points(con, decisions, sampled=not exact)

    for col in free:
        issues.extend(_decision_issues(con, col, labels[col], decisions[col], file_label, lines))

    for col, type_name in overrides.items():
        decisions[col], more = _override(
            con, col, labels[col], type_name, file_label, load_spatial, lines
        )
        issues.extend(more)
    if not any(i.severity == "error" for i in issues):
        issues.extend(placeholder_issues(con, decisions, labels, lines, file_label))
        free_decisions = {c: decisions[c] for c in free}
        issues.extend(restored_issues(con, free_decisions, labels, lines, file_label))
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


def _first_bad_line(con, col: str, d: Decision, lines: Lines) -> int | None:
    row = con.execute(
        f"SELECT min({lines.of(col)}) FROM raw WHERE NOT {check_expr(col, d)}"
    ).fetchone()
    return row[0] if row else None


def _first_bad(con, col: str, condition: str, lines: Lines) -> tuple[int | None, str | None]:
    row = con.execute(
        f"SELECT {lines.of(col)} AS line, {quote_ident(col)} FROM raw WHERE {condition} "
        "ORDER BY __line__ LIMIT 1"
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


def _decision_issues(
    con, col: str, label: str, d: Decision, file_label: str, lines: Lines
) -> list[Issue]:
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
            lines,
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
        line, value = _first_bad(con, col, condition, lines)
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


def _override(con, col, label, type_name, file_label, load_spatial, lines: Lines):
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
        f"SELECT {lines.of(col)} AS line, {quote_ident(col)} FROM raw "
        f"WHERE NOT {check_expr(col, d)} ORDER BY __line__ LIMIT 5"
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
