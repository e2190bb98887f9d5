"""The network asks the router only up to the largest road limit (the "reach"), and
gets the same links as with an unbounded search (real Andorra extract)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from symnet.network import BEYOND_REACH, build_network
from symnet.pipeline import distance_provider, distance_source
from symnet.routing import great_circle_m
from symnet.scenario import load_scenario

ANDORRA = Path(__file__).resolve().parents[1] / "fixtures" / "andorra"


def _midway_km(scenario, unbounded, circuity: float) -> float:
    """A road cap between the estimate (straight line x ``circuity``) and the road
    distance of the most winding link: that link is within reach by straight line, and
    by estimate, and beyond it by road."""
    links = build_network(scenario, distances=unbounded).links
    nodes = scenario_nodes(scenario)
    o, d = nodes.loc[links["source_node"]], nodes.loc[links["target_node"]]
    gc = great_circle_m(o["lon"].to_numpy(), o["lat"].to_numpy(), d["lon"].to_numpy(), d["lat"].to_numpy())
    road = links["distance_m"].to_numpy()
    i = int(np.argmax(road / gc))
    assert road[i] > 1.05 * circuity * gc[i]
    return float(circuity * gc[i] + road[i]) / 2000.0


def scenario_nodes(scenario) -> pd.DataFrame:
    rows = [(a.id, a.lon, a.lat) for a in scenario.actors] + [(s.site, s.lon, s.lat) for s in scenario.sites]
    return pd.DataFrame(rows, columns=["node", "lon", "lat"]).drop_duplicates("node").set_index("node")


@pytest.mark.parametrize("cap", ["midway", 12.0, None])
def test_reach_gives_the_links_of_an_unbounded_search(cap: str | float | None) -> None:
    scenario = load_scenario(ANDORRA, allow_outside=True)
    source = distance_source(scenario)
    assert source.kind == "routed"
    # estimates at the straight line: a pair beyond the reach would pass for one within it
    source.router.circuity = 1.0

    def unbounded(origins: pd.DataFrame, destinations: pd.DataFrame) -> pd.DataFrame:
        return source.router.matrix(origins, destinations).to_frame()

    max_km = _midway_km(scenario, unbounded, source.router.circuity) if cap == "midway" else cap
    scenario.config.economics.road.max_km = max_km
    asked: list[float | None] = []
    answers: list[pd.DataFrame] = []
    bounded = distance_provider(source)

    def spy(origins: pd.DataFrame, destinations: pd.DataFrame, reach_m: float | None = None) -> pd.DataFrame:
        asked.append(reach_m)
        answers.append(bounded(origins, destinations, reach_m=reach_m))
        return answers[-1]

    with_reach = build_network(scenario, distances=spy)
    without = build_network(scenario, distances=unbounded)
    if max_km is not None:
        assert asked == [pytest.approx(max_km * 1000.0)]
    cols = ["link", "source_node", "target_node", "distance_m", "method", "unit_cost"]
    a = with_reach.links[cols].sort_values("link").reset_index(drop=True)
    b = without.links[cols].sort_values("link").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert BEYOND_REACH not in set(with_reach.links["method"])
    far = ["supply", "target", "rule"]
    ea = with_reach.excluded.loc[with_reach.excluded["rule"] == "max_distance", far]
    eb = without.excluded.loc[without.excluded["rule"] == "max_distance", far]
    pd.testing.assert_frame_equal(ea.reset_index(drop=True), eb.reset_index(drop=True))
    if cap == "midway":  # a real test: a pair within reach by straight line is beyond it by road
        assert (answers[0]["method"] == BEYOND_REACH).any() and len(ea) > 0
        detail = with_reach.excluded.loc[with_reach.excluded["rule"] == "max_distance", "detail"]
        assert detail.str.contains("searched up to the largest limit").any()


def test_a_sweep_variant_that_raises_the_limit_gets_the_links_of_a_fresh_build() -> None:
    """Planning workflows build their base network without the reach: a variant with a
    higher road cap reuses the base distance table, which must then hold the road
    distances of pairs beyond the base cap (not estimates of them)."""
    from symnet.planning.common import Variant, _variant_inputs, prepare

    scenario = load_scenario(ANDORRA, allow_outside=True)
    source = distance_source(scenario)

    def unbounded(origins: pd.DataFrame, destinations: pd.DataFrame) -> pd.DataFrame:
        return source.router.matrix(origins, destinations).to_frame()

    low = _midway_km(scenario, unbounded, 1.0)
    scenario.config.economics.road.max_km = low
    shared = prepare(scenario)
    _, variant = _variant_inputs(shared, Variant("wider", params=(("economics.road.max_km", 40.0),)))
    scenario.config.economics.road.max_km = 40.0
    fresh = build_network(scenario, distances=unbounded)
    table = shared.network.distance_table
    assert (table["distance_m"] > low * 1000.0).any()  # the base table holds pairs beyond its cap
    known = set(zip(table["origin"], table["destination"]))
    cols = ["link", "source_node", "target_node", "distance_m", "method"]

    def in_table(links: pd.DataFrame) -> pd.DataFrame:
        keep = [(o, d) in known for o, d in zip(links["source_node"], links["target_node"])]
        return links.loc[keep, cols].sort_values("link").reset_index(drop=True)

    a, b = in_table(variant.links), in_table(fresh.links)
    assert len(b) > len(shared.network.links)  # the wider cap adds links whose distances are known
    pd.testing.assert_frame_equal(a, b)
