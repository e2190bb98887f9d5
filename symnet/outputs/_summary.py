"""The report's plain-language summary, generated from the result tables."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np

from symnet.outputs._format import format_quantity, round_public
from symnet.outputs._report_rows import self_sufficiency_rows
from symnet.result import Result
from symnet.scenario import Scenario


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
