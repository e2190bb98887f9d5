"""Snapping to the nearest point of a road segment, one-way aware, on tiny hand-written
graphs with distances computed by hand; and when a calibrated circuity may be used."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symnet.routing import (
    DEFAULT_RURAL_CIRCUITY,
    Router,
    build_road_graph,
    choose_circuity,
    distance_matrix,
    graph_from_edges,
    route_geometry,
    snap_points,
)
from tests.routing.test_graph import hav

# 1 (15.000, 60.000) -> 2 (15.002, 60.000) one-way; 2 - 3 (15.001, 60.001) - 1 two-way
LOOP_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="60.0000" lon="15.0000"/>
  <node id="2" lat="60.0000" lon="15.0020"/>
  <node id="3" lat="60.0010" lon="15.0010"/>
  <way id="10">
    <nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="residential"/>{oneway}
  </way>
  <way id="11">
    <nd ref="2"/><nd ref="3"/><nd ref="1"/>
    <tag k="highway" v="residential"/>
  </way>
</osm>
"""
L12 = hav(15.0, 60.0, 15.002, 60.0)
L23 = hav(15.002, 60.0, 15.001, 60.001)
L31 = hav(15.001, 60.001, 15.0, 60.0)
C = hav(15.0005, 59.9999, 15.0005, 60.0)  # connector of a point 0.0001 deg south of road 1-2
V = 40 / 3.6  # residential default speed, m/s
VC = 30 / 3.6  # connector speed, m/s
A = ("A", 15.0005, 59.9999)  # a quarter along 1-2
B = ("B", 15.0015, 59.9999)  # three quarters along 1-2


def _graph(tmp_path: Path, oneway: bool):
    p = tmp_path / "loop.osm"
    p.write_text(LOOP_OSM.format(oneway='<tag k="oneway" v="yes"/>' if oneway else ""), encoding="utf-8")
    return build_road_graph(p)


def test_snap_projects_onto_the_segment(tmp_path: Path) -> None:
    g = _graph(tmp_path, oneway=False)
    s = snap_points(g, ["A", "B"], [A[1], B[1]], [A[2], B[2]])
    ids = g.node_id
    assert [(int(ids[a]), int(ids[b])) for a, b in zip(s.seg_a, s.seg_b)] == [(1, 2), (1, 2)]
    assert s.t == pytest.approx([0.25, 0.75], abs=1e-5)
    # the connector is the perpendicular (11.1 m), not the way to the nearest node (29 m)
    assert s.connector_m == pytest.approx([C, C], abs=0.01)
    assert hav(*A[1:], 15.0, 60.0) > 2.5 * C


def test_two_points_on_one_two_way_segment(tmp_path: Path) -> None:
    g = _graph(tmp_path, oneway=False)
    dm = distance_matrix(g, [A, B], circuity=1.5)
    assert (dm.method == "routed").all()
    assert dm.distance_m[0, 1] == pytest.approx(0.5 * L12 + 2 * C, abs=0.01)
    assert dm.distance_m[1, 0] == pytest.approx(0.5 * L12 + 2 * C, abs=0.01)
    assert dm.duration_s[0, 1] == pytest.approx(0.5 * L12 / V + 2 * C / VC, abs=0.01)


def test_one_way_segment_is_driven_around_the_loop(tmp_path: Path) -> None:
    g = _graph(tmp_path, oneway=True)
    dm = distance_matrix(g, [A, B], circuity=1.5)
    assert (dm.method == "routed").all()
    # along the one-way: direct
    assert dm.distance_m[0, 1] == pytest.approx(0.5 * L12 + 2 * C, abs=0.01)
    # against it: on to node 2, round 2-3-1, back onto 1-2 up to A
    back = 0.25 * L12 + L23 + L31 + 0.25 * L12
    assert dm.distance_m[1, 0] == pytest.approx(back + 2 * C, abs=0.01)
    # the engine reports the non-minimised quantity to 0.05 s per edge (engine docstring)
    assert dm.duration_s[1, 0] == pytest.approx(back / V + 2 * C / VC, abs=0.1)
    line = route_geometry(g, B[1:], A[1:])
    # UTM metres on the ellipsoid vs great-circle metres on the sphere: ~0.2-0.4 % apart at 60 N
    assert line.length == pytest.approx(dm.distance_m[1, 0], rel=5e-3)
    assert len(line.coords) == 7  # B, its road point, nodes 2, 3, 1, A's road point, A


def test_point_off_the_loop_reaches_it_from_the_nearer_end(tmp_path: Path) -> None:
    g = _graph(tmp_path, oneway=True)
    # D: 0.0001 deg east of the middle of 2-3 (two-way); from A: 0.75 L12 to node 2, then half of 2-3
    mid = (15.0015, 60.0005)
    s = snap_points(g, ["D"], [mid[0] + 0.0001], [mid[1]])
    assert {int(g.node_id[s.seg_a[0]]), int(g.node_id[s.seg_b[0]])} == {2, 3}
    t = s.t[0] if int(g.node_id[s.seg_a[0]]) == 2 else 1 - s.t[0]  # fraction from node 2
    dm = distance_matrix(g, [A, ("D", mid[0] + 0.0001, mid[1])], circuity=1.5)
    assert dm.distance_m[0, 1] == pytest.approx(0.75 * L12 + t * L23 + C + s.connector_m[0], abs=0.01)


def _corridor(lon0: float, lon1: float, lat: float, n: int = 60):
    lon = np.linspace(lon0, lon1, n)
    return graph_from_edges(
        np.arange(1, n + 1),
        lon,
        np.full(n, lat),
        np.arange(n - 1),
        np.arange(1, n),
        np.full(n - 1, 70.0),
        np.zeros(n - 1, np.int8),
        ["secondary"] * (n - 1),
    )


def test_circuity_calibrated_only_when_the_graph_spans_the_area() -> None:
    g = _corridor(15.0, 15.1, 60.0)  # a straight 5.6 km road: circuity 1.0 along it
    # the corridor's own ends: routed pairs span the area, the calibration speaks for it
    value, source = choose_circuity(g, [15.0, 15.1], [60.0, 60.0], 1.37)
    assert value == pytest.approx(1.0, abs=1e-6)
    assert source.startswith("calibrated on ") and int(source.split()[2]) >= 30
    # a third point 33 km north: the corridor covers a strip of the area; keep 1.37
    value, source = choose_circuity(g, [15.0, 15.1, 15.1], [60.0, 60.0, 60.3], 1.37)
    assert (value, source) == (1.37, "scenario value")
    pts = [("w", 15.0, 60.0), ("e", 15.1, 60.0), ("n", 15.1, 60.3)]
    with pytest.warns(UserWarning, match="farther than"):
        dm = distance_matrix(g, pts, scenario_circuity=1.37)
    assert dm.circuity == 1.37 and dm.circuity_source == "scenario value"
    df = dm.to_frame(drop_self=True)
    est = df[df["method"] == "estimated"]
    assert len(est) == 4 and (est["estimate"] == "great circle x 1.37 (scenario value)").all()
    assert (df.loc[df["method"] == "routed", "estimate"] == "").all()
    r = Router(g, scenario_circuity=1.37, area=pts)
    assert (r.circuity, r.circuity_source) == (1.37, "scenario value")
    assert Router(None).circuity_source == "scenario value"
    assert choose_circuity(None, [15.0, 15.1], [60.0, 60.0]) == (DEFAULT_RURAL_CIRCUITY, "scenario value")


@pytest.mark.timeout(60)
def test_real_extract_spanning_its_actors_is_calibrated(andorra) -> None:
    lon = [1.5975, 1.5218, 1.5800, 1.4906]  # the Andorra fixture's four towns
    lat = [42.5676, 42.5063, 42.5347, 42.4637]
    value, source = choose_circuity(andorra, lon, lat, 1.4)
    assert source.startswith("calibrated on ") and int(source.split()[2]) >= 30
    assert 1.1 < value < 3.0
    assert choose_circuity(andorra, lon, lat, 1.4) == (value, source)  # deterministic
