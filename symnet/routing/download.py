"""Explicit online download of a road graph through osmnx (never called implicitly)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from symnet.routing.graph import RoadGraph, from_osmnx


def download_road_graph(
    bbox: tuple[float, float, float, float] | None = None,
    polygon: Any = None,
    buffer_m: float = 10_000.0,
    out_dir: str | Path = "gis/",
    network_type: str = "drive",
    crs: Any = None,
    name: str = "roads",
) -> RoadGraph:
    """Download drivable roads around a bounding box or polygon from OpenStreetMap.

    Needs internet access (Overpass API). The area is buffered by ``buffer_m`` metres
    (so routes may leave the study area), downloaded unsimplified and saved as
    GraphML in ``out_dir`` (reload offline with ``osmnx.load_graphml`` +
    :func:`~symnet.routing.graph.from_osmnx`).

    Parameters
    ----------
    bbox : (west, south, east, north), optional
        WGS84 degrees. Give this or ``polygon``.
    polygon : shapely Polygon, optional
        Study area in WGS84.
    buffer_m : float
        Buffer in metres.
    out_dir : str or Path
        Folder for ``{name}.graphml``.
    network_type : str
        osmnx network type (``"drive"``, ``"drive_service"``).
    crs : optional
        Projected CRS of the result.
    name : str
        File stem.

    Returns
    -------
    RoadGraph
    """
    import geopandas as gpd
    import osmnx as ox
    from shapely.geometry import box

    from symnet.routing.geo import utm_crs_for

    if (bbox is None) == (polygon is None):
        raise ValueError("give exactly one of bbox or polygon")
    area = box(*bbox) if bbox is not None else polygon
    c = area.centroid
    proj = crs or utm_crs_for(c.x, c.y)
    buffered = gpd.GeoSeries([area], crs="EPSG:4326").to_crs(proj).buffer(buffer_m).to_crs("EPSG:4326").iloc[0]
    G = ox.graph_from_polygon(
        buffered, network_type=network_type, simplify=False, retain_all=True, truncate_by_edge=True
    )
    path = saved_graph_path(out_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    ox.save_graphml(G, path)
    return from_osmnx(G, crs=crs)


def saved_graph_path(out_dir: str | Path, name: str) -> Path:
    """Where :func:`download_road_graph` saves the roads it downloads: ``out_dir/<name>.graphml``."""
    return Path(out_dir) / f"{name}.graphml"
