"""The distance table every routing answer returns (:class:`DistanceMatrix`) and the
reasons an entry can be estimated rather than routed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

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
    circuity_source : str
        Where ``circuity`` comes from: ``"calibrated on N routed pairs"`` or
        ``"scenario value"`` (see :func:`~symnet.routing.estimate.choose_circuity`).
    """

    origin_ids: np.ndarray
    destination_ids: np.ndarray
    distance_m: np.ndarray
    duration_s: np.ndarray
    method: np.ndarray
    reason: np.ndarray
    circuity: float
    metric: str = "length"
    circuity_source: str = "scenario value"

    @property
    def shape(self) -> tuple[int, int]:
        return self.distance_m.shape

    @property
    def unrouted(self) -> list[tuple[Any, Any, str]]:
        """``(origin, destination, reason)`` for every estimated pair."""
        i, j = np.nonzero(self.method != "routed")
        return [(self.origin_ids[a], self.destination_ids[b], str(self.reason[a, b])) for a, b in zip(i, j)]

    @property
    def estimate_label(self) -> str:
        """How estimated pairs were estimated, e.g. ``"great circle x 1.37 (scenario value)"``."""
        return f"great circle x {self.circuity:.2f} ({self.circuity_source})"

    def to_frame(self, drop_self: bool = False) -> pd.DataFrame:
        """Long table with columns ``origin, destination, distance_m, duration_s, method``
        (and ``reason``, and ``estimate``: how an estimated pair was estimated, e.g.
        ``"great circle x 1.37 (scenario value)"``; empty when routed), one row per
        pair, origins in order.

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
                "estimate": np.where(self.method.ravel() == "routed", "", self.estimate_label),
            }
        )
        if drop_self:
            df = df[df["origin"].to_numpy() != df["destination"].to_numpy()].reset_index(drop=True)
        return df
