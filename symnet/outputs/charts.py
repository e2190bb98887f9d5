"""The report's PNG charts (matplotlib, Agg backend): the network on a map, where each
resource goes (alluvial), and costs before/after by component."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.patheffects import withStroke
from matplotlib.ticker import FuncFormatter

from symnet.outputs._format import format_quantity
from symnet.outputs._style import resource_colour, sector_colour
from symnet.outputs.atomic import atomic_file
from symnet.outputs.context import ROAD_STYLES, ContextRoad, MapContext, Place, context_places
from symnet.result import Result
from symnet.scenario import Scenario

matplotlib.rcParams["text.parse_math"] = False  # names such as $\bad$ are text, not mathtext (issue #11)

CHARTS = ("network.png", "flows.png", "costs.png", "savings.png")


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


def _draw_roads(ax: Any, roads: list[ContextRoad], crs: Any, handles: list[Any]) -> None:
    """Major roads (WGS84 lines) as one line collection per class, projected to ``crs``."""
    from shapely.geometry import LineString

    for kind, colour, width in ROAD_STYLES:
        lines = [LineString(r.coords) for r in roads if r.kind == kind and len(r.coords) >= 2]
        if not lines:
            continue
        projected = gpd.GeoSeries(lines, crs="EPSG:4326").to_crs(crs)
        segs = [np.asarray(g.coords) for g in projected]
        ax.add_collection(LineCollection(segs, colors=colour, linewidths=width * 0.6, zorder=1))
        handles.append(Line2D([0], [0], color=colour, lw=2, label=f"{kind} road"))


def _label_places(ax: Any, places: list[Place], crs: Any, named: set[str]) -> None:
    """Town names (bold) and municipality names (small capitals) below their points; a
    municipality is left out when ``named`` (an actor group label) or a town near it names it."""
    if not places:
        return
    lon, lat = [p.lon for p in places], [p.lat for p in places]
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(crs)
    towns = [(pt.x, pt.y) for place, pt in zip(places, pts) if place.kind != "municipality"]
    x0, x1 = ax.get_xlim()
    near = 0.04 * (x1 - x0)
    for place, pt in zip(places, pts):
        town = place.kind != "municipality"
        if not town and (place.name in named or any(math.hypot(pt.x - tx, pt.y - ty) < near for tx, ty in towns)):
            continue
        # below the point: actor labels sit above-right of their markers
        ax.annotate(
            place.name if town else place.name.upper(),
            (pt.x, pt.y),
            xytext=(0, -15),
            textcoords="offset points",
            ha="center",
            fontsize=8.5 if town else 7.5,
            fontweight="bold" if town else "normal",
            color="#333" if town else "#6a6a8a",
            path_effects=[withStroke(linewidth=2.5, foreground="white")],
            zorder=1.5,
            annotation_clip=True,
        )


def _draw_context(
    ax: Any, context: MapContext | None, actors: gpd.GeoDataFrame, handles: list[Any], named: set[str]
) -> None:
    """The map's context layer under the network, in the actors' projected CRS: major
    roads (when routed) and town / municipality labels (except municipalities in ``named``,
    already named by an actor group label), inside the current axes limits."""
    if not len(actors) or actors.crs is None:
        return
    ctx = context or MapContext()
    _draw_roads(ax, ctx.roads, actors.crs, handles)
    _label_places(ax, context_places(ctx, actors.to_crs("EPSG:4326")), actors.crs, named)


def network_chart(
    layers: dict[str, gpd.GeoDataFrame], path: Path, title: str, context: MapContext | None = None
) -> Path:
    """PNG of the network: exchange lines (colour by resource, width by quantity within
    each resource), actors by sector, sites (green = opened), in the projected CRS with
    axes in km, on the map's context layer (``context``: major roads when routed, towns;
    municipality labels at the centroid of their actors). Actors closer together than 3 %
    of the map share one label; the legend sits beside the map so it never hides it."""
    fig, ax = _figure((11, 7.5))
    ex, actors, sites = layers["exchanges"], layers["actors"], layers["sites"]
    handles: list[Any] = []
    named: set[str] = set()
    if len(ex):
        widths = _widths(ex["quantity"].to_numpy(), ex["resource"].to_numpy(), 0.8, 4.5)
        estimated = (ex["method"] == "estimated").to_numpy()
        lines = LineCollection(
            [np.column_stack(g.xy) for g in ex.geometry],
            colors=[resource_colour(r) for r in ex["resource"]],
            linewidths=widths,
            linestyles=[(0, (4, 2)) if e else "solid" for e in estimated],
            alpha=0.85,
            capstyle="round",
            zorder=2,
        )
        ax.add_collection(lines, autolim=True)
        for r in sorted(set(ex["resource"])):
            handles.append(Line2D([0], [0], color=resource_colour(r), lw=3, label=r.replace("_", " ")))
        if estimated.any():
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
        groups = _label_groups(actors, radius)
        named = {text.rsplit(": ", 1)[0] for _, _, text in groups if text.endswith(" actors")}
        for x, y, text in groups:
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
    ax.autoscale_view()
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    _draw_context(ax, context, actors, handles, named)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
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


def _figure(figsize: tuple[float, float]) -> tuple[Figure, Any]:
    """A figure of ``figsize`` inches at 110 dpi and its one axes (no pyplot state)."""
    fig = Figure(figsize=figsize, dpi=110)
    return fig, fig.subplots()


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    with atomic_file(path, force=True) as tmp:
        fig.savefig(tmp, format="png")
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
    fig, ax = _figure((9, max(3.5, 0.9 * max(len(resources), len(dests)) + 1.5)))
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
            ax.add_patch(Rectangle((0.06, left_y[r]), 0.04, 1.0, color=resource_colour(r)))
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
            ax.add_patch(Rectangle((0.9, right_y[d]), 0.04, h, color="#555555" if d.startswith("left") else "#1a9850"))
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

        b = baseline(scenario, links=result.links)
        base = {"disposal": b["disposal_cost"], "purchases": b["purchase_cost"]}
        if b["exchange_cost"]:  # existing exchanges run today
            base["exchanges"] = b["exchange_cost"]
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
    fig, ax = _figure((7, 5))
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


#: Colours of the savings chart: participant pays less than today / pays more.
GAIN_COLOUR, LOSS_COLOUR = "#1a9850", "#d73027"


def savings_bars(gains: list[tuple[str, float]], limit: int = 30) -> list[tuple[str, float]]:
    """The bars of :func:`savings_chart`: participants with a non-zero gain (currency/yr),
    the ``limit`` largest by absolute value, largest gain first (losers last)."""
    kept = sorted((g for g in gains if abs(g[1]) > 1e-6), key=lambda g: -abs(g[1]))[:limit]
    return sorted(kept, key=lambda g: -g[1])


def savings_chart(gains: list[tuple[str, float]], path: Path, currency: str, limit: int = 30) -> Path:
    """Horizontal bars of what each participant (actor or site) gains per year against
    the baseline (``gains``: (name, gain in currency/yr)): winners in green to the right,
    those who pay more than today in red to the left, each bar labelled with its value."""
    bars = savings_bars(gains, limit)
    n = max(len(bars), 1)
    fig, ax = _figure((9, 1.2 + 0.32 * n))
    if not bars:
        ax.text(0.5, 0.5, "No participant's costs change", ha="center", va="center", transform=ax.transAxes)
        ax.axis("off")
        return _save(fig, path)
    values = np.array([g for _, g in bars]) / 1000.0
    ys = np.arange(len(bars))
    ax.barh(ys, values, height=0.7, color=[GAIN_COLOUR if v > 0 else LOSS_COLOUR for v in values])
    ax.set_yticks(ys, [name for name, _ in bars], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="#333", lw=0.8)
    span = float(np.abs(values).max())
    for y, v in zip(ys, values):
        ax.text(
            v + (0.01 * span if v >= 0 else -0.01 * span),
            float(y),
            format_quantity(v * 1000.0),
            va="center",
            ha="left" if v >= 0 else "right",
            fontsize=7.5,
        )
    lo, hi = min(values.min(), 0.0), max(values.max(), 0.0)
    ax.set_xlim(lo - 0.35 * span if lo < 0 else 0, hi + 0.25 * span if hi > 0 else 0)
    ax.set_xlabel(f"gain against the baseline, thousand {currency} per year (labels: {currency}/yr)")
    shown = len([g for g in gains if abs(g[1]) > 1e-6])
    more = f", the {len(bars)} largest of {shown}" if shown > len(bars) else ""
    ax.set_title(f"Savings by participant (green: pays less than today, red: pays more{more})", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)
