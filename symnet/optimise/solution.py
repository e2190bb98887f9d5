"""The solved model as tables: links, flows, disposal, purchases and sites of a
:class:`symnet.result.Result` (quantities per period in each stream's unit, costs in the
scenario's currency)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from symnet import costs
from symnet.network import EXCLUDED_COLUMNS, LINK_COLUMNS
from symnet.optimise._view import BuiltModel
from symnet.optimise.arrays import TOL
from symnet.result import Result

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


def unit_of(model: BuiltModel, resource: str) -> str:
    cat = model.scenario.catalogue
    res = cat.resources.get(resource)
    return res.unit if res is not None else (cat.demand_unit(resource) or "")


def fill_tables(model: BuiltModel, result: Result, solved: bool) -> None:
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
    assert model.arrays is not None
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


def _flows(model: BuiltModel, x: np.ndarray, qty: np.ndarray, coef: np.ndarray, lump: np.ndarray) -> pd.DataFrame:
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
            "unit": [unit_of(model, r) for r in sel["resource"]],
            "distance_m": dist,
            "method": sel["method"].to_numpy(),
            "mode": sel["mode"].to_numpy(),
            "cost": coef[li] * q + lump[li] * share,
            "tonne_km": np.where(sel["mode"].to_numpy() == "road", q * tpu * dist / 1000.0, 0.0),
        }
    )


def _disposal(model: BuiltModel, solved: bool) -> pd.DataFrame:
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
                    unit_of(model, row["resource"]),
                    row["fate"],
                    fates[row["fate"]].operation or "",
                    -row["price"] * w[o, p],
                    "facility",
                )
            )
    return pd.DataFrame(frames, columns=DISPOSAL_COLUMNS)


def _purchases(model: BuiltModel, solved: bool) -> pd.DataFrame:
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
                    unit_of(model, row["resource"]),
                    row["price"] * bf[r, p],
                    "facility_input",
                )
            )
    return pd.DataFrame(rows, columns=PURCHASE_COLUMNS)


def _sites(model: BuiltModel, solved: bool) -> pd.DataFrame:
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
