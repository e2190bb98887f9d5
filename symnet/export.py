"""GIS outputs of a :class:`~symnet.result.Result`: GeoPackage (with QGIS styles),
GeoJSON, Shapefile, FlatGeobuf, CSV and PostGIS.

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
Actors marked confidential are replaced by one point per municipality (at the mean
position of all actors of that municipality, named ``"<municipality> (aggregated)"``);
exchanges and disposal rows that involve a confidential actor or a confidential
supply/demand are summed per aggregated end points and resource, drawn as straight
lines, lose their ids, and their quantities, costs, tonne-km and distances are rounded
to 2 significant figures (:func:`round_public`); quantities below 10 are shown as
``"<10"`` (numeric field null). Site throughputs are rounded the same way.

Writes are atomic: a temporary file or folder in the destination's directory is renamed
into place when complete; an existing destination is replaced only with ``force``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point

from symnet.atomic import staged_dir
from symnet.errors import InputError, Problem, SymnetError
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

FORMATS: tuple[str, ...] = ("gpkg", "geojson", "shp", "fgb", "csv", "postgis")
RESULT_GPKG = "network.gpkg"
RESULT_SUMMARY = "summary.json"
STYLES_DIR = Path(__file__).resolve().parent.parent / "gis" / "styles"
PUBLIC_MIN_SHOWN = 10.0
PUBLIC_SIGNIFICANT = 2

# ---------------------------------------------------------------------------------------
# colours shared by QGIS styles, the HTML map and the report
# ---------------------------------------------------------------------------------------
RESOURCE_COLOURS: dict[str, str] = {
    "heat": "#d7301f",
    "electricity": "#fdae61",
    "wood_residues": "#8c510a",
    "wood_fibre": "#bf812d",
    "insulation": "#dfc27d",
    "construction_surplus": "#969696",
    "spent_grain": "#e6ab02",
    "food_waste": "#66a61e",
    "fish_residues": "#1f78b4",
    "manure": "#6a3d00",
    "digestate": "#4d9221",
    "biogas": "#b2df8a",
    "ash": "#525252",
    "sand": "#e5c494",
    "metal_scrap": "#5e3c99",
    "plastics": "#e7298a",
    "mixed_plastics": "#f781bf",
    "pallets": "#a6761d",
    "paper": "#80b1d3",
    "water": "#2c7fb8",
    "nutrient_water": "#41b6c4",
    "vegetables": "#1b9e77",
    "fruit_berries": "#c51b7d",
    "potatoes": "#b8860b",
    "fish": "#084081",
    "insect_protein": "#d95f02",
    "feed": "#7570b3",
    "eggs": "#ffd92f",
    "ethanol": "#a6cee3",
    "fridges": "#8dd3c7",
    "co2": "#636363",
    "insect_feedstock": "#fc8d62",
}
SECTOR_COLOURS: dict[str, str] = {
    "energy": "#e41a1c",
    "agriculture": "#4daf4a",
    "forestry": "#1b7837",
    "sawmill": "#8c510a",
    "wood": "#a6611a",
    "food": "#ff7f00",
    "brewery": "#e6ab02",
    "fish": "#377eb8",
    "aquaculture": "#377eb8",
    "manufacturing": "#984ea3",
    "industry": "#984ea3",
    "municipality": "#f781bf",
    "public": "#f781bf",
    "waste": "#666666",
    "recycling": "#999999",
    "retail": "#a65628",
    "construction": "#b3b3b3",
    "mining": "#525252",
    "tourism": "#17becf",
    "greenhouse": "#66c2a5",
    "aggregated": "#bdbdbd",
}
_FALLBACK = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


def _stable_index(text: str, n: int) -> int:
    return sum((i + 1) * ord(c) for i, c in enumerate(text)) % n


def resource_colour(resource: str) -> str:
    """Hex colour of a resource (fixed for catalogue resources, stable for others)."""
    return RESOURCE_COLOURS.get(resource) or _FALLBACK[_stable_index(resource, len(_FALLBACK))]


def sector_colour(sector: str) -> str:
    """Hex colour of an actor sector (fixed for common sectors, stable for others)."""
    key = (sector or "").strip().lower()
    return SECTOR_COLOURS.get(key) or _FALLBACK[_stable_index(key, len(_FALLBACK))]


# ---------------------------------------------------------------------------------------
# public rounding
# ---------------------------------------------------------------------------------------
def round_public(value: float | None, min_shown: float | None = PUBLIC_MIN_SHOWN) -> float | None:
    """Round a number for public outputs: 2 significant figures; ``None`` (shown as
    "<10") when its magnitude is below ``min_shown`` (pass ``None`` to keep small values).

    >>> round_public(4321.7), round_public(56.4), round_public(7.0)
    (4300.0, 56.0, None)
    """
    if value is None or not math.isfinite(float(value)):
        return None
    v = float(value)
    if min_shown is not None and abs(v) < min_shown:
        return None
    if v == 0:
        return 0.0
    digits = PUBLIC_SIGNIFICANT - 1 - int(math.floor(math.log10(abs(v))))
    return float(round(v, digits))


def format_quantity(value: float | None, hidden_below: float | None = None) -> str:
    """Readable quantity: thousands separated by thin spaces, at most 3 decimals below
    100; ``"<10"`` for a hidden small public value (``None``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"<{PUBLIC_MIN_SHOWN:g}" if hidden_below is not None else ""
    v = float(value)
    if abs(v) >= 100 or v == int(v):
        return f"{v:,.0f}".replace(",", " ")
    return f"{v:.3g}"


# ---------------------------------------------------------------------------------------
# building layers
# ---------------------------------------------------------------------------------------
def _col(frame: pd.DataFrame, name: str, default: Any = None) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index, dtype=object)


def _sources(scenario: Scenario | None, prefixes: list[str]) -> tuple[str, bool]:
    """Joined distinct source texts for keys starting with any prefix, and whether one
    of them is an assumption."""
    if scenario is None:
        return "", False
    found: list[str] = []
    for key, text in scenario.sources.items():
        if any(key.startswith(p) for p in prefixes) and text not in found:
            found.append(text)
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
    every actor and stream as is (see :func:`public_layers` for the public version).

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

    # actors ---------------------------------------------------------------------------
    actors = nodes[nodes["kind"] == "actor"] if not nodes.empty else nodes
    if not actors.empty:
        rows = []
        for row in actors.itertuples(index=False):
            src, assumed = _sources(scenario, [f"actors.csv:{row.node}."])
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
            src, assumed = _sources(scenario, [f"sites.csv:{row.option}."])
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
            src, assumed = _sources(scenario, [f"supplies.csv:{supply}.", f"demands.csv:{target}."])
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
            src, assumed = _sources(scenario, [f"supplies.csv:{supply}."])
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


def public_layers(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """Layers safe to publish: confidential actors aggregated per municipality and
    confidential figures rounded (see the module docstring for the rule). Works on the
    layers alone, so a private ``network.gpkg`` can be exported publicly later."""
    actors, sites = layers["actors"], layers["sites"]
    crs = actors.crs or layers["exchanges"].crs
    conf = actors[actors["confidential"]]
    agg_id: dict[str, str] = {}
    agg_name: dict[str, str] = {}
    agg_rows, agg_geoms = [], []
    for muni, group in conf.groupby("municipality", sort=True):
        key = muni or "unknown municipality"
        node = f"agg:{key}"
        same = actors[actors["municipality"] == muni]
        centre = Point(float(same.geometry.x.mean()), float(same.geometry.y.mean()))
        for n in group["node"]:
            agg_id[n], agg_name[n] = node, f"{key} (aggregated)"
        agg_rows.append(
            {
                "node": node,
                "name": f"{key} (aggregated)",
                "sector": "aggregated",
                "municipality": muni,
                "confidential": False,
                "aggregated": True,
                "n_actors": len(group),
                "source": "",
                "assumption": False,
            }
        )
        agg_geoms.append(centre)
    open_actors = actors[~actors["confidential"]]
    new_actors = pd.concat(
        [open_actors.drop(columns="geometry"), pd.DataFrame(agg_rows, columns=COLUMNS["actors"])], ignore_index=True
    )
    out = {"actors": _gdf(new_actors, list(open_actors.geometry) + agg_geoms, "actors", crs)}

    pub_sites = sites.copy()
    pub_sites["throughput"] = [round_public(v, None) for v in sites["throughput"]]
    out["sites"] = pub_sites

    position = {n: g for n, g in zip(out["actors"]["node"], out["actors"].geometry)}
    position.update({n: g for n, g in zip(sites["option"], sites.geometry)})
    out["exchanges"] = _public_exchanges(layers["exchanges"], agg_id, agg_name, position, crs)
    out["disposal"] = _public_disposal(layers["disposal"], agg_id, agg_name, position, crs)
    return out


def _round_rows(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["quantity"] = [round_public(v) for v in frame["quantity"]]
    frame["quantity_text"] = [format_quantity(v, PUBLIC_MIN_SHOWN) for v in frame["quantity"]]
    for c in ("cost", "distance_m", "tonne_km"):
        if c in frame.columns:
            frame[c] = [round_public(v, None) for v in frame[c]]
    return frame


def _public_exchanges(
    ex: gpd.GeoDataFrame, agg_id: dict[str, str], agg_name: dict[str, str], position: dict[str, Any], crs: Any
) -> gpd.GeoDataFrame:
    hidden = ex["confidential"] | ex["supplier"].isin(list(agg_id)) | ex["receiver"].isin(list(agg_id))
    open_rows = ex[~hidden]
    conf = pd.DataFrame(ex[hidden].drop(columns="geometry"))
    if conf.empty:
        return ex[~hidden].reset_index(drop=True)
    for end in ("supplier", "receiver"):
        conf[f"{end}_name"] = [agg_name.get(n, nm) for n, nm in zip(conf[end], conf[f"{end}_name"])]
        conf[end] = [agg_id.get(n, n) for n in conf[end]]
    conf["weighted_m"] = conf["distance_m"] * conf["quantity"]
    keys = ["supplier", "supplier_name", "receiver", "receiver_name", "resource", "unit", "mode", "method"]
    grouped = (
        conf.groupby(keys, sort=True, dropna=False)
        .agg(
            quantity=("quantity", "sum"),
            cost=("cost", "sum"),
            tonne_km=("tonne_km", "sum"),
            weighted_m=("weighted_m", "sum"),
            assumption=("assumption", "any"),
        )
        .reset_index()
    )
    grouped["source"] = ""  # source texts of confidential streams may name the company
    grouped["distance_m"] = grouped["weighted_m"] / grouped["quantity"].where(grouped["quantity"] > 0, 1.0)
    grouped["link"] = [f"aggregated-{i + 1}" for i in range(len(grouped))]
    grouped["supply"] = ""
    grouped["target"] = ""
    grouped["geometry_kind"] = "straight"
    grouped["confidential"] = True
    grouped = _round_rows(grouped)
    geoms = [
        LineString([position[a].coords[0], position[b].coords[0]])
        for a, b in zip(grouped["supplier"], grouped["receiver"])
    ]
    merged = pd.concat([pd.DataFrame(open_rows.drop(columns="geometry")), grouped], ignore_index=True)
    return _gdf(merged, list(open_rows.geometry) + geoms, "exchanges", crs)


def _public_disposal(
    disp: gpd.GeoDataFrame, agg_id: dict[str, str], agg_name: dict[str, str], position: dict[str, Any], crs: Any
) -> gpd.GeoDataFrame:
    hidden = disp["confidential"] | disp["actor"].isin(list(agg_id))
    open_rows = disp[~hidden]
    conf = pd.DataFrame(disp[hidden].drop(columns="geometry"))
    if conf.empty:
        return open_rows.reset_index(drop=True)
    conf["actor_name"] = [agg_name.get(n, nm) for n, nm in zip(conf["actor"], conf["actor_name"])]
    conf["actor"] = [agg_id.get(n, n) for n in conf["actor"]]
    keys = ["actor", "actor_name", "resource", "unit", "fate", "operation"]
    grouped = (
        conf.groupby(keys, sort=True, dropna=False)
        .agg(quantity=("quantity", "sum"), cost=("cost", "sum"), assumption=("assumption", "any"))
        .reset_index()
    )
    grouped["supply"] = ""
    grouped["source"] = ""
    grouped["confidential"] = True
    grouped = _round_rows(grouped)
    merged = pd.concat([pd.DataFrame(open_rows.drop(columns="geometry")), grouped], ignore_index=True)
    return _gdf(merged, list(open_rows.geometry) + [position.get(a) for a in grouped["actor"]], "disposal", crs)


def result_layers(result: Result, scenario: Scenario | None, public: bool = False) -> dict[str, gpd.GeoDataFrame]:
    """:func:`build_layers`, made public with :func:`public_layers` when asked."""
    layers = build_layers(result, scenario)
    return public_layers(layers) if public else layers


# ---------------------------------------------------------------------------------------
# atomic writing
# ---------------------------------------------------------------------------------------
def _check_destination(out: Path, force: bool, inputs: list[Path] | None = None) -> None:
    out_abs = out.resolve()
    for p in inputs or []:
        p_abs = p.resolve()
        if out_abs == p_abs or p_abs.is_relative_to(out_abs):
            raise InputError(
                [Problem(str(out), None, None, f"the output would overwrite the input {p}; choose another --out")]
            )
    if out.exists() and not force:
        raise InputError([Problem(str(out), None, None, "output exists; use --force to replace it")])


@contextlib.contextmanager
def atomic_file(path: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix) that replaces ``path`` when
    the block completes; removed on error. Refuses an existing ``path`` without ``force``."""
    path = Path(path)
    _check_destination(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        if path.is_dir():
            raise InputError([Problem(str(path), None, None, "is a directory; expected a file path")])
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_dir(path: str | Path, force: bool = False, inputs: list[Path] | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``path`` that replaces ``path`` when the block
    completes; removed on error. Refuses an existing ``path`` without ``force``."""
    path = Path(path)
    _check_destination(path, force, inputs)
    with staged_dir(path) as tmp:
        yield tmp


def write_text_atomic(path: str | Path, text: str, force: bool = False) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_file(path, force) as tmp:
        tmp.write_text(text, "utf-8")
    return Path(path)


# ---------------------------------------------------------------------------------------
# QGIS styles
# ---------------------------------------------------------------------------------------
def _rgba(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def _opt(name: str, value: str, kind: str = "QString") -> str:
    return f'<Option name="{name}" type="{kind}" value="{_xml(value)}"/>'


_LINE_WIDTH_EXPR = (
    'coalesce(scale_linear("quantity", minimum("quantity", group_by:="resource"), '
    'maximum("quantity", group_by:="resource"), 0.6, 3.5), 1.5)'
)


def _symbol(kind: str, index: str, colour: str, size_expr: str | None = None) -> str:
    if kind == "line":
        layer_cls, props = (
            "SimpleLine",
            [
                _opt("line_color", _rgba(colour)),
                _opt("line_width", "1.2"),
                _opt("line_width_unit", "MM"),
                _opt("capstyle", "round"),
                _opt("joinstyle", "round"),
                _opt("line_style", "solid"),
            ],
        )
        dd_key = "outlineWidth"
    else:
        layer_cls, props = (
            "SimpleMarker",
            [
                _opt("color", _rgba(colour)),
                _opt("name", "circle"),
                _opt("size", "3"),
                _opt("size_unit", "MM"),
                _opt("outline_color", "35,35,35,255"),
                _opt("outline_width", "0.3"),
            ],
        )
        dd_key = "size"
    dd = ""
    if size_expr:
        dd = (
            '<Option name="properties" type="Map">'
            f'<Option name="{dd_key}" type="Map">{_opt("active", "true", "bool")}'
            f"{_opt('expression', size_expr)}{_opt('type', '3', 'int')}</Option></Option>"
        )
    return (
        f'<symbol name="{index}" type="{kind}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="{layer_cls}" enabled="1" locked="0" pass="0">'
        f'<Option type="Map">{"".join(props)}</Option>'
        f'<data_defined_properties><Option type="Map">{_opt("name", "")}{dd}{_opt("type", "collection")}'
        f"</Option></data_defined_properties></layer></symbol>"
    )


def _categorized(field: str, values: list[tuple[str, str]], kind: str, size_expr: str | None, default: str) -> str:
    cats, syms = [], []
    for i, (value, colour) in enumerate(values):
        cats.append(
            f'<category render="true" symbol="{i}" value="{_xml(value)}" label="{_xml(value.replace("_", " "))}"/>'
        )
        syms.append(_symbol(kind, str(i), colour, size_expr))
    n = len(values)
    cats.append(f'<category render="true" symbol="{n}" value="" label="other"/>')
    syms.append(_symbol(kind, str(n), default, size_expr))
    return (
        f'<renderer-v2 type="categorizedSymbol" attr="{field}" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<categories>{''.join(cats)}</categories><symbols>{''.join(syms)}</symbols></renderer-v2>"
    )


def _single(kind: str, colour: str, size_expr: str | None = None) -> str:
    return (
        f'<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<symbols>{_symbol(kind, '0', colour, size_expr)}</symbols></renderer-v2>"
    )


def _labeling(field_expr: str) -> str:
    return (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName="{_xml(field_expr)}" isExpression="1" fontSize="8" textColor="30,30,30,255" fontFamily="Sans Serif"/>'
        '<placement placement="0" dist="1.5"/></settings></labeling>'
    )


def qml_style(layer: str) -> str:
    """QGIS layer style (QML) for one of :data:`LAYERS`.

    ``exchanges``: categorized colour by ``resource``, line width data-defined by
    ``quantity`` (0.6-3.5 mm, scaled within each resource, since units differ);
    ``actors``: categorized by ``sector``; ``sites``: opened sites filled green,
    candidates grey; ``disposal``: marker size by quantity within each resource.
    """
    if layer == "exchanges":
        renderer = _categorized("resource", sorted(RESOURCE_COLOURS.items()), "line", _LINE_WIDTH_EXPR, "#444444")
        label = ""
    elif layer == "actors":
        renderer = _categorized("sector", sorted(SECTOR_COLOURS.items()), "marker", None, "#1f77b4")
        label = _labeling('"name"')
    elif layer == "sites":
        renderer = _categorized("opened", [("true", "#1a9850"), ("false", "#bdbdbd")], "marker", None, "#bdbdbd")
        label = _labeling("\"name\" || ' (' || \"facility\" || ')'")
    elif layer == "disposal":
        renderer = _single(
            "marker",
            "#252525",
            'coalesce(scale_linear("quantity", minimum("quantity", group_by:="resource"), '
            'maximum("quantity", group_by:="resource"), 2, 7), 3)',
        )
        label = ""
    else:
        raise ValueError(f"unknown layer '{layer}'; expected one of {', '.join(LAYERS)}")
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version="3.34.0-Prizren" styleCategories="Symbology|Labeling" labelsEnabled="{1 if label else 0}">\n'
        f"  {renderer}\n  {label}\n  <layerGeometryType>{1 if GEOMETRY_TYPES[layer] == 'LineString' else 0}</layerGeometryType>\n"
        "</qgis>\n"
    )


def write_qml_styles(folder: str | Path = STYLES_DIR) -> list[Path]:
    """Write ``{layer}.qml`` for every layer into ``folder`` (default ``gis/styles``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_text_atomic(folder / f"{layer}.qml", qml_style(layer), force=True) for layer in LAYERS]


_LAYER_STYLES_DDL = (
    "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), "
    "f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), "
    "styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
    "update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)


def _embed_styles(gpkg: Path, layers: list[str]) -> None:
    """Insert the QGIS styles into the GeoPackage's ``layer_styles`` table (registered in
    ``gpkg_contents`` as an attributes table, as QGIS does)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with contextlib.closing(sqlite3.connect(gpkg)) as db, db:
        db.execute(_LAYER_STYLES_DDL)
        db.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles', ?)",
            (now,),
        )
        for layer in layers:
            db.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
                "VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, '', NULL, ?)",
                (layer, layer, qml_style(layer), f"symnet style for {layer}", now),
            )


# ---------------------------------------------------------------------------------------
# writers per format
# ---------------------------------------------------------------------------------------
def _write_ogr(gdf: gpd.GeoDataFrame, path: Path, layer: str, driver: str, **options: Any) -> None:
    import pyogrio

    frame = gdf
    if driver == "ESRI Shapefile":
        frame = gdf.copy()
        for c in frame.columns:
            if frame[c].dtype == bool:
                frame[c] = frame[c].astype("int32")
    pyogrio.write_dataframe(
        frame, path, layer=layer, driver=driver, geometry_type=GEOMETRY_TYPES[layer], promote_to_multi=False, **options
    )


def write_layers_gpkg(layers: dict[str, gpd.GeoDataFrame], path: str | Path, force: bool = False) -> Path:
    """Write layers to one GeoPackage with the QGIS styles embedded, atomically."""
    path = Path(path)
    with atomic_file(path, force) as tmp:
        for layer in LAYERS:
            _write_ogr(layers[layer], tmp, layer, "GPKG", geometry_name="geom", spatial_index=True)
        _embed_styles(tmp, list(LAYERS))
    return path


def write_geopackage(
    result: Result, scenario: Scenario | None, path: str | Path, public: bool = False, force: bool = False
) -> Path:
    """Write ``result`` as a GeoPackage with layers actors, sites, exchanges, disposal
    (projected CRS ``result.crs``) and the QGIS styles in ``layer_styles``.

    Parameters
    ----------
    path : path
        Output ``.gpkg`` file; replaced only when ``force``.
    public : bool
        Aggregate confidential actors and streams (see the module docstring).
    """
    return write_layers_gpkg(result_layers(result, scenario, public), path, force)


def shapefile_field_names(columns: list[str]) -> dict[str, str]:
    """Deterministic, collision-free mapping of column names to Shapefile (dBASE) field
    names of at most 10 characters.

    Names of 10 characters or fewer are kept. Longer names drop vowels after the first
    letter of each ``_``-separated word (vowels include y: ``supplier_name`` -> ``spplr_nm``), then are cut
    to 10; a clash (case-insensitive) is resolved by cutting to 8 and appending ``_2``,
    ``_3`` ... in column order.

    >>> shapefile_field_names(["quantity_text", "supplier_name", "geometry_kind"])
    {'quantity_text': 'qntt_txt', 'supplier_name': 'spplr_nm', 'geometry_kind': 'gmtr_knd'}
    """
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for col in columns:
        name = col if len(col) <= 10 else "_".join(w[:1] + re.sub(r"[aeiouy]", "", w[1:]) for w in col.split("_"))[:10]
        candidate, i = name, 1
        while candidate.lower() in taken:
            i += 1
            candidate = f"{name[:8]}_{i}"
        taken.add(candidate.lower())
        mapping[col] = candidate
    return mapping


def _manifest(folder: Path, fmt: str, layers: dict[str, gpd.GeoDataFrame], crs: str, files: dict[str, str]) -> None:
    data = {
        "format": fmt,
        "crs": crs,
        "layers": {n: {"file": files[n], "rows": len(layers[n]), "geometry": GEOMETRY_TYPES[n]} for n in LAYERS},
    }
    (folder / "layers.json").write_text(json.dumps(data, indent=2), "utf-8")


def _write_folder(layers: dict[str, gpd.GeoDataFrame], fmt: str, folder: Path) -> None:
    crs = layers["actors"].crs.to_string() if layers["actors"].crs else ""
    files: dict[str, str] = {}
    if fmt == "geojson":
        crs = "EPSG:4326"
        for n in LAYERS:
            files[n] = f"{n}.geojson"
            _write_ogr(layers[n].to_crs("EPSG:4326"), folder / files[n], n, "GeoJSON", layer_options={"RFC7946": "YES"})
    elif fmt == "fgb":
        for n in LAYERS:
            files[n] = f"{n}.fgb"
            _write_ogr(layers[n], folder / files[n], n, "FlatGeobuf", spatial_index=False)
    elif fmt == "shp":
        with (folder / "fields.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["layer", "field", "shapefile_field"])
            for n in LAYERS:
                mapping = shapefile_field_names([c for c in layers[n].columns if c != "geometry"])
                writer.writerows([n, k, v] for k, v in mapping.items())
                files[n] = f"{n}.shp"
                _write_ogr(
                    layers[n].rename(columns=mapping),
                    folder / files[n],
                    n,
                    "ESRI Shapefile",
                    layer_options={"ENCODING": "UTF-8"},
                )
    elif fmt == "csv":
        for n in LAYERS:
            files[n] = f"{n}.csv"
            frame = pd.DataFrame(layers[n].drop(columns="geometry"))
            frame["geometry"] = shapely.to_wkt(np.asarray(layers[n].geometry.values), rounding_precision=-1)
            frame.to_csv(folder / files[n], index=False)
    _manifest(folder, fmt, layers, crs, files)


def read_layers(path: str | Path, fmt: str | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Read back layers written by :func:`export_layers` (``gpkg`` file, or a folder of
    ``geojson``/``shp``/``fgb``/``csv``); Shapefile fields get their full names back."""
    import pyogrio

    path = Path(path)
    fmt = fmt or ("gpkg" if path.suffix == ".gpkg" else json.loads((path / "layers.json").read_text("utf-8"))["format"])
    out: dict[str, gpd.GeoDataFrame] = {}
    if fmt == "gpkg":
        for n in LAYERS:
            out[n] = pyogrio.read_dataframe(path, layer=n)
        return out
    manifest = json.loads((path / "layers.json").read_text("utf-8"))
    for n in LAYERS:
        file = path / manifest["layers"][n]["file"]
        if fmt == "csv":
            frame = pd.read_csv(
                file,
                keep_default_na=False,
                na_values=[""],
                dtype={c: str for c in COLUMNS[n] if c not in _FLOAT | _BOOL | _INT},
            )
            geoms = shapely.from_wkt(frame.pop("geometry").fillna("").replace("", None))
            out[n] = gpd.GeoDataFrame(frame, geometry=geoms, crs=manifest["crs"])
        else:
            gdf = pyogrio.read_dataframe(file)
            if fmt == "shp":
                with (path / "fields.csv").open(encoding="utf-8") as fh:
                    back = {r["shapefile_field"]: r["field"] for r in csv.DictReader(fh) if r["layer"] == n}
                gdf = gdf.rename(columns=back)
                for c in _BOOL & set(gdf.columns):
                    gdf[c] = gdf[c].astype(bool)
            out[n] = gdf
    return out


def export_layers(
    layers: dict[str, gpd.GeoDataFrame],
    fmt: str,
    out: str | Path,
    force: bool = False,
    inputs: list[Path] | None = None,
) -> Path:
    """Write layers as ``gpkg`` (one file) or ``geojson|shp|fgb|csv`` (a folder, see the
    module docstring), atomically."""
    out = Path(out)
    if fmt == "gpkg":
        _check_destination(out, force, inputs)
        return write_layers_gpkg(layers, out, force)
    if fmt not in ("geojson", "shp", "fgb", "csv"):
        raise InputError(
            [Problem("--format", None, None, f"'{fmt}' is not an export format; expected one of {', '.join(FORMATS)}")]
        )
    with atomic_dir(out, force, inputs) as tmp:
        _write_folder(layers, fmt, tmp)
    return out


def read_result_layers(result_dir: str | Path) -> dict[str, gpd.GeoDataFrame]:
    """The layers stored in ``RESULT_DIR/network.gpkg`` (the canonical store of a result
    directory written by ``symnet run``).

    Raises
    ------
    InputError
        When the directory or its ``network.gpkg`` is missing or unreadable.
    """
    result_dir = Path(result_dir)
    gpkg = result_dir / RESULT_GPKG
    if not result_dir.is_dir():
        raise InputError(
            [
                Problem(
                    str(result_dir), None, None, "result directory not found; expected a folder written by `symnet run`"
                )
            ]
        )
    if not gpkg.is_file():
        raise InputError(
            [
                Problem(
                    str(gpkg),
                    None,
                    None,
                    "not found; expected the network.gpkg that `symnet run` writes into a result directory",
                )
            ]
        )
    try:
        layers = read_layers(gpkg, "gpkg")
    except Exception as exc:
        raise InputError(
            [Problem(str(gpkg), None, None, f"cannot read the GeoPackage ({exc}); expected layers {', '.join(LAYERS)}")]
        ) from None
    for n, gdf in layers.items():
        if gdf.geometry.name != "geometry":
            gdf = gdf.rename_geometry("geometry")
        for c in COLUMNS[n]:
            if c not in gdf.columns:
                raise InputError(
                    [
                        Problem(
                            str(gpkg), None, f"{n}.{c}", f"layer '{n}' has no column '{c}'; was it written by symnet?"
                        )
                    ]
                )
        for c in _BOOL:
            if c in gdf.columns:
                gdf[c] = gdf[c].astype(bool)
        layers[n] = gdf
    return layers


def export_result(
    result_dir_or_result: str | Path | Result,
    fmt: str,
    out: str | Path,
    scenario: Scenario | None = None,
    public: bool = False,
    force: bool = False,
    to: str | None = None,
    schema: str = "symnet",
) -> Path | None:
    """Export a result (a :class:`Result` or a result directory) in ``fmt``.

    Parameters
    ----------
    fmt : {'gpkg', 'geojson', 'shp', 'fgb', 'csv', 'postgis'}
    out : path
        Output file (gpkg) or folder (other formats); ignored for postgis.
    to : str
        ``postgresql://USER[:PASSWORD]@HOST:PORT/DB`` for ``postgis``.
    """
    if isinstance(result_dir_or_result, Result):
        layers = result_layers(result_dir_or_result, scenario, public)
        inputs: list[Path] = []
    else:
        layers = read_result_layers(result_dir_or_result)
        if public:
            layers = public_layers(layers)
        rd = Path(result_dir_or_result)
        inputs = [rd, rd / RESULT_GPKG, rd / RESULT_SUMMARY]
    if fmt == "postgis":
        if not to:
            raise InputError(
                [Problem("--to", None, None, "missing; --format postgis needs --to postgresql://USER@HOST:PORT/DB")]
            )
        export_postgis(layers, to, schema=schema)
        return None
    if out is None:
        raise InputError([Problem("--out", None, None, f"missing; --format {fmt} needs an output path")])
    return export_layers(layers, fmt, out, force, inputs)


def export_command(
    result_dir: str | Path,
    fmt: str,
    out: str | Path | None,
    to: str | None = None,
    schema: str | None = None,
    public: bool = False,
    force: bool = False,
) -> None:
    """``symnet export RESULT_DIR --format FMT --out PATH [--to URL --schema S] [--public] [--force]``."""
    if fmt not in FORMATS:
        raise InputError(
            [Problem("--format", None, None, f"'{fmt}' is not an export format; expected one of {', '.join(FORMATS)}")]
        )
    if fmt != "postgis" and to:
        raise InputError([Problem("--to", None, None, "only used with --format postgis")])
    export_result(Path(result_dir), fmt, out, public=public, force=force, to=to, schema=schema or "symnet")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# PostGIS
# ---------------------------------------------------------------------------------------
def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***`` (for messages and logs)."""
    return re.sub(r"(://[^:/@?]*:)[^@]*@", r"\1***@", url)


def _mask_text(text: str, url: str) -> str:
    from sqlalchemy.engine import make_url

    text = text.replace(url, mask_url(url))
    try:
        password = make_url(url).password
    except Exception:
        password = None
    if password:
        text = text.replace(str(password), "***")
    return text


def _engine_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def export_postgis(layers: dict[str, gpd.GeoDataFrame], url: str, schema: str = "symnet") -> list[str]:
    """Write the layers into ``schema`` of a PostGIS database in ONE transaction: the
    previous run's tables are dropped and recreated (with a GIST index on ``geometry``)
    and everything is committed together, or nothing is (the old tables stay).

    Parameters
    ----------
    url : str
        ``postgresql://USER[:PASSWORD]@HOST:PORT/DB`` (unix sockets:
        ``postgresql://USER@/DB?host=/socket/dir&port=5432``). The password is never
        printed: messages show it as ``***``.

    Returns
    -------
    list of str
        The qualified table names written.

    Raises
    ------
    InputError
        For a bad schema name or URL; SymnetError when the database refuses.
    """
    import sqlalchemy as sa

    if not _IDENT.match(schema):
        raise InputError(
            [
                Problem(
                    "--schema", None, None, f"'{schema}' is not a plain SQL identifier; expected letters, digits and _"
                )
            ]
        )
    if not re.match(r"^postgres(ql)?(\+psycopg)?://", url):
        raise InputError(
            [
                Problem(
                    "--to",
                    None,
                    None,
                    f"'{mask_url(url)}' is not a PostgreSQL URL; expected postgresql://USER@HOST:PORT/DB",
                )
            ]
        )
    written: list[str] = []
    try:
        engine = sa.create_engine(_engine_url(url))
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                for name in LAYERS:
                    gdf = layers[name]
                    conn.execute(sa.text(f'DROP TABLE IF EXISTS "{schema}"."{name}" CASCADE'))
                    gdf.to_postgis(name, conn, schema=schema, if_exists="fail", index=False)
                    has_index = conn.execute(
                        sa.text(
                            "SELECT count(*) FROM pg_indexes WHERE schemaname = :s AND tablename = :t AND indexdef ILIKE '%USING gist%'"
                        ),
                        {"s": schema, "t": name},
                    ).scalar()
                    if not has_index:
                        conn.execute(
                            sa.text(f'CREATE INDEX "{name}_geometry_gist" ON "{schema}"."{name}" USING GIST (geometry)')
                        )
                    written.append(f"{schema}.{name}")
        finally:
            engine.dispose()
    except (InputError, SymnetError):
        raise
    except Exception as exc:
        message = _mask_text(f"{type(exc).__name__}: {exc}".splitlines()[0], url)
        raise SymnetError(f"PostGIS export to {mask_url(url)} failed, nothing was changed: {message}") from None
    return written


# ---------------------------------------------------------------------------------------
# everything for a result directory
# ---------------------------------------------------------------------------------------
def write_outputs(result: Result, scenario: Scenario | None, out_dir: str | Path, public: bool = False) -> list[Path]:
    """Write ``network.gpkg``, ``map.html``, ``report.html``, ``report.md`` and the
    report's PNG charts into ``out_dir`` (an existing folder, e.g. the temporary folder
    of ``symnet run``; existing files of these names are replaced).

    Returns
    -------
    list of Path
        The files written.
    """
    from symnet.report import write_report
    from symnet.webmap import write_map_layers

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    layers = result_layers(result, scenario, public)
    written = [write_layers_gpkg(layers, out_dir / RESULT_GPKG, force=True)]
    written.append(write_map_layers(layers, result, out_dir / "map.html", public=public, force=True))
    written.extend(write_report(result, scenario, out_dir, public=public, layers=layers, force=True))
    return written
