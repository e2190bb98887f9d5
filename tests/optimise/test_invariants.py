"""Invariants on generated scenarios (hypothesis) and a run on the tiny fixture."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symnet.kpi import baseline
from symnet.network import build_network
from symnet.optimise import AllocationModel, optimise
from symnet.scenario import load_scenario

from .helpers import make_scenario

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"

point = st.tuples(st.floats(14.0, 14.5), st.floats(62.0, 62.3))
stream = st.tuples(point, st.floats(1.0, 200.0), st.floats(0.05, 0.95))


@st.composite
def scenarios(draw):
    sups = draw(st.lists(stream, min_size=1, max_size=4))
    dems = draw(st.lists(stream, min_size=1, max_size=4))
    fixed = draw(st.sampled_from([0.0, 500.0, 3000.0]))
    min_t = draw(st.sampled_from([0.0, 20.0]))
    fate_cost = draw(st.floats(0.0, 800.0))
    price = draw(st.floats(0.0, 500.0))
    actors = ["id,name,lon,lat,operations"]
    rows_s = ["id,actor,resource,quantity,unit,profile,current_fate,fate_cost"]
    rows_d = ["id,actor,resource,quantity,unit,profile,price"]
    for i, ((lon, lat), q, share) in enumerate(sups):
        actors.append(f"sa{i},S{i},{lon},{lat},")
        rows_s.append(f"s{i},sa{i},spent_grain,{q},t,{share}|{1 - share},landfill,{fate_cost}")
    for j, ((lon, lat), q, share) in enumerate(dems):
        actors.append(f"da{j},D{j},{lon},{lat},R3")
        rows_d.append(f"d{j},da{j},spent_grain,{q},t,{share}|{1 - share},{price}")
    return "\n".join(actors), "\n".join(rows_s), "\n".join(rows_d), fixed, min_t


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=scenarios())
def test_invariants_on_generated_scenarios(tmp_path_factory, case):
    actors, sups, dems, fixed, min_t = case
    folder = tmp_path_factory.mktemp("gen")
    s = make_scenario(
        folder,
        actors,
        sups,
        dems,
        periods=[{"id": "cold", "weight": 0.5}, {"id": "warm", "weight": 0.5}],
        economics={"road": {"link_fixed_cost": fixed, "min_volume_t": min_t}},
    )
    net = build_network(s)
    r = AllocationModel(s, net, solver="highs", gap=1e-6).solve()
    assert r.status == "optimal"
    out = r.flows.groupby(["supply", "period"])["quantity"].sum() if len(r.flows) else {}
    disp = r.disposal.groupby(["supply", "period"])["quantity"].sum() if len(r.disposal) else {}
    bought = r.purchases.groupby(["demand", "period"])["quantity"].sum() if len(r.purchases) else {}
    inflow = r.flows.groupby(["target", "period"])["quantity"].sum() if len(r.flows) else {}
    for sup in s.supplies:
        for p, per in enumerate(s.periods):
            moved = float(out.get((sup.id, per.id), 0.0))
            # mass balance: flows out + disposal = supply in the period
            assert moved + float(disp.get((sup.id, per.id), 0.0)) == pytest.approx(
                sup.quantity * sup.profile[p], abs=1e-5
            )
            assert moved <= sup.quantity * sup.profile[p] + 1e-6
    for dem in s.demands:
        for p, per in enumerate(s.periods):
            got = float(inflow.get((dem.id, per.id), 0.0))
            assert got <= dem.quantity * dem.profile[p] + 1e-6
            assert got + float(bought.get((dem.id, per.id), 0.0)) == pytest.approx(
                dem.quantity * dem.profile[p], abs=1e-5
            )
    # doing nothing is feasible, so the optimum is never above the baseline
    assert r.objective <= baseline(s)["total_cost"] + 1e-6
    # used links respect their minimum volume
    used = r.links.loc[r.links["used"]]
    assert (used["quantity"] >= used["min_volume"] - 1e-6).all()
    cbc = AllocationModel(s, net, solver="cbc", gap=1e-6).solve()
    assert cbc.objective == pytest.approx(r.objective, rel=1e-4, abs=1e-3)


def test_tiny_fixture_runs_with_both_solvers():
    s = load_scenario(TINY)
    r = optimise(s)
    assert r.status == "optimal" and r.gap == pytest.approx(0.0)
    assert r.objective == pytest.approx(optimise(s, solver="cbc").objective)
    # grain: 100 t landfilled at 600 + 500 tax; 50 t replace feed at the farm 92 km away.
    assert r.kpis["landfill_diverted_t"] == pytest.approx(50.0)
    assert r.kpis["baseline_cost"] == pytest.approx(100 * 1100 + 50 * 300)
    assert r.kpis["savings"] > 0
    assert set(r.flows.columns) >= {"link", "period", "supplier", "receiver", "quantity", "tonne_km", "cost"}
    assert r.kpis["distance_methods"] == {"estimated": 1}
    assert "economics.landfill_tax" in r.kpis["assumption_kpis"]["savings"]
    assert r.build_seconds > 0 and r.solve_seconds > 0


def test_excluded_actor_and_duals_of_fixed_model():
    s = load_scenario(TINY)
    r = optimise(s, excluded_actors={"farm"})
    assert r.kpis["active_links"] == 0
    assert (r.excluded["rule"] == "excluded_actor").sum() == 1
    m = AllocationModel(s, fixed_binaries={"s_heat->gh1:greenhouse#heat:pipe": 0, "gh1:greenhouse": 0})
    m.solve()
    rc = m.reduced_costs()
    assert set(rc["link"]) == {"s_grain->d_feed:road", "s_heat->gh1:greenhouse#heat:pipe"}
    duals = m.duals()
    # a tonne of grain at the source is worth its avoided landfill (600 + 500 tax) minus... the
    # marginal tonne goes to landfill, so the supply balance's dual is the landfill cost per t.
    assert duals["supply_1_0"] == pytest.approx(1100.0)
    assert np.isfinite(rc["reduced_cost"]).all()
