"""Many-to-many road distance and travel-time matrices."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from symnet.routing.engine import METRICS, shortest_paths, strong_components, weak_components
from symnet.routing.estimate import (
    DEFAULT_ESTIMATE_SPEED_KPH,
    DEFAULT_RURAL_CIRCUITY,
    choose_circuity,
    estimate_matrix,
)
from symnet.routing.geo import great_circle_m
from symnet.routing.graph import RoadGraph
from symnet.routing.points import as_points
from symnet.routing.snap import DEFAULT_SNAP_WARN_M, RoutingWarning, SnapResult, access, segments, snap_points
from symnet.routing.table import (
    REASON_CUTOFF,
    REASON_DISCONNECTED,
    REASON_OFF_NETWORK,
    REASON_ONE_WAY,
    DistanceMatrix,
)

__all__ = ["DIRECT", "DistanceMatrix", "Paths", "distance_matrix", "snapped_paths"]

#: ``Paths.choice`` of a pair driven directly along the one segment both points are on.
DIRECT = 4


@dataclass
class Paths:
    """Best paths between snapped origins (rows) and destinations (columns).

    ``length_m``/``time_s`` include the partial segments at both ends (not the
    connectors) and are NaN where no path exists. ``choice`` is ``2 * k + m`` when the
    path leaves the origin's segment through its end ``k`` and enters the
    destination's through its end ``m`` (0 = ``seg_a``, 1 = ``seg_b``), :data:`DIRECT`
    along a shared segment, -1 when unreachable.
    """

    length_m: np.ndarray
    time_s: np.ndarray
    choice: np.ndarray


def _direct(graph: RoadGraph, so: SnapResult, sd: SnapResult) -> tuple[np.ndarray, np.ndarray]:
    """Length and time along a segment shared by origin and destination (inf otherwise)."""
    seg = segments(graph)
    same = so.seg_index[:, None] == sd.seg_index[None, :]
    dt = sd.t[None, :] - so.t[:, None]
    idx = so.seg_index
    L = seg.length[idx][:, None]
    ab = seg.time_ab[idx][:, None]
    ba = seg.time_ba[idx][:, None]
    fwd = same & (dt >= 0) & np.isfinite(ab)
    rev = same & (dt <= 0) & np.isfinite(ba)
    inf = np.inf
    length = np.where(fwd | rev, np.abs(dt) * L, inf)
    with np.errstate(invalid="ignore"):
        time = np.where(fwd, dt * ab, np.where(rev, -dt * ba, inf))
    return length, time


def snapped_paths(
    graph: RoadGraph,
    so: SnapResult,
    sd: SnapResult,
    metric: str = "length",
    limit: float | None = None,
    workers: int | None = None,
) -> Paths:
    """Shortest paths between points snapped onto road segments (one-way aware).

    Each pair takes the best of: leave the origin's segment through either end the
    one-way rules allow, the shortest node-to-node path
    (:func:`~symnet.routing.engine.shortest_paths`), enter the destination's segment
    through either allowed end; and, when both points are on the same segment and its
    direction allows, the direct stretch between them. ``metric`` chooses what is
    minimised; the other quantity is that of the chosen path.

    Parameters
    ----------
    graph : RoadGraph
    so, sd : SnapResult
        Snapped origins and destinations (all on the network).
    metric : {"length", "time"}
    limit : float, optional
        Node-to-node search cut-off in the metric's unit (m or s).
    workers : int, optional
        Processes for Dijkstra.
    """
    ao, ad = access(graph, so), access(graph, sd)
    uo, inv_o = np.unique(ao.nodes, return_inverse=True)
    ud, inv_d = np.unique(ad.nodes, return_inverse=True)
    inv_o = inv_o.reshape(ao.nodes.shape)
    inv_d = inv_d.reshape(ad.nodes.shape)
    length, time = shortest_paths(graph, uo, ud, metric=metric, limit=limit, workers=workers)
    length = np.where(np.isnan(length), np.inf, length)
    time = np.where(np.isnan(time), np.inf, time)
    best_len, best_time = _direct(graph, so, sd)
    choice = np.where(np.isfinite(best_len), DIRECT, -1)
    best = best_len if metric == "length" else best_time
    for k in (0, 1):
        for m in (0, 1):
            sub = np.ix_(inv_o[:, k], inv_d[:, m])
            ln = ao.out_m[:, k, None] + length[sub] + ad.in_m[None, :, m]
            tt = ao.out_s[:, k, None] + time[sub] + ad.in_s[None, :, m]
            prim = ln if metric == "length" else tt
            better = prim < best
            best = np.where(better, prim, best)
            best_len = np.where(better, ln, best_len)
            best_time = np.where(better, tt, best_time)
            choice = np.where(better, 2 * k + m, choice)
    ok = choice >= 0
    return Paths(np.where(ok, best_len, np.nan), np.where(ok, best_time, np.nan), choice)


def surely_reachable(graph: RoadGraph, so: SnapResult, sd: SnapResult) -> np.ndarray:
    """Origins x destinations: True where a path surely exists, i.e. an end of the
    origin's segment that it may leave through and an end of the destination's segment
    that may be entered lie in one strongly connected component of the graph."""
    comp = strong_components(graph)
    ao, ad = access(graph, so), access(graph, sd)
    out = np.zeros((len(so.seg_index), len(sd.seg_index)), dtype=bool)
    for k in (0, 1):
        c_o = np.where(np.isfinite(ao.out_m[:, k]), comp[ao.nodes[:, k]], -1)
        for m in (0, 1):
            c_d = np.where(np.isfinite(ad.in_m[:, m]), comp[ad.nodes[:, m]], -2)
            out |= c_o[:, None] == c_d[None, :]
    return out


def _bounded_paths(
    graph: RoadGraph, so: SnapResult, sd: SnapResult, metric: str, limit: float | None, workers: int | None
) -> tuple[Paths, np.ndarray]:
    """:func:`snapped_paths` within ``limit``, and the pairs beyond it.

    A pair the bounded search does not reach is *beyond the cut-off* when a path surely
    exists (:func:`surely_reachable`); for the few others (ends in different strongly
    connected components: one-way or disconnected pieces of the extract) the origins are
    searched again without the limit, so they are told apart exactly as without one."""
    paths = snapped_paths(graph, so, sd, metric=metric, limit=limit, workers=workers)
    if limit is None:
        return paths, np.zeros(paths.length_m.shape, dtype=bool)
    unreached = np.isnan(paths.length_m)
    sure = surely_reachable(graph, so, sd)
    unsure = unreached & ~sure
    rows = np.nonzero(unsure.any(axis=1))[0]
    if len(rows):
        again = snapped_paths(graph, so.take(rows), sd, metric=metric, limit=None, workers=workers)
        take = unsure[rows]
        for name in ("length_m", "time_s", "choice"):
            mine = getattr(paths, name)
            mine[rows] = np.where(take, getattr(again, name), mine[rows])
    return paths, unreached & sure


def distance_matrix(
    graph: RoadGraph | None,
    origins: Any,
    destinations: Any = None,
    metric: str = "length",
    cutoff_m: float | None = None,
    circuity: float | None = None,
    snap_warn_m: float = DEFAULT_SNAP_WARN_M,
    estimate_speed_kph: float = DEFAULT_ESTIMATE_SPEED_KPH,
    workers: int | None = None,
    scenario_circuity: float = DEFAULT_RURAL_CIRCUITY,
    circuity_source: str = "given value",
) -> DistanceMatrix:
    """Road distances and travel times between points.

    Each point is snapped to the nearest point of its nearest road segment
    (:func:`~symnet.routing.snap.snap_points`); paths leave and enter the segments
    through the ends the one-way rules allow, and two points on one segment are
    connected along it (:func:`snapped_paths`). Distances include the connectors at
    both ends (great-circle metres, driven at
    :data:`~symnet.routing.snap.CONNECTOR_SPEED_KPH`). Pairs routing cannot answer are
    estimated as great circle x ``circuity`` at ``estimate_speed_kph``.

    Parameters
    ----------
    graph : RoadGraph or None
        Road graph; None estimates every pair.
    origins, destinations : DataFrame (id, lon, lat) or sequence of (id, lon, lat)
        WGS84 degrees. ``destinations`` defaults to ``origins``.
    metric : {"length", "time"}
        Minimise distance or travel time; both are reported for the chosen path.
    cutoff_m : float, optional
        Stop searching beyond this network distance (m) from each origin; farther
        pairs are estimated with reason ``"beyond cutoff"`` (their road distance is
        more than ``cutoff_m``; every pair within it is routed exactly as without a
        cut-off; pairs that one-way streets or disconnected pieces leave without any
        route keep their own reasons). For
        ``metric="time"`` the cut-off is converted to time at the slowest edge speed
        (never prunes a path shorter than ``cutoff_m``).
    circuity : float, optional
        Estimate factor (labelled ``circuity_source``); default
        :func:`~symnet.routing.estimate.choose_circuity` on the graph and these points,
        which keeps ``scenario_circuity`` unless the graph spans their area.
    snap_warn_m : float
        Points farther than this (m) from any road are off the network: warned about
        and estimated.
    estimate_speed_kph : float
        Average speed for estimated durations (km/h).
    workers : int, optional
        Processes for Dijkstra (default: automatic, at most 2).
    scenario_circuity : float
        The fallback factor when ``circuity`` is None.
    circuity_source : str
        Label of a given ``circuity``.

    Returns
    -------
    DistanceMatrix
        Never inf or NaN; pairs made unreachable by one-way streets are warned about
        (:class:`~symnet.routing.snap.RoutingWarning`) and listed in ``.unrouted``.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")
    oid, olon, olat = as_points(origins, "origins")
    did, dlon, dlat = (oid, olon, olat) if destinations is None else as_points(destinations, "destinations")
    if circuity is None:
        circuity, circuity_source = choose_circuity(
            graph, np.concatenate([olon, dlon]), np.concatenate([olat, dlat]), scenario_circuity
        )
    if graph is None or graph.n_nodes == 0:
        dm = estimate_matrix(
            list(zip(oid, olon, olat)), list(zip(did, dlon, dlat)), circuity, estimate_speed_kph, circuity_source
        )
        dm.origin_ids, dm.destination_ids, dm.metric = oid, did, metric
        return dm

    gc = great_circle_m(olon[:, None], olat[:, None], dlon[None, :], dlat[None, :])
    so = snap_points(graph, oid, olon, olat, warn_m=snap_warn_m)
    sd = so if destinations is None else snap_points(graph, did, dlon, dlat, warn_m=snap_warn_m)
    on_o = np.nonzero(~so.far)[0]
    on_d = np.nonzero(~sd.far)[0]
    limit = None
    if cutoff_m is not None:
        limit = float(cutoff_m) if metric == "length" else float(cutoff_m) / (float(graph.speed_kph.min()) / 3.6)
    paths, beyond_on = _bounded_paths(graph, so.take(on_o), sd.take(on_d), metric, limit, workers)

    n_o, n_d = len(oid), len(did)
    dist = np.full((n_o, n_d), np.nan)
    dur = np.full((n_o, n_d), np.nan)
    sub = np.ix_(on_o, on_d)
    dist[sub] = paths.length_m + so.connector_m[on_o][:, None] + sd.connector_m[on_d][None, :]
    dur[sub] = paths.time_s + so.connector_s[on_o][:, None] + sd.connector_s[on_d][None, :]
    beyond = np.zeros((n_o, n_d), dtype=bool)
    beyond[sub] = beyond_on

    same_place = gc == 0.0  # identical coordinates: nothing to drive
    dist[same_place] = 0.0
    dur[same_place] = 0.0
    if cutoff_m is not None and metric == "length":
        # a route longer than the cut-off may not be the shortest (that one's node-to-node
        # part can be beyond the search), but the shortest is longer than the cut-off too
        over = dist > float(cutoff_m)
        dist[over], dur[over], beyond[over] = np.nan, np.nan, True
    routed = np.isfinite(dist)
    reason = _reasons(graph, so, sd, routed, beyond & ~routed)
    est = gc * max(1.0, float(circuity))
    dist = np.where(routed, np.maximum(dist, gc), est)
    dur = np.where(routed, dur, est / (estimate_speed_kph / 3.6))
    method = np.where(routed, "routed", "estimated").astype("<U9")
    dm = DistanceMatrix(oid, did, dist, dur, method, reason, float(circuity), metric, circuity_source)
    _warn_unreachable(dm)
    return dm


def _reasons(graph: RoadGraph, so: SnapResult, sd: SnapResult, routed: np.ndarray, beyond: np.ndarray) -> np.ndarray:
    """Why each pair that is not routed is estimated (empty string when routed);
    ``beyond``: the pairs beyond the search cut-off."""
    reason = np.full(routed.shape, "", dtype="<U24")
    off = so.far[:, None] | sd.far[None, :]
    reason[off] = REASON_OFF_NETWORK
    reason[beyond & ~off] = REASON_CUTOFF
    unreached = ~routed & ~off & ~beyond
    if unreached.any():
        comp = weak_components(graph)
        same = comp[so.seg_a][:, None] == comp[sd.seg_a][None, :]
        reason[unreached & same] = REASON_ONE_WAY
        reason[unreached & ~same] = REASON_DISCONNECTED
    return reason


def _warn_unreachable(dm: DistanceMatrix) -> None:
    for why in (REASON_ONE_WAY, REASON_DISCONNECTED):
        i, j = np.nonzero(dm.reason == why)
        if len(i) == 0:
            continue
        shown = ", ".join(f"{dm.origin_ids[a]}->{dm.destination_ids[b]}" for a, b in zip(i[:10], j[:10]))
        more = f" and {len(i) - 10} more" if len(i) > 10 else ""
        hint = (
            "one-way streets leave no route inside the extract"
            if why == REASON_ONE_WAY
            else "the points are on road components that the extract does not connect"
        )
        msg = f"{len(i)} pair(s) unreachable ({why}: {hint}): {shown}{more}; distances estimated"
        warnings.warn(msg, RoutingWarning, stacklevel=3)
