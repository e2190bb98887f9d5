"""Route geometry: the road path between two points as a LineString."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from shapely.geometry import LineString

from symnet.routing.engine import predecessors
from symnet.routing.graph import RoadGraph
from symnet.routing.snap import DEFAULT_SNAP_WARN_M, snap_points

_BATCH = 64


def _lonlat(p: Sequence[Any]) -> tuple[float, float]:
    return (float(p[0]), float(p[1])) if len(p) == 2 else (float(p[1]), float(p[2]))


def route_geometries(
    graph: RoadGraph,
    pairs: Sequence[tuple[Sequence[Any], Sequence[Any]]],
    metric: str = "length",
    snap_warn_m: float = DEFAULT_SNAP_WARN_M,
) -> list[LineString]:
    """Road routes for many (origin, destination) pairs, in the graph's CRS (metres).

    One Dijkstra with predecessors runs per distinct origin node. Each route is
    origin point -> origin road node -> ... way nodes ... -> destination road node ->
    destination point (the graph keeps every way node, so the line follows the
    road's own geometry). Pairs that cannot be routed (off network, unreachable) get
    a straight line, matching their ``estimated`` distance.

    Parameters
    ----------
    graph : RoadGraph
    pairs : sequence of (origin, destination)
        Each point is ``(lon, lat)`` or ``(id, lon, lat)`` in WGS84 degrees.
    metric : {"length", "time"}
        Path minimising distance or travel time (as in :func:`distance_matrix`).
    snap_warn_m : float
        Off-network threshold in metres.

    Returns
    -------
    list of shapely.LineString
        Use :func:`symnet.routing.to_wgs84` (``to_wgs84(line, graph.crs)``) for lon/lat.
    """
    if len(pairs) == 0:
        return []
    o = np.array([_lonlat(p[0]) for p in pairs])
    d = np.array([_lonlat(p[1]) for p in pairs])
    n = len(pairs)
    ids = np.arange(n).astype(object)
    so = snap_points(graph, ids, o[:, 0], o[:, 1], warn_m=snap_warn_m)
    sd = snap_points(graph, ids, d[:, 0], d[:, 1], warn_m=snap_warn_m)
    ok = ~(so.far | sd.far)
    out: list[LineString] = [LineString([(so.x[i], so.y[i]), (sd.x[i], sd.y[i])]) for i in range(n)]
    todo = np.nonzero(ok)[0]
    if len(todo) == 0:
        return out
    uo = np.unique(so.node[todo])
    for start in range(0, len(uo), _BATCH):
        batch = uo[start : start + _BATCH]
        pred = predecessors(graph, batch, metric)
        row = {int(node): k for k, node in enumerate(batch)}
        for i in todo[np.isin(so.node[todo], batch)]:
            path = _walk(pred[row[int(so.node[i])]], int(so.node[i]), int(sd.node[i]))
            if path is None:
                continue  # unreachable: keep the straight line
            xy = [(so.x[i], so.y[i])] + list(zip(graph.x[path], graph.y[path])) + [(sd.x[i], sd.y[i])]
            xy = [p for k, p in enumerate(xy) if k == 0 or p != xy[k - 1]]
            if len(xy) == 1:
                xy = xy * 2
            out[i] = LineString(xy)
    return out


def _walk(pred: np.ndarray, origin: int, dest: int) -> np.ndarray | None:
    path = [dest]
    cur = dest
    while cur != origin:
        cur = int(pred[cur])
        if cur < 0:
            return None
        path.append(cur)
    return np.asarray(path[::-1], dtype=np.int64)


def route_geometry(
    graph: RoadGraph,
    origin_point: Sequence[Any],
    dest_point: Sequence[Any],
    metric: str = "length",
    snap_warn_m: float = DEFAULT_SNAP_WARN_M,
) -> LineString:
    """Road route between two WGS84 points (``(lon, lat)``) as a LineString in ``graph.crs``.

    See :func:`route_geometries`.
    """
    return route_geometries(graph, [(origin_point, dest_point)], metric=metric, snap_warn_m=snap_warn_m)[0]
