"""Trip-based road costs, pooling through a hub, and the model's public options.

Unless stated: trucks 15 SEK/truck-km, no fuel cost, empty return (a trip over d km drives
2 d truck-km), payload 25 t, no handling cost, no cost per trip, no CO2 price; so one trip
over 100 km costs 15 x 200 = 3000 SEK whatever it carries, and one over 3 km costs 90 SEK.
"""

from __future__ import annotations

import pytest

from symnet import costs
from symnet.kpi import baseline
from symnet.optimise import AllocationModel

from .helpers import link_quantity, make_scenario, solve

TRUCK = {
    "economics": {
        "road": {"payload_t": 25, "cost_per_km": 15, "fuel_l_per_km": 0, "empty_return": True, "handling_cost_per_t": 0}
    }
}
ACTORS = """
id,name,lon,lat,operations
a,Firm A,14.00,62.00,
b,Firm B,14.01,62.00,
r,Recycler,15.50,62.00,R4
"""
HUB = {
    "facilities": {
        "hub": {
            "name": "Scrap yard",
            "passthrough": True,
            "fixed_cost": 1000,
            "inputs": [{"resource": "metal_scrap"}],
            "operations": ["R13"],
        }
    }
}
HUB_SITE = "id,lon,lat,facility\nh,14.005,62.01,hub"
ROAD = {("a", "r"): 100, ("b", "r"): 100, ("a", "h:hub"): 3, ("b", "h:hub"): 3, ("h:hub", "r"): 100}
# the recycler needs 4 t/yr and would buy virgin metal at 2000 SEK/t; the firms' scrap is
# worth nothing where it is (fate 'sale' at 0).
DEMAND = "id,actor,resource,quantity,unit,price\nrd,r,metal_scrap,4,t,2000"


def _scrap(tmp_path, firms: str):
    rows = {"a": "sa,a,metal_scrap,2,t,sale,0", "b": "sb,b,metal_scrap,2,t,sale,0"}
    supplies = "id,actor,resource,quantity,unit,current_fate,fate_cost\n" + "\n".join(rows[f] for f in firms)
    return make_scenario(tmp_path, ACTORS, supplies, DEMAND, sites=HUB_SITE, **TRUCK, **HUB)


def test_two_small_streams_are_pooled_through_the_hub(tmp_path):
    # Direct, each 2 t stream pays a whole 100 km trip (3000) to save 2 t x 2000 = 4000: 6000.
    # Through the hub: two 3 km trips (2 x 90) + one 100 km trip with 4 t (3000) + the hub's
    # 1000 fixed cost = 4180, and the recycler buys nothing. Baseline 4 t x 2000 = 8000.
    r = solve(_scrap(tmp_path, "ab"), ROAD)
    assert r.status == "optimal"
    assert r.objective == pytest.approx(4180.0)
    assert r.kpis["opened_sites"] == ["h:hub"]
    assert link_quantity(r, "h:hub>metal_scrap->rd:road") == pytest.approx(4.0)
    assert link_quantity(r, "sa->rd:road") == 0.0
    trips = r.links.set_index("link")["trips"]
    assert trips["h:hub>metal_scrap->rd:road"] == 1.0 and trips["sa->h:hub#metal_scrap:road"] == 1.0
    assert r.kpis["truck_km"] == pytest.approx(2 * 6 + 200)
    assert r.kpis["co2e_transport_t"] == pytest.approx(212 * 0.95 / 1000)
    assert r.kpis["savings"] == pytest.approx(8000.0 - 4180.0)
    assert r.links["cost"].sum() == pytest.approx(3180.0)


def test_one_small_stream_goes_direct_without_hub(tmp_path):
    # One 2 t stream: direct 3000 + 2 t bought at 2000 = 7000; via the hub 90 + 3000 + 1000 +
    # 4000 = 8090; nothing moved 8000. Optimum: direct, hub closed.
    r = solve(_scrap(tmp_path, "a"), ROAD)
    assert r.objective == pytest.approx(7000.0)
    assert r.kpis["opened_sites"] == []
    assert link_quantity(r, "sa->rd:road") == pytest.approx(2.0)


def test_large_stream_costs_the_per_tonne_km_formula(tmp_path):
    # 1000 t grain over 50 km with fuel 0.35 l/km x 20 SEK/l: 40 full trips of 22 SEK x 100
    # truck-km = 88,000 = 1.76 SEK/tkm x 50,000 tkm (the per tonne-km formula), plus 50 SEK/t
    # handling. The link can carry 40 loads, above the 2-load threshold: continuous trips.
    econ = {"economics": {"road": {**TRUCK["economics"]["road"], "fuel_l_per_km": 0.35, "handling_cost_per_t": 50}}}
    actors = "id,name,lon,lat,operations\na,Brewery,14.0,62.0,\nc,Farm,14.5,62.0,R3"
    s = make_scenario(
        tmp_path,
        actors,
        "id,actor,resource,quantity,unit,current_fate,fate_cost\ns1,a,spent_grain,1000,t,landfill,600",
        "id,actor,resource,quantity,unit,price\ndc,c,spent_grain,1000,t,0",
        **econ,
    )
    assert s.config.economics.road_cost_per_tkm() == pytest.approx(1.76)
    r = solve(s, {("a", "c"): 50})
    assert r.objective == pytest.approx(1.76 * 50 * 1000 + 50 * 1000)
    assert not r.links["trips"].isna().any() and r.links["trips"].iat[0] == pytest.approx(40.0)
    assert r.kpis["truck_km"] == pytest.approx(40 * 100)
    # 40 t (1.6 loads) pays 2 whole trips: 2 x 2200 + 40 x 50 = 6400 (continuous: 5520)
    s2 = make_scenario(
        tmp_path / "small",
        actors,
        "id,actor,resource,quantity,unit,current_fate,fate_cost\ns1,a,spent_grain,40,t,landfill,600",
        "id,actor,resource,quantity,unit,price\ndc,c,spent_grain,40,t,0",
        **econ,
    )
    small = solve(s2, {("a", "c"): 50})
    assert small.objective == pytest.approx(2 * 2200 + 40 * 50)
    assert costs.road_unit_cost(s2, "spent_grain", 50_000.0) * 40 == pytest.approx(5520.0)


def test_cost_per_trip_is_charged_per_trip(tmp_path):
    # as the pooled case with 500 SEK per trip: 3 trips -> 4180 + 1500
    s = make_scenario(
        tmp_path / "t",
        ACTORS,
        "id,actor,resource,quantity,unit,current_fate,fate_cost\nsa,a,metal_scrap,2,t,sale,0\n"
        "sb,b,metal_scrap,2,t,sale,0",
        DEMAND,
        sites=HUB_SITE,
        **HUB,
        economics={"road": {**TRUCK["economics"]["road"], "cost_per_trip": 500}},
    )
    assert solve(s, ROAD).objective == pytest.approx(4180.0 + 3 * 500)


def test_max_open_and_co2_objective_are_public_options(tmp_path):
    from symnet.network import build_network, table_distances

    from .helpers import km

    s = _scrap(tmp_path, "ab")
    net = build_network(s, distances=table_distances(km(ROAD)))
    # no option may open: both streams go direct (6000)
    closed = AllocationModel(s, net, max_open=0).solve()
    assert closed.objective == pytest.approx(6000.0) and closed.kpis["opened_sites"] == []
    # least CO2e: the pooled route drives 212 truck-km vs 400 direct; virgin metal avoided
    # (1.5 t CO2e/t) in both: objective in t CO2e, total_cost still money
    green = AllocationModel(s, net, objective="co2").solve()
    assert green.objective == pytest.approx(212 * 0.95 / 1000)
    assert green.kpis["total_cost"] == pytest.approx(4180.0)
    model = AllocationModel(s, net, fixed_binaries={"h:hub": 1.0})
    model.solve()
    duals = model.link_duals()
    assert list(duals["link"]) == list(model.links["link"])
    assert set(duals.columns) == {"link", "max_dual", "min_dual", "trips_dual"}


def test_excluded_actor_leaves_the_baseline(tmp_path):
    # without firm b: baseline = recycler buying 4 t (8000) plus a's scrap (0); b's stream is
    # neither in the baseline nor counted as diverted.
    s = _scrap(tmp_path, "ab")
    r = solve(s, ROAD, excluded_actors={"b"})
    assert r.kpis["baseline_cost"] == pytest.approx(baseline(s, {"b"})["total_cost"]) == pytest.approx(8000.0)
    assert r.objective == pytest.approx(7000.0)
    assert r.kpis["savings"] == pytest.approx(1000.0)


def test_hub_operating_cost_is_per_tonne(tmp_path):
    # 40 fridges (60 kg each = 2.4 t) and 2 t metal can only reach the recycler through the
    # hub (direct 600 km is beyond both resources' road limits). Hub: 100 SEK per tonne, no
    # fixed cost. Each forward is its own link (one 100 km trip each, 3000), each firm one
    # 3 km trip (90): 2 x 90 + 2 x 3000 + 100 x (2 + 2.4) = 6620 (per unit it would be
    # 100 x 42 = 4200), plus the 2 t metal the recycler still buys (4000): 10620. Baseline: 4 t metal bought (8000) + fridges to the contractor
    # (40 x 209 = 8360) + 40 fridges bought (4000) = 20360.
    facilities = {
        "facilities": {
            "hub": {
                **HUB["facilities"]["hub"],
                "operating_cost": 100,
                "fixed_cost": 0,
                "inputs": [{"resource": "metal_scrap"}, {"resource": "fridges"}],
            }
        }
    }
    actors = ACTORS.replace("r,Recycler,15.50,62.00,R4", "r,Recycler,15.50,62.00,R4|R12")
    s = make_scenario(
        tmp_path,
        actors,
        "id,actor,resource,quantity,unit,current_fate,fate_cost\nsa,a,metal_scrap,2,t,sale,0\n"
        "sf,b,fridges,40,pieces,contractor,209",
        DEMAND + "\nrf,r,fridges,40,pieces,100",
        sites=HUB_SITE,
        **TRUCK,
        **facilities,
    )
    r = solve(s, {**ROAD, ("a", "r"): 600, ("b", "r"): 600})
    assert r.sites.set_index("option").loc["h:hub", "throughput"] == pytest.approx(4.4)
    assert r.objective == pytest.approx(10620.0)
    assert r.kpis["baseline_cost"] == pytest.approx(20360.0)
    # the hub pays its operating cost and the two trips delivering to it (kpi per-actor rule)
    assert r.kpis["per_actor"]["h:hub"]["cost"] == pytest.approx(440.0 + 2 * 90)
