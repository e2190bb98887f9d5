"""Invariants: the participants' gains add up to the system savings (every shipped scenario,
and small generated cases); the individually-rational optimum leaves nobody worse off and
never saves more than the system optimum."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symnet.optimise import AllocationModel
from symnet.participants import check_sum, participant_economics
from symnet.planning.compare import with_participation
from symnet.scenario import load_scenario
from symnet.settlement import settle
from tests.optimise.helpers import make_scenario, solve
from tests.participants.test_economics import ACTORS, SUPPLIES

SCENARIOS = sorted(p for p in (Path(__file__).parents[2] / "scenarios").iterdir() if (p / "scenario.yaml").exists())


@pytest.mark.parametrize("folder", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_gains_add_up_to_savings_and_no_loser_holds(folder):
    scenario = load_scenario(folder)
    system = AllocationModel(scenario).solve()
    table = participant_economics(system, scenario)
    check_sum(table, system.kpis["savings"])
    assert settle(system, table, "proportional").shares["settled_gain"].min() >= -1e-6
    rational = with_participation(scenario, "individually_rational")
    ir = AllocationModel(rational).solve()
    assert ir.ok, ir.message
    ir_table = participant_economics(ir, rational)
    check_sum(ir_table, ir.kpis["savings"])
    assert ir_table["gain"].min() >= -1e-6 * max(1.0, abs(ir.kpis["savings"]))
    assert ir.kpis["savings"] <= system.kpis["savings"] * (1 + 1e-6) + 1e-6 + abs(system.gap or 0) * abs(
        system.kpis["baseline_cost"]
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    price_b=st.integers(0, 200),
    price_c=st.integers(0, 200),
    qty_c=st.integers(1, 150),
    km_b=st.integers(1, 150),
    km_c=st.integers(1, 150),
    gate=st.integers(-50, 50),
    payer=st.sampled_from(["sender", "receiver", "split"]),
)
def test_generated_three_actor_cases(price_b, price_c, qty_c, km_b, km_c, gate, payer):
    demands = (
        "id,actor,resource,quantity,unit,price,gate_fee\n"
        f"db,b,spent_grain,100,t,{price_b},{gate}\ndc,c,spent_grain,{qty_c},t,{price_c},0"
    )
    roads = {("a", "b"): km_b, ("a", "c"): km_c}
    with tempfile.TemporaryDirectory() as tmp:
        totals = {}
        for rule in ("system", "individually_rational"):
            s = make_scenario(
                Path(tmp) / rule,
                ACTORS,
                SUPPLIES,
                demands,
                economics={"participation": rule, "transport_paid_by": payer},
            )
            r = solve(s, roads)
            assert r.ok
            table = participant_economics(r, s)
            check_sum(table, r.kpis["savings"])
            totals[rule] = r.kpis["savings"]
            if rule == "individually_rational":
                assert table["gain"].min() >= -1e-6
        assert totals["individually_rational"] <= totals["system"] + 1e-6
