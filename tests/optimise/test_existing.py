"""Existing exchanges (issue #12 item 1), hand-computed. Road costs 1 SEK/t-km, pipes 10 SEK/m
annualised over one year (helpers.BASE); no taxes, no CO2 price."""

from __future__ import annotations

import pytest

from symnet.errors import InputError
from symnet.existing import STATUS_ENDED, STATUS_EXISTING, STATUS_NEW, exchange_status
from symnet.kpi import baseline

from .helpers import link_quantity, make_scenario, solve

ACTORS = """
id,name,lon,lat,operations
a,Brewery A,14.00,62.00,
c,Farm C,14.02,62.00,R3
e,Farm E,14.03,62.00,R3
"""
SUPPLY = "id,actor,resource,quantity,unit,current_fate,fate_cost\ns1,a,spent_grain,100,t,landfill,600"
DEMANDS = "id,actor,resource,quantity,unit,price\ndc,c,spent_grain,100,t,0\nde,e,spent_grain,100,t,0"
ROADS = {("a", "c"): 10.0, ("a", "e"): 20.0}


def _scenario(tmp_path, exchanges: str, supplies: str = SUPPLY, demands: str = DEMANDS):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "exchanges.csv").write_text(exchanges.strip() + "\n", "utf-8")
    return make_scenario(tmp_path, ACTORS, supplies, demands)


def test_existing_exchange_that_stays_changes_no_kpi(tmp_path):
    # Today 100 t go a -> c (10 km): 100 x 10 = 1000 SEK/yr, nothing landfilled. The optimum
    # keeps it (the alternative, e at 20 km, costs 2000): savings 0, no tonne diverted.
    s = _scenario(
        tmp_path, "id,supply,demand,quantity,unit,mode,since,source\nx1,s1,dc,100,t,road,2015,assumption: test"
    )
    r = solve(s, ROADS)
    assert r.objective == pytest.approx(1000.0)
    k = r.kpis
    assert k["baseline_cost"] == pytest.approx(1000.0)
    assert k["savings"] == pytest.approx(0.0)
    assert k["landfill_diverted_t"] == pytest.approx(0.0)
    assert k["co2e_avoided_t"] == pytest.approx(0.0)
    status = exchange_status(r, s)
    assert status.set_index("link")["status"].to_dict() == {"s1->dc:road": STATUS_EXISTING}


def test_existing_exchange_replaced_counts_only_the_difference(tmp_path):
    # Today 100 t go a -> e (20 km): 2000 SEK/yr. The optimum sends them to c (10 km): 1000.
    # Savings 1000; nothing more is diverted from landfill (it was not landfilled today).
    s = _scenario(tmp_path, "id,supply,demand,mode,source\nx1,s1,de,road,assumption: test")
    assert s.exchanges[0].quantity == pytest.approx(100.0)  # default: the whole supply
    r = solve(s, ROADS)
    assert link_quantity(r, "s1->dc:road") == pytest.approx(100.0)
    assert link_quantity(r, "s1->de:road") == pytest.approx(0.0)
    assert r.kpis["baseline_cost"] == pytest.approx(2000.0)
    assert r.kpis["savings"] == pytest.approx(1000.0)
    assert r.kpis["landfill_diverted_t"] == pytest.approx(0.0)
    status = exchange_status(r, s).set_index("link")["status"].to_dict()
    assert status == {"s1->dc:road": STATUS_NEW, "s1->de:road": STATUS_ENDED}


def test_partial_existing_exchange_counts_the_rest_as_diverted(tmp_path):
    # Today 40 of the 100 t go to c (10 km, 400 SEK), 60 t are landfilled (36 000 SEK).
    # The optimum sends all 100 t to c (1000 SEK): savings 36 000 + 400 - 1000 = 35 400, and
    # only the 60 t that were landfilled count as diverted.
    s = _scenario(tmp_path, "id,supply,demand,quantity,unit,source\nx1,s1,dc,40,t,assumption: test")
    assert baseline(s)["exchanged"] == {"s1": pytest.approx(40.0)}
    r = solve(s, ROADS)
    assert r.kpis["baseline_cost"] == pytest.approx(36400.0)
    assert r.kpis["savings"] == pytest.approx(35400.0)
    assert r.kpis["landfill_diverted_t"] == pytest.approx(60.0)


def test_existing_pipe_has_no_build_cost(tmp_path):
    # 1000 MWh of heat; the demand's alternative costs 20 SEK/MWh (20 000/yr). A new pipe over
    # the ~1.05 km to c would cost 10 SEK/m, about 10 500/yr, so it would be built; the
    # existing one costs nothing (no pumping cost, no loss): today's cost 0, savings 0, and
    # no heat counts as newly recovered.
    s = _scenario(
        tmp_path,
        "id,supply,demand,mode,source\nh1,heat_a,heat_c,pipe,assumption: test",
        supplies="id,actor,resource,quantity,unit,temperature_c,current_fate,fate_cost\nheat_a,a,heat,1000,MWh,90,cooling,0",
        demands="id,actor,resource,quantity,unit,price\nheat_c,c,heat,1000,MWh,20",
    )
    r = solve(s)
    assert r.objective == pytest.approx(0.0, abs=1e-6)
    assert link_quantity(r, "heat_a->heat_c:pipe") == pytest.approx(1000.0)
    assert r.kpis["baseline_cost"] == pytest.approx(0.0, abs=1e-6)
    assert r.kpis["savings"] == pytest.approx(0.0, abs=1e-6)
    assert r.kpis["heat_recovered_mwh"] == pytest.approx(0.0, abs=1e-6)


def test_current_fate_shorthand_sends_the_whole_supply(tmp_path):
    # current_fate exchange:de: the whole supply goes to e today; the fallback fate is the
    # resource's default, at the row's fate_cost.
    s = make_scenario(
        tmp_path,
        ACTORS,
        "id,actor,resource,quantity,unit,current_fate,fate_cost\ns1,a,spent_grain,100,t,exchange:de,600",
        DEMANDS,
    )
    assert [(e.supply, e.demand, e.quantity) for e in s.exchanges] == [("s1", "de", 100.0)]
    r = solve(s, ROADS)
    assert r.kpis["baseline_cost"] == pytest.approx(2000.0)
    assert r.kpis["savings"] == pytest.approx(1000.0)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("x1,s1,dz,100,t", "demand", "unknown demand 'dz'"),
        ("x1,s9,dc,100,t", "supply", "unknown supply 's9'"),
        ("x1,s1,dc,150,t", "quantity", "expected at most its quantity 100"),
        ("x1,s1,dh,10,t", "demand", "cannot serve demand 'dh'"),
    ],
)
def test_bad_exchange_rows_are_input_errors(tmp_path, row, column, message):
    demands = DEMANDS + "\ndh,c,heat,100,MWh,20"
    with pytest.raises(InputError) as info:
        _scenario(tmp_path, "id,supply,demand,quantity,unit\n" + row, demands=demands)
    probs = [p for p in info.value.problems if p.file == "exchanges.csv"]
    assert len(probs) == 1, info.value.problems
    assert (probs[0].row, probs[0].column) == (2, column)
    assert message in probs[0].message


def test_exchanges_into_one_demand_above_its_quantity(tmp_path):
    supplies = SUPPLY + "\ns2,a,spent_grain,100,t,landfill,600"
    with pytest.raises(InputError) as info:
        _scenario(tmp_path, "id,supply,demand,quantity,unit\nx1,s1,dc,60,t\nx2,s2,dc,60,t", supplies=supplies)
    (p,) = info.value.problems
    assert (p.file, p.row, p.column) == ("exchanges.csv", 3, "quantity")
    assert "deliver 120" in p.message


def test_flows_and_exchanges_layer_mark_status(tmp_path):
    from symnet.existing import flows_with_status
    from symnet.outputs.tables import build_layers

    s = _scenario(tmp_path, "id,supply,demand,mode,source\nx1,s1,de,road,assumption: test")
    r = solve(s, ROADS)
    flows = flows_with_status(r, s)
    assert flows.set_index("link")["status"].to_dict() == {"s1->dc:road": STATUS_NEW, "s1->de:road": STATUS_ENDED}
    assert float(flows.loc[flows["status"] == STATUS_ENDED, "quantity"].sum()) == 0.0
    layer = build_layers(r, s)["exchanges"]
    assert layer.set_index("link")["status"].to_dict() == {"s1->dc:road": STATUS_NEW, "s1->de:road": STATUS_ENDED}


OUTLET_ACTORS = ACTORS + "m,Östersund wholesale (market point),14.04,62.00,R3\n"


def test_outlet_without_quantity_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as info:
        make_scenario(
            tmp_path,
            OUTLET_ACTORS,
            SUPPLY,
            "id,actor,resource,quantity,unit,price,source\nmarket,m,spent_grain,unbounded,t,50,assumption: test",
        )
    (p,) = info.value.problems
    assert (p.file, p.row, p.column) == ("demands.csv", 2, "quantity")
    assert "no finite quantity" in p.message and "unbounded" in p.message


def test_unbounded_needs_a_source(tmp_path):
    with pytest.raises(InputError) as info:
        make_scenario(
            tmp_path,
            OUTLET_ACTORS,
            SUPPLY,
            "id,actor,resource,quantity,unit,price,unbounded\nmarket,m,spent_grain,,t,50,true",
        )
    (p,) = info.value.problems
    assert (p.file, p.row, p.column) == ("demands.csv", 2, "unbounded")


def test_unbounded_outlet_accepted_and_its_savings_reported(tmp_path):
    # 100 t (landfill 600/t) to a market 30 km away that pays 50/t, unlimited: transport
    # 100 x 30 = 3000, revenue 100 x 50 = 5000. Baseline 60 000 (the market buys nothing
    # today). Cost 3000 - 5000 = -2000; savings 62 000, of which 5000 - 3000 = 2000 come
    # through the unbounded outlet.
    s = make_scenario(
        tmp_path,
        OUTLET_ACTORS,
        SUPPLY,
        "id,actor,resource,quantity,unit,price,unbounded,source\nmarket,m,spent_grain,inf,t,50,true,assumption: test",
    )
    assert s.demands[0].unbounded
    r = solve(s, {("a", "m"): 30.0})
    assert link_quantity(r, "s1->market:road") == pytest.approx(100.0)
    assert r.kpis["baseline_cost"] == pytest.approx(60000.0)
    assert r.kpis["total_cost"] == pytest.approx(-2000.0)
    assert r.kpis["savings"] == pytest.approx(62000.0)
    assert r.kpis["unbounded_outlets"] == {
        "market": {"delivered": pytest.approx(100.0), "savings": pytest.approx(2000.0)}
    }
    assert r.kpis["unbounded_savings"] == pytest.approx(2000.0)


def test_sale_price_outside_the_region_counts_as_an_unbounded_outlet(tmp_path):
    # 100 t grain (landfill 600/t) to a mill on a's own site (0 km; fixed 1000/yr) that makes
    # 50 t feed sold "outside the region" at 30/t with no place and no quantity: revenue
    # 1500/yr with no transport. Savings = 60 000 - (1000 - 1500) = 60 500, of which the
    # 1500 of sales come through an unbounded outlet (the mill beats the 1 t grain demand at c:
    # 15 of feed revenue per t against 10 of transport).
    mill = {
        "mill": {
            "fixed_cost": 1000,
            "inputs": [{"resource": "spent_grain"}],
            "outputs": [{"resource": "feed", "per_unit": 0.5, "sale_price": 30}],
        }
    }
    s = make_scenario(
        tmp_path,
        ACTORS,
        SUPPLY,
        "id,actor,resource,quantity,unit,price\ndc,c,spent_grain,1,t,0",
        sites="id,lon,lat,facility\ng1,14.00,62.00,mill",
        facilities=mill,
    )
    r = solve(s, {("a", "c"): 10.0, ("a", "g1"): 0.0, ("g1", "c"): 10.0})
    assert r.kpis["unbounded_outlets"] == {
        "sale:g1:mill>feed": {"delivered": pytest.approx(50.0), "savings": pytest.approx(1500.0)}
    }
    assert r.kpis["savings"] == pytest.approx(60500.0)  # the 1 t grain demand at c is not worth 10 km


def test_run_warns_and_reports_unbounded_outlets_and_existing_exchanges(tmp_path):
    """`symnet run` end to end: the warning on the terminal and in summary.json, the share in
    the report's first paragraph, the existing exchange in its own report section and the
    status column of flows.csv."""
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from symnet.cli import app

    folder = tmp_path / "scenario"
    folder.mkdir()
    (folder / "exchanges.csv").write_text("id,supply,demand,quantity,unit,source\nx1,s2,dc,50,t,assumption: test\n")
    make_scenario(
        folder,
        OUTLET_ACTORS,
        SUPPLY + "\ns2,a,spent_grain,50,t,landfill,600",
        "id,actor,resource,quantity,unit,price,unbounded,source\n"
        "market,m,spent_grain,inf,t,50,true,assumption: test\ndc,c,spent_grain,50,t,0,,assumption: test",
    )
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(folder), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "relies on unbounded outlets (market)" in res.output
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert any("unbounded outlets" in w for w in summary["warnings"])
    assert summary["unbounded_savings"] > 0
    assert summary["existing_exchanges"]["declared"] == 1
    flows = pd.read_csv(out / "flows.csv")
    assert set(flows["status"]) <= {"new", "existing", "ended"} and "status" in flows
    report = (out / "report.md").read_text("utf-8")
    first = report.split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert "unbounded outlets" in first and "existing exchange" in first
    assert "## Existing exchanges" in report


def test_exchanges_and_unbounded_outlets_survive_a_round_trip(tmp_path):
    from symnet.scenario import load_scenario, write_scenario

    s = make_scenario(
        tmp_path / "a",
        OUTLET_ACTORS,
        "id,actor,resource,quantity,unit,current_fate,fate_cost\ns1,a,spent_grain,100,t,exchange:dc,600",
        "id,actor,resource,quantity,unit,price,unbounded,source\n"
        "market,m,spent_grain,inf,t,50,true,assumption: test\ndc,c,spent_grain,100,t,0,,",
    )
    back = load_scenario(write_scenario(s, tmp_path / "b"))
    assert back.exchanges == s.exchanges
    assert [(d.id, d.unbounded) for d in back.demands] == [("market", True), ("dc", False)]


def test_a_copy_without_the_receiver_drops_its_exchange(tmp_path):
    # as the resilience analysis does: without actor e, the exchange s1 -> de is gone and
    # all 100 t are landfilled today (60 000).
    import copy

    s = _scenario(tmp_path, "id,supply,demand,source\nx1,s1,de,assumption: test")
    reduced = copy.copy(s)
    reduced.demands = [d for d in s.demands if d.actor != "e"]
    assert baseline(reduced)["total_cost"] == pytest.approx(60000.0)
    assert baseline(s)["exchanged"] == {"s1": pytest.approx(100.0)}
