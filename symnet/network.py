"""SymbiosisNetwork: candidate links between suppliers and receivers, with distances and costs.

The network is held as tables (PyPSA style) and offered as a networkx MultiDiGraph:

- ``nodes``: actors and candidate site options (``site:facility``), with positions;
- ``links``: every candidate link (supply -> receiver, by mode) that passes the
  compatibility, quality, waste-law and distance rules, with its distance, how the
  distance was obtained, and its costs (from :mod:`symnet.costs` only);
- ``excluded``: every (supply, receiver) pair of compatible resources for which no
  link was created, with the rule that excluded it and a readable detail;
- ``distance_table``: the one origin/destination distance table the road links use.

Suppliers are actor supplies and facility outputs (a facility output ``site:facility>resource``
supplies from the site's node; a passthrough hub forwards each accepted input resource
the same way). Receivers are demands and facility inputs (the link's ``target`` is the
site option id and ``target_resource`` names the input).

Distances are kept apart from costing: :meth:`SymbiosisNetwork.reprice` recomputes every
cost column from a (possibly modified) scenario without recomputing distances, so
sensitivity sweeps are cheap.

Waste-law rules (documented simplification)
-------------------------------------------
- A supply with an EWC code only goes to a receiver permitted to carry out at least one
  recovery operation R1-R13 (the demand's ``operations``, else its actor's; for a
  facility input, the facility type's ``operations``). Otherwise: rule ``waste_law``.
- A mirror entry classified hazardous in the List of Waste needs ``hazard_assessment``
  stated in supplies.csv, else rule ``hazard_assessment``.
- Hazardous waste (absolute entries, or assessed hazardous) follows the same R-operation
  rule; specific hazardous-waste permits are not modelled.
- Facility outputs and hub forwards carry no EWC code (the facility is the permitted
  operator that received the waste).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from symnet.link_costs import price_links
from symnet.resources import waste_codes
from symnet.routing import great_circle_m
from symnet.scenario import Scenario

DistanceProvider = Callable[..., pd.DataFrame]
"""Takes origins and destinations (columns ``id, lon, lat``) and returns a table with
columns ``origin, destination, distance_m, duration_s, method``. A provider that also
takes the keyword ``reach_m`` is told the largest road limit (m) of the pairs asked
about, and may answer pairs beyond it with ``distance_m = inf`` and method
:data:`BEYOND_REACH` instead of searching farther (the routed provider does)."""

BEYOND_REACH = "beyond reach"
"""``method`` of a road pair whose distance is more than every limit asked about."""

ROAD_SPEED_KMH = 60.0  # only for estimated durations
DISTANCE_COLUMNS = ["origin", "destination", "distance_m", "duration_s", "method"]
NODE_COLUMNS = ["node", "kind", "name", "sector", "municipality", "lon", "lat", "confidential"]
LINK_COLUMNS = [
    "link",
    "source_node",
    "target_node",
    "supply",
    "target",
    "target_resource",
    "resource",
    "mode",
    "distance_m",
    "method",
    "unit_cost",
    "transport_unit_cost",
    "gate_fee",
    "fixed_cost",
    "min_volume",
    "factor",
    "loss",
    "co2e_t_per_unit",
    "supplier_actor",
    "receiver_actor",
    "source_kind",
    "target_kind",
    "trip_cost",
    "units_per_trip",
    "truck_km_per_trip",
    "trip_co2e_t",
]
EXCLUDED_COLUMNS = ["supply", "target", "resource", "rule", "detail"]
RECOVERY_OPERATIONS = frozenset(f"R{i}" for i in range(1, 14))


# ---------------------------------------------------------------------------------------
# distance providers
# ---------------------------------------------------------------------------------------
def estimated_distances(circuity: float) -> DistanceProvider:
    """A provider giving great-circle distance x ``circuity`` (method 'estimated').

    Durations assume 60 km/h. Returns every origin x destination pair.
    """

    def provider(origins: pd.DataFrame, destinations: pd.DataFrame) -> pd.DataFrame:
        pairs = origins[["id", "lon", "lat"]].merge(
            destinations[["id", "lon", "lat"]], how="cross", suffixes=("_o", "_d")
        )
        dist = great_circle_m(pairs["lon_o"], pairs["lat_o"], pairs["lon_d"], pairs["lat_d"]) * circuity
        return pd.DataFrame(
            {
                "origin": pairs["id_o"].to_numpy(),
                "destination": pairs["id_d"].to_numpy(),
                "distance_m": dist,
                "duration_s": dist / (ROAD_SPEED_KMH / 3.6),
                "method": "estimated",
            }
        )

    return provider


def table_distances(table: pd.DataFrame) -> DistanceProvider:
    """A provider reading a fixed table (columns origin, destination, distance_m and
    optionally duration_s, method); pairs missing from it are estimated with circuity 1.

    Meant for tests with hand-chosen distances (metres).
    """
    fixed = table.copy()
    if "duration_s" not in fixed:
        fixed["duration_s"] = fixed["distance_m"] / (ROAD_SPEED_KMH / 3.6)
    if "method" not in fixed:
        fixed["method"] = "routed"
    fixed = fixed[DISTANCE_COLUMNS]
    fallback = estimated_distances(1.0)

    def provider(origins: pd.DataFrame, destinations: pd.DataFrame) -> pd.DataFrame:
        est = fallback(origins, destinations)
        both = pd.concat([fixed, est], ignore_index=True)
        return both.drop_duplicates(["origin", "destination"], keep="first")

    return provider


# ---------------------------------------------------------------------------------------
# the network
# ---------------------------------------------------------------------------------------
@dataclass
class SymbiosisNetwork:
    """Actors, site options and candidate links of one scenario, as tables.

    Attributes
    ----------
    nodes : DataFrame
        Columns as :data:`NODE_COLUMNS` (see :mod:`symnet.result`).
    links : DataFrame
        Candidate links, columns :data:`LINK_COLUMNS`; money per canonical supply unit
        (``unit_cost``) or per year (``fixed_cost``); ``min_volume`` in supply units
        per year; ``distance_m`` in metres; ``co2e_t_per_unit`` in t CO2e per supply unit.
    excluded : DataFrame
        Pairs no link was created for: ``supply, target, resource, rule, detail``.
    distance_table : DataFrame
        ``origin, destination, distance_m, duration_s, method`` for the road pairs.
    """

    nodes: pd.DataFrame
    links: pd.DataFrame
    excluded: pd.DataFrame
    distance_table: pd.DataFrame
    scenario_name: str = ""
    _graph: nx.MultiDiGraph | None = field(default=None, repr=False)

    @property
    def graph(self) -> nx.MultiDiGraph:
        """networkx MultiDiGraph: nodes with their attributes (incl. lon/lat), one edge
        per candidate link keyed by link id with the link's columns as attributes."""
        if self._graph is None:
            g = nx.MultiDiGraph(name=self.scenario_name)
            g.add_nodes_from((row["node"], row) for row in self.nodes.to_dict("records"))
            g.add_edges_from((r["source_node"], r["target_node"], r["link"], r) for r in self.links.to_dict("records"))
            self._graph = g
        return self._graph

    def reprice(self, scenario: Scenario) -> SymbiosisNetwork:
        """A copy with every cost column recomputed from ``scenario`` (distances kept).

        Parameters
        ----------
        scenario : Scenario
            Typically :func:`symnet.scenario.with_parameters` of the scenario the
            network was built from (same actors, supplies and demands).
        """
        links = price_links(self.links.copy(), scenario).reindex(columns=LINK_COLUMNS)
        return replace(self, links=links, _graph=None)


def build_network(
    scenario: Scenario, distances: DistanceProvider | None = None, distance_table: pd.DataFrame | None = None
) -> SymbiosisNetwork:
    """Build the candidate links of a scenario.

    Parameters
    ----------
    scenario : Scenario
        The loaded scenario.
    distances : DistanceProvider, optional
        Road distances; default: great circle x ``network.circuity`` (method 'estimated').
    distance_table : DataFrame, optional
        A previous network's ``distance_table``; pairs found in it are not asked again.

    Returns
    -------
    SymbiosisNetwork
    """
    if distances is None:
        distances = estimated_distances(scenario.config.network.circuity)
    nodes = _nodes(scenario)
    senders = _senders(scenario)
    receivers = _receivers(scenario)
    pairs, excluded = _candidate_pairs(scenario, senders, receivers)
    links, more_excluded, table = _with_distances(scenario, pairs, distances, distance_table)
    links, knn_excluded = _k_nearest(links, scenario.config.network.k_nearest)
    links = _link_ids(links)
    links = price_links(links, scenario).reindex(columns=LINK_COLUMNS)
    excl = pd.concat([excluded, more_excluded, knn_excluded], ignore_index=True)[EXCLUDED_COLUMNS]
    return SymbiosisNetwork(
        nodes=nodes,
        links=links.reset_index(drop=True),
        excluded=excl.reset_index(drop=True),
        distance_table=table,
        scenario_name=scenario.name,
    )


# ---------------------------------------------------------------------------------------
# nodes, senders, receivers
# ---------------------------------------------------------------------------------------
def _nodes(scenario: Scenario) -> pd.DataFrame:
    rows = [(a.id, "actor", a.name, a.sector, a.municipality, a.lon, a.lat, a.confidential) for a in scenario.actors]
    for o in scenario.sites:
        fac = scenario.facility(o)
        rows.append(
            (
                o.option_id,
                "site",
                f"{o.name} ({fac.name or o.facility})",
                "facility",
                o.municipality,
                o.lon,
                o.lat,
                False,
            )
        )
    return pd.DataFrame(rows, columns=NODE_COLUMNS)


def facility_senders(scenario: Scenario) -> list[tuple[str, str, str, float | None]]:
    """Facility outputs as supplies: (sender id, option id, resource, temperature_c).

    A passthrough hub forwards each accepted input resource as ``option>resource``.
    """
    out: list[tuple[str, str, str, float | None]] = []
    for o in scenario.sites:
        fac = scenario.facility(o)
        items = (
            [(i.resource, None) for i in fac.inputs]
            if fac.passthrough
            else [(p.resource, p.temperature_c) for p in fac.outputs]
        )
        for res, temp in dict.fromkeys(items):
            out.append((f"{o.option_id}>{res}", o.option_id, res, temp))
    return out


def _senders(scenario: Scenario) -> pd.DataFrame:
    pos = {a.id: (a.lon, a.lat) for a in scenario.actors}
    rows = [
        (
            s.id,
            s.actor,
            s.actor,
            s.resource,
            s.temperature_c,
            s.ewc or "",
            s.hazard_assessment or "",
            "supply",
            *pos[s.actor],
        )
        for s in scenario.supplies
    ]
    site_pos = {o.option_id: (o.lon, o.lat) for o in scenario.sites}
    rows += [
        (sid, opt, "", res, temp, "", "", "facility", *site_pos[opt])
        for sid, opt, res, temp in facility_senders(scenario)
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "supply",
            "source_node",
            "supplier_actor",
            "resource",
            "temperature_c",
            "ewc",
            "hazard_assessment",
            "source_kind",
            "lon_o",
            "lat_o",
        ],
    )


def _receivers(scenario: Scenario) -> pd.DataFrame:
    actors = {a.id: a for a in scenario.actors}
    rows = []
    for d in scenario.demands:
        a = actors[d.actor]
        ops = d.operations or a.operations
        rows.append(
            (
                d.id,
                d.resource,
                d.actor,
                d.actor,
                d.min_temperature_c,
                "|".join(ops),
                d.max_km,
                d.gate_fee,
                "demand",
                a.lon,
                a.lat,
            )
        )
    for o in scenario.sites:
        fac = scenario.facility(o)
        for inp in fac.inputs:
            rows.append(
                (
                    o.option_id,
                    inp.resource,
                    o.option_id,
                    "",
                    inp.min_temperature_c,
                    "|".join(fac.operations),
                    None,
                    0.0,
                    "facility",
                    o.lon,
                    o.lat,
                )
            )
    df = pd.DataFrame(
        rows,
        columns=[
            "target",
            "target_resource",
            "target_node",
            "receiver_actor",
            "min_temperature_c",
            "operations",
            "max_km",
            "gate_fee",
            "target_kind",
            "lon_d",
            "lat_d",
        ],
    )
    return df.drop_duplicates(["target", "target_resource"])


# ---------------------------------------------------------------------------------------
# rules
# ---------------------------------------------------------------------------------------
def _excluded_rows(pairs: pd.DataFrame, mask: Any, rule: str, detail: pd.Series | str) -> pd.DataFrame:
    sel = pairs.loc[mask]
    det = detail if isinstance(detail, str) else detail.loc[mask]
    return pd.DataFrame(
        {
            "supply": sel["supply"].to_numpy(),
            "target": sel["target"].to_numpy(),
            "resource": sel["resource"].to_numpy(),
            "rule": rule,
            "detail": det if isinstance(det, str) else det.to_numpy(),
        }
    )


def _candidate_pairs(
    scenario: Scenario, senders: pd.DataFrame, receivers: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs of compatible resources that pass the pair-level rules (same actor, quality,
    waste law, hazard assessment, transport mode)."""
    cat = scenario.catalogue
    combos = [
        (s, r, cat.substitution_factor(s, r))
        for s in senders["resource"].unique()
        for r in receivers["target_resource"].unique()
    ]
    compat = pd.DataFrame([c for c in combos if c[2] is not None], columns=["resource", "target_resource", "factor"])
    pairs = senders.merge(compat, on="resource").merge(receivers, on="target_resource")
    excluded: list[pd.DataFrame] = []

    def drop(mask: Any, rule: str, detail: Callable[[], pd.Series | str]) -> None:
        """Drop the pairs in ``mask``; ``detail`` builds their readable detail (only if any)."""
        nonlocal pairs
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            excluded.append(_excluded_rows(pairs, mask, rule, detail()))
            pairs = pairs.loc[~mask].reset_index(drop=True)

    same = ((pairs["supplier_actor"] != "") & (pairs["supplier_actor"] == pairs["receiver_actor"])) | (
        pairs["source_node"] == pairs["target_node"]
    )
    drop(same, "same_actor", lambda: "supplier and receiver are the same actor or site")

    t, tmin = pairs["temperature_c"].astype(float), pairs["min_temperature_c"].astype(float)
    low = t.notna() & tmin.notna() & (t < tmin)
    drop(
        low,
        "quality",
        lambda: "supply at " + t.map("{:g} C".format) + " is below the required " + tmin.map("{:g} C".format),
    )

    ops = pairs["operations"].astype(str)
    has_r = ops.map({u: bool(RECOVERY_OPERATIONS.intersection(u.split("|"))) for u in ops.unique()}).to_numpy(
        dtype=bool
    )
    waste = (pairs["ewc"] != "").to_numpy(dtype=bool)
    drop(
        waste & ~has_r,
        "waste_law",
        lambda: (
            "EWC "
            + pairs["ewc"]
            + " needs a receiver permitted a recovery operation (R1-R13); receiver declares "
            + ops.where(ops != "", "none")
        ),
    )

    codes = waste_codes()
    mirror = {c: bool(c) and c in codes and codes[c].mirror and codes[c].hazardous for c in pairs["ewc"].unique()}
    mirror_haz = pairs["ewc"].map(mirror).to_numpy(dtype=bool)
    drop(
        mirror_haz & (pairs["hazard_assessment"] == "").to_numpy(dtype=bool),
        "hazard_assessment",
        lambda: (
            "EWC "
            + pairs["ewc"]
            + " is a mirror entry: state hazard_assessment (hazardous/non_hazardous) in supplies.csv"
        ),
    )

    modes = _mode_limits(scenario)
    no_mode = ~pairs["resource"].isin(modes["resource"].unique())
    drop(no_mode, "no_mode", lambda: "the catalogue gives no transport mode for " + pairs["resource"])
    pairs = pairs.merge(modes, on="resource")
    cap_km = pairs["max_km"].astype(float)
    pairs["limit_km"] = np.fmin(pairs["mode_max_km"].to_numpy(), cap_km.fillna(np.inf).to_numpy())
    excl = pd.concat(excluded, ignore_index=True) if excluded else pd.DataFrame(columns=EXCLUDED_COLUMNS)
    return pairs, excl


def _mode_limits(scenario: Scenario) -> pd.DataFrame:
    """Allowed (resource, mode, max km) from the catalogue and the economics caps."""
    econ = scenario.config.economics
    caps = {"road": econ.road.max_km, "pipe": econ.pipe.max_km}
    rows = []
    for rid, res in scenario.catalogue.resources.items():
        for mode, spec in res.modes.items():
            cap = caps[mode]
            rows.append((rid, mode, min(spec.max_km, cap) if cap is not None else spec.max_km))
    return pd.DataFrame(rows, columns=["resource", "mode", "mode_max_km"])


def _with_distances(
    scenario: Scenario, pairs: pd.DataFrame, provider: DistanceProvider, previous: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Attach distances: one provider call for the road pairs still within reach by
    straight line; pipes use straight line x pipe circuity. Drops pairs beyond the limit."""
    gc = great_circle_m(pairs["lon_o"], pairs["lat_o"], pairs["lon_d"], pairs["lat_d"])
    pairs = pairs.assign(straight_m=gc)
    is_road = (pairs["mode"] == "road").to_numpy()
    reachable = gc <= pairs["limit_km"].to_numpy() * 1000.0
    road = pairs.loc[is_road & reachable]
    reach_km = float(road["limit_km"].max()) if len(road) else 0.0
    table = _road_table(road, provider, previous, reach_km * 1000.0)
    road = road.merge(
        table.rename(columns={"origin": "source_node", "destination": "target_node"}),
        on=["source_node", "target_node"],
        how="left",
    )
    road["distance_m"] = road["distance_m"].astype(float).fillna(np.inf)
    road["method"] = road["method"].fillna("unreachable")
    pipe = pairs.loc[~is_road & reachable].copy()
    pipe["distance_m"] = pipe["straight_m"] * scenario.config.economics.pipe.circuity
    pipe["duration_s"] = np.nan
    pipe["method"] = "pipe"
    far = pairs.loc[~reachable].copy()
    far["distance_m"] = far["straight_m"]
    far["method"] = "straight"
    allp = pd.concat([road, pipe, far], ignore_index=True)
    ok = allp["distance_m"] <= allp["limit_km"] * 1000.0
    links = allp.loc[ok]
    lost = allp.loc[~ok]
    if len(lost):
        kept = set(zip(links["supply"].tolist(), links["target"].tolist(), links["target_resource"].tolist()))
        key = pd.Series(list(zip(lost["supply"], lost["target"], lost["target_resource"])), index=lost.index)
        lost = lost.loc[~key.isin(kept)]
        beyond = lost["method"] == BEYOND_REACH
        km = (lost["distance_m"] / 1000).map("{:.1f}".format).where(~beyond, f"over {reach_km:g}")
        how = lost["method"].where(~beyond, "routed, searched up to the largest limit")
        limit = lost["limit_km"].map("{:g}".format)
        detail = lost["mode"] + " " + km + " km (" + how + ") exceeds the limit of " + limit + " km"
        lost = lost.assign(detail=detail).drop_duplicates(["supply", "target", "target_resource"])
        far_excl = _excluded_rows(lost, np.ones(len(lost), dtype=bool), "max_distance", lost["detail"])
    else:
        far_excl = pd.DataFrame(columns=EXCLUDED_COLUMNS)
    table = table.loc[table["method"] != BEYOND_REACH].reset_index(drop=True) if len(table) else table
    return links.reset_index(drop=True), far_excl, table


def _call(provider: DistanceProvider, origins: pd.DataFrame, dests: pd.DataFrame, reach_m: float) -> pd.DataFrame:
    """``provider``'s table, telling it the reach (m) when it takes ``reach_m``."""
    try:
        params = inspect.signature(provider).parameters
    except (TypeError, ValueError):  # a builtin or C callable: no keywords known
        params = {}  # type: ignore[assignment]
    if "reach_m" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return provider(origins, dests, reach_m=reach_m)
    return provider(origins, dests)


def _road_table(
    road: pd.DataFrame, provider: DistanceProvider, previous: pd.DataFrame | None, reach_m: float
) -> pd.DataFrame:
    """Distances of the road pairs: reused from ``previous`` (a network's distance table,
    which never keeps "beyond reach" answers), the rest from ``provider``, told the reach."""
    needed = road[["source_node", "target_node"]].drop_duplicates()
    needed.columns = ["origin", "destination"]
    known = (
        previous[DISTANCE_COLUMNS] if previous is not None and len(previous) else pd.DataFrame(columns=DISTANCE_COLUMNS)
    )
    have = needed.merge(known, on=["origin", "destination"], how="left", indicator=True)
    missing = have.loc[have["_merge"] == "left_only", ["origin", "destination"]]
    parts = [have.loc[have["_merge"] == "both", DISTANCE_COLUMNS]]
    if len(missing):
        pos_o = road.drop_duplicates("source_node").set_index("source_node")[["lon_o", "lat_o"]]
        pos_d = road.drop_duplicates("target_node").set_index("target_node")[["lon_d", "lat_d"]]
        o_ids = missing["origin"].unique()
        d_ids = missing["destination"].unique()
        origins = pd.DataFrame(
            {"id": o_ids, "lon": pos_o.loc[o_ids, "lon_o"].to_numpy(), "lat": pos_o.loc[o_ids, "lat_o"].to_numpy()}
        )
        dests = pd.DataFrame(
            {"id": d_ids, "lon": pos_d.loc[d_ids, "lon_d"].to_numpy(), "lat": pos_d.loc[d_ids, "lat_d"].to_numpy()}
        )
        got = _call(provider, origins, dests, reach_m)[DISTANCE_COLUMNS]
        parts.append(missing.merge(got, on=["origin", "destination"], how="inner"))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=DISTANCE_COLUMNS)
    table = pd.concat(parts, ignore_index=True)
    table["distance_m"] = table["distance_m"].astype(float)
    return table.reset_index(drop=True)


def _k_nearest(links: pd.DataFrame, k: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep, per supply, the links to its k nearest receivers (by the shortest mode)."""
    if k is None or links.empty:
        return links, pd.DataFrame(columns=EXCLUDED_COLUMNS)
    best = links.groupby(["supply", "target", "target_resource"], sort=False)["distance_m"].min().reset_index()
    best["rank"] = best.groupby("supply")["distance_m"].rank(method="first")
    far = best.loc[best["rank"] > k]
    if far.empty:
        return links, pd.DataFrame(columns=EXCLUDED_COLUMNS)
    far = far.merge(
        links[["supply", "target", "target_resource", "resource"]].drop_duplicates(),
        on=["supply", "target", "target_resource"],
    )
    excl = _excluded_rows(
        far,
        np.ones(len(far), dtype=bool),
        "k_nearest",
        f"not among the {k} nearest compatible receivers of this supply",
    )
    keep = links.merge(far[["supply", "target", "target_resource"]], how="left", indicator=True)
    return links.loc[(keep["_merge"] == "left_only").to_numpy()].reset_index(drop=True), excl


def _link_ids(links: pd.DataFrame) -> pd.DataFrame:
    fac = links["target_kind"] == "facility"
    ids = links["supply"] + "->" + links["target"]
    ids = ids.where(~fac, ids + "#" + links["target_resource"])
    links = links.assign(link=ids + ":" + links["mode"])
    return links
