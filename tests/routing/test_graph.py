"""Road graph construction: filters, lengths, speeds, one-way handling, clipping, cache."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

from symnet.routing import build_road_graph, from_osmnx, load_road_graph
from symnet.routing.osm import oneway_direction, parse_maxspeed

R = 6_371_009.0


def hav(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Textbook haversine, written out independently of the package."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R * math.asin(math.sqrt(a))


def edges_by_id(g) -> dict[tuple[int, int], tuple[float, float, bool]]:
    return {
        (int(g.node_id[a]), int(g.node_id[b])): (ln, tt, ow)
        for a, b, ln, tt, ow in zip(g.u, g.v, g.length, g.travel_time, g.oneway)
    }


def test_tiny_graph_exact(tiny_osm: Path) -> None:
    g = build_road_graph(tiny_osm)
    e = edges_by_id(g)
    # footway 3-5 and private 5-6 are not roads; node 5, 6 absent
    assert sorted(g.node_id.tolist()) == [1, 2, 3, 4]
    assert set(e) == {(1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (4, 1)}
    d12 = hav(15.0, 60.0, 15.0, 60.001)
    d23 = hav(15.0, 60.001, 15.002, 60.001)
    d34 = hav(15.002, 60.001, 15.002, 60.0)
    d14 = hav(15.0, 60.0, 15.002, 60.0)
    assert e[(1, 2)][0] == pytest.approx(d12, abs=1e-6)
    assert d12 == pytest.approx(111.2, abs=0.1)  # 0.001 degree of latitude
    assert e[(2, 3)][0] == pytest.approx(d23, abs=1e-6)
    assert e[(3, 4)][0] == pytest.approx(d34, abs=1e-6)
    assert e[(4, 1)][0] == pytest.approx(d14, abs=1e-6)  # oneway=-1 reverses 1->4
    # residential default 40 km/h; primary maxspeed 50; secondary default 70
    assert e[(1, 2)][1] == pytest.approx(d12 / (40 / 3.6))
    assert e[(3, 4)][1] == pytest.approx(d34 / (50 / 3.6))
    assert e[(4, 1)][1] == pytest.approx(d14 / (70 / 3.6))
    assert e[(3, 4)][2] and e[(4, 1)][2] and not e[(1, 2)][2]
    assert g.crs == "EPSG:32633"


def test_tiny_matrix_by_hand(tiny_osm: Path) -> None:
    from symnet.routing import distance_matrix

    g = build_road_graph(tiny_osm)
    pts = [("n1", 15.0, 60.0), ("n4", 15.002, 60.0)]
    dm = distance_matrix(g, pts, circuity=1.5)
    d12 = hav(15.0, 60.0, 15.0, 60.001)
    d23 = hav(15.0, 60.001, 15.002, 60.001)
    d34 = hav(15.002, 60.001, 15.002, 60.0)
    d14 = hav(15.0, 60.0, 15.002, 60.0)
    # 1 -> 4: cannot use 1->4 (one-way 4->1): 1-2-3-4
    assert dm.distance_m[0, 1] == pytest.approx(d12 + d23 + d34, abs=0.01)
    assert dm.duration_s[0, 1] == pytest.approx(d12 / (40 / 3.6) + d23 / (40 / 3.6) + d34 / (50 / 3.6), abs=0.2)
    # 4 -> 1 directly on the reversed secondary
    assert dm.distance_m[1, 0] == pytest.approx(d14, abs=0.01)
    assert (dm.method == "routed").all()


def test_tiny_time_metric_prefers_fast_road(tmp_path: Path) -> None:
    """A short slow road and a longer fast one: length and time choose differently."""
    from symnet.routing import distance_matrix

    xml = """<osm version="0.6">
  <node id="1" lat="60.0" lon="15.0"/><node id="2" lat="60.0" lon="15.01"/>
  <node id="3" lat="60.002" lon="15.005"/>
  <way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="living_street"/></way>
  <way id="2"><nd ref="1"/><nd ref="3"/><nd ref="2"/><tag k="highway" v="primary"/></way>
</osm>"""
    p = tmp_path / "two.osm"
    p.write_text(xml)
    g = build_road_graph(p)
    pts = [("a", 15.0, 60.0), ("b", 15.01, 60.0)]
    direct = hav(15.0, 60.0, 15.01, 60.0)
    detour = hav(15.0, 60.0, 15.005, 60.002) + hav(15.005, 60.002, 15.01, 60.0)
    by_len = distance_matrix(g, pts, metric="length")
    by_time = distance_matrix(g, pts, metric="time")
    assert by_len.distance_m[0, 1] == pytest.approx(direct, abs=0.01)
    assert by_len.duration_s[0, 1] == pytest.approx(direct / (10 / 3.6), abs=0.2)
    assert by_time.distance_m[0, 1] == pytest.approx(detour, abs=0.2)
    assert by_time.duration_s[0, 1] == pytest.approx(detour / (80 / 3.6), abs=0.01)


def test_clipped_extract_missing_nodes(tmp_path: Path) -> None:
    xml = """<osm version="0.6">
  <node id="1" lat="60.0" lon="15.0"/><node id="2" lat="60.001" lon="15.0"/>
  <node id="4" lat="60.003" lon="15.0"/><node id="5" lat="60.004" lon="15.0"/>
  <way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="unclassified"/></way>
  <way id="2"><nd ref="99"/><nd ref="98"/><tag k="highway" v="primary"/></way>
  <way id="3"><nd ref="97"/><nd ref="5"/><tag k="highway" v="primary"/></way>
</osm>"""
    p = tmp_path / "clipped.osm"
    p.write_text(xml)
    g = build_road_graph(p)
    assert sorted(g.node_id.tolist()) == [1, 2, 4, 5]
    assert set(edges_by_id(g)) == {(1, 2), (2, 1), (4, 5), (5, 4)}


def test_oneway_and_maxspeed_parsing() -> None:
    assert oneway_direction({"highway": "residential", "oneway": "yes"}) == 1
    assert oneway_direction({"highway": "residential", "oneway": "-1"}) == -1
    assert oneway_direction({"highway": "residential", "oneway": "true"}) == 1
    assert oneway_direction({"highway": "motorway"}) == 1
    assert oneway_direction({"highway": "motorway", "oneway": "no"}) == 0
    assert oneway_direction({"highway": "tertiary", "junction": "roundabout"}) == 1
    assert oneway_direction({"highway": "tertiary", "oneway": "reversible"}) == 0
    assert parse_maxspeed("50") == 50
    assert parse_maxspeed("30 mph") == pytest.approx(48.28, abs=0.01)
    assert parse_maxspeed("50;70") == 60
    assert parse_maxspeed("signals") is None


def test_from_osmnx_matches_builder(tiny_osm: Path) -> None:
    import osmnx as ox

    G = ox.graph_from_xml(tiny_osm, simplify=False, retain_all=True)
    ours = build_road_graph(tiny_osm)
    conv = from_osmnx(G, crs=ours.crs)
    e1, e2 = edges_by_id(ours), edges_by_id(conv)
    # osmnx's xml reader keeps every highway way (no network-type filter): ours is a subset
    for k, (ln, _, ow) in e1.items():
        assert e2[k][0] == pytest.approx(ln, abs=1e-6)
        assert e2[k][2] == ow
    osmnx_len = {(u, v): d["length"] for u, v, d in G.edges(data=True)}
    for k, (ln, _, _) in e1.items():
        assert osmnx_len[k] == pytest.approx(ln, abs=0.01)


@pytest.mark.timeout(60)
def test_real_extracts_build(andorra, helsinki, kotka_pbf: Path, tmp_path: Path) -> None:
    assert andorra.n_nodes > 10_000
    km = andorra.length.sum() / 1000 / (1 + (~andorra.oneway).mean())
    assert 300 < km < 500  # README: about 400 km of drivable road
    assert (andorra.length > 0).all() and np.isfinite(andorra.travel_time).all()
    assert helsinki.oneway.any()
    k = load_road_graph(kotka_pbf, cache_dir=tmp_path)
    mw = k.highway_names.tolist().index("motorway")
    assert k.oneway[k.highway == mw].all()


@pytest.mark.timeout(60)
def test_cache_second_load_faster_and_identical(
    andorra_pbf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYMNET_CACHE_DIR", str(tmp_path / "envcache"))
    t0 = time.perf_counter()
    g1 = load_road_graph(andorra_pbf)
    t1 = time.perf_counter() - t0
    t0 = time.perf_counter()
    g2 = load_road_graph(andorra_pbf)
    t2 = time.perf_counter() - t0
    assert len(list((tmp_path / "envcache").glob("*.npz"))) == 1
    assert t2 < t1 / 3, (t1, t2)
    for name, arr in g1.arrays().items():
        np.testing.assert_array_equal(arr, getattr(g2, name), err_msg=name)
    assert g1.crs == g2.crs
    # explicit cache_dir beats the env var; a different CRS is a different entry
    g3 = load_road_graph(andorra_pbf, crs="EPSG:3035", cache_dir=tmp_path / "arg")
    assert g3.crs == "EPSG:3035" and len(list((tmp_path / "arg").glob("*.npz"))) == 1
    np.testing.assert_array_equal(g3.length, g1.length)
