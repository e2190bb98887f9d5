"""A :class:`Router`: one road graph (or none) with its calibration, for repeated queries."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shapely.geometry import LineString

from symnet.routing.cache import load_road_graph
from symnet.routing.estimate import (
    DEFAULT_ESTIMATE_SPEED_KPH,
    DEFAULT_RURAL_CIRCUITY,
    SCENARIO_VALUE,
    choose_circuity,
    estimate_matrix,
)
from symnet.routing.geometry import route_geometries
from symnet.routing.graph import RoadGraph
from symnet.routing.matrix import DistanceMatrix, distance_matrix
from symnet.routing.points import as_points
from symnet.routing.snap import DEFAULT_SNAP_WARN_M


class Router:
    """Distances and routes on one road graph, or estimates when there is none.

    Parameters
    ----------
    graph : RoadGraph or None
        The road graph; None gives great circle x ``circuity`` for everything.
    circuity : float, optional
        Estimate factor, used as given (``circuity_source`` "given value"); default
        :func:`~symnet.routing.estimate.choose_circuity`: calibrated on the graph only
        when its routed pairs span the area of ``area``, else ``scenario_circuity``.
    snap_warn_m : float
        Off-network threshold (m).
    estimate_speed_kph : float
        Speed for estimated durations (km/h).
    scenario_circuity : float
        The scenario's road / great-circle ratio (default 1.37).
    area : DataFrame or sequence of (id, lon, lat), optional
        The points the router will serve (a scenario's actors and sites), which the
        calibration must span; default the graph's nodes.

    Attributes
    ----------
    circuity : float
        Factor for estimates.
    circuity_source : str
        ``"calibrated on N routed pairs"``, ``"scenario value"`` or ``"given value"``.

    Examples
    --------
    >>> router = Router.from_osm("gis/jamtland.osm.pbf", crs="EPSG:3006")  # doctest: +SKIP
    >>> router.matrix(actors).to_frame()  # doctest: +SKIP
    """

    def __init__(
        self,
        graph: RoadGraph | None = None,
        circuity: float | None = None,
        snap_warn_m: float = DEFAULT_SNAP_WARN_M,
        estimate_speed_kph: float = DEFAULT_ESTIMATE_SPEED_KPH,
        scenario_circuity: float = DEFAULT_RURAL_CIRCUITY,
        area: Any = None,
    ) -> None:
        self.graph = graph
        if circuity is not None:
            self.circuity, self.circuity_source = float(circuity), "given value"
        elif graph is None:
            self.circuity, self.circuity_source = float(scenario_circuity), SCENARIO_VALUE
        else:
            if area is not None:
                _, lon, lat = as_points(area, "area")
            else:
                lon, lat = graph.lon, graph.lat
            self.circuity, self.circuity_source = choose_circuity(graph, lon, lat, scenario_circuity)
        self.snap_warn_m = snap_warn_m
        self.estimate_speed_kph = estimate_speed_kph

    @classmethod
    def from_osm(
        cls, path: str | Path | None, crs: Any = None, cache_dir: str | Path | None = None, **kwargs: Any
    ) -> Router:
        """A router on a local extract (cached build); ``path=None`` gives an estimate-only router."""
        graph = load_road_graph(path, crs=crs, cache_dir=cache_dir) if path is not None else None
        return cls(graph, **kwargs)

    def matrix(
        self,
        origins: Any,
        destinations: Any = None,
        metric: str = "length",
        cutoff_m: float | None = None,
        workers: int | None = None,
    ) -> DistanceMatrix:
        """Distance matrix (see :func:`~symnet.routing.matrix.distance_matrix`)."""
        if self.graph is None:
            dm = estimate_matrix(origins, destinations, self.circuity, self.estimate_speed_kph, self.circuity_source)
            dm.metric = metric
            return dm
        return distance_matrix(
            self.graph,
            origins,
            destinations,
            metric=metric,
            cutoff_m=cutoff_m,
            circuity=self.circuity,
            circuity_source=self.circuity_source,
            snap_warn_m=self.snap_warn_m,
            estimate_speed_kph=self.estimate_speed_kph,
            workers=workers,
        )

    def routes(
        self, pairs: Sequence[tuple[Sequence[Any], Sequence[Any]]], metric: str = "length", wgs84: bool = False
    ) -> list[LineString]:
        """Route lines for (origin, destination) pairs of ``(lon, lat)``/``(id, lon, lat)``.

        Straight lines where routing cannot answer (or without a graph). In the graph's
        CRS, or lon/lat with ``wgs84=True``.
        """
        from symnet.routing.geo import to_wgs84

        if self.graph is None:
            from symnet.routing.geometry import _lonlat

            lines = [LineString([_lonlat(o), _lonlat(d)]) for o, d in pairs]
            return lines
        lines = route_geometries(self.graph, pairs, metric=metric, snap_warn_m=self.snap_warn_m)
        return [to_wgs84(line, self.graph.crs) for line in lines] if wgs84 else lines

    def route(
        self, origin: Sequence[Any], destination: Sequence[Any], metric: str = "length", wgs84: bool = False
    ) -> LineString:
        """Route line for one pair (see :meth:`routes`)."""
        return self.routes([(origin, destination)], metric=metric, wgs84=wgs84)[0]
