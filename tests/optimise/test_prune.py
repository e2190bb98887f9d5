"""Dominance pruning (issue #14): a link that costs more than its supply's fate plus its
receiver's conventional purchase is left out, and no optimum ever needs a pruned link."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

from scale_generator import write_scale_scenario  # noqa: E402

from symnet.network import build_network, table_distances  # noqa: E402
from symnet.optimise import AllocationModel  # noqa: E402
from symnet.optimise.prune import dominated_links  # noqa: E402
from symnet.scenario import load_scenario  # noqa: E402

from .helpers import km, make_scenario  # noqa: E402

ACTORS = """
id,name,lon,lat,operations
a,Brewery A,14.00,62.00,
c,Farm C,14.02,62.00,R3
e,Farm E,14.03,62.00,R3
f,Farm F,14.04,62.00,R3
"""
# landfill 50 SEK/t and a conventional price of 10 SEK/t: a trucked tonne (1 SEK/t-km)
# is worth moving up to 60 km; at exactly 60 km it is a tie (kept).
SUPPLY = "id,actor,resource,quantity,unit,current_fate,fate_cost\ns1,a,spent_grain,100,t,landfill,50"
DEMANDS = """id,actor,resource,quantity,unit,price
dc,c,spent_grain,40,t,10
de,e,spent_grain,40,t,10
df,f,spent_grain,40,t,10"""
DISTANCES = {("a", "c"): 59.0, ("a", "e"): 60.0, ("a", "f"): 61.0}


def _model(tmp_path: Path, **options: object) -> AllocationModel:
    scenario = make_scenario(tmp_path, ACTORS, SUPPLY, DEMANDS)
    network = build_network(scenario, distances=table_distances(km(DISTANCES)))
    return AllocationModel(scenario, network, **options)


def test_only_the_link_dearer_than_landfill_plus_purchase_is_pruned(tmp_path: Path) -> None:
    model = _model(tmp_path, prune=True).build()
    assert model.pruned_links == 1
    assert sorted(model.links["link"]) == ["s1->dc:road", "s1->de:road"]
    result = model.solve()
    # 40 t at 59 km, 40 t at 60 km (tie), 20 t to landfill; the farms buy 0, 0 and 40 t
    assert result.objective == pytest.approx(40 * 59 + 40 * 60 + 20 * 50 + 40 * 10)
    unpruned = _model(tmp_path / "whole", prune=False).solve()
    assert unpruned.objective == pytest.approx(result.objective)


def test_nothing_is_pruned_where_moving_a_flow_changes_who_pays(tmp_path: Path) -> None:
    scenario = make_scenario(tmp_path, ACTORS, SUPPLY, DEMANDS, economics={"participation": "individually_rational"})
    network = build_network(scenario, distances=table_distances(km(DISTANCES)))
    assert AllocationModel(scenario, network, prune=True).build().pruned_links == 0
    lp = _model(tmp_path / "lp", prune=True, fixed_binaries={}).build()
    assert lp.pruned_links == 0  # LP mode: every link's duals are wanted


def test_by_default_small_models_are_not_pruned(tmp_path: Path) -> None:
    assert _model(tmp_path).build().pruned_links == 0


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(8, 20), objective=st.sampled_from(["cost", "co2"]))
def test_no_unpruned_optimum_uses_a_pruned_link(
    tmp_path_factory: pytest.TempPathFactory, seed: int, n: int, objective: str
) -> None:
    folder = write_scale_scenario(tmp_path_factory.mktemp("scale") / "s", n, seed)
    scenario = load_scenario(folder)
    network = build_network(scenario)
    whole = AllocationModel(scenario, network, prune=False, gap=1e-9, objective=objective)
    result = whole.solve()
    assert result.status == "optimal"
    dominated = dominated_links(whole.data, objective)
    flow = whole.values("x").sum(axis=1)
    assert not np.any(flow[dominated] > 1e-6), whole.data.links.loc[dominated & (flow > 1e-6), "link"].tolist()
    pruned = AllocationModel(scenario, network, prune=True, gap=1e-9, objective=objective)
    assert pruned.solve().objective == pytest.approx(result.objective, rel=1e-7, abs=1e-6)
    assert pruned.pruned_links == int(dominated.sum())
