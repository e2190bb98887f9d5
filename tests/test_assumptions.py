"""Which assumed numbers each KPI rests on, for one hand-built solution.

Scenario (one period, no CO2 price):
* ``s_used``   100 t spent grain, landfill, quantity ASSUMED, fate cost measured -> d_feed by road (all 100 t)
* ``s_unused``  40 t spent grain, landfill, quantity ASSUMED, carries no flow (its link is unused)
* ``s_heat``  1000 MWh heat at 70 C, quantity ASSUMED -> greenhouse site by pipe (900 MWh, 2 % loss)
* ``d_feed``   100 t spent grain at an ASSUMED price, fully met; its quantity is measured
* greenhouse at site ``g1``: ASSUMED fixed cost (facility default), capacity 5000 (not binding)
Economics: landfill tax, road cost per km and pipe heat loss are ASSUMED; everything else
has no source (defaults) or a measured source.
"""

from __future__ import annotations

import pandas as pd
import pytest

from symnet.assumptions import (
    assumption_table,
    assumption_value,
    kpi_assumptions,
    kpi_inputs,
    source_text,
    top_assumptions,
)
from symnet.resources import load_catalogue
from symnet.result import Result
from symnet.scenario import (
    Actor,
    Demand,
    Economics,
    FacilityInput,
    FacilityType,
    PipeEconomics,
    RoadEconomics,
    Scenario,
    ScenarioConfig,
    SiteOption,
    Supply,
)

SOURCES = {
    "supplies.csv:s_used.quantity": "assumption: estimated from production",
    "supplies.csv:s_used.fate_cost": "invoice 2023",
    "supplies.csv:s_unused.quantity": "assumption: a guess",
    "supplies.csv:s_heat.quantity": "assumption: surplus heat estimate",
    "supplies.csv:s_heat.temperature_c": "measured 2023",
    "demands.csv:d_feed.price": "assumption: feed price",
    "demands.csv:d_feed.quantity": "farm survey 2024",
    "economics.landfill_tax": "assumption: tax level 2024",
    "economics.road.cost_per_km": "assumption: haulage rate",
    "economics.pipe.heat_loss_per_km": "assumption: 2 %/km",
    "facilities.greenhouse.fixed_cost": "assumption: greenhouse annuity",
    "solver.gap": "assumption: never enters a KPI",
}


def make_scenario(capacity: float = 5000.0) -> Scenario:
    actors = [
        Actor(id=a, name=f"Actor {a}", municipality="Sveg", lon=14.3 + 0.01 * i, lat=62.0)
        for i, a in enumerate(["A", "B", "C", "P"])
    ]
    one = dict(profile=[1.0])
    supplies = [
        Supply(
            id="s_used",
            actor="A",
            resource="spent_grain",
            quantity=100.0,
            unit="t",
            current_fate="landfill",
            fate_cost=600.0,
            **one,
        ),
        Supply(
            id="s_unused",
            actor="B",
            resource="spent_grain",
            quantity=40.0,
            unit="t",
            current_fate="landfill",
            fate_cost=600.0,
            **one,
        ),
        Supply(
            id="s_heat",
            actor="P",
            resource="heat",
            quantity=1000.0,
            unit="MWh",
            temperature_c=70,
            current_fate="cooling",
            fate_cost=0.0,
            **one,
        ),
    ]
    demands = [Demand(id="d_feed", actor="C", resource="spent_grain", quantity=100.0, unit="t", price=900.0, **one)]
    facilities = {
        "greenhouse": FacilityType(
            name="Greenhouse",
            fixed_cost=150000.0,
            capacity=capacity,
            inputs=[FacilityInput(resource="heat", min_temperature_c=40)],
        )
    }
    economics = Economics(
        landfill_tax=645.0, road=RoadEconomics(cost_per_km=15.0), pipe=PipeEconomics(heat_loss_per_km=0.02)
    )
    config = ScenarioConfig(name="assumption test", economics=economics, facilities=facilities)
    sites = [SiteOption(site="g1", name="Greenhouse site", lon=14.33, lat=62.0, facility="greenhouse")]
    return Scenario(
        folder=None,
        config=config,
        catalogue=load_catalogue(),
        actors=actors,
        supplies=supplies,
        demands=demands,
        sites=sites,
        sources=dict(SOURCES),
    )


def make_result() -> Result:
    """The optimum of the scenario above, as the optimiser reports it."""
    links = pd.DataFrame(
        [
            ("L_used", "A", "C", "s_used", "d_feed", "spent_grain", "road", 20000.0, "estimated", 100.0, True, 0.0),
            ("L_unused", "B", "C", "s_unused", "d_feed", "spent_grain", "road", 90000.0, "estimated", 0.0, False, 0.0),
            (
                "L_heat",
                "P",
                "g1:greenhouse",
                "s_heat",
                "g1:greenhouse",
                "heat",
                "pipe",
                1000.0,
                "pipe",
                900.0,
                True,
                0.02,
            ),
        ],
        columns=[
            "link",
            "source_node",
            "target_node",
            "supply",
            "target",
            "resource",
            "mode",
            "distance_m",
            "method",
            "quantity",
            "used",
            "loss",
        ],
    )
    links["fixed_cost"] = [0.0, 0.0, 50000.0]
    links["factor"] = 1.0
    links["cost"] = [9000.0, 0.0, 50500.0]
    flows = pd.DataFrame(
        [
            {
                "link": "L_used",
                "period": "year",
                "supply": "s_used",
                "target": "d_feed",
                "resource": "spent_grain",
                "quantity": 100.0,
                "tonne_km": 2000.0,
            },
            {
                "link": "L_heat",
                "period": "year",
                "supply": "s_heat",
                "target": "g1:greenhouse",
                "resource": "heat",
                "quantity": 900.0,
                "tonne_km": 0.0,
            },
        ]
    )
    disposal = pd.DataFrame(
        [
            {
                "supply": "s_unused",
                "actor": "B",
                "resource": "spent_grain",
                "period": "year",
                "quantity": 40.0,
                "unit": "t",
                "fate": "landfill",
                "operation": "D1",
                "cost": 49800.0,
                "origin": "supply",
            },
            {
                "supply": "s_heat",
                "actor": "P",
                "resource": "heat",
                "period": "year",
                "quantity": 100.0,
                "unit": "MWh",
                "fate": "cooling",
                "operation": None,
                "cost": 0.0,
                "origin": "supply",
            },
        ]
    )
    purchases = pd.DataFrame(columns=["demand", "actor", "resource", "period", "quantity", "unit", "cost", "kind"])
    sites = pd.DataFrame(
        [
            {
                "option": "g1:greenhouse",
                "site": "g1",
                "facility": "greenhouse",
                "name": "Greenhouse site",
                "lon": 14.33,
                "lat": 62.0,
                "opened": True,
                "throughput": 882.0,
                "capacity": 5000.0,
                "fixed_cost": 150000.0,
            }
        ]
    )
    return Result(
        scenario="assumption test",
        status="optimal",
        solver="highs",
        objective=1.0,
        links=links,
        flows=flows,
        disposal=disposal,
        purchases=purchases,
        sites=sites,
    )


@pytest.fixture
def rests() -> dict[str, list[str]]:
    return kpi_assumptions(make_result(), make_scenario())


def test_landfill_diverted_rests_only_on_the_used_landfilled_supply(rests):
    # s_unused is landfilled and assumed too, but carries no flow: it enters no diversion
    assert rests["landfill_diverted_t"] == ["supplies.csv:s_used.quantity"]
    assert rests["incineration_diverted_t"] == []


def test_heat_recovered_rests_on_the_heat_quantity_and_the_pipe_loss(rests):
    # the temperature is measured, so it is an input but not an assumption
    assert rests["heat_recovered_mwh"] == ["economics.pipe.heat_loss_per_km", "supplies.csv:s_heat.quantity"]
    assert "supplies.csv:s_heat.temperature_c" in kpi_inputs(make_result(), make_scenario())["heat_recovered_mwh"]


def test_savings_rest_on_what_the_solution_changes(rests):
    # landfill tax of the diverted grain, the feed price it replaces, the road rate, the
    # pipe (its loss), the opened greenhouse's fixed cost and the two quantities moved;
    # not the unused supply, not the measured fate cost, not the solver settings
    assert rests["savings"] == sorted(
        [
            "catalogue:fates.cooling.cost",  # the heat's cooling fate: "cost and CO2e 0: assumption"
            "demands.csv:d_feed.price",
            "economics.landfill_tax",
            "economics.pipe.heat_loss_per_km",
            "economics.road.cost_per_km",
            "facilities.greenhouse.fixed_cost",
            "supplies.csv:s_heat.quantity",
            "supplies.csv:s_used.quantity",
        ]
    )


def test_baseline_rests_on_every_supply_but_not_on_the_symbiosis(rests):
    assert "supplies.csv:s_unused.quantity" in rests["baseline_cost"]
    assert "supplies.csv:s_unused.quantity" in rests["total_cost"]  # still landfilled: its cost remains
    assert not {"economics.road.cost_per_km", "facilities.greenhouse.fixed_cost"} & set(rests["baseline_cost"])
    assert not any("solver." in k for keys in rests.values() for k in keys)


def test_co2e_avoided_rests_on_the_catalogue_landfill_factor(rests):
    # the landfill fate's CO2e factor is a catalogue default whose source starts with "assumption"
    assert source_text(make_scenario(), "catalogue:fates.landfill.co2e_kg_per_t").startswith("assumption")
    # the spent-grain factor's source ends "...400 kg CO2e/t of displaced feed: assumption": partly
    # assumed numbers count as assumed
    assert rests["co2e_avoided_t"] == [
        "catalogue:fates.landfill.co2e_kg_per_t",
        "catalogue:spent_grain.virgin_co2e_kg_per_unit",
        "supplies.csv:s_used.quantity",
    ]
    assert rests["tonne_km"] == ["supplies.csv:s_used.quantity"]
    assert rests["opened_sites"] == ["facilities.greenhouse.fixed_cost"]


def test_a_binding_capacity_becomes_an_input():
    """882 MWh reach the greenhouse (900 x 0.98); with capacity 882 the capacity binds."""
    scenario = make_scenario(capacity=882.0)
    scenario.sources["facilities.greenhouse.capacity"] = "assumption: 2000 m2"
    rests = kpi_assumptions(make_result(), scenario)
    assert "facilities.greenhouse.capacity" in rests["savings"]
    loose = make_scenario(capacity=5000.0)
    loose.sources["facilities.greenhouse.capacity"] = "assumption: 2000 m2"
    assert "facilities.greenhouse.capacity" not in kpi_assumptions(make_result(), loose)["savings"]


def test_top_assumptions_and_values():
    result, scenario = make_result(), make_scenario()
    top = top_assumptions(result, scenario, n=2)
    assert [k for k, _, _ in top] == ["supplies.csv:s_used.quantity", "supplies.csv:s_heat.quantity"]
    key, source, kpis = top[0]
    assert source == "assumption: estimated from production" and "landfill_diverted_t" in kpis
    table = assumption_table(result, scenario)
    assert len({k for k, _, _ in table}) == len(table)  # each key once
    assert [len(k) for _, _, k in table] == sorted((len(k) for _, _, k in table), reverse=True)
    assert assumption_value(scenario, "supplies.csv:s_used.quantity") == "100 t"
    assert assumption_value(scenario, "economics.landfill_tax") == "645"
    assert assumption_value(scenario, "economics.pipe.heat_loss_per_km") == "0.02"
    assert assumption_value(scenario, "catalogue:fates.landfill.co2e_kg_per_t") == "30"


def test_real_solve_of_the_tiny_fixture():
    """Invariants on a real optimum: every key listed is an assumption with a source,
    and the quantity of a supply that moves nothing is in no diversion KPI."""
    from pathlib import Path

    optimise = pytest.importorskip("symnet.optimise")
    from symnet.scenario import is_assumption, load_scenario

    scenario = load_scenario(Path(__file__).parent / "fixtures" / "tiny")
    result = optimise.AllocationModel(scenario).solve()
    assert result.ok
    rests = kpi_assumptions(result, scenario)
    for keys in rests.values():
        assert all(is_assumption(source_text(scenario, k)) for k in keys)
    used = result.links.loc[result.links["used"], "supply"]
    for s in scenario.supplies:
        if s.id not in set(used):
            assert f"supplies.csv:{s.id}.quantity" not in rests["landfill_diverted_t"] + rests["savings"]
