"""The one place a :class:`~symnet.result.Result` becomes output tables: the GIS layers
written as GeoPackage, GeoJSON, Shapefile, FlatGeobuf, CSV and PostGIS, the CSV frames
and the ``summary.json`` dict of a result directory, and the ``public`` (confidential
aggregation) rule.

Layers
------
Every output carries the same four layers, built once by :func:`build_layers`:

``actors`` (Point)
    ``node``, ``name``, ``sector``, ``municipality``, ``confidential``, ``aggregated``,
    ``n_actors``, ``source``, ``assumption``.
``sites`` (Point)
    ``option``, ``site``, ``facility``, ``name``, ``opened``, ``throughput`` (per year,
    in units of the facility's first input), ``capacity`` (null = unlimited),
    ``fixed_cost`` (currency per year), ``source``, ``assumption``.
``exchanges`` (LineString)
    One row per used link: ``link``, ``supplier``, ``supplier_name``, ``receiver``,
    ``receiver_name``, ``supply``, ``target``, ``resource``, ``quantity`` (per year, in
    ``unit``), ``quantity_text``, ``unit``, ``cost`` (currency per year), ``distance_m``,
    ``tonne_km``, ``mode``, ``method`` ('routed' | 'estimated' | 'pipe'),
    ``geometry_kind`` ('route' = the road route found by the route engine, 'straight' =
    a straight line between the two nodes), ``confidential``, ``source``, ``assumption``.
``disposal`` (Point, at the actor)
    What still goes to its current fate, per supply (summed over periods): ``supply``,
    ``actor``, ``actor_name``, ``resource``, ``quantity``, ``quantity_text``, ``unit``,
    ``fate``, ``operation``, ``cost``, ``confidential``, ``source``, ``assumption``.

``source`` joins the sources recorded in the scenario for the row's numbers;
``assumption`` is true when one of them is an assumption.

Coordinate reference systems
----------------------------
GeoPackage, Shapefile, FlatGeobuf, CSV and PostGIS are written in the scenario's
projected CRS (``result.crs``, e.g. EPSG:3006); GeoJSON in WGS84 (EPSG:4326) as RFC 7946
requires (coordinates with 7 decimals, about 1 cm).

Folder formats
--------------
``geojson``, ``shp``, ``fgb`` and ``csv`` write a folder with one file per layer
(``actors.geojson``, ``exchanges.shp`` ...) and a ``layers.json`` manifest (format, CRS,
layers, row counts). Shapefile field names are limited to 10 characters: the mapping
(:func:`shapefile_field_names`) is written to ``fields.csv`` in the folder. CSV files
carry the geometry as WKT in a ``geometry`` column (projected CRS). FlatGeobuf is
written without a spatial index, which keeps the row order of the layer.

Result directory
----------------
The canonical store of a result directory written by ``symnet run`` is
``RESULT_DIR/network.gpkg`` (+ ``summary.json``); ``symnet export`` converts from it
(:func:`read_result_layers`).

Confidentiality (``public=True``)
---------------------------------
The public versions of these layers and tables come from :mod:`symnet.outputs.public`
(the one public rule).

Writes are atomic: a temporary file or folder in the destination's directory is renamed
into place when complete; an existing destination is replaced only with ``force``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from symnet.existing import STATUS_NEW, link_statuses
from symnet.outputs._format import format_quantity
from symnet.provenance import split_cell_key
from symnet.result import Result
from symnet.scenario import Scenario, is_assumption

LAYERS: tuple[str, ...] = ("actors", "sites", "exchanges", "disposal")
GEOMETRY_TYPES: dict[str, str] = {"actors": "Point", "sites": "Point", "exchanges": "LineString", "disposal": "Point"}
COLUMNS: dict[str, list[str]] = {
    "actors": [
        "node",
        "name",
        "sector",
        "municipality",
        "confidential",
        "aggregated",
        "n_actors",
        "source",
        "assumption",
    ],
    "sites": [
        "option",
        "site",
        "facility",
        "name",
        "opened",
        "throughput",
        "capacity",
        "fixed_cost",
        "source",
        "assumption",
    ],
    "exchanges": [
        "link",
        "supplier",
        "supplier_name",
        "receiver",
        "receiver_name",
        "supply",
        "target",
        "resource",
        "quantity",
        "quantity_text",
        "unit",
        "cost",
        "distance_m",
        "tonne_km",
        "mode",
        "method",
        "geometry_kind",
        "status",
        "confidential",
        "source",
        "assumption",
    ],
    "disposal": [
        "supply",
        "actor",
        "actor_name",
        "resource",
        "quantity",
        "quantity_text",
        "unit",
        "fate",
        "operation",
        "cost",
        "confidential",
        "source",
        "assumption",
    ],
}
_FLOAT = {"throughput", "capacity", "fixed_cost", "quantity", "cost", "distance_m", "tonne_km"}
_BOOL = {"confidential", "aggregated", "opened", "assumption"}
_INT = {"n_actors"}


class _SourceIndex:
    """The scenario's source texts by record, built once per set of layers.

    ``scenario.sources`` keys are ``"<file>:<id>.<column>"``; :meth:`lookup` of records
    ``"<file>:<id>."`` gives their distinct texts in the scenario's order (one pass over
    the sources instead of one per row: at 1,000 actors that was 93 million prefix tests).
    """

    def __init__(self, scenario: Scenario | None) -> None:
        self._by_record: dict[str, list[tuple[int, str]]] = {}
        for position, (key, text) in enumerate(scenario.sources.items() if scenario is not None else ()):
            cell = split_cell_key(key)
            if cell is not None:
                self._by_record.setdefault(f"{cell[0]}:{cell[1]}.", []).append((position, text))

    def lookup(self, *records: str) -> tuple[str, bool]:
        """Joined distinct source texts of ``records`` (e.g. ``"supplies.csv:S1."``), and
        whether one of them is an assumption."""
        entries = sorted(entry for record in records for entry in self._by_record.get(record, ()))
        found = list(dict.fromkeys(text for _, text in entries))
        return "; ".join(found), any(is_assumption(t) for t in found)


def _typed(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    """Columns in the documented order and dtypes (float, bool, int, string)."""
    out = pd.DataFrame(index=frame.index)
    for c in COLUMNS[layer]:
        values = frame[c] if c in frame.columns else pd.Series([None] * len(frame), index=frame.index, dtype=object)
        if c in _FLOAT:
            out[c] = pd.to_numeric(values, errors="coerce").astype("float64").replace([np.inf, -np.inf], np.nan)
        elif c in _BOOL:
            out[c] = values.fillna(False).astype(bool)
        elif c in _INT:
            out[c] = pd.to_numeric(values, errors="coerce").fillna(0).astype("int64")
        else:
            out[c] = values.astype(object).where(values.notna(), "").astype(str)
    return out


def _gdf(frame: pd.DataFrame, geoms: list[Any], layer: str, crs: str) -> gpd.GeoDataFrame:
    typed = _typed(frame.reset_index(drop=True), layer)
    return gpd.GeoDataFrame(typed, geometry=gpd.GeoSeries(list(geoms), crs=crs), crs=crs)


def _empty_layer(layer: str, crs: str) -> gpd.GeoDataFrame:
    return _gdf(pd.DataFrame(columns=COLUMNS[layer]), [], layer, crs)


def _unit_of(result: Result, scenario: Scenario | None, resource: str) -> str:
    if scenario is not None and resource in scenario.catalogue.resources:
        return scenario.catalogue.resources[resource].unit
    flows = result.flows
    if not flows.empty and "unit" in flows.columns:
        units = flows.loc[flows["resource"] == resource, "unit"]
        if len(units):
            return str(units.iloc[0])
    return ""


def build_layers(result: Result, scenario: Scenario | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The four GIS layers of a result in its projected CRS (``result.crs``), with
    every actor and stream as is (see :func:`symnet.outputs.public.public_layers` for the public version).

    Parameters
    ----------
    result : Result
        A result (an empty or failed one gives empty layers).
    scenario : Scenario, optional
        Gives units, the confidentiality of streams and the sources of numbers.

    Returns
    -------
    dict
        ``{"actors", "sites", "exchanges", "disposal"}`` -> GeoDataFrame.
    """
    crs = result.crs
    nodes = result.nodes
    pos: dict[str, tuple[float, float]] = {}
    node_name: dict[str, str] = {}
    actor_conf: dict[str, bool] = {}
    if not nodes.empty:
        for row in nodes.itertuples(index=False):
            pos[str(row.node)] = (float(row.lon), float(row.lat))
            node_name[str(row.node)] = str(getattr(row, "name", "") or row.node)
            actor_conf[str(row.node)] = bool(getattr(row, "confidential", False))
    supply_conf = {s.id: s.confidential for s in scenario.supplies} if scenario else {}
    demand_conf = {d.id: d.confidential for d in scenario.demands} if scenario else {}
    supply_actor = {s.id: s.actor for s in scenario.supplies} if scenario else {}
    if scenario is not None:
        for a in scenario.actors:
            actor_conf[a.id] = actor_conf.get(a.id, False) or a.confidential

    layers = {name: _empty_layer(name, "EPSG:4326") for name in LAYERS}
    sources = _SourceIndex(scenario)

    # actors ---------------------------------------------------------------------------
    actors = nodes[nodes["kind"] == "actor"] if not nodes.empty else nodes
    if not actors.empty:
        rows = []
        for row in actors.itertuples(index=False):
            src, assumed = sources.lookup(f"actors.csv:{row.node}.")
            rows.append(
                {
                    "node": row.node,
                    "name": row.name,
                    "sector": getattr(row, "sector", ""),
                    "municipality": getattr(row, "municipality", ""),
                    "confidential": actor_conf.get(str(row.node), False),
                    "aggregated": False,
                    "n_actors": 1,
                    "source": src,
                    "assumption": assumed,
                }
            )
        layers["actors"] = _gdf(pd.DataFrame(rows), [Point(pos[str(r["node"])]) for r in rows], "actors", "EPSG:4326")

    # sites ----------------------------------------------------------------------------
    if not result.sites.empty:
        s = result.sites
        rows = []
        for row in s.itertuples(index=False):
            src, assumed = sources.lookup(f"sites.csv:{row.option}.")
            rows.append(
                {
                    "option": row.option,
                    "site": row.site,
                    "facility": row.facility,
                    "name": row.name,
                    "opened": bool(row.opened),
                    "throughput": getattr(row, "throughput", 0.0),
                    "capacity": getattr(row, "capacity", None),
                    "fixed_cost": getattr(row, "fixed_cost", None),
                    "source": src,
                    "assumption": assumed,
                }
            )
        layers["sites"] = _gdf(
            pd.DataFrame(rows), [Point(float(r.lon), float(r.lat)) for r in s.itertuples()], "sites", "EPSG:4326"
        )

    # exchanges ------------------------------------------------------------------------
    links = result.links
    used = links[links["used"].astype(bool)] if not links.empty and "used" in links.columns else links.iloc[0:0]
    status = link_statuses(result, scenario)
    if status:  # an existing exchange the optimum ends is drawn too, with status 'ended'
        used = links[links["link"].isin(list(status)) | links["used"].astype(bool)]
    if not used.empty:
        tkm = (
            result.flows.groupby("link")["tonne_km"].sum()
            if not result.flows.empty and "tonne_km" in result.flows
            else pd.Series(dtype=float)
        )
        rows, geoms = [], []
        for row in used.itertuples(index=False):
            link, supply, target = str(row.link), str(row.supply), str(row.target)
            route = result.geometries.get(link)
            geometry_kind = "route" if route is not None and not getattr(route, "is_empty", True) else "straight"
            geoms.append(
                route
                if geometry_kind == "route"
                else LineString([pos[str(row.source_node)], pos[str(row.target_node)]])
            )
            src, assumed = sources.lookup(f"supplies.csv:{supply}.", f"demands.csv:{target}.")
            conf = (
                supply_conf.get(supply, False)
                or demand_conf.get(target, False)
                or actor_conf.get(str(row.source_node), False)
                or actor_conf.get(str(row.target_node), False)
            )
            rows.append(
                {
                    "link": link,
                    "supplier": row.source_node,
                    "supplier_name": node_name.get(str(row.source_node), ""),
                    "receiver": row.target_node,
                    "receiver_name": node_name.get(str(row.target_node), ""),
                    "supply": supply,
                    "target": target,
                    "resource": row.resource,
                    "quantity": row.quantity,
                    "quantity_text": format_quantity(float(row.quantity)),
                    "unit": _unit_of(result, scenario, str(row.resource)),
                    "cost": row.cost,
                    "distance_m": row.distance_m,
                    "tonne_km": float(tkm.get(link, 0.0)),
                    "mode": row.mode,
                    "method": row.method,
                    "geometry_kind": geometry_kind,
                    "status": status.get(link, STATUS_NEW),
                    "confidential": conf,
                    "source": src,
                    "assumption": assumed,
                }
            )
        layers["exchanges"] = _gdf(pd.DataFrame(rows), geoms, "exchanges", "EPSG:4326")

    # disposal -------------------------------------------------------------------------
    disp = result.disposal
    if not disp.empty:
        agg = (
            disp.groupby(["supply", "actor", "resource", "unit", "fate", "operation"], sort=False, dropna=False)[
                ["quantity", "cost"]
            ]
            .sum()
            .reset_index()
        )
        agg = agg[agg["quantity"] > 1e-9]
        rows, geoms = [], []
        for row in agg.itertuples(index=False):
            supply, actor = str(row.supply), str(row.actor)
            src, assumed = sources.lookup(f"supplies.csv:{supply}.")
            actor = actor if actor in pos else supply_actor.get(supply, actor)
            rows.append(
                {
                    "supply": supply,
                    "actor": actor,
                    "actor_name": node_name.get(actor, actor),
                    "resource": row.resource,
                    "quantity": row.quantity,
                    "quantity_text": format_quantity(float(row.quantity)),
                    "unit": row.unit,
                    "fate": row.fate,
                    "operation": row.operation if isinstance(row.operation, str) else "",
                    "cost": row.cost,
                    "confidential": supply_conf.get(supply, False) or actor_conf.get(actor, False),
                    "source": src,
                    "assumption": assumed,
                }
            )
            geoms.append(Point(pos[actor]) if actor in pos else None)
        layers["disposal"] = _gdf(pd.DataFrame(rows), geoms, "disposal", "EPSG:4326")

    return {name: gdf.to_crs(crs) for name, gdf in layers.items()}
