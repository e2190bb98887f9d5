"""A first incumbent for HiGHS: a site choice from the rounded LP relaxation, improved by a
short local search (open, close or swap one site option at a time)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from symnet.optimise.arrays import INF, TOL, ModelArrays
from symnet.optimise.solve import Deadline, Incumbent, highs_model, quiet_stdout

WARM_START_SHARE = 0.4
"""Share of the time limit the site warm start (:func:`site_warm_start`) may use."""


def site_warm_start(
    arrays: ModelArrays, cost: np.ndarray, zbin: dict[int, int], options: pd.DataFrame, deadline: Deadline
) -> Incumbent | None:
    """A first incumbent for the solver, found by ``deadline``: the whole solution when the
    chosen sites' LP rounds to a feasible one, else the site choice alone (the z columns),
    or None when the LP relaxation was not solved in time.

    The LP relaxation's site binaries are rounded at 0.5 (in decreasing order), then a
    first-improvement local search opens, closes or swaps (same facility type) one option
    at a time among those the LP uses, each choice priced by the LP with every site binary
    fixed (infeasible choices, e.g. two facilities on one site, are discarded by the LP
    itself). Stops at a local optimum or at the deadline. The LP with the final choice
    fixed, its other integers (trips, link binaries) rounded up, is the whole incumbent
    when it satisfies every row; the first LP's objective is its lower bound.
    """
    import highspy

    with quiet_stdout(True):
        h = highs_model(arrays.relaxed(cost), cost)
    h.setOptionValue("output_flag", False)
    deadline.attach(h)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    lower_bound = float(h.getInfo().objective_function_value)
    ks = np.array(sorted(zbin), dtype=int)
    cols = np.array([zbin[k] for k in ks], dtype=np.int32)
    z_lp = np.asarray(h.getSolution().col_value, dtype=float)[cols]
    order = np.argsort(-z_lp, kind="stable")
    current = frozenset(int(i) for i in order if z_lp[i] >= 0.5)
    candidates = [int(i) for i in order if z_lp[i] > TOL]
    price = _lp_pricer(h, cols, len(ks))
    best, current = _local_search(price, current, candidates, options["facility"].to_numpy()[ks], deadline.end)
    if not math.isfinite(best):
        return None
    choice = np.array([1.0 if i in current else 0.0 for i in range(len(ks))])
    best_values = getattr(price, "best_values", None)
    if best_values is not None and getattr(price, "best_choice", None) == current:
        values = rounded_up(arrays, best_values)
        if values is not None:
            return Incumbent(np.arange(len(values), dtype=np.int32), values, float(cost @ values), lower_bound)
    return Incumbent(cols, choice, None, lower_bound)


def rounded_up(arrays: ModelArrays, values: np.ndarray, tol: float = 1e-6) -> np.ndarray | None:
    """``values`` with every integer column rounded up (within its bounds), or None when
    the result breaks a row or bound (``tol``: relative feasibility tolerance)."""
    out = values.copy()
    ints = np.flatnonzero(arrays.integer)
    out[ints] = np.minimum(np.ceil(out[ints] - tol), arrays.upper[ints])
    out[ints] = np.maximum(out[ints], arrays.lower[ints])
    activity = arrays.matrix @ out
    slack = tol * np.maximum(1.0, np.abs(activity))
    ok = np.all(activity >= arrays.row_lower - slack) and np.all(activity <= arrays.row_upper + slack)
    ok = ok and np.all(out >= arrays.lower - tol) and np.all(out <= arrays.upper + tol)
    return out if ok else None


def _lp_pricer(h: Any, cols: np.ndarray, n: int) -> Callable[[frozenset[int]], float]:
    """Objective of the LP with the site binaries ``cols`` fixed to a choice (INF: infeasible)."""
    import highspy

    best = [INF]

    def price(chosen: frozenset[int]) -> float:
        vals = np.array([1.0 if i in chosen else 0.0 for i in range(n)])
        h.changeColsBounds(len(cols), cols, vals, vals)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return INF
        value = float(h.getInfo().objective_function_value)
        if value < best[0]:  # keep the best choice's LP solution (no re-solve after the deadline)
            best[0] = value
            price.best_choice = chosen  # type: ignore[attr-defined]
            price.best_values = np.asarray(h.getSolution().col_value, dtype=float)  # type: ignore[attr-defined]
        return value

    return price


def _moves(current: frozenset[int], candidates: list[int], facility: np.ndarray) -> Iterator[frozenset[int]]:
    """Neighbours of a choice: open one, close one, or swap one for another of its type."""
    yield from (current | {j} for j in candidates if j not in current)
    yield from (current - {i} for i in current)
    for i in current:
        for j in candidates:
            if j not in current and facility[i] == facility[j]:
                yield (current - {i}) | {j}


def _local_search(
    price: Callable[[frozenset[int]], float],
    current: frozenset[int],
    candidates: list[int],
    facility: np.ndarray,
    deadline: float,
) -> tuple[float, frozenset[int]]:
    """First-improvement search from ``current`` until a local optimum or ``deadline``
    (``time.perf_counter`` seconds); returns (objective, choice)."""
    best = price(current)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for chosen in list(_moves(current, candidates, facility)):
            if time.perf_counter() >= deadline:
                break
            value = price(chosen)
            if value < best - 1e-9 * max(1.0, abs(best)):
                best, current, improved = value, chosen, True
                break
    return best, current
