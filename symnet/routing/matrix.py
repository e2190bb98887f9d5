"""Many-to-many road distance and travel-time matrices."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from symnet.routing.engine import METRICS, shortest_paths, weak_components
from symnet.routing.estimate import (
    DEFAULT_ESTIMATE_SPEED_KPH,
    calibrate_circuity,
    estimate_matrix,
)
from symnet.routing.geo import great_circle_m
from symnet.routing.graph import RoadGraph
from symnet.routing.points import as_points
from symnet.routing.snap import DEFAULT_SNAP_WARN_M, RoutingWarning, snap_points

REASON_OFF_NETWORK = "off network"
REASON_DISCONNECTED = "disconnected"
REASON_ONE_WAY = "one-way"
REASON_CUTOFF = "beyond cutoff"
REASON_NO_GRAPH = "no road graph"


@dataclass
class DistanceMatrix:
    """Distances and durations between origins (rows) and destinations (columns).

    Attributes
    ----------
    origin_ids, destination_ids : ndarray of object
        Point ids.
    distance_m : ndarray of float, shape (n_o, n_d)
        Road distance in metres, connectors included; never below the great-circle
        distance.
    duration_s : ndarray of float, shape (n_o, n_d)
        Travel time in seconds.
    method : ndarray of str, shape (n_o, n_d)
        ``"routed"`` (shortest path on the road graph) or ``"estimated"``
        (great circle x ``circuity``, duration at the estimate speed).
    reason : ndarray of str, shape (n_o, n_d)
        Why a pair is estimated (``"off network"``, ``"disconnected"``,
        ``"one-way"``, ``"beyond cutoff"``, ``"no road graph"``); empty if routed.
    circuity : float
        Factor used for estimates.
    metric : str
        What the routed paths minimise (``"length"`` or ``"time"``).
    """

    origin_ids: np.ndarray
    destination_ids: np.ndarray
    distance_m: np.ndarray
    duration_s: np.ndarray
    method: np.ndarray
    reason: np.ndarray
    circuity: float
    metric: str = "length"

    @property
    def shape(self) -> tuple[int, int]:
        return self.distance_m.shape  # type: ignore[return-value]

    @property
    def unrouted(self) -> list[tuple[Any, Any, str]]:
        """``(origin, destination, reason)`` for every estimated pair."""
        i, j = np.nonzero(self.method != "routed")
        return [(self.origin_ids[a], self.destination_ids[b], str(self.reason[a, b])) for a, b in zip(i, j)]

    def to_frame(self, drop_self: bool = False) -> pd.DataFrame:
        """Long table with columns ``origin, destination, distance_m, duration_s, method``
        (and ``reason``), one row per pair, origins in order.

        Parameters
        ----------
        drop_self : bool
            Leave out pairs whose origin id equals the destination id.
        """
        n_o, n_d = self.shape
        df = pd.DataFrame(
            {
                "origin": np.repeat(self.origin_ids, n_d),
                "destination": np.tile(self.destination_ids, n_o),
                "distance_m": self.distance_m.ravel(),
                "duration_s": self.duration_s.ravel(),
                "method": self.method.ravel(),
                "reason": self.reason.ravel(),
            }
        )
        if drop_self:
            df = df[df["origin"].to_numpy() != df["destination"].to_numpy()].reset_index(drop=True)
        return df


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
) -> DistanceMatrix:
    """Road distances and travel times between points.

    Each point is snapped to its nearest road node; one Dijkstra runs per distinct
    origin node (on both cores for big requests) and only the destination columns are
    kept. Distances include the connectors at both ends (great-circle metres, driven
    at :data:`~symnet.routing.snap.CONNECTOR_SPEED_KPH`). Pairs routing cannot answer
    are estimated as great circle x ``circuity`` at ``estimate_speed_kph``.

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
        pairs are estimated with reason ``"beyond cutoff"``. For ``metric="time"``
        the cut-off is converted to time at the slowest edge speed (never prunes a
        path shorter than ``cutoff_m``).
    circuity : float, optional
        Estimate factor; default calibrated on the graph (:func:`calibrate_circuity`)
        or :data:`~symnet.routing.estimate.DEFAULT_RURAL_CIRCUITY` without a graph.
    snap_warn_m : float
        Points farther than this (m) from any road are off the network: warned about
        and estimated.
    estimate_speed_kph : float
        Average speed for estimated durations (km/h).
    workers : int, optional
        Processes for Dijkstra (default: automatic, at most 2).

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
        circuity = calibrate_circuity(graph)
    if graph is None or graph.n_nodes == 0:
        dm = estimate_matrix(list(zip(oid, olon, olat)), list(zip(did, dlon, dlat)), circuity, estimate_speed_kph)
        dm.origin_ids, dm.destination_ids, dm.metric = oid, did, metric
        return dm

    gc = great_circle_m(olon[:, None], olat[:, None], dlon[None, :], dlat[None, :])
    so = snap_points(graph, oid, olon, olat, warn_m=snap_warn_m)
    sd = so if destinations is None else snap_points(graph, did, dlon, dlat, warn_m=snap_warn_m)
    on_o = np.nonzero(~so.far)[0]
    on_d = np.nonzero(~sd.far)[0]
    uo, inv_o = np.unique(so.node[on_o], return_inverse=True)
    ud, inv_d = np.unique(sd.node[on_d], return_inverse=True)
    limit = None
    if cutoff_m is not None:
        if metric == "length":
            limit = float(cutoff_m)
        else:
            limit = float(cutoff_m) / (float(graph.speed_kph.min()) / 3.6)
    length, time = shortest_paths(graph, uo, ud, metric=metric, limit=limit, workers=workers)

    n_o, n_d = len(oid), len(did)
    dist = np.full((n_o, n_d), np.nan)
    dur = np.full((n_o, n_d), np.nan)
    sub = np.ix_(on_o, on_d)
    dist[sub] = length[np.ix_(inv_o, inv_d)] + so.connector_m[on_o][:, None] + sd.connector_m[on_d][None, :]
    dur[sub] = time[np.ix_(inv_o, inv_d)] + so.connector_s[on_o][:, None] + sd.connector_s[on_d][None, :]

    same_place = gc == 0.0  # identical coordinates: nothing to drive
    dist[same_place] = 0.0
    dur[same_place] = 0.0
    routed = np.isfinite(dist)
    reason = np.full((n_o, n_d), "", dtype="<U24")
    off = so.far[:, None] | sd.far[None, :]
    reason[off] = REASON_OFF_NETWORK
    unreached = ~routed & ~off
    if unreached.any():
        if cutoff_m is not None:
            reason[unreached] = REASON_CUTOFF
        else:
            comp = weak_components(graph)
            same = comp[so.node][:, None] == comp[sd.node][None, :]
            reason[unreached & same] = REASON_ONE_WAY
            reason[unreached & ~same] = REASON_DISCONNECTED
    est = gc * max(1.0, float(circuity))
    dist = np.where(routed, np.maximum(dist, gc), est)
    dur = np.where(routed, dur, est / (estimate_speed_kph / 3.6))
    method = np.where(routed, "routed", "estimated").astype("<U9")
    dm = DistanceMatrix(oid, did, dist, dur, method, reason, float(circuity), metric)
    _warn_unreachable(dm)
    return dm


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
