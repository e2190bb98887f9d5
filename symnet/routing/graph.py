"""The compact road graph (:class:`RoadGraph`), its construction and conversions.

Design choice: the graph is **not simplified**. Every located way node is a graph
node and every consecutive node pair of a way is an edge (a straight segment), so
that snapping onto the nearest segment (:mod:`symnet.routing.snap`) is snapping onto
the road's own geometry (on long rural valley roads an intersection can be kilometres
away) and route geometry is the node sequence itself; no per-edge geometry arrays
are needed. The cost is a graph
that is larger than an osmnx-simplified one (typically 3-10x more nodes); with
compact arrays this is ~60 bytes per node + ~40 bytes per edge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from symnet.routing.geo import great_circle_m, lonlat_to_xy, normalise_crs, utm_crs_for
from symnet.routing.osm import (
    DEFAULT_SPEEDS_KPH,
    FALLBACK_SPEED_KPH,
    RawWays,
    parse_maxspeed,
    read_ways,
)

log = logging.getLogger(__name__)

#: Bumped whenever the construction changes what is stored; part of the cache key.
BUILDER_VERSION = 1

_ARRAYS = (
    "node_id",
    "lon",
    "lat",
    "x",
    "y",
    "u",
    "v",
    "length",
    "travel_time",
    "speed_kph",
    "highway",
    "osmid",
    "oneway",
    "highway_names",
)


@dataclass(eq=False)
class RoadGraph:
    """A directed road graph as NumPy arrays.

    Attributes
    ----------
    crs : str
        Projected CRS of ``x``/``y`` (e.g. ``"EPSG:3006"`` or a UTM zone).
    node_id : ndarray of int64, shape (N,)
        OSM node ids.
    lon, lat : ndarray of float64, shape (N,)
        Node coordinates in degrees (WGS84).
    x, y : ndarray of float64, shape (N,)
        Node coordinates in metres in ``crs``.
    u, v : ndarray of int32, shape (E,)
        Edge tail and head as node indices (0..N-1). A two-way road gives two edges.
    length : ndarray of float64, shape (E,)
        Great-circle length of the segment in metres.
    travel_time : ndarray of float64, shape (E,)
        ``length / speed`` in seconds.
    speed_kph : ndarray of float32, shape (E,)
        Speed in km/h (``maxspeed`` or the per-highway default).
    highway : ndarray of int16, shape (E,)
        Index into ``highway_names``.
    osmid : ndarray of int64, shape (E,)
        OSM way id.
    oneway : ndarray of bool, shape (E,)
        Whether the edge comes from a one-way road.
    highway_names : ndarray of str
        Highway values.
    source : str
        Where the graph came from (file name and content hash, or "osmnx").
    """

    crs: str
    node_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    travel_time: np.ndarray
    speed_kph: np.ndarray
    highway: np.ndarray
    osmid: np.ndarray
    oneway: np.ndarray
    highway_names: np.ndarray
    source: str = ""
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes N."""
        return int(self.node_id.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges E."""
        return int(self.u.shape[0])

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of the nodes in ``crs`` metres."""
        return float(self.x.min()), float(self.y.min()), float(self.x.max()), float(self.y.max())

    def __repr__(self) -> str:
        return f"RoadGraph(nodes={self.n_nodes}, edges={self.n_edges}, crs={self.crs!r}, source={self.source!r})"

    def arrays(self) -> dict[str, np.ndarray]:
        """All arrays by name (what the cache stores)."""
        return {name: getattr(self, name) for name in _ARRAYS}

    def to_networkx(self) -> Any:
        """The graph as an osmnx-style ``networkx.MultiDiGraph``.

        Nodes are OSM node ids with ``x``, ``y`` (metres, in ``graph.graph["crs"]``) and
        ``lon``, ``lat``; edges carry ``osmid``, ``length`` (m), ``travel_time`` (s),
        ``speed_kph``, ``highway`` and ``oneway``. Meant for independent checks and
        for networkx algorithms; routing itself uses :mod:`scipy.sparse.csgraph`.
        """
        import networkx as nx

        g = nx.MultiDiGraph(crs=self.crs)
        ids = self.node_id.tolist()
        g.add_nodes_from(
            (nid, {"x": x, "y": y, "lon": lo, "lat": la})
            for nid, x, y, lo, la in zip(ids, self.x.tolist(), self.y.tolist(), self.lon.tolist(), self.lat.tolist())
        )
        names = self.highway_names.tolist()
        g.add_edges_from(
            (
                ids[a],
                ids[b],
                {"osmid": o, "length": ln, "travel_time": tt, "speed_kph": sp, "highway": names[h], "oneway": ow},
            )
            for a, b, o, ln, tt, sp, h, ow in zip(
                self.u.tolist(),
                self.v.tolist(),
                self.osmid.tolist(),
                self.length.tolist(),
                self.travel_time.tolist(),
                self.speed_kph.astype(float).tolist(),
                self.highway.tolist(),
                self.oneway.tolist(),
            )
        )
        return g


def _empty_graph(crs: str, source: str) -> RoadGraph:
    f8 = np.zeros(0, dtype=np.float64)
    return RoadGraph(
        crs=crs,
        node_id=np.zeros(0, np.int64),
        lon=f8,
        lat=f8,
        x=f8,
        y=f8,
        u=np.zeros(0, np.int32),
        v=np.zeros(0, np.int32),
        length=f8,
        travel_time=f8,
        speed_kph=np.zeros(0, np.float32),
        highway=np.zeros(0, np.int16),
        osmid=np.zeros(0, np.int64),
        oneway=np.zeros(0, bool),
        highway_names=np.array([], dtype=str),
        source=source,
    )


def graph_from_edges(
    node_id: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    speed_kph: np.ndarray,
    oneway: np.ndarray,
    highway: list[str] | np.ndarray,
    osmid: np.ndarray | None = None,
    crs: Any = None,
    source: str = "",
) -> RoadGraph:
    """Build a :class:`RoadGraph` from nodes and *undirected road segments*.

    Parameters
    ----------
    node_id, lon, lat : array-like, shape (N,)
        Node ids and WGS84 coordinates (degrees).
    u, v : array-like of int, shape (S,)
        Segment end points as node indices, in the road's drawing direction.
    speed_kph : array-like, shape (S,)
        Speed in km/h.
    oneway : array-like of int, shape (S,)
        0 two-way, 1 one-way u->v, -1 one-way v->u.
    highway : sequence of str, shape (S,)
        Highway value per segment.
    osmid : array-like of int, optional
        Way id per segment.
    crs : optional
        Projected CRS for x/y; default the UTM zone of the median node.
    source : str
        Provenance string.

    Returns
    -------
    RoadGraph
        With one directed edge per allowed direction; lengths are great-circle metres.
    """
    node_id = np.asarray(node_id, dtype=np.int64)
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    speed = np.asarray(speed_kph, dtype=np.float64)
    ow = np.asarray(oneway, dtype=np.int8)
    osmid = np.zeros(len(u), np.int64) if osmid is None else np.asarray(osmid, dtype=np.int64)
    if crs is None:
        crs = utm_crs_for(float(np.median(lon)), float(np.median(lat))) if len(lon) else "EPSG:3857"
    crs = normalise_crs(crs)
    if len(node_id) == 0 or len(u) == 0:
        return _empty_graph(crs, source)
    names, hw_codes = np.unique(np.asarray(highway, dtype=str), return_inverse=True)
    seg_len = great_circle_m(lon[u], lat[u], lon[v], lat[v])
    fwd = ow >= 0
    rev = ow <= 0
    eu = np.concatenate([u[fwd], v[rev]])
    ev = np.concatenate([v[fwd], u[rev]])
    sel = np.concatenate([np.nonzero(fwd)[0], np.nonzero(rev)[0]])
    length = seg_len[sel]
    spd = speed[sel]
    x, y = lonlat_to_xy(lon, lat, crs)
    return RoadGraph(
        crs=crs,
        node_id=node_id,
        lon=lon,
        lat=lat,
        x=x,
        y=y,
        u=eu.astype(np.int32),
        v=ev.astype(np.int32),
        length=length,
        travel_time=length / (spd / 3.6),
        speed_kph=spd.astype(np.float32),
        highway=hw_codes[sel].astype(np.int16),
        osmid=osmid[sel],
        oneway=(ow[sel] != 0),
        highway_names=names.astype(str),
        source=source,
    )


def graph_from_raw_ways(raw: RawWays, crs: Any = None, source: str = "") -> RoadGraph:
    """Turn :class:`~symnet.routing.osm.RawWays` into a :class:`RoadGraph`.

    Consecutive occurrences of the same way with both nodes located become segments;
    a missing node (clipped extract) splits the way. Repeated consecutive node refs
    (zero-length self loops) are dropped.
    """
    ref, pos = raw.node_ref, raw.way_pos
    if len(ref) < 2:
        return _empty_graph(normalise_crs(crs) if crs is not None else "EPSG:3857", source)
    ok = ~np.isnan(raw.lon)
    a = np.nonzero((pos[:-1] == pos[1:]) & ok[:-1] & ok[1:] & (ref[:-1] != ref[1:]))[0]
    b = a + 1
    used = np.concatenate([a, b])
    node_id, first = np.unique(ref[used], return_index=True)
    lon = raw.lon[used][first]
    lat = raw.lat[used][first]
    iu = np.searchsorted(node_id, ref[a])
    iv = np.searchsorted(node_id, ref[b])
    w = pos[a]
    hw = np.asarray(raw.way_highway, dtype=str)[w] if len(w) else np.array([], dtype=str)
    n_missing = int((~ok).sum())
    if n_missing:
        log.info("%d way-node references have no location (clipped extract); ways split there", n_missing)
    return graph_from_edges(
        node_id, lon, lat, iu, iv, raw.way_speed[w], raw.way_oneway[w], hw, osmid=raw.way_id[w], crs=crs, source=source
    )


def build_road_graph(path: str | Path, crs: Any = None, network_type: str = "drive") -> RoadGraph:
    """Build a :class:`RoadGraph` from an OSM file without using the cache.

    Parameters
    ----------
    path : str or Path
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` extract.
    crs : optional
        Projected CRS for x/y (anything pyproj accepts, e.g. ``"EPSG:3006"``);
        default: the UTM zone of the data's median node.
    network_type : {"drive", "drive_service", "drive_track"}
        See :mod:`symnet.routing.osm`.
    """
    raw = read_ways(path, network_type=network_type)
    return graph_from_raw_ways(raw, crs=crs, source=Path(path).name)


def from_osmnx(G: Any, crs: Any = None) -> RoadGraph:
    """Convert an *unsimplified*, unprojected osmnx graph to a :class:`RoadGraph`.

    Edge lengths are recomputed as great-circle metres; speeds come from each edge's
    ``maxspeed`` or the per-highway defaults; an edge is one-way when osmnx marks it
    ``oneway=True``. Parallel directed edges are kept.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        From ``ox.graph_from_bbox/polygon/xml(..., simplify=False)``, in EPSG:4326.
    crs : optional
        Projected CRS for the result.

    Raises
    ------
    ValueError
        If the graph is simplified (edges with a ``geometry``) or projected.
    """
    if G.graph.get("simplified"):
        raise ValueError("from_osmnx needs an unsimplified graph (simplify=False)")
    if G.graph.get("crs") and normalise_crs(G.graph["crs"]) != "EPSG:4326":
        raise ValueError("from_osmnx needs an unprojected (EPSG:4326) osmnx graph")
    ids = np.fromiter(G.nodes, dtype=np.int64, count=G.number_of_nodes())
    order = np.argsort(ids)
    node_id = ids[order]
    lon = np.array([G.nodes[n]["x"] for n in node_id.tolist()], dtype=float)
    lat = np.array([G.nodes[n]["y"] for n in node_id.tolist()], dtype=float)
    us, vs, spd, hws, osm = [], [], [], [], []
    for a, b, d in G.edges(data=True):
        if "geometry" in d:
            raise ValueError("from_osmnx needs an unsimplified graph (edge with geometry)")
        hw = d.get("highway", "")
        hw = hw[0] if isinstance(hw, list) else hw
        ms = d.get("maxspeed")
        ms = ms[0] if isinstance(ms, list) else ms
        s = parse_maxspeed(ms) or DEFAULT_SPEEDS_KPH.get(hw, FALLBACK_SPEED_KPH)
        oid = d.get("osmid", 0)
        us.append(a)
        vs.append(b)
        spd.append(s)
        hws.append(str(hw))
        osm.append(oid[0] if isinstance(oid, list) else oid)
    iu = np.searchsorted(node_id, np.asarray(us, dtype=np.int64))
    iv = np.searchsorted(node_id, np.asarray(vs, dtype=np.int64))
    # osmnx already adds both directions of two-way roads: every edge here is directed.
    g = graph_from_edges(
        node_id,
        lon,
        lat,
        iu,
        iv,
        np.asarray(spd, dtype=float),
        np.ones(len(iu), np.int8),
        hws,
        osmid=np.asarray(osm, dtype=np.int64),
        crs=crs,
        source="osmnx",
    )
    # recover the road's one-way flag: an edge is two-way iff its reverse exists
    key = g.u.astype(np.int64) * g.n_nodes + g.v
    rkey = g.v.astype(np.int64) * g.n_nodes + g.u
    g.oneway = ~np.isin(rkey, key)
    return g
