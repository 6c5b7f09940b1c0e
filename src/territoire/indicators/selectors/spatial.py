"""Joins that place rows before they are summed: the spatial join (the source's rows grouped by
(period, position) through the records engine, the positions put into the boundaries of
communes or quartiers) and the join on an identifier (rows grouped by (period, identifier),
each identifier placed by the joined source's INSEE code); then the groups are summed per
(period, territory).

The grouped query is the records engine's own (validated ODSQL trees, bound parameters, the
time limit), read with ``export_cursor`` as columns (NumPy arrays) rather than one dict per
row: with 100,000 positions the per-row conversion cost more than the join itself
(bench/indicators.py)."""

from __future__ import annotations

import numpy as np
from django.conf import settings

from territoire.core.errors import ValidationFailed
from territoire.records.engine import DEFAULT_TIMEZONE
from territoire.records.odsql import RecordQuery
from territoire.records.selectors import Served, export_cursor

from ..definition import Definition
from .geography import boundaries_of, locate_points

# One row per distinct (period, position) is read: at most this many.
SPATIAL_MAX_POSITIONS = 500_000


def _refuse(where: str, fr: str, en: str) -> ValidationFailed:
    return ValidationFailed(
        f"Définition, champ « {where} » : {fr}", f"Definition, field '{where}': {en}", where=where
    )


def _columns(served: Served, query: RecordQuery) -> dict[str, np.ndarray]:
    seconds = float(settings.TERRITOIRE_QUERY_SECONDS)
    with export_cursor(served, query, DEFAULT_TIMEZONE, timeout_s=seconds) as (con, compiled):
        arrays = con.execute(compiled.sql, compiled.params).fetchnumpy()
    names = [c.name for c in compiled.columns]
    return {name: np.asarray(arrays[key]) for name, key in zip(names, arrays, strict=True)}


def _positions(data: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if "p_point" in data:  # a geo_point: {"lat", "lon"} structs
        points = data["p_point"]
        lon = np.array([np.nan if p is None else p.get("lon", np.nan) for p in points], dtype=float)
        lat = np.array([np.nan if p is None else p.get("lat", np.nan) for p in points], dtype=float)
        return lon, lat
    return (
        np.asarray(data["p_lon"], dtype=float),
        np.asarray(data["p_lat"], dtype=float),
    )


def _numbers(data: dict[str, np.ndarray], name: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The column as floats (0 where null) and whether each value is known."""
    if name not in data:
        return np.zeros(size), np.zeros(size, dtype=bool)
    column = data[name]
    mask = np.ma.getmaskarray(column) if np.ma.isMaskedArray(column) else np.zeros(size, dtype=bool)
    values = np.ma.filled(column.astype(float), 0.0) if np.ma.isMaskedArray(column) else column
    values = np.asarray(values, dtype=float)
    known = ~mask & ~np.isnan(values)
    return np.where(known, values, 0.0), known


def _item(column: np.ndarray | None, i: int):
    if column is None:
        return None
    value = column[i]
    return None if value is np.ma.masked else value


def _too_many(size: int, what_fr: str, what_en: str, where: str) -> None:
    if size > SPATIAL_MAX_POSITIONS:
        raise _refuse(
            where,
            f"la jointure lirait plus de {SPATIAL_MAX_POSITIONS} {what_fr} distincts : filtrez "
            "la source ou choisissez une période plus longue.",
            f"the join would read more than {SPATIAL_MAX_POSITIONS} distinct {what_en}: filter "
            "the source or choose a longer period.",
        )


def spatial_run(
    served: Served, query: RecordQuery, definition: Definition, period_of
) -> dict[tuple[str, str], tuple]:
    """{(period key, boundary code): (value, denominator, rows)}; positions outside every
    boundary are left out; for counts and sums a boundary without a position counts zero.
    ``period_of(year, part)`` gives the period key of a group."""
    data = _columns(served, query)
    size = len(next(iter(data.values()))) if data else 0
    _too_many(size, "positions", "positions", "territory")
    boundaries = boundaries_of(definition.territory.boundaries)
    lon, lat = _positions(data)
    codes = np.asarray(locate_points(boundaries, lon, lat), dtype=object)
    return _regroup(data, codes, size, definition, period_of, boundaries.codes)


def identifier_run(
    served: Served, query: RecordQuery, joined: Served, joined_query: RecordQuery,
    definition: Definition, period_of,
) -> dict[tuple[str, str], tuple]:  # fmt: skip
    """The main source grouped by (period, identifier), each identifier placed in the
    territory the joined source gives it; identifiers the joined source does not know are
    left out. An identifier with two territories in the joined source is refused."""
    data = _columns(served, query)
    size = len(next(iter(data.values()))) if data else 0
    _too_many(size, "identifiants", "identifiers", "join.key")
    places = _columns(joined, joined_query)
    _too_many(len(places.get("p_key", [])), "identifiants", "identifiers", "join.joined_key")
    territory_of: dict[str, str] = {}
    for key, code in zip(places.get("p_key", []), places.get("p_territory", []), strict=True):
        if key is np.ma.masked or code is np.ma.masked or key is None or code is None:
            continue
        key, code = str(key), territory_code(code)
        if territory_of.setdefault(key, code) != code:
            raise _refuse(
                "join.joined_key",
                f"l'identifiant « {key} » a plusieurs territoires dans la source jointe "
                f"({territory_of[key]}, {code}) : la jointure serait ambiguë.",
                f"identifier '{key}' has several territories in the joined source "
                f"({territory_of[key]}, {code}): the join would be ambiguous.",
            )
    keys = data.get("p_key", np.array([], dtype=object))
    codes = np.array(
        [territory_of.get(str(_item(keys, i)), "") for i in range(size)], dtype=object
    ) if size else np.array([], dtype=object)  # fmt: skip
    return _regroup(data, codes, size, definition, period_of, ())


def territory_code(value) -> str:
    """An INSEE code as text: 1234 → 01234 (a code read as a number lost its leading zero)."""
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text.zfill(5) if text.isdigit() and len(text) < 5 else text


def _regroup(data, codes, size, definition: Definition, period_of, all_codes) -> dict:
    """Sum the groups per (period, code); ``all_codes`` get a zero for counts and sums."""
    years = data.get("p_year")
    parts = data.get("p_part")
    periods = np.array(
        [period_of(_item(years, i), _item(parts, i)) for i in range(size)], dtype=object
    ) if size else np.array([], dtype=object)  # fmt: skip
    inside = codes != ""
    keys = np.array([f"{p}\x1f{c}" for p, c in zip(periods[inside], codes[inside], strict=True)],
                    dtype=object)  # fmt: skip
    v, v_known = _numbers(data, "v", size)
    d, d_known = _numbers(data, "d", size)
    n, _ = _numbers(data, "n", size)
    found: dict[tuple[str, str], tuple] = {}
    if len(keys):
        unique, index = np.unique(keys.astype(str), return_inverse=True)
        sums = {name: np.bincount(index, weights=arr[inside], minlength=len(unique))
                for name, arr in (("v", v), ("d", d), ("n", n))}  # fmt: skip
        known = {name: np.bincount(index, weights=arr[inside].astype(float), minlength=len(unique))
                 for name, arr in (("v", v_known), ("d", d_known))}  # fmt: skip
        for i, key in enumerate(unique.tolist()):
            period, code = key.split("\x1f")
            found[(period, code)] = (
                float(sums["v"][i]) if known["v"][i] else None,
                float(sums["d"][i]) if known["d"][i] else None,
                int(sums["n"][i]),
            )
    kind = definition.measure.kind
    if kind in ("count", "sum"):
        for period in {p for p, _ in found} or {period_of(None, None)}:
            for code in all_codes:
                found.setdefault((period, code), (0, None, 0))
    if len(found) > settings.TERRITOIRE_INDICATOR_MAX_GROUPS:
        cap = settings.TERRITOIRE_INDICATOR_MAX_GROUPS
        raise _refuse(
            "definition",
            f"le calcul donnerait plus de {cap} groupes (période × territoire) : choisissez "
            "une période plus longue.",
            f"the computation would give more than {cap} groups (period × territory): choose "
            "a longer period.",
        )
    if kind == "mean":
        return {
            key: (None if not d_ or v_ is None else v_ / d_, None, n_)
            for key, (v_, d_, n_) in found.items()
        }
    return found
