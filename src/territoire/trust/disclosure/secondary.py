"""Secondary suppression: hide enough other cells that no hidden cell can be recomputed.

Method (the hypercube method of GHMITER, used by τ-ARGUS): for a primary cell ``a``, choose for
every dimension another category ``b_d`` (a total is a category too) and hide the 2**D corners
of the box they span. Moving the primary up by ``t`` and every corner by ``±t`` (signs
alternating along each line; a total moves with its parts) keeps every published value and
total unchanged: the attacker cannot tell the real table from the moved one. The move is
possible as long as no corner that goes down falls below zero, so a box protects ``a`` upward
by the smallest value of its down-going corners and downward by the smallest of the others.
Among all boxes that give the required protection, the one hiding the least information (cells
already hidden cost nothing) is kept. The box made of the cell's own totals always exists, so
every primary cell gets a box. All candidate boxes are scored at once with NumPy.

Should the verification (``verify.intervals``) still find a cell insufficiently protected, a
linear program (SciPy's HiGHS) finds the cheapest perturbation of the whole table that moves
that cell by the required amount while keeping published cells fixed; its support is hidden.
"""

from __future__ import annotations

import itertools

import numpy as np

from .table import CellTable


def hypercube(
    table: CellTable,
    values: np.ndarray,
    hidden: np.ndarray,
    weights: np.ndarray,
    cell: int,
    *,
    up: float,
    down: float,
    nonnegative: bool,
) -> list[np.ndarray]:
    """Cells to hide (one or two boxes) so that ``cell`` can move up by ``up`` and down by
    ``down``; the cheapest box doing both, else the cheapest for each direction."""
    shape = table.shape
    a = np.array(table.index(cell))
    sizes = np.array(shape)
    axes = [np.delete(np.arange(n), a_d) for n, a_d in zip(shape, a, strict=True)]
    if any(len(axis) == 0 for axis in axes):
        return []
    grids = np.meshgrid(*axes, indexing="ij")
    others = np.stack([g.ravel() for g in grids], axis=1)  # one candidate box per row
    a_interior = a < sizes - 1
    # moving along a line: two parts move in opposite directions, a part and its total together
    flips = np.where(a_interior & (others < sizes - 1), -1, 1)
    n = len(others)
    cap_up = np.full(n, np.inf)
    cap_down = np.full(n, np.inf)
    cost = np.zeros(n)
    corners = []
    for mask in itertools.product((False, True), repeat=len(shape)):
        chosen = np.array(mask)
        flat = np.ravel_multi_index(np.where(chosen, others, a).T, shape)
        sign = np.prod(np.where(chosen, flips, 1), axis=1)
        if nonnegative:
            cap_up = np.where(sign < 0, np.minimum(cap_up, values[flat]), cap_up)
            cap_down = np.where(sign > 0, np.minimum(cap_down, values[flat]), cap_down)
        cost += np.where(hidden[flat], 0.0, weights[flat])
        corners.append(flat)
    corners_of = np.stack(corners, axis=1)
    tolerance = 1e-9 * max(1.0, float(np.abs(values).max(initial=0)))
    ok_up = cap_up >= up - tolerance
    ok_down = cap_down >= down - tolerance
    margin = np.minimum(cap_up, cap_down)

    def best(ok: np.ndarray) -> int | None:
        if not ok.any():
            return None
        candidates = np.flatnonzero(ok)
        order = np.lexsort((-margin[candidates], cost[candidates]))
        return int(candidates[order[0]])

    both = best(ok_up & ok_down)
    if both is not None:
        return [corners_of[both]]
    boxes = []
    for ok, needed in ((ok_up, up), (ok_down, down)):
        if needed <= 0:
            continue
        choice = best(ok)
        if choice is None:
            return []
        boxes.append(corners_of[choice])
    return boxes


def perturbation(
    table: CellTable,
    values: np.ndarray,
    hidden: np.ndarray,
    weights: np.ndarray,
    cell: int,
    *,
    move: float,
    nonnegative: bool,
) -> np.ndarray | None:
    """Cells of the cheapest additive perturbation moving ``cell`` by ``move`` (LP, HiGHS):
    variables y⁺, y⁻ ≥ 0 per cell, E(y⁺ − y⁻) = 0, y_cell = move, values − y⁻ ≥ 0, cost of
    moving a published cell its weight, a hidden one nothing. None when no move exists."""
    # Imported on first use: SciPy takes 0.2–0.5 s to import, and every `territoire` process
    # (ingest, serve, worker) imports this package through the lake's services.
    from scipy import sparse
    from scipy.optimize import linprog

    equations = table.equations()
    size = table.size
    pin = sparse.csr_matrix(([1.0, -1.0], ([0, 0], [cell, size + cell])), shape=(1, 2 * size))
    a_eq = sparse.vstack([sparse.hstack([equations, -equations]), pin]).tocsr()
    b_eq = np.zeros(a_eq.shape[0])
    b_eq[-1] = move
    price = np.where(hidden, 0.0, weights)
    upper_down = values if nonnegative else np.full(size, np.inf)
    bounds = [(0, None)] * size + [(0, u if np.isfinite(u) else None) for u in upper_down]
    result = linprog(
        np.concatenate([price, price]), A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs"
    )
    if result.status != 0:
        return None
    y = result.x[:size] - result.x[size:]
    return np.flatnonzero(np.abs(y) > 1e-7 * max(1.0, abs(move)))
