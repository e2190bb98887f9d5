"""Route engine: road graphs from OSM extracts, snapping, distance matrices, route
geometry and estimates where routing cannot answer.

Public API::

    load_road_graph(path, crs=None, cache_dir=None) -> RoadGraph
    snap_points(graph, ids, lon, lat, warn_m=2000.0) -> SnapResult
    distance_matrix(graph | None, origins, destinations=None, metric="length",
                    cutoff_m=None, circuity=None) -> DistanceMatrix
    route_geometry(graph, origin_point, dest_point) -> LineString
    route_geometries(graph, pairs) -> list[LineString]
    calibrate_circuity(graph, n_pairs=200, seed=0) -> float
    choose_circuity(graph, lon, lat, scenario_circuity=1.37) -> (float, source)
    estimate_matrix(points_o, points_d=None, circuity=1.37) -> DistanceMatrix
    great_circle_m(lon1, lat1, lon2, lat2) -> ndarray
    download_road_graph(bbox=None, polygon=None, buffer_m=10000, out_dir="gis/")
    Router(graph=None, circuity=None, scenario_circuity=1.37, area=None)
"""

from symnet.routing.cache import default_cache_dir, load_road_graph
from symnet.routing.download import download_road_graph, saved_graph_path
from symnet.routing.estimate import (
    DEFAULT_ESTIMATE_SPEED_KPH,
    DEFAULT_RURAL_CIRCUITY,
    calibrate_circuity,
    calibrate_speed_kph,
    choose_circuity,
    estimate_matrix,
)
from symnet.routing.geo import EARTH_RADIUS_M, great_circle_m, to_wgs84
from symnet.routing.geometry import route_geometries, route_geometry
from symnet.routing.graph import RoadGraph, build_road_graph, from_osmnx, graph_from_edges
from symnet.routing.matrix import distance_matrix
from symnet.routing.router import Router
from symnet.routing.snap import CONNECTOR_SPEED_KPH, RoutingWarning, SnapResult, snap_points
from symnet.routing.table import DistanceMatrix

__all__ = [
    "CONNECTOR_SPEED_KPH",
    "DEFAULT_ESTIMATE_SPEED_KPH",
    "DEFAULT_RURAL_CIRCUITY",
    "EARTH_RADIUS_M",
    "DistanceMatrix",
    "RoadGraph",
    "Router",
    "RoutingWarning",
    "SnapResult",
    "build_road_graph",
    "calibrate_circuity",
    "calibrate_speed_kph",
    "choose_circuity",
    "default_cache_dir",
    "distance_matrix",
    "download_road_graph",
    "estimate_matrix",
    "from_osmnx",
    "graph_from_edges",
    "great_circle_m",
    "load_road_graph",
    "route_geometries",
    "route_geometry",
    "saved_graph_path",
    "snap_points",
    "to_wgs84",
]
