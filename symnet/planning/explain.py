"""Why not this link? (``symnet explain``): break-even values and binding reasons.

*Break-even by duals*: the LP is solved with every binary fixed at its optimal value.
The pricing gap of an unused link is its reduced cost without the contribution of its
own activation constraints (so a link fixed closed is priced as if it could carry a
first unit), minimised over periods; a link with a fixed cost adds ``fixed_cost / U`` per
unit (U: the most it could carry in a year). Break-even values are first-order (other
links keep their costs); a sample is confirmed by re-solving the full model just past
the break-even value.

Money in the scenario's currency per year (gaps and unit costs per supply unit),
distances in metres.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from symnet import costs
from symnet.outputs._format import write_csv
from symnet.parallel import check_workers
from symnet.planning.common import (
    TOL,
    Outcome,
    Shared,
    Variant,
    number,
    outcome_of,
    prepare,
    require_ok,
    run_variants,
    staged_output,
)
from symnet.scenario import Scenario

EXPLAIN_COLUMNS = [
    "link",
    "supply",
    "target",
    "resource",
    "mode",
    "distance_m",
    "used",
    "quantity",
    "reason",
    "unit_cost",
    "gap_per_unit",
    "margin",
    "breakeven_unit_cost",
    "breakeven_landfill_tax",
    "breakeven_road_rate_per_tkm",
    "breakeven_distance_m",
    "confirmed_parameter",
    "confirmed_value",
    "confirmed",
    "detail",
]


def link_gaps(shared: Shared) -> tuple[pd.DataFrame, Outcome]:
    """Per candidate link, the pricing gap from the LP with binaries fixed at the optimum.

    Returns
    -------
    (gaps, optimum)
        ``gaps``: ``link, gap_per_unit`` where the gap (currency per supply unit, >= 0 for
        links the optimum leaves unused) is the smallest over periods of the link's reduced
        cost without its own activation constraints, plus ``fixed_cost / U`` for a link
        with a fixed cost; also ``U`` (the link's annual flow bound).
    """
    from symnet.optimise import AllocationModel

    scenario, network = shared.scenario, shared.network
    mip = AllocationModel(scenario, network, threads=shared.threads)
    result = mip.solve()
    optimum = outcome_of("optimum", result)
    require_ok(optimum, "the optimum")
    fixed: dict[str, float] = {}
    for lid in mip.links.loc[mip.links["activation"], "link"]:
        fixed[lid] = 1.0 if optimum.used.get(lid, 0.0) > TOL else 0.0
    for opt, (opened, _, _) in optimum.sites.items():
        fixed[opt] = 1.0 if opened else 0.0
    lp = AllocationModel(scenario, network, fixed_binaries=fixed, threads=shared.threads)
    lp_result = lp.solve()
    require_ok(outcome_of("lp", lp_result), "the LP with binaries fixed")
    rc = lp.reduced_costs()
    data = lp.links.reset_index(drop=True)
    bound_duals = lp.link_duals()
    own = (bound_duals["max_dual"] + bound_duals["min_dual"]).to_numpy()
    pos = pd.Series(np.arange(len(data)), index=data["link"])
    rc["pricing"] = rc["reduced_cost"].to_numpy() + own[pos.loc[rc["link"]].to_numpy()]
    gap = rc.groupby("link", sort=False)["pricing"].min()
    out = data[["link", "fixed_cost", "U"]].copy()
    out["gap_per_unit"] = out["link"].map(gap).to_numpy(dtype=float)
    bound = out["U"].to_numpy(dtype=float)
    share = np.where(bound > TOL, out["fixed_cost"].to_numpy(dtype=float) / np.maximum(bound, TOL), 0.0)
    out["gap_per_unit"] = np.maximum(out["gap_per_unit"].to_numpy(), 0.0) + share
    return out[["link", "gap_per_unit", "U"]], optimum


def explain(
    shared: Shared, *, confirm: int = 10, workers: int | None = None, scheduler: str | None = None
) -> pd.DataFrame:
    """Explain every candidate link (columns :data:`EXPLAIN_COLUMNS`).

    Unused links: ``gap_per_unit`` (how much cheaper per unit the link must get to
    enter), break-even unit cost, landfill tax (supplies landfilled today), road rate per
    tonne-km and distance (road links), and a reason: 'too far', 'below minimum
    volume', 'receiver full', 'site not opened', 'cheaper alternative', 'fixed cost not
    covered'. Used links: ``margin`` = how much the total cost rises if the link is
    removed (currency/yr, by re-solving). Pairs that never became a link (rule-based
    exclusions) are listed with their rule as reason.

    Up to ``confirm`` break-evens (smallest gaps first) are confirmed by re-solving the
    full model just past the value (landfill tax where it applies, else the link's unit
    cost): ``confirmed`` is True when the link then carries flow.
    """
    scenario, network = shared.scenario, shared.network
    gaps, optimum = link_gaps(shared)
    links = network.links.merge(gaps, on="link", how="left")
    rows = [_explain_row(scenario, r, optimum) for r in links.to_dict("records")]
    table = pd.DataFrame(rows).reindex(columns=EXPLAIN_COLUMNS)
    table["used"] = table["used"].astype(bool)
    used_ids = [lid for lid in links["link"] if optimum.used.get(lid, 0.0) > TOL]
    candidates = table.loc[~table["used"] & table["gap_per_unit"].notna()].sort_values("gap_per_unit", kind="stable")
    maybe_checks = [_confirmation(scenario, r) for r in candidates.head(confirm).to_dict("records")]
    checks = [c for c in maybe_checks if c is not None]
    variants = [Variant(f"without {lid}", drop_links=frozenset({lid})) for lid in used_ids]
    variants += [v for _, _, _, v in checks]
    outcomes = run_variants(variants, shared, workers, scheduler, desc="explain") if variants else []
    margins = {
        lid: (number(o.objective) - number(optimum.objective)) if o.ok else math.inf
        for lid, o in zip(used_ids, outcomes[: len(used_ids)])
    }
    table["margin"] = table["link"].map(margins)
    confirmations = {
        lid: (param, value, bool(o.ok and o.used.get(lid, 0.0) > TOL))
        for (lid, param, value, _), o in zip(checks, outcomes[len(used_ids) :])
    }
    for k, column in enumerate(("confirmed_parameter", "confirmed_value", "confirmed")):
        table[column] = table["link"].map({lid: c[k] for lid, c in confirmations.items()}).astype(object)
    if len(network.excluded):
        table = pd.concat([table, _excluded_rows(network.excluded)], ignore_index=True)
    return table.reindex(columns=EXPLAIN_COLUMNS)


def _excluded_rows(excluded: pd.DataFrame) -> pd.DataFrame:
    """Rows for the supply-target pairs that never became a link, with their rule as reason."""
    return pd.DataFrame(
        {
            "link": "",
            "supply": excluded["supply"],
            "target": excluded["target"],
            "resource": excluded["resource"],
            "used": False,
            "quantity": 0.0,
            "reason": excluded["rule"].map(lambda r: "too far" if r == "max_distance" else f"excluded: {r}"),
            "detail": excluded["detail"],
        }
    )


def _explain_row(scenario: Scenario, link: dict[str, Any], optimum: Outcome) -> dict[str, Any]:
    qty = optimum.used.get(link["link"], 0.0)
    row = {k: link[k] for k in ("link", "supply", "target", "resource", "mode", "distance_m", "unit_cost")}
    row.update(used=qty > TOL, quantity=qty)
    if qty > TOL:
        row["reason"] = "used"
        return row
    gap = float(link["gap_per_unit"]) if pd.notna(link.get("gap_per_unit")) else math.nan
    row["gap_per_unit"] = gap
    row["breakeven_unit_cost"] = link["unit_cost"] - gap
    econ = scenario.config.economics
    supply = next((s for s in scenario.supplies if s.id == link["supply"]), None)
    tpu = costs.tonnes_per_unit(scenario, link["resource"])
    if supply is not None and tpu > 0 and scenario.catalogue.fates[supply.current_fate].is_landfill:
        row["breakeven_landfill_tax"] = econ.landfill_tax + gap / tpu
    dist = float(link["distance_m"])
    if link["mode"] == "road" and tpu > 0 and dist > 0:
        km = dist / 1000.0
        row["breakeven_road_rate_per_tkm"] = max(econ.road_cost_per_tkm() - gap / (tpu * km), 0.0)
        slope = (
            costs.road_unit_cost(scenario, link["resource"], dist)
            - costs.road_unit_cost(scenario, link["resource"], 0.0)
        ) / dist
        row["breakeven_distance_m"] = dist - gap / slope if slope > 0 and dist - gap / slope > 0 else math.nan
    row["reason"], row["detail"] = _reason(scenario, link, optimum, gap)
    return row


def _reason(scenario: Scenario, link: dict[str, Any], optimum: Outcome, gap: float) -> tuple[str, str]:
    """The binding reason an unused link stays out of the optimum, and a sentence on it.

    Checked in order: flow bound below the minimum volume, the receiving site (not
    opened, full), the link's own value (too far, fixed cost not covered), a demand
    already fully supplied, the minimum volume, else a cheaper alternative (``gap``
    currency per supply unit).
    """
    if link["min_volume"] > 0 and link["U"] + TOL < link["min_volume"]:
        return (
            "below minimum volume",
            f"at most {link['U']:.4g} per year can flow; the minimum is {link['min_volume']:.4g}",
        )
    found = _site_reason(link, optimum) or _value_reason(scenario, link) or _demand_reason(scenario, link, optimum)
    if found is not None:
        return found
    if link["min_volume"] > 0:
        return (
            "below minimum volume",
            f"the volume it could carry does not justify its minimum of {link['min_volume']:.4g}",
        )
    return (
        "cheaper alternative",
        f"another use of {link['supply']} or another source for {link['target']} is cheaper by {gap:.4g}/unit",
    )


def _site_reason(link: dict[str, Any], optimum: Outcome) -> tuple[str, str] | None:
    """'site not opened' or 'receiver full' for a link into a facility, else None."""
    target = link["target"]
    if link["target_kind"] != "facility":
        return None
    opened, throughput, capacity = optimum.sites.get(target, (False, 0.0, math.inf))
    if not opened:
        return "site not opened", f"{target} is not opened in the optimum"
    if math.isfinite(capacity) and throughput >= capacity * (1 - 1e-6):
        return "receiver full", f"{target} runs at its capacity {capacity:.4g}"
    return None


def _value_reason(scenario: Scenario, link: dict[str, Any]) -> tuple[str, str] | None:
    """'too far' or 'fixed cost not covered' from the link's stand-alone saving, else None."""
    standalone = _standalone_value(scenario, link)
    if standalone is None:
        return None
    if standalone <= TOL:
        return (
            "too far",
            f"transport and gate fee ({link['unit_cost']:.4g}/unit) exceed what the link saves ({link['unit_cost'] + standalone:.4g}/unit)",
        )
    if link["fixed_cost"] > 0 and standalone * link["U"] < link["fixed_cost"]:
        return (
            "fixed cost not covered",
            f"at most {standalone * link['U']:.4g}/yr saved against a fixed cost of {link['fixed_cost']:.4g}/yr",
        )
    return None


def _demand_reason(scenario: Scenario, link: dict[str, Any], optimum: Outcome) -> tuple[str, str] | None:
    """'receiver full' when the link's demand is fully supplied by other links, else None."""
    target = link["target"]
    inflow = sum(
        q
        for lid, q in optimum.used.items()
        if lid.split("->", 1)[-1].startswith(f"{target}:") or lid.split("->", 1)[-1].startswith(f"{target}#")
    )
    demand = next((d for d in scenario.demands if d.id == target), None)
    if demand is not None and inflow * link["factor"] >= demand.quantity * (1 - 1e-6):
        return "receiver full", f"{target} is fully supplied by other links"
    return None


def _standalone_value(scenario: Scenario, link: dict[str, Any]) -> float | None:
    """Saving per supply unit if this link alone carried the stream: disposal avoided +
    purchase avoided - unit cost (None when either end is a facility)."""
    supply = next((s for s in scenario.supplies if s.id == link["supply"]), None)
    demand = next((d for d in scenario.demands if d.id == link["target"]), None)
    if supply is None or demand is None:
        return None
    avoided = costs.disposal_unit_cost(scenario, supply) + link["factor"] * (
        1 - link["loss"]
    ) * costs.purchase_unit_cost(scenario, demand)
    return avoided - link["unit_cost"]


def _confirmation(scenario: Scenario, row: dict[str, Any]) -> tuple[str, str, float, Variant] | None:
    """A re-solve just past the break-even: the landfill tax if it applies, else the
    link's own unit cost, moved 1 % (plus a hair) beyond the break-even gap."""
    gap = row["gap_per_unit"]
    if not math.isfinite(gap):
        return None
    past = gap * 1.01 + 1e-6
    label = f"confirm {row['link']}"
    if pd.notna(row.get("breakeven_landfill_tax")):
        tpu = costs.tonnes_per_unit(scenario, row["resource"])
        value = scenario.config.economics.landfill_tax + past / tpu
        return row["link"], "landfill_tax", float(value), Variant(label, params=(("landfill_tax", float(value)),))
    value = float(row["unit_cost"] - past)
    return row["link"], "unit_cost", value, Variant(label, link_cost_delta=((row["link"], -past),))


def explain_command(
    scenario_dir: str | Path,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    confirm: int = 10,
) -> Path:
    """``symnet explain``: write ``OUT/explain.csv``."""
    check_workers(workers)
    shared = prepare(scenario_dir)
    table = explain(shared, confirm=confirm, workers=workers, scheduler=scheduler)
    with staged_output(out, shared, force) as tmp:
        write_csv(table, tmp / "explain.csv")
    return Path(out)
