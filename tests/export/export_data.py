"""Hand-made scenario and Result for the export tests (shared by conftest and test modules)."""

from __future__ import annotations

import pandas as pd
from shapely.geometry import LineString

from symnet.resources import load_catalogue
from symnet.result import Result
from symnet.scenario import (
    Actor,
    Demand,
    FacilityInput,
    FacilityOutput,
    FacilityType,
    Scenario,
    ScenarioConfig,
    SiteOption,
    Supply,
)

CONFIDENTIAL_NAME = "Funäsdalen Sågverk Hemlig AB"
CONFIDENTIAL_ID = "fun_sawmill_x"
CONFIDENTIAL_SUPPLY_Q = 4321.7  # t/yr, the sawmill's supply (scenario)
CONFIDENTIAL_FLOW_Q = 3334.4  # t/yr, exchanged on L_road
CONFIDENTIAL_DISPOSAL_Q = 987.3  # t/yr, left to energy recovery
CONFIDENTIAL_COST = 512345.6  # cost of L_road
ROAD_ROUTE = LineString([(12.533, 62.533), (12.9, 62.47), (13.2, 62.44), (13.5, 62.417)])

ACTORS = [
    ("sveg_chp", "Sveg Energi kraftvärmeverk", "energy", "Härjedalen", 14.357, 62.035, False),
    ("sveg_brew", "Sveg Bryggeri", "food", "Härjedalen", 14.362, 62.031, False),
    ("hede_farm", "Hede Gård", "agriculture", "Härjedalen", 13.500, 62.417, False),
    (CONFIDENTIAL_ID, CONFIDENTIAL_NAME, "forestry", "Härjedalen", 12.533, 62.533, True),
]


def make_scenario() -> Scenario:
    actors = [
        Actor(id=i, name=n, sector=s, municipality=m, lon=x, lat=y, confidential=c) for i, n, s, m, x, y, c in ACTORS
    ]
    supplies = [
        Supply(
            id="s_heat",
            actor="sveg_chp",
            resource="heat",
            quantity=4000.0,
            unit="MWh",
            profile=[1.0],
            temperature_c=80,
            current_fate="cooling",
            fate_cost=0.0,
        ),
        Supply(
            id="s_chips_x",
            actor=CONFIDENTIAL_ID,
            resource="wood_residues",
            quantity=CONFIDENTIAL_SUPPLY_Q,
            unit="t",
            profile=[1.0],
            current_fate="energy_recovery",
            fate_cost=200.0,
            confidential=True,
        ),
        Supply(
            id="s_grain",
            actor="sveg_brew",
            resource="spent_grain",
            quantity=350.0,
            unit="t",
            profile=[1.0],
            current_fate="landfill",
            fate_cost=600.0,
        ),
        Supply(
            id="s_ash",
            actor="sveg_chp",
            resource="ash",
            quantity=120.0,
            unit="t",
            profile=[1.0],
            current_fate="landfill",
            fate_cost=600.0,
        ),
    ]
    demands = [
        Demand(
            id="d_bedding",
            actor="hede_farm",
            resource="wood_residues",
            quantity=3500.0,
            unit="t",
            profile=[1.0],
            price=450.0,
        ),
        Demand(
            id="d_feed", actor="hede_farm", resource="spent_grain", quantity=400.0, unit="t", profile=[1.0], price=900.0
        ),
    ]
    facilities = {
        "greenhouse": FacilityType(
            name="Greenhouse",
            fixed_cost=150000.0,
            capacity=5000.0,
            inputs=[FacilityInput(resource="heat", per_unit=1.0, min_temperature_c=40)],
            outputs=[FacilityOutput(resource="vegetables", per_unit=0.01, sale_price=5000)],
        ),
        "biogas": FacilityType(
            name="Biogas plant", fixed_cost=900000.0, inputs=[FacilityInput(resource="spent_grain")]
        ),
    }
    sites = [
        SiteOption(
            site="gh1",
            name="Sveg greenhouse site",
            municipality="Härjedalen",
            lon=14.37,
            lat=62.04,
            facility="greenhouse",
        ),
        SiteOption(
            site="bg1", name="Hede biogas site", municipality="Härjedalen", lon=13.52, lat=62.42, facility="biogas"
        ),
    ]
    config = ScenarioConfig(name="Härjedalen export test", region="Härjedalen", crs="EPSG:3006", facilities=facilities)
    sources = {
        "economics.landfill_tax": "assumption: 645 SEK/t, Swedish landfill tax 2024",
        "supplies.csv:s_heat.quantity": "report 002 §3.7",
        "supplies.csv:s_grain.quantity": "assumption: brewery volume estimated from production",
        "demands.csv:d_feed.price": "assumption: feed price 900 SEK/t",
        "sites.csv:gh1:greenhouse.fixed_cost": "assumption: greenhouse annuity",
    }
    return Scenario(
        folder=None,
        config=config,
        catalogue=load_catalogue(),
        actors=actors,
        supplies=supplies,
        demands=demands,
        sites=sites,
        sources=sources,
    )


def make_result() -> Result:
    nodes = pd.DataFrame(
        [
            {
                "node": i,
                "kind": "actor",
                "name": n,
                "sector": s,
                "municipality": m,
                "lon": x,
                "lat": y,
                "confidential": c,
            }
            for i, n, s, m, x, y, c in ACTORS
        ]
        + [
            {
                "node": "gh1:greenhouse",
                "kind": "site",
                "name": "Sveg greenhouse site",
                "sector": "greenhouse",
                "municipality": "Härjedalen",
                "lon": 14.37,
                "lat": 62.04,
                "confidential": False,
            },
            {
                "node": "bg1:biogas",
                "kind": "site",
                "name": "Hede biogas site",
                "sector": "biogas",
                "municipality": "Härjedalen",
                "lon": 13.52,
                "lat": 62.42,
                "confidential": False,
            },
        ]
    )
    link_rows = [
        (
            "L_pipe",
            "sveg_chp",
            "gh1:greenhouse",
            "s_heat",
            "gh1:greenhouse",
            "heat",
            "pipe",
            850.0,
            "pipe",
            0.43,
            245000.0,
            3200.0,
            True,
            246376.0,
        ),
        (
            "L_road",
            CONFIDENTIAL_ID,
            "hede_farm",
            "s_chips_x",
            "d_bedding",
            "wood_residues",
            "road",
            61234.0,
            "routed",
            110.0,
            0.0,
            CONFIDENTIAL_FLOW_Q,
            True,
            CONFIDENTIAL_COST,
        ),
        (
            "L_est",
            "sveg_brew",
            "hede_farm",
            "s_grain",
            "d_feed",
            "spent_grain",
            "road",
            58120.0,
            "estimated",
            146.2,
            0.0,
            312.5,
            True,
            45678.9,
        ),
        (
            "L_ash",
            "sveg_chp",
            "bg1:biogas",
            "s_ash",
            "bg1:biogas",
            "ash",
            "road",
            70000.0,
            "estimated",
            160.0,
            0.0,
            0.0,
            False,
            0.0,
        ),
    ]
    links = pd.DataFrame(
        link_rows,
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
            "unit_cost",
            "fixed_cost",
            "quantity",
            "used",
            "cost",
        ],
    )
    links["min_volume"] = 0.0
    links["factor"] = 1.0
    links["loss"] = [0.017, 0.0, 0.0, 0.0]
    names = dict(zip(nodes["node"], nodes["name"]))
    flows = pd.DataFrame(
        [
            {
                "link": r[0],
                "period": "year",
                "supplier": r[1],
                "supplier_name": names[r[1]],
                "receiver": r[2],
                "receiver_name": names[r[2]],
                "supply": r[3],
                "target": r[4],
                "resource": r[5],
                "quantity": r[11],
                "unit": "MWh" if r[5] == "heat" else "t",
                "distance_m": r[7],
                "method": r[8],
                "mode": r[6],
                "cost": r[13],
                "tonne_km": 0.0 if r[5] == "heat" else r[11] * r[7] / 1000.0,
            }
            for r in link_rows
            if r[12]
        ]
    )
    disposal = pd.DataFrame(
        [
            {
                "supply": "s_chips_x",
                "actor": CONFIDENTIAL_ID,
                "resource": "wood_residues",
                "period": "year",
                "quantity": CONFIDENTIAL_DISPOSAL_Q,
                "unit": "t",
                "fate": "energy_recovery",
                "operation": "R1",
                "cost": 197460.0,
            },
            {
                "supply": "s_grain",
                "actor": "sveg_brew",
                "resource": "spent_grain",
                "period": "year",
                "quantity": 37.5,
                "unit": "t",
                "fate": "landfill",
                "operation": "D1",
                "cost": 46687.5,
            },
            {
                "supply": "s_ash",
                "actor": "sveg_chp",
                "resource": "ash",
                "period": "year",
                "quantity": 120.0,
                "unit": "t",
                "fate": "landfill",
                "operation": "D1",
                "cost": 149400.0,
            },
            {
                "supply": "s_heat",
                "actor": "sveg_chp",
                "resource": "heat",
                "period": "year",
                "quantity": 800.0,
                "unit": "MWh",
                "fate": "cooling",
                "operation": None,
                "cost": 0.0,
            },
        ]
    )
    purchases = pd.DataFrame(
        [
            {
                "demand": "d_bedding",
                "actor": "hede_farm",
                "resource": "wood_residues",
                "period": "year",
                "quantity": 165.6,
                "unit": "t",
                "cost": 74520.0,
            },
            {
                "demand": "d_feed",
                "actor": "hede_farm",
                "resource": "spent_grain",
                "period": "year",
                "quantity": 87.5,
                "unit": "t",
                "cost": 78750.0,
            },
        ]
    )
    sites = pd.DataFrame(
        [
            {
                "option": "gh1:greenhouse",
                "site": "gh1",
                "facility": "greenhouse",
                "name": "Sveg greenhouse site",
                "lon": 14.37,
                "lat": 62.04,
                "opened": True,
                "throughput": 3145.6,
                "capacity": 5000.0,
                "fixed_cost": 150000.0,
            },
            {
                "option": "bg1:biogas",
                "site": "bg1",
                "facility": "biogas",
                "name": "Hede biogas site",
                "lon": 13.52,
                "lat": 62.42,
                "opened": False,
                "throughput": 0.0,
                "capacity": float("inf"),
                "fixed_cost": 900000.0,
            },
        ]
    )
    kpis = {
        "total_cost": 1_210_000.0,
        "baseline_cost": 2_950_000.0,
        "savings": 1_740_000.0,
        "landfill_diverted_t": 312.5,
        "incineration_diverted_t": 3334.4,
        "co2e_avoided_t": 412.3,
        "tonne_km": 222_334.0,
        "heat_recovered_mwh": 3145.6,
        "active_links": 3,
        "opened_sites": 1,
        "assumption_kpis": {
            "savings": ["economics.landfill_tax", "demands.csv:d_feed.price"],
            "landfill_diverted_t": ["supplies.csv:s_grain.quantity"],
        },
        # share of each demand met by symbiosis: 3334.4 / 3500 and 312.5 / 400
        "self_sufficiency": {"d_bedding": 0.952686, "d_feed": 0.78125},
        "per_actor": {
            "hede_farm": {"baseline_cost": 1_935_000.0, "cost": 711_695.9, "gain": 1_223_304.1},
            CONFIDENTIAL_ID: {"baseline_cost": 864_340.0, "cost": 197_460.0, "gain": 666_880.0},
            "sveg_brew": {"baseline_cost": 256_872.5, "cost": 46_687.5, "gain": 210_185.0},
            "gh1:greenhouse": {"baseline_cost": 0.0, "cost": 150_000.0, "gain": -150_000.0},
        },
    }
    return Result(
        scenario="Härjedalen export test",
        status="optimal",
        solver="highs",
        objective=1_210_000.0,
        nodes=nodes,
        links=links,
        flows=flows,
        disposal=disposal,
        purchases=purchases,
        sites=sites,
        kpis=kpis,
        geometries={"L_road": ROAD_ROUTE},
        crs="EPSG:3006",
        currency="SEK",
    )
