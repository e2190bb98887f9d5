"""Pricing of candidate links: the cost and emission columns of every link of
:class:`symnet.network.SymbiosisNetwork`, from the unit costs of :mod:`symnet.costs`.

Money in the scenario's currency (per supply unit, per trip or per year as named),
distances in metres, CO2e in tonnes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from symnet import costs
from symnet.existing import existing_link_ids
from symnet.scenario import Scenario

__all__ = ["price_links"]


def price_links(links: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """``links`` (columns ``link``, ``target``, ``resource``, ``mode``, ``distance_m`` (m),
    ``factor``) with the cost columns filled from :mod:`symnet.costs` (vectorised per resource).

    Road links are paid per truck trip (``trip_cost``, currency per trip, for
    ``truck_km_per_trip`` truck-km and ``trip_co2e_t``); ``units_per_trip`` supply units fill
    one truck (0: no trips counted, e.g. pipes). ``unit_cost`` and ``co2e_t_per_unit`` assume
    full loads (trip cost / units per trip, plus handling and the receiver's gate fee); the
    optimiser replaces the full-load share by whole trips on links with small flows.
    """
    econ = scenario.config.economics
    n = len(links)
    transport = np.zeros(n)
    fixed = np.zeros(n)
    min_volume = np.zeros(n)
    loss = np.zeros(n)
    co2 = np.zeros(n)
    trip_cost = np.zeros(n)
    per_trip = np.zeros(n)
    truck_km = np.zeros(n)
    trip_co2 = np.zeros(n)
    dist = links["distance_m"].to_numpy(dtype=float) if n else np.zeros(0)
    mode = links["mode"].to_numpy() if n else np.zeros(0, dtype=object)
    res = links["resource"].to_numpy() if n else np.zeros(0, dtype=object)
    road = mode == "road"
    if road.any():
        trip_cost[road] = costs.road_trip_cost(scenario, dist[road])
        truck_km[road] = costs.road_truck_km_per_trip(scenario, dist[road])
        trip_co2[road] = costs.road_trip_co2e_t(scenario, dist[road])
    for r in np.unique(res[road]) if n else []:
        m = road & (res == r)
        transport[m] = costs.road_unit_cost(scenario, str(r), dist[m])
        co2[m] = costs.road_co2e_t_per_unit(scenario, str(r), dist[m])
        per_trip[m] = costs.road_units_per_trip(scenario, str(r))
        tpu = costs.tonnes_per_unit(scenario, str(r))
        min_volume[m] = econ.road.min_volume_t / tpu if tpu > 0 else 0.0
    fixed[road] = econ.road.link_fixed_cost
    pipe = mode == "pipe"
    if pipe.any():
        transport[pipe] = costs.pipe_unit_cost(scenario, dist[pipe])
        fixed[pipe] = costs.pipe_fixed_cost(scenario, dist[pipe])
        loss[pipe] = costs.pipe_loss(scenario, dist[pipe])
    if n and scenario.exchanges:  # an existing link has no new fixed cost (a pipe that exists is built)
        fixed[links["link"].isin(existing_link_ids(scenario)).to_numpy()] = 0.0
    gate = (
        links["target"].map({d.id: d.gate_fee for d in scenario.demands}).fillna(0.0).to_numpy(dtype=float)
        if n
        else np.zeros(0)
    )
    factor = links["factor"].to_numpy(dtype=float) if n else np.zeros(0)
    links = links.assign(
        transport_unit_cost=transport,
        gate_fee=gate,
        unit_cost=transport + gate * factor * (1.0 - loss),
        fixed_cost=fixed,
        min_volume=min_volume,
        loss=loss,
        co2e_t_per_unit=co2,
        trip_cost=trip_cost,
        units_per_trip=per_trip,
        truck_km_per_trip=truck_km,
        trip_co2e_t=trip_co2,
    )
    return links
