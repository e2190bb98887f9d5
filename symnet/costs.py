"""Unit costs and emission factors: the one accounting used by the optimiser, the
baseline and the KPIs, so that savings are comparable.

All money is in the scenario's currency; quantities in the resource's canonical unit
(t, MWh, m3 or pieces); CO2e in tonnes. "Per unit" means per canonical unit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from symnet.resources import ResourceType
from symnet.scenario import Demand, Scenario, Supply


def tonnes_per_unit(scenario: Scenario, resource: str) -> float:
    """Mass in tonnes of one canonical unit of ``resource`` (0 for energy such as heat)."""
    res: ResourceType | None = scenario.catalogue.resources.get(resource)
    if res is None:
        return 0.0
    tpu = res.tonnes_per_unit()
    return 0.0 if tpu is None else tpu


def disposal_co2e_t_per_unit(scenario: Scenario, supply: Supply) -> float:
    """Emissions of the supply's current fate, t CO2e per unit."""
    fate = scenario.catalogue.fates[supply.current_fate]
    return fate.co2e_kg_per_t * tonnes_per_unit(scenario, supply.resource) / 1000.0


def disposal_unit_cost(scenario: Scenario, supply: Supply) -> float:
    """Cost of sending one unit to the supply's current fate: the fate's gate fee (or
    revenue, negative), the landfill tax (D1/D5) or incineration tax (D10) per tonne,
    and the CO2 price on the fate's emissions."""
    econ = scenario.config.economics
    fate = scenario.catalogue.fates[supply.current_fate]
    tpu = tonnes_per_unit(scenario, supply.resource)
    tax = 0.0
    if fate.is_landfill:
        tax = econ.landfill_tax * tpu
    elif fate.operation == "D10":
        tax = econ.incineration_tax * tpu
    return supply.fate_cost + tax + econ.co2_price * disposal_co2e_t_per_unit(scenario, supply)


def purchase_co2e_t_per_unit(scenario: Scenario, demand: Demand) -> float:
    """Emissions of the conventional source of one demand unit, t CO2e (the demand's own
    factor, else the catalogue's factor for the resource, else the mean over a class)."""
    if demand.co2e_kg_per_unit is not None:
        return demand.co2e_kg_per_unit / 1000.0
    cat = scenario.catalogue
    members = cat.members(demand.resource)
    if not members:
        return 0.0
    return sum(cat.resources[m].virgin_co2e_kg_per_unit for m in members) / len(members) / 1000.0


def purchase_unit_cost(scenario: Scenario, demand: Demand) -> float:
    """Cost of buying one demand unit conventionally, including the CO2 price."""
    return demand.price + scenario.config.economics.co2_price * purchase_co2e_t_per_unit(scenario, demand)


# ---------------------------------------------------------------------------------------
# road: trucks are paid per trip; a unit's share assumes full truck loads
# ---------------------------------------------------------------------------------------
INTEGER_TRIP_PAYLOADS = 2.0
"""Default ``integer_trips_below_t`` in payloads: a link that can carry less than two full
loads a year pays whole trips (a 2 t stream pays a whole truck). Above it the continuous
approximation underestimates by less than one trip (under 1/3 at 2 loads, 1/10 at 10)."""


def _like(values: np.ndarray, arg: ArrayLike) -> Any:
    """A float when the argument was a scalar, else the array."""
    return float(values) if np.ndim(arg) == 0 else values


def road_truck_km_per_trip(scenario: Scenario, distance_m: ArrayLike) -> Any:
    """Truck-km driven for one trip over ``distance_m`` metres (x 2 with an empty return)."""
    road = scenario.config.economics.road
    return _like(np.asarray(distance_m, dtype=float) / 1000.0 * (2.0 if road.empty_return else 1.0), distance_m)


def road_trip_co2e_t(scenario: Scenario, distance_m: ArrayLike) -> Any:
    """Truck emissions of one trip over ``distance_m`` metres (incl. empty return), t CO2e."""
    return road_truck_km_per_trip(scenario, distance_m) * scenario.config.economics.road.co2e_kg_per_km / 1000.0


def road_trip_cost(scenario: Scenario, distance_m: ArrayLike) -> Any:
    """Cost of one truck trip over ``distance_m`` metres, currency per trip:
    (cost_per_km + fuel_l_per_km x diesel_price) x truck-km + ``cost_per_trip`` + CO2 price
    x the trip's emissions. Independent of the load (a 2 t load costs a whole trip)."""
    econ = scenario.config.economics
    road = econ.road
    truck_km = road_truck_km_per_trip(scenario, distance_m)
    per_truck_km = road.cost_per_km + road.fuel_l_per_km * econ.diesel_price
    return _like(
        per_truck_km * truck_km + road.cost_per_trip + econ.co2_price * road_trip_co2e_t(scenario, distance_m),
        distance_m,
    )


def road_units_per_trip(scenario: Scenario, resource: str) -> float:
    """Canonical units of ``resource`` in one full truck load (0 when the resource has no
    mass, e.g. heat: then no trips are counted)."""
    tpu = tonnes_per_unit(scenario, resource)
    return scenario.config.economics.road.payload_t / tpu if tpu > 0 else 0.0


def road_handling_unit_cost(scenario: Scenario, resource: str) -> float:
    """Loading/unloading cost of one unit (``handling_cost_per_t`` x tonnes per unit)."""
    return scenario.config.economics.road.handling_cost_per_t * tonnes_per_unit(scenario, resource)


def road_trips(scenario: Scenario, resource: str, quantity: ArrayLike) -> Any:
    """Trips needed for ``quantity`` units a year with full loads (continuous, not rounded)."""
    per_trip = road_units_per_trip(scenario, resource)
    q = np.asarray(quantity, dtype=float)
    return _like(q / per_trip if per_trip > 0 else np.zeros_like(q), quantity)


def road_co2e_t_per_unit(scenario: Scenario, resource: str, distance_m: ArrayLike) -> Any:
    """Truck emissions for moving one unit ``distance_m`` metres in full loads (incl. empty
    return), t CO2e: the trip's emissions / units per trip."""
    per_trip = road_units_per_trip(scenario, resource)
    co2 = np.asarray(road_trip_co2e_t(scenario, distance_m))
    return _like(co2 / per_trip if per_trip > 0 else np.zeros_like(co2), distance_m)


def road_unit_cost(scenario: Scenario, resource: str, distance_m: ArrayLike) -> Any:
    """Cost of trucking one unit ``distance_m`` metres in full loads: handling per tonne plus
    the trip cost shared over a full load (the continuous-trip approximation; equal to
    the per tonne-km formula ``road_cost_per_tkm x km`` plus ``cost_per_trip / payload``)."""
    per_trip = road_units_per_trip(scenario, resource)
    trip = np.asarray(road_trip_cost(scenario, distance_m))
    share = trip / per_trip if per_trip > 0 else np.zeros_like(trip)
    return _like(road_handling_unit_cost(scenario, resource) + share, distance_m)


def integer_trips_below_t(scenario: Scenario) -> float:
    """Links whose largest possible annual flow is below this many tonnes count whole trips
    (``economics.road.integer_trips_below_t``, default :data:`INTEGER_TRIP_PAYLOADS` payloads)."""
    road = scenario.config.economics.road
    if road.integer_trips_below_t is not None:
        return road.integer_trips_below_t
    return INTEGER_TRIP_PAYLOADS * road.payload_t


def pipe_fixed_cost(scenario: Scenario, length_m: float) -> float:
    """Annualised cost of building a pipe of ``length_m`` metres, currency per year."""
    pipe = scenario.config.economics.pipe
    return (pipe.cost_per_m * length_m + pipe.connection_cost) * pipe.annuity_factor()


def pipe_unit_cost(scenario: Scenario, length_m: float) -> float:
    """Operating (pumping) cost of moving one unit through ``length_m`` metres of pipe."""
    return scenario.config.economics.pipe.operating_cost_per_unit_km * length_m / 1000.0


def pipe_loss(scenario: Scenario, length_m: ArrayLike) -> Any:
    """Share of the flow lost in a pipe of ``length_m`` metres (capped at 0.9)."""
    loss = scenario.config.economics.pipe.heat_loss_per_km * np.asarray(length_m, dtype=float) / 1000.0
    return _like(np.minimum(loss, 0.9), length_m)


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
