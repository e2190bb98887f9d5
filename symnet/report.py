"""The report of a result: ``report.html`` (self-contained: charts embedded as base64
PNG data URIs) and ``report.md`` with the PNG files beside it; both hold the same
sections in the same order.

Contents: status; a plain-language summary generated from the result tables (the
sites opened and what flows through them, exchanges, savings, tonnes diverted, CO2e,
heat, demands met locally, how distances were obtained); the KPIs with a readable label
and unit, in the order costs, material diverted, climate, transport, heat and
self-sufficiency, each with the number of assumed numbers it rests on for this solution
(:mod:`symnet.assumptions`); the share of each demand met locally; who gains (top 10
actors and sites); three charts (the network on a map, where each resource goes as a
Sankey-style alluvial diagram, costs before/after by component); the exchange table;
disposal left; sites; and one appendix that lists each assumption a KPI rests on once
(key, value, source, which KPIs use it), the most used first. A planner should
understand the result without opening a GIS.

With ``public=True`` the tables come from the public layers (confidential actors
aggregated per municipality, their figures rounded: see :mod:`symnet.export`), KPI
values are rounded to 2 significant figures, quantities met locally are rounded, and
assumptions recorded for confidential streams or actors are counted but not listed.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter

from symnet.assumptions import assumption_value, kpi_assumptions, source_text
from symnet.errors import InputError, Problem
from symnet.export import (
    atomic_file,
    format_quantity,
    resource_colour,
    result_layers,
    round_public,
    sector_colour,
    write_text_atomic,
)
from symnet.result import Result
from symnet.scenario import Scenario

CHARTS = ("network.png", "flows.png", "costs.png")

# KPI key -> (label, unit; "{cur}" is replaced by the currency), in report order: costs,
# material diverted, climate, transport, heat and self-sufficiency, structure.
KPI_LABELS: dict[str, tuple[str, str]] = {
    "total_cost": ("Total cost with symbiosis", "{cur}/yr"),
    "baseline_cost": ("Baseline cost (everything to its current fate, inputs bought)", "{cur}/yr"),
    "savings": ("Savings against the baseline", "{cur}/yr"),
    "landfill_diverted_t": ("Diverted from landfill", "t/yr"),
    "incineration_diverted_t": ("Diverted from incineration / energy recovery", "t/yr"),
    "co2e_avoided_t": ("CO2e avoided", "t/yr"),
    "co2e_total_t": ("CO2e emitted with symbiosis", "t/yr"),
    "baseline_co2e_t": ("CO2e emitted in the baseline", "t/yr"),
    "co2e_transport_t": ("CO2e of the added transport", "t/yr"),
    "tonne_km": ("Road transport", "tonne-km/yr"),
    "truck_km": ("Truck kilometres (incl. empty return)", "km/yr"),
    "heat_recovered_mwh": ("Heat recovered (delivered after pipe losses)", "MWh/yr"),
    "demands_met_locally": ("Demands met in full by local supply", "demands"),
    "active_links": ("Active exchanges", "links"),
    "opened_sites": ("Sites opened", "sites"),
}


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


# ---------------------------------------------------------------------------------------
# charts
# ---------------------------------------------------------------------------------------
def _widths(values: np.ndarray, groups: np.ndarray, low: float, high: float) -> np.ndarray:
    out = np.full(len(values), low)
    v = np.nan_to_num(values.astype(float))
    for g in set(groups.tolist()):
        m = groups == g
        top = v[m].max()
        if top > 0:
            out[m] = low + (high - low) * np.sqrt(np.clip(v[m], 0, None) / top)
    return out


def _label_groups(actors: gpd.GeoDataFrame, radius_m: float) -> list[tuple[float, float, str]]:
    """One label per group of actors closer than ``radius_m`` to the group's first actor
    (greedy, in file order): the actor's name when alone, else "<municipality>: N actors"."""
    xs, ys = actors.geometry.x.to_numpy(), actors.geometry.y.to_numpy()
    names = actors["name"].astype(str).to_numpy()
    towns = actors["municipality"].astype(str).to_numpy() if "municipality" in actors else names
    taken = np.zeros(len(actors), dtype=bool)
    labels = []
    for i in range(len(actors)):
        if taken[i]:
            continue
        near = (~taken) & (np.hypot(xs - xs[i], ys - ys[i]) <= radius_m)
        taken |= near
        n = int(near.sum())
        text = names[i] if n == 1 else f"{towns[i] or names[i]}: {n} actors"
        labels.append((float(xs[near].mean()), float(ys[near].mean()), text))
    return labels


def network_chart(layers: dict[str, gpd.GeoDataFrame], path: Path, title: str) -> Path:
    """PNG of the network: exchange lines (colour by resource, width by quantity within
    each resource), actors by sector, sites (green = opened), in the projected CRS with
    axes in km. Actors closer together than 3 % of the map share one label; the legend
    sits beside the map so it never hides it."""
    fig, ax = plt.subplots(figsize=(11, 7.5), dpi=110)
    ex, actors, sites = layers["exchanges"], layers["actors"], layers["sites"]
    handles: list[Any] = []
    if len(ex):
        widths = _widths(ex["quantity"].to_numpy(), ex["resource"].to_numpy(), 0.8, 4.5)
        for (_, row), w in zip(ex.iterrows(), widths):
            x, y = row.geometry.xy
            ax.plot(
                x,
                y,
                color=resource_colour(row["resource"]),
                linewidth=w,
                alpha=0.85,
                solid_capstyle="round",
                linestyle=(0, (4, 2)) if row["method"] == "estimated" else "-",
                zorder=2,
            )
        for r in sorted(set(ex["resource"])):
            handles.append(Line2D([0], [0], color=resource_colour(r), lw=3, label=r.replace("_", " ")))
        if (ex["method"] == "estimated").any():
            handles.append(
                Line2D([0], [0], color="#555", lw=1.5, linestyle=(0, (4, 2)), label="estimated distance (no route)")
            )
    if len(sites):
        for opened, colour, label in ((True, "#1a9850", "site opened"), (False, "#d9d9d9", "candidate site")):
            part = sites[sites["opened"] == opened]
            if len(part):
                ax.scatter(part.geometry.x, part.geometry.y, marker="s", s=70, c=colour, edgecolors="#222", zorder=3)
                handles.append(
                    Line2D(
                        [0],
                        [0],
                        marker="s",
                        color="w",
                        markerfacecolor=colour,
                        markeredgecolor="#222",
                        markersize=8,
                        label=label,
                    )
                )
    if len(actors):
        for sector in sorted(set(actors["sector"])):
            part = actors[actors["sector"] == sector]
            ax.scatter(part.geometry.x, part.geometry.y, s=45, c=sector_colour(sector), edgecolors="#222", zorder=4)
            handles.append(
                Line2D(
                    [0],
                    [0],
                    marker="o",
                    color="w",
                    markerfacecolor=sector_colour(sector),
                    markeredgecolor="#222",
                    markersize=8,
                    label=f"actor: {sector or 'other'}",
                )
            )
        x0, y0, x1, y1 = actors.total_bounds
        radius = 0.03 * max(x1 - x0, y1 - y0, 1.0)
        for x, y, text in _label_groups(actors, radius):
            ax.annotate(
                text,
                (x, y),
                xytext=(6, 5),
                textcoords="offset points",
                fontsize=8,
                zorder=5,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.75},
            )
    ax.set_aspect("equal")
    ax.margins(0.08)
    ax.set_title(title)
    km = FuncFormatter(lambda v, _pos: f"{v / 1000:,.0f}")
    ax.xaxis.set_major_formatter(km)
    ax.yaxis.set_major_formatter(km)
    ax.set_xlabel("easting (km)")
    ax.set_ylabel("northing (km)")
    ax.grid(alpha=0.3)
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    with atomic_file(path, force=True) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return path


def _band(ax: Any, x0: float, x1: float, y0: tuple[float, float], y1: tuple[float, float], colour: str) -> None:
    """A smooth band from [y0] at x0 to [y1] at x1."""
    xm = (x0 + x1) / 2
    verts = [
        (x0, y0[0]),
        (xm, y0[0]),
        (xm, y1[0]),
        (x1, y1[0]),
        (x1, y1[1]),
        (xm, y1[1]),
        (xm, y0[1]),
        (x0, y0[1]),
        (x0, y0[0]),
    ]
    codes = [
        MplPath.MOVETO,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.LINETO,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CLOSEPOLY,
    ]
    ax.add_patch(PathPatch(MplPath(verts, codes), facecolor=colour, edgecolor="none", alpha=0.55))


def flows_chart(layers: dict[str, gpd.GeoDataFrame], path: Path) -> Path:
    """Sankey-style alluvial PNG: for each resource (left), the share of its quantity
    that goes to each receiver sector or site (exchanged) or stays with its current
    fate (disposal). Band heights are shares of each resource's own total, because
    units differ between resources (t, MWh, m3)."""
    ex, disp, actors = layers["exchanges"], layers["disposal"], layers["actors"]
    sector_of = dict(zip(actors["node"], actors["sector"]))
    flows: dict[str, dict[str, float]] = {}
    for _, r in ex.iterrows():
        dest = (
            f"to {sector_of.get(r['receiver'], 'facility site')}" if r["receiver"] in sector_of else "to facility site"
        )
        flows.setdefault(r["resource"], {}).setdefault(dest, 0.0)
        flows[r["resource"]][dest] += float(np.nan_to_num(r["quantity"]))
    for _, r in disp.iterrows():
        dest = f"left: {r['fate']}"
        flows.setdefault(r["resource"], {}).setdefault(dest, 0.0)
        flows[r["resource"]][dest] += float(np.nan_to_num(r["quantity"], nan=5.0))
    resources = sorted(flows)
    dests = sorted({d for f in flows.values() for d in f}, key=lambda d: (d.startswith("left"), d))
    fig, ax = plt.subplots(figsize=(9, max(3.5, 0.9 * max(len(resources), len(dests)) + 1.5)), dpi=110)
    if not resources:
        ax.text(0.5, 0.5, "no exchanges and no disposal", ha="center", va="center")
        ax.axis("off")
    else:
        gap = 0.15
        totals = {r: sum(flows[r].values()) or 1.0 for r in resources}
        dest_size = {d: sum(flows[r].get(d, 0.0) / totals[r] for r in resources) for d in dests}
        scale_right = (len(resources) + gap * (len(resources) - 1)) / (sum(dest_size.values()) + gap * (len(dests) - 1))
        left_y, y = {}, 0.0
        for r in resources:
            left_y[r] = y
            y += 1.0 + gap
        right_y, y = {}, 0.0
        for d in dests:
            right_y[d] = y
            y += dest_size[d] * scale_right + gap
        right_fill = dict(right_y)
        for r in resources:
            pos = left_y[r]
            for d in dests:
                share = flows[r].get(d, 0.0) / totals[r]
                if share <= 0:
                    continue
                h_right = share * scale_right
                _band(ax, 0.1, 0.9, (pos, pos + share), (right_fill[d], right_fill[d] + h_right), resource_colour(r))
                pos += share
                right_fill[d] += h_right
            ax.add_patch(plt.Rectangle((0.06, left_y[r]), 0.04, 1.0, color=resource_colour(r)))
            unit = _unit_for(layers, r)
            ax.text(
                0.05,
                left_y[r] + 0.5,
                f"{r.replace('_', ' ')}\n{format_quantity(sum(flows[r].values()))} {unit}/yr",
                ha="right",
                va="center",
                fontsize=9,
            )
        for d in dests:
            h = dest_size[d] * scale_right
            ax.add_patch(
                plt.Rectangle((0.9, right_y[d]), 0.04, h, color="#555555" if d.startswith("left") else "#1a9850")
            )
            ax.text(0.95, right_y[d] + h / 2, d, ha="left", va="center", fontsize=9)
        ax.set_xlim(-0.45, 1.35)
        ax.set_ylim(max(y, len(resources) * (1 + gap)), -gap)
        ax.axis("off")
    ax.set_title("Where each residual stream goes (share of each resource's quantity per year)")
    return _save(fig, path)


def _unit_for(layers: dict[str, gpd.GeoDataFrame], resource: str) -> str:
    for name in ("exchanges", "disposal"):
        units = layers[name].loc[layers[name]["resource"] == resource, "unit"]
        if len(units):
            return str(units.iloc[0])
    return ""


def cost_components(
    result: Result, scenario: Scenario | None, layers: dict[str, gpd.GeoDataFrame]
) -> dict[str, dict[str, float]]:
    """Costs per component (currency/yr) for the baseline and the result.

    Baseline: disposal of every supply and conventional purchase of every demand
    (:func:`symnet.kpi.baseline`). Result: exchanges (transport, handling, link fixed
    costs), site fixed costs, disposal left, purchases left, and "other" = the KPI
    total minus these (facility operation, input purchases, minus output sales).
    """
    base: dict[str, float] = {}
    if scenario is not None:
        from symnet.kpi import baseline

        b = baseline(scenario)
        base = {"disposal": b["disposal_cost"], "purchases": b["purchase_cost"]}
    elif result.kpis.get("baseline_cost") is not None:
        base = {"baseline": float(result.kpis["baseline_cost"])}
    ex, sites = layers["exchanges"], layers["sites"]
    after = {
        "exchanges": float(np.nansum(ex["cost"])) if len(ex) else 0.0,
        "sites": float(np.nansum(sites.loc[sites["opened"], "fixed_cost"])) if len(sites) else 0.0,
        "disposal": float(np.nansum(result.disposal["cost"])) if "cost" in result.disposal else 0.0,
        "purchases": float(np.nansum(result.purchases["cost"])) if "cost" in result.purchases else 0.0,
    }
    total = result.kpis.get("total_cost", result.objective)
    if total is not None and math.isfinite(float(total)):
        after["other"] = float(total) - sum(after.values())
    return {"baseline": base, "result": after}


_COMPONENT_COLOURS = {
    "disposal": "#7f7f7f",
    "purchases": "#9ecae1",
    "exchanges": "#fd8d3c",
    "sites": "#1a9850",
    "other": "#bcbddc",
    "baseline": "#7f7f7f",
}


def costs_chart(components: dict[str, dict[str, float]], path: Path, currency: str) -> Path:
    """Stacked bars of cost components before (baseline) and after (with symbiosis);
    negative components (e.g. sales revenue) stack below zero."""
    fig, ax = plt.subplots(figsize=(7, 5), dpi=110)
    names = list(dict.fromkeys([*components["baseline"], *components["result"]]))
    for i, key in enumerate(("baseline", "result")):
        up = down = 0.0
        for name in names:
            v = components[key].get(name, 0.0) / 1000.0
            if v == 0:
                continue
            bottom = up if v > 0 else down
            ax.bar(i, v, bottom=bottom, color=_COMPONENT_COLOURS.get(name, "#cccccc"), edgecolor="white", width=0.55)
            if v > 0:
                up += v
            else:
                down += v
        ax.plot([i - 0.3, i + 0.3], [up + down] * 2, color="black", lw=2)
    ax.axhline(0, color="#333", lw=0.8)
    ax.set_xticks([0, 1], ["baseline\n(no symbiosis)", "with symbiosis"])
    ax.set_ylabel(f"thousand {currency} per year")
    ax.set_title("Costs before and after (black line = net total)")
    ax.legend(handles=[Patch(color=_COMPONENT_COLOURS.get(n, "#cccccc"), label=n) for n in names], fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


# ---------------------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------------------
# short KPI names for the appendix's "used by" column
KPI_SHORT: dict[str, str] = {
    "total_cost": "total cost",
    "baseline_cost": "baseline cost",
    "savings": "savings",
    "landfill_diverted_t": "landfill diverted",
    "incineration_diverted_t": "incineration diverted",
    "co2e_avoided_t": "CO2e avoided",
    "co2e_total_t": "CO2e with symbiosis",
    "baseline_co2e_t": "CO2e baseline",
    "co2e_transport_t": "CO2e transport",
    "tonne_km": "tonne-km",
    "truck_km": "truck-km",
    "heat_recovered_mwh": "heat recovered",
    "opened_sites": "sites opened",
}


def _fmt_kpi(value: Any, public: bool) -> str:
    if isinstance(value, (list, tuple)):
        return f"{len(value)}" + (f" ({', '.join(map(str, value))})" if value else "")
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            return "n/a"
        v = round_public(float(value), None) if public else float(value)
        return format_quantity(v)
    return str(value)


def _guess_unit(key: str) -> str:
    """Unit of a KPI the report has no label for, from its name."""
    if key.endswith("_t"):
        return "t/yr"
    if key.endswith("_mwh"):
        return "MWh/yr"
    if "cost" in key or "saving" in key:
        return "{cur}/yr"
    return "count"


def _rests_cell(key: str, rests: dict[str, list[str]] | None) -> str:
    if rests is None or key not in rests:
        return ""
    n = len(rests[key])
    return f"† {n}" if n else "0"


def kpi_rows(
    kpis: dict[str, Any],
    currency: str,
    public: bool,
    rests: dict[str, list[str]] | None = None,
    site_names: dict[str, str] | None = None,
) -> list[list[str]]:
    """KPI table rows ``[label, value, unit, rests on]``: the known KPIs in report order
    (:data:`KPI_LABELS`), then other scalar KPIs with a label and unit made from their
    key; nested ones (per-actor gains, self-sufficiency) have their own tables.

    Parameters
    ----------
    rests : dict, optional
        KPI -> assumption keys it rests on (:func:`symnet.assumptions.kpi_assumptions`);
        the last column shows "† N" for N > 0 assumptions, "0" for none, "" when unknown.
    site_names : dict, optional
        Site option id -> readable name, for the "Sites opened" row.
    """
    kpis = dict(kpis)
    if isinstance(kpis.get("self_sufficiency"), dict) and kpis["self_sufficiency"]:
        shares = kpis["self_sufficiency"].values()
        kpis["demands_met_locally"] = f"{sum(1 for v in shares if v >= 0.999)} of {len(kpis['self_sufficiency'])}"
    if isinstance(kpis.get("opened_sites"), (list, tuple)) and site_names:
        kpis["opened_sites"] = [site_names.get(o, o) for o in kpis["opened_sites"]]
    keys = [k for k in KPI_LABELS if k in kpis] + sorted(
        k for k, v in kpis.items() if k not in KPI_LABELS and k != "assumption_kpis" and not isinstance(v, dict)
    )
    rows = []
    for key in keys:
        label, unit = KPI_LABELS.get(key, (key.replace("_", " ").capitalize(), _guess_unit(key)))
        rows.append([label, _fmt_kpi(kpis[key], public), unit.replace("{cur}", currency), _rests_cell(key, rests)])
    return rows


def _confidential_keys(scenario: Scenario) -> set[str]:
    ids = {a.id for a in scenario.actors if a.confidential}
    ids |= {s.id for s in scenario.supplies if s.confidential or s.actor in ids}
    ids |= {d.id for d in scenario.demands if d.confidential or d.actor in ids}
    return ids


def _key_entity(key: str) -> str:
    """The row id a ``table:id.column`` key is about ('' for other keys)."""
    if ":" not in key or key.startswith("catalogue:"):
        return ""
    return key.split(":", 1)[1].rsplit(".", 1)[0]


def kpi_rests(result: Result, scenario: Scenario | None) -> dict[str, list[str]] | None:
    """Per KPI, the assumptions it rests on for this solution (:mod:`symnet.assumptions`);
    without a scenario, what the result recorded (``kpis['assumption_kpis']``), if anything."""
    if scenario is not None and result.ok and len(result.links):
        return kpi_assumptions(result, scenario)
    recorded = result.kpis.get("assumption_kpis")
    return {k: list(v) for k, v in recorded.items()} if isinstance(recorded, dict) else None


def appendix_rows(
    result: Result, scenario: Scenario | None, public: bool, rests: dict[str, list[str]] | None = None
) -> tuple[list[list[str]], int, int]:
    """The assumptions appendix: ``[key, value, source, used by]`` for each assumption
    some KPI rests on, listed once, the most used first.

    Returns
    -------
    rows, hidden, unused
        ``hidden``: assumptions about confidential actors or streams left out in public
        mode; ``unused``: assumptions of the scenario that no KPI of this solution rests on.
    """
    rests = rests if rests is not None else kpi_rests(result, scenario)
    if not rests:
        return [], 0, 0
    users: dict[str, list[str]] = {}
    for kpi, keys in rests.items():
        for k in keys:
            users.setdefault(k, []).append(kpi)
    hidden_ids = _confidential_keys(scenario) if (public and scenario is not None) else set()
    rows, hidden = [], 0
    for key in sorted(users, key=lambda k: (-len(users[k]), k)):
        if _key_entity(key) in hidden_ids:
            hidden += 1
            continue
        labels = ", ".join(KPI_SHORT.get(k, k.replace("_", " ")) for k in users[key])
        value = assumption_value(scenario, key) if scenario is not None else ""
        source = source_text(scenario, key) if scenario is not None else ""
        rows.append([key, value, source, f"{len(users[key])}: {labels}"])
    unused = len(set(scenario.assumptions()) - set(users)) if scenario is not None else 0
    return rows, hidden, unused


def assumption_rows(scenario: Scenario | None, public: bool) -> tuple[list[list[str]], int]:
    """``[key, source]`` for every assumed number of the scenario (used or not); in public
    mode the ones about confidential actors/streams are left out (their count is returned)."""
    if scenario is None:
        return [], 0
    hidden_ids = _confidential_keys(scenario) if public else set()
    rows, hidden = [], 0
    for key, text in sorted(scenario.assumptions().items()):
        if _key_entity(key) in hidden_ids:
            hidden += 1
            continue
        rows.append([key, text])
    return rows, hidden


def _node_names(result: Result, scenario: Scenario | None) -> dict[str, str]:
    """Node id (actor or site option) -> readable name."""
    names = {str(n): str(nm) for n, nm in zip(result.nodes.get("node", []), result.nodes.get("name", []))}
    if len(result.sites):
        for r in result.sites.itertuples():
            names[str(r.option)] = f"{r.name} ({str(r.facility).replace('_', ' ')})"
    if scenario is not None:
        for a in scenario.actors:
            names.setdefault(a.id, a.name)
    return names


def _public_name(scenario: Scenario | None, actor: str, names: dict[str, str]) -> tuple[str, bool]:
    """(name to show, hidden) for an actor in public mode: confidential actors become
    '<municipality> (aggregated)', as in the public map layers."""
    if scenario is None:
        return names.get(actor, actor), False
    index = {a.id: a for a in scenario.actors}
    a = index.get(actor)
    if a is not None and a.confidential:
        return f"{a.municipality or 'unknown municipality'} (aggregated)", True
    return names.get(actor, actor), False


def self_sufficiency_rows(
    result: Result, scenario: Scenario | None, public: bool, limit: int = 10
) -> tuple[list[list[str]], int]:
    """``[demand, need /yr, met locally /yr, share]`` for the demands met at least in part
    by symbiosis (largest share first, at most ``limit``), and the number of other demands.
    In public mode confidential demands are left out and the quantities met are rounded
    to 2 significant figures (they may come from a confidential supplier)."""
    shares = result.kpis.get("self_sufficiency") or {}
    if not isinstance(shares, dict):
        return [], 0
    demands = {d.id: d for d in scenario.demands} if scenario is not None else {}
    names = _node_names(result, scenario)
    hidden = _confidential_keys(scenario) if (public and scenario is not None) else set()
    met = [(did, float(v)) for did, v in shares.items() if float(v) > 1e-9 and did not in hidden]
    met.sort(key=lambda t: (-t[1], -(demands[t[0]].quantity if t[0] in demands else 0.0), t[0]))
    rows = []
    for did, share in met[:limit]:
        d = demands.get(did)
        if d is None:
            rows.append([did, "", "", _share(share)])
            continue
        label = f"{names.get(d.actor, d.actor)}: {d.resource.replace('_', ' ')}"
        met_q = d.quantity * share
        if public:  # a demand served by a confidential supplier would reveal that supplier's flow
            met_q = round_public(met_q, None) or 0.0
        rows.append(
            [label, f"{format_quantity(d.quantity)} {d.unit}", f"{format_quantity(met_q)} {d.unit}", _share(share)]
        )
    return rows, len(shares) - len(rows)


def _share(share: float) -> str:
    """'100%', '35%', '<1%'."""
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"


def actor_gain_rows(
    result: Result, scenario: Scenario | None, currency: str, public: bool, limit: int = 10
) -> tuple[list[list[str]], list[str]]:
    """``[actor, baseline cost, cost with symbiosis, gain]`` (currency/yr) for the
    ``limit`` actors and sites that gain most, and "name (gain)" for each actor or site
    that pays more than today (largest loss first).
    In public mode confidential actors are aggregated per municipality and rounded."""
    per = result.kpis.get("per_actor") or {}
    if not isinstance(per, dict):
        return [], 0
    names = _node_names(result, scenario)
    merged: dict[str, dict[str, float]] = {}
    rounded: set[str] = set()
    for actor, v in per.items():
        name, hide = _public_name(scenario, actor, names) if public else (names.get(actor, actor), False)
        entry = merged.setdefault(name, {"baseline_cost": 0.0, "cost": 0.0, "gain": 0.0})
        for k in entry:
            entry[k] += float(v.get(k, 0.0))
        if hide:
            rounded.add(name)
    ordered = sorted(((n, v) for n, v in merged.items() if abs(v["gain"]) > 1e-6), key=lambda t: -t[1]["gain"])

    def money(name: str, value: float) -> str:
        return format_quantity(round_public(value, None) if (public and name in rounded) else value)

    rows = [
        [name, money(name, v["baseline_cost"]), money(name, v["cost"]), money(name, v["gain"])]
        for name, v in ordered[:limit]
    ]
    losers = [f"{name} ({money(name, v['gain'])})" for name, v in reversed(ordered) if v["gain"] < 0]
    return rows, losers


def _exchange_rows(layers: dict[str, gpd.GeoDataFrame], currency: str) -> list[list[str]]:
    ex = layers["exchanges"]
    return [
        [
            r["supplier_name"],
            r["receiver_name"],
            r["resource"].replace("_", " "),
            f"{r['quantity_text']} {r['unit']}",
            format_quantity(r["cost"]) if not math.isnan(r["cost"]) else "",
            f"{r['distance_m'] / 1000:.1f}" if not math.isnan(r["distance_m"]) else "",
            r["mode"],
            r["method"],
            "yes" if r["assumption"] else "",
        ]
        for _, r in ex.sort_values(["resource", "supplier_name"]).iterrows()
    ]


def _disposal_rows(layers: dict[str, gpd.GeoDataFrame]) -> list[list[str]]:
    d = layers["disposal"]
    return [
        [
            r["actor_name"],
            r["resource"].replace("_", " "),
            f"{r['quantity_text']} {r['unit']}",
            f"{r['fate']} {r['operation']}".strip(),
            format_quantity(r["cost"]) if not math.isnan(r["cost"]) else "",
        ]
        for _, r in d.sort_values(["resource", "actor_name"]).iterrows()
    ]


def _site_rows(layers: dict[str, gpd.GeoDataFrame]) -> list[list[str]]:
    s = layers["sites"]
    return [
        [
            r["name"],
            r["facility"],
            "opened" if r["opened"] else "not opened",
            format_quantity(r["throughput"]) if r["opened"] else "",
            format_quantity(r["fixed_cost"]),
        ]
        for _, r in s.sort_values(["opened", "name"], ascending=[False, True]).iterrows()
    ]


# ---------------------------------------------------------------------------------------
# the plain-language summary
# ---------------------------------------------------------------------------------------
def _approx(value: float) -> str:
    """A figure for prose: 3 significant figures, thin-space thousands."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    v = float(value)
    if v == 0:
        return "0"
    digits = 2 - int(math.floor(math.log10(abs(v))))
    return format_quantity(float(round(v, digits)))


def _listing(items: list[str], most: int = 3) -> str:
    """'a', 'a and b', 'a, b and c', 'a, b, c and 2 more'."""
    if len(items) > most:
        items = [*items[:most], f"{len(items) - most} more"]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _resource_label(scenario: Scenario | None, resource: str) -> str:
    """The catalogue's name of a resource in lower case ('fruit and berries'), else its id."""
    res = scenario.catalogue.resources.get(resource) if scenario is not None else None
    return res.name.lower() if res is not None and res.name else resource.replace("_", " ")


def _site_sentence(row: Any, ex: gpd.GeoDataFrame, scenario: Scenario | None) -> str:
    """'The optimum opens a greenhouse at X, which takes N MWh/yr of heat from Y and
    supplies vegetables (N t/yr: A 250 t, B 18 t ...)'."""
    option = row["option"]
    text = f"The optimum opens a {str(row['facility']).replace('_', ' ')} at {row['name']}"
    takes = []
    for (res, unit), part in ex[ex["receiver"] == option].groupby(["resource", "unit"], sort=True):
        senders = _listing(sorted(set(part["supplier_name"])))
        takes.append(
            f"{_approx(float(np.nansum(part['quantity'])))} {unit}/yr of {_resource_label(scenario, str(res))} "
            f"from {senders}"
        )
    if takes:
        text += ", which takes " + _listing(takes, most=4) + ","
    gives = []
    outflow = ex[ex["supplier"] == option]
    for (res, unit), part in outflow.groupby(["resource", "unit"], sort=True):
        part = part.sort_values("quantity", ascending=False)
        each = [f"{name} {q_text} {unit}" for name, q_text in zip(part["receiver_name"], part["quantity_text"])]
        total = f"{_approx(float(np.nansum(part['quantity'])))} {unit}/yr"
        label = _resource_label(scenario, str(res))
        gives.append(
            f"{label} ({total}) to {part['receiver_name'].iloc[0]}"
            if len(part) == 1
            else f"{label} ({total}: {_listing(each, most=5)})"
        )
    if gives:
        text += " and supplies " + " and ".join(gives)
    return text.rstrip(",") + "."


def summary_paragraph(
    result: Result,
    scenario: Scenario | None,
    layers: dict[str, gpd.GeoDataFrame],
    public: bool = False,
    rests: dict[str, list[str]] | None = None,
) -> str:
    """A few plain sentences on what the optimum does, generated from the result tables:
    the sites it opens and what flows through them, the number of exchanges, savings,
    tonnes diverted, CO2e, heat, the demands met locally, how distances were obtained and
    how many assumed numbers the figures rest on."""
    if not result.ok:
        return f"No usable solution: the solver reports '{result.status}'" + (
            f" ({result.message})." if result.message and result.message != result.status else "."
        )
    k, cur = result.kpis, result.currency

    def fig(key: str) -> float:
        v = k.get(key)
        v = float(v) if isinstance(v, (int, float, np.floating)) and not isinstance(v, bool) else float("nan")
        return (round_public(v, None) or 0.0) if public and math.isfinite(v) else v

    ex, sites = layers["exchanges"], layers["sites"]
    parts = (
        [_site_sentence(row, ex, scenario) for _, row in sites[sites["opened"].astype(bool)].iterrows()]
        if len(sites)
        else []
    )
    if not parts:
        parts.append("The optimum opens none of the candidate sites." if len(sites) else "")
    modes = ex["mode"].value_counts().to_dict() if len(ex) else {}
    mode_text = ", ".join(f"{n} by {m}" for m, n in sorted(modes.items()))
    parts.append(f"There are {len(ex)} exchanges in all" + (f" ({mode_text})" if mode_text else "") + ".")
    savings, base = fig("savings"), fig("baseline_cost")
    if math.isfinite(savings):
        share = (
            f" ({savings / base:.0%} of the baseline cost of {_approx(base)} {cur}/yr)"
            if math.isfinite(base) and base > 0
            else ""
        )
        parts.append(f"Savings are {_approx(savings)} {cur}/yr against today{share}.")
    diverted = [
        f"{_approx(fig(key))} t/yr from {what}"
        for key, what in (
            ("landfill_diverted_t", "landfill"),
            ("incineration_diverted_t", "incineration or energy recovery"),
        )
        if math.isfinite(fig(key)) and fig(key) > 0
    ]
    climate = f"{_approx(fig('co2e_avoided_t'))} t CO2e/yr are avoided" if math.isfinite(fig("co2e_avoided_t")) else ""
    if diverted:
        parts.append(
            f"{_listing(diverted)[0].upper()}{_listing(diverted)[1:]} are diverted"
            + (f"; {climate}." if climate else ".")
        )
    elif climate:
        parts.append(f"Nothing is diverted from landfill or incineration; {climate}.")
    if math.isfinite(fig("heat_recovered_mwh")) and fig("heat_recovered_mwh") > 0:
        parts.append(f"{_approx(fig('heat_recovered_mwh'))} MWh/yr of surplus heat is put to use.")
    met, _ = self_sufficiency_rows(result, scenario, public, limit=1000)
    full = [r[0] for r in met if r[3] == "100%"]
    if full:
        parts.append(
            f"{len(full)} demand{'s are' if len(full) > 1 else ' is'} met in full by local supply "
            f"(e.g. {_listing(full, most=2)})."
        )
    parts.append(_distance_sentence(ex, scenario))
    if rests:
        used = {key for keys in rests.values() for key in keys}
        parts.append(
            f"These figures rest on {len(used)} assumed numbers (see the appendix); the savings alone rest on "
            f"{len(rests.get('savings', []))}."
        )
    return " ".join(p for p in parts if p)


def _distance_sentence(ex: gpd.GeoDataFrame, scenario: Scenario | None) -> str:
    road = ex[ex["mode"] != "pipe"] if len(ex) else ex
    if not len(road):
        return ""
    circuity = scenario.config.network.circuity if scenario is not None else None
    how = f"great-circle x {circuity:g}" if circuity is not None else "great-circle x circuity"
    estimated = int((road["method"] == "estimated").sum())
    if estimated == 0:
        return "All road distances are routed on the road network."
    no_extract = scenario is not None and scenario.config.network.osm is None and estimated == len(road)
    why = "because no road extract was given" if no_extract else "where no road route was found"
    if estimated == len(road):
        return f"Road distances are estimated ({how}) {why}."
    return f"{estimated} of {len(road)} road distances are estimated ({how}) {why}; the others are routed."


# ---------------------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------------------
def _md_table(header: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "_none_\n"

    def cell(v: str) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _html_table(header: list[str], rows: list[list[str]], css: str = "") -> str:
    if not rows:
        return "<p><em>none</em></p>"
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in r) + "</tr>" for r in rows)
    cls = f' class="{css}"' if css else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_REPORT_CSS = """body{font:15px/1.5 "DejaVu Sans",Arial,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;color:#222}
table{border-collapse:collapse;margin:8px 0 18px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}td:nth-child(n+2){font-variant-numeric:tabular-nums}img{max-width:100%;border:1px solid #ddd;margin:6px 0}
table.num td:nth-child(n+2){text-align:right;white-space:nowrap}table.kpi td:nth-child(2),table.kpi td:nth-child(4){text-align:right}
table.kpi td:nth-child(3){white-space:nowrap}table.appendix{font-size:13px}table.appendix td:first-child{font-family:monospace;white-space:nowrap}
.summary{background:#f4f8f4;border-left:4px solid #1a9850;padding:10px 14px}
.note{color:#555;font-size:13px}h1{font-size:24px}h2{font-size:19px;margin-top:28px;border-bottom:1px solid #ddd}"""


def _status_line(result: Result) -> str:
    """'Solver status: optimal (highs)', the gap and the solver's message when it adds something."""
    status = f"Solver status: {result.status} ({result.solver})" + (f", MIP gap {result.gap:.2%}" if result.gap else "")
    message = (result.message or "").strip()
    if message and message.lower().rstrip(".") not in (result.status.lower(), status.lower()):
        status += f". {message}"
    return status


def write_report(
    result: Result,
    scenario: Scenario | None,
    out_dir: str | Path,
    public: bool = False,
    layers: dict[str, gpd.GeoDataFrame] | None = None,
    force: bool = False,
) -> list[Path]:
    """Write ``report.html``, ``report.md`` and the PNG charts (``network.png``,
    ``flows.png``, ``costs.png``) into ``out_dir``.

    Both documents hold the same sections in the same order: a plain-language summary,
    the KPI table (each KPI with the number of assumptions it rests on), demands met
    locally, per-actor gains (top 10), charts, exchanges, disposal left, sites, and one
    appendix of the assumptions the KPIs rest on.

    Parameters
    ----------
    public : bool
        Aggregate confidential actors and streams and round KPIs (module docstring).
    layers : dict, optional
        Layers already built by :func:`symnet.export.result_layers` (same ``public``).
    force : bool
        Replace existing report files.

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    existing = [n for n in ("report.html", "report.md", *CHARTS) if (out_dir / n).exists()]
    if existing and not force:
        raise InputError([Problem(str(out_dir / existing[0]), None, None, "output exists; use --force to replace it")])
    out_dir.mkdir(parents=True, exist_ok=True)
    layers = layers if layers is not None else result_layers(result, scenario, public)
    cur = result.currency
    title = f"{result.scenario}: symbiosis network report"
    charts = [
        network_chart(layers, out_dir / CHARTS[0], f"{result.scenario}: exchange network"),
        flows_chart(layers, out_dir / CHARTS[1]),
        costs_chart(cost_components(result, scenario, layers), out_dir / CHARTS[2], cur),
    ]
    rests = kpi_rests(result, scenario)
    site_names = (
        {str(r.option): f"{r.name} ({str(r.facility).replace('_', ' ')})" for r in result.sites.itertuples()}
        if len(result.sites)
        else {}
    )
    kpis = kpi_rows(result.kpis, cur, public, rests, site_names)
    appendix, hidden, unused = appendix_rows(result, scenario, public, rests)
    local, other_demands = self_sufficiency_rows(result, scenario, public)
    gains, losers = actor_gain_rows(result, scenario, cur, public)
    summary = summary_paragraph(result, scenario, layers, public, rests)
    notes = []
    if public:
        notes.append(
            "Public version: confidential actors are aggregated per municipality and figures involving them are "
            "rounded to 2 significant figures (below 10 shown as <10); KPIs are rounded to 2 significant figures."
        )

    appendix_note = (
        "Each assumed number that a KPI of this solution rests on, listed once, the most used first. "
        "Keys name the scenario file and field (catalogue: = a default of the shipped resource catalogue)."
    )
    if hidden:
        appendix_note += f" {hidden} assumption(s) about confidential actors or streams are not listed."
    if unused:
        appendix_note += (
            f" {unused} further assumed number(s) of the scenario enter no KPI of this solution "
            "(e.g. costs of sites left closed); they are in the scenario's source columns."
        )
    sections: list[tuple[str, list[str], list[list[str]], str, str]] = [
        (
            "Key figures against the baseline",
            ["Indicator", "Value", "Unit", "Rests on N assumptions"],
            kpis,
            "† N: the KPI rests on N assumed numbers for this solution (listed in the appendix); 0: on none.",
            "kpi",
        ),
        (
            "Demands met locally",
            ["Demand", "Need /yr", "Met locally /yr", "Share met locally"],
            local,
            f"{other_demands} other demand(s) are still bought conventionally in full." if other_demands else "",
            "num",
        ),
        (
            "Who gains (top 10)",
            ["Actor or site", f"Baseline cost {cur}/yr", f"Cost with symbiosis {cur}/yr", f"Gain {cur}/yr"],
            gains,
            "Gain = baseline cost - cost with symbiosis; a supplier gains the disposal it avoids, a receiver the purchases it "
            "avoids and pays for what it receives; a site bears its fixed and operating costs and earns its sales."
            + (f" Pay more than today ({cur}/yr): {'; '.join(losers)}." if losers else ""),
            "num",
        ),
        (
            "Exchanges",
            [
                "From",
                "To",
                "Resource",
                "Quantity /yr",
                f"Cost {cur}/yr",
                "Distance km",
                "Mode",
                "Distance method",
                "Rests on assumption",
            ],
            _exchange_rows(layers, cur),
            "One row per active link, quantities per year.",
            "",
        ),
        (
            "Disposal left",
            ["Actor", "Resource", "Quantity /yr", "Fate (operation)", f"Cost {cur}/yr"],
            _disposal_rows(layers),
            "What still goes to its current fate.",
            "",
        ),
        ("Sites", ["Site", "Facility", "Status", "Throughput /yr", f"Fixed cost {cur}/yr"], _site_rows(layers), "", ""),
        (
            "Appendix: assumptions the results rest on",
            ["Key", "Value", "Source", "Used by (KPIs)"],
            appendix,
            appendix_note,
            "appendix",
        ),
    ]
    captions = [
        "The exchange network (line width follows the quantity within each resource; dashed = estimated distance).",
        "Where each residual stream goes.",
        "Costs before and after, by component.",
    ]
    status = _status_line(result)

    md = [f"# {title}", "", status + "  ", *[n + "  " for n in notes], "", "## Summary", "", summary, ""]
    htm = [
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
        f"<style>{_REPORT_CSS}</style></head><body><h1>{_esc(title)}</h1><p>{_esc(status)}</p>",
        *[f'<p class="note">{_esc(n)}</p>' for n in notes],
        f'<h2>Summary</h2><p class="summary">{_esc(summary)}</p>',
    ]
    for i, (heading, head, rows, note, css) in enumerate(sections):
        md += [f"## {heading}", "", _md_table(head, rows)]
        htm += [f"<h2>{_esc(heading)}</h2>", _html_table(head, rows, css)]
        if note:
            md += [f"_{note}_", ""]
            htm.append(f'<p class="note">{_esc(note)}</p>')
        if i == 2:
            md += ["## Charts", ""]
            htm.append("<h2>Charts</h2>")
            for png, caption in zip(charts, captions):
                data = base64.b64encode(png.read_bytes()).decode("ascii")
                md += [f"![{caption}]({png.name})", "", f"_{caption}_", ""]
                htm.append(
                    f'<figure><img alt="{_esc(caption)}" src="data:image/png;base64,{data}"><figcaption class="note">'
                    f"{_esc(caption)}</figcaption></figure>"
                )
    htm.append("</body></html>\n")
    written = [
        write_text_atomic(out_dir / "report.md", "\n".join(md) + "\n", force=True),
        write_text_atomic(out_dir / "report.html", "".join(htm), force=True),
    ]
    return written + charts
