"""An indicator's definition: structured JSON, never SQL, read into dataclasses.

    {"dataset": "deliberations", "version": 1,
     "measure": {"kind": "count"},                 # count, sum, mean, median, share, rate
     "filters": [{"column": "etat", "op": "=", "value": "DELIBERATION EXECUTOIRE"}],
     "period": {"column": "date_cm", "truncate": "month"},       # or null, then "reference_period"
     "territory": {"column": "code_insee"},        # or {"code": "34172"}: one fixed territory
     "normalisation": {"kind": "per_10000"}}       # or share_of_total, index_100 (+ "base_period")

``definition_parse`` checks the shape (every refusal names the field, in French and English);
the columns are checked against the source's served version by ``compile.definition_compile``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from territoire.core.errors import ValidationFailed

from .vocabularies import MEASURES, NORMALISATIONS, OPERATORS, TRUNCATIONS

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

    def as_json(self) -> dict:
        """The definition as stored (plain JSON: lists, not tuples)."""
        return json.loads(json.dumps(asdict(self)))


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
        },
        "definition",
    )
    dataset = _text(data, "dataset", "dataset")

    m = _object(data.get("measure"), "measure")
    _unknown_keys(m, {"kind", "column", "denominator_column", "share_filters"}, "measure")
    kind = _choice(_text(m, "kind", "measure.kind"), MEASURES, "measure.kind")
    needs_column = MEASURES[kind][2]
    measure = Measure(
        kind=kind,
        column=_text(m, "column", "measure.column", required=needs_column),
        denominator_column=_text(
            m, "denominator_column", "measure.denominator_column", required=kind == "rate"
        ),  # fmt: skip
        share_filters=_filters(m.get("share_filters"), "measure.share_filters"),
    )
    if kind == "share" and not measure.share_filters:
        raise _refuse("measure.share_filters", "une part compte les lignes qui vérifient au moins un filtre.",
                      "a share counts the rows matching at least one filter.")  # fmt: skip

    period = None
    if data.get("period") is not None:
        p = _object(data["period"], "period")
        _unknown_keys(p, {"column", "truncate"}, "period")
        period = Period(
            column=_text(p, "column", "period.column"),
            truncate=_choice(
                _text(p, "truncate", "period.truncate"), TRUNCATIONS, "period.truncate"
            ),
        )
    reference = _period_label(_text(data, "reference_period", "reference_period", required=False),
                              "reference_period")  # fmt: skip
    if period is None and not reference:
        raise _refuse("period", "donnez une colonne de dates ou une période de référence.",
                      "give a date column or a reference period.")  # fmt: skip

    t = _object(data.get("territory"), "territory")
    _unknown_keys(t, {"column", "code"}, "territory")
    territory = TerritorySpec(
        column=_text(t, "column", "territory.column", required=False),
        code=_text(t, "code", "territory.code", required=False),
    )
    if bool(territory.column) == bool(territory.code):
        raise _refuse("territory", "donnez soit une colonne de codes INSEE, soit un code de territoire.",
                      "give either an INSEE code column or one territory code.")  # fmt: skip

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
    )
