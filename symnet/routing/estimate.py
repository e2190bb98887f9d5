"""Estimated distances (great circle x circuity) and circuity calibration.

Used wherever routing cannot answer: no extract, points off the network, pairs in
different components or made unreachable by one-way streets.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symnet.routing.geo import great_circle_m
from symnet.routing.graph import RoadGraph
from symnet.routing.points import as_points

#: Road distance / great-circle distance for sparse rural road networks when no graph
#: is available to calibrate on. Source: report 000, Trondheim-Mo i Rana is about
#: 50 Swedish mil = 500 km by road against 366 km in a straight line (500/366 = 1.37).
DEFAULT_RURAL_CIRCUITY = 1.37
#: Average speed (km/h) for estimated durations: a documented assumption for rural
#: roads (mix of 70-90 km/h main roads and slower local roads and villages).
DEFAULT_ESTIMATE_SPEED_KPH = 60.0
#: Pairs closer than this (m) are ignored when calibrating (connector noise dominates).
MIN_CALIBRATION_M = 1000.0


def estimate_matrix(
    points_o: Any,
    points_d: Any = None,
    circuity: float = DEFAULT_RURAL_CIRCUITY,
    speed_kph: float = DEFAULT_ESTIMATE_SPEED_KPH,
) -> Any:
    """Distance matrix estimated without any road graph.

    Parameters
    ----------
    points_o, points_d : DataFrame or sequence of (id, lon, lat)
        Origins and destinations (WGS84 degrees); destinations default to origins.
    circuity : float
        Road distance / great-circle distance (>= 1).
    speed_kph : float
        Average speed for durations, km/h.

    Returns
    -------
    DistanceMatrix
        ``distance_m = great_circle_m x circuity``, ``duration_s = distance / speed``,
        every method ``"estimated"`` with reason ``"no road graph"``.
    """
    from symnet.routing.matrix import DistanceMatrix

    oid, olon, olat = as_points(points_o, "origins")
    did, dlon, dlat = (oid, olon, olat) if points_d is None else as_points(points_d, "destinations")
    gc = great_circle_m(olon[:, None], olat[:, None], dlon[None, :], dlat[None, :])
    dist = gc * max(1.0, float(circuity))
    shape = dist.shape
    return DistanceMatrix(
        origin_ids=oid,
        destination_ids=did,
        distance_m=dist,
        duration_s=dist / (speed_kph / 3.6),
        method=np.full(shape, "estimated", dtype="<U9"),
        reason=np.full(shape, "no road graph", dtype="<U24"),
        circuity=float(circuity),
        metric="length",
    )


def _sample_routes(graph: RoadGraph, n_pairs: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Routed length (m), time (s) and great-circle distance (m) for a seeded sample of
    node pairs (NaN where unreachable)."""
    from symnet.routing.engine import shortest_paths

    rng = np.random.default_rng(seed)
    n = graph.n_nodes
    n_o = max(1, min(25, math.ceil(math.sqrt(n_pairs))))
    per = max(1, math.ceil(n_pairs / n_o))
    origins = rng.choice(n, size=min(n_o, n), replace=False)
    dests = rng.choice(n, size=(len(origins), per), replace=True)
    length, time = shortest_paths(graph, origins, np.unique(dests), metric="length", workers=1)
    cols = np.searchsorted(np.unique(dests), dests)
    rows = np.arange(len(origins))[:, None]
    ln = length[rows, cols]
    tt = time[rows, cols]
    gc = great_circle_m(graph.lon[origins][:, None], graph.lat[origins][:, None], graph.lon[dests], graph.lat[dests])
    return ln.ravel(), tt.ravel(), gc.ravel()


def calibrate_circuity(graph: RoadGraph | None, n_pairs: int = 200, seed: int = 0) -> float:
    """Median ratio routed / great-circle distance over a seeded sample of node pairs.

    Pairs closer than :data:`MIN_CALIBRATION_M` or unreachable are ignored. With no
    graph, or fewer than 10 usable pairs, returns :data:`DEFAULT_RURAL_CIRCUITY`.
    The result is clipped to [1.0, 3.0] and cached on the graph.

    Parameters
    ----------
    graph : RoadGraph or None
    n_pairs : int
        Number of node pairs to sample.
    seed : int
        RNG seed (the result is deterministic for a graph and seed).

    Returns
    -------
    float
        Circuity factor (dimensionless).
    """
    if graph is None or graph.n_nodes < 2:
        return DEFAULT_RURAL_CIRCUITY
    key = ("circuity", n_pairs, seed)
    if key in graph._cache:
        return graph._cache[key]
    ln, _, gc = _sample_routes(graph, n_pairs, seed)
    ok = np.isfinite(ln) & (gc >= MIN_CALIBRATION_M)
    value = DEFAULT_RURAL_CIRCUITY if ok.sum() < 10 else float(np.clip(np.median(ln[ok] / gc[ok]), 1.0, 3.0))
    graph._cache[key] = value
    return value


def calibrate_speed_kph(graph: RoadGraph | None, n_pairs: int = 200, seed: int = 0) -> float:
    """Median average speed (km/h) of routed sample paths >= 1 km (same sample as
    :func:`calibrate_circuity`), or :data:`DEFAULT_ESTIMATE_SPEED_KPH`."""
    if graph is None or graph.n_nodes < 2:
        return DEFAULT_ESTIMATE_SPEED_KPH
    ln, tt, gc = _sample_routes(graph, n_pairs, seed)
    ok = np.isfinite(ln) & (gc >= MIN_CALIBRATION_M) & (tt > 0)
    if ok.sum() < 10:
        return DEFAULT_ESTIMATE_SPEED_KPH
    return float(np.median(ln[ok] / tt[ok]) * 3.6)
