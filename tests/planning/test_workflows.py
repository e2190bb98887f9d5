"""Planner workflows on hand-checkable scenarios (see conftest.py for the arithmetic)."""

from __future__ import annotations

import importlib

import pytest

from symnet.errors import InputError
from symnet.planning import (
    compare_sites,
    expand_grid,
    explain,
    pareto_front,
    parse_params,
    resilience,
    site_variants,
    sweep,
)

# -- parameters and grids ---------------------------------------------------------------


def test_parse_params_lists_and_ranges() -> None:
    assert parse_params(["landfill_tax=400,800,1200", "diesel_price=10:20:3"]) == [
        ("landfill_tax", [400.0, 800.0, 1200.0]),
        ("diesel_price", [10.0, 15.0, 20.0]),
    ]


def test_parse_params_errors_name_the_option() -> None:
    with pytest.raises(InputError) as exc:
        parse_params(["landfill_tax", "co2_price=1,x", "landfill_tax=1", "economics.landfill_tax=2"])
    messages = [str(p) for p in exc.value.problems]
    assert any("expected name=v1,v2" in m for m in messages)
    assert any("value 'x' is not a number" in m for m in messages)
    assert any("parameter given twice" in m for m in messages)


def test_expand_grid_last_parameter_fastest() -> None:
    grid = expand_grid([("a", [1, 2]), ("b", [10, 20, 30])])
    assert len(grid) == 6
    assert grid[0] == {"a": 1, "b": 10} and grid[1] == {"a": 1, "b": 20} and grid[-1] == {"a": 2, "b": 30}


def test_unknown_parameter_is_an_input_error(far_farm) -> None:
    with pytest.raises(InputError, match="unknown parameter 'landfil_tax'"):
        sweep(far_farm, [("landfil_tax", [1.0, 2.0])], workers=1)


def test_a_bad_value_after_the_first_is_an_input_error_before_any_solve(far_farm, monkeypatch) -> None:
    def no_solve(*args: object, **kwargs: object) -> None:
        raise AssertionError("a variant was solved before every value was checked")

    monkeypatch.setattr(importlib.import_module("symnet.planning.sweep"), "run_variants", no_solve)
    with pytest.raises(InputError, match="economics.road.payload_t: -1.0"):
        sweep(far_farm, [("economics.road.payload_t", [20.0, -1.0])], workers=1)


# -- sweep and break-even -----------------------------------------------------------------


def test_sweep_finds_the_landfill_tax_at_which_the_link_appears(far_farm) -> None:
    # link cost 0.75 SEK/tkm x 120 km = 90 SEK/t; disposal avoided 40 + tax: break-even tax = 50
    res = sweep(far_farm, [("landfill_tax", [0.0, 100.0])], workers=1, tolerance=0.01)
    assert res.table["used_links"].tolist() == ["", "s1->d1:road"]
    # at tax 100: savings = 100 t x (40 + 100 - 90) = 5000
    assert res.table["savings"].tolist() == pytest.approx([0.0, 5000.0])
    (row,) = res.breakeven.itertuples()
    assert (row.parameter, row.link, row.event) == ("landfill_tax", "s1->d1:road", "appears")
    assert row.breakeven == pytest.approx(50.0, abs=0.01)
    assert row.tolerance <= 0.01


def test_sweep_break_even_on_a_dotted_transport_parameter(far_farm) -> None:
    # at tax 0 the link pays when 0.75 -> c/20 x 120 < 40, i.e. cost_per_km < 20/3 = 6.667 SEK/km
    res = sweep(far_farm, [("economics.road.cost_per_km", [5.0, 15.0])], workers=1, tolerance=1e-3)
    (row,) = res.breakeven.itertuples()
    assert row.event == "disappears"
    assert row.breakeven == pytest.approx(20.0 / 3.0, abs=1e-3)


# -- site comparison ----------------------------------------------------------------------


def test_compare_ranks_the_uncapped_far_site_first(two_sites) -> None:
    table = compare_sites(two_sites, choose=1, workers=1).set_index("option")
    # B: 100 x (40 + 100 - 37.5) - 5000 = 5250; A (60 t cap): 60 x 132.5 - 5000 = 2950
    assert table.loc["B:insect_farm", "net_benefit"] == pytest.approx(5250.0)
    assert table.loc["A:insect_farm", "net_benefit"] == pytest.approx(2950.0)
    assert table.loc["no site", "net_benefit"] == pytest.approx(0.0)
    assert table.loc["best 1", "net_benefit"] == pytest.approx(5250.0)
    assert table.loc["best 1", "opened"] == "B:insect_farm"
    assert table.loc["B:insect_farm", "rank"] in (1, 2) and table.loc["A:insect_farm", "rank"] == 3
    assert "capacity reached" in table.loc["A:insect_farm", "binding"]
    assert table.loc["A:insect_farm", "streams_in"] == "s1->A:insect_farm 60 t"
    assert table.loc["B:insect_farm", "tonne_km"] == pytest.approx(100 * 50)


def test_compare_both_sites_together(two_sites) -> None:
    table = compare_sites(two_sites, sites=["A", "B"], workers=1).set_index("option")
    # both open: A (nearer, 132.5 SEK/t) fills its 60 t, B (102.5 SEK/t) takes the other 40 t,
    # and both fixed costs are paid: 60 x 132.5 + 40 x 102.5 - 2 x 5000 = 2050
    both = table.loc["together: A:insect_farm + B:insect_farm"]
    assert both["kind"] == "together"
    assert both["net_benefit"] == pytest.approx(2050.0)
    assert both["opened"] == "A:insect_farm;B:insect_farm"
    assert both["net_benefit"] < table.loc["B:insect_farm", "net_benefit"]


def test_compare_rejects_unknown_site(two_sites) -> None:
    with pytest.raises(InputError, match="unknown site 'C'"):
        site_variants(two_sites.scenario, ["C"])


# -- Pareto -------------------------------------------------------------------------------


def test_pareto_is_the_straight_line_of_one_unprofitable_green_link(far_farm) -> None:
    # At tax 0 the link loses 50 SEK/t but each tonne moved avoids 0.03 t (landfill) +
    # 0.4 t (feed bought) - 120 km x 0.95 kg/km / 20 t = 0.0057 t (truck) = 0.4243 t CO2e.
    table = pareto_front(far_farm, points=5, workers=1)
    assert len(table) == 5
    ok = table.loc[table["status"] == "optimal"]
    per_t = 0.03 + 0.4 - 120 * 0.95 / 20 / 1000
    e_max = ok["co2e_total_t"].max()
    assert e_max - ok["co2e_total_t"].min() == pytest.approx(100 * per_t, rel=1e-6)
    cheapest = ok["total_cost"].min()
    for r in ok.itertuples():
        assert r.total_cost == pytest.approx(cheapest + 50.0 * (e_max - r.co2e_total_t) / per_t, rel=1e-6, abs=1e-3)
    assert table["total_cost"].is_monotonic_decreasing


# -- resilience ---------------------------------------------------------------------------


def test_resilience_keystone_is_the_brewery(two_farms) -> None:
    table, cent = resilience(two_farms, workers=1)
    table = table.set_index("actor")
    # removing the brewery loses everything (5250); farm1 its 100 t x 45 = 4500; farm2 50 t x 15 = 750
    assert table.loc["brewery", "benefit_lost"] == pytest.approx(5250.0)
    assert table.loc["farm1", "benefit_lost"] == pytest.approx(4500.0)
    assert table.loc["farm2", "benefit_lost"] == pytest.approx(750.0)
    assert table.loc["brewery", "rank"] == 1
    assert table.loc["brewery", "streams_orphaned"] == "d1;d2"
    assert table.loc["farm1", "streams_orphaned"] == ""
    cent = cent.set_index("node")
    assert cent.loc["brewery", "out_degree"] == 2 and cent.loc["farm1", "in_degree"] == 1
    assert set(cent["cluster_size"]) == {3}


# -- explain ------------------------------------------------------------------------------


def test_explain_unused_link_break_even_and_confirmation(far_farm) -> None:
    table = explain(far_farm, workers=1)
    row = table.set_index("link").loc["s1->d1:road"]
    assert not row["used"]
    assert row["reason"] == "too far"
    assert row["gap_per_unit"] == pytest.approx(50.0)  # 90 - 40
    assert row["breakeven_landfill_tax"] == pytest.approx(50.0)  # 0 + 50 / 1 t
    assert row["breakeven_road_rate_per_tkm"] == pytest.approx(40 / 120)
    assert row["breakeven_distance_m"] == pytest.approx(40 / 0.75 * 1000)
    assert row["confirmed_parameter"] == "landfill_tax"
    assert row["confirmed_value"] == pytest.approx(50.5, abs=0.01)
    assert bool(row["confirmed"]) is True


def test_explain_margins_of_used_links(two_farms) -> None:
    table = explain(two_farms, workers=1).set_index("link")
    # without brewery->farm1 the 100 t go... farm2 still takes 50 t, 100 t landfilled: +4500
    assert table.loc["s1->d1:road", "margin"] == pytest.approx(4500.0)
    assert table.loc["s1->d2:road", "margin"] == pytest.approx(750.0)
    assert table.loc["s1->d1:road", "reason"] == "used"
