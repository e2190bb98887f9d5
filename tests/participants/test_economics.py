"""Every participant's economics and the individually-rational option, computed by hand.

Road costs 1 SEK/t-km (tests/optimise/helpers.BASE); no taxes, no CO2 price. Brewery A has
100 t of spent grain that costs 100 SEK/t to landfill. Farm B needs 100 t (conventional price
90 SEK/t) 100 km away: trucking costs 100 SEK/t, more than B saves. Farm C needs 50 t (60 SEK/t)
40 km away.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from symnet.participants import check_sum, participant_economics, sender_share, winners_and_losers
from tests.optimise.helpers import make_scenario, solve

ACTORS = """
id,name,lon,lat,operations
a,Brewery A,14.00,62.00,
b,Farm B,14.01,62.00,R3
c,Farm C,14.02,62.00,R3
"""
SUPPLIES = "id,actor,resource,quantity,unit,current_fate,fate_cost\ns1,a,spent_grain,100,t,landfill,100"
DEMANDS = "id,actor,resource,quantity,unit,price{extra}\ndb,b,spent_grain,100,t,90{b}\ndc,c,spent_grain,50,t,60{c}"
ROADS = {("a", "b"): 100, ("a", "c"): 40}


def _scenario(folder: Path, extra: str = "", b: str = "", c: str = "", **economics: object):
    demands = DEMANDS.format(extra=extra, b=b, c=c)
    return make_scenario(folder, ACTORS, SUPPLIES, demands, economics={"landfill_tax": 0, **economics})


def _gains(result, scenario) -> dict[str, float]:
    table = participant_economics(result, scenario)
    return dict(zip(table["participant"], table["gain"]))


def test_system_optimum_makes_farm_b_lose(tmp_path):
    # system: C takes 50 t (2 000 SEK transport), B the other 50 t (5 000) and buys 50 t
    # (4 500): total 11 500 against 10 000 + 9 000 + 3 000 = 22 000 today, savings 10 500.
    # A gains its 10 000 of landfill; B pays 9 500 instead of 9 000 (-500); C 2 000 instead of 3 000.
    s = _scenario(tmp_path)
    r = solve(s, ROADS)
    assert r.objective == pytest.approx(11_500.0)
    gains = _gains(r, s)
    assert gains == pytest.approx({"a": 10_000.0, "b": -500.0, "c": 1_000.0})
    table = participant_economics(r, s)
    check_sum(table, r.kpis["savings"])
    row = table.set_index("participant").loc["b"]
    assert row["transport"] == pytest.approx(5_000.0)
    assert row["purchases_avoided"] == pytest.approx(4_500.0)
    win, lose = winners_and_losers(table)
    assert win["participant"].tolist() == ["a", "c"]
    assert lose["participant"].tolist() == ["b"]


def test_individually_rational_optimum_leaves_nobody_worse_off(tmp_path):
    # no loser: nothing to B (every tonne costs B 10 SEK more than buying); C takes 50 t, A
    # landfills 50 t (5 000). Total 5 000 + 2 000 + 9 000 = 16 000, savings 6 000:
    # A +5 000, B 0, C +1 000. The "no loser" rule costs 4 500 SEK/yr.
    s = _scenario(tmp_path, participation="individually_rational")
    r = solve(s, ROADS)
    assert r.status == "optimal"
    assert r.objective == pytest.approx(16_000.0)
    gains = _gains(r, s)
    assert gains == pytest.approx({"a": 5_000.0, "b": 0.0, "c": 1_000.0}, abs=1e-6)
    check_sum(participant_economics(r, s), r.kpis["savings"])


def test_sender_pays_transport_moves_the_gains(tmp_path):
    # the same system optimum with the brewery paying the 7 000 of transport: A 10 000 - 7 000,
    # B 9 000 - 4 500, C 3 000 - 0; nobody loses, so individually rational = system.
    for participation in ("system", "individually_rational"):
        s = _scenario(tmp_path / participation, transport_paid_by="sender", participation=participation)
        r = solve(s, ROADS)
        assert r.objective == pytest.approx(11_500.0)
        assert _gains(r, s) == pytest.approx({"a": 3_000.0, "b": 4_500.0, "c": 3_000.0})


def test_payer_per_demand_row_and_per_resource(tmp_path):
    # B's row says split (A pays 2 500 of B's 5 000), C's row says nothing: the resource rule
    # (sender) applies, so A pays C's 2 000 too.
    s = _scenario(
        tmp_path,
        extra=",transport_paid_by",
        b=",split",
        c=",",
        transport_paid_by_resource={"spent_grain": "sender"},
    )
    r = solve(s, ROADS)
    assert sender_share(s, r.links.loc[r.links["used"]]).tolist() == [0.5, 1.0]
    assert _gains(r, s) == pytest.approx({"a": 10_000.0 - 4_500.0, "b": 9_000.0 - 7_000.0, "c": 3_000.0})


def test_bad_payer_is_an_input_error(tmp_path):
    from symnet.errors import InputError

    with pytest.raises(InputError, match="transport_paid_by"):
        _scenario(tmp_path, extra=",transport_paid_by", b=",nobody", c=",")


def test_payer_column_survives_a_round_trip(tmp_path):
    from symnet.scenario import load_scenario
    from symnet.scenario.write import write_scenario

    s = _scenario(tmp_path / "in", extra=",transport_paid_by", b=",split", c=",", transport_paid_by="sender")
    back = load_scenario(write_scenario(s, tmp_path / "out"))
    assert [d.transport_paid_by for d in back.demands] == ["split", None]
    assert back.config.economics.transport_paid_by == "sender"
