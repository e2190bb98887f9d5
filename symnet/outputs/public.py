"""The public (confidential-safe) versions of every output: one rule, one place.

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
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from symnet.outputs._format import PUBLIC_MIN_SHOWN, format_quantity, round_public
from symnet.outputs.tables import COLUMNS, _gdf, build_layers
from symnet.result import Result
from symnet.scenario import Scenario

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
