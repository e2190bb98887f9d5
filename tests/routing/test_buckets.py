"""The bucket-queue engine (symnet.routing.buckets) by hand and against scipy's Dijkstra.

Its sums must equal ``scipy.sparse.csgraph.dijkstra``'s exactly (same integer sums), in
both of its modes: Dial (bucket width = shortest edge, each node scanned once) and
delta-stepping (weights spanning more than MAX_BUCKETS widths, nodes rescanned), with
and without a cut-off, on hand-made graphs, random graphs and real OSM extracts.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from symnet.routing import buckets
from symnet.routing import engine as engine_mod
from symnet.routing.engine import shortest_paths

pytestmark = pytest.mark.skipif(not buckets.available(), reason="numba not importable")


def _csr(n: int, edges: list[tuple[int, int, float]]) -> csr_matrix:
    u, v, w = (np.array(x) for x in zip(*edges))
    return csr_matrix((w.astype(float), (u, v)), shape=(n, n))


def test_dial_mode_by_hand() -> None:
    # 0 -> 1 -> 2 costs 2 + 3 = 5, the direct 0 -> 2 costs 6; 3 is unreachable; 2 -> 0 only back
    m = _csr(4, [(0, 1, 2.0), (1, 2, 3.0), (0, 2, 6.0), (2, 0, 4.0)])
    assert buckets.bucket_width(m.data) == (2.0, 5)  # shortest edge, window over the longest
    got = buckets.distances(m, np.array([0, 2]), np.array([2, 1, 3, 0, 2]))
    expected = np.array([[5.0, 2.0, np.inf, 0.0, 5.0], [0.0, 6.0, np.inf, 4.0, 0.0]])
    np.testing.assert_array_equal(got, expected)
    # a cut-off of 4 leaves 0 -> 2 (5) out, keeps 0 -> 1 (2); the limit itself is inside
    cut = buckets.distances(m, np.array([0, 2]), np.array([2, 1, 0]), limit=4.0)
    np.testing.assert_array_equal(cut, [[np.inf, 2.0, 0.0], [0.0, np.inf, 4.0]])


def test_delta_stepping_mode_rescans_to_the_exact_answer() -> None:
    # weights 1 and 1000 span 1000 widths > MAX_BUCKETS: width = ceil(1000 / 254) = 4, so
    # a chain of unit edges lies inside one bucket and must be rescanned in order
    chain = [(i, i + 1, 1.0) for i in range(10)]
    m = _csr(12, [(0, 11, 1000.0), (0, 5, 7.0), *chain, (10, 11, 1.0)])
    width, n_buckets = buckets.bucket_width(m.data)
    assert width == 4.0 and n_buckets == 252
    got = buckets.distances(m, np.array([0]), np.arange(12))
    # 0 -> 5 directly is 7 but the chain gets there in 5; 11 via the chain: 10 + 1
    expected = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    np.testing.assert_array_equal(got[0], expected)


def test_bucket_overflow_restarts_with_room() -> None:
    # a star of 5,000 leaves puts 5,000 entries into one bucket (initial capacity 1,024)
    n = 5001
    star = [(0, i, 10.0 + (i % 3)) for i in range(1, n)]
    ring = [(i, i % (n - 1) + 1, 1.0) for i in range(1, n)]
    m = _csr(n, star + ring)
    origins = np.array([0, 7, 0])
    got = buckets.distances(m, origins, np.arange(n))
    np.testing.assert_array_equal(got, dijkstra(m, indices=origins))


@st.composite
def _graphs(draw):
    n = draw(st.integers(2, 30))
    k = draw(st.integers(1, 4 * n))
    u = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    v = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    w = draw(st.lists(st.sampled_from([1, 2, 3, 7, 50, 400, 2000, 90_000]), min_size=k, max_size=k))
    keep = [(a, b, float(c)) for a, b, c in zip(u, v, w) if a != b]
    if not keep:
        keep = [(0, 1, 1.0)]
    best: dict[tuple[int, int], float] = {}
    for a, b, c in keep:  # parallel edges collapsed to the cheapest, as engine.weights does
        best[(a, b)] = min(c, best.get((a, b), np.inf))
    limit = draw(st.sampled_from([np.inf, 0.0, 5.0, 100.0, 3000.0]))
    return _csr(n, [(a, b, c) for (a, b), c in best.items()]), limit


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_graphs())
def test_random_graphs_equal_scipy(case) -> None:
    m, limit = case
    n = m.shape[0]
    origins = np.arange(n)
    got = buckets.distances(m, origins, np.arange(n), limit=limit)
    np.testing.assert_array_equal(got, dijkstra(m, indices=origins, limit=limit))


def test_tiny_extract_by_hand(tiny_route) -> None:
    g, n1, n4 = tiny_route.graph, tiny_route.n1, tiny_route.n4
    length, time = shortest_paths(g, np.array([n1, n4]), np.array([n4, n1]), workers=1, engine="buckets")
    assert length[0, 0] == pytest.approx(tiny_route.one_to_four_m, abs=2e-3)
    assert length[1, 1] == pytest.approx(tiny_route.four_to_one_m, abs=1e-3)
    ref_len, ref_time = shortest_paths(g, np.array([n1, n4]), np.array([n4, n1]), workers=1, engine="scipy")
    np.testing.assert_array_equal(length, ref_len)
    np.testing.assert_array_equal(time, ref_time)


@pytest.mark.parametrize("metric", ["length", "time"])
@pytest.mark.parametrize("limit", [None, 2500.0])
def test_andorra_identical_to_scipy(andorra, metric: str, limit: float | None) -> None:
    rng = np.random.default_rng(11)
    o = np.unique(rng.choice(andorra.n_nodes, 200, replace=False))
    d = rng.choice(andorra.n_nodes, 400)  # repeats allowed
    lim = None if limit is None else (limit if metric == "length" else limit / 10.0)
    got = shortest_paths(andorra, o, d, metric=metric, limit=lim, workers=1, engine="buckets")
    ref = shortest_paths(andorra, o, d, metric=metric, limit=lim, workers=1, engine="scipy")
    reached = np.isfinite(ref[0]).mean()
    assert reached > (0.9 if limit is None else 0.01)  # a real test: pairs are routed
    for a, b in zip(got, ref):  # length and time, NaN in the same places
        np.testing.assert_array_equal(a, b)
    w = engine_mod.weights(andorra, metric)
    width, _ = buckets.bucket_width(w.csr.data)
    assert width > w.csr.data.min()  # real edges of 0.3 m to 1.1 km: the delta-stepping mode


def test_helsinki_two_workers_identical_to_scipy(helsinki) -> None:
    rng = np.random.default_rng(2)
    o = rng.choice(helsinki.n_nodes, 300, replace=False)
    d = rng.choice(helsinki.n_nodes, 300, replace=False)
    got = shortest_paths(helsinki, o, d, workers=2, engine="buckets")
    ref = shortest_paths(helsinki, o, d, workers=1, engine="scipy")
    assert np.isfinite(ref[0]).mean() > 0.3
    for a, b in zip(got, ref):
        np.testing.assert_array_equal(a, b)


def test_auto_engine_by_request_size() -> None:
    assert engine_mod.choose_engine("auto", engine_mod._BUCKET_WORK) == "buckets"
    assert engine_mod.choose_engine("auto", engine_mod._BUCKET_WORK - 1) == "scipy"
    assert engine_mod.choose_engine("scipy", 1e12) == "scipy"
    with pytest.raises(ValueError, match="engine must be one of"):
        engine_mod.choose_engine("fast", 1)


def test_kernel_compiles_without_a_writable_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    import numba

    real = numba.njit

    def no_cache(*args, **kwargs):
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function: no locator available for file")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", no_cache)
    monkeypatch.setattr(buckets, "_COMPILED", [])
    m = _csr(3, [(0, 1, 2.0), (1, 2, 2.0), (0, 2, 5.0)])
    np.testing.assert_array_equal(buckets.distances(m, np.array([0]), np.array([2, 1])), [[4.0, 2.0]])
