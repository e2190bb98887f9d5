"""Route geometry: the road path between two points as a LineString."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from shapely.geometry import LineString

from symnet.routing.engine import predecessors
from symnet.routing.graph import RoadGraph
from symnet.routing.matrix import DIRECT, snapped_paths
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

    The path of each pair is the one :func:`~symnet.routing.matrix.snapped_paths`
    chooses; one Dijkstra with predecessors runs per distinct exit node. Each route is
    origin point -> its snapped position on the road -> ... way nodes ... -> the
    destination's snapped position -> destination point (the graph keeps every way
    node, so the line follows the road's own geometry). Pairs that cannot be routed (off network, unreachable) get
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
    out: list[LineString] = [LineString([(so.x[i], so.y[i]), (sd.x[i], sd.y[i])]) for i in range(n)]
    todo = np.nonzero(~(so.far | sd.far))[0]
    if len(todo) == 0:
        return out
    choice = np.diagonal(snapped_paths(graph, so.take(todo), sd.take(todo), metric=metric).choice)
    exit_node = np.where(choice // 2 == 0, so.seg_a[todo], so.seg_b[todo])
    entry_node = np.where(choice % 2 == 0, sd.seg_a[todo], sd.seg_b[todo])
    via = (choice >= 0) & (choice != DIRECT)
    pred_of = _predecessor_rows(graph, np.unique(exit_node[via]), metric)
    for i, c, e, f in zip(todo, choice, exit_node, entry_node):
        if c < 0:
            continue  # unreachable: keep the straight line
        path = None if c == DIRECT else _walk(pred_of[int(e)], int(e), int(f))
        if c != DIRECT and path is None:
            continue
        middle = [] if path is None else list(zip(graph.x[path], graph.y[path]))
        xy = [
            (so.x[i], so.y[i]),
            (so.snap_x[i], so.snap_y[i]),
            *middle,
            (sd.snap_x[i], sd.snap_y[i]),
            (sd.x[i], sd.y[i]),
        ]
        xy = [p for k, p in enumerate(xy) if k == 0 or p != xy[k - 1]]
        out[i] = LineString(xy * 2 if len(xy) == 1 else xy)
    return out


def _predecessor_rows(graph: RoadGraph, starts: np.ndarray, metric: str) -> dict[int, np.ndarray]:
    """Shortest-path predecessor array per start node, in batches of ``_BATCH``."""
    rows: dict[int, np.ndarray] = {}
    for k in range(0, len(starts), _BATCH):
        batch = starts[k : k + _BATCH]
        for node, row in zip(batch, predecessors(graph, batch, metric)):
            rows[int(node)] = row
    return rows


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
