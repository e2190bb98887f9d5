"""AllocationModel: the PuLP/HiGHS model that decides which stream goes where.

Orchestration only: :mod:`~symnet.optimise.data` (scenario -> model tables),
:mod:`~symnet.optimise.variables`, :mod:`~symnet.optimise.constraints` (one function per
constraint family), :mod:`~symnet.optimise.objective`, :mod:`~symnet.optimise.solve`,
:mod:`~symnet.optimise.warmstart`, :mod:`~symnet.optimise.diagnose` and
:mod:`~symnet.optimise.solution` (result tables). See :mod:`symnet.optimise` for the
formulation.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd
import pulp

from symnet import costs
from symnet.errors import SymnetError
from symnet.existing import existing_link_ids
from symnet.kpi import compute_kpis
from symnet.network import SymbiosisNetwork, build_network
from symnet.optimise.arrays import TOL, ArrayBuilder, ModelArrays
from symnet.optimise.constraints import add_constraints, co2_cap
from symnet.optimise.data import prepare
from symnet.optimise.decompose import AUTO_MIN_COLUMNS, Part, solve_parts, split
from symnet.optimise.diagnose import structural_reasons
from symnet.optimise.objective import OBJECTIVES, objective_vector
from symnet.optimise.prune import dominated_links, drop_links
from symnet.optimise.restrict import RESTRICT_FROM_COLUMNS, LinkColumns, link_columns, solve_priced_or_whole
from symnet.optimise.solution import fill_tables
from symnet.optimise.solve import (
    SOLVERS,
    Deadline,
    Incumbent,
    Solution,
    SolverSettings,
    pulp_signature,
    solve_pulp,
    to_pulp,
)
from symnet.optimise.solve import (
    least_co2_t as lp_least_co2_t,
)
from symnet.optimise.solve import (
    write_back as write_solution_back,
)
from symnet.optimise.variables import add_variables, mark_trip_links, site_values
from symnet.optimise.warmstart import site_warm_start
from symnet.parallel import check_workers
from symnet.result import Result, Status
from symnet.scenario import Scenario

READ_BACK_S_PER_COLUMN = 2e-5
"""Seconds per model column kept out of the solver's share of the time limit (reading back)."""


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
        Actors removed with their supplies, demands and links (e.g. an anchor leaving);
        the KPIs' baseline leaves them out too.
    co2_cap_t : float, optional
        Upper bound on total CO2e (t/yr): disposal + conventional purchases + trucks.
    max_open : int, optional
        At most this many site options open in total (forced ones included).
    objective : {'cost', 'co2'}
        Minimise total cost (currency/yr, default) or total CO2e (t/yr). With 'co2',
        ``Result.objective`` is in t CO2e/yr and the KPIs' ``total_cost`` is the cost of
        that allocation.
    fixed_binaries : dict, optional
        Link ids or option ids -> 0/1 to fix ``y``/``z``. Given (even empty), trips are
        continuous (full loads), so with every binary fixed the model is an LP whose duals are
        read by
        :meth:`duals`, :meth:`reduced_costs` and :meth:`link_duals`.
    threads : int, optional
        Solver threads for CBC (default ``scenario.config.solver.threads``).
    msg : bool
        Show the solver log.
    warm_start : bool
        With HiGHS and free site binaries, start from a site choice found by rounding the
        LP relaxation and a short local search (:func:`~symnet.optimise.warmstart.site_warm_start`, at most
        :data:`~symnet.optimise.warmstart.WARM_START_SHARE` of the time limit, counted in it).
    decompose : bool, optional
        Solve the model's independent parts one by one (HiGHS; exact, see
        :mod:`~symnet.optimise.decompose`). Default: when the model has at least
        :data:`~symnet.optimise.decompose.AUTO_MIN_COLUMNS` columns; ``parts`` tells how many
        there were.
    prune : bool, optional
        Leave out the links no optimum needs (dominated by the supply's fate plus the
        receiver's purchase; exact, see :mod:`~symnet.optimise.prune`), counted in
        ``pruned_links``. Default: when the model has at least
        :data:`~symnet.optimise.decompose.AUTO_MIN_COLUMNS` flow columns. Never in LP mode
        or with individually rational participation; existing exchanges are kept.
    restrict : bool, optional
        Solve a MIP first on the links that matter, chosen by link pricing, then the whole
        model from that solution (:mod:`~symnet.optimise.restrict`; HiGHS, one part, not in
        LP mode). The bound stays one of the whole model. Default: from
        :data:`~symnet.optimise.restrict.RESTRICT_FROM_COLUMNS` columns.
    workers, scheduler : optional
        Where the parts of a decomposed model are solved: ``workers=1`` (default) in this
        process one after the other; ``workers=N`` (None: one per CPU) as Dask tasks on a
        LocalCluster of N processes; ``scheduler='tcp://HOST:PORT'`` on an existing Dask
        cluster (see :func:`~symnet.optimise.decompose.solve_parts`). A model solved inside
        a Dask task (sweeps, site comparisons) always solves its parts in-process.

    The whole solve (warm start, solver, reading back) ends within ``time_limit_s``.

    Attributes
    ----------
    links : DataFrame
        The model's links in model order (see :attr:`links`).
    prob : pulp.LpProblem
        The model as a PuLP problem (built on first access).
    """

    def __init__(
        self,
        scenario: Scenario,
        network: SymbiosisNetwork | None = None,
        *,
        solver: str | None = None,
        time_limit_s: float | None = None,
        gap: float | None = None,
        force_open: Iterable[str] = (),
        force_closed: Iterable[str] = (),
        excluded_actors: Iterable[str] = (),
        co2_cap_t: float | None = None,
        max_open: int | None = None,
        objective: Literal["cost", "co2"] = "cost",
        fixed_binaries: dict[str, float] | None = None,
        threads: int | None = None,
        msg: bool = False,
        warm_start: bool = True,
        decompose: bool | None = None,
        workers: int | None = 1,
        scheduler: str | None = None,
        prune: bool | None = None,
        restrict: bool | None = None,
    ):
        cfg = scenario.config.solver
        self.scenario = scenario
        self.network = network if network is not None else build_network(scenario)
        self.solver = (solver or cfg.name).lower()
        if self.solver not in SOLVERS:
            raise SymnetError(f"unknown solver '{solver}'; expected one of {', '.join(SOLVERS)}")
        if objective not in OBJECTIVES:
            raise SymnetError(f"unknown objective '{objective}'; expected one of {', '.join(OBJECTIVES)}")
        if max_open is not None and (int(max_open) != max_open or max_open < 0):
            raise SymnetError(f"max_open: got {max_open}; expected a whole number >= 0")
        self.time_limit_s = float(time_limit_s if time_limit_s is not None else cfg.time_limit_s)
        self.gap = float(gap if gap is not None else cfg.gap)
        self.threads = threads if threads is not None else cfg.threads
        self.seed = cfg.seed
        self.force_open = set(force_open)
        self.force_closed = set(force_closed)
        self.excluded_actors = set(excluded_actors)
        self.co2_cap_t = co2_cap_t
        self.max_open = None if max_open is None else int(max_open)
        self.objective = objective
        self.fixed_binaries = dict(fixed_binaries or {})
        self.lp_mode = fixed_binaries is not None
        self.msg = msg
        self.warm_start = warm_start
        self.decompose = decompose
        check_workers(workers)
        self.workers = workers
        self.scheduler = scheduler
        self.prune = prune
        self.restrict = restrict
        self.pruned_links = 0
        self.parts = 1
        self.build_seconds = 0.0
        self.handover_seconds = 0.0
        self.solver_seconds = 0.0
        self.arrays: ModelArrays | None = None
        self._prob: pulp.LpProblem | None = None
        self._prob_signature: tuple[int, int, int] | None = None
        self._sol: np.ndarray | None = None
        self._col_dual: np.ndarray | None = None
        self._row_dual: np.ndarray | None = None
        self._highs: Any = None
        self._status: Status | None = None
        self._deadline = Deadline(self.time_limit_s)
        self._check_options()

    # -- public -------------------------------------------------------------------
    def build(self) -> AllocationModel:
        """Build the model as arrays (timed in ``build_seconds``); returns ``self``."""
        t0 = time.perf_counter()
        self.data = prepare(self.scenario, self.network, self.excluded_actors)
        self._prune()
        self.arrays = self._formulate()
        self._prob = None
        self.build_seconds = time.perf_counter() - t0
        return self

    @property
    def prob(self) -> pulp.LpProblem:
        """The model as a PuLP problem (variables ``x_l_p, u_s_p, b_d_p, v_k_p, w_o_p,
        bf_i_p, n_l, y_l, z_k``; constraint names as in the module doc). Built from the
        arrays on first access. Changing it (objective, constraints) makes :meth:`solve`
        use PuLP's solver interface on it."""
        if self.arrays is None:
            self.build()
        assert self.arrays is not None
        if self._prob is None:
            self._prob = to_pulp(self.arrays, self.objective_vector())
            self._prob_signature = pulp_signature(self._prob)
            if self._sol is not None:
                self._write_back()
        return self._prob

    @property
    def links(self) -> pd.DataFrame:
        """The model's links in model order (the network's links less those of excluded
        actors or without a receiver), with ``U`` (largest possible annual flow, supply
        units), ``integer_trips`` (bool), ``trip_bound`` (most trips a year) and ``activation``
        (bool: the link has a binary ``y``, i.e. a fixed cost or a minimum volume). Row ``i``
        is the link of flow variables ``x_i_p`` and of the rows ``link_max_i``,
        ``link_min_i`` and ``trips_i``."""
        if self.arrays is None:
            self.build()
        return self.data.links

    @property
    def site_binaries(self) -> dict[str, bool]:
        """Site option id -> True when the optimiser chooses it (False: forced or fixed)."""
        if self.arrays is None:
            self.build()
        return {opt: bool(k in self._zbin) for k, opt in enumerate(self.data.options["option"])}

    def objective_vector(self) -> np.ndarray:
        """Objective coefficient per column: cost (currency) or CO2e (t), as chosen."""
        assert self.arrays is not None
        return objective_vector(self.arrays, self.objective)

    def solve(self) -> Result:
        """Solve and return a :class:`symnet.result.Result` with every table filled.

        ``Result.build_seconds`` is the array build (plus the PuLP problem when it was
        built); ``Result.solve_seconds`` = hand-over to the solver + solver run + reading
        the solution back (``handover_seconds`` and ``solver_seconds`` hold the parts).
        """
        if self.arrays is None:
            self.build()
        t0 = time.perf_counter()
        self._deadline = Deadline(self.time_limit_s - self._reading_reserve_s())
        status, bound, gap, message = self._run_solver()
        solve_seconds = time.perf_counter() - t0
        self._status = status
        solved = status in ("optimal", "time_limit") and self._sol is not None
        objective = float(self.objective_vector() @ self._sol) if solved else None
        if status == "infeasible":
            message = self.explain_infeasible()
        result = Result(
            scenario=self.scenario.name,
            status=status,
            solver=self.solver,
            objective=objective,
            bound=bound,
            gap=gap,
            build_seconds=self.build_seconds,
            solve_seconds=solve_seconds,
            message=message,
            currency=self.scenario.config.economics.currency,
            crs=self.scenario.config.crs,
        )
        fill_tables(self, result, solved=solved)
        if result.ok:
            assert self.arrays is not None
            total_cost = float(self.arrays.cost @ self._sol) if solved else None
            result.kpis = compute_kpis(
                result, self.scenario, excluded_actors=self.excluded_actors, total_cost=total_cost
            )
        return result

    def _reading_reserve_s(self) -> float:
        """Seconds of the time limit kept for reading the answer back (tables, KPIs): 2e-5 s
        per column (3 s for 150,000 columns), at most a fifth of the limit."""
        assert self.arrays is not None
        return min(READ_BACK_S_PER_COLUMN * len(self.arrays.cost), 0.2 * self.time_limit_s)

    def values(self, block: str) -> np.ndarray:
        """Solution values of one variable block (``'x'``: links x periods, ``'u'``, ``'b'``,
        ``'v'``, ``'w'``, ``'bf'``, ``'n'``, ``'y'``, ``'z'``); zeros before a solution."""
        assert self.arrays is not None
        idx = self.arrays.blocks[block]
        if self._sol is None:
            return np.zeros(idx.shape)
        out = self._sol[idx]
        return np.where(np.abs(out) < TOL, 0.0, out)

    def duals(self) -> dict[str, float]:
        """Constraint name -> dual value (shadow price) after an LP solve (all binaries
        fixed or none present). Names: ``supply_<s>_<p>``, ``demand_<d>_<p>``, ..."""
        self._require_lp()
        assert self.arrays is not None and self._row_dual is not None
        return dict(zip(self.arrays.row_names, self._row_dual.tolist()))

    def reduced_costs(self) -> pd.DataFrame:
        """Reduced cost of each flow variable: columns ``link, period, reduced_cost``
        (currency per supply unit; > 0 means the link would raise the cost if used)."""
        self._require_lp()
        assert self.arrays is not None and self._col_dual is not None
        idx = self.arrays.blocks["x"]
        L, P = idx.shape
        return pd.DataFrame(
            {
                "link": np.repeat(self.data.links["link"].to_numpy(), P),
                "period": np.tile(np.array(self.data.periods, dtype=object), L),
                "reduced_cost": self._col_dual[idx].ravel(),
            }
        )

    def link_duals(self) -> pd.DataFrame:
        """Per link (model order), the duals of its own rows after an LP solve: columns
        ``link, max_dual`` (row ``sum_p x <= U y``), ``min_dual`` (``sum_p x >= m y``) and
        ``trips_dual`` (``units_per_trip n >= sum_p x``); 0 where the link has no such row.
        A link's pricing without its own activation rows is ``reduced_cost + max_dual +
        min_dual`` (see :func:`symnet.planning.link_gaps`)."""
        self._require_lp()
        assert self.arrays is not None and self._row_dual is not None
        L = len(self.data.links)
        out = {}
        for kind in ("max", "min", "trips"):
            col = np.zeros(L)
            rows = self._link_rows.get(kind)
            if rows is not None:
                col[rows[0]] = self._row_dual[rows[1]]
            out[f"{kind}_dual"] = col
        return pd.DataFrame({"link": self.data.links["link"].to_numpy(), **out})

    # -- checks and explanations ---------------------------------------------------
    def _check_options(self) -> None:
        known = {o.option_id for o in self.scenario.sites}
        for name, ids in (("force_open", self.force_open), ("force_closed", self.force_closed)):
            unknown = sorted(ids - known)
            if unknown:
                raise SymnetError(
                    f"{name}: unknown site option(s) {', '.join(unknown)}; expected one of "
                    f"{', '.join(sorted(known)) or '(no sites)'}"
                )
        both = sorted(self.force_open & self.force_closed)
        if both:
            raise SymnetError(f"site option(s) {', '.join(both)} are both forced open and forced closed")
        actors = {a.id for a in self.scenario.actors}
        unknown = sorted(self.excluded_actors - actors)
        if unknown:
            raise SymnetError(f"excluded_actors: unknown actor(s) {', '.join(unknown)}")

    def _require_lp(self) -> None:
        if self.arrays is None or self._status is None:
            raise SymnetError("solve the model before reading duals")
        if self.arrays.integer.any():
            raise SymnetError("duals need an LP: fix every binary with fixed_binaries (links and site options)")
        if self._row_dual is None:
            raise SymnetError("no duals: the model was not solved to optimality")

    def explain_infeasible(self) -> str:
        """Words for why the model cannot be solved, from structural checks."""
        reasons = structural_reasons(self)
        if not reasons:
            return "the model is infeasible; no structural reason was found (check forced options and fixed binaries)"
        return "infeasible: " + "; ".join(reasons)

    # -- formulation ---------------------------------------------------------------
    def _prune(self) -> None:
        """Drop the dominated links (:mod:`~symnet.optimise.prune`) when pruning; count them."""
        d = self.data
        wanted = self.prune if self.prune is not None else len(d.links) * len(d.periods) >= AUTO_MIN_COLUMNS
        allowed = not self.lp_mode and self.scenario.config.economics.participation != "individually_rational"
        if not (wanted and allowed):
            self.pruned_links = 0
            return
        dominated = dominated_links(d, self.objective, self.co2_cap_t is not None, self._kept_link_ids())
        self.pruned_links = int(dominated.sum())
        self.data = drop_links(d, dominated)

    def _kept_link_ids(self) -> frozenset[str]:
        """Links never left out of the model: fixed binaries and existing exchanges."""
        return frozenset(self.fixed_binaries) | frozenset(existing_link_ids(self.scenario))

    def _formulate(self) -> ModelArrays:
        """Columns (:mod:`~symnet.optimise.variables`), then rows
        (:mod:`~symnet.optimise.constraints`), then the CO2 cap."""
        d = self.data
        economics = self.scenario.config.economics
        per_trip = d.links["units_per_trip"].to_numpy(dtype=float)
        below = np.where(
            per_trip > 0, costs.integer_trips_below_t(self.scenario) * per_trip / economics.road.payload_t, 0.0
        )
        mark_trip_links(d, below, self.lp_mode)
        z_val = site_values(d.options["option"].tolist(), self.fixed_binaries, self.force_open, self.force_closed)
        bld = ArrayBuilder()
        cols = add_variables(bld, d, self.fixed_binaries, z_val)
        self._ybin, self._yfixed, self._zbin, self._zfixed = cols.ybin, cols.yfixed, cols.zbin, cols.zfixed
        share = None
        today = None
        if economics.participation == "individually_rational":
            from symnet.kpi import baseline
            from symnet.participants import sender_share

            share = sender_share(self.scenario, d.links)
            today = dict(baseline(self.scenario, self.excluded_actors, d.links)["per_actor"])
        self._link_rows = add_constraints(bld, d, cols, self.max_open, share, today)
        return co2_cap(bld.finish(), self.co2_cap_t)

    # -- solving ------------------------------------------------------------------
    def _settings(self) -> SolverSettings:
        restarts = not self._zbin  # no MIP restarts with free site binaries (see set_highs_options)
        return SolverSettings(self.solver, self.time_limit_s, self.gap, self.threads, self.seed, self.msg, restarts)

    def _pulp_changed(self) -> bool:
        return self._prob is not None and pulp_signature(self._prob) != self._prob_signature

    def _run_solver(self) -> tuple[Status, float | None, float | None, str]:
        assert self.arrays is not None
        arrays = self.arrays
        is_mip = bool(arrays.integer.any())
        if self.solver == "highs":
            if not pulp.HiGHS().available():
                raise SymnetError("HiGHS is not available (pip install highspy); use --solver cbc")
            if not self._pulp_changed():
                start = None
                if is_mip and self._zbin and self.warm_start:

                    def start(deadline: Deadline) -> Incumbent | None:
                        return site_warm_start(
                            arrays,
                            self.objective_vector(),
                            self._zbin,
                            self.data.options,
                            deadline,
                            target=self._settings(),
                        )

                parts = self._parts()
                if len(parts) > 1:
                    self.parts = len(parts)
                    solution = solve_parts(
                        arrays,
                        self.objective_vector(),
                        self._settings(),
                        parts,
                        self._deadline,
                        self._zbin if self.warm_start else None,
                        self.data.options["facility"].to_numpy(),
                        self.workers,
                        self.scheduler,
                        self._restricted_links(),
                        0 if self.restrict else RESTRICT_FROM_COLUMNS,
                    )
                else:
                    solution = solve_priced_or_whole(
                        arrays,
                        self.objective_vector(),
                        self._settings(),
                        self._restricted_links(),
                        self._zbin if self.warm_start else {},
                        self.data.options,
                        self._deadline,
                        start,
                    )
                return self._keep(solution)
        prob = self.prob
        return self._keep(solve_pulp(prob, len(arrays.row_names), is_mip, self._settings()), pulp_path=True)

    def _restricted_links(self) -> LinkColumns | None:
        """The model's links for link pricing (:mod:`~symnet.optimise.restrict`) when
        restricting, else None."""
        assert self.arrays is not None
        wanted = self.restrict if self.restrict is not None else len(self.arrays.cost) >= RESTRICT_FROM_COLUMNS
        if not wanted or self.lp_mode or not len(self.data.links) or not self.arrays.integer.any():
            return None
        return link_columns(self.data, self.arrays, self._link_rows, self._kept_link_ids())

    def _parts(self) -> list[Part]:
        """The model's independent parts when decomposing (one part: solve it whole)."""
        assert self.arrays is not None
        wanted = self.decompose if self.decompose is not None else len(self.arrays.cost) >= AUTO_MIN_COLUMNS
        return split(self.arrays) if wanted else []

    def _keep(self, solution: Solution, pulp_path: bool = False) -> tuple[Status, float | None, float | None, str]:
        """Store a solve's values, duals and timings; write them into the PuLP problem (arrays
        path). A PuLP solve that raised (no solver time) leaves the model as it was."""
        if pulp_path and solution.values is None and solution.highs is None and solution.solver_seconds == 0.0:
            return solution.outcome
        if solution.highs is not None:
            self._highs = solution.highs
        if solution.values is not None:
            self._sol = solution.values
            if solution.col_dual is not None:
                self._col_dual = solution.col_dual
                self._row_dual = solution.row_dual
            if self._prob is not None and not pulp_path:
                self._write_back()
        if not pulp_path:
            self.handover_seconds = solution.handover_seconds
        self.solver_seconds = solution.solver_seconds
        return solution.outcome

    def _write_back(self) -> None:
        """Put the array solution into the PuLP variables and constraints."""
        assert self._prob is not None and self.arrays is not None and self._sol is not None
        solution = Solution(("optimal", None, None, ""), self._sol, self._col_dual, self._row_dual, self._highs)
        write_solution_back(self._prob, self.arrays, solution, self._status)

    def least_co2_t(self) -> float | None:
        """Least total CO2e (t/yr) of the LP relaxation without the CO2 cap, or None."""
        assert self.arrays is not None
        return lp_least_co2_t(self.arrays)


def optimise(scenario: Scenario, network: SymbiosisNetwork | None = None, **options: Any) -> Result:
    """Build and solve the allocation model; see :class:`AllocationModel` for options."""
    return AllocationModel(scenario, network, **options).solve()
