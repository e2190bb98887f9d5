"""Indicators from a Result and its baseline, with the same accounting (:mod:`symnet.costs`).

Baseline: every supply goes to its current fate, every demand is bought conventionally,
except what the existing exchanges (``exchanges.csv``) move today, at their real cost
(:mod:`symnet.existing`); so every KPI counts only the change against today. An unbounded
outlet (``unbounded: true``) buys nothing today and takes no CO2e credit.
Money is in the scenario's currency per year, quantities in canonical units per year,
CO2e in t/yr.

Per-actor rule (``per_actor``): each actor's cost is what it pays for its own supplies'
remaining disposal and its own demands' remaining purchases, plus the full cost (transport,
gate fee, fixed link cost) of every link delivering to it; facility costs (fixed, operating,
input purchases, minus output revenue) go to the site option. Gain = baseline cost - cost,
so avoided disposal counts for the supplier and avoided purchases for the receiver. An
existing exchange's cost today (transport and gate fee) is the receiver's, as for any link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from symnet import costs
from symnet.assumptions import kpi_assumptions
from symnet.costs import hub_supply
from symnet.existing import exchanges_today, existing_summary, unbounded_outlets
from symnet.resources import waste_codes
from symnet.result import Result
from symnet.scenario import Scenario

DISPOSAL_OPS = {"D1", "D5", "D10"}


def baseline(
    scenario: Scenario, excluded_actors: Iterable[str] = (), links: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Cost and CO2e of the region today: every supply goes to its current fate, every
    demand is bought conventionally, except what the existing exchanges
    (``scenario.exchanges``) move today, at their real cost (:mod:`symnet.existing`).

    Parameters
    ----------
    scenario : Scenario
    excluded_actors : iterable of str
        Actors left out (as in :class:`symnet.optimise.AllocationModel`): their supplies
        and demands are not in the baseline either, so savings stay comparable.
    links : DataFrame, optional
        The network's links (for the existing exchanges' distances); else estimated.

    Returns
    -------
    dict
        ``disposal_cost``, ``purchase_cost``, ``exchange_cost``, ``total_cost``
        (currency/yr), ``disposal_co2e_t``, ``purchase_co2e_t``, ``exchange_co2e_t``,
        ``co2e_t`` (t/yr), ``per_actor`` (actor -> baseline cost), ``exchanged``
        (supply id -> units it sends through existing exchanges), ``received`` (demand
        id -> units delivered) and ``heat_exchanged_mwh``.
    """
    gone = set(excluded_actors)
    today = exchanges_today(scenario, gone, links)
    sent: dict[str, float] = defaultdict(float)
    got: dict[str, float] = defaultdict(float)
    per_actor: dict[str, float] = defaultdict(float)
    xcost = xco2 = heat = 0.0
    for t in today:
        sent[t.exchange.supply] += t.quantity
        got[t.exchange.demand] += t.delivered
        # the accounting of symnet.participants: the sender pays the gate fee, the receiver the transport
        per_actor[t.supplier_actor] += t.gate_fee_cost
        per_actor[t.receiver_actor] += t.transport_cost
        xcost += t.cost
        xco2 += t.co2e_t
        heat += t.delivered if t.resource == "heat" else 0.0
    dcost = dco2 = pcost = pco2 = 0.0
    for s in _kept(scenario.supplies, gone):
        q = max(s.quantity - sent.get(s.id, 0.0), 0.0)
        c = costs.disposal_unit_cost(scenario, s) * q
        dcost += c
        per_actor[s.actor] += c
        dco2 += costs.disposal_co2e_t_per_unit(scenario, s) * q
    for d in _kept(scenario.demands, gone):
        if d.unbounded:  # an unlimited outlet buys nothing conventionally today
            continue
        q = max(d.quantity - got.get(d.id, 0.0), 0.0)
        c = costs.purchase_unit_cost(scenario, d) * q
        pcost += c
        per_actor[d.actor] += c
        pco2 += costs.purchase_co2e_t_per_unit(scenario, d) * q
    return {
        "disposal_cost": dcost,
        "purchase_cost": pcost,
        "exchange_cost": xcost,
        "total_cost": dcost + pcost + xcost,
        "disposal_co2e_t": dco2,
        "purchase_co2e_t": pco2,
        "exchange_co2e_t": xco2,
        "co2e_t": dco2 + pco2 + xco2,
        "per_actor": dict(per_actor),
        "exchanged": dict(sent),
        "received": dict(got),
        "heat_exchanged_mwh": heat,
    }


def _kept(items: Iterable[Any], gone: set[str]) -> list[Any]:
    return [item for item in items if item.actor not in gone]


def compute_kpis(
    result: Result, scenario: Scenario, excluded_actors: Iterable[str] = (), total_cost: float | None = None
) -> dict[str, Any]:
    """KPIs of a solved result (also stored in ``result.kpis``); see the module doc.

    Parameters
    ----------
    result : Result
    scenario : Scenario
    excluded_actors : iterable of str
        Actors the run left out; the baseline and every KPI leave them out too.
    total_cost : float, optional
        Total cost of the allocation (currency/yr); default ``result.objective`` (give it
        when the objective was CO2e).

    Transport CO2e and truck-km come from the trips in ``result.links`` (``trips`` x
    ``trip_co2e_t`` / ``truck_km_per_trip``: whole trips where the model counted them).
    """
    gone = set(excluded_actors)
    base = baseline(scenario, gone, result.links)
    supplies = {s.id: s for s in _kept(scenario.supplies, gone)}
    demands = {d.id: d for d in _kept(scenario.demands, gone)}
    fates = scenario.catalogue.fates
    used, disp_s, disp_f, purch_d = _parts(result)
    disposed = disp_s.groupby("supply")["quantity"].sum() if len(disp_s) else pd.Series(dtype=float)
    bought = purch_d.groupby("demand")["quantity"].sum() if len(purch_d) else pd.Series(dtype=float)

    # moved: the change against today (an existing exchange that stays moves nothing new;
    # one the optimum ends moves a negative quantity back to the supply's fate)
    today = base["exchanged"]
    moved = {
        sid: max(s.quantity - float(disposed.get(sid, 0.0)), 0.0) - today.get(sid, 0.0) for sid, s in supplies.items()
    }
    tpu = {sid: costs.tonnes_per_unit(scenario, s.resource) for sid, s in supplies.items()}
    landfill = sum(moved[sid] * tpu[sid] for sid, s in supplies.items() if fates[s.current_fate].is_landfill)
    incin = sum(moved[sid] * tpu[sid] for sid, s in supplies.items() if fates[s.current_fate].is_incineration)
    co2_disp, co2_hub, co2_purch = _fate_and_purchase_co2(scenario, supplies, demands, disp_s, disp_f, purch_d)
    co2_transport, truck_km = _transport(used)
    co2_total = co2_disp + co2_hub + co2_purch + co2_transport
    tonne_km = float(result.flows["tonne_km"].sum()) if len(result.flows) else 0.0
    total = _total_cost(result, total_cost)
    kpis: dict[str, Any] = {
        "total_cost": total,
        "baseline_cost": base["total_cost"],
        "savings": base["total_cost"] - total,
        "landfill_diverted_t": landfill,
        "incineration_diverted_t": incin,
        "co2e_total_t": co2_total,
        "baseline_co2e_t": base["co2e_t"],
        "co2e_avoided_t": base["co2e_t"] - co2_total,
        "co2e_transport_t": co2_transport,
        "tonne_km": tonne_km,
        "truck_km": truck_km,
        "heat_recovered_mwh": _heat_recovered_mwh(used) - base["heat_exchanged_mwh"],
        "existing_exchange_cost": base["exchange_cost"],
        "existing_exchanges": existing_summary(result, scenario),
        "active_links": len(used),
        "opened_sites": _opened_sites(result),
        "self_sufficiency": {
            did: (1.0 - float(bought.get(did, 0.0)) / d.quantity) if d.quantity > 0 else 1.0
            for did, d in demands.items()
            if not d.unbounded
        },
        "unbounded_outlets": unbounded_outlets(result, scenario),
        "per_actor": _per_actor(result, scenario, base["per_actor"]),
        "diversion_by_chapter": _diversion_by_chapter(scenario, moved, tpu, gone),
        "distance_methods": _distance_methods(used),
    }
    kpis["unbounded_savings"] = sum(v["savings"] for v in kpis["unbounded_outlets"].values())
    result.kpis = kpis
    kpis["assumption_kpis"] = kpi_assumptions(result, scenario)
    return kpis


def _parts(result: Result) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(used links, disposal of supplies, disposal of facility outputs, demand purchases)."""
    links = result.links
    used = links.loc[links["used"]] if len(links) else links
    disp = result.disposal
    disp_s = disp.loc[disp["origin"] == "supply"] if len(disp) else disp
    disp_f = disp.loc[disp["origin"] == "facility"] if len(disp) else disp
    purch = result.purchases
    purch_d = purch.loc[purch["kind"] == "demand"] if len(purch) else purch
    return used, disp_s, disp_f, purch_d


def _fate_and_purchase_co2(
    scenario: Scenario,
    supplies: dict[str, Any],
    demands: dict[str, Any],
    disp_s: pd.DataFrame,
    disp_f: pd.DataFrame,
    purch_d: pd.DataFrame,
) -> tuple[float, float, float]:
    """t CO2e/yr of (supplies to their fate, facility outputs to a fate, conventional purchases)."""
    co2_disp = sum(
        costs.disposal_co2e_t_per_unit(scenario, supplies[r.supply]) * r.quantity for r in disp_s.itertuples()
    )
    co2_hub = sum(
        costs.disposal_co2e_t_per_unit(scenario, _fate_supply(scenario, r)) * r.quantity
        for r in disp_f.itertuples()
        if r.fate != "sale"
    )
    co2_purch = sum(
        costs.purchase_co2e_t_per_unit(scenario, demands[r.demand]) * r.quantity
        for r in purch_d.itertuples()
        if not demands[r.demand].unbounded
    )
    return co2_disp, co2_hub, co2_purch


def _heat_recovered_mwh(used: pd.DataFrame) -> float:
    """MWh/yr of supplied heat delivered over the used links (after losses)."""
    heat = used.loc[(used["resource"] == "heat") & (used["source_kind"] == "supply")] if len(used) else used
    return float((heat["quantity"] * (1 - heat["loss"])).sum()) if len(heat) else 0.0


def _opened_sites(result: Result) -> list[str]:
    """Ids of the site options the result opens."""
    return result.sites.loc[result.sites["opened"], "option"].tolist() if len(result.sites) else []


def _distance_methods(used: pd.DataFrame) -> dict[str, int]:
    """Number of used links per distance method (road, estimate, ...)."""
    return {str(k): int(v) for k, v in used["method"].value_counts().items()} if len(used) else {}


def _total_cost(result: Result, total_cost: float | None) -> float:
    """The given total cost (currency/yr), else the objective, else NaN."""
    if total_cost is None:
        total_cost = float(result.objective) if result.objective is not None else float("nan")
    return float(total_cost)


def _transport(used: pd.DataFrame) -> tuple[float, float]:
    """(t CO2e, truck-km) of the used links: per trip where trips are counted, else per unit."""
    if not len(used):
        return 0.0, 0.0
    qty = used["quantity"].to_numpy(dtype=float)
    per_unit = used["co2e_t_per_unit"].to_numpy(dtype=float) * qty
    if "trips" not in used or "trip_co2e_t" not in used:
        return float(per_unit.sum()), 0.0
    trips = used["trips"].to_numpy(dtype=float)
    counted = used["units_per_trip"].to_numpy(dtype=float) > 0
    co2 = np.where(counted, trips * used["trip_co2e_t"].to_numpy(dtype=float), per_unit)
    return float(co2.sum()), float((trips * used["truck_km_per_trip"].to_numpy(dtype=float)).sum())


def _fate_supply(scenario: Scenario, row: Any) -> Any:
    return hub_supply(scenario, row.actor, row.resource)


def _per_actor(result: Result, scenario: Scenario, base: dict[str, float]) -> dict[str, dict[str, float]]:
    cost: dict[str, float] = defaultdict(float)
    for r in result.disposal.itertuples():
        cost[r.actor] += r.cost
    for r in result.purchases.itertuples():
        cost[r.actor] += r.cost
    links = result.links
    if len(links):
        used = links.loc[links["used"]]
        receiver = used["receiver_actor"].where(used["receiver_actor"] != "", used["target_node"])
        for actor, c in used.groupby(receiver.to_numpy())["cost"].sum().items():
            cost[str(actor)] += float(c)
    fac = {o.option_id: scenario.facility(o) for o in scenario.sites}
    for r in result.sites.itertuples():
        if r.opened:
            cost[r.option] += r.fixed_cost + fac[r.option].operating_cost * r.throughput
    actors = set(base) | set(cost)
    return {
        a: {"baseline_cost": base.get(a, 0.0), "cost": cost.get(a, 0.0), "gain": base.get(a, 0.0) - cost.get(a, 0.0)}
        for a in sorted(actors)
    }


def _diversion_by_chapter(
    scenario: Scenario, moved: dict[str, float], tpu: dict[str, float], gone: set[str]
) -> dict[str, dict[str, Any]]:
    """Tonnes of EWC-coded waste moved from D1/D5/D10 to recovery (R) by symbiosis links,
    by EWC chapter (two-digit code)."""
    codes = waste_codes()
    fates = scenario.catalogue.fates
    out: dict[str, dict[str, Any]] = {}
    for s in _kept(scenario.supplies, gone):
        op = fates[s.current_fate].operation
        if not s.ewc or op not in DISPOSAL_OPS or moved[s.id] <= 0:
            continue
        ch = s.ewc[:2]
        entry = out.setdefault(
            ch, {"chapter": codes[s.ewc].chapter if s.ewc in codes else "", "tonnes": 0.0, "from_operations": {}}
        )
        t = moved[s.id] * tpu[s.id]
        entry["tonnes"] += t
        entry["from_operations"][op] = entry["from_operations"].get(op, 0.0) + t
    return out
