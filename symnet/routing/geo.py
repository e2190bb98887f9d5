"""Geodesy helpers: great-circle distance, CRS choice and coordinate transforms.

All distances are in metres on a sphere of radius :data:`EARTH_RADIUS_M` (the mean
Earth radius used by osmnx), so edge lengths, connector lengths and estimates are
mutually consistent: a routed path can never be shorter than the great-circle
distance between its end points (triangle inequality on the sphere).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

#: Mean Earth radius in metres (same value as ``osmnx.distance.EARTH_RADIUS_M``).
EARTH_RADIUS_M: float = 6_371_009.0


def great_circle_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Great-circle (haversine) distance between WGS84 points, vectorised.

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : float or array-like
        Coordinates in decimal degrees (EPSG:4326); arrays broadcast.

    Returns
    -------
    numpy.ndarray
        Distance in metres (0-d array for scalar input).
    """
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2.0) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def utm_crs_for(lon: float, lat: float) -> str:
    """The WGS84 / UTM zone CRS (``"EPSG:326zz"`` north, ``"EPSG:327zz"`` south) for a point."""
    zone = int(np.floor((float(lon) + 180.0) / 6.0)) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def normalise_crs(crs: Any) -> str:
    """A stable string for a CRS (``"EPSG:3006"`` when it has an EPSG code, else WKT)."""
    c = pyproj.CRS.from_user_input(crs)
    epsg = c.to_epsg()
    if epsg is not None:
        return f"EPSG:{epsg}"
    return c.to_wkt()


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_xy(lon: Any, lat: Any, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 lon/lat (degrees) to ``crs`` (metres for projected CRSs)."""
    x, y = _transformer("EPSG:4326", crs).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def xy_to_lonlat(x: Any, y: Any, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`lonlat_to_xy`."""
    lon, lat = _transformer(crs, "EPSG:4326").transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def to_wgs84(geom: BaseGeometry, crs: str) -> BaseGeometry:
    """Transform a shapely geometry from ``crs`` (e.g. a :class:`RoadGraph`'s) to WGS84 lon/lat.

    Parameters
    ----------
    geom : shapely geometry
        Geometry in ``crs`` coordinates.
    crs : str
        Its CRS, e.g. ``graph.crs``.

    Returns
    -------
    shapely geometry
        The same geometry with lon/lat coordinates in degrees (EPSG:4326).
    """
    tr = _transformer(crs, "EPSG:4326")

    def _f(coords: np.ndarray) -> np.ndarray:
        lon, lat = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, _f)
