"""Rounding of the published values to a base (5, 10…).

Conventional rounding rounds each value to the nearest multiple on its own: totals may then
differ from the sum of their rounded parts. Controlled rounding chooses, for every value that
is not already a multiple, the multiple just below or just above so that every total still
equals the sum of its parts, as close as possible to the real values: a small integer program
solved by SciPy's HiGHS (``milp``). For two-dimensional tables such a rounding always exists
(Cox, 1987); for larger ones it may not, and the request is refused rather than half-done.
"""

from __future__ import annotations

import numpy as np

from territoire.core.errors import ValidationFailed

from .table import CellTable


def conventional(values: np.ndarray, base: int) -> np.ndarray:
    """Each value to its nearest multiple of ``base``, halves upward."""
    return np.floor(values / base + 0.5) * base


def controlled(table: CellTable, values: np.ndarray, base: int) -> np.ndarray:
    """Values rounded up or down to a multiple of ``base`` with the table still additive."""
    # Imported on first use: SciPy takes 0.2–0.5 s to import, and every `territoire` process
    # (ingest, serve, worker) imports this package through the lake's services.
    from scipy.optimize import Bounds, LinearConstraint, milp

    below = np.floor(values / base) * base
    remainder = values - below
    free = np.flatnonzero(remainder > 1e-9 * base)
    if len(free) == 0:
        return below
    equations = table.equations()
    target = -(equations @ below) / base
    rows = equations[:, free]
    # cost of rounding up minus cost of rounding down, per value: (base − r) − r
    result = milp(
        c=base - 2.0 * remainder[free],
        constraints=LinearConstraint(rows, target, target),
        integrality=np.ones(len(free)),
        bounds=Bounds(0, 1),
    )
    if result.status != 0 or result.x is None:
        raise ValidationFailed(
            f"Aucun arrondi contrôlé en base {base} ne garde ce tableau additif : "
            "choisissez l'arrondi conventionnel ou une autre base.",
            f"No controlled rounding to base {base} keeps this table additive: "
            "choose conventional rounding or another base.",
            where="rounding",
        )
    rounded = below.copy()
    rounded[free] += base * np.round(result.x)
    return rounded
