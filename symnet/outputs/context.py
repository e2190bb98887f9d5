"""The offline context layer of the planner's map and charts: what symnet itself has.

* **Major roads** of the loaded :class:`~symnet.routing.graph.RoadGraph` (motorway, trunk,
  primary, secondary and their ``_link`` ramps), clipped to the map's area plus a margin,
  merged into lines per road class and simplified (shapely, tolerance in metres), with a cap
  on the vertex count so that ``map.html`` stays small.
* **Towns**: OSM place nodes of type city/town read from the road extract (only when the file
  is small enough to read again cheaply, see :data:`PLACE_SCAN_MAX_BYTES`).
* **Municipality labels** at the centroid of each municipality's actors
  (:func:`municipality_places`).

Everything is in WGS84 lon/lat degrees, rounded to 5 decimals (about 1 m).
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

log = logging.getLogger(__name__)

#: Road classes drawn, most important first (``*_link`` ramps count as their road).
MAJOR_ROADS: tuple[str, ...] = ("motorway", "trunk", "primary", "secondary")
#: OSM ``place`` values read as town labels.
PLACE_KINDS: tuple[str, ...] = ("city", "town")
#: Road extracts larger than this (bytes) are not read a second time for place nodes.
PLACE_SCAN_MAX_BYTES = 200_000_000
#: Default cap on the number of road vertices embedded in the map.
MAX_ROAD_VERTICES = 15_000
#: How the map and the report chart draw each road class: (kind, colour, line width in px).
ROAD_STYLES: tuple[tuple[str, str, float], ...] = (
    ("motorway", "#e07b39", 3.5),
    ("trunk", "#e8a33d", 3.0),
    ("primary", "#e8b85d", 2.5),
    ("secondary", "#c9c06b", 1.8),
)


@dataclass(frozen=True)
class ContextRoad:
    """One merged, simplified road line: ``kind`` is a :data:`MAJOR_ROADS` value and
    ``coords`` a list of (lon, lat) in degrees."""

    kind: str
    coords: list[tuple[float, float]]


@dataclass(frozen=True)
class Place:
    """A place label: ``kind`` is ``"city"``, ``"town"`` or ``"municipality"``; lon/lat in degrees."""

    name: str
    kind: str
    lon: float
    lat: float


@dataclass
class MapContext:
    """The embedded context layer: roads, places and where they come from (for attribution)."""

    roads: list[ContextRoad] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    source: str = ""

    @property
    def from_osm(self) -> bool:
        """Whether anything here was read from OpenStreetMap data (needs the ODbL notice)."""
        return bool(self.roads) or any(p.kind != "municipality" for p in self.places)


def _expand(bounds: tuple[float, float, float, float], margin_m: float) -> tuple[float, float, float, float]:
    """lon/lat bounds grown by ``margin_m`` metres on every side."""
    w, s, e, n = bounds
    dlat = margin_m / 111_320.0
    dlon = margin_m / (111_320.0 * max(np.cos(np.radians((s + n) / 2)), 0.05))
    return w - dlon, s - dlat, e + dlon, n + dlat


def _class_lines(graph: Any, edges: np.ndarray, tolerance_m: float) -> list[np.ndarray]:
    """The merged, simplified lines (x/y metres, graph CRS) of the undirected ``edges``."""
    u, v = graph.u[edges], graph.v[edges]
    pairs = np.unique(np.column_stack([np.minimum(u, v), np.maximum(u, v)]), axis=0)
    segs = np.stack(
        [
            np.column_stack([graph.x[pairs[:, 0]], graph.y[pairs[:, 0]]]),
            np.column_stack([graph.x[pairs[:, 1]], graph.y[pairs[:, 1]]]),
        ],
        axis=1,
    )
    merged = shapely.line_merge(shapely.multilinestrings(segs))
    simple = shapely.simplify(merged, tolerance_m, preserve_topology=False)
    parts = shapely.get_parts(simple)
    return [shapely.get_coordinates(p) for p in parts if not p.is_empty and shapely.get_num_coordinates(p) >= 2]


def _fit_vertices(
    graph: Any, keep: np.ndarray, kind: np.ndarray, classes: list[str], tolerance_m: float, max_vertices: int
) -> tuple[dict[str, list[np.ndarray]], float]:
    """Lines per class, simplified until their vertices fit ``max_vertices``: the
    tolerance doubles up to 8x, then the least important class goes (the last one left is
    simplified up to 256x); returns the lines (empty when nothing fits) and the tolerance."""
    tol = tolerance_m
    while classes:
        lines = {c: _class_lines(graph, np.flatnonzero(keep & (kind == c)), tol) for c in classes}
        if sum(len(a) for ls in lines.values() for a in ls) <= max_vertices:
            return lines, tol
        if tol < 8 * tolerance_m or (len(classes) == 1 and tol < 256 * tolerance_m):
            tol *= 2
        else:
            classes = classes[:-1]
            tol = tolerance_m
    return {}, tol


def road_context(
    graph: Any,
    bounds: tuple[float, float, float, float] | None = None,
    *,
    margin_m: float = 10_000.0,
    tolerance_m: float = 30.0,
    max_vertices: int = MAX_ROAD_VERTICES,
) -> list[ContextRoad]:
    """The major roads of ``graph`` as simplified WGS84 lines.

    Parameters
    ----------
    graph : RoadGraph
        The loaded road graph (``x``/``y`` in metres of ``graph.crs``).
    bounds : (west, south, east, north) in degrees, optional
        The map's area; edges with an end outside it plus ``margin_m`` (metres) are dropped.
    tolerance_m : float
        Douglas-Peucker simplification tolerance in metres; doubled until the vertex count
        fits ``max_vertices``; the least important class is dropped when even 8x the
        tolerance does not fit (the most important one is simplified up to 256x before the
        layer is given up).

    Returns
    -------
    list of ContextRoad
        Most important class first, deterministic order.
    """
    from symnet.routing.geo import xy_to_lonlat

    if graph is None or graph.n_edges == 0:
        return []
    names = np.array([str(n).removesuffix("_link") for n in graph.highway_names.tolist()])
    kind = names[graph.highway] if len(names) else np.array([], dtype=str)
    keep = np.isin(kind, MAJOR_ROADS)
    if bounds is not None:
        w, s, e, n = _expand(bounds, margin_m)
        inside = (graph.lon >= w) & (graph.lon <= e) & (graph.lat >= s) & (graph.lat <= n)
        keep &= inside[graph.u] & inside[graph.v]
    classes = [c for c in MAJOR_ROADS if (keep & (kind == c)).any()]
    lines, tol = _fit_vertices(graph, keep, kind, classes, tolerance_m, max_vertices)
    out: list[ContextRoad] = []
    for c, parts in lines.items():
        for xy in parts:
            lon, lat = xy_to_lonlat(xy[:, 0], xy[:, 1], graph.crs)
            out.append(ContextRoad(c, [(round(float(a), 5), round(float(b), 5)) for a, b in zip(lon, lat)]))
    log.debug("context roads: %d lines, tolerance %.0f m", len(out), tol)
    return out


def place_nodes(
    path: str | Path, bounds: tuple[float, float, float, float] | None = None, kinds: tuple[str, ...] = PLACE_KINDS
) -> list[Place]:
    """Named OSM place nodes of the given ``kinds`` in ``path`` (an .osm/.osm.pbf file)
    inside ``bounds`` (west, south, east, north in degrees); empty when the file is larger
    than :data:`PLACE_SCAN_MAX_BYTES` (reading it again would cost more than the labels are
    worth) or cannot be read."""
    import osmium

    p = Path(path)
    if not p.is_file() or p.stat().st_size > PLACE_SCAN_MAX_BYTES:
        return []
    found: list[Place] = []
    try:
        nodes = osmium.FileProcessor(str(p), osmium.osm.NODE).with_filter(osmium.filter.KeyFilter("place"))
        for node in nodes:
            if not isinstance(node, osmium.osm.Node):
                continue
            kind, name = node.tags.get("place"), node.tags.get("name")
            if kind not in kinds or not name or not node.location.valid():
                continue
            lon, lat = node.location.lon, node.location.lat
            if bounds is not None and not (bounds[0] <= lon <= bounds[2] and bounds[1] <= lat <= bounds[3]):
                continue
            found.append(Place(str(name), str(kind), round(lon, 5), round(lat, 5)))
    except (RuntimeError, OSError) as exc:  # a damaged file: the map goes without town labels
        log.warning("could not read place nodes from %s: %s", p, exc)
        return []
    return sorted(found, key=lambda q: (PLACE_KINDS.index(q.kind) if q.kind in PLACE_KINDS else 9, q.name))


def municipality_places(actors: Any) -> list[Place]:
    """One ``municipality`` label per municipality at the centroid (mean lon/lat) of its
    actors; ``actors`` is the map's actors layer (GeoDataFrame in EPSG:4326)."""
    if actors is None or not len(actors) or "municipality" not in actors:
        return []
    pts = actors[actors.geometry.notna()]
    frame = (
        pts.assign(lon=pts.geometry.x, lat=pts.geometry.y)
        .assign(municipality=pts["municipality"].astype(str).str.strip())
        .query("municipality != ''")
    )
    grouped = frame.groupby("municipality", sort=True)[["lon", "lat"]].mean()
    return [
        Place(str(m), "municipality", round(float(r.lon), 5), round(float(r.lat), 5)) for m, r in grouped.iterrows()
    ]


def _fold(name: str) -> str:
    """A name without case and accents, to tell that a municipality is also a town."""
    return "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))


def context_places(context: MapContext, actors: Any) -> list[Place]:
    """The towns of ``context`` plus one municipality label per municipality of ``actors``
    (EPSG:4326 layer) that is not also a town of the same name (case and accents ignored)."""
    known = {_fold(q.name) for q in context.places}
    return context.places + [p for p in municipality_places(actors) if _fold(p.name) not in known]


def map_context(
    graph: Any = None, osm_path: str | Path | None = None, bounds: tuple[float, float, float, float] | None = None
) -> MapContext:
    """The context layer of a run: major roads of ``graph`` (when routed) and town place
    nodes of its extract ``osm_path``, both limited to ``bounds`` (degrees) plus a margin."""
    roads = road_context(graph, bounds) if graph is not None else []
    area = _expand(bounds, 10_000.0) if bounds is not None else None
    places = place_nodes(osm_path, area) if osm_path is not None else []
    source = f"OpenStreetMap extract {Path(osm_path).name}" if osm_path is not None else ""
    return MapContext(roads, places, source)


def scenario_bounds(scenario: Any) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) in degrees of a scenario's actors and sites (None if empty)."""
    lons = [a.lon for a in scenario.actors] + [s.lon for s in scenario.sites]
    lats = [a.lat for a in scenario.actors] + [s.lat for s in scenario.sites]
    if not lons:
        return None
    return min(lons), min(lats), max(lons), max(lats)


def run_map_context(run: Any, osm: str | Path | None = None) -> MapContext:
    """The context layer of a :class:`~symnet.pipeline.RunOutput`: the road graph of its
    router (when the run was routed) and the town nodes of its extract (``osm`` as given on
    the command line, else the scenario's ``network.osm``)."""
    router = getattr(run.distances, "router", None)
    graph = getattr(router, "graph", None)
    if graph is None:
        return MapContext()
    path = osm if osm is not None else run.scenario.osm_path()
    return map_context(graph, path, scenario_bounds(run.scenario))
