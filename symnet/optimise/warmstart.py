"""A first incumbent for HiGHS: a site choice from the rounded LP relaxation, improved by a
short local search (open, close or swap one site option at a time)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from symnet.optimise.arrays import INF, TOL, ModelArrays
from symnet.optimise.solve import Deadline, Incumbent, SolverSettings, highs_model, quiet_stdout

WARM_START_SHARE = 0.4
"""Share of the time limit the site warm start (:func:`site_warm_start`) may use."""
CLOSED_SITES_SHARE = 0.5
"""Share of the time left that :func:`closed_sites_incumbent` may use."""
CLOSED_SITES_GAP = 0.01
"""Relative gap to which the closed-sites model is solved (it is a start, not the answer)."""
CLOSED_SITES_NOTE = (
    "the solution opens no candidate site: the LP relaxation was not solved in time, so the start was the model "
    "with every site closed and the solver found nothing better (give more time, or split the inventory)"
)
"""The result's message when the closed-sites start is the answer."""
IPM_FROM_COLUMNS = 50_000
"""From this many columns, the first LP relaxation is solved by HiGHS's interior point
method with crossover (N = 1,000 generated inventory, 113,000 columns: 23 s against 64-70 s
by dual simplex); the re-pricings after it stay with the simplex (warm basis)."""


def site_warm_start(
    arrays: ModelArrays,
    cost: np.ndarray,
    zbin: dict[int, int],
    options: pd.DataFrame,
    deadline: Deadline,
    lp: Any = None,
    target: SolverSettings | None = None,
) -> Incumbent | None:
    """A first incumbent for the solver, found within :data:`WARM_START_SHARE` of the
    solve's ``deadline``: the whole solution when the chosen sites' LP rounds to a feasible
    one, else the site choice alone (the z columns); when the LP relaxation was not solved
    in time, the solution with every site closed, or None.

    The LP relaxation's site binaries are rounded at 0.5 (in decreasing order), then a
    first-improvement local search opens, closes or swaps (same facility type) one option
    at a time among those the LP uses, each choice priced by the LP with every site binary
    fixed (infeasible choices, e.g. two facilities on one site, are discarded by the LP
    itself). Stops at a local optimum or at its budget. The LP with the final choice
    fixed, its other integers (trips, link binaries) rounded up, is the whole incumbent
    when it satisfies every row; when no choice could be priced in time, the rounded
    choice alone is the start. The first LP's objective is the lower bound. When that LP
    itself is not solved in time, the start is the model with every site closed
    (:func:`closed_sites_incumbent`, within :data:`CLOSED_SITES_SHARE` of what is left).

    ``lp``: a HiGHS instance holding the LP relaxation of ``arrays`` (same columns, same
    order) already solved, e.g. by link pricing; it is used (and changed) instead of a new one.
    ``target``: the solve's settings; the local search stops once a choice's LP is within
    their gap target of the first LP's objective (:meth:`SolverSettings.within_gap`: no
    other choice can be better by more).
    """
    import highspy

    budget = Deadline(min(WARM_START_SHARE * deadline.seconds, deadline.remaining()))
    if lp is None:
        with quiet_stdout(True):
            h = highs_model(arrays.relaxed(cost), cost)
        h.setOptionValue("output_flag", False)
        if len(cost) >= IPM_FROM_COLUMNS:
            h.setOptionValue("solver", "ipm")
        budget.attach(h)
        h.run()
    else:
        h = lp
        budget.attach(h)
    ks = np.array(sorted(zbin), dtype=int)
    cols = np.array([zbin[k] for k in ks], dtype=np.int32)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        del h  # the unfinished LP's memory, before the next model is built
        return closed_sites_incumbent(arrays, cost, cols, Deadline(CLOSED_SITES_SHARE * deadline.remaining()))
    h.setOptionValue("solver", "simplex")
    lower_bound = float(h.getInfo().objective_function_value)
    z_lp = np.asarray(h.getSolution().col_value, dtype=float)[cols]
    order = np.argsort(-z_lp, kind="stable")
    current = frozenset(int(i) for i in order if z_lp[i] >= 0.5)
    candidates = [int(i) for i in order if z_lp[i] > TOL]
    pricer = LpPricer(h, cols)

    def good_enough(value: float) -> bool:
        return target is not None and target.within_gap(value, lower_bound)

    facility = options["facility"].to_numpy()[ks]
    _best, current = _local_search(pricer, current, candidates, facility, budget.end, good_enough)
    if pricer.best_values is not None and pricer.best_choice == current:
        values = rounded_up(arrays, pricer.best_values)
        if values is not None:
            return Incumbent(np.arange(len(values), dtype=np.int32), values, float(cost @ values), lower_bound)
    choice = np.array([1.0 if i in current else 0.0 for i in range(len(ks))])
    return Incumbent(cols, choice, None, lower_bound)


def closed_sites_incumbent(
    arrays: ModelArrays, cost: np.ndarray, site_columns: np.ndarray, deadline: Deadline
) -> Incumbent | None:
    """A whole incumbent with every free site option closed (``site_columns`` fixed at 0):
    the model without new facilities, solved by HiGHS to :data:`CLOSED_SITES_GAP` by
    ``deadline``. The fallback when the LP relaxation of the whole model is too big to
    solve within the warm start's budget (N = 5,000: 2.2 million columns); closed sites are
    always allowed, so it is feasible whenever the model is. No lower bound (None when
    HiGHS found no solution in time)."""
    import highspy

    lower, upper = arrays.lower.copy(), arrays.upper.copy()
    lower[site_columns] = 0.0
    upper[site_columns] = 0.0
    with quiet_stdout(True):
        h = highs_model(replace(arrays, lower=lower, upper=upper), cost)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", CLOSED_SITES_GAP)
    deadline.attach(h)
    h.run()
    if h.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return None
    values = rounded_up(arrays, np.asarray(h.getSolution().col_value, dtype=float))
    if values is None:
        return None
    return Incumbent(np.arange(len(values), dtype=np.int32), values, float(cost @ values), None, CLOSED_SITES_NOTE)


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


class LpPricer:
    """Prices a site choice: the objective of the LP ``h`` with the site binaries ``cols``
    fixed to it (INF: infeasible or not solved). Keeps the best choice priced so far and
    its LP solution (``best_choice``, ``best_values``), so nothing is re-solved after the
    deadline."""

    def __init__(self, h: Any, cols: np.ndarray) -> None:
        self.h = h
        self.cols = cols
        self.best = INF
        self.best_choice: frozenset[int] | None = None
        self.best_values: np.ndarray | None = None

    def __call__(self, chosen: frozenset[int]) -> float:
        import highspy

        vals = np.array([1.0 if i in chosen else 0.0 for i in range(len(self.cols))])
        self.h.changeColsBounds(len(self.cols), self.cols, vals, vals)
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return INF
        value = float(self.h.getInfo().objective_function_value)
        if value < self.best:
            self.best, self.best_choice = value, chosen
            self.best_values = np.asarray(self.h.getSolution().col_value, dtype=float)
        return value


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
    good_enough: Callable[[float], bool] = lambda value: False,
) -> tuple[float, frozenset[int]]:
    """First-improvement search from ``current`` until a local optimum, ``deadline``
    (``time.perf_counter`` seconds) or an objective that is ``good_enough``; returns
    (objective, choice)."""
    best = price(current)
    improved = True
    while improved and not good_enough(best) and time.perf_counter() < deadline:
        improved = False
        for chosen in list(_moves(current, candidates, facility)):
            if time.perf_counter() >= deadline:
                break
            value = price(chosen)
            if value < best - 1e-9 * max(1.0, abs(best)):
                best, current, improved = value, chosen, True
                break
    return best, current
