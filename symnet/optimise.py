"""AllocationModel: the PuLP model that decides which stream goes where.

Formulation (DESIGN.md "Allocation model"); indices: actor supplies s, facility senders
(outputs, hub forwards) o, demands d, links l, periods p (weights = share of year),
site options k.

Variables
    ``x[l,p] >= 0`` flow on a link (supply units); ``u[s,p] >= 0`` supply to its current
    fate; ``b[d,p] >= 0`` conventional purchase; ``v[k,p] >= 0`` facility throughput;
    ``w[o,p] >= 0`` facility output sold outside the region (at ``sale_price``) or, for a
    hub, forwarded to the resource's default fate; ``bf[k,i,p] >= 0`` purchase of a
    facility input with ``price > 0``; binaries ``y[l]`` (links with a fixed cost or a
    minimum volume) and ``z[k]`` (site options).

Objective (currency per year)
    sum unit_cost x + fixed_cost y + disposal cost u + purchase cost b + input price bf
    + site fixed cost z + operating cost v - sale revenue w (CO2 price inside costs.py).

Constraints
    supply balance ``sum_out x + u = q_s profile_s[p]``; demand balance
    ``sum_in factor (1-loss) x + b = Q_d profile_d[p]``; facility inputs
    ``inflow_i + bf = per_unit_i v`` (optional inputs ``<=``); outputs
    ``per_unit v = sum_out x + w``; hubs ``(1-loss) inflow_r = outflow_r + w_r`` and
    ``sum inflow = v``; ``min_throughput w_p z <= v <= capacity w_p z``; one facility per
    site; at most ``max_count`` per type; ``sum_p x <= U y`` and ``sum_p x >= m y``.
    Periods are independent (heat is not stored).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pulp

from symnet import costs
from symnet.errors import SymnetError
from symnet.network import SymbiosisNetwork, build_network, facility_senders
from symnet.result import Result, Status
from symnet.scenario import Scenario, Supply

TOL = 1e-6
BIG_M_FALLBACK = 1e7  # throughput bound for uncapped facilities whose inputs can be bought
SOLVERS = ("highs", "cbc")


@dataclass
class _Data:
    """Arrays the model is built from (one row per element, in a fixed order)."""

    periods: list[str]
    weights: np.ndarray
    supplies: pd.DataFrame     # id, actor, resource, unit, quantity, profile(list), cost, co2, fate, operation
    demands: pd.DataFrame      # id, actor, resource, unit, quantity, profile, cost, co2
    options: pd.DataFrame      # option, site, facility, name, lon, lat, capacity, fixed_cost, min_throughput, operating_cost, passthrough, loss, max_count
    senders: pd.DataFrame      # sender, option, resource, per_unit, price (revenue per unit, negative = cost), co2, fate
    inputs: pd.DataFrame       # option, resource, per_unit, optional, price
    links: pd.DataFrame        # network links of the model (excluded actors removed), with U
    orphaned: list[str]


class AllocationModel:
    """Build and solve the allocation of one scenario.

    Parameters
    ----------
    scenario : Scenario
        The scenario (economics, supplies, demands, sites).
    network : SymbiosisNetwork, optional
        Candidate links; built with estimated distances when omitted.
    solver : {'highs', 'cbc'}, optional
        Default: ``scenario.config.solver.name``.
    time_limit_s, gap : float, optional
        Time limit (s) and relative MIP gap; default from ``scenario.config.solver``.
    force_open, force_closed : iterable of str
        Site option ids (``site:facility``) forced open or closed.
    excluded_actors : iterable of str
        Actors removed with their supplies, demands and links (e.g. an anchor leaving).
    co2_cap_t : float, optional
        Upper bound on total CO2e (t/yr): disposal + conventional purchases + trucks.
    fixed_binaries : dict, optional
        Link ids or option ids -> 0/1 to fix ``y``/``z``; with every binary fixed the model
        is an LP whose duals are read by :meth:`duals` and :meth:`reduced_costs`.
    threads : int, optional
        Solver threads (default ``scenario.config.solver.threads``).
    msg : bool
        Show the solver log.
    """

    def __init__(self, scenario: Scenario, network: SymbiosisNetwork | None = None, *,
                 solver: str | None = None, time_limit_s: float | None = None, gap: float | None = None,
                 force_open: Iterable[str] = (), force_closed: Iterable[str] = (),
                 excluded_actors: Iterable[str] = (), co2_cap_t: float | None = None,
                 fixed_binaries: dict[str, float] | None = None, threads: int | None = None, msg: bool = False):
        cfg = scenario.config.solver
        self.scenario = scenario
        self.network = network if network is not None else build_network(scenario)
        self.solver = (solver or cfg.name).lower()
        if self.solver not in SOLVERS:
            raise SymnetError(f"unknown solver '{solver}'; expected one of {', '.join(SOLVERS)}")
        self.time_limit_s = float(time_limit_s if time_limit_s is not None else cfg.time_limit_s)
        self.gap = float(gap if gap is not None else cfg.gap)
        self.threads = threads if threads is not None else cfg.threads
        self.seed = cfg.seed
        self.force_open = set(force_open)
        self.force_closed = set(force_closed)
        self.excluded_actors = set(excluded_actors)
        self.co2_cap_t = co2_cap_t
        self.fixed_binaries = dict(fixed_binaries or {})
        self.msg = msg
        self.prob: pulp.LpProblem | None = None
        self.build_seconds = 0.0
        self._check_options()

    # -- public -------------------------------------------------------------------
    def build(self) -> pulp.LpProblem:
        """Build the PuLP problem (timed in ``build_seconds``)."""
        t0 = time.perf_counter()
        self.data = _prepare(self.scenario, self.network, self.excluded_actors)
        self.prob = self._formulate()
        self.build_seconds = time.perf_counter() - t0
        return self.prob

    def solve(self) -> Result:
        """Solve and return a :class:`symnet.result.Result` with every table filled."""
        if self.prob is None:
            self.build()
        assert self.prob is not None
        t0 = time.perf_counter()
        status, bound, gap, message = self._run_solver()
        solve_seconds = time.perf_counter() - t0
        objective = None
        if status in ("optimal", "time_limit"):
            objective = float(pulp.value(self.prob.objective) or 0.0) + self._objective_constant
        if status == "infeasible":
            message = self.explain_infeasible()
        result = Result(scenario=self.scenario.name, status=status, solver=self.solver, objective=objective,
                         bound=bound, gap=gap, build_seconds=self.build_seconds, solve_seconds=solve_seconds,
                         message=message, currency=self.scenario.config.economics.currency, crs=self.scenario.config.crs)
        self._fill_tables(result, solved=status in ("optimal", "time_limit"))
        if result.ok:
            from symnet.kpi import compute_kpis

            result.kpis = compute_kpis(result, self.scenario)
        return result

    def duals(self) -> dict[str, float]:
        """Constraint name -> dual value (shadow price) after an LP solve (all binaries
        fixed or none present). Names: ``supply_<s>_<p>``, ``demand_<d>_<p>``, ..."""
        self._require_lp()
        assert self.prob is not None
        return {name: float(c.pi) for name, c in self.prob._constraints.items() if c.pi is not None}

    def reduced_costs(self) -> pd.DataFrame:
        """Reduced cost of each flow variable: columns ``link, period, reduced_cost``
        (currency per supply unit; > 0 means the link would raise the cost if used)."""
        self._require_lp()
        rows = [(self.data.links["link"].iat[i], p, float(var.dj) if var.dj is not None else math.nan)
                for i, row in enumerate(self._x) for p, var in zip(self.data.periods, row)]
        return pd.DataFrame(rows, columns=["link", "period", "reduced_cost"])

    # -- checks and explanations ---------------------------------------------------
    def _check_options(self) -> None:
        known = {o.option_id for o in self.scenario.sites}
        for name, ids in (("force_open", self.force_open), ("force_closed", self.force_closed)):
            unknown = sorted(ids - known)
            if unknown:
                raise SymnetError(f"{name}: unknown site option(s) {', '.join(unknown)}; expected one of "
                                  f"{', '.join(sorted(known)) or '(no sites)'}")
        both = sorted(self.force_open & self.force_closed)
        if both:
            raise SymnetError(f"site option(s) {', '.join(both)} are both forced open and forced closed")
        actors = {a.id for a in self.scenario.actors}
        unknown = sorted(self.excluded_actors - actors)
        if unknown:
            raise SymnetError(f"excluded_actors: unknown actor(s) {', '.join(unknown)}")

    def _require_lp(self) -> None:
        if self.prob is None or self.prob.status == pulp.LpStatusNotSolved:
            raise SymnetError("solve the model before reading duals")
        if self._ybin or self._zbin:
            raise SymnetError("duals need an LP: fix every binary with fixed_binaries (links and site options)")

    def explain_infeasible(self) -> str:
        """Words for why the model cannot be solved, from structural checks."""
        reasons = _structural_reasons(self)
        if not reasons:
            return "the model is infeasible; no structural reason was found (check forced options and fixed binaries)"
        return "infeasible: " + "; ".join(reasons)

    # -- formulation ---------------------------------------------------------------
    def _formulate(self) -> pulp.LpProblem:
        d = self.data
        P = len(d.periods)
        prob = pulp.LpProblem("symnet_allocation", pulp.LpMinimize)
        L = len(d.links)
        links = d.links
        # variables (names by position: fast and free of special characters)
        self._x = [[prob.add_variable(f"x_{i}_{p}", lowBound=0) for p in range(P)] for i in range(L)]
        self._u = [[prob.add_variable(f"u_{i}_{p}", lowBound=0) for p in range(P)] for i in range(len(d.supplies))]
        self._b = [[prob.add_variable(f"b_{i}_{p}", lowBound=0) for p in range(P)] for i in range(len(d.demands))]
        self._v = [[prob.add_variable(f"v_{i}_{p}", lowBound=0) for p in range(P)] for i in range(len(d.options))]
        self._w = [[prob.add_variable(f"w_{i}_{p}", lowBound=0) for p in range(P)] for i in range(len(d.senders))]
        self._bf = [[prob.add_variable(f"bf_{i}_{p}", lowBound=0) for p in range(P)] if price > 0 else None
                    for i, price in enumerate(d.inputs["price"].to_numpy())]
        self._ybin: dict[int, pulp.LpVariable] = {}
        self._yfixed: dict[int, float] = {}
        need_y = (links["fixed_cost"].to_numpy() > 0) | (links["min_volume"].to_numpy() > 0)
        for i in np.flatnonzero(need_y):
            lid = links["link"].iat[i]
            if lid in self.fixed_binaries:
                self._yfixed[int(i)] = float(self.fixed_binaries[lid])
            else:
                self._ybin[int(i)] = prob.add_variable(f"y_{i}", cat=pulp.LpBinary)
        self._zbin: dict[int, pulp.LpVariable] = {}
        self._zfixed: dict[int, float] = {}
        for k, opt in enumerate(d.options["option"]):
            if opt in self.fixed_binaries:
                self._zfixed[k] = float(self.fixed_binaries[opt])
            elif opt in self.force_open:
                self._zfixed[k] = 1.0
            elif opt in self.force_closed:
                self._zfixed[k] = 0.0
            else:
                self._zbin[k] = prob.add_variable(f"z_{k}", cat=pulp.LpBinary)
        self._objective_constant = 0.0
        prob.setObjective(self._objective())
        for name, con in self._constraints():
            prob.addConstraint(con, name)
        return prob

    def _ybar(self, i: int) -> tuple[pulp.LpVariable | None, float]:
        """(binary variable, 0) or (None, fixed value) for link i's activation."""
        if i in self._ybin:
            return self._ybin[i], 0.0
        return None, self._yfixed.get(i, 1.0)

    def _zbar(self, k: int) -> tuple[pulp.LpVariable | None, float]:
        if k in self._zbin:
            return self._zbin[k], 0.0
        return None, self._zfixed[k]

    def _objective(self) -> pulp.LpAffineExpression:
        d = self.data
        terms: list[tuple[pulp.LpVariable, float]] = []
        const = 0.0

        def add(rows: list[list[pulp.LpVariable]] | list[Any], coefs: np.ndarray) -> None:
            for row, c in zip(rows, coefs):
                if row is not None and c != 0:
                    terms.extend((var, float(c)) for var in row)

        add(self._x, d.links["unit_cost"].to_numpy())
        add(self._u, d.supplies["cost"].to_numpy())
        add(self._b, d.demands["cost"].to_numpy())
        add(self._v, d.options["operating_cost"].to_numpy())
        add(self._w, -d.senders["price"].to_numpy())
        add(self._bf, d.inputs["price"].to_numpy())
        fixed = d.links["fixed_cost"].to_numpy()
        for i, var in self._ybin.items():
            if fixed[i]:
                terms.append((var, float(fixed[i])))
        for i, val in self._yfixed.items():
            const += fixed[i] * val
        site_fixed = d.options["fixed_cost"].to_numpy()
        for k, var in self._zbin.items():
            if site_fixed[k]:
                terms.append((var, float(site_fixed[k])))
        for k, val in self._zfixed.items():
            const += site_fixed[k] * val
        self._objective_constant = const
        return pulp.LpAffineExpression(terms)

    def _constraints(self) -> Iterable[tuple[str, pulp.LpConstraint]]:
        d = self.data
        P = len(d.periods)
        links = d.links
        eff = (links["factor"] * (1.0 - links["loss"])).to_numpy()
        out_of = _group(links["src_idx"].to_numpy())
        into_demand = _group(links["dem_idx"].to_numpy())
        into_input = _group(links["inp_idx"].to_numpy())
        out_of_sender = _group(links["snd_idx"].to_numpy())
        X = self._x
        EQ, LE, GE = pulp.LpConstraintEQ, pulp.LpConstraintLE, pulp.LpConstraintGE
        E = pulp.LpAffineExpression
        C = pulp.LpConstraint

        for s, (sid, q, prof) in enumerate(zip(d.supplies["id"], d.supplies["quantity"], d.supplies["profile"])):
            idx = out_of.get(s, ())
            for p in range(P):
                terms = [(X[i][p], 1.0) for i in idx]
                terms.append((self._u[s][p], 1.0))
                yield f"supply_{s}_{p}", C(E(terms), EQ, rhs=float(q * prof[p]))
        for j, (q, prof) in enumerate(zip(d.demands["quantity"], d.demands["profile"])):
            idx = into_demand.get(j, ())
            for p in range(P):
                terms = [(X[i][p], float(eff[i])) for i in idx]
                terms.append((self._b[j][p], 1.0))
                yield f"demand_{j}_{p}", C(E(terms), EQ, rhs=float(q * prof[p]))
        yield from self._facility_constraints(eff, into_input, out_of_sender)
        yield from self._link_constraints()
        yield from self._site_constraints()
        if self.co2_cap_t is not None:
            yield "co2_cap", C(self._co2_expression(), LE, rhs=float(self.co2_cap_t))

    def _facility_constraints(self, eff: np.ndarray, into_input: dict[int, np.ndarray],
                              out_of_sender: dict[int, np.ndarray]) -> Iterable[tuple[str, pulp.LpConstraint]]:
        d = self.data
        P = len(d.periods)
        X, V, W = self._x, self._v, self._w
        E, C = pulp.LpAffineExpression, pulp.LpConstraint
        opt_index = {o: k for k, o in enumerate(d.options["option"])}
        passthrough = d.options["passthrough"].to_numpy()
        hub_loss = d.options["loss"].to_numpy()
        # inputs of converting facilities
        for r, (opt, per_unit, optional) in enumerate(zip(d.inputs["option"], d.inputs["per_unit"], d.inputs["optional"])):
            k = opt_index[opt]
            if passthrough[k]:
                continue
            idx = into_input.get(r, ())
            for p in range(P):
                terms = [(X[i][p], float(eff[i])) for i in idx]
                if self._bf[r] is not None:
                    terms.append((self._bf[r][p], 1.0))
                terms.append((V[k][p], -float(per_unit)))
                yield f"input_{r}_{p}", C(E(terms), pulp.LpConstraintLE if optional else pulp.LpConstraintEQ, rhs=0.0)
        # outputs (and hub forwards)
        inputs_of: dict[tuple[str, str], list[int]] = defaultdict(list)
        for r, (opt, res) in enumerate(zip(d.inputs["option"], d.inputs["resource"])):
            inputs_of[(opt, res)].append(r)
        for o, (opt, res, per_unit) in enumerate(zip(d.senders["option"], d.senders["resource"], d.senders["per_unit"])):
            k = opt_index[opt]
            idx = out_of_sender.get(o, ())
            in_idx = [i for r in inputs_of[(opt, res)] for i in into_input.get(r, ())] if passthrough[k] else []
            for p in range(P):
                terms = [(X[i][p], 1.0) for i in idx]
                terms.append((W[o][p], 1.0))
                if passthrough[k]:
                    terms += [(X[i][p], -float(eff[i]) * (1.0 - hub_loss[k])) for i in in_idx]
                else:
                    terms.append((V[k][p], -float(per_unit)))
                yield f"output_{o}_{p}", C(E(terms), pulp.LpConstraintEQ, rhs=0.0)
        # hub throughput = sum of inflows
        for k in np.flatnonzero(passthrough):
            opt = d.options["option"].iat[k]
            rows = [r for r, o in enumerate(d.inputs["option"]) if o == opt]
            idx = sorted({int(i) for r in rows for i in into_input.get(r, ())})
            for p in range(P):
                terms = [(X[i][p], float(eff[i])) for i in idx]
                terms.append((V[k][p], -1.0))
                yield f"hub_{k}_{p}", C(E(terms), pulp.LpConstraintEQ, rhs=0.0)

    def _link_constraints(self) -> Iterable[tuple[str, pulp.LpConstraint]]:
        d = self.data
        upper = d.links["U"].to_numpy()
        min_vol = d.links["min_volume"].to_numpy()
        E, C = pulp.LpAffineExpression, pulp.LpConstraint
        for i in sorted(set(self._ybin) | set(self._yfixed)):
            y, yval = self._ybar(i)
            terms = [(var, 1.0) for var in self._x[i]]
            cap = float(upper[i])
            if y is None:
                rhs_hi = cap * yval
                yield f"link_max_{i}", C(E(terms), pulp.LpConstraintLE, rhs=rhs_hi)
                if min_vol[i] > 0 and yval > 0:
                    yield f"link_min_{i}", C(E(terms), pulp.LpConstraintGE, rhs=float(min_vol[i] * yval))
                continue
            if min_vol[i] > cap:  # can never reach its minimum volume
                y.upBound = 0
            yield f"link_max_{i}", C(E(terms + [(y, -cap)]), pulp.LpConstraintLE, rhs=0.0)
            if min_vol[i] > 0:
                yield f"link_min_{i}", C(E(terms + [(y, -float(min_vol[i]))]), pulp.LpConstraintGE, rhs=0.0)

    def _site_constraints(self) -> Iterable[tuple[str, pulp.LpConstraint]]:
        d = self.data
        weights = d.weights
        E, C = pulp.LpAffineExpression, pulp.LpConstraint
        for k, (cap, bound, mint) in enumerate(zip(d.options["capacity"], d.options["bound"], d.options["min_throughput"])):
            z, zval = self._zbar(k)
            for p, wp in enumerate(weights):
                hi = float(cap * wp) if math.isfinite(cap) else float(bound)
                if z is None:
                    yield f"cap_{k}_{p}", C(E([(self._v[k][p], 1.0)]), pulp.LpConstraintLE, rhs=hi * zval)
                    if mint > 0:
                        yield f"min_{k}_{p}", C(E([(self._v[k][p], 1.0)]), pulp.LpConstraintGE, rhs=float(mint * wp * zval))
                else:
                    yield f"cap_{k}_{p}", C(E([(self._v[k][p], 1.0), (z, -hi)]), pulp.LpConstraintLE, rhs=0.0)
                    if mint > 0:
                        yield f"min_{k}_{p}", C(E([(self._v[k][p], 1.0), (z, -float(mint * wp))]), pulp.LpConstraintGE, rhs=0.0)
        for name, group in _groups(d.options, "site"):
            yield from self._at_most(f"site_{name}", group, 1)
        for fac, group in _groups(d.options, "facility"):
            limit = d.options["max_count"].iat[group[0]]
            if limit is not None and not pd.isna(limit):
                yield from self._at_most(f"count_{fac}", group, int(limit))

    def _at_most(self, name: str, group: list[int], limit: int) -> Iterable[tuple[str, pulp.LpConstraint]]:
        if len(group) <= limit:
            return
        terms, fixed = [], 0.0
        for k in group:
            z, val = self._zbar(k)
            if z is None:
                fixed += val
            else:
                terms.append((z, 1.0))
        yield _safe_name(name), pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE, rhs=limit - fixed)

    def _co2_expression(self) -> pulp.LpAffineExpression:
        d = self.data
        terms: list[tuple[pulp.LpVariable, float]] = []
        for rows, coefs in ((self._x, d.links["co2e_t_per_unit"].to_numpy()), (self._u, d.supplies["co2"].to_numpy()),
                            (self._b, d.demands["co2"].to_numpy()), (self._w, d.senders["co2"].to_numpy())):
            for row, c in zip(rows, coefs):
                if c:
                    terms.extend((var, float(c)) for var in row)
        return pulp.LpAffineExpression(terms)

    # -- solving ------------------------------------------------------------------
    def _run_solver(self) -> tuple[Status, float | None, float | None, str]:
        assert self.prob is not None
        is_mip = bool(self._ybin or self._zbin)
        if self.solver == "highs":
            if not pulp.HiGHS().available():
                raise SymnetError("HiGHS is not available (pip install highspy); use --solver cbc")
            # HiGHS sizes its thread pool once per process and reports an error when a later
            # model asks for another size, so `threads` is left to HiGHS (results do not
            # depend on it: the seed is fixed).
            opts: dict[str, Any] = {"random_seed": self.seed, "output_flag": self.msg}
            solver = pulp.HiGHS(msg=self.msg, timeLimit=self.time_limit_s, gapRel=self.gap, **opts)
        else:
            solver = pulp.PULP_CBC_CMD(msg=self.msg, timeLimit=self.time_limit_s, gapRel=self.gap,
                                       threads=self.threads, options=[f"randomSeed {self.seed + 1}"])
        try:
            with _quiet_stdout(not self.msg):
                self.prob.solve(solver)
        except pulp.PulpSolverError as exc:
            return "error", None, None, f"solver error: {exc}"
        if self.solver == "highs":
            return self._highs_status(is_mip)
        return self._cbc_status(is_mip)

    def _highs_status(self, is_mip: bool) -> tuple[Status, float | None, float | None, str]:
        import highspy

        assert self.prob is not None
        h = self.prob.solverModel
        ms = h.getModelStatus()
        info = h.getInfo()
        S = highspy.HighsModelStatus
        obj = info.objective_function_value + self._objective_constant
        bound = (info.mip_dual_bound + self._objective_constant) if is_mip else obj
        gap = float(info.mip_gap) if is_mip else 0.0
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if ms == S.kOptimal:
            return "optimal", bound, gap, "optimal"
        if ms in (S.kInfeasible,):
            return "infeasible", None, None, "infeasible"
        if ms in (S.kUnbounded, S.kUnboundedOrInfeasible):
            return "unbounded", None, None, "unbounded: some cost can decrease without limit (check negative prices and gate fees)"
        if ms in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt):
            if has_solution:
                return "time_limit", bound, gap, f"time limit of {self.time_limit_s:g} s reached; best solution within gap {gap:.2%}"
            return "not_solved", None, None, f"time limit of {self.time_limit_s:g} s reached before any solution was found"
        return "error", None, None, f"HiGHS status: {h.modelStatusToString(ms)}"

    def _cbc_status(self, is_mip: bool) -> tuple[Status, float | None, float | None, str]:
        assert self.prob is not None
        st, sol = self.prob.status, self.prob.sol_status
        if st == pulp.LpStatusInfeasible:
            return "infeasible", None, None, "infeasible"
        if st == pulp.LpStatusUnbounded:
            return "unbounded", None, None, "unbounded: some cost can decrease without limit (check negative prices and gate fees)"
        if st == pulp.LpStatusOptimal and sol == pulp.LpSolutionOptimal:
            obj = (pulp.value(self.prob.objective) or 0.0) + self._objective_constant
            return "optimal", (None if is_mip else obj), (None if is_mip else 0.0), "optimal"
        if sol == pulp.LpSolutionIntegerFeasible:
            return "time_limit", None, None, f"time limit of {self.time_limit_s:g} s reached; CBC returned its best solution (gap not reported)"
        return "not_solved", None, None, f"CBC status: {pulp.LpStatus[st]}"

    # -- result tables --------------------------------------------------------------
    def _fill_tables(self, result: Result, solved: bool) -> None:
        from symnet.optimise_tables import fill_tables

        fill_tables(self, result, solved)


# ---------------------------------------------------------------------------------------
# data preparation
# ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def _quiet_stdout(active: bool) -> Iterator[None]:
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


def _group(codes: np.ndarray) -> dict[int, np.ndarray]:
    """Positions grouped by a non-negative integer code (-1 = none)."""
    mask = codes >= 0
    if not mask.any():
        return {}
    pos = np.flatnonzero(mask)
    s = pd.Series(pos).groupby(codes[mask]).indices
    return {int(k): pos[v] for k, v in s.items()}


def _groups(df: pd.DataFrame, column: str) -> list[tuple[str, list[int]]]:
    if df.empty:
        return []
    return [(str(k), list(v)) for k, v in pd.Series(range(len(df))).groupby(df[column].to_numpy()).groups.items()]


def _safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)


def hub_supply(scenario: Scenario, option: str, resource: str) -> Supply:
    """A synthetic supply for a hub forward, so that its fate is costed by costs.py."""
    res = scenario.catalogue.resources.get(resource)
    fate = res.default_fate if res is not None else "none"
    return Supply(id=f"{option}>{resource}", actor=option, resource=resource, quantity=0.0,
                  unit=res.unit if res is not None else "t", profile=[w.weight for w in scenario.periods],
                  current_fate=fate, fate_cost=scenario.catalogue.fates[fate].cost)


def _prepare(scenario: Scenario, network: SymbiosisNetwork, excluded_actors: set[str]) -> _Data:
    periods = [p.id for p in scenario.periods]
    weights = np.array([p.weight for p in scenario.periods])
    fates = scenario.catalogue.fates
    supplies = pd.DataFrame([{
        "id": s.id, "actor": s.actor, "resource": s.resource, "unit": s.unit, "quantity": s.quantity,
        "profile": list(s.profile), "cost": costs.disposal_unit_cost(scenario, s),
        "co2": costs.disposal_co2e_t_per_unit(scenario, s), "fate": s.current_fate,
        "operation": fates[s.current_fate].operation or "", "ewc": s.ewc or "",
    } for s in scenario.supplies if s.actor not in excluded_actors],
        columns=["id", "actor", "resource", "unit", "quantity", "profile", "cost", "co2", "fate", "operation", "ewc"])
    demands = pd.DataFrame([{
        "id": d.id, "actor": d.actor, "resource": d.resource, "unit": d.unit, "quantity": d.quantity,
        "profile": list(d.profile), "cost": costs.purchase_unit_cost(scenario, d),
        "co2": costs.purchase_co2e_t_per_unit(scenario, d),
    } for d in scenario.demands if d.actor not in excluded_actors],
        columns=["id", "actor", "resource", "unit", "quantity", "profile", "cost", "co2"])
    opt_rows, inp_rows = [], []
    for o in scenario.sites:
        fac = scenario.facility(o)
        opt_rows.append({
            "option": o.option_id, "site": o.site, "facility": o.facility, "name": o.name, "lon": o.lon, "lat": o.lat,
            "capacity": o.capacity if o.capacity is not None else fac.capacity,
            "fixed_cost": o.fixed_cost if o.fixed_cost is not None else fac.fixed_cost,
            "min_throughput": fac.min_throughput, "operating_cost": fac.operating_cost,
            "passthrough": fac.passthrough, "loss": fac.loss if fac.passthrough else 0.0, "max_count": fac.max_count,
        })
        for inp in fac.inputs:
            inp_rows.append({"option": o.option_id, "resource": inp.resource, "per_unit": inp.per_unit,
                             "optional": inp.optional, "price": inp.price})
    options = pd.DataFrame(opt_rows, columns=["option", "site", "facility", "name", "lon", "lat", "capacity", "fixed_cost",
                                              "min_throughput", "operating_cost", "passthrough", "loss", "max_count"])
    inputs = pd.DataFrame(inp_rows, columns=["option", "resource", "per_unit", "optional", "price"])
    snd_rows = []
    for sid, opt, res, _temp in facility_senders(scenario):
        fac = scenario.config.facilities[opt.split(":", 1)[1]]
        if fac.passthrough:
            hs = hub_supply(scenario, opt, res)
            price = -costs.disposal_unit_cost(scenario, hs)
            co2 = costs.disposal_co2e_t_per_unit(scenario, hs)
            snd_rows.append((sid, opt, res, 1.0, price, co2, hs.current_fate))
        else:
            out = next(p for p in fac.outputs if p.resource == res)
            snd_rows.append((sid, opt, res, out.per_unit, out.sale_price, 0.0, "sale"))
    senders = pd.DataFrame(snd_rows, columns=["sender", "option", "resource", "per_unit", "price", "co2", "fate"])

    links = network.links
    keep = ~(links["supplier_actor"].isin(excluded_actors) | links["receiver_actor"].isin(excluded_actors))
    links = links.loc[keep.to_numpy()].reset_index(drop=True)
    orphaned = _orphaned(network.links, links, excluded_actors)
    links = _index_links(links, supplies, demands, inputs, senders)
    links = links.loc[(links["src_idx"] >= 0) | (links["snd_idx"] >= 0)].reset_index(drop=True)
    options["bound"] = _throughput_bounds(links, options, inputs, senders, supplies, demands)
    links["U"] = _link_bounds(links, supplies, demands, senders, options)
    return _Data(periods, weights, supplies, demands, options, senders, inputs, links, orphaned)


def _orphaned(all_links: pd.DataFrame, kept: pd.DataFrame, excluded: set[str]) -> list[str]:
    """Supplies/demands of remaining actors that had candidate links but lost all of them."""
    if not excluded:
        return []
    before = set(all_links["supply"]) | set(all_links["target"])
    after = set(kept["supply"]) | set(kept["target"])
    gone = all_links.loc[all_links["supplier_actor"].isin(excluded), "supply"].tolist() + \
        all_links.loc[all_links["receiver_actor"].isin(excluded), "target"].tolist()
    return sorted(before - after - set(gone))


def _index_links(links: pd.DataFrame, supplies: pd.DataFrame, demands: pd.DataFrame, inputs: pd.DataFrame,
                 senders: pd.DataFrame) -> pd.DataFrame:
    def code(values: pd.Series, keys: pd.Series) -> np.ndarray:
        mapping = pd.Series(np.arange(len(keys)), index=pd.Index(keys))
        return values.map(mapping).fillna(-1).to_numpy(dtype=int)

    inp_key = inputs["option"] + "#" + inputs["resource"]
    fac_target = links["target_kind"] == "facility"
    return links.assign(
        src_idx=code(links["supply"], supplies["id"]),
        snd_idx=code(links["supply"], senders["sender"]),
        dem_idx=np.where(fac_target, -1, code(links["target"], demands["id"])),
        inp_idx=np.where(fac_target, code(links["target"] + "#" + links["target_resource"], inp_key), -1),
    ).pipe(lambda df: df.loc[(df["dem_idx"] >= 0) | (df["inp_idx"] >= 0)].reset_index(drop=True))


def _throughput_bounds(links: pd.DataFrame, options: pd.DataFrame, inputs: pd.DataFrame, senders: pd.DataFrame,
                       supplies: pd.DataFrame, demands: pd.DataFrame) -> np.ndarray:
    """Annual throughput bound per option: its capacity, else what its inputs can reach
    (iterated for chains), else :data:`BIG_M_FALLBACK`."""
    cap = options["capacity"].to_numpy(dtype=float)
    bound = np.where(np.isfinite(cap), cap, np.inf)
    eff = (links["factor"] * (1 - links["loss"])).to_numpy()
    q = supplies["quantity"].to_numpy()
    snd_opt = senders["option"].tolist()
    snd_per = senders["per_unit"].to_numpy()
    opt_pos = {o: k for k, o in enumerate(options["option"])}
    for _ in range(3):
        link_up = np.where(links["src_idx"] >= 0, q[links["src_idx"].clip(lower=0)], np.inf)
        has_snd = links["snd_idx"].to_numpy() >= 0
        for i in np.flatnonzero(has_snd):
            o = links["snd_idx"].iat[i]
            link_up[i] = bound[opt_pos[snd_opt[o]]] * snd_per[o]
        for k in np.flatnonzero(~np.isfinite(cap)):
            opt = options["option"].iat[k]
            reach = []
            for r in np.flatnonzero((inputs["option"] == opt).to_numpy()):
                if inputs["optional"].iat[r] and not options["passthrough"].iat[k]:
                    continue
                if inputs["price"].iat[r] > 0:
                    reach.append(np.inf)
                    continue
                m = (links["inp_idx"] == r).to_numpy()
                reach.append(float((link_up[m] * eff[m]).sum()) / inputs["per_unit"].iat[r])
            if not reach:
                bound[k] = np.inf
            elif options["passthrough"].iat[k]:
                bound[k] = sum(reach)
            else:
                bound[k] = min(reach)
    return np.where(np.isfinite(bound), bound, BIG_M_FALLBACK)


def _link_bounds(links: pd.DataFrame, supplies: pd.DataFrame, demands: pd.DataFrame, senders: pd.DataFrame,
                 options: pd.DataFrame) -> np.ndarray:
    """Annual flow bound per link (supply units), for the activation constraint."""
    q = supplies["quantity"].to_numpy()
    qd = demands["quantity"].to_numpy()
    opt_bound = dict(zip(options["option"], options["bound"]))
    snd_up = np.array([opt_bound[o] * pu for o, pu in zip(senders["option"], senders["per_unit"])]) if len(senders) else np.zeros(0)
    src = links["src_idx"].to_numpy()
    snd = links["snd_idx"].to_numpy()
    up = np.where(src >= 0, q[np.clip(src, 0, None)] if len(q) else np.inf,
                  snd_up[np.clip(snd, 0, None)] if len(snd_up) else np.inf)
    dem = links["dem_idx"].to_numpy()
    eff = (links["factor"] * (1 - links["loss"])).to_numpy()
    dem_up = np.where(dem >= 0, (qd[np.clip(dem, 0, None)] if len(qd) else np.inf) / np.maximum(eff, 1e-12), np.inf)
    return np.minimum(up, dem_up)


def optimise(scenario: Scenario, network: SymbiosisNetwork | None = None, **options: Any) -> Result:
    """Build and solve the allocation model; see :class:`AllocationModel` for options."""
    return AllocationModel(scenario, network, **options).solve()


def _structural_reasons(model: AllocationModel) -> list[str]:
    from symnet.optimise_tables import structural_reasons

    return structural_reasons(model)
