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
aggregated per municipality, their figures rounded: see :mod:`symnet.outputs.public`), KPI
values are rounded to 2 significant figures, quantities met locally are rounded, and
assumptions recorded for confidential streams or actors are counted but not listed.
"""

from __future__ import annotations

import base64
from pathlib import Path

import geopandas as gpd

from symnet.errors import InputError, Problem
from symnet.existing import existing_rows, headline_sentences
from symnet.outputs._participant_rows import participant_sections, participants_headline
from symnet.outputs._report_rows import (
    KPI_LABELS,
    KPI_SHORT,
    _disposal_rows,
    _exchange_rows,
    _site_rows,
    actor_gain_rows,
    actor_gains,
    appendix_rows,
    assumption_rows,
    kpi_rests,
    kpi_rows,
    self_sufficiency_rows,
)
from symnet.outputs._summary import summary_paragraph
from symnet.outputs.atomic import write_text_atomic
from symnet.outputs.charts import CHARTS, cost_components, costs_chart, flows_chart, network_chart, savings_chart
from symnet.outputs.context import MapContext
from symnet.outputs.public import result_layers
from symnet.outputs.templating import render
from symnet.result import Result
from symnet.scenario import Scenario

__all__ = [
    "CHARTS",
    "KPI_LABELS",
    "KPI_SHORT",
    "actor_gain_rows",
    "appendix_rows",
    "assumption_rows",
    "cost_components",
    "kpi_rows",
    "self_sufficiency_rows",
    "summary_paragraph",
    "write_report",
]


CHARTS_AFTER_SECTION = 2
"""The charts follow the third section (KPIs, demands met locally, who gains)."""


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
    context: MapContext | None = None,
) -> list[Path]:
    """Write ``report.html``, ``report.md`` and the PNG charts (``network.png``,
    ``flows.png``, ``costs.png``, ``savings.png``) into ``out_dir``.

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
    context : MapContext, optional
        Roads and towns drawn under the network chart.

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
        network_chart(layers, out_dir / CHARTS[0], f"{result.scenario}: exchange network", context),
        flows_chart(layers, out_dir / CHARTS[1]),
        costs_chart(cost_components(result, scenario, layers), out_dir / CHARTS[2], cur),
        savings_chart(
            [(name, v["gain"]) for name, v in actor_gains(result, scenario, public)[0]], out_dir / CHARTS[3], cur
        ),
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
    honesty = " ".join(headline_sentences(result.kpis, cur, quiet=True)) if result.ok else ""
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
    sections[3:3] = participant_sections(result, scenario, public)
    summary = " ".join(p for p in (participants_headline(result, scenario, public), summary) if p)
    kept_or_ended = existing_rows(layers)
    if kept_or_ended:  # a small section of its own, after the exchange table
        at = [section[0] for section in sections].index("Exchanges") + 1
        sections.insert(
            at,
            (
                "Existing exchanges",
                ["From", "To", "Resource", "Quantity /yr", "Status"],
                kept_or_ended,
                "Exchanges that run today are in the baseline at their real cost; 'existing' = kept by the "
                "optimum (its quantity in the optimum), 'ended' = the optimum drops it. The Exchanges table "
                "above lists new and kept ones alike.",
                "",
            ),
        )
    captions = [
        "The exchange network (line width follows the quantity within each resource; dashed = estimated distance).",
        "Where each residual stream goes.",
        "Costs before and after, by component.",
        "Savings by participant against the baseline (green = pays less than today, red = pays more).",
    ]
    status = _status_line(result)
    document = {
        "title": title,
        "status": status,
        "notes": notes,
        "summary": summary,
        "honesty": honesty,
        "sections": [
            {"heading": heading, "header": head, "rows": rows, "note": note, "css": css}
            for heading, head, rows, note, css in sections
        ],
        "charts_after": CHARTS_AFTER_SECTION,
        "charts": [
            {"file": png.name, "caption": caption, "base64": base64.b64encode(png.read_bytes()).decode("ascii")}
            for png, caption in zip(charts, captions)
        ],
    }
    written = [
        write_text_atomic(out_dir / "report.md", render("report.md.j2", **document), force=True),
        write_text_atomic(out_dir / "report.html", render("report.html.j2", **document), force=True),
    ]
    return written + charts
