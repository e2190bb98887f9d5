"""Snapping points to the nearest point on a road segment.

Every point is projected (in the graph's projected CRS) onto its nearest road segment
``(a, b)`` (an :class:`shapely.STRtree` over the undirected segments, exact nearest
geometry). The point then sits on the segment at the fraction ``t`` of its length from
``a``; it leaves the road network through ``b`` (at ``(1 - t) x length``) when the
segment may be driven from ``a`` to ``b`` and through ``a`` (at ``t x length``) when it
may be driven from ``b`` to ``a``: one-way streets are respected (:class:`Access`).
The connector (point to its snapped position) is kept as great-circle metres driven at
:data:`CONNECTOR_SPEED_KPH`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from symnet.routing.geo import great_circle_m, lonlat_to_xy, xy_to_lonlat
from symnet.routing.graph import RoadGraph

#: Assumed speed on the connector between a point and its road (km/h): a yard,
#: forest road or drive not in the extract.
CONNECTOR_SPEED_KPH = 30.0
#: Default distance (m) beyond which a point counts as off the road network.
DEFAULT_SNAP_WARN_M = 2000.0
#: A snapped position closer than this (m) to a segment end counts as on that node.
ON_NODE_M = 1e-3


class RoutingWarning(UserWarning):
    """A routing result that the user should look at (far points, unreachable pairs)."""


@dataclass
class Segments:
    """The undirected road segments of a graph, with what each direction costs.

    ``a < b`` are node indices; ``length`` is the great-circle length (m);
    ``time_ab``/``time_ba`` the fastest travel time (s) of the directed edges a->b and
    b->a (inf when that direction may not be driven).
    """

    a: np.ndarray
    b: np.ndarray
    length: np.ndarray
    time_ab: np.ndarray
    time_ba: np.ndarray
    tree: Any  # shapely.STRtree over the segments in graph.crs


def segments(graph: RoadGraph) -> Segments:
    """The (cached) :class:`Segments` of ``graph``."""
    cached = graph._cache.get("segments")
    if cached is not None:
        return cached
    u = graph.u.astype(np.int64)
    v = graph.v.astype(np.int64)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keep = lo != hi
    key = lo[keep] * graph.n_nodes + hi[keep]
    uniq, inv = np.unique(key, return_inverse=True)
    a, b = uniq // graph.n_nodes, uniq % graph.n_nodes
    tt = graph.travel_time[keep]
    forward = u[keep] == lo[keep]
    t_ab = np.full(len(uniq), np.inf)
    t_ba = np.full(len(uniq), np.inf)
    np.minimum.at(t_ab, inv[forward], tt[forward])
    np.minimum.at(t_ba, inv[~forward], tt[~forward])
    length = great_circle_m(graph.lon[a], graph.lat[a], graph.lon[b], graph.lat[b])
    coords = np.stack([np.column_stack([graph.x[a], graph.y[a]]), np.column_stack([graph.x[b], graph.y[b]])], axis=1)
    tree = shapely.STRtree(shapely.linestrings(coords))
    seg = Segments(a, b, length, t_ab, t_ba, tree)
    graph._cache["segments"] = seg
    return seg


@dataclass
class SnapResult:
    """Points snapped to road segments.

    Attributes
    ----------
    ids : ndarray of object
        Point ids.
    lon, lat : ndarray of float
        Point coordinates in degrees (WGS84).
    x, y : ndarray of float
        Point coordinates in metres in the graph's CRS.
    node : ndarray of int64
        The segment end nearer to the snapped position (-1 when there is no graph).
    connector_m : ndarray of float
        Great-circle distance point -> snapped position in metres (inf without graph).
    connector_s : ndarray of float
        Connector travel time in seconds at :data:`CONNECTOR_SPEED_KPH`.
    far : ndarray of bool
        Connector longer than the warning threshold: the point is treated as off the
        network (outside the extract, on an island, deep in a forest) and its pairs
        are estimated.
    seg_a, seg_b : ndarray of int64
        End nodes of the snapped segment (``a < b``; -1 without graph).
    t : ndarray of float
        Position on the segment as a fraction of its length from ``seg_a`` (0..1).
    snap_x, snap_y : ndarray of float
        Snapped position in metres in the graph's CRS.
    seg_index : ndarray of int64
        Index of the snapped segment in :func:`segments` (-1 without graph).
    """

    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    node: np.ndarray
    connector_m: np.ndarray
    connector_s: np.ndarray
    far: np.ndarray
    seg_a: np.ndarray
    seg_b: np.ndarray
    t: np.ndarray
    snap_x: np.ndarray
    snap_y: np.ndarray
    seg_index: np.ndarray

    def take(self, idx: np.ndarray) -> SnapResult:
        """The snapped points at positions ``idx``."""
        return SnapResult(**{name: getattr(self, name)[idx] for name in self.__dataclass_fields__})


@dataclass
class Access:
    """How snapped points reach the graph nodes of their segment.

    ``nodes[:, k]`` (k = 0 for ``seg_a``, 1 for ``seg_b``) are candidate nodes;
    ``out_m/out_s[:, k]`` the metres/seconds from the point's snapped position to that
    node when leaving (origin side), ``in_m/in_s[:, k]`` from that node to the snapped
    position when arriving (destination side); inf when one-way streets forbid it.
    """

    nodes: np.ndarray
    out_m: np.ndarray
    out_s: np.ndarray
    in_m: np.ndarray
    in_s: np.ndarray


def access(graph: RoadGraph, snap: SnapResult) -> Access:
    """Costs between every snapped position and the two ends of its segment.

    Leaving towards ``b`` needs the direction a->b (cost ``(1 - t) x length``), towards
    ``a`` the direction b->a (``t x length``); arriving from ``a`` needs a->b
    (``t x length``), from ``b`` needs b->a. A position on a node reaches that node at
    no cost in every case. Times are the same fractions of the direction's travel time.
    """
    seg = segments(graph)
    idx = snap.seg_index
    L = seg.length[idx]
    t = snap.t
    ab, ba = seg.time_ab[idx], seg.time_ba[idx]
    at_a, at_b = t * L <= ON_NODE_M, (1.0 - t) * L <= ON_NODE_M
    inf = np.inf

    def cost(frac: np.ndarray, allowed: np.ndarray, time: np.ndarray, free: np.ndarray) -> tuple:
        m = np.where(free, 0.0, np.where(allowed, frac * L, inf))
        s = np.where(free, 0.0, np.where(allowed, frac * np.where(allowed, time, 0.0), inf))
        return m, s

    oa_m, oa_s = cost(t, np.isfinite(ba), ba, at_a)  # leave to a: drive b->a
    ob_m, ob_s = cost(1.0 - t, np.isfinite(ab), ab, at_b)  # leave to b: drive a->b
    ia_m, ia_s = cost(t, np.isfinite(ab), ab, at_a)  # arrive from a: drive a->b
    ib_m, ib_s = cost(1.0 - t, np.isfinite(ba), ba, at_b)  # arrive from b: drive b->a
    nodes = np.column_stack([snap.seg_a, snap.seg_b])
    return Access(
        nodes,
        np.column_stack([oa_m, ob_m]),
        np.column_stack([oa_s, ob_s]),
        np.column_stack([ia_m, ib_m]),
        np.column_stack([ia_s, ib_s]),
    )


def snap_points(graph: RoadGraph, ids: Any, lon: Any, lat: Any, warn_m: float = DEFAULT_SNAP_WARN_M) -> SnapResult:
    """Snap WGS84 points to the nearest point of the nearest road segment.

    Any segment may be chosen (also one of a small disconnected component); pairs that
    the network cannot connect are estimated later by :func:`distance_matrix`.

    Parameters
    ----------
    graph : RoadGraph
        The road graph.
    ids : array-like
        Point ids (used in warnings).
    lon, lat : array-like of float
        Point coordinates in degrees (EPSG:4326).
    warn_m : float
        Connector length in metres beyond which a :class:`RoutingWarning` names the
        point and the point is marked ``far``.

    Returns
    -------
    SnapResult
    """
    ids = np.asarray(ids, dtype=object)
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x, y = lonlat_to_xy(lon, lat, graph.crs)
    n = len(lon)
    if graph.n_nodes == 0 or n == 0 or graph.n_edges == 0:
        inf = np.full(n, np.inf)
        none = np.full(n, -1, np.int64)
        nan = np.full(n, np.nan)
        return SnapResult(ids, lon, lat, x, y, none, inf, inf.copy(), np.ones(n, bool), none, none, nan, nan, nan, none)
    seg = segments(graph)
    pts = shapely.points(x, y)
    hit = seg.tree.query_nearest(pts, all_matches=False)
    order = np.argsort(hit[0])
    k = hit[1][order]
    lines = seg.tree.geometries[k]
    along = shapely.line_locate_point(lines, pts)
    L_xy = shapely.length(lines)
    t = np.clip(np.divide(along, L_xy, out=np.zeros(n), where=L_xy > 0), 0.0, 1.0)
    a, b = seg.a[k], seg.b[k]
    sx = graph.x[a] + t * (graph.x[b] - graph.x[a])
    sy = graph.y[a] + t * (graph.y[b] - graph.y[a])
    slon, slat = xy_to_lonlat(sx, sy, graph.crs)
    conn = great_circle_m(lon, lat, slon, slat)
    far = conn > warn_m
    if far.any():
        idx = np.nonzero(far)[0]
        shown = ", ".join(f"{ids[i]} ({conn[i]:.0f} m)" for i in idx[:10])
        more = f" and {len(idx) - 10} more" if len(idx) > 10 else ""
        msg = (
            f"{len(idx)} point(s) farther than {warn_m:.0f} m from any road in the graph: "
            f"{shown}{more}; their distances are estimated (great circle x circuity)"
        )
        warnings.warn(msg, RoutingWarning, stacklevel=2)
    node = np.where(t <= 0.5, a, b).astype(np.int64)
    conn_s = conn / (CONNECTOR_SPEED_KPH / 3.6)
    return SnapResult(ids, lon, lat, x, y, node, conn, conn_s, far, a, b, t, sx, sy, k.astype(np.int64))
