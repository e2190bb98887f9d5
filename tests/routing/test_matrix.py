"""Distance matrices on real extracts, checked against networkx on the same graph."""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from symnet.routing import (
    DEFAULT_RURAL_CIRCUITY,
    Router,
    RoutingWarning,
    calibrate_circuity,
    choose_circuity,
    distance_matrix,
    estimate_matrix,
    great_circle_m,
    route_geometries,
    route_geometry,
    snap_points,
    to_wgs84,
)
from symnet.routing.engine import weights


def _points_near_nodes(g, n: int, seed: int, offset_deg: float = 0.0003):
    rng = np.random.default_rng(seed)
    idx = rng.choice(g.n_nodes, n, replace=False)
    return [(f"p{k}", float(g.lon[i] + offset_deg), float(g.lat[i] - offset_deg / 2)) for k, i in enumerate(idx)]


def _with_points_on_segments(g, snap):
    """networkx copy of ``g`` in which every snapped point is a node ``("p", i)`` spliced
    into its segment (points on one segment chained in order of position), with the
    fractions of the segment's length and travel time each direction allows: an
    independent statement of "distance from a point on edge (u, v) at offset t"."""
    G = g.to_networkx()
    ids = g.node_id
    by_seg: dict[tuple[int, int], list[tuple[float, object]]] = {}
    for i in range(len(snap.ids)):
        a, b = int(ids[snap.seg_a[i]]), int(ids[snap.seg_b[i]])
        by_seg.setdefault((a, b), []).append((float(snap.t[i]), ("p", i)))
    for (a, b), pts in by_seg.items():
        length = great_circle_m(G.nodes[a]["lon"], G.nodes[a]["lat"], G.nodes[b]["lon"], G.nodes[b]["lat"])
        t_ab = min((d["travel_time"] for d in G[a][b].values()), default=None) if G.has_edge(a, b) else None
        t_ba = min((d["travel_time"] for d in G[b][a].values()), default=None) if G.has_edge(b, a) else None
        chain = [(0.0, a), *sorted(pts, key=lambda p: p[0]), (1.0, b)]
        for (tx, x), (ty, y) in zip(chain[:-1], chain[1:]):
            f = ty - tx
            if t_ab is not None:
                G.add_edge(x, y, length=f * length, travel_time=f * t_ab)
            if t_ba is not None:
                G.add_edge(y, x, length=f * length, travel_time=f * t_ba)
    return G


def _check_against_networkx(g, pts, metric: str) -> int:
    dm = distance_matrix(g, pts, metric=metric)
    snap = snap_points(g, [p[0] for p in pts], [p[1] for p in pts], [p[2] for p in pts])
    G = _with_points_on_segments(g, snap)
    weight = "length" if metric == "length" else "travel_time"
    checked = 0
    for a in range(min(8, len(pts))):
        lengths = nx.single_source_dijkstra_path_length(G, ("p", a), weight=weight)
        for b in range(len(pts)):
            if a == b:
                continue
            if ("p", b) not in lengths:
                assert dm.method[a, b] == "estimated"
                continue
            assert dm.method[a, b] == "routed"
            gc = great_circle_m(pts[a][1], pts[a][2], pts[b][1], pts[b][2])
            if metric == "length":
                expect = lengths[("p", b)] + snap.connector_m[a] + snap.connector_m[b]
                assert dm.distance_m[a, b] == pytest.approx(max(expect, gc), abs=1.0)
            else:
                expect = lengths[("p", b)] + snap.connector_s[a] + snap.connector_s[b]
                assert dm.duration_s[a, b] == pytest.approx(expect, abs=1.0)
                assert dm.distance_m[a, b] >= gc - 1e-6
            checked += 1
    return checked


@pytest.mark.timeout(120)
@pytest.mark.parametrize("metric", ["length", "time"])
def test_against_networkx_andorra(andorra, metric: str) -> None:
    assert _check_against_networkx(andorra, _points_near_nodes(andorra, 25, 1), metric) > 100


@pytest.mark.timeout(120)
@pytest.mark.parametrize("metric", ["length", "time"])
def test_against_networkx_helsinki(helsinki, metric: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RoutingWarning)  # central Helsinki has one-way traps
        assert _check_against_networkx(helsinki, _points_near_nodes(helsinki, 25, 2), metric) > 100


@pytest.mark.timeout(60)
def test_never_shorter_than_great_circle_and_no_inf(andorra, helsinki) -> None:
    for g, seed in ((andorra, 3), (helsinki, 4)):
        pts = _points_near_nodes(g, 60, seed, offset_deg=0.002)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RoutingWarning)
            dm = distance_matrix(g, pts)
        lon = np.array([p[1] for p in pts])
        lat = np.array([p[2] for p in pts])
        gc = great_circle_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
        assert np.isfinite(dm.distance_m).all() and np.isfinite(dm.duration_s).all()
        assert (dm.distance_m >= gc - 1e-9).all()
        off = ~np.eye(len(pts), dtype=bool)
        assert (dm.distance_m[off] > 0).all() and (dm.duration_s[off] > 0).all()
        assert set(np.unique(dm.method)) <= {"routed", "estimated"}


@pytest.mark.timeout(60)
def test_symmetric_on_two_way_roads(andorra) -> None:
    g = andorra
    pts = _points_near_nodes(g, 30, 5, offset_deg=0.0)
    dm = distance_matrix(g, pts)
    snap = snap_points(g, [p[0] for p in pts], [p[1] for p in pts], [p[2] for p in pts])
    G = g.to_networkx()
    compared = one_sided = 0
    for a in range(15):
        _, paths = nx.single_source_dijkstra(G, int(g.node_id[snap.node[a]]), weight="length")
        for b in range(a + 1, len(pts)):
            p = paths.get(int(g.node_id[snap.node[b]]))
            if p is None:
                continue
            two_way = all(not any(d["oneway"] for d in G[x][y].values()) for x, y in zip(p[:-1], p[1:]))
            if two_way:
                # the reverse path exists with the same length, so d(b,a) <= d(a,b); and
                # any shorter reverse path would need a one-way street
                assert dm.distance_m[b, a] <= dm.distance_m[a, b] + 0.01
                one_sided += 1
                rev = nx.shortest_path(G, int(g.node_id[snap.node[b]]), int(g.node_id[snap.node[a]]), weight="length")
                if all(not any(d["oneway"] for d in G[x][y].values()) for x, y in zip(rev[:-1], rev[1:])):
                    assert dm.distance_m[b, a] == pytest.approx(dm.distance_m[a, b], abs=0.01)
                    compared += 1
    assert compared >= 3 and one_sided >= 5, (compared, one_sided)


def test_point_beyond_extract_is_estimated_and_warned(andorra) -> None:
    pts = [("escaldes", 1.5341, 42.5090), ("canillo", 1.5989, 42.5676), ("toulouse", 1.4442, 43.6047)]
    with pytest.warns(RoutingWarning, match="toulouse"):
        dm = distance_matrix(andorra, pts)
    assert dm.method[0, 1] == "routed" and dm.method[1, 0] == "routed"
    assert (dm.method[2, :2] == "estimated").all() and (dm.method[:2, 2] == "estimated").all()
    assert dm.reason[0, 2] == "off network"
    gc = great_circle_m(1.5341, 42.5090, 1.4442, 43.6047)
    assert dm.distance_m[0, 2] == pytest.approx(gc * dm.circuity)
    assert ("escaldes", "toulouse", "off network") in dm.unrouted


def _one_way_trap(g):
    """A node pair unreachable in the directed graph but in the same weak component."""
    from symnet.routing.engine import weak_components

    comp = weak_components(g)
    main = np.bincount(comp).argmax()
    nodes = np.nonzero(comp == main)[0]
    w = weights(g, "length").prim_csr
    for src in nodes[:: max(1, len(nodes) // 200)]:
        d = dijkstra(w, indices=src)
        bad = nodes[~np.isfinite(d[nodes])]
        if len(bad):
            return int(src), int(bad[0])
    return None


@pytest.mark.timeout(60)
def test_one_way_unreachable_detected(helsinki) -> None:
    g = helsinki
    trap = _one_way_trap(g)
    assert trap is not None, "expected a one-way trap in central Helsinki"
    a, b = trap
    G = g.to_networkx()
    assert not nx.has_path(G, int(g.node_id[a]), int(g.node_id[b]))
    assert nx.has_path(G.to_undirected(as_view=True), int(g.node_id[a]), int(g.node_id[b]))
    pts = [("A", float(g.lon[a]), float(g.lat[a])), ("B", float(g.lon[b]), float(g.lat[b]))]
    with pytest.warns(RoutingWarning, match="one-way"):
        dm = distance_matrix(g, pts)
    assert dm.method[0, 1] == "estimated" and dm.reason[0, 1] == "one-way"
    assert ("A", "B", "one-way") in dm.unrouted
    assert np.isfinite(dm.distance_m[0, 1]) and dm.distance_m[0, 1] > 0


def test_no_graph_estimates() -> None:
    pts = [("trondheim", 10.3951, 63.4305), ("mo", 14.1400, 66.3128)]
    dm = distance_matrix(None, pts)
    gc = great_circle_m(10.3951, 63.4305, 14.1400, 66.3128)
    assert 360_000 < gc < 372_000  # report 000: 366 km straight line
    assert dm.distance_m[0, 1] == pytest.approx(gc * DEFAULT_RURAL_CIRCUITY)
    assert dm.duration_s[0, 1] == pytest.approx(gc * 1.37 / (60 / 3.6))
    assert (dm.method[~np.eye(2, dtype=bool)] == "estimated").all()
    em = estimate_matrix(pts, circuity=1.2)
    assert em.distance_m[1, 0] == pytest.approx(gc * 1.2)
    df = Router(None).matrix(pts).to_frame(drop_self=True)
    assert list(df.columns[:5]) == ["origin", "destination", "distance_m", "duration_s", "method"]
    assert len(df) == 2


@pytest.mark.timeout(60)
def test_calibrated_circuity(andorra) -> None:
    c1 = calibrate_circuity(andorra, n_pairs=200, seed=0)
    andorra._cache.pop(("circuity", 200, 0))
    assert calibrate_circuity(andorra, n_pairs=200, seed=0) == c1  # deterministic
    assert 1.1 < c1 < 3.0  # mountain valleys: well above 1
    assert calibrate_circuity(None) == DEFAULT_RURAL_CIRCUITY


def test_cutoff(andorra) -> None:
    pts = [("escaldes", 1.5341, 42.5090), ("canillo", 1.5989, 42.5676), ("near", 1.5360, 42.5100)]
    full = distance_matrix(andorra, pts)
    cut = distance_matrix(andorra, pts, cutoff_m=2000)
    assert cut.method[0, 2] == "routed" and cut.distance_m[0, 2] == pytest.approx(full.distance_m[0, 2])
    assert cut.method[0, 1] == "estimated" and cut.reason[0, 1] == "beyond cutoff"


@pytest.mark.timeout(60)
def test_parallel_equals_serial(andorra) -> None:
    pts = _points_near_nodes(andorra, 80, 9)
    a = distance_matrix(andorra, pts, workers=1)
    b = distance_matrix(andorra, pts, workers=2)
    np.testing.assert_array_equal(a.distance_m, b.distance_m)
    np.testing.assert_array_equal(a.duration_s, b.duration_s)


@pytest.mark.timeout(60)
def test_route_geometry_follows_roads(andorra) -> None:
    o, d = (1.5341, 42.5090), (1.5989, 42.5676)
    dm = distance_matrix(andorra, [("o", *o), ("d", *d)])
    line = route_geometry(andorra, o, d)
    assert line.coords[0] == pytest.approx(
        tuple(np.ravel(snap_points(andorra, ["o"], [o[0]], [o[1]]).x))
        + tuple(np.ravel(snap_points(andorra, ["o"], [o[0]], [o[1]]).y))
    )
    # UTM length vs great-circle sum: equal within the projection's scale error (<0.1 %)
    assert line.length == pytest.approx(dm.distance_m[0, 1], rel=2e-3)
    assert line.length > 1.2 * great_circle_m(*o, *d)
    ll = to_wgs84(line, andorra.crs)
    assert ll.coords[0] == pytest.approx(o, abs=1e-9) and ll.coords[-1] == pytest.approx(d, abs=1e-9)
    batch = route_geometries(andorra, [(o, d), (d, o), (o, (1.4442, 43.6047))] if False else [(o, d), (d, o)])
    assert batch[0].equals(line)
    assert batch[1].length == pytest.approx(dm.distance_m[1, 0], rel=2e-3)
    with pytest.warns(RoutingWarning):
        far = route_geometry(andorra, o, (1.4442, 43.6047))
    assert len(far.coords) == 2  # straight line for an estimated pair


def test_exact_fallback_agrees_with_combined_weights(helsinki) -> None:
    """The float-Dijkstra + tree-accumulation path (used beyond ~1,000 km) gives the same
    lengths and times as the packed-integer search."""
    from symnet.routing.engine import _block, _exact_rows

    for metric in ("length", "time"):
        w = weights(helsinki, metric)
        o = np.arange(0, helsinki.n_nodes, 97)[:12]
        d = np.arange(5, helsinki.n_nodes, 13)
        p1, s1 = _block(w, o, d, np.inf)
        p2, s2 = _exact_rows(w, o, d)
        np.testing.assert_array_equal(np.isnan(p1), np.isnan(p2))
        ok = ~np.isnan(p1)
        assert ok.sum() > 500
        np.testing.assert_allclose(p1[ok], p2[ok], atol=0.05)
        np.testing.assert_allclose(s1[ok], s2[ok], atol=1.0)


@pytest.mark.timeout(60)
def test_router(andorra_pbf, tmp_path) -> None:
    r = Router.from_osm(andorra_pbf, cache_dir=tmp_path)
    assert (r.circuity, r.circuity_source) == choose_circuity(r.graph, r.graph.lon, r.graph.lat)
    assert r.circuity_source.startswith("calibrated on ")  # the whole extract spans its own area
    pts = [("esc", 1.5341, 42.5090), ("can", 1.5989, 42.5676)]
    dm = r.matrix(pts)
    assert (dm.method[0, 1], dm.method[1, 0]) == ("routed", "routed")
    line = r.route(pts[0], pts[1], wgs84=True)
    assert line.coords[0] == pytest.approx(pts[0][1:], abs=1e-9)
    assert Router(None).route(pts[0], pts[1]).coords[-1] == pytest.approx(pts[1][1:])


@pytest.mark.timeout(120)
@pytest.mark.filterwarnings("ignore:.*pair\\(s\\) unreachable")  # one-way pieces of the extract: expected
@pytest.mark.parametrize("cutoff_m", [1500.0, 6000.0])
def test_cutoff_agrees_with_the_unbounded_matrix(andorra, cutoff_m: float) -> None:
    """Within the cut-off the same distances; beyond it only pairs whose road distance is
    more than the cut-off; pairs no route joins keep their reasons (one-way, disconnected)."""
    pts = _points_near_nodes(andorra, 120, 4)
    full = distance_matrix(andorra, pts)
    cut = distance_matrix(andorra, pts, cutoff_m=cutoff_m)
    within = cut.method == "routed"
    np.testing.assert_array_equal(cut.distance_m[within], full.distance_m[within])
    np.testing.assert_array_equal(cut.duration_s[within], full.duration_s[within])
    beyond = cut.reason == "beyond cutoff"
    assert beyond.any() and within.any()
    assert (full.method[beyond] == "routed").all()  # a route exists ...
    assert (full.distance_m[beyond] > cutoff_m).all()  # ... and it is longer than the cut-off
    assert (cut.distance_m[within] <= cutoff_m).all()
    assert ((full.method == "routed") & (full.distance_m <= cutoff_m) == within).all()
    other = ~within & ~beyond
    np.testing.assert_array_equal(cut.reason[other], full.reason[other])
    np.testing.assert_array_equal(cut.distance_m[other], full.distance_m[other])
