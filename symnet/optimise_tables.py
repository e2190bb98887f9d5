"""Result tables of an :class:`symnet.optimise.AllocationModel` and the structural
explanation of an infeasible model (helpers split from :mod:`symnet.optimise`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from symnet import costs
from symnet.network import EXCLUDED_COLUMNS, LINK_COLUMNS
from symnet.result import Result

if TYPE_CHECKING:
    from symnet.optimise import AllocationModel

TOL = 1e-6
FLOW_COLUMNS = [
    "link",
    "period",
    "supplier",
    "supplier_name",
    "receiver",
    "receiver_name",
    "supply",
    "target",
    "resource",
    "quantity",
    "unit",
    "distance_m",
    "method",
    "mode",
    "cost",
    "tonne_km",
]
DISPOSAL_COLUMNS = ["supply", "actor", "resource", "period", "quantity", "unit", "fate", "operation", "cost", "origin"]
PURCHASE_COLUMNS = ["demand", "actor", "resource", "period", "quantity", "unit", "cost", "kind"]
SITE_COLUMNS = ["option", "site", "facility", "name", "lon", "lat", "opened", "throughput", "capacity", "fixed_cost"]


def _unit(model: AllocationModel, resource: str) -> str:
    cat = model.scenario.catalogue
    res = cat.resources.get(resource)
    return res.unit if res is not None else (cat.demand_unit(resource) or "")


def fill_tables(model: AllocationModel, result: Result, solved: bool) -> None:
    """Fill every table of ``result`` (see :mod:`symnet.result`) from the solved model.

    ``result.links`` also has ``trips`` (truck trips a year: whole trips on links with
    integer trips, else quantity / units per trip) and ``truck_km`` (trips x truck-km per
    trip); its ``cost`` is what the model pays for the link (per unit, trips, fixed cost).
    """
    d = model.data
    net = model.network
    result.nodes = net.nodes.copy()
    links = d.links
    L = len(links)
    x = model.values("x") if solved else np.zeros((L, len(d.periods)))
    qty = x.sum(axis=1)
    used = qty > TOL
    yval = np.zeros(L)
    yl = np.array(sorted(set(model._ybin) | set(model._yfixed)), dtype=int)
    if len(yl):
        yval[yl] = np.round(model.values("y")) if solved else 0.0
    has_y = np.zeros(L, dtype=bool)
    has_y[yl] = True
    fixed = np.where(has_y, yval, used.astype(float)) * links["fixed_cost"].to_numpy(dtype=float)
    fixed = np.where(used, fixed, 0.0)
    per_trip = links["units_per_trip"].to_numpy(dtype=float)
    trips = np.where(per_trip > 0, qty / np.where(per_trip > 0, per_trip, 1.0), 0.0)
    integer = links["integer_trips"].to_numpy(dtype=bool)
    trip_paid = np.zeros(L)
    if integer.any() and solved:
        trips[integer] = np.round(model.values("n"))
        trip_paid[integer] = trips[integer] * links["trip_cost"].to_numpy(dtype=float)[integer]
    trips = np.where(used, trips, 0.0)
    coef = model.arrays.cost[model.arrays.blocks["x"][:, 0]] if L else np.zeros(0)
    variable = coef * qty
    result.links = links.reindex(columns=LINK_COLUMNS).assign(
        quantity=qty,
        used=used,
        cost=variable + trip_paid + fixed,
        trips=trips,
        truck_km=trips * links["truck_km_per_trip"].to_numpy(dtype=float),
    )
    result.flows = _flows(model, x, qty, coef, trip_paid + fixed)
    result.disposal = _disposal(model, solved)
    result.purchases = _purchases(model, solved)
    result.sites = _sites(model, solved)
    gone = net.links.loc[
        net.links["supplier_actor"].isin(model.excluded_actors)
        | net.links["receiver_actor"].isin(model.excluded_actors)
    ]
    extra = pd.DataFrame(
        {
            "supply": gone["supply"].to_numpy(),
            "target": gone["target"].to_numpy(),
            "resource": gone["resource"].to_numpy(),
            "rule": "excluded_actor",
            "detail": "an actor of this pair is excluded from the run",
        }
    )
    result.excluded = (
        pd.concat([net.excluded, extra], ignore_index=True)[EXCLUDED_COLUMNS] if len(extra) else net.excluded.copy()
    )
    if d.orphaned:
        result.message += f"; orphaned by the excluded actors: {', '.join(d.orphaned)}"


def _flows(model: AllocationModel, x: np.ndarray, qty: np.ndarray, coef: np.ndarray, lump: np.ndarray) -> pd.DataFrame:
    """One row per used link and period; a link's lump costs (trips, fixed) are shared over
    its periods in proportion to the quantity."""
    d = model.data
    links = d.links
    li, pi = np.nonzero(x > TOL)
    if len(li) == 0:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    names = dict(zip(model.network.nodes["node"], model.network.nodes["name"]))
    sel = links.iloc[li]
    q = x[li, pi]
    share = q / np.maximum(qty[li], TOL)
    tpu = sel["resource"].map(lambda r: costs.tonnes_per_unit(model.scenario, r)).to_numpy(dtype=float)
    dist = sel["distance_m"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "link": sel["link"].to_numpy(),
            "period": np.array(d.periods, dtype=object)[pi],
            "supplier": sel["source_node"].to_numpy(),
            "supplier_name": sel["source_node"].map(names).to_numpy(),
            "receiver": sel["target_node"].to_numpy(),
            "receiver_name": sel["target_node"].map(names).to_numpy(),
            "supply": sel["supply"].to_numpy(),
            "target": sel["target"].to_numpy(),
            "resource": sel["resource"].to_numpy(),
            "quantity": q,
            "unit": [_unit(model, r) for r in sel["resource"]],
            "distance_m": dist,
            "method": sel["method"].to_numpy(),
            "mode": sel["mode"].to_numpy(),
            "cost": coef[li] * q + lump[li] * share,
            "tonne_km": np.where(sel["mode"].to_numpy() == "road", q * tpu * dist / 1000.0, 0.0),
        }
    )


def _disposal(model: AllocationModel, solved: bool) -> pd.DataFrame:
    d = model.data
    fates = model.scenario.catalogue.fates
    frames = []
    if solved:
        u = model.values("u")
        for s, p in zip(*np.nonzero(u > TOL)):
            row = d.supplies.iloc[s]
            frames.append(
                (
                    row["id"],
                    row["actor"],
                    row["resource"],
                    d.periods[p],
                    u[s, p],
                    row["unit"],
                    row["fate"],
                    row["operation"],
                    row["cost"] * u[s, p],
                    "supply",
                )
            )
        w = model.values("w")
        for o, p in zip(*np.nonzero(w > TOL)):
            row = d.senders.iloc[o]
            frames.append(
                (
                    row["sender"],
                    row["option"],
                    row["resource"],
                    d.periods[p],
                    w[o, p],
                    _unit(model, row["resource"]),
                    row["fate"],
                    fates[row["fate"]].operation or "",
                    -row["price"] * w[o, p],
                    "facility",
                )
            )
    return pd.DataFrame(frames, columns=DISPOSAL_COLUMNS)


def _purchases(model: AllocationModel, solved: bool) -> pd.DataFrame:
    d = model.data
    rows = []
    if solved:
        b = model.values("b")
        for j, p in zip(*np.nonzero(b > TOL)):
            row = d.demands.iloc[j]
            rows.append(
                (
                    row["id"],
                    row["actor"],
                    row["resource"],
                    d.periods[p],
                    b[j, p],
                    row["unit"],
                    row["cost"] * b[j, p],
                    "demand",
                )
            )
        bf = model.values("bf")
        bf_rows = np.flatnonzero(d.inputs["price"].to_numpy(dtype=float) > 0)
        for r, p in zip(*np.nonzero(bf > TOL)):
            row = d.inputs.iloc[bf_rows[r]]
            rows.append(
                (
                    f"{row['option']}#{row['resource']}",
                    row["option"],
                    row["resource"],
                    d.periods[p],
                    bf[r, p],
                    _unit(model, row["resource"]),
                    row["price"] * bf[r, p],
                    "facility_input",
                )
            )
    return pd.DataFrame(rows, columns=PURCHASE_COLUMNS)


def _sites(model: AllocationModel, solved: bool) -> pd.DataFrame:
    d = model.data
    opts = d.options
    v = model.values("v") if solved else np.zeros((len(opts), len(d.periods)))
    opened = (np.round(model.values("z")) > 0.5) if solved else np.zeros(len(opts), dtype=bool)
    return pd.DataFrame(
        {
            "option": opts["option"],
            "site": opts["site"],
            "facility": opts["facility"],
            "name": opts["name"],
            "lon": opts["lon"],
            "lat": opts["lat"],
            "opened": opened,
            "throughput": v.sum(axis=1),
            "capacity": opts["capacity"],
            "fixed_cost": opts["fixed_cost"],
        }
    ).reindex(columns=SITE_COLUMNS)


# ---------------------------------------------------------------------------------------
# infeasibility
# ---------------------------------------------------------------------------------------
def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.3g}"


def structural_reasons(model: AllocationModel) -> list[str]:
    """Readable reasons why the model cannot close its balances."""
    d = model.data
    reasons: list[str] = []
    opened = {d.options["option"].iat[k] for k, val in model._zfixed.items() if val > 0.5}
    reasons += _site_reach_reasons(model, opened)
    for site, group in d.options.groupby("site"):
        forced = sorted(set(group["option"]) & opened)
        if len(forced) > 1:
            reasons.append(f"site {site} has {', '.join(forced)} forced open, but a site hosts at most one facility")
    for fac, group in d.options.groupby("facility"):
        limit = group["max_count"].iat[0]
        forced = sorted(set(group["option"]) & opened)
        if limit is not None and not pd.isna(limit) and len(forced) > limit:
            reasons.append(
                f"{len(forced)} {fac} options are forced open ({', '.join(forced)}), above its max_count of {int(limit)}"
            )
    upper, min_vol = d.links["U"].to_numpy(), d.links["min_volume"].to_numpy()
    for i, val in model._yfixed.items():
        if val > 0.5 and min_vol[i] > upper[i] + TOL:
            reasons.append(
                f"link {d.links['link'].iat[i]} is fixed in use but can carry at most {_fmt(upper[i])} "
                f"per year, below its minimum volume of {_fmt(min_vol[i])}"
            )
    if model.co2_cap_t is not None:
        least = _least_co2(model)
        if least is not None and least > model.co2_cap_t + 1e-6:
            reasons.append(
                f"the CO2 cap of {_fmt(model.co2_cap_t)} t/yr is below the least achievable {_fmt(least)} t CO2e/yr"
            )
    return reasons


def _site_reach_reasons(model: AllocationModel, opened: set[str]) -> list[str]:
    d = model.data
    out = []
    links = d.links
    eff = (links["factor"] * (1 - links["loss"])).to_numpy()
    W = d.weights
    q = d.supplies["quantity"].to_numpy()
    prof = np.array(d.supplies["profile"].tolist()) if len(d.supplies) else np.zeros((0, len(W)))
    snd_bound = d.senders["bound"].to_numpy(dtype=float)
    for k, opt in enumerate(d.options["option"]):
        if opt not in opened:
            continue
        mint = float(d.options["min_throughput"].iat[k])
        if mint <= 0:
            continue
        passthrough = bool(d.options["passthrough"].iat[k])
        per_input = []
        for r in np.flatnonzero((d.inputs["option"] == opt).to_numpy()):
            inp = d.inputs.iloc[r]
            if (inp["optional"] and not passthrough) or inp["price"] > 0:
                continue
            m = np.flatnonzero((links["inp_idx"] == r).to_numpy())
            reach = np.zeros(len(W))
            for i in m:
                s, o = links["src_idx"].iat[i], links["snd_idx"].iat[i]
                if s >= 0:
                    reach += eff[i] * q[s] * prof[s]
                else:
                    reach += eff[i] * snd_bound[o] * W
            if passthrough:  # a hub's throughput is in tonnes
                per_input.append((inp["resource"], reach * inp["tpu"], 1.0))
            else:
                per_input.append((inp["resource"], reach / inp["per_unit"], inp["per_unit"]))
        if not per_input:
            continue
        cap = float(d.options["capacity"].iat[k])
        if passthrough:
            total = sum(r for _, r, _ in per_input)
            per_input = [(" + ".join(res for res, _, _ in per_input), total, 1.0)]
        for res, reach, per_unit in per_input:
            reach_cap = np.minimum(reach, cap * W) if math.isfinite(cap) else reach
            unit = "t" if passthrough else _unit(model, res.split(" + ")[0])
            if reach_cap.sum() * per_unit < mint * per_unit - TOL:
                out.append(
                    f"site {opt} is forced open but can receive at most {_fmt(reach.sum() * per_unit)} {unit}/yr "
                    f"of {res}, below its minimum throughput of {_fmt(mint * per_unit)} {unit}/yr"
                )
                continue
            for p, pid in enumerate(d.periods):
                if reach_cap[p] < mint * W[p] - TOL:
                    out.append(
                        f"site {opt} is forced open but can receive at most {_fmt(reach[p] * per_unit)} {unit} "
                        f"of {res} in period {pid}, below its minimum throughput of "
                        f"{_fmt(mint * W[p] * per_unit)} {unit} for that period"
                    )
                    break
    return out


def _least_co2(model: AllocationModel) -> float | None:
    """Least total CO2e (t/yr) of the LP relaxation without the cap, or None."""
    return model.least_co2_t()
