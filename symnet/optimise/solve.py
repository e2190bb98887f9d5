"""Handing the model to a solver and reading its answer: HiGHS through one ``passModel``
call on the arrays, or PuLP (CBC, or HiGHS on a user-changed problem); solver options,
the time limit, and the mapping of solver statuses to :data:`symnet.result.Status`."""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pulp

from symnet.optimise.arrays import ModelArrays
from symnet.result import Status

SOLVERS = ("highs", "cbc")
UNBOUNDED_MESSAGE = "unbounded: some cost can decrease without limit (check negative prices and gate fees)"
Outcome = tuple[Status, float | None, float | None, str]
"""(status, bound, relative gap, message) of one solve."""
START_TIE = 1e-9
"""Relative difference below which the solver's incumbent counts as the warm start itself."""


@dataclass
class SolverSettings:
    """Solver choice and limits: ``time_limit_s`` in seconds, ``gap`` relative MIP gap."""

    solver: str
    time_limit_s: float
    gap: float
    threads: int | None
    seed: int
    msg: bool
    #: let HiGHS restart its MIP search after the root (False for models with site
    #: binaries: the restart repeats the root's cut rounds, see set_highs_options)
    restarts: bool = True
    #: absolute gap (objective units) that this solve may use on top of ``gap``: what the
    #: parts of a decomposed model solved before it left unused (see
    #: :func:`~symnet.optimise.decompose.solve_parts`); HiGHS itself stops at ``gap``
    gap_slack: float = 0.0

    def within_gap(self, objective: float, bound: float | None) -> bool:
        """``objective - bound <= gap |objective|`` (plus :attr:`gap_slack` for a positive
        objective): the gap target is proved."""
        if bound is None or not math.isfinite(bound) or not math.isfinite(objective):
            return False
        slack = self.gap_slack if objective > 0 else 0.0
        return objective - bound <= self.gap * abs(objective) + slack


class Deadline:
    """One time budget for a whole solve (warm start, solver, re-solves): ``seconds`` from
    now on :func:`time.perf_counter`. :meth:`attach` makes a HiGHS instance stop at it, by
    its own time limit and by interrupt callbacks (HiGHS alone overruns its limit by the
    length of the LP or cut round it is in)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self.end = time.perf_counter() + self.seconds

    def remaining(self) -> float:
        """Seconds left (0 once passed)."""
        return max(self.end - time.perf_counter(), 0.0)

    def attach(self, h: Any) -> None:
        """Set ``h``'s time limit to the time left and interrupt it when the deadline passes."""
        h.setOptionValue("time_limit", max(self.remaining(), 0.01))
        end = self.end

        def stop(event: Any) -> None:
            if time.perf_counter() >= end:
                event.interrupt()

        h.cbSimplexInterrupt += stop
        h.cbIpmInterrupt += stop
        h.cbMipInterrupt += stop


@dataclass
class Incumbent:
    """A start for the solver: values of ``columns`` (every column when ``objective`` is
    given: a whole feasible solution of that objective), and the LP relaxation's objective
    (a valid lower bound; None when not known)."""

    columns: np.ndarray
    values: np.ndarray
    objective: float | None
    lower_bound: float | None
    note: str = ""
    """What the result's message says when this start is the answer (e.g. how it was made)."""


@dataclass
class Solution:
    """What a solve returns: the outcome, column values and (LP only) duals; seconds spent."""

    outcome: Outcome
    values: np.ndarray | None = None
    col_dual: np.ndarray | None = None
    row_dual: np.ndarray | None = None
    highs: Any = None
    handover_seconds: float = 0.0
    solver_seconds: float = 0.0
    note: str = ""
    """Added to the outcome's message: the kept warm start's :attr:`Incumbent.note`."""


@contextlib.contextmanager
def quiet_stdout(active: bool) -> Iterator[None]:
    """Silence the solver libraries' own prints (HiGHS prints its banner from C++ to
    file descriptor 1 even with output switched off)."""
    if not active:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def highs_model(arrays: ModelArrays, cost: np.ndarray) -> Any:
    """A ``highspy.Highs`` holding the model (one ``passModel`` call, column-wise matrix)."""
    import highspy

    inf = highspy.kHighsInf
    csc = arrays.matrix.tocsc()
    lp = highspy.HighsLp()
    lp.num_col_ = int(csc.shape[1])
    lp.num_row_ = int(csc.shape[0])
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.where(np.isfinite(arrays.lower), arrays.lower, -inf)
    lp.col_upper_ = np.where(np.isfinite(arrays.upper), arrays.upper, inf)
    lp.row_lower_ = np.where(np.isfinite(arrays.row_lower), arrays.row_lower, -inf)
    lp.row_upper_ = np.where(np.isfinite(arrays.row_upper), arrays.row_upper, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    if arrays.integer.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in arrays.integer.tolist()
        ]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    return h


def to_pulp(arrays: ModelArrays, cost: np.ndarray) -> pulp.LpProblem:
    """The model as a PuLP problem; ``prob._symnet_columns`` lists the variables in column order."""
    prob = pulp.LpProblem("symnet_allocation", pulp.LpMinimize)
    lower = [None if not math.isfinite(v) else v for v in arrays.lower.tolist()]
    upper = [None if not math.isfinite(v) else v for v in arrays.upper.tolist()]
    cats = [pulp.LpInteger if i else pulp.LpContinuous for i in arrays.integer.tolist()]
    binary = arrays.integer & (arrays.lower == 0) & (arrays.upper == 1)
    cats = [pulp.LpBinary if b else c for b, c in zip(binary.tolist(), cats)]
    variables = [
        prob.add_variable(n, lowBound=lo, upBound=up, cat=c)
        for n, lo, up, c in zip(arrays.col_names, lower, upper, cats)
    ]
    prob._symnet_columns = variables
    varr = np.empty(len(variables), dtype=object)
    varr[:] = variables
    nz = np.flatnonzero(cost)
    objective = pulp.LpAffineExpression()
    dict.update(objective, zip(varr[nz].tolist(), cost[nz].tolist()))
    prob.setObjective(objective)
    m = arrays.matrix
    indptr, indices, data = m.indptr, m.indices, m.data
    EQ, LE, GE = pulp.LpConstraintEQ, pulp.LpConstraintLE, pulp.LpConstraintGE
    for i, name in enumerate(arrays.row_names):
        a, b = indptr[i], indptr[i + 1]
        expr = pulp.LpAffineExpression()
        dict.update(expr, zip(varr[indices[a:b]].tolist(), data[a:b].tolist()))
        lo, hi = float(arrays.row_lower[i]), float(arrays.row_upper[i])
        if lo == hi:
            con = pulp.LpConstraint(expr, EQ, rhs=lo)
        elif math.isfinite(hi):
            con = pulp.LpConstraint(expr, LE, rhs=hi)
        else:
            con = pulp.LpConstraint(expr, GE, rhs=lo)
        prob.addConstraint(con, name)
    return prob


def pulp_signature(prob: pulp.LpProblem) -> tuple[int, int, int]:
    """A fingerprint of the objective and constraints, to notice a user's change."""
    return id(prob.objective), len(prob.objective or {}), len(prob._constraints)


def set_highs_options(h: Any, settings: SolverSettings) -> None:
    """Log, seed, time limit (s), relative MIP gap and restarts of a HiGHS instance."""
    # HiGHS sizes its thread pool once per process and reports an error when a later
    # model asks for another size, so `threads` is left to HiGHS (results do not
    # depend on it: the seed is fixed).
    h.setOptionValue("output_flag", bool(settings.msg))
    h.setOptionValue("random_seed", int(settings.seed))
    h.setOptionValue("time_limit", float(settings.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(settings.gap))
    # Measured on the generated national scenarios (benchmarks/README.md, "HiGHS restarts"):
    # with site binaries, no restart solved N = 250 to optimality 25-32 % faster on three
    # seeds; with trip integers only (--no-sites) restarts paid (N = 1,000: 41 s vs 52 s).
    h.setOptionValue("mip_allow_restart", bool(settings.restarts))


def solve_highs_arrays(
    arrays: ModelArrays,
    cost: np.ndarray,
    settings: SolverSettings,
    warm_start: Callable[[Deadline], Incumbent | None] | None,
    deadline: Deadline | None = None,
) -> Solution:
    """Pass the whole model to highspy at once (``passModel`` on CSC arrays) and solve it.

    ``warm_start`` (MIP only) returns a first :class:`Incumbent` (some columns or all). Everything (hand-over, warm start, solver) ends by
    ``deadline`` (default: ``settings.time_limit_s`` from now). When the solver stops without
    a solution of its own, a whole incumbent is the answer (status ``time_limit``), and its
    LP bound stands in for a missing or weaker solver bound.
    """
    deadline = deadline or Deadline(settings.time_limit_s)
    is_mip = bool(arrays.integer.any())
    t0 = time.perf_counter()
    with quiet_stdout(not settings.msg):
        h = highs_model(arrays, cost)
        set_highs_options(h, settings)
    t1 = time.perf_counter()
    start = warm_start(deadline) if warm_start is not None and is_mip else None
    proved = proved_by_start(start, settings)
    if start is not None and proved is not None:
        outcome, note = proved
        t2 = time.perf_counter()
        return Solution(outcome, start.values.copy(), handover_seconds=t1 - t0, solver_seconds=t2 - t1, note=note)
    if start is not None:
        h.setSolution(len(start.columns), start.columns, start.values)
    lower_bound = start.lower_bound if start is not None else None
    if is_mip and (lower_bound is not None or settings.gap_slack > 0):
        stop_when_proved(h, -math.inf if lower_bound is None else lower_bound, settings)
    deadline.attach(h)
    with quiet_stdout(not settings.msg):
        h.run()
    t2 = time.perf_counter()
    out = Solution(highs_status(h, is_mip, settings.time_limit_s), highs=h)
    if out.outcome[0] in ("optimal", "time_limit"):
        sol = h.getSolution()
        out.values = np.asarray(sol.col_value, dtype=float)
        if not is_mip and out.outcome[0] == "optimal":
            out.col_dual = np.asarray(sol.col_dual, dtype=float)
            out.row_dual = np.asarray(sol.row_dual, dtype=float)
    if start is not None:
        _fall_back_on(out, start, settings.time_limit_s)
    _optimal_when_proved(out, cost, settings)
    out.handover_seconds = (t1 - t0) + (time.perf_counter() - t2)
    out.solver_seconds = t2 - t1
    return out


def proved_by_start(start: Incumbent | None, settings: SolverSettings) -> tuple[Outcome, str] | None:
    """The outcome ``optimal`` and how it was proved, when a whole warm start is already
    within the gap target (:meth:`SolverSettings.within_gap`) of its own lower bound (the LP
    relaxation's objective), so the solver has nothing to prove; else None. Typical with a
    loose gap such as ``--gap 0.01``."""
    if start is None or start.objective is None or not settings.within_gap(start.objective, start.lower_bound):
        return None
    gap = relative_gap(start.objective, start.lower_bound)
    how = start.note or "the site warm start's solution, within the gap target of the LP relaxation's bound"
    return ("optimal", start.lower_bound, gap, f"optimal within gap {gap:.2%} ({how})"), how


def stop_when_proved(h: Any, lower_bound: float, settings: SolverSettings) -> None:
    """Interrupt HiGHS once its incumbent is within the gap target of the better of its own
    bound and ``lower_bound``, a bound it does not know (the warm start's LP relaxation;
    HiGHS's own bound may still be short of it while its root's LP and cuts run), or of
    ``settings.gap_slack``, which HiGHS does not know either."""

    def stop(event: Any) -> None:
        primal, own = float(event.data_out.mip_primal_bound), float(event.data_out.mip_dual_bound)
        own_gap = relative_gap(primal, own)
        if own_gap is not None and own_gap <= settings.gap:
            return  # HiGHS's own bound proves it: HiGHS stops by itself, as optimal
        if settings.within_gap(primal, max(lower_bound, own)):
            event.interrupt()

    h.cbMipInterrupt += stop


def _fall_back_on(out: Solution, start: Incumbent, time_limit_s: float) -> None:
    """Keep the warm start when the solver stopped at its limit with nothing better (or
    nothing at all), and let its LP bound stand in for a weaker solver bound."""
    status, bound, _gap, _message = out.outcome
    if status not in ("time_limit", "not_solved"):
        return
    found = float(out.highs.getInfo().objective_function_value) if out.values is not None else math.inf
    # HiGHS reports an accepted start as its own incumbent: no better than the start means the start
    if start.objective is not None and start.objective <= found + START_TIE * max(1.0, abs(found)):
        out.values = start.values.copy()
        found = start.objective
        out.note = start.note
    if not math.isfinite(found):
        return
    if start.lower_bound is not None and (bound is None or not math.isfinite(bound) or bound < start.lower_bound):
        bound = start.lower_bound
    gap = relative_gap(found, bound)
    detail = f"; {out.note}" if out.note else ""
    out.outcome = ("time_limit", bound, gap, time_limit_message(time_limit_s, gap, detail))


def _optimal_when_proved(out: Solution, cost: np.ndarray, settings: SolverSettings) -> None:
    """A solve stopped with a solution whose gap target is proved after all (by the warm
    start's LP bound or the gap slack, see :func:`stop_when_proved`) is optimal."""
    status, bound, gap, _message = out.outcome
    if status != "time_limit" or out.values is None or gap is None:
        return
    if settings.within_gap(float(cost @ out.values), bound):
        detail = f"; {out.note}" if out.note else ""
        out.outcome = (
            "optimal",
            bound,
            gap,
            f"optimal within gap {gap:.2%} (the solver stopped once it was proved){detail}",
        )


def time_limit_message(time_limit_s: float, gap: float | None, detail: str = "") -> str:
    """``time limit of X s reached; best solution within gap Y %`` (without a bound: ``no
    lower bound proven, gap unknown``), followed by ``detail`` (e.g. `` (3 independent parts)``)."""
    within = f"; best solution within gap {gap:.2%}" if gap is not None else "; no lower bound proven, gap unknown"
    return f"time limit of {time_limit_s:g} s reached{within}{detail}"


def relative_gap(objective: float, bound: float | None) -> float | None:
    """HiGHS's relative gap ``(objective - bound) / |objective|`` (None without a bound)."""
    if bound is None or not math.isfinite(bound) or not math.isfinite(objective):
        return None
    return max(objective - bound, 0.0) / max(abs(objective), 1e-9)


def _pulp_solver(settings: SolverSettings) -> Any:
    if settings.solver == "highs":
        return pulp.HiGHS(
            msg=settings.msg,
            timeLimit=settings.time_limit_s,
            gapRel=settings.gap,
            random_seed=settings.seed,
            output_flag=settings.msg,
        )
    # CBC's integer preprocessing returns a wrong "optimal" on models with general
    # integer trips (seen on tests/fixtures/tiny: 111,800 instead of 60,530, while its
    # own LP relaxation is 59,609), so it is switched off.
    return pulp.PULP_CBC_CMD(
        msg=settings.msg,
        timeLimit=settings.time_limit_s,
        gapRel=settings.gap,
        threads=settings.threads,
        options=[f"randomSeed {settings.seed + 1}", "preprocess off"],
    )


def solve_pulp(prob: pulp.LpProblem, n_rows: int, is_mip: bool, settings: SolverSettings) -> Solution:
    """Solve ``prob`` through PuLP (CBC, or HiGHS after the user changed it); ``n_rows``:
    the model's own rows, whose duals are read."""
    t0 = time.perf_counter()
    try:
        with quiet_stdout(not settings.msg):
            prob.solve(_pulp_solver(settings))
    except pulp.PulpSolverError as exc:
        return Solution(("error", None, None, f"solver error: {exc}"))
    out = Solution(("error", None, None, ""), solver_seconds=time.perf_counter() - t0)
    if settings.solver == "highs":
        out.highs = prob.solverModel
        out.outcome = highs_status(prob.solverModel, is_mip, settings.time_limit_s)
    else:
        out.outcome = cbc_status(prob, is_mip, settings.time_limit_s)
    if out.outcome[0] in ("optimal", "time_limit"):
        variables = prob._symnet_columns
        out.values = np.array([v.varValue or 0.0 for v in variables], dtype=float)
        if not is_mip and out.outcome[0] == "optimal":
            out.col_dual = np.array([v.dj if v.dj is not None else np.nan for v in variables], dtype=float)
            cons = list(prob._constraints.values())[:n_rows]
            out.row_dual = np.array([c.pi if c.pi is not None else 0.0 for c in cons], dtype=float)
    return out


def write_back(prob: pulp.LpProblem, arrays: ModelArrays, solution: Solution, status: Status | None) -> None:
    """Put the array solution into the PuLP variables (``varValue``, ``dj``) and
    constraints (``pi``, ``slack``)."""
    assert solution.values is not None
    variables = prob._symnet_columns
    dj = solution.col_dual.tolist() if solution.col_dual is not None else [None] * len(variables)
    for var, val, red in zip(variables, solution.values.tolist(), dj):
        var.varValue = val
        var.dj = red
    activity = arrays.matrix @ solution.values
    pis = solution.row_dual.tolist() if solution.row_dual is not None else [None] * len(activity)
    for con, act, pi in zip(prob._constraints.values(), activity.tolist(), pis):
        con.pi = pi
        slack = con.constant + act
        con.slack = -slack if con.sense == pulp.LpConstraintLE else slack
    statuses = {
        "optimal": (pulp.LpStatusOptimal, pulp.LpSolutionOptimal),
        "time_limit": (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible),
    }
    prob.assignStatus(*statuses.get(status or "optimal", (pulp.LpStatusOptimal, pulp.LpSolutionOptimal)))
    prob.solverModel = solution.highs


def highs_status(h: Any, is_mip: bool, time_limit_s: float) -> Outcome:
    """HiGHS's model status as (status, bound, gap, message)."""
    import highspy

    ms = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    obj = info.objective_function_value
    bound = info.mip_dual_bound if is_mip else obj
    gap = float(info.mip_gap) if is_mip else 0.0
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if ms == S.kOptimal:
        return "optimal", bound, gap, "optimal"
    if ms in (S.kInfeasible,):
        return "infeasible", None, None, "infeasible"
    if ms in (S.kUnbounded, S.kUnboundedOrInfeasible):
        return "unbounded", None, None, UNBOUNDED_MESSAGE
    if ms in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt):
        if has_solution:
            return "time_limit", bound, gap, time_limit_message(time_limit_s, gap)
        return "not_solved", None, None, f"time limit of {time_limit_s:g} s reached before any solution was found"
    return "error", None, None, f"HiGHS status: {h.modelStatusToString(ms)}"


def cbc_status(prob: pulp.LpProblem, is_mip: bool, time_limit_s: float) -> Outcome:
    """PuLP's CBC status as (status, bound, gap, message); CBC reports no MIP bound."""
    st, sol = prob.status, prob.sol_status
    if st == pulp.LpStatusInfeasible:
        return "infeasible", None, None, "infeasible"
    if st == pulp.LpStatusUnbounded:
        return "unbounded", None, None, UNBOUNDED_MESSAGE
    if st == pulp.LpStatusOptimal and sol == pulp.LpSolutionOptimal:
        obj = pulp.value(prob.objective) or 0.0
        return "optimal", (None if is_mip else obj), (None if is_mip else 0.0), "optimal"
    if sol == pulp.LpSolutionIntegerFeasible:
        return (
            "time_limit",
            None,
            None,
            f"time limit of {time_limit_s:g} s reached; CBC returned its best solution (gap not reported)",
        )
    return "not_solved", None, None, f"CBC status: {pulp.LpStatus[st]}"


def least_co2_t(arrays: ModelArrays) -> float | None:
    """Least total CO2e (t/yr) of the LP relaxation without the CO2 cap, or None."""
    import highspy

    relaxed = arrays.without_rows("co2_cap").relaxed(arrays.co2)
    with quiet_stdout(True):
        h = highs_model(relaxed, relaxed.cost)
        h.setOptionValue("output_flag", False)
        h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return float(h.getInfo().objective_function_value)
