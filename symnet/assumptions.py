"""Which assumed numbers each KPI of a solved result actually rests on.

A KPI rests on the numbers that enter its computation *for this solution*: the
landfill diverted rests on the quantities of the landfilled supplies that carry flow,
not on every supply of the scenario; savings rest on the fate costs and taxes of the
diverted supplies, the prices of the demands served, the transport parameters of the
modes used, and the fixed costs and recipes of the sites opened. Numbers that only
enter the baseline cancel out of the savings and are not listed for it.

Keys follow :attr:`symnet.scenario.Scenario.sources` (``supplies.csv:S1.quantity``,
``economics.landfill_tax``, ``facilities.greenhouse.outputs[0].per_unit``,
``profiles.chp_surplus``) plus, for defaults of the shipped catalogue that the
scenario does not override, ``catalogue:<resource>.<field>``,
``catalogue:fates.<fate>.<field>`` and ``catalogue:substitutions.<supply>-><demand>.factor``.
A number is an assumption when its source text mentions an assumption
(:func:`symnet.scenario.is_assumption`).

Example
-------
>>> deps = kpi_assumptions(result, scenario)            # doctest: +SKIP
>>> deps["landfill_diverted_t"]                         # doctest: +SKIP
['supplies.csv:spill_bygg_vemdalen.quantity']
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from symnet import costs
from symnet.assumption_values import assumption_value  # noqa: F401  (re-exported: part of this module's API)
from symnet.resources import Catalogue, load_catalogue, unit_dimension
from symnet.result import Result
from symnet.scenario import Demand, Scenario, SiteOption, Supply, is_assumption

# KPIs that rest on numbers, in report order; structural counts (active links) are left out.
KPI_KEYS: tuple[str, ...] = (
    "total_cost",
    "baseline_cost",
    "savings",
    "landfill_diverted_t",
    "incineration_diverted_t",
    "co2e_avoided_t",
    "co2e_total_t",
    "baseline_co2e_t",
    "co2e_transport_t",
    "tonne_km",
    "truck_km",
    "heat_recovered_mwh",
    "opened_sites",
)
_ROAD_COST = (
    "economics.road.cost_per_km",
    "economics.road.cost_per_trip",
    "economics.road.fuel_l_per_km",
    "economics.road.payload_t",
    "economics.road.handling_cost_per_t",
    "economics.diesel_price",
)
_ROAD_CO2 = ("economics.road.co2e_kg_per_km", "economics.road.payload_t")
_PIPE_COST = (
    "economics.pipe.cost_per_m",
    "economics.pipe.connection_cost",
    "economics.pipe.lifetime_years",
    "economics.pipe.interest_rate",
    "economics.pipe.operating_cost_per_unit_km",
    "economics.pipe.circuity",
)
_PIPE_LOSS = ("economics.pipe.heat_loss_per_km", "economics.pipe.circuity")
_ELIGIBILITY_FIELDS = ("min_temperature_c", "temperature_c")
_TOL = 1e-6


# ---------------------------------------------------------------------------------------
# the solution, as sets the dependency rules need
# ---------------------------------------------------------------------------------------
@dataclass
class _Solution:
    """The parts of a result that decide which numbers enter the KPIs."""

    scenario: Scenario
    shipped: Catalogue
    supplies: dict[str, Supply]
    demands: dict[str, Demand]
    options: dict[str, SiteOption]
    used: pd.DataFrame  # used links with source_kind / target_kind
    moved: dict[str, float]  # supply id -> quantity moved per year
    disposed: dict[str, float]  # supply id -> quantity left to its fate per year
    bought: dict[str, float]  # demand id -> quantity still bought per year
    opened: list[str]  # opened site options
    binding_capacity: set[str] = field(default_factory=set)

    def fully_served(self, demand_id: str) -> bool:
        d = self.demands[demand_id]
        return d.quantity > 0 and self.bought.get(demand_id, 0.0) <= _TOL * max(d.quantity, 1.0)


def _sum_by(frame: pd.DataFrame, key: str, mask: pd.Series | None = None) -> dict[str, float]:
    if not len(frame) or key not in frame:
        return {}
    part = frame.loc[mask] if mask is not None else frame
    return {str(k): float(v) for k, v in part.groupby(key)["quantity"].sum().items()}


def _solution(result: Result, scenario: Scenario) -> _Solution:
    supplies = {s.id: s for s in scenario.supplies}
    demands = {d.id: d for d in scenario.demands}
    options = {o.option_id: o for o in scenario.sites}
    links = result.links
    used = (
        links.loc[links["used"].astype(bool)].copy()
        if len(links) and "used" in links
        else pd.DataFrame(
            columns=["link", "supply", "target", "resource", "mode", "method", "quantity", "source_node", "target_node"]
        )
    )
    if "source_kind" not in used:
        used["source_kind"] = ["supply" if s in supplies else "facility" for s in used["supply"]]
    if "target_kind" not in used:
        used["target_kind"] = ["demand" if t in demands else "facility" for t in used["target"]]
    used = used.loc[used["quantity"].astype(float) > 0]
    disp = result.disposal
    disp_mask = (disp["origin"] == "supply") if len(disp) and "origin" in disp else None
    purch = result.purchases
    purch_mask = (purch["kind"] == "demand") if len(purch) and "kind" in purch else None
    sites = result.sites
    opened = [str(o) for o in sites.loc[sites["opened"].astype(bool), "option"]] if len(sites) else []
    sol = _Solution(
        scenario,
        load_catalogue(),
        supplies,
        demands,
        options,
        used,
        moved=_sum_by(used.loc[used["source_kind"] == "supply"], "supply"),
        disposed=_sum_by(disp, "supply", disp_mask),
        bought=_sum_by(purch, "demand", purch_mask),
        opened=opened,
    )
    sol.binding_capacity = _binding_capacities(result, scenario, sol)
    return sol


def _binding_capacities(result: Result, scenario: Scenario, sol: _Solution) -> set[str]:
    """Opened options whose throughput reaches their capacity in some period."""
    out: set[str] = set()
    flows, links = result.flows, result.links
    if not len(flows) or not sol.opened:
        return out
    loss = dict(zip(links["link"], links["loss"])) if "loss" in links else {}
    factor = dict(zip(links["link"], links["factor"])) if "factor" in links else {}
    weights = {p.id: p.weight for p in scenario.periods}
    for opt in sol.opened:
        option = sol.options.get(opt)
        if option is None:
            continue
        fac = scenario.facility(option)
        capacity = option.capacity if option.capacity is not None else fac.capacity
        if not math.isfinite(capacity):
            continue
        first = fac.inputs[0]
        part = flows.loc[(flows["target"] == opt) & (flows["resource"] == first.resource)]
        arrived = part["quantity"] * (1 - part["link"].map(loss).fillna(0.0)) * part["link"].map(factor).fillna(1.0)
        per_period = arrived.groupby(part["period"]).sum() / first.per_unit
        purch = result.purchases
        if len(purch) and "kind" in purch:
            bought = purch.loc[(purch["actor"] == opt) & (purch["resource"] == first.resource)]
            per_period = per_period.add(bought.groupby("period")["quantity"].sum() / first.per_unit, fill_value=0.0)
        if any(q >= capacity * weights.get(str(p), 1.0) * (1 - 1e-6) for p, q in per_period.items()):
            out.add(opt)
    return out


# ---------------------------------------------------------------------------------------
# key builders: each returns the keys (assumed or not) one part of the accounting uses
# ---------------------------------------------------------------------------------------
def _resource_key(sol: _Solution, resource: str, fld: str) -> list[str]:
    """Key of a resource field: the scenario's override, else the shipped catalogue default."""
    cfg = sol.scenario.config.resources.get(resource, {})
    if fld in cfg or f"resources.{resource}.{fld}" in sol.scenario.sources or resource not in sol.shipped.resources:
        return [f"resources.{resource}.{fld}"]
    return [f"catalogue:{resource}.{fld}"]


def _fate_key(sol: _Solution, fate: str, fld: str) -> list[str]:
    cfg = sol.scenario.config.fates.get(fate, {})
    if fld in cfg or f"fates.{fate}.{fld}" in sol.scenario.sources or fate not in sol.shipped.fates:
        return [f"fates.{fate}.{fld}"]
    return [f"catalogue:fates.{fate}.{fld}"]


def _mass(sol: _Solution, resource: str) -> list[str]:
    """Conversion to tonnes (none for resources counted in t; none for heat)."""
    res = sol.scenario.catalogue.resources.get(resource)
    if res is None or res.unit == "t":
        return []
    if res.mass_t_per_unit is not None:
        return _resource_key(sol, resource, "mass_t_per_unit")
    if res.unit == "m3" and res.density_t_per_m3 is not None:
        return _resource_key(sol, resource, "density_t_per_m3")
    return []


def _profile_keys(sol: _Solution, profile: list[float]) -> list[str]:
    """Named profiles of scenario.yaml equal to ``profile`` (after normalising to shares)."""
    total = sum(profile) or 1.0
    shares = [v / total for v in profile]
    out = []
    for name, values in sol.scenario.config.profiles.items():
        t = sum(values) or 1.0
        if len(values) == len(shares) and all(abs(v / t - s) < 1e-9 for v, s in zip(values, shares)):
            out.append(f"profiles.{name}")
    return out


def _converted(sol: _Solution, row: Supply | Demand) -> list[str]:
    """Conversion factor used when the quantity was entered in another dimension
    (e.g. m3 of chips -> t uses the resource's density)."""
    entered = unit_dimension(row.entered_unit or "")
    canonical = unit_dimension(row.unit)
    if entered is None or canonical is None or entered == canonical:
        return []
    dims = {entered, canonical}
    if dims == {"volume", "mass"}:
        res = sol.scenario.catalogue.resources.get(row.resource)
        fld = "density_t_per_m3" if res is None or res.density_t_per_m3 else "mass_t_per_unit"
    elif dims == {"energy", "mass"}:
        fld = "energy_mwh_per_t"
    else:
        fld = "mass_t_per_unit"
    return _resource_key(sol, row.resource, fld)


def _supply_quantity(sol: _Solution, s: Supply) -> list[str]:
    return [f"supplies.csv:{s.id}.quantity", *_profile_keys(sol, s.profile), *_converted(sol, s)]


def _demand_quantity(sol: _Solution, d: Demand) -> list[str]:
    return [f"demands.csv:{d.id}.quantity", *_profile_keys(sol, d.profile), *_converted(sol, d)]


def _fate_cost(sol: _Solution, s: Supply) -> list[str]:
    """The supply's own fate cost, else its fate's default cost."""
    if f"supplies.csv:{s.id}.fate_cost" in sol.scenario.sources:
        return [f"supplies.csv:{s.id}.fate_cost"]
    fate = sol.scenario.catalogue.fates[s.current_fate]
    return _fate_key(sol, s.current_fate, "cost") if s.fate_cost == fate.cost else [f"supplies.csv:{s.id}.fate_cost"]


def _supply_co2(sol: _Solution, s: Supply) -> list[str]:
    if costs.tonnes_per_unit(sol.scenario, s.resource) <= 0:
        return []
    return [*_fate_key(sol, s.current_fate, "co2e_kg_per_t"), *_mass(sol, s.resource)]


def _supply_cost(sol: _Solution, s: Supply) -> list[str]:
    """Fate cost, the tax its fate pays and the CO2 price on its emissions."""
    fate = sol.scenario.catalogue.fates[s.current_fate]
    out = _fate_cost(sol, s) + ["economics.co2_price"]
    tonnes = costs.tonnes_per_unit(sol.scenario, s.resource) > 0
    if tonnes and fate.is_landfill:
        out += ["economics.landfill_tax", *_mass(sol, s.resource)]
    elif tonnes and fate.operation == "D10":
        out += ["economics.incineration_tax", *_mass(sol, s.resource)]
    if sol.scenario.config.economics.co2_price > 0:
        out += _supply_co2(sol, s)
    return out


def _demand_co2(sol: _Solution, d: Demand) -> list[str]:
    if d.co2e_kg_per_unit is not None:
        return [f"demands.csv:{d.id}.co2e_kg_per_unit"]
    return [
        k for m in sol.scenario.catalogue.members(d.resource) for k in _resource_key(sol, m, "virgin_co2e_kg_per_unit")
    ]


def _demand_cost(sol: _Solution, d: Demand) -> list[str]:
    out = [f"demands.csv:{d.id}.price", "economics.co2_price"]
    if sol.scenario.config.economics.co2_price > 0:
        out += _demand_co2(sol, d)
    return out


def _position(sol: _Solution, node: str) -> list[str]:
    if node in sol.options:
        return [f"sites.csv:{node}.lon", f"sites.csv:{node}.lat"]
    table = sol.scenario.config.actors_file
    return [f"{table}:{node}.lon", f"{table}:{node}.lat"]


def _distance(sol: _Solution, link: Any) -> list[str]:
    out = _position(sol, str(link.source_node)) + _position(sol, str(link.target_node))
    if link.method == "estimated":
        out.append("network.circuity")
    if link.mode == "pipe":
        out.append("economics.pipe.circuity")
    return out


def _substitution(sol: _Solution, link: Any) -> list[str]:
    target_resource = getattr(link, "target_resource", None)
    if target_resource is None and link.target in sol.demands:
        target_resource = sol.demands[link.target].resource
    if target_resource is None or target_resource == link.resource:
        return []
    for i, rule in enumerate(sol.scenario.config.substitutions):
        if rule.get("supply") == link.resource and rule.get("demand") == target_resource:
            return [f"substitutions[{i}].factor"]
    if any(r.supply == link.resource and r.demand == target_resource for r in sol.shipped.substitutions):
        return [f"catalogue:substitutions.{link.resource}->{target_resource}.factor"]
    return []


def _eligibility(sol: _Solution, link: Any) -> list[str]:
    """Temperatures that let heat flow on this link at all."""
    if link.resource != "heat":
        return []
    out = []
    if link.source_kind == "supply":
        out.append(f"supplies.csv:{link.supply}.temperature_c")
    if link.target_kind == "demand":
        out.append(f"demands.csv:{link.target}.min_temperature_c")
    elif link.target in sol.options:
        fac = sol.scenario.config.facilities.get(sol.options[link.target].facility)
        if fac is not None:
            out += [
                f"facilities.{sol.options[link.target].facility}.inputs[{i}].min_temperature_c"
                for i, inp in enumerate(fac.inputs)
                if inp.resource == "heat"
            ]
    return out


def _link_cost(sol: _Solution, link: Any) -> list[str]:
    """Transport, handling, fixed link cost and gate fee of one used link."""
    out = ["economics.co2_price"]
    if link.mode == "pipe":
        out += [*_PIPE_COST, *_PIPE_LOSS, *_distance(sol, link)]
    else:
        out += [*_ROAD_COST, *_distance(sol, link), *_mass(sol, link.resource)]
        if float(getattr(link, "fixed_cost", 0.0) or 0.0) > 0:
            out.append("economics.road.link_fixed_cost")
        if sol.scenario.config.economics.co2_price > 0:
            out += _ROAD_CO2
    if link.target_kind == "demand":
        out.append(f"demands.csv:{link.target}.gate_fee")
    return out + _substitution(sol, link) + _eligibility(sol, link)


def _link_co2(sol: _Solution, link: Any) -> list[str]:
    if link.mode == "pipe" or costs.tonnes_per_unit(sol.scenario, link.resource) <= 0:
        return []
    return [*_ROAD_CO2, *_distance(sol, link), *_mass(sol, link.resource)]


def _link_quantity(sol: _Solution, link: Any) -> list[str]:
    """What sets the quantity on a used link: the supply (or the facility's yield) and,
    when the demand is fully met, the demand."""
    out: list[str] = []
    if link.source_kind == "supply" and link.supply in sol.supplies:
        out += _supply_quantity(sol, sol.supplies[link.supply])
    elif ">" in str(link.supply):
        option, resource = str(link.supply).split(">", 1)
        out += _output_yield(sol, option, resource)
    if link.target_kind == "demand" and link.target in sol.demands and sol.fully_served(link.target):
        out += _demand_quantity(sol, sol.demands[link.target])
    return out + _substitution(sol, link)


def _output_yield(sol: _Solution, option: str, resource: str) -> list[str]:
    opt = sol.options.get(option)
    if opt is None:
        return []
    fac = sol.scenario.config.facilities.get(opt.facility)
    if fac is None:
        return []
    if fac.passthrough:
        return [f"facilities.{opt.facility}.loss"]
    return [
        f"facilities.{opt.facility}.outputs[{i}].per_unit" for i, o in enumerate(fac.outputs) if o.resource == resource
    ]


def _site_keys(sol: _Solution, option: str) -> list[str]:
    """Fixed cost, binding capacity and the recipe (yields, prices, operating cost) of an opened option."""
    opt = sol.options.get(option)
    if opt is None:
        return []
    fac = opt.facility
    site_fixed, site_cap = f"sites.csv:{option}.fixed_cost", f"sites.csv:{option}.capacity"
    sources = sol.scenario.sources
    out = [site_fixed if opt.fixed_cost is not None or site_fixed in sources else f"facilities.{fac}.fixed_cost"]
    if option in sol.binding_capacity:
        out.append(site_cap if opt.capacity is not None or site_cap in sources else f"facilities.{fac}.capacity")
    prefix = f"facilities.{fac}."
    for key in sol.scenario.sources:
        if key.startswith(prefix) and key.rsplit(".", 1)[-1] not in ("fixed_cost", "capacity", *_ELIGIBILITY_FIELDS):
            out.append(key)
    return out


def _flowing(sol: _Solution, fate_test: str) -> list[Supply]:
    fates = sol.scenario.catalogue.fates
    return [
        s
        for sid, s in sol.supplies.items()
        if sol.moved.get(sid, 0.0) > 0 and getattr(fates[s.current_fate], fate_test)
    ]


# ---------------------------------------------------------------------------------------
# per KPI
# ---------------------------------------------------------------------------------------
def _gather(*parts: Iterable[str]) -> list[str]:
    """The sorted union of source keys."""
    return sorted({k for part in parts for k in part})


def _stream_keys(sol: _Solution, supplies: Iterable[Any], demands: Iterable[Any], *, co2: bool) -> list[str]:
    """Source keys of the fate cost (or CO2e) and quantity of ``supplies`` plus the purchase
    cost (or CO2e) and quantity of ``demands``."""
    supply_value = _supply_co2 if co2 else _supply_cost
    demand_value = _demand_co2 if co2 else _demand_cost
    return _gather(
        *(supply_value(sol, s) + _supply_quantity(sol, s) for s in supplies),
        *(demand_value(sol, d) + _demand_quantity(sol, d) for d in demands),
    )


def _symbiosis_cost_keys(sol: _Solution, diverted: list[Any], served: list[str], used: list[Any]) -> list[str]:
    """Source keys of what the exchanges change in cost: fates avoided, purchases avoided,
    links used and sites opened."""
    return _gather(
        *(_supply_cost(sol, s) + _supply_quantity(sol, s) for s in diverted),
        *(_demand_cost(sol, sol.demands[d]) for d in served),
        *(_link_cost(sol, lk) + _link_quantity(sol, lk) for lk in used),
        *(_site_keys(sol, o) for o in sol.opened),
    )


def _symbiosis_co2_keys(sol: _Solution, diverted: list[Any], used: list[Any], road: list[Any]) -> list[str]:
    """Source keys of what the exchanges change in CO2e: the fates avoided (mass only), the
    purchases avoided and the trucks added."""
    return _gather(
        *(_supply_co2(sol, s) + _supply_quantity(sol, s) for s in diverted if _supply_co2(sol, s)),
        *(
            _demand_co2(sol, sol.demands[lk.target]) + _link_quantity(sol, lk)
            for lk in used
            if lk.target_kind == "demand" and lk.target in sol.demands
        ),
        *(_link_co2(sol, lk) + _link_quantity(sol, lk) for lk in road),
    )


def kpi_inputs(result: Result, scenario: Scenario) -> dict[str, list[str]]:
    """Per KPI, every scenario number (assumed or measured) that enters it for this solution.

    (Complexity ~28 by radon: one filtered comprehension per KPI, read as a table.)

    Parameters
    ----------
    result : Result
        A solved result (its ``links``, ``disposal``, ``purchases``, ``sites`` and ``flows``).
    scenario : Scenario
        The scenario it was solved from.

    Returns
    -------
    dict
        KPI key (see :data:`KPI_KEYS`) -> sorted list of source keys (module docstring).
    """
    sol = _solution(result, scenario)
    used = list(sol.used.itertuples(index=False))
    diverted = [sol.supplies[sid] for sid, q in sol.moved.items() if q > 0 and sid in sol.supplies]
    served = sorted({str(lk.target) for lk in used if lk.target_kind == "demand" and lk.target in sol.demands})
    left_supplies = [sol.supplies[sid] for sid, q in sol.disposed.items() if q > 0 and sid in sol.supplies]
    left_demands = [sol.demands[did] for did, q in sol.bought.items() if q > 0 and did in sol.demands]
    road = [lk for lk in used if lk.mode != "pipe"]
    heat = [lk for lk in used if lk.resource == "heat" and lk.source_kind == "supply"]

    symbiosis_cost = _symbiosis_cost_keys(sol, diverted, served, used)
    symbiosis_co2 = _symbiosis_co2_keys(sol, diverted, used, road)
    baseline_cost = _stream_keys(sol, scenario.supplies, scenario.demands, co2=False)
    baseline_co2 = _stream_keys(sol, scenario.supplies, scenario.demands, co2=True)
    left_cost = _stream_keys(sol, left_supplies, left_demands, co2=False)
    left_co2 = _stream_keys(sol, left_supplies, left_demands, co2=True)
    transport_co2 = _gather(*(_link_co2(sol, lk) + _link_quantity(sol, lk) for lk in road))
    tonne_km = _gather(*(_distance(sol, lk) + _mass(sol, lk.resource) + _link_quantity(sol, lk) for lk in road))
    pipe_loss = [k for lk in heat if lk.mode == "pipe" for k in (*_PIPE_LOSS, *_distance(sol, lk))]
    return {
        "total_cost": _gather(left_cost, symbiosis_cost),
        "baseline_cost": baseline_cost,
        "savings": symbiosis_cost,
        "landfill_diverted_t": _gather(
            *(_supply_quantity(sol, s) + _mass(sol, s.resource) for s in _flowing(sol, "is_landfill"))
        ),
        "incineration_diverted_t": _gather(
            *(_supply_quantity(sol, s) + _mass(sol, s.resource) for s in _flowing(sol, "is_incineration"))
        ),
        "co2e_avoided_t": symbiosis_co2,
        "co2e_total_t": _gather(left_co2, symbiosis_co2),
        "baseline_co2e_t": baseline_co2,
        "co2e_transport_t": transport_co2,
        "tonne_km": tonne_km,
        "truck_km": _gather(tonne_km, ["economics.road.payload_t"] if road else []),
        "heat_recovered_mwh": _gather(*(_link_quantity(sol, lk) + _eligibility(sol, lk) for lk in heat), pipe_loss),
        "opened_sites": _gather(*(_site_keys(sol, o) for o in sol.opened)),
    }


def source_text(scenario: Scenario, key: str) -> str:
    """The source recorded for ``key`` ('' when none); catalogue keys give the shipped
    catalogue entry's source text."""
    if not key.startswith("catalogue:"):
        return scenario.source_of(key)
    shipped = load_catalogue()
    rest = key.removeprefix("catalogue:")
    if rest.startswith("fates."):
        fate = rest.split(".")[1]
        return shipped.fates[fate].source if fate in shipped.fates else ""
    if rest.startswith("substitutions."):
        pair = rest.removeprefix("substitutions.").rsplit(".", 1)[0]
        sup, _, dem = pair.partition("->")
        return next((r.source for r in shipped.substitutions if r.supply == sup and r.demand == dem), "")
    res = rest.split(".")[0]
    return shipped.resources[res].source if res in shipped.resources else ""


def kpi_assumptions(result: Result, scenario: Scenario) -> dict[str, list[str]]:
    """Per KPI, the keys of the *assumed* numbers it rests on for this solution.

    Parameters
    ----------
    result : Result
        A solved result.
    scenario : Scenario
        The scenario it was solved from.

    Returns
    -------
    dict
        KPI key -> sorted keys whose source text marks an assumption
        (:func:`kpi_inputs` filtered by :func:`source_text`). A KPI that rests on no
        assumption maps to an empty list.
    """
    cache: dict[str, bool] = {}

    def assumed(key: str) -> bool:
        if key not in cache:
            cache[key] = is_assumption(source_text(scenario, key))
        return cache[key]

    return {kpi: [k for k in keys if assumed(k)] for kpi, keys in kpi_inputs(result, scenario).items()}


def assumption_table(result: Result, scenario: Scenario) -> list[tuple[str, str, list[str]]]:
    """Each assumption any KPI rests on, once: ``(key, source, kpis)``, sorted by the
    number of KPIs that use it (most first), then by key."""
    users: dict[str, list[str]] = {}
    for kpi, keys in kpi_assumptions(result, scenario).items():
        for k in keys:
            users.setdefault(k, []).append(kpi)
    rows = [(k, source_text(scenario, k), kpis) for k, kpis in users.items()]
    return sorted(rows, key=lambda r: (-len(r[2]), r[0]))


def top_assumptions(result: Result, scenario: Scenario, n: int = 8) -> list[tuple[str, str, list[str]]]:
    """The ``n`` assumptions the most KPIs rest on: ``(key, source, kpis)`` (for the
    terminal summary of ``symnet run``)."""
    return assumption_table(result, scenario)[:n]
