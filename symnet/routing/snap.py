"""Snapping points to the nearest road node (KD-tree in the graph's projected CRS)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from symnet.routing.geo import great_circle_m, lonlat_to_xy
from symnet.routing.graph import RoadGraph

#: Assumed speed on the connector between a point and its road node (km/h): a yard,
#: forest road or drive not in the extract.
CONNECTOR_SPEED_KPH = 30.0
#: Default distance (m) beyond which a point counts as off the road network.
DEFAULT_SNAP_WARN_M = 2000.0


class RoutingWarning(UserWarning):
    """A routing result that the user should look at (far points, unreachable pairs)."""


@dataclass
class SnapResult:
    """Points snapped to road nodes.

    Attributes
    ----------
    ids : ndarray of object
        Point ids.
    lon, lat : ndarray of float
        Point coordinates in degrees (WGS84).
    x, y : ndarray of float
        Point coordinates in metres in the graph's CRS.
    node : ndarray of int64
        Index of the nearest graph node (-1 when there is no graph).
    connector_m : ndarray of float
        Great-circle distance point -> node in metres (inf without graph).
    connector_s : ndarray of float
        Connector travel time in seconds at :data:`CONNECTOR_SPEED_KPH`.
    far : ndarray of bool
        Connector longer than the warning threshold: the point is treated as off the
        network (outside the extract, on an island, deep in a forest) and its pairs
        are estimated.
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


def _kdtree(graph: RoadGraph) -> Any:
    tree = graph._cache.get("kdtree")
    if tree is None:
        from scipy.spatial import cKDTree

        tree = cKDTree(np.column_stack([graph.x, graph.y]))
        graph._cache["kdtree"] = tree
    return tree


def snap_points(graph: RoadGraph, ids: Any, lon: Any, lat: Any, warn_m: float = DEFAULT_SNAP_WARN_M) -> SnapResult:
    """Snap WGS84 points to their nearest road node.

    Any node may be chosen (also one of a small disconnected component); pairs that
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
    if graph.n_nodes == 0 or n == 0:
        inf = np.full(n, np.inf)
        return SnapResult(ids, lon, lat, x, y, np.full(n, -1, np.int64), inf, inf.copy(), np.ones(n, bool))
    _, node = _kdtree(graph).query(np.column_stack([x, y]), k=1)
    node = np.asarray(node, dtype=np.int64)
    conn = great_circle_m(lon, lat, graph.lon[node], graph.lat[node])
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
    return SnapResult(ids, lon, lat, x, y, node, conn, conn / (CONNECTOR_SPEED_KPH / 3.6), far)
