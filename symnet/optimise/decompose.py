"""Exact decomposition of the model into independent parts (issue #14).

Two columns are coupled when a row holds both; rows that can never bind (their activity
range, from the column bounds, lies within the row's bounds) couple nothing and are left
out. The connected components of the rest (:func:`scipy.sparse.csgraph.connected_components`
on the column-row incidence graph) are independent models: solving each and adding the
objectives gives the optimum of the whole, and the sum of their bounds is a valid bound.
Components smaller than ``min_columns`` are solved together as one part, so a scenario
with hundreds of isolated supplies does not pay hundreds of solver starts.

What couples a national inventory: a site option takes every resource its facility
accepts, one facility per site and ``max_count`` per type tie the sites together, and a
global ``max_open`` or CO2 cap ties everything; resources no facility couples and regions
farther apart than every link's reach fall apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from symnet.optimise.arrays import ModelArrays
from symnet.optimise.solve import (
    Deadline,
    Incumbent,
    Outcome,
    Solution,
    SolverSettings,
    relative_gap,
    solve_highs_arrays,
)

MIN_PART_COLUMNS = 2000
"""Components with fewer columns are solved together as one part."""
AUTO_MIN_COLUMNS = 20000
"""By default, models with fewer columns are solved whole (nothing to gain)."""


@dataclass
class Part:
    """One independent part: its columns and rows (indices into the whole model)."""

    columns: np.ndarray
    rows: np.ndarray


def redundant_rows(arrays: ModelArrays, tol: float = 1e-9) -> np.ndarray:
    """Per row, True when no choice of column values within their bounds can break it."""
    m = arrays.matrix.tocsr()
    lo, hi = arrays.lower, arrays.upper
    pos = m.maximum(0)
    neg = m.minimum(0)
    with np.errstate(invalid="ignore"):
        top = pos @ np.where(np.isfinite(hi), hi, 1e300) + neg @ np.where(np.isfinite(lo), lo, -1e300)
        bottom = pos @ np.where(np.isfinite(lo), lo, -1e300) + neg @ np.where(np.isfinite(hi), hi, 1e300)
    finite_top = top < 1e299
    finite_bottom = bottom > -1e299
    ok_hi = ~np.isfinite(arrays.row_upper) | (finite_top & (top <= arrays.row_upper + tol))
    ok_lo = ~np.isfinite(arrays.row_lower) | (finite_bottom & (bottom >= arrays.row_lower - tol))
    return np.asarray(ok_hi & ok_lo)


def split(arrays: ModelArrays, min_columns: int | None = None) -> list[Part]:
    """The model's independent parts, largest first; components below ``min_columns``
    (default :data:`MIN_PART_COLUMNS`) columns are merged into one last part. One part
    means no decomposition."""
    min_columns = MIN_PART_COLUMNS if min_columns is None else min_columns
    m = arrays.matrix.tocsr()
    n_rows = m.shape[0]
    keep = np.flatnonzero(~redundant_rows(arrays))
    binding = (m[keep] != 0).astype(np.int8)
    graph = sp.bmat([[None, binding], [binding.T, None]], format="csr")
    _, label = connected_components(graph, directed=False)
    col_label = label[len(keep) :]
    sizes = np.bincount(col_label)
    big = [int(c) for c in np.argsort(-sizes, kind="stable") if sizes[c] >= min_columns]
    part_of = np.full(len(sizes), len(big), dtype=int)
    part_of[big] = np.arange(len(big))
    col_part = part_of[col_label]
    row_part = np.full(n_rows, -1, dtype=int)
    row_part[keep] = part_of[label[: len(keep)]]
    parts = [
        Part(np.flatnonzero(col_part == p), np.flatnonzero(row_part == p))
        for p in range(len(big) + 1)
        if (col_part == p).any()
    ]
    return parts


def sub_arrays(arrays: ModelArrays, part: Part) -> ModelArrays:
    """The part as a model of its own (its columns and rows, in the whole model's order)."""
    cols, rows = part.columns, part.rows
    return replace(
        arrays,
        lower=arrays.lower[cols],
        upper=arrays.upper[cols],
        cost=arrays.cost[cols],
        co2=arrays.co2[cols],
        integer=arrays.integer[cols],
        col_names=[arrays.col_names[c] for c in cols],
        matrix=arrays.matrix.tocsr()[rows][:, cols].tocsr(),
        row_lower=arrays.row_lower[rows],
        row_upper=arrays.row_upper[rows],
        row_names=[arrays.row_names[r] for r in rows],
        blocks={},
    )


PartStart = Callable[[ModelArrays, np.ndarray, Part, Deadline], Incumbent | None]
"""A warm start for one part: (part arrays, part cost, part, deadline) -> incumbent."""


def solve_parts(
    arrays: ModelArrays,
    cost: np.ndarray,
    settings: SolverSettings,
    parts: list[Part],
    deadline: Deadline,
    warm_start: PartStart | None = None,
) -> Solution:
    """Solve the parts one after the other with HiGHS and put the answers together.

    Each part gets the time left in proportion to its columns (time a part does not use
    goes to the next). The status is the worst of the parts' (infeasible, unbounded, no
    solution, time limit, optimal); the bound is the sum of theirs, the gap that of the
    sums (``(objective - bound) / |objective|``).
    """
    n_cols, n_rows = len(cost), len(arrays.row_names)
    values, col_dual, row_dual = np.zeros(n_cols), np.zeros(n_cols), np.zeros(n_rows)
    outcomes: list[Outcome] = []
    left = sum(len(p.columns) for p in parts)
    solver_seconds = handover_seconds = 0.0
    for part in parts:
        share = Deadline(deadline.remaining() * len(part.columns) / max(left, 1))
        left -= len(part.columns)
        sub = sub_arrays(arrays, part)
        sub_cost = cost[part.columns]
        start = None if warm_start is None else (lambda d, s=sub, c=sub_cost, p=part: warm_start(s, c, p, d))
        out = solve_highs_arrays(sub, sub_cost, settings, start, share)
        outcomes.append(out.outcome)
        solver_seconds += out.solver_seconds
        handover_seconds += out.handover_seconds
        if out.values is not None:
            values[part.columns] = out.values
        if out.col_dual is not None and out.row_dual is not None:
            col_dual[part.columns] = out.col_dual
            row_dual[part.rows] = out.row_dual
        if out.outcome[0] not in ("optimal", "time_limit"):
            break
    outcome = _combined(outcomes, float(cost @ values), settings.time_limit_s, len(parts))
    solved = outcome[0] in ("optimal", "time_limit")
    lp_optimal = outcome[0] == "optimal" and not arrays.integer.any()
    return Solution(
        outcome,
        values if solved else None,
        col_dual if lp_optimal else None,
        row_dual if lp_optimal else None,
        None,
        handover_seconds,
        solver_seconds,
    )


def _combined(outcomes: list[Outcome], objective: float, time_limit_s: float, n_parts: int) -> Outcome:
    """One outcome from the parts' outcomes (see :func:`solve_parts`)."""
    statuses = [o[0] for o in outcomes]
    for worst in ("infeasible", "unbounded", "error", "not_solved"):
        if worst in statuses:
            first = next(o for o in outcomes if o[0] == worst)
            return worst, None, None, f"{first[3]} (in part {statuses.index(worst) + 1} of {n_parts})"
    bounds = [o[1] for o in outcomes]
    bound = float(sum(b for b in bounds if b is not None)) if all(b is not None for b in bounds) else None
    gap = relative_gap(objective, bound)
    if all(s == "optimal" for s in statuses):
        return "optimal", bound, gap, f"optimal ({n_parts} independent parts)"
    within = f"; best solution within gap {gap:.2%}" if gap is not None else ""
    return "time_limit", bound, gap, f"time limit of {time_limit_s:g} s reached{within} ({n_parts} independent parts)"
