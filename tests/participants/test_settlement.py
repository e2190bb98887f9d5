"""Settlements computed by hand: a 3-player game's nucleolus, and the three rules on the
3-actor case of test_economics (system optimum: A +10 000, B -500, C +1 000 SEK/yr)."""

from __future__ import annotations

import pytest

from symnet.network import build_network, table_distances
from symnet.optimise import AllocationModel
from symnet.participants import participant_economics
from symnet.settlement import SettlementError, coalition_solver, nucleolus, settle
from tests.optimise.helpers import km
from tests.participants.test_economics import ROADS, _scenario


def test_nucleolus_of_a_three_player_game():
    # v(i) = 0, v(AB) = 4, v(AC) = 2, v(BC) = 0, v(ABC) = 6. Excesses: xA, xB, xC, 2 - xC,
    # 4 - xB, 6 - xA. The smallest is at most 1 (xC vs 2 - xC): xC = 1. Then xA + xB = 5 and
    # min(xB, 4 - xB) <= 2: xB = 2, xA = 3.
    v = {
        frozenset("A"): 0.0,
        frozenset("B"): 0.0,
        frozenset("C"): 0.0,
        frozenset("AB"): 4.0,
        frozenset("AC"): 2.0,
        frozenset("BC"): 0.0,
    }
    assert nucleolus(["A", "B", "C"], v, 6.0) == pytest.approx({"A": 3.0, "B": 2.0, "C": 1.0})


def _system(tmp_path):
    s = _scenario(tmp_path)
    net = build_network(s, distances=table_distances(km(ROADS)))
    r = AllocationModel(s, net).solve()
    return s, net, r


def _moves(st) -> dict[str, float]:
    """payer>payee -> SEK/yr and payer>payee/t -> SEK per unit delivered."""
    out = {}
    for t in st.transfers.itertuples():
        out[f"{t.payer}>{t.payee}"] = t.sek_per_yr
        out[f"{t.payer}>{t.payee}/t"] = t.sek_per_unit
    return out


def _by(table, key, value):
    return dict(zip(table[key], table[value]))


def test_equal_settlement(tmp_path):
    # 10 500 / 3 = 3 500 each: A pays B 4 000 (80 SEK/t over 50 t) and C 2 500 (50 SEK/t).
    s, _, r = _system(tmp_path)
    st = settle(r, participant_economics(r, s), "equal")
    assert _by(st.shares, "participant", "settled_gain") == pytest.approx({"a": 3500.0, "b": 3500.0, "c": 3500.0})
    assert _moves(st) == pytest.approx({"a>b": 4000.0, "a>c": 2500.0, "a>b/t": 80.0, "a>c/t": 50.0})


def test_proportional_settlement(tmp_path):
    # shares of the 10 500 by cost today 10 000 : 9 000 : 3 000 (of 22 000).
    s, _, r = _system(tmp_path)
    st = settle(r, participant_economics(r, s), "proportional")
    want = {"a": 10500 * 10 / 22, "b": 10500 * 9 / 22, "c": 10500 * 3 / 22}
    assert _by(st.shares, "participant", "settled_gain") == pytest.approx(want)
    assert st.shares["settled_gain"].min() >= 0


def test_nucleolus_settlement(tmp_path):
    # coalitions on their own: v(AB) = 100 t x (100 + 90 - 100) = 9 000, v(AC) = 50 t x
    # (100 + 60 - 40) = 6 000, v(BC) = v(i) = 0, v(ABC) = 10 500. Excesses xA, xB, xC,
    # 1 500 - xC, 4 500 - xB, 10 500 - xA: xC = 750, then xB = 2 250, xA = 7 500.
    # From gains 10 000 / -500 / 1 000: C pays A 250 (5 SEK/t), A pays B 2 750 (55 SEK/t).
    s, net, r = _system(tmp_path)

    def savings(excluded: set[str], closed: set[str]) -> float:
        out = AllocationModel(s, net, excluded_actors=excluded, force_closed=closed).solve()
        return float(out.kpis["savings"])

    value = coalition_solver(savings, [a.id for a in s.actors], [o.option_id for o in s.sites])
    assert value(frozenset("ab")) == pytest.approx(9000.0)
    st = settle(r, participant_economics(r, s), "nucleolus", value)
    assert _by(st.shares, "participant", "settled_gain") == pytest.approx({"a": 7500.0, "b": 2250.0, "c": 750.0})
    assert _moves(st) == pytest.approx({"c>a": 250.0, "a>b": 2750.0, "c>a/t": 5.0, "a>b/t": 55.0})
    assert "exact over all 6 coalitions" in st.methods[1]


def test_a_group_that_loses_is_refused(tmp_path):
    # both road links cost 10 000 SEK/yr to set up; C's is fixed open (B's closed): 50 t save
    # A 5 000 and C 3 000 - 2 000 of transport, less the 10 000: the group loses 4 000 SEK/yr.
    s = _scenario(tmp_path, road={"link_fixed_cost": 10_000})
    net = build_network(s, distances=table_distances(km(ROADS)))
    r = AllocationModel(s, net, fixed_binaries={"s1->dc:road": 1, "s1->db:road": 0}).solve()
    table = participant_economics(r, s)
    assert table["gain"].sum() == pytest.approx(-4000.0)
    with pytest.raises(SettlementError, match="saves -4,000 per year in all: no transfers can make every member gain"):
        settle(r, table, "equal")


def test_restricted_nucleolus_says_so(tmp_path, monkeypatch):
    # with 3 players the singletons and all-but-one coalitions are every coalition, so the
    # restricted form gives the exact nucleolus; the method says which form was used.
    import symnet.settlement as settlement

    monkeypatch.setattr(settlement, "EXACT_LIMIT", 2)
    s, net, r = _system(tmp_path)

    def savings(excluded: set[str], closed: set[str]) -> float:
        return float(AllocationModel(s, net, excluded_actors=excluded, force_closed=closed).solve().kpis["savings"])

    value = coalition_solver(savings, [a.id for a in s.actors], [o.option_id for o in s.sites])
    st = settle(r, participant_economics(r, s), "nucleolus", value)
    assert _by(st.shares, "participant", "settled_gain") == pytest.approx({"a": 7500.0, "b": 2250.0, "c": 750.0})
    assert "restricted to the 3 singletons and 3 all-but-one coalitions" in st.methods[1]
