"""Read drivable ways from a local OpenStreetMap extract with pyosmium.

Filter semantics follow osmnx's ``network_type="drive"`` Overpass filter (osmnx 2.x,
``osmnx._overpass._get_osm_filter``), applied as exact tag-value matches:

* a way is kept when it has a ``highway`` tag whose value is not one of
  :data:`EXCLUDED_HIGHWAYS` (so motorway, trunk, primary, secondary, tertiary,
  unclassified, residential, living_street, road, the ``*_link`` ramps, busway ...
  are kept; ``service`` and ``track`` are excluded for ``"drive"``),
* and not ``area=yes``, ``access=private``, ``motor_vehicle=no``, ``motorcar=no``,
* and ``service`` is not one of :data:`EXCLUDED_SERVICES`.

``network_type="drive_service"`` additionally keeps ``highway=service`` (except
parking aisles, emergency access and private service roads), like osmnx.
``network_type="drive_track"`` is ``drive_service`` plus ``highway=track`` (forest and
farm roads, which carry much of the residue transport in sparse rural regions).

One-way rules: ``oneway`` in {yes, true, 1} is one-way along the way, ``-1``/``reverse``
is one-way against it, ``junction=roundabout`` / ``circular`` and
``highway=motorway`` imply one-way unless ``oneway=no``. Other values
(``no``, ``alternating``, ``reversible``) are two-way.

Clipped extracts: nodes referenced by a way but absent from the file have no location;
the way is split there and the parts that still have two or more located nodes are
kept. Nothing is raised for missing nodes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

EXCLUDED_HIGHWAYS_DRIVE = frozenset(
    {
        "abandoned",
        "bridleway",
        "bus_guideway",
        "construction",
        "corridor",
        "cycleway",
        "elevator",
        "escalator",
        "footway",
        "no",
        "path",
        "pedestrian",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
        "rest_area",
        "service",
        "services",
        "steps",
        "track",
        # not in osmnx's list but never a road (tags on ways occasionally misused)
        "bus_stop",
        "traffic_signals",
        "crossing",
        "via_ferrata",
    }
)
EXCLUDED_SERVICES_DRIVE = frozenset({"alley", "driveway", "emergency_access", "parking", "parking_aisle", "private"})
EXCLUDED_SERVICES_SERVICE = frozenset({"emergency_access", "parking", "parking_aisle", "private"})
NETWORK_TYPES = ("drive", "drive_service", "drive_track")

#: Default speeds (km/h) by highway type when a way has no usable ``maxspeed``.
#: Rural Nordic defaults (Swedish/Norwegian general limits), documented assumptions.
DEFAULT_SPEEDS_KPH: dict[str, float] = {
    "motorway": 110.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 80.0,
    "primary_link": 50.0,
    "secondary": 70.0,
    "secondary_link": 50.0,
    "tertiary": 60.0,
    "tertiary_link": 40.0,
    "unclassified": 50.0,
    "road": 50.0,
    "busway": 50.0,
    "residential": 40.0,
    "living_street": 10.0,
    "service": 20.0,
    "track": 20.0,
}
#: Speed (km/h) for highway types missing from :data:`DEFAULT_SPEEDS_KPH`.
FALLBACK_SPEED_KPH = 40.0
_ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
_ONEWAY_REVERSE = frozenset({"-1", "reverse"})
_NUM = re.compile(r"\d+(?:\.\d+)?")
_TAGS = ("highway", "area", "access", "motor_vehicle", "motorcar", "service", "oneway", "junction", "maxspeed")


def is_drivable(tags: dict[str, str], network_type: str = "drive") -> bool:
    """Whether a way with these tags belongs to the road network of ``network_type``."""
    hw = tags.get("highway")
    if hw is None:
        return False
    if network_type == "drive":
        if hw in EXCLUDED_HIGHWAYS_DRIVE:
            return False
        excluded_services = EXCLUDED_SERVICES_DRIVE
    else:
        allowed = {"service"} if network_type == "drive_service" else {"service", "track"}
        if hw in EXCLUDED_HIGHWAYS_DRIVE and hw not in allowed:
            return False
        excluded_services = EXCLUDED_SERVICES_SERVICE
    if tags.get("area") == "yes" or tags.get("access") == "private":
        return False
    if tags.get("motor_vehicle") == "no" or tags.get("motorcar") == "no":
        return False
    return tags.get("service") not in excluded_services


def oneway_direction(tags: dict[str, str]) -> int:
    """0 for two-way, 1 for one-way along the node order, -1 for one-way against it."""
    ow = (tags.get("oneway") or "").strip().lower()
    if ow in _ONEWAY_FORWARD:
        return 1
    if ow in _ONEWAY_REVERSE:
        return -1
    if ow:  # explicit no / alternating / reversible / unknown
        return 0
    if tags.get("junction") in ("roundabout", "circular") or tags.get("highway") == "motorway":
        return 1
    return 0


def parse_maxspeed(value: str | None) -> float | None:
    """A ``maxspeed`` tag in km/h (``"50"``, ``"30 mph"``, ``"50;70"`` -> mean), or None."""
    if not value:
        return None
    speeds = []
    for part in re.split(r"[;|]", value):
        m = _NUM.search(part)
        if m is None:
            continue
        v = float(m.group())
        if "mph" in part.lower():
            v *= 1.609344
        if v > 0:
            speeds.append(v)
    return float(np.mean(speeds)) if speeds else None


def way_speed_kph(tags: dict[str, str]) -> float:
    """Speed of a way in km/h: its ``maxspeed`` if parseable, else the highway default."""
    v = parse_maxspeed(tags.get("maxspeed"))
    if v is not None and math.isfinite(v):
        return v
    return DEFAULT_SPEEDS_KPH.get(tags.get("highway", ""), FALLBACK_SPEED_KPH)


@dataclass
class RawWays:
    """Drivable ways as flat arrays (one row per way-node occurrence).

    ``way_pos[k]`` is the index of the way that occurrence ``k`` belongs to; occurrences
    of one way are consecutive and in OSM order. Missing nodes have NaN lon/lat.
    """

    node_ref: np.ndarray  # int64, OSM node id per occurrence
    lon: np.ndarray  # float64 degrees (NaN if node missing)
    lat: np.ndarray
    way_pos: np.ndarray  # int64
    way_id: np.ndarray  # int64 per way
    way_oneway: np.ndarray  # int8 per way (0, 1, -1)
    way_speed: np.ndarray  # float64 km/h per way
    way_highway: list[str]  # highway value per way


def read_ways(path: str | Path, network_type: str = "drive") -> RawWays:
    """Read the drivable ways of an OSM file (``.osm``, ``.osm.bz2``, ``.osm.pbf``).

    Parameters
    ----------
    path : str or Path
        The extract.
    network_type : {"drive", "drive_service", "drive_track"}
        Which ways count as roads (see module docstring).

    Returns
    -------
    RawWays
    """
    import osmium

    if network_type not in NETWORK_TYPES:
        raise ValueError(f"network_type must be one of {NETWORK_TYPES}, not {network_type!r}")
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    counts: list[int] = []
    way_ids: list[int] = []
    oneways: list[int] = []
    speeds: list[float] = []
    highways: list[str] = []
    nan = float("nan")
    fp: Any = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in fp:
        wt = way.tags
        tags = {k: wt[k] for k in _TAGS if k in wt}
        if not is_drivable(tags, network_type):
            continue
        n = 0
        for nr in way.nodes:
            loc = nr.location
            refs.append(nr.ref)
            if loc.valid():
                lons.append(loc.lon)
                lats.append(loc.lat)
            else:
                lons.append(nan)
                lats.append(nan)
            n += 1
        if n == 0:
            continue
        counts.append(n)
        way_ids.append(way.id)
        oneways.append(oneway_direction(tags))
        speeds.append(way_speed_kph(tags))
        highways.append(tags["highway"])
    counts_a = np.asarray(counts, dtype=np.int64)
    return RawWays(
        node_ref=np.asarray(refs, dtype=np.int64),
        lon=np.asarray(lons, dtype=np.float64),
        lat=np.asarray(lats, dtype=np.float64),
        way_pos=np.repeat(np.arange(len(counts_a), dtype=np.int64), counts_a),
        way_id=np.asarray(way_ids, dtype=np.int64),
        way_oneway=np.asarray(oneways, dtype=np.int8),
        way_speed=np.asarray(speeds, dtype=np.float64),
        way_highway=highways,
    )
