"""Large models solved on the links that matter: link pricing (issue #14).

A county or national inventory has hundreds of thousands of candidate links, but an optimum
uses few of them per supply: the cheap ones near it. The model is first solved on a
*restricted* set of links, grown only where the LP relaxation asks for it:

1. **Start**: per sender and per receiver, its :data:`START_LINKS` cheapest links
   (``unit_cost``), and every link that must stay: existing exchanges and fixed binaries
   (``keep``), a column with a positive lower bound, no finite annual flow bound ``U``.
2. **Pricing**: the LP relaxation of the restricted model is solved in one HiGHS instance
   that grows as links join (interior point for the first and for big rounds, the primal
   simplex from the last basis for small ones). A left-out link's flow columns
   ``x[l,p]`` are priced with the LP's duals ``pi``: ``rc = c - a^T pi`` over the rows it
   shares with the model (balances, recipes, CO2 cap), the duals of its own rows set as
   high as its trips and activation columns allow (``trips_l``: ``c_n / units_per_trip``,
   ``link_max_l``: ``c_y / U``; its minimum-volume and facility-bound rows: 0), so
   ``rc = c_x + c_n / units_per_trip + c_y / U - a^T pi``. Links with ``rc < 0`` join, at
   most :data:`LINKS_PER_ROUND` per sender and per receiver a round (most negative first).
3. **Bound**: ``z_R + sum over left-out flow columns of min(0, rc) x_max`` is a Lagrangian
   lower bound of the whole model's LP relaxation, hence of its optimum, at every round
   (the left-out links' own rows all have right-hand side 0; ``x_max``: the most flow the
   link's annual bound, supply and demand allow in the period). Pricing stops when no link
   prices negative (the bound is then the whole LP's optimum), when the bound is within
   :data:`PRICING_GAP` of ``z_R``, or at :data:`PRICING_SHARE` of the time.
4. **Restricted MIP**: the restricted model with its integers, started by the site warm
   start on the LP already solved. Its solution with the left-out links at zero is a
   solution of the whole model (their rows hold at zero). The restricted MIP's own bound is
   not one of the whole model's, so the bound reported is the pricing's.
5. **Whole model**: with time left and the gap above target, the whole model is solved
   with that solution as its incumbent
   (:func:`~symnet.optimise.solve.solve_highs_arrays`), for the bound HiGHS's cuts and
   branching can prove. A whole model of more than :data:`WHOLE_MODEL_MAX_COLUMNS` columns
   is skipped (its LP relaxation alone does not finish in a usable time: N = 5,000,
   2.2 million columns); the restricted MIP then has all the time.

Used by :class:`~symnet.optimise.model.AllocationModel` from :data:`RESTRICT_FROM_COLUMNS`
columns (``restrict=True/False`` overrides), with HiGHS, on the whole model or on each part
of a decomposed one (:func:`solve_priced_or_whole`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from symnet.optimise.arrays import ModelArrays
from symnet.optimise.constraints import LinkRows, link_period_bounds
from symnet.optimise.data import ModelData
from symnet.optimise.solve import (
    Deadline,
    Incumbent,
    Outcome,
    Solution,
    SolverSettings,
    highs_model,
    quiet_stdout,
    relative_gap,
    solve_highs_arrays,
    time_limit_message,
)
from symnet.optimise.warmstart import IPM_FROM_COLUMNS, rounded_up, site_warm_start

RESTRICT_FROM_COLUMNS = 500_000
"""By default, models with fewer columns are solved whole: their LP relaxation fits in the
site warm start's share of the time, and the whole model's search then does better (N =
1,000, 113,000 columns, 60 s: 0.95 % whole against 4.1 % restricted, whose MIP had 18 s).
N = 5,000 (2.2 million columns, 600 s): 0.14 % restricted against no site opened whole."""
START_LINKS = 8
"""Links per sender and per receiver in the first restricted model (cheapest first)."""
LINKS_PER_ROUND = 8
"""Most links a sender or a receiver gains per pricing round (most negative first)."""
PRICING_SHARE = 0.35
"""Share of the time limit the pricing rounds may use."""
PRICING_GAP = 1e-4
"""Pricing stops when its bound is within this share of the restricted LP's objective."""
RESTRICTED_MIP_SHARE = 0.5
"""Share of the time left after pricing that the restricted MIP has when the whole model
is solved after it."""
WHOLE_MODEL_MAX_COLUMNS = 1_000_000
"""Whole models with more columns are not solved after the restricted MIP."""
IPM_AFTER_NEW_SHARE = 0.05
"""A re-solve after this share of new columns is by interior point (N = 1,000, second round,
8,300 new of 53,600: 6.9 s against 10.3 s by primal simplex; third round, 300 new: 7.3 s
against 0.4 s)."""
SIMPLEX_PRIMAL, SIMPLEX_DUAL = 4, 1
"""HiGHS ``simplex_strategy`` values."""
NEGATIVE = 1e-7
"""A reduced cost is negative below ``-NEGATIVE x max(1, |c|)``."""


@dataclass
class LinkColumns:
    """Per link of the model (model order): its columns and its own rows.

    ``x``: (links x periods) flow columns; ``n``/``y``: trips and activation columns (-1:
    none); ``trips_row``/``max_row``: the rows ``trips_l``/``link_max_l`` (-1: none);
    ``own_rows``/``row_link``: every row holding one link's columns (and at most a site
    binary) and that link; ``upper``: (links x periods) the most flow in any solution
    (supply units, :func:`~symnet.optimise.constraints.link_period_bounds`);
    ``unit_cost``: currency per supply unit at full loads; ``sender``/``receiver``: integer
    keys; ``must_keep``: never left out."""

    x: np.ndarray
    n: np.ndarray
    y: np.ndarray
    trips_row: np.ndarray
    max_row: np.ndarray
    own_rows: np.ndarray
    row_link: np.ndarray
    upper: np.ndarray
    unit_cost: np.ndarray
    sender: np.ndarray
    receiver: np.ndarray
    must_keep: np.ndarray

    def in_part(self, columns: np.ndarray, rows: np.ndarray, n_columns: int, n_rows: int) -> LinkColumns:
        """The links of one part of a model of ``n_columns`` columns and ``n_rows`` rows, renumbered
        to the part's ``columns`` and ``rows``: every link with a flow column in the part, its
        flow columns in other parts -1 (periods that nothing couples fall into parts of
        their own)."""
        col_pos = np.full(n_columns, -1, dtype=np.int64)
        col_pos[columns] = np.arange(len(columns))
        row_pos = np.full(n_rows, -1, dtype=np.int64)
        row_pos[rows] = np.arange(len(rows))
        sel = np.flatnonzero((col_pos[self.x] >= 0).any(axis=1))
        new_link = np.full(len(self.x), -1, dtype=np.int64)
        new_link[sel] = np.arange(len(sel))

        def moved(index: np.ndarray, pos: np.ndarray) -> np.ndarray:
            return np.where(index >= 0, pos[np.maximum(index, 0)], -1)

        own = (row_pos[self.own_rows] >= 0) & (new_link[self.row_link] >= 0)
        return LinkColumns(
            x=col_pos[self.x[sel]],
            n=moved(self.n[sel], col_pos),
            y=moved(self.y[sel], col_pos),
            trips_row=moved(self.trips_row[sel], row_pos),
            max_row=moved(self.max_row[sel], row_pos),
            own_rows=row_pos[self.own_rows[own]],
            row_link=new_link[self.row_link[own]],
            upper=self.upper[sel],
            unit_cost=self.unit_cost[sel],
            sender=self.sender[sel],
            receiver=self.receiver[sel],
            must_keep=self.must_keep[sel],
        )


def link_columns(data: ModelData, arrays: ModelArrays, link_rows: LinkRows, keep: frozenset[str]) -> LinkColumns:
    """The :class:`LinkColumns` of a built model (``keep``: link ids never left out)."""
    links = data.links
    L = len(links)
    n = np.full(L, -1, dtype=np.int64)
    n[np.flatnonzero(links["integer_trips"].to_numpy(dtype=bool))] = arrays.blocks["n"]
    y = np.full(L, -1, dtype=np.int64)
    y[np.flatnonzero(links["activation"].to_numpy(dtype=bool))] = arrays.blocks["y"]

    def one_row(kind: str) -> np.ndarray:
        out = np.full(L, -1, dtype=np.int64)
        if kind in link_rows:
            pos, rows = link_rows[kind]
            out[pos] = rows
        return out

    kinds = [k for k in link_rows if len(link_rows[k][0])]
    own_rows = np.concatenate([link_rows[k][1] for k in kinds]) if kinds else np.zeros(0, dtype=np.int64)
    row_link = np.concatenate([link_rows[k][0] for k in kinds]) if kinds else np.zeros(0, dtype=np.int64)
    x = arrays.blocks["x"]
    upper = link_period_bounds(data)
    positive_lower = (arrays.lower[x] > 0).any(axis=1)
    positive_lower |= np.where(y >= 0, arrays.lower[np.maximum(y, 0)] > 0, False)
    positive_lower |= np.where(n >= 0, arrays.lower[np.maximum(n, 0)] > 0, False)
    src, snd = links["src_idx"].to_numpy(dtype=int), links["snd_idx"].to_numpy(dtype=int)
    dem, inp = links["dem_idx"].to_numpy(dtype=int), links["inp_idx"].to_numpy(dtype=int)
    return LinkColumns(
        x=x,
        n=n,
        y=y,
        trips_row=one_row("trips"),
        max_row=one_row("max"),
        own_rows=own_rows.astype(np.int64),
        row_link=row_link.astype(np.int64),
        upper=upper,
        unit_cost=links["unit_cost"].to_numpy(dtype=float),
        sender=np.where(src >= 0, src, len(data.supplies) + snd),
        receiver=np.where(dem >= 0, dem, len(data.demands) + inp),
        must_keep=links["link"].isin(keep).to_numpy() | positive_lower | ~np.isfinite(upper).all(axis=1),
    )


def _lowest_per_end(score: np.ndarray, links: LinkColumns, among: np.ndarray, k: int) -> np.ndarray:
    """Of the links ``among``, the ``k`` of lowest ``score`` at each sender and each receiver."""
    frame = pd.DataFrame({"s": links.sender[among], "r": links.receiver[among], "score": score})
    chosen = np.zeros(len(among), dtype=bool)
    for key in ("s", "r"):
        chosen |= (frame.groupby(key)["score"].rank(method="first") <= k).to_numpy()
    return among[chosen]


class PricedLp:
    """The LP relaxation of the model restricted to some links, in one HiGHS instance that
    grows as links join (columns and rows appended, so the simplex restarts from its basis).

    ``columns``/``rows``: the whole model's column and row numbers in the instance's order."""

    def __init__(self, arrays: ModelArrays, cost: np.ndarray, links: LinkColumns, kept: np.ndarray) -> None:
        self.arrays, self.cost, self.links = arrays, cost, links
        self.csc = arrays.matrix.tocsc()
        self.csr = arrays.matrix.tocsr()
        self.kept = np.zeros(len(links.x), dtype=bool)
        self.kept[kept] = True
        n_cols, n_rows = len(cost), arrays.matrix.shape[0]
        link_col = np.zeros(n_cols, dtype=bool)
        link_col[self.link_columns_of(np.arange(len(links.x)))] = True
        own_row = np.zeros(n_rows, dtype=bool)
        own_row[links.own_rows] = True
        self.columns = np.flatnonzero(~link_col)
        self.rows = np.flatnonzero(~own_row)
        self.col_pos = np.full(n_cols, -1, dtype=np.int64)
        self.row_pos = np.full(n_rows, -1, dtype=np.int64)
        self.col_pos[self.columns] = np.arange(len(self.columns))
        self.row_pos[self.rows] = np.arange(len(self.rows))
        self._row_order = np.argsort(links.row_link, kind="stable")
        self._row_start = np.searchsorted(links.row_link[self._row_order], np.arange(len(links.x) + 1))
        with quiet_stdout(True):
            self.h = highs_model(arrays.relaxed(cost).subset(self.columns, self.rows), cost[self.columns])
        self.h.setOptionValue("output_flag", False)
        self.solved = False
        self.ever_solved = False
        self.new_columns = 0
        self.add(np.flatnonzero(self.kept))

    def link_columns_of(self, which: np.ndarray) -> np.ndarray:
        """Every column of the links ``which`` (flows, trips, activation)."""
        lk = self.links
        x, n, y = lk.x[which].ravel(), lk.n[which], lk.y[which]
        return np.concatenate([x[x >= 0], n[n >= 0], y[y >= 0]])

    def add(self, which: np.ndarray) -> None:
        """Let the links ``which`` join: their columns, then their own rows (the LP is then
        unsolved until the next :meth:`solve`)."""
        self.kept[which] = True
        self.solved = False
        cols = self.link_columns_of(which)
        order = self._row_order
        pieces = [self.links.own_rows[order[self._row_start[i] : self._row_start[i + 1]]] for i in which]
        rows = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        a = self.arrays
        part = self.csc[:, cols].tocoo()
        present = self.row_pos[part.row] >= 0
        block = sp.csc_matrix(
            (part.data[present], (self.row_pos[part.row[present]], part.col[present])),
            shape=(len(self.rows), len(cols)),
        )
        self.h.addCols(len(cols), self.cost[cols], a.lower[cols], a.upper[cols], block.nnz, *_csx(block))
        self.col_pos[cols] = len(self.columns) + np.arange(len(cols))
        self.columns = np.concatenate([self.columns, cols])
        self.new_columns += len(cols)
        if len(rows):
            part_r = self.csr[rows].tocoo()
            block_r = sp.csr_matrix(
                (part_r.data, (part_r.row, self.col_pos[part_r.col])), shape=(len(rows), len(self.columns))
            )
            assert (self.col_pos[part_r.col] >= 0).all(), "a link's own row holds a column left out"
            self.h.addRows(len(rows), a.row_lower[rows], a.row_upper[rows], block_r.nnz, *_csx(block_r))
            self.row_pos[rows] = len(self.rows) + np.arange(len(rows))
            self.rows = np.concatenate([self.rows, rows])

    def solve(self, deadline: Deadline) -> bool:
        """Solve the LP by ``deadline``; True when optimal. On a large model, by interior
        point the first time and after :data:`IPM_AFTER_NEW_SHARE` of new columns, else by
        the primal simplex from the last basis (new columns enter at 0: still feasible)."""
        import highspy

        many_new = self.new_columns >= IPM_AFTER_NEW_SHARE * len(self.columns)
        large = len(self.columns) >= IPM_FROM_COLUMNS
        by_ipm = large and (not self.ever_solved or many_new)
        self.h.setOptionValue("solver", "ipm" if by_ipm else "simplex")
        if not by_ipm:
            self.h.setOptionValue("simplex_strategy", SIMPLEX_PRIMAL)
        deadline.attach(self.h)
        self.h.run()
        self.h.setOptionValue("solver", "simplex")
        self.h.setOptionValue("simplex_strategy", SIMPLEX_DUAL)
        self.new_columns = 0
        self.solved = self.h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        self.ever_solved |= self.solved
        return self.solved

    def price(self) -> tuple[float, np.ndarray, np.ndarray]:
        """After an optimal solve: (Lagrangian lower bound of the whole LP, the left-out
        links, their least reduced cost over the periods)."""
        lk, cost = self.links, self.cost
        pi = np.zeros(self.arrays.matrix.shape[0])
        pi[self.rows] = np.asarray(self.h.getSolution().row_dual, dtype=float)
        out = np.flatnonzero(~self.kept)
        for own_row, col in ((lk.trips_row, lk.n), (lk.max_row, lk.y)):
            sel = out[(own_row[out] >= 0) & (col[out] >= 0)]
            if len(sel):
                coef = np.asarray(self.csr[own_row[sel], col[sel]]).ravel()
                pi[own_row[sel]] = cost[col[sel]] / coef
        reduced = cost - self.csc.T @ pi
        x_out = lk.x[out]
        here = x_out >= 0  # a part's link may have periods in other parts
        x_cols = np.maximum(x_out, 0)
        rc = np.where(here, reduced[x_cols], 0.0)
        others = np.concatenate([lk.n[out][lk.n[out] >= 0], lk.y[out][lk.y[out] >= 0]])
        z = float(self.h.getInfo().objective_function_value)
        bound = z + float((np.minimum(rc, 0.0) * np.where(here, lk.upper[out], 0.0)).sum())
        # trips and activation columns price at 0 with the duals above (unless they cost < 0)
        bound += float((np.minimum(reduced[others], 0.0) * self.arrays.upper[others]).sum())
        negative = rc < -NEGATIVE * np.maximum(1.0, np.abs(cost[x_cols]))
        least = np.where(negative, rc, 0.0).min(axis=1) if len(out) else np.zeros(0)
        return bound, out, least

    def restricted_arrays(self) -> ModelArrays:
        """The restricted model with its integers, columns and rows in the instance's order."""
        return self.arrays.subset(self.columns, self.rows)


def _csx(m: sp.csc_matrix | sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A compressed sparse block as HiGHS takes it: starts, indices, values."""
    return m.indptr[:-1].astype(np.int32), m.indices.astype(np.int32), m.data.astype(float)


@dataclass
class Pricing:
    """What the pricing rounds gave: the LP (None when it was never solved in time), its
    best bound (None: none), rounds and links kept."""

    lp: PricedLp | None
    bound: float | None
    rounds: int
    kept: int


def price_links(
    arrays: ModelArrays, cost: np.ndarray, links: LinkColumns, budget: Deadline, deadline: Deadline
) -> Pricing:
    """Pricing rounds (module doc, steps 1-3) until no link prices negative, the bound is
    within :data:`PRICING_GAP`, or ``budget`` ends. A round that starts within ``budget``
    may run on to ``deadline`` (the whole solve's), so the LP the restricted MIP starts from
    is solved (N = 5,000: rounds of 32 s, 83 s, then 8 s by simplex)."""
    start = _lowest_per_end(links.unit_cost, links, np.arange(len(links.x)), START_LINKS)
    start = np.union1d(start, np.flatnonzero(links.must_keep))
    lp = PricedLp(arrays, cost, links, start)
    bound: float | None = None
    rounds = 0
    while budget.remaining() > 0 and lp.solve(deadline):
        rounds += 1
        value, out, least = lp.price()
        bound = value if bound is None else max(bound, value)
        z = float(lp.h.getInfo().objective_function_value)
        negative = least < 0
        if not negative.any() or z - bound <= PRICING_GAP * max(1.0, abs(z)) or budget.remaining() <= 0:
            break  # (links added with no round left would leave the LP unsolved for the warm start)
        lp.add(_lowest_per_end(least[negative], links, out[negative], LINKS_PER_ROUND))
    return Pricing(lp if lp.ever_solved else None, bound, rounds, int(lp.kept.sum()))


def solve_restricted(
    arrays: ModelArrays,
    cost: np.ndarray,
    settings: SolverSettings,
    links: LinkColumns,
    zbin: dict[int, int],
    options: pd.DataFrame,
    deadline: Deadline,
) -> Solution | None:
    """Solve a large MIP by link pricing (module doc); None when the restricted model gave
    no solution (the caller solves the whole model as usual)."""
    t0 = time.perf_counter()
    budget = Deadline(min(PRICING_SHARE * deadline.seconds, deadline.remaining()))
    pricing = price_links(arrays, cost, links, budget, deadline)
    if pricing.lp is None:
        return None
    lp = pricing.lp
    sub = lp.restricted_arrays()
    sub_cost = cost[lp.columns]
    sub_zbin = {k: int(lp.col_pos[col]) for k, col in zbin.items()}
    whole_after = len(cost) <= WHOLE_MODEL_MAX_COLUMNS
    share = RESTRICTED_MIP_SHARE if whole_after else 1.0
    mip_deadline = Deadline(share * deadline.remaining())

    def start(d: Deadline) -> Incumbent | None:
        solved_lp = lp.h if lp.solved else None  # else the last round was cut short: a new LP
        return site_warm_start(sub, sub_cost, sub_zbin, options, d, lp=solved_lp, target=settings) if sub_zbin else None

    restricted = solve_highs_arrays(sub, sub_cost, settings, start, mip_deadline)
    if restricted.values is None:
        return None
    lifted = np.zeros(len(cost))
    lifted[lp.columns] = restricted.values
    values = rounded_up(arrays, lifted)  # checks every row of the whole model
    if values is None:
        return None
    objective = float(cost @ values)
    gap = relative_gap(objective, pricing.bound)
    how = (
        f"; solved on {pricing.kept:,} of {len(links.x):,} candidate links chosen by link pricing "
        f"({pricing.rounds} round(s)), bound from the LP relaxation over all links"
    )
    if whole_after and deadline.remaining() > 1.0 and (gap is None or gap > settings.gap):
        incumbent = Incumbent(np.arange(len(values), dtype=np.int32), values, objective, pricing.bound, how[2:])
        out = solve_highs_arrays(arrays, cost, settings, lambda d: incumbent, deadline)
        out.solver_seconds = time.perf_counter() - t0 - out.handover_seconds
        return out
    outcome: Outcome
    if gap is not None and gap <= settings.gap:
        outcome = ("optimal", pricing.bound, gap, f"optimal within gap {gap:.2%}{how}")
    elif restricted.outcome[0] == "optimal":
        within = f"gap {gap:.2%}" if gap is not None else "gap unknown (no bound)"
        outcome = (
            "time_limit",
            pricing.bound,
            gap,
            f"stopped with {within}: the restricted model is solved, the whole model ({len(cost):,} columns) is "
            f"too large to close the gap{how}",
        )
    else:
        outcome = ("time_limit", pricing.bound, gap, time_limit_message(settings.time_limit_s, gap, how))
    return Solution(outcome, values, solver_seconds=time.perf_counter() - t0, note=how[2:])


def solve_priced_or_whole(
    arrays: ModelArrays,
    cost: np.ndarray,
    settings: SolverSettings,
    links: LinkColumns | None,
    zbin: dict[int, int],
    options: pd.DataFrame,
    deadline: Deadline,
    start: Callable[[Deadline], Incumbent | None] | None,
) -> Solution:
    """A model (or one part) with HiGHS: by link pricing when ``links`` is given and the model
    has integers (:func:`solve_restricted`), else, or when that gave no solution, whole from
    the warm start ``start``."""
    if links is not None and arrays.integer.any():
        out = solve_restricted(arrays, cost, settings, links, zbin, options, deadline)
        if out is not None:
            return out
    return solve_highs_arrays(arrays, cost, settings, start, deadline)
