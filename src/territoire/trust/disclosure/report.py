"""What was hidden and why, as data (for the API) and as sentences (French and English).

Two audiences. The data officer sees everything: for each hidden cell the primary rule that hid
it, or the cells it protects, and the interval an attacker can still compute. The public sees
only which cells are hidden: telling which were hidden by a primary rule would tell that they
hold fewer than 11 people and the others more, which narrows the very intervals the
suppression protects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .config import DisclosureConfig
from .rules import RULES

TOTAL_FR = "Ensemble"
TOTAL_EN = "All"


@dataclass(frozen=True)
class HiddenCell:
    cell: dict[str, Any]  # dimension → category; None where the cell is a total
    margins: tuple[str, ...]  # dimensions the cell totals over
    status: str  # "primary" | "secondary"
    rules: tuple[str, ...] = ()
    protects: tuple[tuple[dict[str, Any], tuple[str, ...]], ...] = ()  # (cell, margins)
    low: float | None = None
    high: float | None = None  # None: no upper bound

    def as_dict(self, *, public: bool = False) -> dict:
        data: dict[str, Any] = {"cell": _plain(self.cell), "margins": list(self.margins)}
        if public:
            return data
        data.update(
            status=self.status,
            rules=list(self.rules),
            protects=[{"cell": _plain(c), "margins": list(m)} for c, m in self.protects],
            interval=[self.low, self.high],
        )
        return data


@dataclass
class DisclosureReport:
    config: DisclosureConfig
    cells: int
    hidden: list[HiddenCell] = field(default_factory=list)
    released: int = 0  # complementary cells published again: recomputable anyway
    narrowest: float | None = None  # smallest interval width among hidden cells

    @property
    def primary(self) -> list[HiddenCell]:
        return [h for h in self.hidden if h.status == "primary"]

    @property
    def secondary(self) -> list[HiddenCell]:
        return [h for h in self.hidden if h.status == "secondary"]

    def as_dict(self, *, public: bool = False) -> dict:
        data = {
            "cells": self.cells,
            "hidden_count": len(self.hidden),
            "hidden": [h.as_dict(public=public) for h in self.hidden],
            "rounding": self._rounding(),
            "sentences_fr": self.sentences("fr", public=public),
            "sentences_en": self.sentences("en", public=public),
        }
        if not public:
            data.update(
                primary_count=len(self.primary),
                secondary_count=len(self.secondary),
                released=self.released,
                narrowest_interval=self.narrowest,
                config=self.config.as_dict(),
            )
        return data

    def _rounding(self) -> dict | None:
        base = self.config.rounding_base
        return {"base": base, "method": self.config.rounding} if base else None

    def sentences(self, language: str = "fr", *, public: bool = False) -> list[str]:
        french = not language.startswith("en")
        n, h = self.cells, len(self.hidden)
        if public:
            lines = [
                f"{h} cases sur {n} (totaux compris) sont masquées au titre du secret statistique."
                if french
                else f"{h} of {n} cells (totals included) are hidden under statistical secrecy."
            ]
            return lines + self._rounding_sentence(french)
        p, s = len(self.primary), len(self.secondary)
        lines = [
            f"{h} cases masquées sur {n} (totaux compris) : {p} en secret primaire, "
            f"{s} en secret secondaire."
            if french
            else f"{h} of {n} cells hidden (totals included): {p} by a primary rule, "
            f"{s} as complementary suppressions."
        ]
        for cell in self.primary:
            reasons = [
                (RULES[r].reason_fr if french else RULES[r].reason_en)(self.config)
                for r in cell.rules
            ]
            label = describe(cell.cell, cell.margins, french)
            lines.append(
                f"Case {label} masquée : {' ; '.join(reasons)}."
                if french
                else f"Cell {label} hidden: {'; '.join(reasons)}."
            )
        for cell in self.secondary:
            label = describe(cell.cell, cell.margins, french)
            others = ", ".join(describe(c, m, french) for c, m in cell.protects)
            lines.append(
                f"Case {label} masquée en secret secondaire, pour que {others} ne puisse pas être "
                "recalculée à partir des totaux."
                if french
                else f"Cell {label} hidden as a complementary suppression, so that {others} "
                "cannot be recomputed from the totals."
            )
        if self.hidden:
            width = "illimitée" if french else "unbounded"
            if self.narrowest is not None and math.isfinite(self.narrowest):
                width = f"{self.narrowest:g}"
            lines.append(
                "Vérifié par programmation linéaire : aucune case masquée ne peut être recalculée "
                f"à partir des valeurs et totaux publiés (intervalle le plus étroit : {width})."
                if french
                else "Verified by linear programming: no hidden cell can be recomputed from the "
                f"published values and totals (narrowest interval: {width})."
            )
        if self.released:
            lines.append(
                f"{self.released} case(s) complémentaire(s) republiée(s) : leur valeur se "
                "déduisait des totaux."
                if french
                else f"{self.released} complementary cell(s) published again: their value "
                "followed from the totals."
            )
        return lines + self._rounding_sentence(french)

    def _rounding_sentence(self, french: bool) -> list[str]:
        base = self.config.rounding_base
        if not base:
            return []
        if self.config.rounding == "controlled":
            return [
                f"Valeurs publiées arrondies à un multiple de {base} (arrondi contrôlé : chaque "
                "total reste la somme de ses cases)."
                if french
                else f"Published values rounded to a multiple of {base} (controlled rounding: "
                "every total is still the sum of its cells)."
            ]
        return [
            f"Valeurs publiées arrondies au multiple de {base} le plus proche (arrondi "
            "conventionnel : un total peut différer de la somme de ses cases)."
            if french
            else f"Published values rounded to the nearest multiple of {base} (conventional "
            "rounding: a total may differ from the sum of its cells)."
        ]


def describe(cell: dict[str, Any], margins: tuple[str, ...], french: bool = True) -> str:
    """« commune = Mèze, catégorie = Ensemble » / "commune = Mèze, category = All"."""
    total = TOTAL_FR if french else TOTAL_EN
    if len(margins) == len(cell) > 1:
        return "« total général »" if french else "'grand total'"
    missing = "(non renseigné)" if french else "(missing)"
    text = ", ".join(
        f"{dim} = {total if dim in margins else missing if v is None else v}"
        for dim, v in cell.items()
    )
    return f"« {text} »" if french else f"'{text}'"


def _plain(cell: dict[str, Any]) -> dict[str, Any]:
    """Categories as JSON can carry them (dates and decimals as text)."""
    return {
        k: v if v is None or isinstance(v, bool | int | float | str) else str(v)
        for k, v in cell.items()
    }
