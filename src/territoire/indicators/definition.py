"""An indicator's definition: structured JSON, never SQL, read into dataclasses.

    {"dataset": "deliberations", "version": 1,
     "measure": {"kind": "count"},                 # count, sum, mean, median, share, rate
     "filters": [{"column": "etat", "op": "=", "value": "DELIBERATION EXECUTOIRE"}],
     "period": {"column": "date_cm", "truncate": "month"},       # or null, then "reference_period"
     "territory": {"column": "code_insee"},        # or {"code": "34172"}: one fixed territory
     "normalisation": {"kind": "per_10000"}}       # or per_km2, share_of_total, index_100 (+ "base_period")

Two more ways to place the rows (``territory``) and one more source:

- a **spatial join**: ``{"territory": {"longitude": "coord_x", "latitude": "coord_y",
  "boundaries": "commune"}}`` (or ``"point": <geo_point column>``) puts every row's point into
  the boundaries (communes or quartiers) of ``territories``;
- a **join** with a dataset of another service on a declared key: ``"join": {"dataset": …,
  "measure": …, "filters": […], "territory": …, "period": …, "on": "territory" | "period_territory",
  "combine": "ratio" | "difference"}`` — both sides are grouped by the key through the records
  engine, then combined per key (``ratio``: this side / the joined side; a zero or missing
  joined value gives null);
- a join **on an identifier column**: ``"join": {"dataset": "compteurs", "on": "identifier",
  "key": "compteur", "joined_key": "id", "territory": {"column": "code_insee"}}`` and no
  ``territory`` of its own: each row of the main dataset gets the territory of the joined row
  with the same identifier (a meter's readings placed by the meters' table).

``definition_parse`` checks the shape (every refusal names the field, in French and English);
the columns are checked against the source's served version by ``compile.definition_compile``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from territoire.core.errors import ValidationFailed

from .vocabularies import (
    BOUNDARIES,
    JOIN_COMBINATIONS,
    JOIN_KEYS,
    MEASURES,
    NORMALISATIONS,
    OPERATORS,
    TRUNCATIONS,
)

SPATIAL_KEYS = ("point", "longitude", "latitude", "boundaries")
PERIOD_RE = re.compile(r"^\d{4}(-(T[1-4]|0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Measure:
    kind: str
    column: str = ""
    denominator_column: str = ""  # rate: sum(column) / sum(denominator_column)
    share_filters: tuple[Filter, ...] = ()  # share: rows matching these among all rows


@dataclass(frozen=True)
class Period:
    column: str
    truncate: str = "year"


@dataclass(frozen=True)
class TerritorySpec:
    column: str = ""  # an INSEE code column
    code: str = ""  # or one fixed territory
    # or a spatial join: a geo_point column, or longitude and latitude columns, into boundaries
    point: str = ""
    longitude: str = ""
    latitude: str = ""
    boundaries: str = ""  # "commune" or "quartier"

    @property
    def is_spatial(self) -> bool:
        return bool(self.boundaries)


@dataclass(frozen=True)
class Join:
    """Another dataset (of any service) grouped by the same key, combined with the main one."""

    dataset: str
    measure: Measure
    territory: TerritorySpec
    filters: tuple[Filter, ...] = ()
    period: Period | None = None
    on: str = "territory"  # "territory", "period_territory" or "identifier"
    combine: str = "ratio"  # "ratio" or "difference"
    key: str = ""  # on "identifier": the main dataset's identifier column…
    joined_key: str = ""  # …and the joined dataset's, whose territory column places each row


@dataclass(frozen=True)
class Normalisation:
    kind: str = "none"
    base_period: str = ""  # index_100


@dataclass(frozen=True)
class Definition:
    dataset: str
    measure: Measure
    territory: TerritorySpec
    filters: tuple[Filter, ...] = ()
    period: Period | None = None
    reference_period: str = ""  # the one period when there is no period column
    normalisation: Normalisation = field(default_factory=Normalisation)
    join: Join | None = None

    @property
    def datasets(self) -> list[str]:
        """Every source the definition reads: the dataset, then the joined one."""
        return [self.dataset] + ([self.join.dataset] if self.join is not None else [])

    def as_json(self) -> dict:
        """The definition as stored (plain JSON: lists, not tuples; the spatial keys and the
        join only when used, so that definitions written before them read the same)."""
        data = json.loads(json.dumps(asdict(self)))
        for territory in (data["territory"], (data.get("join") or {}).get("territory") or {}):
            for key in SPATIAL_KEYS:
                if not territory.get(key):
                    territory.pop(key, None)
        if data.get("join") is None:
            data.pop("join", None)
        else:
            for key in ("key", "joined_key"):
                if not data["join"].get(key):
                    data["join"].pop(key, None)
        return data


def _refuse(where: str, fr: str, en: str) -> ValidationFailed:
    return ValidationFailed(
        f"Définition, champ « {where} » : {fr}", f"Definition, field '{where}': {en}", where=where
    )


def _text(data: dict, key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _refuse(where, "un texte est attendu.", "a text is expected.")
    if required and not value.strip():
        raise _refuse(where, "ce champ est obligatoire.", "this field is required.")
    return value.strip()


def _object(data: Any, where: str) -> dict:
    if not isinstance(data, dict):
        raise _refuse(where, "un objet JSON est attendu.", "a JSON object is expected.")
    return data


def _unknown_keys(data: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        listed = ", ".join(unknown)
        raise _refuse(where, f"clé(s) inconnue(s) : {listed}.", f"unknown key(s): {listed}.")


def _choice(value: str, choices: dict, where: str) -> str:
    if value not in choices:
        listed = ", ".join(choices)
        raise _refuse(
            where,
            f"« {value} » n'est pas permis ({listed}).",
            f"'{value}' is not allowed ({listed}).",
        )
    return value


def _filters(data: Any, where: str) -> tuple[Filter, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise _refuse(where, "une liste est attendue.", "a list is expected.")
    found = []
    for i, item in enumerate(data):
        here = f"{where}[{i}]"
        item = _object(item, here)
        _unknown_keys(item, {"column", "op", "value"}, here)
        op = _choice(_text(item, "op", f"{here}.op"), OPERATORS, f"{here}.op")
        value = item.get("value")
        if OPERATORS[op] is not None and not isinstance(value, str | int | float | bool):
            raise _refuse(f"{here}.value", "une valeur (texte, nombre, booléen) est attendue.",
                          "a value (text, number, boolean) is expected.")  # fmt: skip
        found.append(Filter(_text(item, "column", f"{here}.column"), op, value))
    return tuple(found)


def _period_label(value: str, where: str) -> str:
    if value and not PERIOD_RE.match(value):
        raise _refuse(where, "une période s'écrit 2024, 2024-T1 ou 2024-03.",
                      "a period is written 2024, 2024-T1 or 2024-03.")  # fmt: skip
    return value


def definition_parse(data: Any) -> Definition:
    """The definition in ``data`` (parsed JSON), or ValidationFailed naming the field."""
    data = _object(data, "definition")
    _unknown_keys(
        data,
        {
            "dataset",
            "measure",
            "filters",
            "period",
            "reference_period",
            "territory",
            "normalisation",
            "join",
        },
        "definition",
    )
    dataset = _text(data, "dataset", "dataset")
    measure = _measure(data.get("measure"), "measure")
    period = _period(data.get("period"), "period")
    reference = _period_label(_text(data, "reference_period", "reference_period", required=False),
                              "reference_period")  # fmt: skip
    if period is None and not reference:
        raise _refuse("period", "donnez une colonne de dates ou une période de référence.",
                      "give a date column or a reference period.")  # fmt: skip
    join = _join(data["join"], period) if data.get("join") is not None else None
    by_identifier = join is not None and join.on == "identifier"
    territory = _territory(data.get("territory") or {}, "territory", optional=by_identifier)
    if by_identifier and (territory.column or territory.code or territory.is_spatial):
        raise _refuse("territory", "avec une jointure sur un identifiant, le territoire vient de "
                      "la source jointe : ne donnez pas de territoire ici.",
                      "with a join on an identifier, the territory comes from the joined source: "
                      "give no territory here.")  # fmt: skip
    if period is not None and period.truncate == "day" and (by_identifier or territory.is_spatial):
        # Those two paths regroup the records engine's groups in Python by (year, part) only.
        raise _refuse("period.truncate", "le regroupement par jour n'est pas possible avec une "
                      "jointure spatiale ou sur un identifiant : choisissez le mois.",
                      "grouping by day is not possible with a spatial join or a join on an "
                      "identifier: choose the month.")  # fmt: skip
    n = _object(data.get("normalisation") or {"kind": "none"}, "normalisation")
    _unknown_keys(n, {"kind", "base_period"}, "normalisation")
    normalisation = Normalisation(
        kind=_choice(_text(n, "kind", "normalisation.kind"), NORMALISATIONS, "normalisation.kind"),
        base_period=_period_label(
            _text(n, "base_period", "normalisation.base_period", required=False),
            "normalisation.base_period",
        ),
    )
    if normalisation.kind == "index_100" and not normalisation.base_period:
        raise _refuse("normalisation.base_period", "un indice base 100 a besoin de sa période de base.",
                      "an index (base 100) needs its base period.")  # fmt: skip
    return Definition(
        dataset=dataset,
        measure=measure,
        territory=territory,
        filters=_filters(data.get("filters"), "filters"),
        period=period,
        reference_period=reference,
        normalisation=normalisation,
        join=join,
    )


def _measure(data: Any, where: str) -> Measure:
    m = _object(data, where)
    _unknown_keys(m, {"kind", "column", "denominator_column", "share_filters"}, where)
    kind = _choice(_text(m, "kind", f"{where}.kind"), MEASURES, f"{where}.kind")
    needs_column = MEASURES[kind][2]
    measure = Measure(
        kind=kind,
        column=_text(m, "column", f"{where}.column", required=needs_column),
        denominator_column=_text(
            m, "denominator_column", f"{where}.denominator_column", required=kind == "rate"
        ),  # fmt: skip
        share_filters=_filters(m.get("share_filters"), f"{where}.share_filters"),
    )
    if kind == "share" and not measure.share_filters:
        raise _refuse(f"{where}.share_filters", "une part compte les lignes qui vérifient au moins un filtre.",
                      "a share counts the rows matching at least one filter.")  # fmt: skip
    return measure


def _period(data: Any, where: str) -> Period | None:
    if data is None:
        return None
    p = _object(data, where)
    _unknown_keys(p, {"column", "truncate"}, where)
    return Period(
        column=_text(p, "column", f"{where}.column"),
        truncate=_choice(
            _text(p, "truncate", f"{where}.truncate"), TRUNCATIONS, f"{where}.truncate"
        ),
    )


def _territory(data: Any, where: str, *, optional: bool = False) -> TerritorySpec:
    t = _object(data, where)
    _unknown_keys(t, {"column", "code", "point", "longitude", "latitude", "boundaries"}, where)
    spec = TerritorySpec(**{
        key: _text(t, key, f"{where}.{key}", required=False)
        for key in ("column", "code", "point", "longitude", "latitude", "boundaries")
    })  # fmt: skip
    if spec.boundaries or spec.point or spec.longitude or spec.latitude:
        _choice(spec.boundaries, BOUNDARIES, f"{where}.boundaries")
        if bool(spec.point) == bool(spec.longitude or spec.latitude) or (
            not spec.point and not (spec.longitude and spec.latitude)
        ):
            raise _refuse(where, "une jointure spatiale a besoin soit d'une colonne de points, soit "
                          "des colonnes de longitude et de latitude.",
                          "a spatial join needs either a point column, or longitude and latitude "
                          "columns.")  # fmt: skip
        if spec.column or spec.code:
            raise _refuse(where, "une jointure spatiale ne prend ni colonne de codes ni code fixe.",
                          "a spatial join takes no code column nor fixed code.")  # fmt: skip
        return spec
    if optional and not spec.column and not spec.code:
        return spec
    if bool(spec.column) == bool(spec.code):
        raise _refuse(where, "donnez soit une colonne de codes INSEE, soit un code de territoire.",
                      "give either an INSEE code column or one territory code.")  # fmt: skip
    return spec


def _join(data: Any, period: Period | None) -> Join:
    j = _object(data, "join")
    allowed = {"dataset", "measure", "filters", "territory", "period", "on", "combine", "key"}
    _unknown_keys(j, allowed | {"joined_key"}, "join")
    on = _choice(_text(j, "on", "join.on", required=False) or "territory", JOIN_KEYS, "join.on")
    by_identifier = on == "identifier"
    join = Join(
        dataset=_text(j, "dataset", "join.dataset"),
        measure=_measure(j.get("measure") or {"kind": "count"}, "join.measure"),
        territory=_territory(j.get("territory"), "join.territory"),
        filters=_filters(j.get("filters"), "join.filters"),
        period=_period(j.get("period"), "join.period"),
        on=on,
        combine=_choice(
            _text(j, "combine", "join.combine", required=False) or "ratio",
            JOIN_COMBINATIONS,
            "join.combine",
        ),  # fmt: skip
        key=_text(j, "key", "join.key", required=by_identifier),
        joined_key=_text(j, "joined_key", "join.joined_key", required=by_identifier),
    )
    if by_identifier and not join.territory.column:
        raise _refuse("join.territory.column", "une jointure sur un identifiant a besoin de la "
                      "colonne des codes INSEE de la source jointe.",
                      "a join on an identifier needs the joined source's INSEE code column.")  # fmt: skip
    if on == "period_territory" and (join.period is None or period is None):
        raise _refuse("join.period", "une jointure sur la période et le territoire a besoin d'une "
                      "colonne de dates des deux côtés.",
                      "a join on period and territory needs a date column on both sides.")  # fmt: skip
    if (
        on == "period_territory"
        and join.period is not None
        and period is not None
        and (join.period.truncate != period.truncate)
    ):
        raise _refuse("join.period.truncate", "les deux côtés de la jointure doivent avoir la même "
                      "période (année, trimestre ou mois).",
                      "both sides of the join must have the same period (year, quarter or month).")  # fmt: skip
    return join
