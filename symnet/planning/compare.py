"""Site comparison (``symnet compare``): each candidate site option forced open in turn.

Variants: no site open (the reference); each selected option open with every other
closed; the selected options together when they lie on different sites; and, with
``--choose N``, the optimiser choosing at most N. The table is ranked by net benefit
(currency/yr against the no-symbiosis baseline).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from symnet.errors import InputError, Problem
from symnet.outputs._format import write_csv
from symnet.parallel import check_workers
from symnet.planning.charts import site_chart
from symnet.planning.common import (
    TOL,
    Outcome,
    Shared,
    Variant,
    format_streams,
    kpi_row,
    prepare,
    require_ok,
    resource_units,
    run_variants,
    staged_output,
)
from symnet.scenario import Scenario

SITE_COLUMNS = [
    "rank",
    "option",
    "site",
    "facility",
    "kind",
    "status",
    "net_benefit",
    "benefit_vs_no_site",
    "total_cost",
    "baseline_cost",
    "streams_in",
    "streams_out",
    "throughput",
    "capacity",
    "tonne_km",
    "co2e_avoided_t",
    "landfill_diverted_t",
    "active_links",
    "opened",
    "binding",
]
#: Label prefix of the variant with all selected options open together.
TOGETHER = "together: "
NO_SITE = "no site"


def site_variants(scenario: Scenario, sites: Sequence[str] | None = None, choose: int | None = None) -> list[Variant]:
    """Variants of a site comparison: no site open; each option forced open with every
    other closed; all the selected options open together when ``sites`` names options
    on two or more different sites ("the idle greenhouse, the new land, or both?");
    and, with ``choose``, the optimiser choosing at most N options.

    Parameters
    ----------
    sites : sequence of str, optional
        Site ids or option ids (``site:facility``) to compare; default all.
    choose : int, optional
        Also let the optimiser open the best ``choose`` options (among the selected).

    Raises
    ------
    InputError
        No candidate sites, an unknown site, or ``choose`` below 1.
    """
    selected = _selected_options(scenario, sites)
    if choose is not None and choose < 1:
        raise InputError([Problem("--choose", None, "choose", f"got {choose}; expected a whole number >= 1")])
    everything = frozenset(o.option_id for o in scenario.sites)
    variants = [Variant(NO_SITE, force_closed=everything)]
    variants += [Variant(opt, force_open=frozenset({opt}), force_closed=everything - {opt}) for opt in selected]
    by_site = {o.option_id: o.site for o in scenario.sites}
    if sites and len(selected) > 1 and len({by_site[o] for o in selected}) == len(selected):
        variants.append(
            Variant(
                TOGETHER + " + ".join(selected), force_open=frozenset(selected), force_closed=everything - set(selected)
            )
        )
    if choose is not None:
        variants.append(Variant(f"best {choose}", force_closed=everything - set(selected), max_open=choose))
    return variants


def _selected_options(scenario: Scenario, sites: Sequence[str] | None) -> list[str]:
    """The option ids named by ``sites`` (site ids or option ids), all when None."""
    options = [o.option_id for o in scenario.sites]
    if not options:
        message = "the scenario has no candidate sites to compare; expected a sites.csv with at least one site option"
        raise InputError([Problem("sites.csv", None, None, message)])
    if not sites:
        return options
    known_sites = {o.site for o in scenario.sites}
    unknown = [s for s in sites if s not in known_sites and s not in options]
    if unknown:
        raise InputError(
            [
                Problem(
                    "--sites",
                    None,
                    "sites",
                    f"unknown site '{s}'; expected one of "
                    f"{', '.join(sorted(known_sites))} (or an option site:facility)",
                )
                for s in unknown
            ]
        )
    return [o.option_id for o in scenario.sites if o.site in sites or o.option_id in sites]


def compare_sites(
    shared: Shared,
    sites: Sequence[str] | None = None,
    choose: int | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Site comparison table (columns :data:`SITE_COLUMNS`), ranked by net benefit.

    ``net_benefit`` is the saving against the baseline (no symbiosis), currency/yr;
    ``benefit_vs_no_site`` is the part due to the site (saving minus the saving of the
    exchange network without any site). ``binding`` lists what limits the option:
    'capacity reached', 'minimum throughput', 'no input reachable', 'fixed cost not
    covered', 'infeasible'.
    """
    variants = site_variants(shared.scenario, sites, choose)
    outcomes = run_variants(variants, shared, workers, scheduler, desc="sites")
    require_ok(outcomes[0], "the run without sites")
    no_site = outcomes[0].kpis["savings"]
    rows = [_site_row(shared, v, o, no_site) for v, o in zip(variants, outcomes)]
    table = pd.DataFrame(rows)
    table = table.sort_values("net_benefit", ascending=False, kind="stable", na_position="last").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reindex(columns=SITE_COLUMNS)


def _variant_kind(v: Variant) -> str:
    """'reference', 'chosen', 'together' or 'forced'."""
    if v.label == NO_SITE:
        return "reference"
    if v.max_open is not None:
        return "chosen"
    return "together" if v.label.startswith(TOGETHER) else "forced"


def _site_row(shared: Shared, v: Variant, o: Outcome, no_site_savings: float) -> dict[str, Any]:
    """One row of the comparison table (money in currency/yr, quantities per year)."""
    scenario, links = shared.scenario, shared.network.links
    options = {opt.option_id: opt for opt in scenario.sites}
    opened = sorted(opt for opt, (is_open, _, _) in o.sites.items() if is_open)
    kind = _variant_kind(v)
    involved = [v.label] if kind == "forced" else opened
    into = links["target"].isin(involved) | links["source_node"].isin(involved)
    units = resource_units(scenario)
    row: dict[str, Any] = {
        "option": v.label,
        "site": options[v.label].site if v.label in options else "",
        "facility": options[v.label].facility if v.label in options else "",
        "kind": kind,
        "streams_in": format_streams(links.loc[into & links["target"].isin(involved)], o.used, units),
        "streams_out": format_streams(links.loc[into & ~links["target"].isin(involved)], o.used, units),
        "throughput": sum(o.sites.get(opt, (False, 0.0, 0.0))[1] for opt in involved),
        "capacity": sum(o.sites.get(opt, (False, 0.0, math.inf))[2] for opt in involved) if involved else math.nan,
        "opened": ";".join(opened),
    }
    row.update(kpi_row(o))
    row["net_benefit"] = row.pop("savings")
    row["benefit_vs_no_site"] = row["net_benefit"] - no_site_savings if o.ok else math.nan
    reachable = set(links.loc[links["target_kind"] == "facility", "target"])
    row["binding"] = "; ".join(_site_binding(scenario, involved, o, reachable, row["benefit_vs_no_site"]))
    return row


def _site_binding(scenario: Scenario, options: list[str], o: Outcome, reachable: set[str], gain: float) -> list[str]:
    """What limits the ``options`` of one outcome (``gain``: benefit vs no site, currency/yr)."""
    if not o.ok:
        return [o.status + (f": {o.message}" if o.message else "")]
    out: list[str] = []
    by_id = {s.option_id: s for s in scenario.sites}
    for opt in options:
        fac = scenario.facility(by_id[opt])
        opened, throughput, capacity = o.sites.get(opt, (False, 0.0, math.inf))
        if opt not in reachable:
            out.append(f"{opt}: no input reachable")
        if opened and math.isfinite(capacity) and throughput >= capacity * (1 - 1e-6):
            out.append(f"{opt}: capacity reached ({capacity:.4g})")
        if opened and fac.min_throughput > 0 and throughput <= fac.min_throughput * (1 + 1e-6):
            out.append(f"{opt}: minimum throughput ({fac.min_throughput:.4g})")
    if options and gain < -TOL:
        out.append("fixed cost not covered")
    return out


def compare_command(
    scenario_dir: str | Path,
    out: str | Path,
    sites: Sequence[str] | None = None,
    choose: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
) -> Path:
    """``symnet compare``: write ``OUT/sites.csv`` (ranked by net benefit) and ``OUT/sites.png``."""
    check_workers(workers)
    shared = prepare(scenario_dir)
    table = compare_sites(shared, sites, choose, workers=workers, scheduler=scheduler)
    with staged_output(out, shared, force) as tmp:
        write_csv(table, tmp / "sites.csv")
        site_chart(table, tmp / "sites.png", shared.scenario.config.economics.currency)
    return Path(out)


PARTICIPATION_COLUMNS = [
    "participant",
    "name",
    "kind",
    "baseline_cost",
    "gain_system",
    "gain_individually_rational",
    "difference",
]
"""``participation.csv``: per participant its gain (currency/yr) under each rule; the first
row (participant ``TOTAL``) holds the savings."""


def with_participation(scenario: Scenario, participation: str) -> Scenario:
    """A copy of ``scenario`` with ``economics.participation`` set (``system`` or
    ``individually_rational``)."""
    import copy

    new = copy.copy(scenario)
    new.config = scenario.config.model_copy(
        update={"economics": scenario.config.economics.model_copy(update={"participation": participation})}
    )
    return new


def compare_participation(shared: Shared) -> pd.DataFrame:
    """System optimum and individually-rational optimum side by side (columns
    :data:`PARTICIPATION_COLUMNS`, currency/yr): what the "no loser" rule costs in savings,
    and what it does to each participant's gain."""
    from symnet.optimise import AllocationModel
    from symnet.participants import participant_economics

    tables = {}
    savings = {}
    for rule in ("system", "individually_rational"):
        scenario = with_participation(shared.scenario, rule)
        result = AllocationModel(scenario, shared.network, threads=shared.threads).solve()
        if not result.ok:
            raise InputError(
                [Problem("economics.participation", None, None, f"{rule}: {result.status}: {result.message}")]
            )
        tables[rule] = participant_economics(result, scenario).set_index("participant")
        savings[rule] = float(result.kpis["savings"])
    sys_t, ir_t = tables["system"], tables["individually_rational"]
    ids = sorted(set(sys_t.index) | set(ir_t.index))
    rows = [
        {
            "participant": "TOTAL",
            "name": "savings (sum over all participants)",
            "kind": "",
            "baseline_cost": float(sys_t["baseline_cost"].sum()),
            "gain_system": savings["system"],
            "gain_individually_rational": savings["individually_rational"],
        }
    ]
    for p in ids:
        src = sys_t if p in sys_t.index else ir_t
        rows.append(
            {
                "participant": p,
                "name": src.at[p, "name"],
                "kind": src.at[p, "kind"],
                "baseline_cost": float(src.at[p, "baseline_cost"]),
                "gain_system": float(sys_t["gain"].get(p, 0.0)),
                "gain_individually_rational": float(ir_t["gain"].get(p, 0.0)),
            }
        )
    table = pd.DataFrame(rows)
    table["difference"] = table["gain_individually_rational"] - table["gain_system"]
    head, rest = table.iloc[:1], table.iloc[1:].sort_values(["gain_system", "participant"], ascending=[True, True])
    return pd.concat([head, rest], ignore_index=True).reindex(columns=PARTICIPATION_COLUMNS)


def compare_participation_command(scenario_dir: str | Path, out: str | Path, force: bool = False) -> pd.DataFrame:
    """``symnet compare --participation``: write ``OUT/participation.csv`` and return the table."""
    shared = prepare(scenario_dir)
    table = compare_participation(shared)
    with staged_output(out, shared, force) as tmp:
        write_csv(table, tmp / "participation.csv")
    return table
