"""Estimated distances (great circle x circuity) and circuity calibration.

Used wherever routing cannot answer: no extract, points off the network, pairs in
different components or made unreachable by one-way streets.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symnet.routing.engine import shortest_paths
from symnet.routing.geo import great_circle_m
from symnet.routing.graph import RoadGraph
from symnet.routing.points import as_points
from symnet.routing.table import REASON_NO_GRAPH, DistanceMatrix

#: Road distance / great-circle distance for sparse rural road networks when no graph
#: is available to calibrate on. Source: report 000, Trondheim-Mo i Rana is about
#: 50 Swedish mil = 500 km by road against 366 km in a straight line (500/366 = 1.37).
DEFAULT_RURAL_CIRCUITY = 1.37
#: Average speed (km/h) for estimated durations: a documented assumption for rural
#: roads (mix of 70-90 km/h main roads and slower local roads and villages).
DEFAULT_ESTIMATE_SPEED_KPH = 60.0
#: Pairs closer than this (m) are ignored when calibrating (connector noise dominates).
MIN_CALIBRATION_M = 1000.0
#: Honest-calibration rule (:func:`choose_circuity`): at least this many routed pairs ...
MIN_SPANNING_PAIRS = 30
#: ... each at least this share of the diagonal of the points' bounding box long.
MIN_SPAN_SHARE = 0.5
#: Node pairs sampled inside the points' bounding box for :func:`choose_circuity`.
AREA_SAMPLE_PAIRS = 400
#: ``circuity_source`` when the scenario's (or the default) value is kept.
SCENARIO_VALUE = "scenario value"


def estimate_matrix(
    points_o: Any,
    points_d: Any = None,
    circuity: float = DEFAULT_RURAL_CIRCUITY,
    speed_kph: float = DEFAULT_ESTIMATE_SPEED_KPH,
    circuity_source: str = SCENARIO_VALUE,
) -> DistanceMatrix:
    """Distance matrix estimated without any road graph.

    Parameters
    ----------
    points_o, points_d : DataFrame or sequence of (id, lon, lat)
        Origins and destinations (WGS84 degrees); destinations default to origins.
    circuity : float
        Road distance / great-circle distance (>= 1).
    speed_kph : float
        Average speed for durations, km/h.
    circuity_source : str
        Where ``circuity`` comes from (carried into the result).

    Returns
    -------
    DistanceMatrix
        ``distance_m = great_circle_m x circuity``, ``duration_s = distance / speed``,
        every method ``"estimated"`` with reason ``"no road graph"``.
    """
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
        reason=np.full(shape, REASON_NO_GRAPH, dtype="<U24"),
        circuity=float(circuity),
        metric="length",
        circuity_source=circuity_source,
    )


def _sample_routes(
    graph: RoadGraph, n_pairs: int, seed: int, pool: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Routed length (m), time (s), great-circle distance (m) and the origin and
    destination node of a seeded sample of node pairs drawn from ``pool`` (default all
    nodes); NaN where unreachable."""
    rng = np.random.default_rng(seed)
    nodes = np.arange(graph.n_nodes) if pool is None else np.asarray(pool, dtype=np.int64)
    n_o = max(1, min(25, math.ceil(math.sqrt(n_pairs))))
    per = max(1, math.ceil(n_pairs / n_o))
    origins = nodes[rng.choice(len(nodes), size=min(n_o, len(nodes)), replace=False)]
    dests = nodes[rng.choice(len(nodes), size=(len(origins), per), replace=True)]
    length, time = shortest_paths(graph, origins, np.unique(dests), metric="length", workers=1)
    cols = np.searchsorted(np.unique(dests), dests)
    rows = np.arange(len(origins))[:, None]
    ln = length[rows, cols]
    tt = time[rows, cols]
    gc = great_circle_m(graph.lon[origins][:, None], graph.lat[origins][:, None], graph.lon[dests], graph.lat[dests])
    orig = np.broadcast_to(origins[:, None], dests.shape)
    return ln.ravel(), tt.ravel(), gc.ravel(), orig.ravel(), dests.ravel()


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
    ln, _, gc, _, _ = _sample_routes(graph, n_pairs, seed)
    ok = np.isfinite(ln) & (gc >= MIN_CALIBRATION_M)
    value = DEFAULT_RURAL_CIRCUITY if ok.sum() < 10 else float(np.clip(np.median(ln[ok] / gc[ok]), 1.0, 3.0))
    graph._cache[key] = value
    return value


def calibrate_speed_kph(graph: RoadGraph | None, n_pairs: int = 200, seed: int = 0) -> float:
    """Median average speed (km/h) of routed sample paths >= 1 km (same sample as
    :func:`calibrate_circuity`), or :data:`DEFAULT_ESTIMATE_SPEED_KPH`."""
    if graph is None or graph.n_nodes < 2:
        return DEFAULT_ESTIMATE_SPEED_KPH
    ln, tt, gc, _, _ = _sample_routes(graph, n_pairs, seed)
    ok = np.isfinite(ln) & (gc >= MIN_CALIBRATION_M) & (tt > 0)
    if ok.sum() < 10:
        return DEFAULT_ESTIMATE_SPEED_KPH
    return float(np.median(ln[ok] / tt[ok]) * 3.6)


def choose_circuity(
    graph: RoadGraph | None,
    lon: Any,
    lat: Any,
    scenario_circuity: float = DEFAULT_RURAL_CIRCUITY,
    n_pairs: int = AREA_SAMPLE_PAIRS,
    seed: int = 0,
) -> tuple[float, str]:
    """The circuity for estimates in the area of some points, and where it comes from.

    A circuity calibrated on the road graph is used only when the graph can speak for
    the whole area: a seeded sample of ``n_pairs`` node pairs is drawn from the graph
    nodes inside the points' bounding box, and the pairs that are routed and at least
    :data:`MIN_SPAN_SHARE` of the box's great-circle diagonal long are counted. With at
    least :data:`MIN_SPANNING_PAIRS` such pairs the median routed / great-circle ratio
    of those pairs (clipped to [1, 3]) is used; otherwise (no graph, a graph covering
    only a corridor or a corner of the area, points that span no area) the
    ``scenario_circuity`` is kept.

    Parameters
    ----------
    graph : RoadGraph or None
    lon, lat : array-like of float
        The points whose distances are wanted (WGS84 degrees).
    scenario_circuity : float
        The scenario's (or the default) road / great-circle ratio.
    n_pairs : int
        Node pairs to sample.
    seed : int
        RNG seed (deterministic for a graph, points and seed).

    Returns
    -------
    circuity : float
        Dimensionless factor (>= 1).
    source : str
        ``"calibrated on N routed pairs"`` or ``"scenario value"``.
    """
    fallback = (max(1.0, float(scenario_circuity)), SCENARIO_VALUE)
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if graph is None or graph.n_nodes < 2 or len(lon) < 2:
        return fallback
    w, e, s, n = float(lon.min()), float(lon.max()), float(lat.min()), float(lat.max())
    diag = float(great_circle_m(w, s, e, n))
    if diag < MIN_CALIBRATION_M:
        return fallback
    key = ("area-circuity", w, e, s, n, n_pairs, seed)
    cached = graph._cache.get(key)
    if cached is None:
        inside = np.nonzero((graph.lon >= w) & (graph.lon <= e) & (graph.lat >= s) & (graph.lat <= n))[0]
        ratios = np.zeros(0)
        if len(inside) >= 2:
            ln, _, gc, _, _ = _sample_routes(graph, n_pairs, seed, pool=inside)
            ok = np.isfinite(ln) & (gc >= max(MIN_CALIBRATION_M, MIN_SPAN_SHARE * diag))
            ratios = ln[ok] / gc[ok]
        cached = graph._cache[key] = ratios
    if len(cached) < MIN_SPANNING_PAIRS:
        return fallback
    return float(np.clip(np.median(cached), 1.0, 3.0)), f"calibrated on {len(cached)} routed pairs"
