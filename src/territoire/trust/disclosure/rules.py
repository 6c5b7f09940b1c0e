"""Primary rules: which cells are too sensitive to publish, and why.

One registry; each rule says which kind of data it applies to, which cells it hides (a boolean
mask over the extended table, totals included) and, for the report, its reason in French and
English. Rules never look at a cell's neighbours: that is secondary suppression's job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .config import BUSINESS, INDIVIDUALS, DisclosureConfig
from .table import CellTable


@dataclass(frozen=True)
class PrimaryRule:
    name: str
    kinds: tuple[str, ...]
    applies: Callable[[DisclosureConfig], bool]
    hides: Callable[[CellTable, DisclosureConfig], np.ndarray]
    reason_fr: Callable[[DisclosureConfig], str]
    reason_en: Callable[[DisclosureConfig], str]


def _non_empty(table: CellTable, config: DisclosureConfig, sizes: np.ndarray) -> np.ndarray:
    # An empty cell discloses no one; hide it only when asked (negative disclosure).
    return np.ones_like(sizes, dtype=bool) if config.hide_zeros else sizes > 0


def _threshold(table: CellTable, config: DisclosureConfig) -> np.ndarray:
    return _non_empty(table, config, table.count) & (table.count < config.threshold)


def _min_units(table: CellTable, config: DisclosureConfig) -> np.ndarray:
    return _non_empty(table, config, table.units) & (table.units < config.min_units)


def _share_above(part: np.ndarray, total: np.ndarray, percent: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (total > 0) & (part > percent / 100.0 * total)


def _dominance(table: CellTable, config: DisclosureConfig) -> np.ndarray:
    return _share_above(table.top1, table.measure, config.dominance)


def _nk(table: CellTable, config: DisclosureConfig) -> np.ndarray:
    return _share_above(table.topn, table.measure, config.nk[1])


def _percent(value: float) -> str:
    return f"{value:g}"


RULES: dict[str, PrimaryRule] = {
    rule.name: rule
    for rule in (
        PrimaryRule(
            "threshold",
            (INDIVIDUALS,),
            lambda config: True,
            _threshold,
            lambda c: f"moins de {c.threshold} individus (secret statistique)",
            lambda c: f"fewer than {c.threshold} individuals (statistical secrecy)",
        ),
        PrimaryRule(
            "min_units",
            (BUSINESS,),
            lambda config: True,
            _min_units,
            lambda c: f"moins de {c.min_units} unités contributrices (secret des affaires)",
            lambda c: f"fewer than {c.min_units} contributing units (business secrecy)",
        ),
        PrimaryRule(
            "dominance",
            (BUSINESS,),
            lambda config: True,
            _dominance,
            lambda c: (
                f"une unité fournit plus de {_percent(c.dominance)} % du total (dominance, secret des affaires)"
            ),
            lambda c: (
                f"one unit contributes more than {_percent(c.dominance)}% of the total (dominance, business secrecy)"
            ),
        ),
        PrimaryRule(
            "nk",
            (BUSINESS,),
            lambda config: config.nk is not None,
            _nk,
            lambda c: (
                f"les {c.nk[0]} plus grandes unités fournissent plus de {_percent(c.nk[1])} % du total (règle (n, k))"
            ),
            lambda c: (
                f"the {c.nk[0]} largest units contribute more than {_percent(c.nk[1])}% of the total ((n, k) rule)"
            ),
        ),
    )
}


def primary(table: CellTable, config: DisclosureConfig) -> dict[str, np.ndarray]:
    """Rule name → mask of the cells it hides, for the rules that apply to this configuration."""
    return {
        name: rule.hides(table, config)
        for name, rule in RULES.items()
        if config.kind in rule.kinds and rule.applies(config)
    }
