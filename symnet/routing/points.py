"""Normalising point inputs: sequences of ``(id, lon, lat)`` or DataFrames with id/lon/lat."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def as_points(points: Any, name: str = "points") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(ids, lon, lat)`` arrays from a DataFrame (columns ``id``, ``lon``, ``lat``)
    or a sequence of ``(id, lon, lat)`` tuples or ``(lon, lat)`` pairs (ids 0..n-1).

    Raises
    ------
    ValueError
        If coordinates are missing, non-finite or out of range (lon in [-180, 180],
        lat in [-90, 90]).
    """
    if hasattr(points, "columns"):
        missing = [c for c in ("id", "lon", "lat") if c not in points.columns]
        if missing:
            raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")
        ids = points["id"].to_numpy(dtype=object)
        lon = points["lon"].to_numpy(dtype=float)
        lat = points["lat"].to_numpy(dtype=float)
    else:
        seq: Sequence[Any] = list(points)
        if seq and len(seq[0]) == 2:
            ids = np.arange(len(seq)).astype(object)
            lon = np.array([p[0] for p in seq], dtype=float)
            lat = np.array([p[1] for p in seq], dtype=float)
        else:
            ids = np.array([p[0] for p in seq] + [None], dtype=object)[:-1]
            lon = np.array([p[1] for p in seq], dtype=float)
            lat = np.array([p[2] for p in seq], dtype=float)
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        i = int(np.nonzero(bad)[0][0])
        raise ValueError(f"{name}: point {ids[i]!r} has invalid coordinates lon={lon[i]}, lat={lat[i]}")
    return ids, lon, lat
