"""Existing exchanges in the accounting: what they cost and emit today, and their status in
a result (``new`` / ``existing`` / ``ended``).

Today's cost of an exchange of ``q`` supply units a year on its link is what the optimiser
would pay for the same flow (:mod:`symnet.costs`, the link's own distance when a network
is given): transport (road: handling plus full-load trip share, or whole trips when
``q`` is below ``economics.road.integer_trips_below_t``; pipe: pumping), plus the receiver's
gate fee on what arrives. A pipe that exists has no build cost, and no existing link pays
``link_fixed_cost``: the optimiser gives existing links a fixed cost of 0 as well, so an
exchange that stays changes no KPI. The supply's remainder goes to its current fate and the
demand buys what the exchange does not deliver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from symnet import costs
from symnet.result import Result
from symnet.routing import great_circle_m
from symnet.scenario import Exchange, Scenario

STATUS_NEW, STATUS_EXISTING, STATUS_ENDED = "new", "existing", "ended"


def active_exchanges(scenario: Scenario) -> list[Exchange]:
    """The exchanges whose supply and demand are both in the scenario (a copy without an
    actor, as in the resilience analysis, drops that actor's exchanges)."""
    sup = {s.id for s in scenario.supplies}
    dem = {d.id for d in scenario.demands}
    return [e for e in scenario.exchanges if e.supply in sup and e.demand in dem]


def link_id(ex: Exchange) -> str:
    """The candidate link id of an exchange (as :mod:`symnet.network` names it)."""
    return f"{ex.supply}->{ex.demand}:{ex.mode}"


def existing_link_ids(scenario: Scenario) -> set[str]:
    """Ids of the candidate links that carry an existing exchange."""
    return {link_id(e) for e in scenario.exchanges}


@dataclass
class ExchangeToday:
    """One existing exchange as it runs today (per year)."""

    exchange: Exchange
    supplier_actor: str
    receiver_actor: str
    resource: str
    quantity: float  # supply units
    delivered: float  # demand units (after substitution factor and pipe loss)
    transport_cost: float  # currency
    gate_fee_cost: float  # currency
    co2e_t: float  # transport, t CO2e
    distance_m: float

    @property
    def cost(self) -> float:
        """Transport plus gate fee, currency per year."""
        return self.transport_cost + self.gate_fee_cost


def _distance_m(scenario: Scenario, ex: Exchange, links: pd.DataFrame | None) -> float:
    """The link's distance from ``links`` (a network's links) or else estimated, metres."""
    if links is not None and len(links):
        hit = links.loc[links["link"] == link_id(ex), "distance_m"]
        if len(hit):
            return float(hit.iat[0])
    s = next(x for x in scenario.supplies if x.id == ex.supply)
    d = next(x for x in scenario.demands if x.id == ex.demand)
    a, b = scenario.actor(s.actor), scenario.actor(d.actor)
    gc = float(great_circle_m(np.array([a.lon]), np.array([a.lat]), np.array([b.lon]), np.array([b.lat]))[0])
    circuity = scenario.config.economics.pipe.circuity if ex.mode == "pipe" else scenario.config.network.circuity
    return gc * circuity


def _transport(scenario: Scenario, resource: str, mode: str, q: float, dist: float) -> tuple[float, float, float]:
    """(transport cost, t CO2e, loss share) of ``q`` units over ``dist`` metres."""
    if mode == "pipe":
        return costs.pipe_unit_cost(scenario, dist) * q, 0.0, float(costs.pipe_loss(scenario, dist))
    per_trip = costs.road_units_per_trip(scenario, resource)
    tonnes = q * costs.tonnes_per_unit(scenario, resource)
    if per_trip > 0 and 0 < tonnes < costs.integer_trips_below_t(scenario):
        trips = math.ceil(q / per_trip - 1e-9)
        cost = costs.road_handling_unit_cost(scenario, resource) * q + trips * costs.road_trip_cost(scenario, dist)
        return cost, trips * costs.road_trip_co2e_t(scenario, dist), 0.0
    return (
        costs.road_unit_cost(scenario, resource, dist) * q,
        costs.road_co2e_t_per_unit(scenario, resource, dist) * q,
        0.0,
    )


def exchanges_today(
    scenario: Scenario, excluded_actors: set[str] | frozenset[str] = frozenset(), links: pd.DataFrame | None = None
) -> list[ExchangeToday]:
    """The existing exchanges of ``scenario`` with today's costs (actors in
    ``excluded_actors`` and their exchanges left out)."""
    sup = {s.id: s for s in scenario.supplies}
    dem = {d.id: d for d in scenario.demands}
    out = []
    for ex in active_exchanges(scenario):
        s, d = sup[ex.supply], dem[ex.demand]
        if s.actor in excluded_actors or d.actor in excluded_actors:
            continue
        dist = _distance_m(scenario, ex, links)
        cost, co2, loss = _transport(scenario, s.resource, ex.mode, ex.quantity, dist)
        factor = scenario.catalogue.substitution_factor(s.resource, d.resource) or 1.0
        delivered = ex.quantity * factor * (1 - loss)
        out.append(
            ExchangeToday(
                ex, s.actor, d.actor, s.resource, ex.quantity, delivered, cost, d.gate_fee * delivered, co2, dist
            )
        )
    return out


def link_status(links: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """``status`` of each row of a links/flows table with a ``link`` column: ``existing``
    for a link that carries an existing exchange, else ``new``."""
    ids = existing_link_ids(scenario)
    return pd.Series(np.where(links["link"].isin(ids), STATUS_EXISTING, STATUS_NEW), index=links.index, dtype=object)


def ended_links(used_links: set[str], scenario: Scenario) -> list[Exchange]:
    """Existing exchanges whose link the result does not use (the optimum ends them)."""
    return [e for e in active_exchanges(scenario) if link_id(e) not in used_links]


STATUS_COLUMNS = ["link", "supply", "target", "status", "quantity", "quantity_today"]


def exchange_status(result: Result, scenario: Scenario) -> pd.DataFrame:
    """One row per used link of ``result`` and per existing exchange it ends: ``link``,
    ``supply``, ``target``, ``status`` (``new`` / ``existing`` / ``ended``), ``quantity``
    (supply units per year in the result) and ``quantity_today`` (supply units per year
    through the existing exchange, 0 for a new link)."""
    links = result.links
    used = links.loc[links["used"]] if len(links) else links
    today: dict[str, float] = {}
    for e in scenario.exchanges:
        today[link_id(e)] = today.get(link_id(e), 0.0) + e.quantity
    rows = [
        (
            r.link,
            r.supply,
            r.target,
            STATUS_EXISTING if r.link in today else STATUS_NEW,
            float(r.quantity),
            today.get(r.link, 0.0),
        )
        for r in used.itertuples()
    ]
    rows += [
        (link_id(e), e.supply, e.demand, STATUS_ENDED, 0.0, e.quantity)
        for e in ended_links(set(used["link"]), scenario)
    ]
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def link_statuses(result: Result, scenario: Scenario | None) -> dict[str, str]:
    """Link id -> ``existing`` / ``ended`` for the links of existing exchanges (every other
    used link is ``new``); empty without a scenario or exchanges."""
    if scenario is None or not scenario.exchanges or not len(result.links):
        return {}
    st = exchange_status(result, scenario)
    st = st.loc[st["status"] != STATUS_NEW]
    return dict(zip(st["link"], st["status"]))


def flows_with_status(result: Result, scenario: Scenario) -> pd.DataFrame:
    """``result.flows`` with a ``status`` column (``new`` / ``existing``) and one ``ended``
    row (quantity 0, period ``year``) per existing exchange the optimum drops."""
    flows = result.flows.copy()
    status = link_statuses(result, scenario)
    flows["status"] = [status.get(str(k), STATUS_NEW) for k in flows["link"]] if len(flows) else []
    sup = {s.id: s for s in scenario.supplies}
    dem = {d.id: d for d in scenario.demands}
    ended = [e for e in active_exchanges(scenario) if status.get(link_id(e)) == STATUS_ENDED]
    rows = []
    for e in ended:
        s, d = sup[e.supply], dem[e.demand]
        rows.append(
            {
                "link": link_id(e),
                "period": "year",
                "supplier": s.actor,
                "supplier_name": scenario.actor(s.actor).name,
                "receiver": d.actor,
                "receiver_name": scenario.actor(d.actor).name,
                "supply": e.supply,
                "target": e.demand,
                "resource": s.resource,
                "quantity": 0.0,
                "unit": s.unit,
                "mode": e.mode,
                "cost": 0.0,
                "tonne_km": 0.0,
                "status": STATUS_ENDED,
            }
        )
    if not rows:
        return flows
    return pd.concat([flows, pd.DataFrame(rows)], ignore_index=True) if len(flows) else pd.DataFrame(rows)


def unbounded_outlets(result: Result, scenario: Scenario) -> dict[str, dict[str, float]]:
    """Per unbounded outlet the optimum sells to: ``delivered`` (units per year) and
    ``savings`` attributable to it (currency per year) = the revenue on the flows into it
    minus their transport.

    Two kinds: a demand marked ``unbounded: true`` (key: its id; the model's cost of its
    links carries the outlet's price as a negative part, see
    :func:`symnet.optimise.data.prepare`, so the savings are minus that cost), and a facility
    output sold at a positive ``sale_price`` "outside the region" (key ``sale:<sender>``: no
    place, no quantity limit, no transport; the savings are its revenue).
    """
    out: dict[str, dict[str, float]] = {}
    unb = {d.id for d in scenario.demands if d.unbounded}
    links = result.links
    if unb and len(links):
        used = links.loc[links["used"] & links["target"].isin(unb)]
        for did, grp in used.groupby("target"):
            out[str(did)] = {"delivered": float(grp["quantity"].sum()), "savings": -float(grp["cost"].sum())}
    disp = result.disposal
    if len(disp):
        sold = disp.loc[(disp["origin"] == "facility") & (disp["fate"] == "sale") & (disp["cost"] < 0)]
        for sender, grp in sold.groupby("supply"):
            out[f"sale:{sender}"] = {"delivered": float(grp["quantity"].sum()), "savings": -float(grp["cost"].sum())}
    return out


def existing_summary(result: Result, scenario: Scenario) -> dict[str, int]:
    """Counts of existing exchanges the optimum ``kept`` and ``ended`` (and ``new`` links)."""
    if not len(result.links):
        return {"kept": 0, "ended": 0, "new": 0, "declared": len(active_exchanges(scenario))}
    st = exchange_status(result, scenario)
    counts = st["status"].value_counts()
    return {
        "declared": len(active_exchanges(scenario)),
        "kept": int(counts.get(STATUS_EXISTING, 0)),
        "ended": int(counts.get(STATUS_ENDED, 0)),
        "new": int(counts.get(STATUS_NEW, 0)),
    }


def _money(value: float, currency: str) -> str:
    return f"{value:,.0f} {currency}/yr"


def unbounded_warning(kpis: dict[str, Any], currency: str) -> str | None:
    """The warning when the optimum relies on unbounded outlets (None when it does not):
    how much of the savings comes through them (:func:`unbounded_outlets`)."""
    outlets = kpis.get("unbounded_outlets") or {}
    if not outlets:
        return None
    through = float(kpis.get("unbounded_savings") or 0.0)
    savings = float(kpis.get("savings") or 0.0)
    share = f" ({through / savings:.0%} of the savings)" if savings > 0 else ""
    return (
        f"the optimum relies on unbounded outlets ({', '.join(sorted(outlets))}): {_money(through, currency)}"
        f"{share} come through outlets whose quantity no source bounds (revenue minus transport on their flows)"
    )


def existing_sentence(kpis: dict[str, Any], currency: str) -> str | None:
    """One sentence on the existing exchanges in the baseline (None when there are none)."""
    ex = kpis.get("existing_exchanges") or {}
    if not ex.get("declared"):
        return None
    return (
        f"{ex['declared']} existing exchange(s) are part of today's cost ({_money(float(kpis.get('existing_exchange_cost') or 0.0), currency)}); "
        f"the optimum keeps {ex['kept']} and ends {ex['ended']}, and an exchange that stays adds nothing to the savings, "
        "tonnes or CO2e."
    )


def headline_sentences(kpis: dict[str, Any], currency: str, quiet: bool = False) -> list[str]:
    """What the headline savings rest on besides assumed numbers: unbounded outlets and
    existing exchanges (sentences for the terminal and the report's summary). ``quiet``
    leaves out the sentence saying that no savings come through unbounded outlets."""
    out = []
    warn = unbounded_warning(kpis, currency)
    if warn:
        out.append(warn[0].upper() + warn[1:] + ".")
    elif not quiet:
        out.append("No savings come through unbounded outlets.")
    sentence = existing_sentence(kpis, currency)
    if sentence:
        out.append(sentence[0].upper() + sentence[1:])
    return out


def existing_rows(layers: dict[str, Any]) -> list[list[str]]:
    """Report rows (from, to, resource, quantity, status) of the exchanges layer's existing
    and ended exchanges."""
    ex = layers["exchanges"]
    if not len(ex) or "status" not in ex:
        return []
    sel = ex.loc[ex["status"] != STATUS_NEW].sort_values(["status", "supplier_name"])
    return [
        [
            str(r["supplier_name"]),
            str(r["receiver_name"]),
            str(r["resource"]).replace("_", " "),
            f"{r['quantity_text']} {r['unit']}",
            str(r["status"]),
        ]
        for _, r in sel.iterrows()
    ]
