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
This module holds the one public rule (:class:`PublicRule`); every public output goes
through it: the layers (:func:`public_layers`), the CSV tables of a result directory
(:func:`public_table`), ``summary.json`` and the KPIs the report and map show
(:func:`symnet.pipeline.public_kpis`), the source texts (:meth:`PublicRule.scrub`) and the participant and
settlement tables (their labels come from :func:`confidential_groups`).

Actors marked confidential are replaced by one point per municipality (named
``"<municipality> (aggregated)"``) placed at the mean position of the municipality's
*open* actors, so no confidential position can be computed back from it; a municipality
without open actors is kept only when it holds at least two confidential actors (at their
mean); a lone confidential actor there joins ``"other confidential actors (aggregated)"``,
placed at the mean of all open actors. Source texts have every confidential actor id and
name and every confidential stream id replaced by its public label (``"assumption: as
metal_steelex"`` becomes ``"assumption: as confidential stream"``);
exchanges and disposal rows that involve a confidential actor or a confidential
supply/demand are summed per aggregated end points and resource, drawn as straight
lines, lose their ids, and their quantities, costs, tonne-km and distances are rounded
to 2 significant figures (:func:`round_public`); quantities below 10 are shown as
``"<10"`` (numeric field null). Site throughputs are rounded the same way.

Writes are atomic: a temporary file or folder in the destination's directory is renamed
into place when complete; an existing destination is replaced only with ``force``.
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from symnet.existing import STATUS_NEW, link_statuses
from symnet.outputs._format import PUBLIC_MIN_SHOWN, format_quantity, round_public
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


OTHER_CONFIDENTIAL = "other confidential actors"
"""The public group of a confidential actor alone in a municipality without open actors."""
CONFIDENTIAL_STREAM = "confidential stream"
"""What a confidential supply or demand id becomes in public texts."""
_ID_CHAR = r"[\w]"


def confidential_groups(actors: pd.DataFrame) -> dict[str, str]:
    """Confidential actor id -> its public group key (a municipality, or
    :data:`OTHER_CONFIDENTIAL`; see the module docstring for the rule).

    ``actors`` has the columns ``node``, ``municipality`` and ``confidential``."""
    flags = actors["confidential"].astype(bool)
    munis = actors["municipality"].fillna("").astype(str)
    open_munis = set(munis[~flags])
    counts = munis[flags].value_counts()
    groups = {}
    for node, muni in zip(actors.loc[flags, "node"], munis[flags]):
        alone = muni not in open_munis and counts[muni] < 2
        groups[str(node)] = OTHER_CONFIDENTIAL if alone else (muni or "unknown municipality")
    return groups


def group_label(key: str) -> str:
    """The public name of a confidential group: ``"<key> (aggregated)"``."""
    return f"{key} (aggregated)"


def _group_node(key: str) -> str:
    return "agg:other" if key == OTHER_CONFIDENTIAL else f"agg:{key}"


class PublicRule:
    """What the public outputs hide: confidential actors (shown as their group) and
    confidential streams (supplies and demands marked confidential or of a confidential
    actor).

    Parameters
    ----------
    groups : dict
        Confidential actor id -> group key (:func:`confidential_groups`).
    names : dict
        Confidential actor id -> its real name (scrubbed from texts).
    streams : iterable of str
        Confidential supply and demand ids.
    """

    def __init__(self, groups: dict[str, str], names: dict[str, str], streams: Any) -> None:
        self.groups = dict(groups)
        self.streams = {str(s) for s in streams if str(s)}
        replace: dict[str, str] = {s: CONFIDENTIAL_STREAM for s in self.streams}
        replace.update({a: group_label(k) for a, k in self.groups.items()})
        named = {n.casefold(): group_label(self.groups[a]) for a, n in names.items() if a in self.groups and n}
        self._replace = {k.casefold(): v for k, v in replace.items()} | named
        tokens = sorted(self._replace, key=len, reverse=True)
        self._pattern = (
            re.compile(
                f"(?<!{_ID_CHAR})(?:" + "|".join(re.escape(t) for t in tokens) + f")(?!{_ID_CHAR})", re.IGNORECASE
            )
            if tokens
            else None
        )

    @classmethod
    def of_scenario(cls, scenario: Scenario) -> PublicRule:
        """The rule of a scenario's ``confidential`` flags."""
        frame = pd.DataFrame(
            [(a.id, a.municipality, a.confidential) for a in scenario.actors],
            columns=["node", "municipality", "confidential"],
        )
        groups = confidential_groups(frame) if len(frame) else {}
        streams = [s.id for s in scenario.supplies if s.confidential or s.actor in groups]
        streams += [d.id for d in scenario.demands if d.confidential or d.actor in groups]
        return cls(groups, {a.id: a.name for a in scenario.actors}, streams)

    @classmethod
    def of_layers(cls, layers: dict[str, gpd.GeoDataFrame]) -> PublicRule:
        """The rule as far as the layers tell it (a private ``network.gpkg`` exported
        publicly later): confidential actors, and the streams of confidential rows."""
        actors = layers["actors"]
        groups = confidential_groups(actors) if len(actors) else {}
        ex, disp = layers["exchanges"], layers["disposal"]
        streams = [*ex.loc[ex["confidential"], "supply"], *ex.loc[ex["confidential"], "target"]]
        streams += list(disp.loc[disp["confidential"], "supply"])
        return cls(groups, dict(zip(actors["node"], actors["name"])), streams)

    def node(self, node: Any) -> Any:
        """The public node id of ``node`` (its group's for a confidential actor)."""
        key = self.groups.get(str(node))
        return node if key is None else _group_node(key)

    def label(self, node: Any, name: Any) -> Any:
        """The public name of ``node`` (its group's label for a confidential actor)."""
        key = self.groups.get(str(node))
        return name if key is None else group_label(key)

    def hides(self, value: Any) -> bool:
        """True when ``value`` is a confidential actor or stream id."""
        return str(value) in self.groups or str(value) in self.streams

    def mentions(self, text: Any) -> bool:
        """True when ``text`` names a confidential actor or stream (as a whole word)."""
        return self._pattern is not None and self._pattern.search(str(text)) is not None

    def scrub(self, text: Any) -> Any:
        """``text`` with every confidential id and name replaced by its public label
        (non-strings are returned as they are)."""
        if not isinstance(text, str) or self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._replace[m.group(0).casefold()], text)


def _mean_point(points: gpd.GeoSeries) -> Point | None:
    points = points[points.notna() & ~points.is_empty]
    return Point(float(points.x.mean()), float(points.y.mean())) if len(points) else None


def public_layers(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """Layers safe to publish: confidential actors aggregated per municipality and
    confidential figures rounded (see the module docstring for the rule). Works on the
    layers alone, so a private ``network.gpkg`` can be exported publicly later."""
    actors, sites = layers["actors"], layers["sites"]
    crs = actors.crs or layers["exchanges"].crs
    rule = PublicRule.of_layers(layers)
    flags = actors["confidential"].astype(bool)
    open_actors = actors[~flags]
    agg_id = {a: _group_node(k) for a, k in rule.groups.items()}
    agg_name = {a: group_label(k) for a, k in rule.groups.items()}
    agg_rows, agg_geoms = [], []
    members = pd.Series(rule.groups, dtype=object)
    for key, group in members.groupby(members, sort=True):
        if key == OTHER_CONFIDENTIAL:
            muni, near = "", open_actors.geometry
        else:
            muni = str(actors.loc[actors["node"] == group.index[0], "municipality"].iloc[0])
            near = open_actors.loc[open_actors["municipality"] == muni].geometry
        if not len(near) and len(group) >= 2:  # no open actor there: the mean of two or more confidential ones
            near = actors.loc[actors["node"].isin(list(group.index))].geometry
        if not len(near):  # a lone confidential actor and no open one: the centre of the sites
            near = sites.geometry
        agg_rows.append(
            {
                "node": _group_node(str(key)),
                "name": group_label(str(key)),
                "sector": "aggregated",
                "municipality": muni,
                "confidential": False,
                "aggregated": True,
                "n_actors": len(group),
                "source": "",
                "assumption": False,
            }
        )
        agg_geoms.append(_mean_point(near))
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
    for layer in out.values():
        for c in ("source", "name", "supplier_name", "receiver_name", "actor_name"):
            if c in layer.columns:
                layer[c] = [rule.scrub(v) for v in layer[c]]
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
    keys = ["supplier", "supplier_name", "receiver", "receiver_name", "resource", "unit", "mode", "method", "status"]
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


# Public CSV tables and KPIs of a result directory -------------------------------------
_TABLE_SHAPES: dict[str, dict[str, Any]] = {
    # ends: node column -> its name column (or None); streams: supply/demand id columns;
    # sums: summed over the aggregated rows; distance: quantity-weighted mean
    "flows": {
        "ends": {"supplier": "supplier_name", "receiver": "receiver_name"},
        "streams": ("supply", "target", "link"),
        "sums": ("quantity", "cost", "tonne_km"),
    },
    "disposal": {"ends": {"actor": None}, "streams": ("supply",), "sums": ("quantity", "cost")},
    "links": {
        "ends": {"source_node": None, "target_node": None, "supplier_actor": None, "receiver_actor": None},
        "streams": ("supply", "target", "link"),
        "sums": ("quantity", "cost", "trips", "truck_km"),
    },
    "excluded": {"ends": {}, "streams": ("supply", "target"), "sums": ()},
}


def public_table(frame: pd.DataFrame, kind: str, rule: PublicRule) -> pd.DataFrame:
    """A result-directory CSV (``kind``: flows, disposal, links or excluded) made public:
    rows touching a confidential actor or stream are summed per public end points (and
    every other column they share), lose their ids (``link`` becomes ``aggregated-N``)
    and per-row figures, and are rounded to 2 significant figures (quantities below 10
    left empty); every text cell is scrubbed (:meth:`PublicRule.scrub`)."""
    shape = _TABLE_SHAPES[kind]
    ends: dict[str, str | None] = {c: n for c, n in shape["ends"].items() if c in frame.columns}
    streams = [c for c in shape["streams"] if c in frame.columns]
    sums = [c for c in shape["sums"] if c in frame.columns]
    hidden = pd.Series(False, index=frame.index)
    for c in [*ends, *streams]:
        hidden |= frame[c].map(rule.hides).astype(bool)
    conf = frame[hidden].copy()
    if len(conf):
        for c, name in ends.items():
            if name in conf.columns:
                conf[name] = [rule.label(n, nm) for n, nm in zip(conf[c], conf[name])]
            conf[c] = conf[c].map(rule.node)
        for c in streams:
            conf[c] = ""
        numeric = [c for c in conf.columns if pd.api.types.is_numeric_dtype(conf[c]) and conf[c].dtype != bool]
        weighted = "distance_m" in conf.columns and "quantity" in conf.columns
        if weighted:
            conf["_qd"] = conf["distance_m"] * conf["quantity"]
        keys = [c for c in conf.columns if c not in numeric and c != "_qd"]
        grouped = conf.groupby(keys, sort=True, dropna=False)
        agg = grouped[sums + (["_qd", "distance_m"] if weighted else [])].agg(
            {**{c: "sum" for c in sums}, **({"_qd": "sum", "distance_m": "mean"} if weighted else {})}
        )
        agg = agg.reset_index() if len(agg.columns) else grouped.size().reset_index()[keys]
        if weighted:
            q = agg["quantity"]
            agg["distance_m"] = (agg["_qd"] / q.where(q > 0)).fillna(agg["distance_m"])
            agg = agg.drop(columns="_qd")
        for c in [*sums, "distance_m"]:
            if c in agg.columns:
                agg[c] = [round_public(v, PUBLIC_MIN_SHOWN if c == "quantity" else None) for v in agg[c]]
        if "link" in agg.columns:
            agg["link"] = [f"aggregated-{i + 1}" for i in range(len(agg))]
        conf = agg.reindex(columns=frame.columns)
    out = pd.concat([frame[~hidden], conf], ignore_index=True) if len(conf) else frame.reset_index(drop=True)
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(rule.scrub)
    return out


def public_value(value: Any, rule: PublicRule) -> Any:
    """A JSON-like value (``summary.json``, KPIs) made public: dict entries whose key
    names a confidential actor or stream are left out (their totals stay in the
    aggregate figures), texts are scrubbed and every float rounded to 2 significant
    figures."""
    if isinstance(value, dict):
        return {k: public_value(v, rule) for k, v in value.items() if not rule.mentions(k)}
    if isinstance(value, (list, tuple)):
        return [public_value(v, rule) for v in value]
    if isinstance(value, str):
        return rule.scrub(value)
    if isinstance(value, (float, np.floating)):
        return round_public(float(value), None)
    return value


def public_scenario(scenario: Scenario) -> Scenario:
    """A copy of ``scenario`` whose source texts are scrubbed (:meth:`PublicRule.scrub`),
    for the writers of public outputs (report, map, GeoPackage)."""
    import dataclasses

    rule = PublicRule.of_scenario(scenario)
    return dataclasses.replace(scenario, sources={k: rule.scrub(v) for k, v in scenario.sources.items()})
