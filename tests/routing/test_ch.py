"""The optional CCH backend (symnet.routing.ch) against scipy's Dijkstra and by hand.

Distances must be identical to :func:`symnet.routing.engine.shortest_paths` (same integer
millimetre / millisecond sums), on the hand-written tiny extract and on the real Andorra
extract, with and without a cut-off.
"""

from __future__ import annotations

import numpy as np
import pytest

from symnet.routing import ch as ch_mod
from symnet.routing.engine import shortest_paths

pytestmark = pytest.mark.skipif(not ch_mod.available(), reason="optional extra symnet[ch] not installed")


def test_tiny_graph_by_hand(tiny_route) -> None:
    g, n1, n4 = tiny_route.graph, tiny_route.n1, tiny_route.n4
    h = ch_mod.build(g, "length")
    d = h.distances(np.array([n1, n4]), np.array([n4, n1]))
    assert d[0, 0] == pytest.approx(tiny_route.one_to_four_m, abs=2e-3)
    assert d[1, 1] == pytest.approx(tiny_route.four_to_one_m, abs=1e-3)
    assert d[0, 1] == 0.0 and d[1, 0] == 0.0
    # with a cut-off below the 1 -> 4 route it becomes NaN, like scipy's limit
    cut = h.distances(np.array([n1]), np.array([n4]), limit=tiny_route.four_to_one_m + 1.0)
    assert np.isnan(cut[0, 0])
    length, _ = shortest_paths(g, np.array([n1, n4]), np.array([n4, n1]))
    np.testing.assert_array_equal(d, length)


@pytest.mark.parametrize("metric", ["length", "time"])
def test_andorra_identical_to_scipy(andorra, metric: str) -> None:
    rng = np.random.default_rng(5)
    o = np.unique(rng.choice(andorra.n_nodes, 300, replace=False))
    d = np.unique(rng.choice(andorra.n_nodes, 300, replace=False))
    length, time = shortest_paths(andorra, o, d, metric=metric, workers=1)
    ref = length if metric == "length" else time
    got = ch_mod.build(andorra, metric).distances(o, d)
    assert np.isfinite(ref).mean() > 0.9  # a real test: most pairs routed
    # identical where routed (integer sums in the same units), NaN in the same places
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    ok = np.isfinite(ref)
    assert np.abs(got[ok] - ref[ok]).max() < 1e-6


def test_andorra_cutoff_matches_scipy_limit(andorra) -> None:
    rng = np.random.default_rng(6)
    o = np.unique(rng.choice(andorra.n_nodes, 100, replace=False))
    d = np.unique(rng.choice(andorra.n_nodes, 200, replace=False))
    limit = 8_000.0
    ref, _ = shortest_paths(andorra, o, d, limit=limit, workers=1)
    got = ch_mod.build(andorra).distances(o, d, limit=limit)
    assert 0.05 < np.isfinite(ref).mean() < 0.95  # the cut-off really cuts
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    ok = np.isfinite(ref)
    assert np.abs(got[ok] - ref[ok]).max() < 1e-6


def test_rows_beyond_32_bit_range_fall_back_to_scipy(andorra, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows with long distances are recomputed by scipy: force it with a low threshold."""
    monkeypatch.setattr(ch_mod, "SAFE_UNITS", 1_000)  # 1 m: every routed row falls back
    rng = np.random.default_rng(7)
    o = np.unique(rng.choice(andorra.n_nodes, 40, replace=False))
    d = np.unique(rng.choice(andorra.n_nodes, 40, replace=False))
    ref, _ = shortest_paths(andorra, o, d, workers=1)
    got = ch_mod.build(andorra).distances(o, d)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    ok = np.isfinite(ref)
    assert np.abs(got[ok] - ref[ok]).max() < 1e-6


def test_two_forked_workers_give_the_same_matrix(andorra, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ch_mod, "BLOCK", 50)  # several blocks, so both workers get some
    rng = np.random.default_rng(8)
    o = np.unique(rng.choice(andorra.n_nodes, 200, replace=False))
    d = np.unique(rng.choice(andorra.n_nodes, 100, replace=False))
    h = ch_mod.build(andorra)
    np.testing.assert_array_equal(h.distances(o, d, workers=2), h.distances(o, d, workers=1))
