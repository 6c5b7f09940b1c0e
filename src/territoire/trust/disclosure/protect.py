"""Protect a table of aggregates: primary rules, complementary cells, verification, rounding.

    table = protect_microdata(con, "persons", DisclosureConfig(dimensions=("commune", "age")))
    table.rows            # cells and totals, hidden ones with value None
    table.report.as_dict()                # for the data officer
    table.report.as_dict(public=True)     # for everyone

Steps: primary rules mark the sensitive cells (totals included); each primary cell, largest
first, gets the cheapest hypercube giving it its protection (``secondary``); every hidden cell's
feasible interval is then computed by linear programming (``verify``): a primary cell short of
its protection is repaired with an LP perturbation, and verified again; if it still fails,
``ProtectionFailed`` is raised and nothing is returned. Complementary cells whose value the
totals determine anyway are published again. Rounding comes last, on published values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from .aggregate import from_aggregates, from_microdata
from .config import DisclosureConfig
from .report import DisclosureReport, HiddenCell
from .rounding import controlled, conventional
from .rules import primary
from .secondary import hypercube, perturbation
from .table import CellTable
from .verify import ProtectionFailed, intervals

REPAIR_ROUNDS = 3


@dataclass
class ProtectedTable:
    dimensions: tuple[str, ...]
    measure: str
    rows: list[dict[str, Any]]  # dims…, measure (None when hidden), "hidden", "total_of"
    report: DisclosureReport

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(self.rows)


def protect_microdata(
    con: duckdb.DuckDBPyConnection, source: str, config: DisclosureConfig
) -> ProtectedTable:
    """Aggregate the rows of ``source`` (a table or view of ``con``) and protect the result."""
    return protect(from_microdata(con, source, config), config)


def protect_table(
    rows: pa.Table | pa.RecordBatchReader | Sequence[Mapping[str, Any]],
    config: DisclosureConfig,
) -> ProtectedTable:
    """Protect an already aggregated table (one row per cell; totals computed here)."""
    return protect(from_aggregates(rows, config), config)


def requirements(values: np.ndarray, config: DisclosureConfig) -> tuple[np.ndarray, np.ndarray]:
    """Protection each primary cell needs, upward and downward (see DisclosureConfig)."""
    share = config.protection_share * np.abs(values)
    up = np.maximum(share, config.minimum_protection)
    down = np.minimum(share, np.maximum(values, 0))
    return up, down


def protect(table: CellTable, config: DisclosureConfig) -> ProtectedTable:
    values = table.measure
    nonnegative = bool((values >= 0).all())
    masks = primary(table, config)
    sensitive = np.zeros(table.size, dtype=bool)
    for mask in masks.values():
        sensitive |= mask
    hidden = sensitive.copy()
    weights = _weights(table, values, config)
    up, down = requirements(values, config)
    protects: dict[int, list[int]] = {}

    def hide(cells, for_cell: int) -> None:
        for cell in np.asarray(cells, dtype=np.int64):
            if cell != for_cell and not sensitive[cell]:
                protects.setdefault(int(cell), []).append(for_cell)
            hidden[cell] = True

    primaries = np.flatnonzero(sensitive)
    for cell in primaries[np.argsort(-values[primaries], kind="stable")]:
        for box in hypercube(
            table,
            values,
            hidden,
            weights,
            int(cell),
            up=up[cell],
            down=down[cell],
            nonnegative=nonnegative,
        ):
            hide(box, int(cell))

    low, high = intervals(table, values, hidden, nonnegative=nonnegative)
    for _ in range(REPAIR_ROUNDS):
        short = _short(primaries, values, low, high, up, down)
        if not len(short):
            break
        for cell in short:
            for move in (up[cell], -down[cell]):
                if move == 0:
                    continue
                support = perturbation(
                    table, values, hidden, weights, int(cell), move=move, nonnegative=nonnegative
                )
                if support is not None:
                    hide(support, int(cell))
        low, high = intervals(table, values, hidden, nonnegative=nonnegative)
    short = _short(primaries, values, low, high, up, down)
    if len(short):
        raise ProtectionFailed(
            f"{len(short)} case(s) sensible(s) restent recalculables malgré le secret secondaire : "
            "rien n'est publié. Regroupez des catégories ou réduisez la part de protection.",
            f"{len(short)} sensitive cell(s) remain recomputable despite complementary "
            "suppression: nothing is published. Merge categories or lower the protection share.",
            where="protection_share",
        )

    tolerance = 1e-9 * max(1.0, float(np.abs(values).max(initial=0)))
    determined = hidden & ~sensitive & (high - low <= tolerance)
    hidden &= ~determined
    for cell in np.flatnonzero(determined):
        protects.pop(int(cell), None)

    published = values
    if config.rounding_base:
        if config.rounding == "controlled":
            published = controlled(table, values, config.rounding_base)
        else:
            published = conventional(values, config.rounding_base)

    report = _report(table, config, masks, sensitive, hidden, protects, low, high)
    report.released = int(determined.sum())
    return ProtectedTable(
        dimensions=table.dimensions,
        measure=config.measure,
        rows=_rows(table, config, published, hidden),
        report=report,
    )


def _weights(table: CellTable, values: np.ndarray, config: DisclosureConfig) -> np.ndarray:
    """Information lost by hiding a cell: its value (τ-ARGUS's default) or one per cell; a total
    costs more in the second case, as it is what readers look at first."""
    if config.cost == "value":
        return np.abs(values) + 1.0
    totals = np.array([any(table.is_total(i)) for i in range(table.size)])
    return np.where(totals, 10.0, 1.0)


def _short(primaries, values, low, high, up, down) -> np.ndarray:
    tolerance = 1e-7 * np.maximum(1.0, np.abs(values[primaries]))
    above = high[primaries] - values[primaries]
    below = values[primaries] - low[primaries]
    failing = (above < up[primaries] - tolerance) | (below < down[primaries] - tolerance)
    failing |= high[primaries] - low[primaries] <= tolerance
    return primaries[failing]


def _report(table, config, masks, sensitive, hidden, protects, low, high) -> DisclosureReport:
    entries = []
    for cell in np.flatnonzero(hidden):
        cell = int(cell)
        top = None if np.isinf(high[cell]) else float(high[cell])
        if sensitive[cell]:
            rules = tuple(name for name, mask in masks.items() if mask[cell])
            entries.append(
                HiddenCell(
                    table.key(cell),
                    table.margins(cell),
                    "primary",
                    rules,
                    (),
                    float(low[cell]),
                    top,
                )
            )
        else:
            guarded = tuple(
                (table.key(p), table.margins(p)) for p in dict.fromkeys(protects.get(cell, []))
            )
            entries.append(
                HiddenCell(
                    table.key(cell),
                    table.margins(cell),
                    "secondary",
                    (),
                    guarded,
                    float(low[cell]),
                    top,
                )
            )
    widths = (high - low)[hidden]
    return DisclosureReport(
        config=config,
        cells=table.size,
        hidden=entries,
        narrowest=float(widths.min()) if len(widths) else None,
    )


def _rows(table: CellTable, config: DisclosureConfig, published, hidden) -> list[dict]:
    rows = []
    measure = config.measure
    for cell in range(table.size):
        row = table.key(cell)
        value = published[cell]
        if table.integral:
            value = int(round(value))
        row[measure] = None if hidden[cell] else value
        row["hidden"] = bool(hidden[cell])
        row["total_of"] = ",".join(table.margins(cell))
        rows.append(row)
    return rows
