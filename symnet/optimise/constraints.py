"""The constraints of the allocation model: one function per constraint family, named after
what it enforces, each adding whole row families to an
:class:`~symnet.optimise.arrays.ArrayBuilder` (``c`` holds the column blocks, see
:mod:`symnet.optimise.variables`). Quantities are per period in supply units unless stated.

:func:`add_constraints` calls them in model order (the order of the rows handed to HiGHS):

=============================  ==============================================================
``supply_balance``             ``sum_out x + u = q_s profile_s[p]``            (``supply_s_p``)
``demand_balance``             ``sum_in factor (1-loss) x + b = Q_d profile_d[p]`` (``demand_d_p``)
``facility_inputs``            ``inflow_i + bf = per_unit_i v`` (optional: ``<=``) (``input_i_p``)
``facility_outputs``           ``per_unit v = sum_out x + w``; hubs ``(1-loss) inflow = outflow + w``
``hub_throughput``             ``sum_r t_r inflow_r = v`` (a hub's throughput in tonnes) (``hub_k_p``)
``trips``                      ``units_per_trip n >= sum_p x``                  (``trips_l``)
``link_activation``            ``sum_p x <= U y``                               (``link_max_l``)
``link_minimum_volume``        ``sum_p x >= min_volume y``                      (``link_min_l``)
``site_capacity``              ``v <= cap_p z``                                 (``cap_k_p``)
``site_min_throughput``        ``v >= min_throughput w_p z``                    (``min_k_p``)
``facility_link_bounds``       ``x[l,p] <= B[l,p] z[k]`` (``fac_in_l_p``, ``fac_out_l_p``)
``open_site_limits``           one facility per site, ``max_count`` per type, ``max_open``
``capacity_covers``            rounded capacity covers (valid inequalities) (``cover_r_p``)
``co2_cap``                    total CO2e <= cap (t/yr), added after the arrays are built
``participation_individually_  per actor and site option, cost with symbiosis <= cost today
rational``                     (``ir_<participant>``; only with ``economics.participation:
                               individually_rational``, see :mod:`symnet.participants`)
=============================  ==============================================================
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from symnet.optimise.arrays import BIG_M_FALLBACK, INF, TOL, ArrayBuilder, ModelArrays, groups, profiles, safe_name
from symnet.optimise.data import ModelData
from symnet.optimise.objective import flow_coefficients
from symnet.optimise.variables import Columns

LinkRows = dict[str, tuple[np.ndarray, np.ndarray]]
"""Row kind -> (link positions, model row numbers) of the rows that hold one link's columns
(and at most a site binary): ``'trips'``, ``'max'``, ``'min'`` (one row per link),
``'fac_in'``, ``'fac_out'`` (one row per link and period)."""


def add_constraints(
    bld: ArrayBuilder,
    d: ModelData,
    c: Columns,
    max_open: int | None,
    sender_share: np.ndarray | None = None,
    cost_today: dict[str, float] | None = None,
) -> LinkRows:
    """Add every row family in model order; returns the rows that belong to one link each.

    ``sender_share`` (per model link, the share of its transport and fixed cost its sender
    pays) adds :func:`participation_individually_rational`; None leaves it out."""
    hi = capacity_per_period(d)
    supply_balance(bld, d, c)
    demand_balance(bld, d, c)
    facility_inputs(bld, d, c)
    facility_outputs(bld, d, c)
    hub_throughput(bld, d, c)
    link_rows: LinkRows = {}
    link_rows.update(trips(bld, c))
    link_rows.update(link_activation(bld, c))
    link_rows.update(link_minimum_volume(bld, c))
    if len(d.options):
        site_capacity(bld, d, c, hi)
        site_min_throughput(bld, d, c)
        link_rows.update(facility_link_bounds(bld, d, c, hi))
        open_site_limits(bld, d, c, max_open)
    capacity_covers(bld, d, c, hi)
    if sender_share is not None:
        participation_individually_rational(bld, d, c, sender_share, cost_today)
    return link_rows


def _option_positions(d: ModelData) -> dict[str, int]:
    return {o: k for k, o in enumerate(d.options["option"])}


def _balance(
    bld: ArrayBuilder,
    name: str,
    owners: np.ndarray,
    var: np.ndarray,
    data: pd.DataFrame,
    c: Columns,
    coef: np.ndarray | None,
) -> None:
    P = c.n_periods
    n = len(data)
    li = np.flatnonzero(owners >= 0)
    rows = (owners[li][:, None] * P + np.arange(P)).ravel()
    vals = np.ones(len(rows)) if coef is None else np.repeat(coef[li], P)
    own = np.arange(n * P)
    rhs = (data["quantity"].to_numpy(dtype=float)[:, None] * profiles(data, P)).ravel()
    bld.add_rows(
        [f"{name}_{i}_{p}" for i in range(n) for p in range(P)],
        np.concatenate([rows, own]),
        np.concatenate([c.X[li].ravel(), var.ravel()]),
        np.concatenate([vals, np.ones(n * P)]),
        rhs,
        rhs,
    )


def supply_balance(bld: ArrayBuilder, d: ModelData, c: Columns) -> None:
    """Every supply goes somewhere: ``sum_out x + u = quantity x profile[p]`` (``supply_s_p``)."""
    _balance(bld, "supply", c.src, c.U, d.supplies, c, None)


def demand_balance(bld: ArrayBuilder, d: ModelData, c: Columns) -> None:
    """Every demand is met: ``sum_in factor (1 - loss) x + b = quantity x profile[p]``
    (``demand_d_p``; the demand's unit)."""
    _balance(bld, "demand", c.dem, c.B, d.demands, c, c.eff)


def _input_options(d: ModelData) -> tuple[np.ndarray, np.ndarray]:
    """Per facility input row, its option position and whether that option is a hub."""
    opt_pos = _option_positions(d)
    passthrough = d.options["passthrough"].to_numpy(dtype=bool)
    inp_k = d.inputs["option"].map(opt_pos).to_numpy(dtype=int) if len(d.inputs) else np.zeros(0, dtype=int)
    inp_pass = passthrough[inp_k] if len(inp_k) else np.zeros(0, dtype=bool)
    return inp_k, inp_pass


def facility_inputs(bld: ArrayBuilder, d: ModelData, c: Columns) -> None:
    """Recipes of converting facilities: ``inflow_i + bf_i = per_unit_i v`` per input, ``<=``
    for optional inputs (``input_i_p``)."""
    P = c.n_periods
    pp = np.arange(P)
    inp_k, inp_pass = _input_options(d)
    li = np.flatnonzero(c.inp >= 0)
    conv = np.flatnonzero(~inp_pass)
    if not len(conv):
        return
    pos = np.full(len(d.inputs), -1)
    pos[conv] = np.arange(len(conv))
    m = li[pos[c.inp[li]] >= 0]
    r_x = (pos[c.inp[m]][:, None] * P + pp).ravel()
    bf_pos = pos[c.bf_rows]
    r_v = (np.arange(len(conv))[:, None] * P + pp).ravel()
    rows = np.concatenate([r_x, (bf_pos[:, None] * P + pp).ravel(), r_v])
    cols = np.concatenate([c.X[m].ravel(), c.BF.ravel(), c.V[inp_k[conv]].ravel()])
    vals = np.concatenate(
        [
            np.repeat(c.eff[m], P),
            np.ones(c.BF.size),
            np.repeat(-d.inputs["per_unit"].to_numpy(dtype=float)[conv], P),
        ]
    )
    optional = d.inputs["optional"].to_numpy(dtype=bool)[conv]
    lo = np.repeat(np.where(optional, -INF, 0.0), P)
    bld.add_rows([f"input_{r}_{p}" for r in conv for p in range(P)], rows, cols, vals, lo, 0.0)


def facility_outputs(bld: ArrayBuilder, d: ModelData, c: Columns) -> None:
    """Outputs of converting facilities ``per_unit v = sum_out x + w``; hub forwards
    ``(1 - loss) inflow_r = sum_out x + w`` (``output_o_p``)."""
    O = len(d.senders)
    if not O:
        return
    P = c.n_periods
    pp = np.arange(P)
    opt_pos = _option_positions(d)
    passthrough = d.options["passthrough"].to_numpy(dtype=bool)
    hub_loss = d.options["loss"].to_numpy(dtype=float)
    inp_k, inp_pass = _input_options(d)
    li = np.flatnonzero(c.inp >= 0)
    snd_k = d.senders["option"].map(opt_pos).to_numpy(dtype=int)
    lo_ = np.flatnonzero(c.snd >= 0)
    r_out = (c.snd[lo_][:, None] * P + pp).ravel()
    parts_r, parts_c, parts_v = (
        [r_out, np.arange(O * P)],
        [c.X[lo_].ravel(), c.W.ravel()],
        [np.ones(len(r_out)), np.ones(O * P)],
    )
    conv_o = np.flatnonzero(~passthrough[snd_k])
    parts_r.append((conv_o[:, None] * P + pp).ravel())
    parts_c.append(c.V[snd_k[conv_o]].ravel())
    parts_v.append(np.repeat(-d.senders["per_unit"].to_numpy(dtype=float)[conv_o], P))
    key = pd.Series(np.arange(O), index=d.senders["option"] + ">" + d.senders["resource"])
    inp_sender = (d.inputs["option"] + ">" + d.inputs["resource"]).map(key).to_numpy()
    inp_sender = np.where(inp_pass, np.nan_to_num(inp_sender.astype(float), nan=-1), -1).astype(int)
    m = li[inp_sender[c.inp[li]] >= 0]
    parts_r.append((inp_sender[c.inp[m]][:, None] * P + pp).ravel())
    parts_c.append(c.X[m].ravel())
    parts_v.append(np.repeat(-c.eff[m] * (1.0 - hub_loss[inp_k[c.inp[m]]]), P))
    bld.add_rows(
        [f"output_{o}_{p}" for o in range(O) for p in range(P)],
        np.concatenate(parts_r),
        np.concatenate(parts_c),
        np.concatenate(parts_v),
        0.0,
        0.0,
    )


def hub_throughput(bld: ArrayBuilder, d: ModelData, c: Columns) -> None:
    """A hub's throughput in tonnes: ``sum_r t_r factor (1 - loss) x_in = v`` (``hub_k_p``)."""
    passthrough = d.options["passthrough"].to_numpy(dtype=bool)
    hubs = np.flatnonzero(passthrough)
    if not len(hubs):
        return
    P = c.n_periods
    pp = np.arange(P)
    inp_k, inp_pass = _input_options(d)
    li = np.flatnonzero(c.inp >= 0)
    pos = np.full(len(d.options), -1)
    pos[hubs] = np.arange(len(hubs))
    tpu = d.inputs["tpu"].to_numpy(dtype=float)
    m = li[inp_pass[c.inp[li]]]
    rows = np.concatenate([(pos[inp_k[c.inp[m]]][:, None] * P + pp).ravel(), np.arange(len(hubs) * P)])
    cols = np.concatenate([c.X[m].ravel(), c.V[hubs].ravel()])
    vals = np.concatenate([np.repeat(c.eff[m] * tpu[c.inp[m]], P), -np.ones(len(hubs) * P)])
    bld.add_rows([f"hub_{k}_{p}" for k in hubs for p in range(P)], rows, cols, vals, 0.0, 0.0)


def trips(bld: ArrayBuilder, c: Columns) -> LinkRows:
    """Whole truck trips carry the annual flow: ``units_per_trip n >= sum_p x`` (``trips_l``)."""
    nt, P = c.nt, c.n_periods
    if not len(nt):
        return {}
    rows = np.concatenate([np.repeat(np.arange(len(nt)), P), np.arange(len(nt))])
    cols = np.concatenate([c.X[nt].ravel(), c.N])
    vals = np.concatenate([-np.ones(len(nt) * P), c.per_trip[nt]])
    return {"trips": (nt, bld.add_rows([f"trips_{i}" for i in nt], rows, cols, vals, 0.0, INF))}


def link_activation(bld: ArrayBuilder, c: Columns) -> LinkRows:
    """A link carries flow only when activated: ``sum_p x <= U y`` (``link_max_l``; ``U``: its
    largest possible annual flow)."""
    yl, P = c.yl, c.n_periods
    if not len(yl):
        return {}
    rows = np.concatenate([np.repeat(np.arange(len(yl)), P), np.arange(len(yl))])
    cols = np.concatenate([c.X[yl].ravel(), c.Y])
    bound = np.where(np.isfinite(c.upper[yl]), c.upper[yl], BIG_M_FALLBACK)
    vals = np.concatenate([np.ones(len(yl) * P), -bound])
    return {"max": (yl, bld.add_rows([f"link_max_{i}" for i in yl], rows, cols, vals, -INF, 0.0))}


def link_minimum_volume(bld: ArrayBuilder, c: Columns) -> LinkRows:
    """An activated link carries at least its minimum volume: ``sum_p x >= min_volume y``
    (``link_min_l``; supply units per year)."""
    yl, P = c.yl, c.n_periods
    mv = np.flatnonzero(c.min_vol[yl] > 0) if len(yl) else np.zeros(0, dtype=int)
    if not len(mv):
        return {}
    sel = yl[mv]
    rows = np.concatenate([np.repeat(np.arange(len(mv)), P), np.arange(len(mv))])
    cols = np.concatenate([c.X[sel].ravel(), c.Y[mv]])
    vals = np.concatenate([np.ones(len(mv) * P), -c.min_vol[sel]])
    return {"min": (sel, bld.add_rows([f"link_min_{i}" for i in sel], rows, cols, vals, 0.0, INF))}


def capacity_per_period(d: ModelData) -> np.ndarray:
    """Per option and period (K x P), the most throughput: ``min(capacity w_p, bound)``."""
    cap = d.options["capacity"].to_numpy(dtype=float)
    bound = d.options["bound"].to_numpy(dtype=float)
    return np.minimum(np.where(np.isfinite(cap)[:, None], cap[:, None] * d.weights, INF), bound[:, None])


def site_capacity(bld: ArrayBuilder, d: ModelData, c: Columns, hi: np.ndarray) -> None:
    """Throughput only at an open option, up to its capacity: ``v <= cap_p z`` (``cap_k_p``;
    ``hi`` from :func:`capacity_per_period`)."""
    K, P = len(d.options), c.n_periods
    rows = np.concatenate([np.arange(K * P), np.arange(K * P)])
    cols = np.concatenate([c.V.ravel(), np.repeat(c.Z, P)])
    vals = np.concatenate([np.ones(K * P), -hi.ravel()])
    bld.add_rows([f"cap_{k}_{p}" for k in range(K) for p in range(P)], rows, cols, vals, -INF, 0.0)


def site_min_throughput(bld: ArrayBuilder, d: ModelData, c: Columns) -> None:
    """An open option runs at least its minimum throughput: ``v >= min_throughput w_p z``
    (``min_k_p``)."""
    P = c.n_periods
    mint = d.options["min_throughput"].to_numpy(dtype=float)
    km = np.flatnonzero(mint > 0)
    if not len(km):
        return
    n = len(km) * P
    bld.add_rows(
        [f"min_{k}_{p}" for k in km for p in range(P)],
        np.concatenate([np.arange(n), np.arange(n)]),
        np.concatenate([c.V[km].ravel(), np.repeat(c.Z[km], P)]),
        np.concatenate([np.ones(n), -(mint[km][:, None] * d.weights).ravel()]),
        0.0,
        INF,
    )


def _per_throughput_unit(d: ModelData, inp_k: np.ndarray) -> np.ndarray:
    """Per facility input row, input units per unit of throughput (a hub: 1 / tonnes per unit)."""
    passthrough = d.options["passthrough"].to_numpy(dtype=bool)
    return np.where(
        passthrough[inp_k],
        1.0 / np.maximum(d.inputs["tpu"].to_numpy(dtype=float), 1e-12),
        d.inputs["per_unit"].to_numpy(dtype=float),
    )


def link_period_bounds(d: ModelData) -> np.ndarray:
    """Per link and period (L x P), the most flow (supply units) its annual bound ``U``, its
    supply and its demand allow in any solution."""
    links = d.links
    L, P = len(links), len(d.periods)
    src, dem = links["src_idx"].to_numpy(dtype=int), links["dem_idx"].to_numpy(dtype=int)
    eff = (links["factor"] * (1.0 - links["loss"])).to_numpy(dtype=float)
    upper = np.broadcast_to(links["U"].to_numpy(dtype=float)[:, None], (L, P)).copy()
    if len(d.supplies):
        qp = d.supplies["quantity"].to_numpy(dtype=float)[:, None] * profiles(d.supplies, P)
        s = np.flatnonzero(src >= 0)
        upper[s] = np.minimum(upper[s], qp[src[s]])
    if len(d.demands):
        dp = d.demands["quantity"].to_numpy(dtype=float)[:, None] * profiles(d.demands, P)
        j = np.flatnonzero(dem >= 0)
        upper[j] = np.minimum(upper[j], dp[dem[j]] / np.maximum(eff[j], 1e-12)[:, None])
    return upper


def facility_link_bounds(bld: ArrayBuilder, d: ModelData, c: Columns, hi: np.ndarray) -> LinkRows:
    """No flow into or out of a closed option: ``x[l,p] <= B[l,p] z[k]`` for every link of an
    option with a free binary (``fac_in_l_p``, ``fac_out_l_p``; B = the tightest bound from
    supply, demand and capacity)."""
    L, P = c.X.shape
    out: LinkRows = {}
    if not c.zbin or L == 0:
        return out
    opt_pos = _option_positions(d)
    passthrough = d.options["passthrough"].to_numpy(dtype=bool)
    upper = link_period_bounds(d)
    parts = []
    if len(d.inputs):
        inp_k = d.inputs["option"].map(opt_pos).to_numpy(dtype=int)
        per = _per_throughput_unit(d, inp_k)
        i = np.flatnonzero(c.inp >= 0)
        k = inp_k[c.inp[i]]
        b = hi[k] * (per[c.inp[i]] / np.maximum(c.eff[i], 1e-12))[:, None]
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
        i = np.flatnonzero(c.snd >= 0)
        k = snd_k[c.snd[i]]
        parts.append((i, k, hi[k] * per[c.snd[i]][:, None]))
    for name, (i, k, b) in zip(("fac_in", "fac_out"), parts):
        has_z = np.array([kk in c.zbin for kk in k], dtype=bool)
        i, k, b = i[has_z], k[has_z], np.minimum(b[has_z], upper[i[has_z]])
        if not len(i):
            continue
        b = np.where(np.isfinite(b), b, BIG_M_FALLBACK)
        n = len(i) * P
        out[name] = (
            np.repeat(i, P),
            bld.add_rows(
                [f"{name}_{l}_{p}" for l in i for p in range(P)],
                np.concatenate([np.arange(n), np.arange(n)]),
                np.concatenate([c.X[i].ravel(), np.repeat(c.Z[k], P)]),
                np.concatenate([np.ones(n), -b.ravel()]),
                -INF,
                0.0,
            ),
        )
    return out


def open_site_limits(bld: ArrayBuilder, d: ModelData, c: Columns, max_open: int | None) -> None:
    """At most one facility per site (``site_<site>``), at most ``max_count`` options of a
    facility type (``count_<facility>``) and at most ``max_open`` options in all (``max_open``)."""
    K = len(d.options)
    limits = [(f"site_{name}", idx, 1) for name, idx in groups(d.options, "site")]
    for fac, idx in groups(d.options, "facility"):
        limit = d.options["max_count"].iat[idx[0]]
        if limit is not None and not pd.isna(limit):
            limits.append((f"count_{fac}", idx, int(limit)))
    if max_open is not None:
        limits.append(("max_open", list(range(K)), max_open))
    limits = [(name, idx, lim) for name, idx, lim in limits if len(idx) > lim]
    if not limits:
        return
    rows = np.concatenate([np.full(len(idx), g) for g, (_, idx, _) in enumerate(limits)])
    cols = np.concatenate([c.Z[idx] for _, idx, _ in limits])
    bld.add_rows(
        [safe_name(n) for n, _, _ in limits],
        rows,
        cols,
        np.ones(len(rows)),
        -INF,
        np.array([lim for _, _, lim in limits], dtype=float),
    )


def participation_individually_rational(
    bld: ArrayBuilder, d: ModelData, c: Columns, sender_share: np.ndarray, cost_today: dict[str, float] | None = None
) -> None:
    """No participant worse off than today: per actor and site option, its cost with symbiosis
    (currency/yr, the accounting of :mod:`symnet.participants`) <= its cost today
    (``ir_<participant>``). A link's gate fee is the sender's; its transport (flow, whole
    trips) and fixed cost are shared by ``sender_share`` (per model link, 0..1). ``cost_today``
    (participant -> currency/yr, :func:`symnet.kpi.baseline`'s ``per_actor``, which includes the
    existing exchanges) is the right-hand side; without it, today's disposal and purchases."""
    links = d.links
    sender = links["supplier_actor"].where(links["supplier_actor"] != "", links["source_node"]).to_numpy()
    receiver = links["receiver_actor"].where(links["receiver_actor"] != "", links["target_node"]).to_numpy()
    who = pd.Index(
        pd.unique(
            np.concatenate(
                [d.supplies["actor"], d.demands["actor"], d.options["option"], sender.astype(object), receiver]
            ).astype(str)
        )
    )
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []

    def put(owner: np.ndarray, block: np.ndarray, coef: np.ndarray) -> None:
        """Charge ``coef`` (per column of ``block``, one row per owner) to ``owner``."""
        width = block.shape[1] if block.ndim == 2 else 1
        rows.append(np.repeat(who.get_indexer(owner.astype(str)), width))
        cols.append(block.ravel())
        vals.append(np.repeat(coef, width))

    flow_cost, _ = flow_coefficients(links, links["integer_trips"].to_numpy(dtype=bool))
    gate = links["gate_fee"].to_numpy(dtype=float) * c.eff
    transport = flow_cost - gate
    put(sender, c.X, gate + sender_share * transport)
    put(receiver, c.X, (1.0 - sender_share) * transport)
    trip_cost = links["trip_cost"].to_numpy(dtype=float)
    put(sender[c.nt], c.N, sender_share[c.nt] * trip_cost[c.nt])
    put(receiver[c.nt], c.N, (1.0 - sender_share[c.nt]) * trip_cost[c.nt])
    fixed = links["fixed_cost"].to_numpy(dtype=float)
    put(sender[c.yl], c.Y, sender_share[c.yl] * fixed[c.yl])
    put(receiver[c.yl], c.Y, (1.0 - sender_share[c.yl]) * fixed[c.yl])
    put(d.supplies["actor"].to_numpy(), c.U, d.supplies["cost"].to_numpy(dtype=float))
    put(d.demands["actor"].to_numpy(), c.B, d.demands["cost"].to_numpy(dtype=float))
    put(d.options["option"].to_numpy(), c.V, d.options["operating_cost"].to_numpy(dtype=float))
    put(d.options["option"].to_numpy(), c.Z, d.options["fixed_cost"].to_numpy(dtype=float))
    put(d.senders["option"].to_numpy(), c.W, -d.senders["price"].to_numpy(dtype=float))
    put(d.inputs["option"].to_numpy()[c.bf_rows], c.BF, d.inputs["price"].to_numpy(dtype=float)[c.bf_rows])
    today = np.zeros(len(who))
    if cost_today is not None:
        today = np.array([float(cost_today.get(w, 0.0)) for w in who])
    for table in (d.supplies, d.demands) if cost_today is None else ():
        if len(table):
            spend = table["cost"].to_numpy(dtype=float) * table["quantity"].to_numpy(dtype=float)
            np.add.at(today, who.get_indexer(table["actor"].astype(str)), spend)
    bld.add_rows(
        [safe_name(f"ir_{w}") for w in who],
        np.concatenate(rows),
        np.concatenate(cols),
        np.concatenate(vals),
        -INF,
        today,
    )


def co2_cap(arrays: ModelArrays, cap_t: float | None) -> ModelArrays:
    """Total CO2e at most ``cap_t`` (t/yr): disposal + purchases + transport (row ``co2_cap``)."""
    if cap_t is None:
        return arrays
    return arrays.with_row("co2_cap", arrays.co2, -INF, float(cap_t))


def capacity_covers(bld: ArrayBuilder, d: ModelData, c: Columns, hi: np.ndarray) -> None:
    """Enough facilities open for what the supplies cannot send elsewhere: rounded capacity
    covers, one per resource and period (valid inequalities, ``cover_<resource>_<p>``).

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
    if not c.zbin or not len(d.inputs):
        return
    P = c.n_periods
    src, dem, inp = c.src, c.dem, c.inp
    inp_k = d.inputs["option"].map(_option_positions(d)).to_numpy(dtype=int)
    per = _per_throughput_unit(d, inp_k)
    qp = d.supplies["quantity"].to_numpy(dtype=float)[:, None] * profiles(d.supplies, P)
    dp = d.demands["quantity"].to_numpy(dtype=float)[:, None] * profiles(d.demands, P)
    safe_eff = np.maximum(c.eff, 1e-12)
    resource = d.supplies["resource"].to_numpy()
    to_fac = (src >= 0) & (inp >= 0)
    covers = _Covers()
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
        free = np.array([k in c.zbin for k in ks], dtype=bool)
        opened = np.array([c.zfixed.get(int(k), 0.0) > 0.5 for k in ks], dtype=bool)
        for p in range(P):
            S = float(qp[sup, p].sum())
            linked = pd.Series(qp[q_k["s"].to_numpy(), p]).groupby(q_k["k"].to_numpy()).sum()
            C = np.minimum(hi[ks, p] * per_k.to_numpy() / eff_k.loc[ks].to_numpy(), linked.loc[ks].to_numpy())
            b = S - min(float(reach_d[p]), S) - float(C[opened & ~free].sum())
            covers.add(safe_name(f"cover_{r}_{p}"), b, C, free, c.Z[ks[free]], c.U[sup, p])
    if covers.names:
        bld.add_rows(
            covers.names,
            np.concatenate(covers.rows),
            np.concatenate(covers.cols),
            np.concatenate(covers.vals),
            np.array(covers.rhs),
            INF,
        )


class _Covers:
    """The cover rows collected so far (one row per :meth:`add` that yields a cut)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.rhs: list[float] = []

    def add(self, name: str, b: float, C: np.ndarray, free: np.ndarray, z_cols: np.ndarray, u_cols: np.ndarray) -> None:
        """The rounding of ``sum_k C_k z_k + sum_s u_s >= b`` (supply units), when it cuts."""
        if b <= TOL or not free.any():
            return
        cmax = float(C[free].max())
        if not math.isfinite(cmax) or cmax <= TOL:
            return
        beta = b / cmax
        f0 = beta - math.floor(beta)
        if f0 < 1e-6 or f0 > 1 - 1e-6:
            return
        a = C[free] / cmax
        fk = a - np.floor(a)
        coef_z = np.floor(a) + np.minimum(fk, f0) / f0
        self.rows.append(np.full(int(free.sum()) + len(u_cols), len(self.names)))
        self.names.append(name)
        self.cols.append(np.concatenate([z_cols, u_cols]))
        self.vals.append(np.concatenate([coef_z, np.full(len(u_cols), 1.0 / (cmax * f0))]))
        self.rhs.append(float(math.ceil(beta)))
