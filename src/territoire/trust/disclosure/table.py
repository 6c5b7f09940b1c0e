"""A table of aggregates with its published totals, as flat NumPy arrays.

A table over D dimensions with n_1 … n_D categories is held *extended*: index n_d along
dimension d is the total over that dimension, so the cell (i, n_2) is the total of row i and
(n_1, n_2) the grand total. Every total is a published cell like any other (a row total of 5
people is itself a small cell). The additivity of the table is one equation per line of the
extended array: along dimension d, the interior cells minus the total equal zero. These
equations are all an attacker knows besides the published values and non-negativity, and all
the solver needs.

Statistics per cell: ``measure`` (published), ``count`` (individuals or rows), and for business
data ``units`` (distinct contributors), ``top1`` and ``topn`` (largest and n largest
contributions) — these last are not additive, so they come from DuckDB for every total too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from scipy import sparse


@dataclass
class CellTable:
    dimensions: tuple[str, ...]
    labels: tuple[tuple[Any, ...], ...]  # interior categories per dimension, in order
    measure: np.ndarray  # float64, flat over the extended shape
    count: np.ndarray  # float64
    units: np.ndarray | None = None
    top1: np.ndarray | None = None
    topn: np.ndarray | None = None
    integral: bool = True  # the measure is a whole number (counts): rounding and protections
    _equations: sparse.csr_matrix | None = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(labels) + 1 for labels in self.labels)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def index(self, flat: int) -> tuple[int, ...]:
        return tuple(int(i) for i in np.unravel_index(flat, self.shape))

    def is_total(self, flat: int) -> tuple[bool, ...]:
        return tuple(
            i == len(labels) for i, labels in zip(self.index(flat), self.labels, strict=True)
        )

    def key(self, flat: int) -> dict[str, Any]:
        """The cell as {dimension: category}; None along a dimension it totals."""
        return {
            dim: (None if i == len(labels) else labels[i])
            for dim, labels, i in zip(self.dimensions, self.labels, self.index(flat), strict=True)
        }

    def margins(self, flat: int) -> tuple[str, ...]:
        """Dimensions the cell totals over (empty for an interior cell)."""
        return tuple(
            d for d, total in zip(self.dimensions, self.is_total(flat), strict=True) if total
        )

    def equations(self) -> sparse.csr_matrix:
        """One row per line of the extended table: +1 for its interior cells, −1 for its total."""
        if self._equations is None:
            # Imported on first use: SciPy takes 0.2–0.5 s to import, and every `territoire` process
            # (ingest, serve, worker) imports this package through the lake's services.
            from scipy import sparse

            flat = np.arange(self.size).reshape(self.shape)
            rows, cols, values = [], [], []
            count = 0
            for d, n in enumerate(self.shape):
                lines = np.moveaxis(flat, d, -1).reshape(-1, n)
                m = lines.shape[0]
                rows.append(np.repeat(np.arange(count, count + m), n))
                cols.append(lines.ravel())
                coefficients = np.ones(n)
                coefficients[-1] = -1.0
                values.append(np.tile(coefficients, m))
                count += m
            self._equations = sparse.csr_matrix(
                (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
                shape=(count, self.size),
            )
        return self._equations


def with_margins(interior: np.ndarray) -> np.ndarray:
    """The extended array of an additive statistic: each dimension gets its total appended."""
    extended = np.asarray(interior, dtype=np.float64)
    for axis in range(extended.ndim):
        extended = np.concatenate([extended, extended.sum(axis=axis, keepdims=True)], axis=axis)
    return extended


def sort_labels(values) -> tuple[Any, ...]:
    """Categories in a stable order: sorted, missing values (None) last."""
    return tuple(sorted(set(values), key=lambda v: (v is None, v)))
