"""The report of a result: ``report.html`` (self-contained: charts embedded as base64
PNG data URIs) and ``report.md`` with the PNG files beside it.

Contents: status; KPIs against the baseline, each marked † when it rests on assumed
numbers; three charts (the network on a map, where each resource goes as a
Sankey-style alluvial diagram, costs before/after by component); the exchange table;
disposal left; sites; and the assumptions the results rest on. A planner should
understand the result without opening a GIS.

With ``public=True`` the tables come from the public layers (confidential actors
aggregated per municipality, their figures rounded: see :mod:`symnet.export`), KPI
values are rounded to 2 significant figures, and assumptions recorded for confidential
streams or actors are counted but not listed.
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
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, PathPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from symnet.errors import InputError, Problem  # noqa: E402
from symnet.export import (  # noqa: E402
    atomic_file,
    format_quantity,
    resource_colour,
    result_layers,
    round_public,
    sector_colour,
    write_text_atomic,
)
from symnet.result import Result  # noqa: E402
from symnet.scenario import Scenario  # noqa: E402

CHARTS = ("network.png", "flows.png", "costs.png")

# KPI key -> (label, unit; "{cur}" is replaced by the currency)
KPI_LABELS: dict[str, tuple[str, str]] = {
    "total_cost": ("Total cost with symbiosis", "{cur}/yr"),
    "baseline_cost": ("Baseline cost (everything to its current fate, inputs bought)", "{cur}/yr"),
    "savings": ("Savings against the baseline", "{cur}/yr"),
    "landfill_diverted_t": ("Diverted from landfill", "t/yr"),
    "incineration_diverted_t": ("Diverted from incineration / energy recovery", "t/yr"),
    "co2e_avoided_t": ("CO2e avoided", "t/yr"),
    "tonne_km": ("Road transport", "tonne-km/yr"),
    "truck_km": ("Truck kilometres", "km/yr"),
    "heat_recovered_mwh": ("Heat recovered", "MWh/yr"),
    "active_links": ("Active exchanges", "links"),
    "opened_sites": ("Sites opened", ""),
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


def network_chart(layers: dict[str, gpd.GeoDataFrame], path: Path, title: str) -> Path:
    """PNG of the network: exchange lines (colour by resource, width by quantity within
    each resource), actors by sector, sites (green = opened), in the projected CRS."""
    fig, ax = plt.subplots(figsize=(9, 7.5), dpi=110)
    ex, actors, sites = layers["exchanges"], layers["actors"], layers["sites"]
    handles: list[Any] = []
    if len(ex):
        widths = _widths(ex["quantity"].to_numpy(), ex["resource"].to_numpy(), 1.2, 7.0)
        for (_, row), w in zip(ex.iterrows(), widths):
            x, y = row.geometry.xy
            ax.plot(x, y, color=resource_colour(row["resource"]), linewidth=w, alpha=0.85, solid_capstyle="round",
                    linestyle="--" if row["method"] == "estimated" else "-", zorder=2)
        for r in sorted(set(ex["resource"])):
            handles.append(Line2D([0], [0], color=resource_colour(r), lw=3, label=r.replace("_", " ")))
    if len(sites):
        for opened, colour, label in ((True, "#1a9850", "site opened"), (False, "#d9d9d9", "candidate site")):
            part = sites[sites["opened"] == opened]
            if len(part):
                ax.scatter(part.geometry.x, part.geometry.y, marker="s", s=70, c=colour, edgecolors="#222", zorder=3)
                handles.append(Line2D([0], [0], marker="s", color="w", markerfacecolor=colour, markeredgecolor="#222",
                                      markersize=8, label=label))
    if len(actors):
        for sector in sorted(set(actors["sector"])):
            part = actors[actors["sector"] == sector]
            ax.scatter(part.geometry.x, part.geometry.y, s=55, c=sector_colour(sector), edgecolors="#222", zorder=4)
            handles.append(Line2D([0], [0], marker="o", color="w", markerfacecolor=sector_colour(sector),
                                  markeredgecolor="#222", markersize=8, label=f"actor: {sector or 'other'}"))
        for _, row in actors.iterrows():
            ax.annotate(str(row["name"]), (row.geometry.x, row.geometry.y), xytext=(5, 4), textcoords="offset points",
                        fontsize=8, zorder=5)
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.set_xlabel("easting (m)")
    ax.set_ylabel("northing (m)")
    ax.ticklabel_format(style="plain")
    ax.grid(alpha=0.3)
    if handles:
        ax.legend(handles=handles, loc="best", fontsize=8, framealpha=0.9)
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
    verts = [(x0, y0[0]), (xm, y0[0]), (xm, y1[0]), (x1, y1[0]), (x1, y1[1]), (xm, y1[1]), (xm, y0[1]), (x0, y0[1]), (x0, y0[0])]
    codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.LINETO,
             MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
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
        dest = f"to {sector_of.get(r['receiver'], 'facility site')}" if r["receiver"] in sector_of else "to facility site"
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
            ax.text(0.05, left_y[r] + 0.5, f"{r.replace('_', ' ')}\n{format_quantity(sum(flows[r].values()))} {unit}/yr",
                    ha="right", va="center", fontsize=9)
        for d in dests:
            h = dest_size[d] * scale_right
            ax.add_patch(plt.Rectangle((0.9, right_y[d]), 0.04, h, color="#555555" if d.startswith("left") else "#1a9850"))
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


def cost_components(result: Result, scenario: Scenario | None, layers: dict[str, gpd.GeoDataFrame]) -> dict[str, dict[str, float]]:
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


_COMPONENT_COLOURS = {"disposal": "#7f7f7f", "purchases": "#9ecae1", "exchanges": "#fd8d3c", "sites": "#1a9850",
                      "other": "#bcbddc", "baseline": "#7f7f7f"}


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


def kpi_rows(kpis: dict[str, Any], currency: str, public: bool) -> tuple[list[list[str]], dict[str, list[str]]]:
    """KPI table rows ``[label, value, unit, †]`` (known KPIs first, then other scalar
    KPIs; nested ones such as per-actor gains are left out) and, per KPI marked †, the
    assumed numbers it rests on."""
    rests = kpis.get("assumption_kpis") or {}
    if isinstance(rests, (list, tuple, set)):
        rests = {k: [] for k in rests}
    rows, used = [], {}
    keys = [k for k in KPI_LABELS if k in kpis] + sorted(
        k for k, v in kpis.items() if k not in KPI_LABELS and k != "assumption_kpis" and not isinstance(v, dict))
    for key in keys:
        label, unit = KPI_LABELS.get(key, (key.replace("_", " "), ""))
        mark = "†" if rests.get(key) is not None and (rests.get(key) or key in rests) else ""
        if mark:
            used[key] = list(rests.get(key) or [])
        rows.append([label, _fmt_kpi(kpis[key], public), unit.replace("{cur}", currency), mark])
    return rows, used


def _confidential_keys(scenario: Scenario) -> set[str]:
    ids = {a.id for a in scenario.actors if a.confidential}
    ids |= {s.id for s in scenario.supplies if s.confidential or s.actor in ids}
    ids |= {d.id for d in scenario.demands if d.confidential or d.actor in ids}
    return ids


def assumption_rows(scenario: Scenario | None, public: bool) -> tuple[list[list[str]], int]:
    """``[key, source]`` for every assumed number of the scenario; in public mode the
    ones about confidential actors/streams are left out (their count is returned)."""
    if scenario is None:
        return [], 0
    hidden_ids = _confidential_keys(scenario) if public else set()
    rows, hidden = [], 0
    for key, text in sorted(scenario.assumptions().items()):
        entity = key.split(":", 1)[1].split(".", 1)[0] if ":" in key else ""
        if entity in hidden_ids:
            hidden += 1
            continue
        rows.append([key, text])
    return rows, hidden


def _exchange_rows(layers: dict[str, gpd.GeoDataFrame], currency: str) -> list[list[str]]:
    ex = layers["exchanges"]
    return [[r["supplier_name"], r["receiver_name"], r["resource"].replace("_", " "), f"{r['quantity_text']} {r['unit']}",
             format_quantity(r["cost"]) if not math.isnan(r["cost"]) else "", f"{r['distance_m'] / 1000:.1f}" if not math.isnan(r["distance_m"]) else "",
             r["mode"], r["method"], "yes" if r["assumption"] else ""]
            for _, r in ex.sort_values(["resource", "supplier_name"]).iterrows()]


def _disposal_rows(layers: dict[str, gpd.GeoDataFrame]) -> list[list[str]]:
    d = layers["disposal"]
    return [[r["actor_name"], r["resource"].replace("_", " "), f"{r['quantity_text']} {r['unit']}",
             f"{r['fate']} {r['operation']}".strip(), format_quantity(r["cost"]) if not math.isnan(r["cost"]) else ""]
            for _, r in d.sort_values(["resource", "actor_name"]).iterrows()]


def _site_rows(layers: dict[str, gpd.GeoDataFrame]) -> list[list[str]]:
    s = layers["sites"]
    return [[r["name"], r["facility"], "opened" if r["opened"] else "not opened",
             format_quantity(r["throughput"]) if r["opened"] else "", format_quantity(r["fixed_cost"])]
            for _, r in s.sort_values(["opened", "name"], ascending=[False, True]).iterrows()]


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


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "<p><em>none</em></p>"
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_REPORT_CSS = """body{font:15px/1.5 "DejaVu Sans",Arial,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;color:#222}
table{border-collapse:collapse;margin:8px 0 18px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f0f0f0}td:nth-child(n+2){font-variant-numeric:tabular-nums}img{max-width:100%;border:1px solid #ddd;margin:6px 0}
.note{color:#555;font-size:13px}h1{font-size:24px}h2{font-size:19px;margin-top:28px;border-bottom:1px solid #ddd}"""


def write_report(result: Result, scenario: Scenario | None, out_dir: str | Path, public: bool = False,
                 layers: dict[str, gpd.GeoDataFrame] | None = None, force: bool = False) -> list[Path]:
    """Write ``report.html``, ``report.md`` and the PNG charts (``network.png``,
    ``flows.png``, ``costs.png``) into ``out_dir``.

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
    charts = [network_chart(layers, out_dir / CHARTS[0], f"{result.scenario}: exchange network"),
              flows_chart(layers, out_dir / CHARTS[1]),
              costs_chart(cost_components(result, scenario, layers), out_dir / CHARTS[2], cur)]
    kpis, rests = kpi_rows(result.kpis, cur, public)
    assumptions, hidden = assumption_rows(scenario, public)
    status = f"Solver status: {result.status} ({result.solver})" + (f", MIP gap {result.gap:.2%}" if result.gap else "")
    if result.message:
        status += f". {result.message}"
    notes = []
    if public:
        notes.append("Public version: confidential actors are aggregated per municipality and figures involving them are "
                     "rounded to 2 significant figures (below 10 shown as <10); KPIs are rounded to 2 significant figures.")
    methods = layers["exchanges"]["method"].value_counts().to_dict() if len(layers["exchanges"]) else {}
    if methods:
        notes.append("Distances: " + ", ".join(f"{n} {m}" for m, n in sorted(methods.items()))
                     + " (estimated = great-circle x circuity, no road route found).")
    rest_lines = [f"† {k}: {', '.join(v) if v else 'assumed numbers'}" for k, v in rests.items()]
    if public and scenario is not None:
        hidden_ids = _confidential_keys(scenario)
        rest_lines = [f"† {k}: {', '.join(x for x in v if not any(f':{h}.' in x for h in hidden_ids)) or 'assumed numbers'}"
                      for k, v in rests.items()]

    ex_head = ["From", "To", "Resource", "Quantity /yr", f"Cost {cur}/yr", "Distance km", "Mode", "Distance method", "Rests on assumption"]
    disp_head = ["Actor", "Resource", "Quantity /yr", "Fate (operation)", f"Cost {cur}/yr"]
    site_head = ["Site", "Facility", "Status", "Throughput /yr", f"Fixed cost {cur}/yr"]
    kpi_head = ["Indicator", "Value", "Unit", "†"]
    sections = [
        ("Key figures against the baseline", kpi_head, kpis, "† rests on assumed numbers (listed below each table)."),
        ("Exchanges", ex_head, _exchange_rows(layers, cur), "One row per active link, quantities per year."),
        ("Disposal left", disp_head, _disposal_rows(layers), "What still goes to its current fate."),
        ("Sites", site_head, _site_rows(layers), ""),
        ("Assumptions the results rest on", ["Number", "Source"], assumptions,
         f"{hidden} assumption(s) about confidential actors or streams are not listed." if hidden else ""),
    ]
    captions = ["The exchange network (line width follows the quantity within each resource; dashed = estimated distance).",
                "Where each residual stream goes.", "Costs before and after, by component."]

    md = [f"# {title}", "", status + "  ", *[n + "  " for n in notes], ""]
    htm = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_esc(title)}</title>"
           f"<style>{_REPORT_CSS}</style></head><body><h1>{_esc(title)}</h1><p>{_esc(status)}</p>",
           *[f'<p class="note">{_esc(n)}</p>' for n in notes]]
    for i, (heading, head, rows, note) in enumerate(sections):
        md += [f"## {heading}", "", _md_table(head, rows)]
        htm += [f"<h2>{_esc(heading)}</h2>", _html_table(head, rows)]
        if note:
            md += [f"_{note}_", ""]
            htm.append(f'<p class="note">{_esc(note)}</p>')
        if i == 0:
            md += [line + "  " for line in rest_lines] + [""]
            htm += [f'<p class="note">{_esc(line)}</p>' for line in rest_lines]
            md += ["## Charts", ""]
            htm.append("<h2>Charts</h2>")
            for png, caption in zip(charts, captions):
                data = base64.b64encode(png.read_bytes()).decode("ascii")
                md += [f"![{caption}]({png.name})", "", f"_{caption}_", ""]
                htm.append(f'<figure><img alt="{_esc(caption)}" src="data:image/png;base64,{data}"><figcaption class="note">'
                           f"{_esc(caption)}</figcaption></figure>")
    htm.append("</body></html>\n")
    written = [write_text_atomic(out_dir / "report.md", "\n".join(md) + "\n", force=True),
               write_text_atomic(out_dir / "report.html", "".join(htm), force=True)]
    return written + charts
