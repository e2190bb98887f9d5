"""AllocationModel: the PuLP model that decides which stream goes where.

Formulation (DESIGN.md "Allocation model"); indices: actor supplies s, facility senders
(outputs, hub forwards) o, demands d, links l, periods p (weights = share of year),
site options k.

Variables
    ``x[l,p] >= 0`` flow on a link (supply units); ``u[s,p] >= 0`` supply to its current
    fate; ``b[d,p] >= 0`` conventional purchase; ``v[k,p] >= 0`` facility throughput;
    ``w[o,p] >= 0`` facility output sold outside the region (at ``sale_price``) or, for a
    hub, forwarded to the resource's default fate; ``bf[k,i,p] >= 0`` purchase of a
    facility input with ``price > 0``; integer truck trips ``n[l]`` on road links with small
    flows; binaries ``y[l]`` (links with a fixed cost or a minimum volume) and ``z[k]``
    (site options).

Objective (currency per year; ``objective="co2"``: t CO2e per year)
    sum unit_cost x + trip_cost n + fixed_cost y + disposal cost u + purchase cost b +
    input price bf + site fixed cost z + operating cost v - sale revenue w (CO2 price
    inside costs.py).

Road transport is paid per truck trip (:func:`symnet.costs.road_trip_cost`): a link
needs ``n[l] >= sum_p x[l,p] / units_per_trip`` trips a year. Where a link's largest
possible annual flow is below ``economics.road.integer_trips_below_t`` (default 2
payloads, :data:`symnet.costs.INTEGER_TRIP_PAYLOADS`), ``n`` is integer, so a 2 t stream
pays a whole trip; above it ``n`` is continuous and folded into ``unit_cost`` (full loads;
the error is below one trip a year per link).

Constraints
    supply balance ``sum_out x + u = q_s profile_s[p]``; demand balance
    ``sum_in factor (1-loss) x + b = Q_d profile_d[p]``; facility inputs
    ``inflow_i + bf = per_unit_i v`` (optional inputs ``<=``); outputs
    ``per_unit v = sum_out x + w``; hubs ``(1-loss) inflow_r = outflow_r + w_r`` and
    ``sum_r t_r inflow_r = v`` (a hub's throughput, capacity and operating cost are in
    tonnes: t_r = tonnes per unit of r, 1 for resources without a mass);
    ``min_throughput w_p z <= v <= cap_p z`` with ``cap_p = min(capacity w_p, what the
    inputs can reach)``; every link into or out of a candidate option
    ``x[l,p] <= B[l,p] z[k]`` (B = the tightest bound from supply, demand and capacity);
    one facility per site; at most ``max_count`` per type; at most ``max_open`` options;
    trips ``units_per_trip n >= sum_p x``; ``sum_p x <= U y`` and ``sum_p x >= m y``;
    per resource and period, a rounded capacity cover ``cover_<resource>_<p>`` (a valid
    inequality: enough facilities open for what the supplies cannot send elsewhere, or
    the rest goes to its fate; see ``AllocationModel._cover_rows``).
    Periods are independent (heat is not stored).

With free site binaries, HiGHS starts from a site choice found by rounding the LP
relaxation and a short local search (:func:`_site_warm_start`).

The model is held as arrays (columns with bounds, costs and integrality; rows as one
sparse matrix). :attr:`AllocationModel.prob` is the same model as a PuLP problem, built
from the arrays on first access; HiGHS receives the arrays in one ``passModel`` call
unless the PuLP problem was changed by the user, in which case PuLP's own HiGHS or CBC
interface solves it. Either way the solution is written back into the PuLP variables
(``varValue``, ``dj``) and constraints (``pi``, ``slack``) once the problem exists.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import pulp
import scipy.sparse as sp

from symnet import costs
from symnet.errors import SymnetError
from symnet.network import SymbiosisNetwork, build_network, facility_senders
from symnet.result import Result, Status
from symnet.scenario import Scenario, Supply

TOL = 1e-6
BIG_M_FALLBACK = 1e7
"""Throughput bound (per year) used only for an uncapped converter whose required inputs can
all be bought: nothing in the data bounds it (give the facility a capacity)."""
WARM_START_SHARE = 0.1
"""Share of the time limit the site warm start (:func:`_site_warm_start`) may use."""
SOLVERS = ("highs", "cbc")
OBJECTIVES = ("cost", "co2")
INF = math.inf


@dataclass
class _Data:
    """Arrays the model is built from (one row per element, in a fixed order)."""

    periods: list[str]
    weights: np.ndarray
    supplies: pd.DataFrame  # id, actor, resource, unit, quantity, profile(list), cost, co2, fate, operation
    demands: pd.DataFrame  # id, actor, resource, unit, quantity, profile, cost, co2
    options: pd.DataFrame  # option, site, facility, name, lon, lat, capacity, fixed_cost, min_throughput, operating_cost, passthrough, loss, max_count, bound
    senders: (
        pd.DataFrame
    )  # sender, option, resource, per_unit, price (revenue per unit, negative = cost), co2, fate, bound
    inputs: pd.DataFrame  # option, resource, per_unit, optional, price, tpu
    links: pd.DataFrame  # network links of the model (excluded actors removed), with U
    orphaned: list[str]


@dataclass
class _Arrays:
    """The model as arrays: columns (bounds, costs, integrality, names) and a CSR matrix."""

    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray
    co2: np.ndarray
    integer: np.ndarray
    col_names: list[str]
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_names: list[str]
    blocks: dict[str, np.ndarray] = field(default_factory=dict)


class _Builder:
    """Collects column blocks and row families as arrays (no per-term Python objects)."""

    def __init__(self) -> None:
        self.ncol = 0
        self.cols: list[tuple[str, tuple[int, ...], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.nrow = 0
        self.triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.row_lo: list[np.ndarray] = []
        self.row_hi: list[np.ndarray] = []
        self.row_names: list[str] = []
        self.blocks: dict[str, np.ndarray] = {}

    def add_cols(
        self,
        name: str,
        shape: tuple[int, ...],
        *,
        lower: Any = 0.0,
        upper: Any = INF,
        cost: Any = 0.0,
        co2: Any = 0.0,
        integer: Any = False,
    ) -> np.ndarray:
        size = int(np.prod(shape)) if shape else 1
        idx = np.arange(self.ncol, self.ncol + size).reshape(shape)

        def flat(v: Any, dtype: Any = float) -> np.ndarray:
            return np.broadcast_to(np.asarray(v, dtype=dtype), shape).ravel().copy()

        self.cols.append((name, shape, flat(lower), flat(upper), flat(cost), flat(co2), flat(integer, bool)))
        self.ncol += size
        self.blocks[name] = idx
        return idx

    def add_rows(
        self, names: list[str], rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lower: Any, upper: Any
    ) -> None:
        """Rows ``lower <= sum vals x[cols] <= upper``; ``rows`` index ``names`` (0-based)."""
        n = len(names)
        if n == 0:
            return
        if not len(rows) == len(cols) == len(vals):
            raise AssertionError(f"row family {names[0]}: {len(rows)} rows, {len(cols)} columns, {len(vals)} values")
        self.triplets.append(
            (
                np.asarray(rows, dtype=np.int64) + self.nrow,
                np.asarray(cols, dtype=np.int64),
                np.asarray(vals, dtype=float),
            )
        )
        self.row_lo.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy())
        self.row_hi.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy())
        self.row_names.extend(names)
        self.nrow += n

    def finish(self) -> _Arrays:
        def cat(i: int) -> np.ndarray:
            return np.concatenate([c[i] for c in self.cols]) if self.cols else np.zeros(0)

        names: list[str] = []
        for name, shape, *_ in self.cols:
            if len(shape) == 2:
                names.extend(f"{name}_{i}_{p}" for i in range(shape[0]) for p in range(shape[1]))
            else:
                names.extend(f"{name}_{i}" for i in range(shape[0]))
        if self.triplets:
            r, c, v = (np.concatenate(t) for t in zip(*self.triplets))
        else:
            r = c = np.zeros(0, dtype=np.int64)
            v = np.zeros(0)
        keep = v != 0
        matrix = sp.csr_matrix((v[keep], (r[keep], c[keep])), shape=(self.nrow, self.ncol))
        matrix.sum_duplicates()
        matrix.sort_indices()
        lo = np.concatenate(self.row_lo) if self.row_lo else np.zeros(0)
        hi = np.concatenate(self.row_hi) if self.row_hi else np.zeros(0)
        return _Arrays(
            cat(2),
            cat(3),
            cat(4),
            cat(5),
            cat(6).astype(bool),
            names,
            matrix,
            lo,
            hi,
            list(self.row_names),
            self.blocks,
        )


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
        LP relaxation and a short local search (:func:`_site_warm_start`, at most
        :data:`WARM_START_SHARE` of the time limit, counted in it).

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
        self.build_seconds = 0.0
        self.handover_seconds = 0.0
        self.solver_seconds = 0.0
        self.arrays: _Arrays | None = None
        self._prob: pulp.LpProblem | None = None
        self._prob_signature: tuple[int, int, int] | None = None
        self._sol: np.ndarray | None = None
        self._col_dual: np.ndarray | None = None
        self._row_dual: np.ndarray | None = None
        self._highs: Any = None
        self._status: Status | None = None
        self._check_options()

    # -- public -------------------------------------------------------------------
    def build(self) -> AllocationModel:
        """Build the model as arrays (timed in ``build_seconds``); returns ``self``."""
        t0 = time.perf_counter()
        self.data = _prepare(self.scenario, self.network, self.excluded_actors)
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
        if self._prob is None:
            self._prob = _to_pulp(self.arrays, self.objective_vector())
            self._prob_signature = self._signature(self._prob)
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
        return self.arrays.co2 if self.objective == "co2" else self.arrays.cost

    def solve(self) -> Result:
        """Solve and return a :class:`symnet.result.Result` with every table filled.

        ``Result.build_seconds`` is the array build (plus the PuLP problem when it was
        built); ``Result.solve_seconds`` = hand-over to the solver + solver run + reading
        the solution back (``handover_seconds`` and ``solver_seconds`` hold the parts).
        """
        if self.arrays is None:
            self.build()
        t0 = time.perf_counter()
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
        self._fill_tables(result, solved=solved)
        if result.ok:
            from symnet.kpi import compute_kpis

            total_cost = float(self.arrays.cost @ self._sol) if solved else None
            result.kpis = compute_kpis(
                result, self.scenario, excluded_actors=self.excluded_actors, total_cost=total_cost
            )
        return result

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
        reasons = _structural_reasons(self)
        if not reasons:
            return "the model is infeasible; no structural reason was found (check forced options and fixed binaries)"
        return "infeasible: " + "; ".join(reasons)

    # -- formulation ---------------------------------------------------------------
    def _formulate(self) -> _Arrays:
        d = self.data
        P = len(d.periods)
        links = d.links
        L = len(links)
        bld = _Builder()
        lp_mode = self.lp_mode
        # trips: integer where the link's largest annual flow is small (not in LP mode)
        per_trip = links["units_per_trip"].to_numpy(dtype=float)
        upper = links["U"].to_numpy(dtype=float)
        thr_units = np.where(
            per_trip > 0,
            costs.integer_trips_below_t(self.scenario) * per_trip / self.scenario.config.economics.road.payload_t,
            0.0,
        )
        integer_trips = (per_trip > 0) & (upper < thr_units) & (upper > TOL) & (not lp_mode)
        trip_bound = np.where(per_trip > 0, np.ceil(upper / np.where(per_trip > 0, per_trip, 1.0) - 1e-9), 0.0)
        links["integer_trips"] = integer_trips
        links["trip_bound"] = trip_bound
        links["activation"] = (links["fixed_cost"].to_numpy() > 0) | (links["min_volume"].to_numpy() > 0)
        share = np.where(integer_trips, links["trip_cost"].to_numpy() / np.where(per_trip > 0, per_trip, 1.0), 0.0)
        co2_share = np.where(
            integer_trips, links["trip_co2e_t"].to_numpy() / np.where(per_trip > 0, per_trip, 1.0), 0.0
        )
        X = bld.add_cols(
            "x",
            (L, P),
            cost=(links["unit_cost"].to_numpy() - share)[:, None],
            co2=(links["co2e_t_per_unit"].to_numpy() - co2_share)[:, None],
        )
        U = bld.add_cols(
            "u",
            (len(d.supplies), P),
            cost=d.supplies["cost"].to_numpy(dtype=float)[:, None],
            co2=d.supplies["co2"].to_numpy(dtype=float)[:, None],
        )
        B = bld.add_cols(
            "b",
            (len(d.demands), P),
            cost=d.demands["cost"].to_numpy(dtype=float)[:, None],
            co2=d.demands["co2"].to_numpy(dtype=float)[:, None],
        )
        V = bld.add_cols("v", (len(d.options), P), cost=d.options["operating_cost"].to_numpy(dtype=float)[:, None])
        W = bld.add_cols(
            "w",
            (len(d.senders), P),
            cost=-d.senders["price"].to_numpy(dtype=float)[:, None],
            co2=d.senders["co2"].to_numpy(dtype=float)[:, None],
        )
        price = d.inputs["price"].to_numpy(dtype=float)
        bf_rows = np.flatnonzero(price > 0)
        BF = bld.add_cols("bf", (len(bf_rows), P), cost=price[bf_rows][:, None])
        nt = np.flatnonzero(integer_trips)
        N = bld.add_cols(
            "n",
            (len(nt),),
            upper=trip_bound[nt],
            cost=links["trip_cost"].to_numpy()[nt],
            co2=links["trip_co2e_t"].to_numpy()[nt],
            integer=True,
        )
        # link binaries
        yl = np.flatnonzero(links["activation"].to_numpy())
        ids = links["link"].to_numpy()
        y_fixed = np.array([self.fixed_binaries.get(ids[i], np.nan) for i in yl], dtype=float)
        y_is_fixed = ~np.isnan(y_fixed)
        min_vol = links["min_volume"].to_numpy(dtype=float)
        y_up = np.where(y_is_fixed, y_fixed, np.where(min_vol[yl] > upper[yl] + TOL, 0.0, 1.0))
        Y = bld.add_cols(
            "y",
            (len(yl),),
            lower=np.where(y_is_fixed, y_fixed, 0.0),
            upper=y_up,
            cost=links["fixed_cost"].to_numpy()[yl],
            integer=~y_is_fixed,
        )
        self._ybin = {int(i): int(c) for i, c, f in zip(yl, Y, y_is_fixed) if not f}
        self._yfixed = {int(i): float(v) for i, v, f in zip(yl, y_fixed, y_is_fixed) if f}
        # site binaries
        opts = d.options["option"].tolist()
        z_val = np.full(len(opts), np.nan)
        for k, opt in enumerate(opts):
            if opt in self.fixed_binaries:
                z_val[k] = float(self.fixed_binaries[opt])
            elif opt in self.force_open:
                z_val[k] = 1.0
            elif opt in self.force_closed:
                z_val[k] = 0.0
        z_fixed = ~np.isnan(z_val)
        Z = bld.add_cols(
            "z",
            (len(opts),),
            lower=np.where(z_fixed, z_val, 0.0),
            upper=np.where(z_fixed, z_val, 1.0),
            cost=d.options["fixed_cost"].to_numpy(dtype=float),
            integer=~z_fixed,
        )
        self._zbin = {k: int(Z[k]) for k in range(len(opts)) if not z_fixed[k]}
        self._zfixed = {k: float(z_val[k]) for k in range(len(opts)) if z_fixed[k]}

        eff = (links["factor"] * (1.0 - links["loss"])).to_numpy(dtype=float)
        src = links["src_idx"].to_numpy()
        dem = links["dem_idx"].to_numpy()
        inp = links["inp_idx"].to_numpy()
        snd = links["snd_idx"].to_numpy()
        pp = np.arange(P)
        self._balance_rows(bld, X, U, B, eff, src, dem)
        self._facility_rows(bld, X, V, W, BF, bf_rows, eff, inp, snd)
        self._link_rows = {}
        self._trip_and_activation_rows(bld, X, N, nt, Y, yl, per_trip, upper, min_vol)
        self._site_rows(bld, X, V, Z, eff, src, dem, inp, snd, pp)
        self._cover_rows(bld, U, Z, eff, src, dem, inp)
        arrays = bld.finish()
        if self.co2_cap_t is not None:
            arrays = _with_row(arrays, "co2_cap", arrays.co2, -INF, float(self.co2_cap_t))
        return arrays

    def _balance_rows(
        self,
        bld: _Builder,
        X: np.ndarray,
        U: np.ndarray,
        B: np.ndarray,
        eff: np.ndarray,
        src: np.ndarray,
        dem: np.ndarray,
    ) -> None:
        d = self.data
        P = X.shape[1]
        for name, owners, var, data, coef in (("supply", src, U, d.supplies, None), ("demand", dem, B, d.demands, eff)):
            n = len(data)
            li = np.flatnonzero(owners >= 0)
            rows = (owners[li][:, None] * P + np.arange(P)).ravel()
            vals = np.ones(len(rows)) if coef is None else np.repeat(coef[li], P)
            own = np.arange(n * P)
            rhs = (data["quantity"].to_numpy(dtype=float)[:, None] * _profiles(data, P)).ravel()
            bld.add_rows(
                [f"{name}_{i}_{p}" for i in range(n) for p in range(P)],
                np.concatenate([rows, own]),
                np.concatenate([X[li].ravel(), var.ravel()]),
                np.concatenate([vals, np.ones(n * P)]),
                rhs,
                rhs,
            )

    def _facility_rows(
        self,
        bld: _Builder,
        X: np.ndarray,
        V: np.ndarray,
        W: np.ndarray,
        BF: np.ndarray,
        bf_rows: np.ndarray,
        eff: np.ndarray,
        inp: np.ndarray,
        snd: np.ndarray,
    ) -> None:
        d = self.data
        P = X.shape[1]
        pp = np.arange(P)
        opt_pos = {o: k for k, o in enumerate(d.options["option"])}
        passthrough = d.options["passthrough"].to_numpy(dtype=bool)
        hub_loss = d.options["loss"].to_numpy(dtype=float)
        inp_k = d.inputs["option"].map(opt_pos).to_numpy(dtype=int) if len(d.inputs) else np.zeros(0, dtype=int)
        inp_pass = passthrough[inp_k] if len(inp_k) else np.zeros(0, dtype=bool)
        li = np.flatnonzero(inp >= 0)
        # inputs of converting facilities: sum eff x + bf - per_unit v (=|<=) 0
        conv = np.flatnonzero(~inp_pass)
        if len(conv):
            pos = np.full(len(d.inputs), -1)
            pos[conv] = np.arange(len(conv))
            m = li[pos[inp[li]] >= 0]
            r_x = (pos[inp[m]][:, None] * P + pp).ravel()
            bf_pos = pos[bf_rows]
            r_v = (np.arange(len(conv))[:, None] * P + pp).ravel()
            rows = np.concatenate([r_x, (bf_pos[:, None] * P + pp).ravel(), r_v])
            cols = np.concatenate([X[m].ravel(), BF.ravel(), V[inp_k[conv]].ravel()])
            vals = np.concatenate(
                [
                    np.repeat(eff[m], P),
                    np.ones(BF.size),
                    np.repeat(-d.inputs["per_unit"].to_numpy(dtype=float)[conv], P),
                ]
            )
            optional = d.inputs["optional"].to_numpy(dtype=bool)[conv]
            lo = np.repeat(np.where(optional, -INF, 0.0), P)
            bld.add_rows([f"input_{r}_{p}" for r in conv for p in range(P)], rows, cols, vals, lo, 0.0)
        # outputs and hub forwards: sum_out x + w - per_unit v = 0 (hub: - (1-loss) eff x_in)
        O = len(d.senders)
        if O:
            snd_k = d.senders["option"].map(opt_pos).to_numpy(dtype=int)
            lo_ = np.flatnonzero(snd >= 0)
            r_out = (snd[lo_][:, None] * P + pp).ravel()
            parts_r, parts_c, parts_v = (
                [r_out, np.arange(O * P)],
                [X[lo_].ravel(), W.ravel()],
                [np.ones(len(r_out)), np.ones(O * P)],
            )
            conv_o = np.flatnonzero(~passthrough[snd_k])
            parts_r.append((conv_o[:, None] * P + pp).ravel())
            parts_c.append(V[snd_k[conv_o]].ravel())
            parts_v.append(np.repeat(-d.senders["per_unit"].to_numpy(dtype=float)[conv_o], P))
            key = pd.Series(np.arange(O), index=d.senders["option"] + ">" + d.senders["resource"])
            inp_sender = (d.inputs["option"] + ">" + d.inputs["resource"]).map(key).to_numpy()
            inp_sender = np.where(inp_pass, np.nan_to_num(inp_sender.astype(float), nan=-1), -1).astype(int)
            m = li[inp_sender[inp[li]] >= 0]
            parts_r.append((inp_sender[inp[m]][:, None] * P + pp).ravel())
            parts_c.append(X[m].ravel())
            parts_v.append(np.repeat(-eff[m] * (1.0 - hub_loss[inp_k[inp[m]]]), P))
            bld.add_rows(
                [f"output_{o}_{p}" for o in range(O) for p in range(P)],
                np.concatenate(parts_r),
                np.concatenate(parts_c),
                np.concatenate(parts_v),
                0.0,
                0.0,
            )
        # hub throughput in tonnes: sum t_r eff x_in - v = 0
        hubs = np.flatnonzero(passthrough)
        if len(hubs):
            pos = np.full(len(d.options), -1)
            pos[hubs] = np.arange(len(hubs))
            tpu = d.inputs["tpu"].to_numpy(dtype=float)
            m = li[inp_pass[inp[li]]]
            rows = np.concatenate([(pos[inp_k[inp[m]]][:, None] * P + pp).ravel(), np.arange(len(hubs) * P)])
            cols = np.concatenate([X[m].ravel(), V[hubs].ravel()])
            vals = np.concatenate([np.repeat(eff[m] * tpu[inp[m]], P), -np.ones(len(hubs) * P)])
            bld.add_rows([f"hub_{k}_{p}" for k in hubs for p in range(P)], rows, cols, vals, 0.0, 0.0)

    def _trip_and_activation_rows(
        self,
        bld: _Builder,
        X: np.ndarray,
        N: np.ndarray,
        nt: np.ndarray,
        Y: np.ndarray,
        yl: np.ndarray,
        per_trip: np.ndarray,
        upper: np.ndarray,
        min_vol: np.ndarray,
    ) -> None:
        P = X.shape[1]
        # trips: units_per_trip n - sum_p x >= 0
        if len(nt):
            rows = np.concatenate([np.repeat(np.arange(len(nt)), P), np.arange(len(nt))])
            cols = np.concatenate([X[nt].ravel(), N])
            vals = np.concatenate([-np.ones(len(nt) * P), per_trip[nt]])
            self._link_rows["trips"] = (nt, bld.nrow + np.arange(len(nt)))
            bld.add_rows([f"trips_{i}" for i in nt], rows, cols, vals, 0.0, INF)
        if not len(yl):
            return
        # activation: sum_p x - U y <= 0 ; sum_p x - m y >= 0
        rows = np.concatenate([np.repeat(np.arange(len(yl)), P), np.arange(len(yl))])
        cols = np.concatenate([X[yl].ravel(), Y])
        self._link_rows["max"] = (yl, bld.nrow + np.arange(len(yl)))
        bld.add_rows(
            [f"link_max_{i}" for i in yl],
            rows,
            cols,
            np.concatenate([np.ones(len(yl) * P), -np.where(np.isfinite(upper[yl]), upper[yl], BIG_M_FALLBACK)]),
            -INF,
            0.0,
        )
        mv = np.flatnonzero(min_vol[yl] > 0)
        if len(mv):
            sel = yl[mv]
            rows = np.concatenate([np.repeat(np.arange(len(mv)), P), np.arange(len(mv))])
            cols = np.concatenate([X[sel].ravel(), Y[mv]])
            self._link_rows["min"] = (sel, bld.nrow + np.arange(len(mv)))
            bld.add_rows(
                [f"link_min_{i}" for i in sel],
                rows,
                cols,
                np.concatenate([np.ones(len(mv) * P), -min_vol[sel]]),
                0.0,
                INF,
            )

    def _site_rows(
        self,
        bld: _Builder,
        X: np.ndarray,
        V: np.ndarray,
        Z: np.ndarray,
        eff: np.ndarray,
        src: np.ndarray,
        dem: np.ndarray,
        inp: np.ndarray,
        snd: np.ndarray,
        pp: np.ndarray,
    ) -> None:
        d = self.data
        P = len(pp)
        K = len(d.options)
        if K == 0:
            return
        w = d.weights
        cap = d.options["capacity"].to_numpy(dtype=float)
        bound = d.options["bound"].to_numpy(dtype=float)
        hi = np.minimum(np.where(np.isfinite(cap)[:, None], cap[:, None] * w, INF), bound[:, None])  # K x P
        self._cap_hi = hi
        rows = np.concatenate([np.arange(K * P), np.arange(K * P)])
        cols = np.concatenate([V.ravel(), np.repeat(Z, P)])
        bld.add_rows(
            [f"cap_{k}_{p}" for k in range(K) for p in range(P)],
            rows,
            cols,
            np.concatenate([np.ones(K * P), -hi.ravel()]),
            -INF,
            0.0,
        )
        mint = d.options["min_throughput"].to_numpy(dtype=float)
        km = np.flatnonzero(mint > 0)
        if len(km):
            n = len(km) * P
            bld.add_rows(
                [f"min_{k}_{p}" for k in km for p in range(P)],
                np.concatenate([np.arange(n), np.arange(n)]),
                np.concatenate([V[km].ravel(), np.repeat(Z[km], P)]),
                np.concatenate([np.ones(n), -(mint[km][:, None] * w).ravel()]),
                0.0,
                INF,
            )
        self._facility_link_bounds(bld, X, Z, hi, eff, src, dem, inp, snd)
        groups = [(f"site_{name}", idx, 1) for name, idx in _groups(d.options, "site")]
        for fac, idx in _groups(d.options, "facility"):
            limit = d.options["max_count"].iat[idx[0]]
            if limit is not None and not pd.isna(limit):
                groups.append((f"count_{fac}", idx, int(limit)))
        if self.max_open is not None:
            groups.append(("max_open", list(range(K)), self.max_open))
        groups = [(name, idx, lim) for name, idx, lim in groups if len(idx) > lim]
        if groups:
            rows = np.concatenate([np.full(len(idx), g) for g, (_, idx, _) in enumerate(groups)])
            cols = np.concatenate([Z[idx] for _, idx, _ in groups])
            bld.add_rows(
                [_safe_name(n) for n, _, _ in groups],
                rows,
                cols,
                np.ones(len(rows)),
                -INF,
                np.array([lim for _, _, lim in groups], dtype=float),
            )

    def _cover_rows(
        self,
        bld: _Builder,
        U: np.ndarray,
        Z: np.ndarray,
        eff: np.ndarray,
        src: np.ndarray,
        dem: np.ndarray,
        inp: np.ndarray,
    ) -> None:
        """Rounded capacity covers, one per resource and period (valid inequalities).

        The supplies of resource ``r`` that can reach a facility send their quantity ``S``
        to demands (at most ``D``: what those demands can take), to their current fate
        (``u``) or to facilities, each taking at most ``C_k z_k`` (its capacity in supply
        units), so ``sum_k C_k z_k + sum_s u_s >= S - D``. With ``C = max C_k`` and
        ``beta = (S - D - C_open) / C`` (forced-open options moved to the right-hand side),
        its mixed-integer rounding is ``sum_k (floor(a_k) + min(f_k, f)/f) z_k + sum_s u_s
        / (C f) >= ceil(beta)`` with ``a_k = C_k / C``, ``f_k`` its fractional part and ``f``
        that of ``beta``: either enough facilities open or ``C f`` units go to their fate.
        The LP relaxation alone opens fractions of facilities exactly as large as their
        throughput; these rows close most of that gap (benchmarks/README.md).
        """
        d = self.data
        if not self._zbin or not len(d.inputs):
            return
        P = U.shape[1]
        hi = self._cap_hi
        opt_pos = {o: k for k, o in enumerate(d.options["option"])}
        inp_k = d.inputs["option"].map(opt_pos).to_numpy(dtype=int)
        passthrough = d.options["passthrough"].to_numpy(dtype=bool)[inp_k]
        per = np.where(
            passthrough,
            1.0 / np.maximum(d.inputs["tpu"].to_numpy(dtype=float), 1e-12),
            d.inputs["per_unit"].to_numpy(dtype=float),
        )
        qp = d.supplies["quantity"].to_numpy(dtype=float)[:, None] * _profiles(d.supplies, P)
        dp = d.demands["quantity"].to_numpy(dtype=float)[:, None] * _profiles(d.demands, P)
        safe_eff = np.maximum(eff, 1e-12)
        resource = d.supplies["resource"].to_numpy()
        to_fac = (src >= 0) & (inp >= 0)
        names, rows, cols, vals, rhs = [], [], [], [], []
        for r in pd.unique(resource[src[to_fac]]):
            sup = np.unique(src[to_fac][resource[src[to_fac]] == r])
            ls = np.flatnonzero(np.isin(src, sup))
            lf, ld = ls[inp[ls] >= 0], ls[dem[ls] >= 0]
            # demands: largest intake from these supplies (supply units) per period
            dem_eff = pd.Series(safe_eff[ld]).groupby(dem[ld]).min()
            reach_d = (
                (dp[dem_eff.index.to_numpy(dtype=int)] / dem_eff.to_numpy()[:, None]).sum(axis=0)
                if len(ld)
                else np.zeros(P)
            )
            # facilities: capacity in supply units (all input rows these supplies can feed)
            k_of = inp_k[inp[lf]]
            per_k = (
                pd.DataFrame({"k": k_of, "row": inp[lf]})
                .drop_duplicates()
                .assign(per=lambda df: per[df["row"]])
                .groupby("k")["per"]
                .sum()
            )
            eff_k = pd.Series(safe_eff[lf]).groupby(k_of).min()
            q_k = pd.DataFrame({"k": k_of, "s": src[lf]}).drop_duplicates()
            ks = per_k.index.to_numpy(dtype=int)
            for p in range(P):
                S = float(qp[sup, p].sum())
                linked = pd.Series(qp[q_k["s"].to_numpy(), p]).groupby(q_k["k"].to_numpy()).sum()
                C = np.minimum(hi[ks, p] * per_k.to_numpy() / eff_k.loc[ks].to_numpy(), linked.loc[ks].to_numpy())
                free = np.array([k in self._zbin for k in ks], dtype=bool)
                opened = np.array([self._zfixed.get(int(k), 0.0) > 0.5 for k in ks], dtype=bool)
                b = S - min(float(reach_d[p]), S) - float(C[opened & ~free].sum())
                if b <= TOL or not free.any():
                    continue
                cmax = float(C[free].max())
                if not math.isfinite(cmax) or cmax <= TOL:
                    continue
                beta = b / cmax
                f0 = beta - math.floor(beta)
                if f0 < 1e-6 or f0 > 1 - 1e-6:
                    continue
                a = C[free] / cmax
                fk = a - np.floor(a)
                coef_z = np.floor(a) + np.minimum(fk, f0) / f0
                g = len(names)
                names.append(_safe_name(f"cover_{r}_{p}"))
                rows.append(np.full(int(free.sum()) + len(sup), g))
                cols.append(np.concatenate([Z[ks[free]], U[sup, p]]))
                vals.append(np.concatenate([coef_z, np.full(len(sup), 1.0 / (cmax * f0))]))
                rhs.append(float(math.ceil(beta)))
        if names:
            bld.add_rows(names, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), np.array(rhs), INF)

    def _facility_link_bounds(
        self,
        bld: _Builder,
        X: np.ndarray,
        Z: np.ndarray,
        hi: np.ndarray,
        eff: np.ndarray,
        src: np.ndarray,
        dem: np.ndarray,
        inp: np.ndarray,
        snd: np.ndarray,
    ) -> None:
        """``x[l,p] <= B[l,p] z[k]`` for every link into or out of an option with a binary z."""
        d = self.data
        L, P = X.shape
        if not self._zbin or L == 0:
            return
        links = d.links
        opt_pos = {o: k for k, o in enumerate(d.options["option"])}
        passthrough = d.options["passthrough"].to_numpy(dtype=bool)
        upper = np.broadcast_to(links["U"].to_numpy(dtype=float)[:, None], (L, P)).copy()
        if len(d.supplies):
            qp = d.supplies["quantity"].to_numpy(dtype=float)[:, None] * _profiles(d.supplies, P)
            s = np.flatnonzero(src >= 0)
            upper[s] = np.minimum(upper[s], qp[src[s]])
        if len(d.demands):
            dp = d.demands["quantity"].to_numpy(dtype=float)[:, None] * _profiles(d.demands, P)
            j = np.flatnonzero(dem >= 0)
            upper[j] = np.minimum(upper[j], dp[dem[j]] / np.maximum(eff[j], 1e-12)[:, None])
        parts = []
        if len(d.inputs):
            inp_k = d.inputs["option"].map(opt_pos).to_numpy(dtype=int)
            per = np.where(
                passthrough[inp_k],
                1.0 / np.maximum(d.inputs["tpu"].to_numpy(dtype=float), 1e-12),
                d.inputs["per_unit"].to_numpy(dtype=float),
            )
            i = np.flatnonzero(inp >= 0)
            k = inp_k[inp[i]]
            b = hi[k] * (per[inp[i]] / np.maximum(eff[i], 1e-12))[:, None]
            parts.append((i, k, b))
        if len(d.senders):
            snd_k = d.senders["option"].map(opt_pos).to_numpy(dtype=int)
            tpu_of = dict(zip(d.inputs["option"] + ">" + d.inputs["resource"], d.inputs["tpu"]))
            per = np.array(
                [
                    1.0 / max(tpu_of.get(f"{o}>{r}", 1.0), 1e-12) if passthrough[k] else pu
                    for o, r, k, pu in zip(d.senders["option"], d.senders["resource"], snd_k, d.senders["per_unit"])
                ]
            )
            i = np.flatnonzero(snd >= 0)
            k = snd_k[snd[i]]
            parts.append((i, k, hi[k] * per[snd[i]][:, None]))
        for name, (i, k, b) in zip(("fac_in", "fac_out"), parts):
            has_z = np.array([kk in self._zbin for kk in k], dtype=bool)
            i, k, b = i[has_z], k[has_z], np.minimum(b[has_z], upper[i[has_z]])
            if not len(i):
                continue
            b = np.where(np.isfinite(b), b, BIG_M_FALLBACK)
            n = len(i) * P
            bld.add_rows(
                [f"{name}_{l}_{p}" for l in i for p in range(P)],
                np.concatenate([np.arange(n), np.arange(n)]),
                np.concatenate([X[i].ravel(), np.repeat(Z[k], P)]),
                np.concatenate([np.ones(n), -b.ravel()]),
                -INF,
                0.0,
            )

    # -- solving ------------------------------------------------------------------
    @staticmethod
    def _signature(prob: pulp.LpProblem) -> tuple[int, int, int]:
        return id(prob.objective), len(prob.objective or {}), len(prob._constraints)

    def _pulp_changed(self) -> bool:
        return self._prob is not None and self._signature(self._prob) != self._prob_signature

    def _run_solver(self) -> tuple[Status, float | None, float | None, str]:
        assert self.arrays is not None
        is_mip = bool(self.arrays.integer.any())
        if self.solver == "highs":
            if not pulp.HiGHS().available():
                raise SymnetError("HiGHS is not available (pip install highspy); use --solver cbc")
            if not self._pulp_changed():
                return self._solve_highs_arrays(is_mip)
        return self._solve_pulp(is_mip)

    def _highs_options(self, h: Any) -> None:
        # HiGHS sizes its thread pool once per process and reports an error when a later
        # model asks for another size, so `threads` is left to HiGHS (results do not
        # depend on it: the seed is fixed).
        h.setOptionValue("output_flag", bool(self.msg))
        h.setOptionValue("random_seed", int(self.seed))
        h.setOptionValue("time_limit", float(self.time_limit_s))
        h.setOptionValue("mip_rel_gap", float(self.gap))

    def _solve_highs_arrays(self, is_mip: bool) -> tuple[Status, float | None, float | None, str]:
        """Pass the whole model to highspy at once (``passModel`` on CSC arrays)."""
        assert self.arrays is not None
        t0 = time.perf_counter()
        with quiet_stdout(not self.msg):
            h = _highs_model(self.arrays, self.objective_vector())
            self._highs_options(h)
        t1 = time.perf_counter()
        if is_mip and self._zbin and self.warm_start:
            start = _site_warm_start(
                self.arrays,
                self.objective_vector(),
                self._zbin,
                self.data.options,
                WARM_START_SHARE * self.time_limit_s,
            )
            if start is not None:
                h.setSolution(len(start[0]), start[0], start[1])
            h.setOptionValue("time_limit", max(self.time_limit_s - (time.perf_counter() - t1), 0.01))
        with quiet_stdout(not self.msg):
            h.run()
        t2 = time.perf_counter()
        self._highs = h
        out = self._highs_status(h, is_mip)
        if out[0] in ("optimal", "time_limit"):
            sol = h.getSolution()
            self._sol = np.asarray(sol.col_value, dtype=float)
            if not is_mip and out[0] == "optimal":
                self._col_dual = np.asarray(sol.col_dual, dtype=float)
                self._row_dual = np.asarray(sol.row_dual, dtype=float)
            if self._prob is not None:
                self._write_back()
        self.handover_seconds = (t1 - t0) + (time.perf_counter() - t2)
        self.solver_seconds = t2 - t1
        return out

    def _write_back(self) -> None:
        """Put the array solution into the PuLP variables and constraints."""
        prob = self._prob
        assert prob is not None and self.arrays is not None and self._sol is not None
        variables = prob._symnet_columns  # type: ignore[attr-defined]
        dj = self._col_dual if self._col_dual is not None else [None] * len(variables)
        for var, val, red in zip(variables, self._sol.tolist(), dj if isinstance(dj, list) else dj.tolist()):
            var.varValue = val
            var.dj = red
        activity = self.arrays.matrix @ self._sol
        pis = self._row_dual.tolist() if self._row_dual is not None else [None] * len(activity)
        for con, act, pi in zip(prob._constraints.values(), activity.tolist(), pis):
            con.pi = pi
            slack = con.constant + act
            con.slack = -slack if con.sense == pulp.LpConstraintLE else slack
        status = {
            "optimal": (pulp.LpStatusOptimal, pulp.LpSolutionOptimal),
            "time_limit": (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible),
        }.get(self._status or "optimal", (pulp.LpStatusOptimal, pulp.LpSolutionOptimal))
        prob.assignStatus(*status)
        prob.solverModel = self._highs

    def _solve_pulp(self, is_mip: bool) -> tuple[Status, float | None, float | None, str]:
        """Solve :attr:`prob` through PuLP (CBC, or HiGHS after the user changed it)."""
        prob = self.prob
        t0 = time.perf_counter()
        if self.solver == "highs":
            solver = pulp.HiGHS(
                msg=self.msg, timeLimit=self.time_limit_s, gapRel=self.gap, random_seed=self.seed, output_flag=self.msg
            )
        else:
            # CBC's integer preprocessing returns a wrong "optimal" on models with general
            # integer trips (seen on tests/fixtures/tiny: 111,800 instead of 60,530, while its
            # own LP relaxation is 59,609), so it is switched off.
            solver = pulp.PULP_CBC_CMD(
                msg=self.msg,
                timeLimit=self.time_limit_s,
                gapRel=self.gap,
                threads=self.threads,
                options=[f"randomSeed {self.seed + 1}", "preprocess off"],
            )
        try:
            with quiet_stdout(not self.msg):
                prob.solve(solver)
        except pulp.PulpSolverError as exc:
            return "error", None, None, f"solver error: {exc}"
        self.solver_seconds = time.perf_counter() - t0
        if self.solver == "highs":
            self._highs = prob.solverModel
            out = self._highs_status(prob.solverModel, is_mip)
        else:
            out = self._cbc_status(is_mip)
        if out[0] in ("optimal", "time_limit"):
            variables = prob._symnet_columns  # type: ignore[attr-defined]
            self._sol = np.array([v.varValue or 0.0 for v in variables], dtype=float)
            if not is_mip and out[0] == "optimal":
                self._col_dual = np.array([v.dj if v.dj is not None else np.nan for v in variables], dtype=float)
                n = len(self.arrays.row_names) if self.arrays is not None else 0
                cons = list(prob._constraints.values())[:n]
                self._row_dual = np.array([c.pi if c.pi is not None else 0.0 for c in cons], dtype=float)
        return out

    def _highs_status(self, h: Any, is_mip: bool) -> tuple[Status, float | None, float | None, str]:
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
            return (
                "unbounded",
                None,
                None,
                "unbounded: some cost can decrease without limit (check negative prices and gate fees)",
            )
        if ms in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt):
            if has_solution:
                return (
                    "time_limit",
                    bound,
                    gap,
                    f"time limit of {self.time_limit_s:g} s reached; best solution within gap {gap:.2%}",
                )
            return (
                "not_solved",
                None,
                None,
                f"time limit of {self.time_limit_s:g} s reached before any solution was found",
            )
        return "error", None, None, f"HiGHS status: {h.modelStatusToString(ms)}"

    def _cbc_status(self, is_mip: bool) -> tuple[Status, float | None, float | None, str]:
        prob = self.prob
        st, sol = prob.status, prob.sol_status
        if st == pulp.LpStatusInfeasible:
            return "infeasible", None, None, "infeasible"
        if st == pulp.LpStatusUnbounded:
            return (
                "unbounded",
                None,
                None,
                "unbounded: some cost can decrease without limit (check negative prices and gate fees)",
            )
        if st == pulp.LpStatusOptimal and sol == pulp.LpSolutionOptimal:
            obj = pulp.value(prob.objective) or 0.0
            return "optimal", (None if is_mip else obj), (None if is_mip else 0.0), "optimal"
        if sol == pulp.LpSolutionIntegerFeasible:
            return (
                "time_limit",
                None,
                None,
                f"time limit of {self.time_limit_s:g} s reached; CBC returned its best solution (gap not reported)",
            )
        return "not_solved", None, None, f"CBC status: {pulp.LpStatus[st]}"

    def least_co2_t(self) -> float | None:
        """Least total CO2e (t/yr) of the LP relaxation without the CO2 cap, or None."""
        assert self.arrays is not None
        arrays = self.arrays
        keep = np.array([n != "co2_cap" for n in arrays.row_names], dtype=bool)
        relaxed = _Arrays(
            arrays.lower,
            arrays.upper,
            arrays.co2,
            arrays.co2,
            np.zeros_like(arrays.integer),
            arrays.col_names,
            arrays.matrix[keep],
            arrays.row_lower[keep],
            arrays.row_upper[keep],
            [n for n, k in zip(arrays.row_names, keep) if k],
            arrays.blocks,
        )
        import highspy

        with quiet_stdout(True):
            h = _highs_model(relaxed, relaxed.cost)
            h.setOptionValue("output_flag", False)
            h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return float(h.getInfo().objective_function_value)

    # -- result tables --------------------------------------------------------------
    def _fill_tables(self, result: Result, solved: bool) -> None:
        from symnet.optimise_tables import fill_tables

        fill_tables(self, result, solved)


# ---------------------------------------------------------------------------------------
# arrays -> solvers
# ---------------------------------------------------------------------------------------
def _site_warm_start(
    arrays: _Arrays, cost: np.ndarray, zbin: dict[int, int], options: pd.DataFrame, budget_s: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """A site choice for the solver's first incumbent: ``(z columns, 0/1 values)`` or None.

    The LP relaxation's site binaries are rounded at 0.5 (in decreasing order), then a
    first-improvement local search opens, closes or swaps (same facility type) one option
    at a time among those the LP uses, each choice priced by the LP with every site binary
    fixed (infeasible choices, e.g. two facilities on one site, are discarded by the LP
    itself). Stops at a local optimum or after ``budget_s`` seconds.
    """
    import highspy

    t0 = time.perf_counter()
    relaxed = _Arrays(
        arrays.lower,
        arrays.upper,
        cost,
        arrays.co2,
        np.zeros_like(arrays.integer),
        arrays.col_names,
        arrays.matrix,
        arrays.row_lower,
        arrays.row_upper,
        arrays.row_names,
        arrays.blocks,
    )
    with quiet_stdout(True):
        h = _highs_model(relaxed, cost)
    h.setOptionValue("output_flag", False)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    ks = np.array(sorted(zbin), dtype=int)
    cols = np.array([zbin[k] for k in ks], dtype=np.int32)
    z_lp = np.asarray(h.getSolution().col_value, dtype=float)[cols]
    facility = options["facility"].to_numpy()[ks]

    def price(chosen: frozenset[int]) -> float:
        vals = np.array([1.0 if i in chosen else 0.0 for i in range(len(ks))])
        h.changeColsBounds(len(cols), cols, vals, vals)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return INF
        return float(h.getInfo().objective_function_value)

    order = np.argsort(-z_lp, kind="stable")
    current = frozenset(int(i) for i in order if z_lp[i] >= 0.5)
    best = price(current)
    candidates = [int(i) for i in order if z_lp[i] > TOL]
    improved = True
    while improved and time.perf_counter() - t0 < budget_s:
        improved = False
        moves = (
            [current | {j} for j in candidates if j not in current]
            + [current - {i} for i in current]
            + [
                (current - {i}) | {j}
                for i in current
                for j in candidates
                if j not in current and facility[i] == facility[j]
            ]
        )
        for chosen in moves:
            if time.perf_counter() - t0 >= budget_s:
                break
            value = price(chosen)
            if value < best - 1e-9 * max(1.0, abs(best)):
                best, current, improved = value, chosen, True
                break
    if not math.isfinite(best):
        return None
    return cols, np.array([1.0 if i in current else 0.0 for i in range(len(ks))])


def _with_row(arrays: _Arrays, name: str, coefs: np.ndarray, lower: float, upper: float) -> _Arrays:
    row = sp.csr_matrix(coefs.reshape(1, -1))
    row.eliminate_zeros()
    return _Arrays(
        arrays.lower,
        arrays.upper,
        arrays.cost,
        arrays.co2,
        arrays.integer,
        arrays.col_names,
        sp.vstack([arrays.matrix, row], format="csr"),
        np.append(arrays.row_lower, lower),
        np.append(arrays.row_upper, upper),
        arrays.row_names + [name],
        arrays.blocks,
    )


def _highs_model(arrays: _Arrays, cost: np.ndarray) -> Any:
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


def _to_pulp(arrays: _Arrays, cost: np.ndarray) -> pulp.LpProblem:
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
    prob._symnet_columns = variables  # type: ignore[attr-defined]
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


def _profiles(df: pd.DataFrame, P: int) -> np.ndarray:
    """Profiles of a supplies/demands table as an (n, P) array."""
    if len(df) == 0:
        return np.zeros((0, P))
    return np.array(df["profile"].tolist(), dtype=float).reshape(len(df), P)


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
    return Supply(
        id=f"{option}>{resource}",
        actor=option,
        resource=resource,
        quantity=0.0,
        unit=res.unit if res is not None else "t",
        profile=[w.weight for w in scenario.periods],
        current_fate=fate,
        fate_cost=scenario.catalogue.fates[fate].cost,
    )


def _prepare(scenario: Scenario, network: SymbiosisNetwork, excluded_actors: set[str]) -> _Data:
    periods = [p.id for p in scenario.periods]
    weights = np.array([p.weight for p in scenario.periods])
    fates = scenario.catalogue.fates
    supplies = pd.DataFrame(
        [
            {
                "id": s.id,
                "actor": s.actor,
                "resource": s.resource,
                "unit": s.unit,
                "quantity": s.quantity,
                "profile": list(s.profile),
                "cost": costs.disposal_unit_cost(scenario, s),
                "co2": costs.disposal_co2e_t_per_unit(scenario, s),
                "fate": s.current_fate,
                "operation": fates[s.current_fate].operation or "",
                "ewc": s.ewc or "",
            }
            for s in scenario.supplies
            if s.actor not in excluded_actors
        ],
        columns=["id", "actor", "resource", "unit", "quantity", "profile", "cost", "co2", "fate", "operation", "ewc"],
    )
    demands = pd.DataFrame(
        [
            {
                "id": d.id,
                "actor": d.actor,
                "resource": d.resource,
                "unit": d.unit,
                "quantity": d.quantity,
                "profile": list(d.profile),
                "cost": costs.purchase_unit_cost(scenario, d),
                "co2": costs.purchase_co2e_t_per_unit(scenario, d),
            }
            for d in scenario.demands
            if d.actor not in excluded_actors
        ],
        columns=["id", "actor", "resource", "unit", "quantity", "profile", "cost", "co2"],
    )
    opt_rows, inp_rows = [], []
    for o in scenario.sites:
        fac = scenario.facility(o)
        opt_rows.append(
            {
                "option": o.option_id,
                "site": o.site,
                "facility": o.facility,
                "name": o.name,
                "lon": o.lon,
                "lat": o.lat,
                "capacity": o.capacity if o.capacity is not None else fac.capacity,
                "fixed_cost": o.fixed_cost if o.fixed_cost is not None else fac.fixed_cost,
                "min_throughput": fac.min_throughput,
                "operating_cost": fac.operating_cost,
                "passthrough": fac.passthrough,
                "loss": fac.loss if fac.passthrough else 0.0,
                "max_count": fac.max_count,
            }
        )
        for inp in fac.inputs:
            tpu = costs.tonnes_per_unit(scenario, inp.resource)
            inp_rows.append(
                {
                    "option": o.option_id,
                    "resource": inp.resource,
                    "per_unit": inp.per_unit,
                    "optional": inp.optional,
                    "price": inp.price,
                    "tpu": tpu if tpu > 0 else 1.0,
                }
            )
    options = pd.DataFrame(
        opt_rows,
        columns=[
            "option",
            "site",
            "facility",
            "name",
            "lon",
            "lat",
            "capacity",
            "fixed_cost",
            "min_throughput",
            "operating_cost",
            "passthrough",
            "loss",
            "max_count",
        ],
    )
    inputs = pd.DataFrame(inp_rows, columns=["option", "resource", "per_unit", "optional", "price", "tpu"])
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
    options["bound"], senders["bound"] = _throughput_bounds(links, options, inputs, senders, supplies)
    links["U"] = _link_bounds(links, supplies, demands, senders, options, inputs)
    return _Data(periods, weights, supplies, demands, options, senders, inputs, links, orphaned)


def _orphaned(all_links: pd.DataFrame, kept: pd.DataFrame, excluded: set[str]) -> list[str]:
    """Supplies/demands of remaining actors that had candidate links but lost all of them."""
    if not excluded:
        return []
    before = set(all_links["supply"]) | set(all_links["target"])
    after = set(kept["supply"]) | set(kept["target"])
    gone = (
        all_links.loc[all_links["supplier_actor"].isin(excluded), "supply"].tolist()
        + all_links.loc[all_links["receiver_actor"].isin(excluded), "target"].tolist()
    )
    return sorted(before - after - set(gone))


def _index_links(
    links: pd.DataFrame, supplies: pd.DataFrame, demands: pd.DataFrame, inputs: pd.DataFrame, senders: pd.DataFrame
) -> pd.DataFrame:
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


def _throughput_bounds(
    links: pd.DataFrame, options: pd.DataFrame, inputs: pd.DataFrame, senders: pd.DataFrame, supplies: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Annual bounds derived from the data: per option, its throughput (capacity, and what
    its required inputs can reach, iterated for chains; a hub's in tonnes), and per sender,
    its annual output. Only an uncapped converter whose required inputs can all be bought
    falls back to :data:`BIG_M_FALLBACK`."""
    K = len(options)
    cap = options["capacity"].to_numpy(dtype=float)
    cap = np.where(np.isfinite(cap), cap, INF)
    eff = (links["factor"] * (1 - links["loss"])).to_numpy(dtype=float)
    q = supplies["quantity"].to_numpy(dtype=float)
    opt_pos = {o: k for k, o in enumerate(options["option"])}
    inp_k = inputs["option"].map(opt_pos).to_numpy(dtype=int) if len(inputs) else np.zeros(0, dtype=int)
    snd_k = senders["option"].map(opt_pos).to_numpy(dtype=int) if len(senders) else np.zeros(0, dtype=int)
    passthrough = options["passthrough"].to_numpy(dtype=bool)
    loss = options["loss"].to_numpy(dtype=float)
    per_unit = inputs["per_unit"].to_numpy(dtype=float)
    tpu = inputs["tpu"].to_numpy(dtype=float)
    buyable = inputs["price"].to_numpy(dtype=float) > 0
    required = ~inputs["optional"].to_numpy(dtype=bool) | (passthrough[inp_k] if len(inp_k) else False)
    src, snd, inp = (links[c].to_numpy() for c in ("src_idx", "snd_idx", "inp_idx"))
    inp_key = dict(zip(inputs["option"] + ">" + inputs["resource"], range(len(inputs))))
    snd_inp = np.array([inp_key.get(f"{o}>{r}", -1) for o, r in zip(senders["option"], senders["resource"])], dtype=int)
    bound = cap.copy()
    snd_bound = np.full(len(senders), INF)
    m = inp >= 0
    for _ in range(4):
        link_up = np.where(
            src >= 0,
            q[np.clip(src, 0, None)] if len(q) else INF,
            snd_bound[np.clip(snd, 0, None)] if len(snd_bound) else INF,
        )
        reach = np.zeros(len(inputs))
        np.add.at(reach, inp[m], link_up[m] * eff[m])
        reach = np.where(buyable, INF, reach)
        for k in range(K):
            rows = np.flatnonzero((inp_k == k) & required)
            if not len(rows):
                bound[k] = cap[k]
            elif passthrough[k]:
                bound[k] = min(cap[k], float((reach[rows] * tpu[rows]).sum()))
            else:
                bound[k] = min(cap[k], float((reach[rows] / per_unit[rows]).min()))
        for o, k in enumerate(snd_k):
            if passthrough[k]:
                r = snd_inp[o]
                snd_bound[o] = (1 - loss[k]) * min(reach[r], bound[k] / tpu[r]) if r >= 0 else 0.0
            else:
                snd_bound[o] = bound[k] * senders["per_unit"].iat[o]
    bound = np.where(np.isfinite(bound), bound, BIG_M_FALLBACK)
    snd_bound = np.where(np.isfinite(snd_bound), snd_bound, BIG_M_FALLBACK)
    return bound, snd_bound


def _link_bounds(
    links: pd.DataFrame,
    supplies: pd.DataFrame,
    demands: pd.DataFrame,
    senders: pd.DataFrame,
    options: pd.DataFrame,
    inputs: pd.DataFrame,
) -> np.ndarray:
    """Largest possible annual flow per link (supply units): what its supplier can send,
    its demand can take, and its receiving facility can process."""
    q = supplies["quantity"].to_numpy(dtype=float)
    qd = demands["quantity"].to_numpy(dtype=float)
    src, snd, dem, inp = (links[c].to_numpy() for c in ("src_idx", "snd_idx", "dem_idx", "inp_idx"))
    snd_up = senders["bound"].to_numpy(dtype=float)
    up = np.where(
        src >= 0, q[np.clip(src, 0, None)] if len(q) else INF, snd_up[np.clip(snd, 0, None)] if len(snd_up) else INF
    )
    eff = np.maximum((links["factor"] * (1 - links["loss"])).to_numpy(dtype=float), 1e-12)
    dem_up = np.where(dem >= 0, (qd[np.clip(dem, 0, None)] if len(qd) else INF) / eff, INF)
    if len(inputs):
        opt_pos = {o: k for k, o in enumerate(options["option"])}
        inp_k = inputs["option"].map(opt_pos).to_numpy(dtype=int)
        bound = options["bound"].to_numpy(dtype=float)[inp_k]
        passthrough = options["passthrough"].to_numpy(dtype=bool)[inp_k]
        per = np.where(passthrough, 1.0 / inputs["tpu"].to_numpy(dtype=float), inputs["per_unit"].to_numpy(dtype=float))
        fac_up = np.where(inp >= 0, (bound * per)[np.clip(inp, 0, None)] / eff, INF)
    else:
        fac_up = INF
    return np.minimum(np.minimum(up, dem_up), fac_up)


def optimise(scenario: Scenario, network: SymbiosisNetwork | None = None, **options: Any) -> Result:
    """Build and solve the allocation model; see :class:`AllocationModel` for options."""
    return AllocationModel(scenario, network, **options).solve()


def _structural_reasons(model: AllocationModel) -> list[str]:
    from symnet.optimise_tables import structural_reasons

    return structural_reasons(model)
