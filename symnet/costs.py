"""Unit costs and emission factors: the one accounting used by the optimiser, the
baseline and the KPIs, so that savings are comparable.

All money is in the scenario's currency; quantities in the resource's canonical unit
(t, MWh, m3 or pieces); CO2e in tonnes. "Per unit" means per canonical unit.
"""

from __future__ import annotations

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


def road_co2e_t_per_unit(scenario: Scenario, resource: str, distance_m: float) -> float:
    """Truck emissions for moving one unit ``distance_m`` metres (incl. empty return), t CO2e."""
    econ = scenario.config.economics
    tkm = tonnes_per_unit(scenario, resource) * distance_m / 1000.0
    return tkm * econ.truck_km_per_tkm() * econ.road.co2e_kg_per_km / 1000.0


def road_unit_cost(scenario: Scenario, resource: str, distance_m: float) -> float:
    """Cost of trucking one unit ``distance_m`` metres: per tonne-km cost, handling per
    tonne, and the CO2 price on truck emissions."""
    econ = scenario.config.economics
    tpu = tonnes_per_unit(scenario, resource)
    km = distance_m / 1000.0
    return (tpu * (econ.road_cost_per_tkm() * km + econ.road.handling_cost_per_t)
            + econ.co2_price * road_co2e_t_per_unit(scenario, resource, distance_m))


def pipe_fixed_cost(scenario: Scenario, length_m: float) -> float:
    """Annualised cost of building a pipe of ``length_m`` metres, currency per year."""
    pipe = scenario.config.economics.pipe
    return (pipe.cost_per_m * length_m + pipe.connection_cost) * pipe.annuity_factor()


def pipe_unit_cost(scenario: Scenario, length_m: float) -> float:
    """Operating (pumping) cost of moving one unit through ``length_m`` metres of pipe."""
    return scenario.config.economics.pipe.operating_cost_per_unit_km * length_m / 1000.0


def pipe_loss(scenario: Scenario, length_m: float) -> float:
    """Share of the flow lost in a pipe of ``length_m`` metres (capped at 0.9)."""
    return min(scenario.config.economics.pipe.heat_loss_per_km * length_m / 1000.0, 0.9)
