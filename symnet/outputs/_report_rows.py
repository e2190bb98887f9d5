"""The rows of the report's tables (KPIs, demands met locally, who gains, exchanges,
disposal, sites, the assumptions appendix), as lists of display strings."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np

from symnet.assumption_values import AssumptionValues
from symnet.assumptions import kpi_assumptions, source_text
from symnet.outputs._format import format_quantity, round_public
from symnet.provenance import split_cell_key
from symnet.result import Result
from symnet.scenario import Scenario

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

SHOWN_ELSEWHERE = frozenset(
    {"participants", "largest_winners", "largest_losers", "participants_headline", "assumption_kpis"}
)
"""KPIs the report gives in their own place, not as KPI table rows: the participants in
"Who gains", the headline in the summary, the assumptions in the appendix."""


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
    key; nested ones (self-sufficiency) and :data:`SHOWN_ELSEWHERE` have their own place.

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
        k for k, v in kpis.items() if k not in KPI_LABELS and k not in SHOWN_ELSEWHERE and not isinstance(v, dict)
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
    cell = split_cell_key(key)
    return cell[1] if cell is not None else ""


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
    values = AssumptionValues(scenario) if scenario is not None else None
    for key in sorted(users, key=lambda k: (-len(users[k]), k)):
        if _key_entity(key) in hidden_ids:
            hidden += 1
            continue
        labels = ", ".join(KPI_SHORT.get(k, k.replace("_", " ")) for k in users[key])
        value = values.value(key) if values is not None else ""
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


def actor_gains(
    result: Result, scenario: Scenario | None, public: bool
) -> tuple[list[tuple[str, dict[str, float]]], set[str]]:
    """Per participant (actor or site) with a non-zero gain, largest gain first: its name
    and ``baseline_cost``, ``cost``, ``gain`` (currency/yr, from ``kpis["per_actor"]``);
    plus the names whose figures must be rounded (public mode: confidential actors are
    merged per municipality)."""
    per = result.kpis.get("per_actor") or {}
    if not isinstance(per, dict):
        return [], set()
    names = _node_names(result, scenario)
    merged: dict[str, dict[str, float]] = {}
    rounded: set[str] = set()
    for actor, v in per.items():
        found, hide = _public_name(scenario, actor, names) if public else (names.get(actor, actor), False)
        name = str(found if found is not None else actor)
        entry = merged.setdefault(name, {"baseline_cost": 0.0, "cost": 0.0, "gain": 0.0})
        for k in entry:
            entry[k] += float(v.get(k, 0.0))
        if hide:
            rounded.add(name)
    ordered = sorted(((n, v) for n, v in merged.items() if abs(v["gain"]) > 1e-6), key=lambda t: -t[1]["gain"])
    return ordered, rounded


def actor_gain_rows(
    result: Result, scenario: Scenario | None, currency: str, public: bool, limit: int = 10
) -> tuple[list[list[str]], list[str]]:
    """``[actor, baseline cost, cost with symbiosis, gain]`` (currency/yr) for the
    ``limit`` actors and sites that gain most, and "name (gain)" for each actor or site
    that pays more than today (largest loss first).
    In public mode confidential actors are aggregated per municipality and rounded."""
    ordered, rounded = actor_gains(result, scenario, public)

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
