"""Monte Carlo over the assumed numbers (``symnet uncertainty``).

Every assumed number with a range (:mod:`symnet.scenario.ranges`) is sampled by Latin
hypercube (:class:`scipy.stats.qmc.LatinHypercube`, seeded, so results depend only on the
scenario, the number of samples and the seed). Each sample is solved on the candidate
network built once and repriced (:meth:`SymbiosisNetwork.reprice`); quantities and
capacities only change the allocation model, which is built per sample anyway. Samples
run through :func:`symnet.parallel.run_tasks` (in-process, LocalCluster or
``--scheduler``), results in sample order, so the outputs do not depend on the number of
workers.

For each sample: the KPIs, the site options opened and the links used, and the regret of
today's recommendation (the set of site options the base case opens): when the sample's
optimum opens other options, the sample is solved again with the base decision fixed, and
the regret is the difference of the two objectives (currency/yr).

Money in the scenario's currency per year, quantities in canonical units per year, CO2e
in t/yr.
"""

from __future__ import annotations

import copy
import html
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from symnet.errors import InputError, Problem
from symnet.outputs._format import write_csv
from symnet.parallel import check_workers, run_tasks
from symnet.planning.charts import tornado_chart, uncertainty_histograms
from symnet.planning.common import (
    TOL,
    Outcome,
    Shared,
    Variant,
    evaluate,
    outcome_of,
    prepare,
    require_ok,
    staged_output,
)
from symnet.provenance import split_cell_key
from symnet.scenario import Scenario
from symnet.scenario.model import ScenarioConfig
from symnet.scenario.ranges import Range, RangeSet, scenario_ranges, set_path, updated_row

#: KPIs whose distribution is reported (P10/P50/P90, histogram).
OUTPUT_KPIS = ("savings", "landfill_diverted_t", "co2e_avoided_t")
#: Relative tolerance under which the base decision's regret counts as zero (a tie).
REGRET_RTOL = 1e-6


# ---------------------------------------------------------------------------------------
# sampling and applying samples
# ---------------------------------------------------------------------------------------
def check_sampling(samples: int, seed: int) -> None:
    """Raise :class:`InputError` (naming ``--samples`` / ``--seed``) unless there is at least
    one sample and the seed is >= 0."""
    if samples < 1:
        raise InputError([Problem("--samples", None, "samples", f"got {samples}; expected a whole number >= 1")])
    if seed < 0:
        raise InputError([Problem("--seed", None, "seed", f"got {seed}; expected a whole number >= 0")])


def latin_hypercube(ranges: Sequence[Range], samples: int, seed: int) -> pd.DataFrame:
    """``samples`` Latin-hypercube draws of every range (one column per key, file units)."""
    from scipy.stats import qmc

    check_sampling(samples, seed)
    if not ranges:
        return pd.DataFrame(index=range(samples))
    u = qmc.LatinHypercube(d=len(ranges), seed=np.random.default_rng(seed)).random(samples)
    return pd.DataFrame({r.key: r.ppf(u[:, j]) for j, r in enumerate(ranges)})


def apply_values(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """A copy of ``scenario`` with the numbers at ``values``' keys replaced (file units:
    CSV quantities in the row's own unit are converted to canonical units)."""
    yaml_values = {k: v for k, v in values.items() if ".csv:" not in k}
    new = copy.copy(scenario)
    if yaml_values:
        data = scenario.config.model_dump()
        for key, value in yaml_values.items():
            set_path(data, key, value)
        new.config = ScenarioConfig.model_validate(data)  # every range's low and high were checked
    by_row: dict[tuple[str, str], dict[str, float]] = {}
    for key, value in values.items():
        cell = split_cell_key(key)
        if cell is not None:
            file, row_id, col = cell
            by_row.setdefault((file, row_id), {})[col] = value
    if by_row:

        def changed(row: Any, file: str, row_id: str) -> Any:
            changes = by_row.get((file, row_id))
            return updated_row(row, changes) if changes else row

        new.supplies = [changed(r, "supplies.csv", r.id) for r in scenario.supplies]
        new.demands = [changed(r, "demands.csv", r.id) for r in scenario.demands]
        new.sites = [changed(s, "sites.csv", s.option_id) for s in scenario.sites]
    return new


# ---------------------------------------------------------------------------------------
# solving one sample (module level so that Dask can ship it)
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Sample:
    index: int
    values: tuple[tuple[str, float], ...]


@dataclass
class _UncertaintyShared:
    shared: Shared
    base_open: frozenset[str]
    options: frozenset[str]


@dataclass
class SampleOutcome:
    """One sample's optimum and the objective of the base decision fixed (None when the
    sample's optimum opens the same options)."""

    outcome: Outcome
    fixed_objective: float | None
    fixed_status: str


def _solve(shared: Shared, scenario: Scenario, network: Any, label: str, **fixed: Any) -> Outcome:
    from symnet.optimise import AllocationModel

    model = AllocationModel(scenario, network, threads=shared.threads, **fixed)
    return outcome_of(label, model.solve())


def evaluate_sample(u: _UncertaintyShared, sample: _Sample) -> SampleOutcome:
    """Solve one sample free, and with the base decision fixed when its optimum differs."""
    shared = u.shared
    scenario = apply_values(shared.scenario, dict(sample.values))
    network = shared.network.reprice(scenario)
    label = f"sample {sample.index}"
    free = _solve(shared, scenario, network, label)
    opened = frozenset(free.kpis.get("opened_sites") or []) if free.ok else frozenset()
    if not free.ok or opened == u.base_open:
        return SampleOutcome(free, free.objective if free.ok else None, free.status)
    fixed = _solve(
        shared,
        scenario,
        network,
        label + " (base decision)",
        force_open=u.base_open,
        force_closed=u.options - u.base_open,
    )
    return SampleOutcome(free, fixed.objective if fixed.ok else None, fixed.status)


# ---------------------------------------------------------------------------------------
# the analysis
# ---------------------------------------------------------------------------------------
@dataclass
class UncertaintyResult:
    """Tables and summary of a Monte Carlo run.

    ``table``: one row per sample (inputs in file units, status, KPIs, opened sites, regret);
    ``presence``: probability that each site option / link is in the optimum;
    ``drivers``: Spearman rank correlation of each input with each output KPI;
    ``summary``: the JSON summary (percentiles, robustness, drivers).
    """

    table: pd.DataFrame
    presence: pd.DataFrame
    drivers: pd.DataFrame
    summary: dict[str, Any]
    ranges: RangeSet


def uncertainty(
    shared: Shared,
    samples: int,
    seed: int = 0,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> UncertaintyResult:
    """Monte Carlo over the assumed numbers of ``shared.scenario``.

    Parameters
    ----------
    samples : int
        Number of Latin-hypercube samples (>= 1).
    seed : int
        Seed of the sampler; same seed, same results.
    workers, scheduler
        See :func:`symnet.parallel.run_tasks`.
    """
    check_workers(workers)
    rangeset = scenario_ranges(shared.scenario)
    draws = latin_hypercube(rangeset.ranges, samples, seed)
    base = evaluate(shared, Variant("base"))
    require_ok(base, "base case")
    base_open = frozenset(base.kpis.get("opened_sites") or [])
    options = frozenset(s.option_id for s in shared.scenario.sites)
    jobs = [_Sample(i, tuple((k, float(v)) for k, v in row.items())) for i, row in enumerate(draws.to_dict("records"))]
    if not jobs:
        jobs = [_Sample(i, ()) for i in range(samples)]
    ushared = _UncertaintyShared(shared, base_open, options)
    results = run_tasks(
        evaluate_sample, jobs, shared=ushared, workers=workers, scheduler=scheduler, progress=progress, desc="samples"
    )
    table = _sample_table(draws, results, base_open)
    presence = _presence(results, base, options)
    drivers = _drivers(rangeset.ranges, table)
    summary = _summary(shared, rangeset, table, presence, drivers, base, samples, seed)
    return UncertaintyResult(table, presence, drivers, summary, rangeset)


def _sample_table(draws: pd.DataFrame, results: list[SampleOutcome], base_open: frozenset[str]) -> pd.DataFrame:
    rows = []
    for i, r in enumerate(results):
        o = r.outcome
        row: dict[str, Any] = {"sample": i}
        row.update({k: float(draws.iloc[i][k]) for k in draws.columns})
        row["status"] = o.status
        row.update({k: float(o.kpis.get(k, math.nan)) if o.ok else math.nan for k in OUTPUT_KPIS})
        row["total_cost"] = float(o.kpis.get("total_cost", math.nan)) if o.ok else math.nan
        opened = sorted(o.kpis.get("opened_sites") or []) if o.ok else []
        row["opened_sites"] = ";".join(opened)
        regret = math.nan
        if o.ok and o.objective is not None and r.fixed_objective is not None:
            regret = max(0.0, r.fixed_objective - o.objective)
        row["regret"] = regret
        tie = REGRET_RTOL * abs(o.objective or 0.0) + TOL
        row["base_decision_optimal"] = bool(o.ok and (frozenset(opened) == base_open or regret <= tie))
        rows.append(row)
    return pd.DataFrame(rows)


def _presence(results: list[SampleOutcome], base: Outcome, options: frozenset[str]) -> pd.DataFrame:
    """Probability (share of solved samples) that each site option is opened and each link
    used; links never used in any sample nor in the base case are left out."""
    ok = [r.outcome for r in results if r.outcome.ok]
    n = max(len(ok), 1)
    rows = []
    for option in sorted(options):
        share = sum(1 for o in ok if option in (o.kpis.get("opened_sites") or [])) / n
        rows.append(
            {
                "kind": "site",
                "id": option,
                "probability": share,
                "in_base": option in base.sites and base.sites[option][0],
            }
        )
    links = sorted(set(base.used).union(*(o.used for o in ok)) if ok else set(base.used))
    for link in links:
        share = sum(1 for o in ok if link in o.used) / n
        rows.append({"kind": "link", "id": link, "probability": share, "in_base": link in base.used})
    return pd.DataFrame(rows, columns=["kind", "id", "probability", "in_base"])


def _drivers(ranges: Sequence[Range], table: pd.DataFrame) -> pd.DataFrame:
    """Spearman rank correlation of every sampled input with each output KPI (NaN when
    either side is constant), sorted by |rho| on savings."""
    from scipy.stats import spearmanr

    ok = table.loc[table["status"].isin(list(Outcome.OK_STATUSES))]
    rows = []
    for r in ranges:
        row: dict[str, Any] = {
            "key": r.key,
            "kind": r.kind,
            "low": r.low,
            "value": r.value,
            "high": r.high,
            "distribution": r.distribution,
            "explicit": r.explicit,
        }
        for kpi in OUTPUT_KPIS:
            x, y = ok[r.key].to_numpy(dtype=float), ok[kpi].to_numpy(dtype=float)
            rho = math.nan
            if len(x) > 2 and np.ptp(x) > 0 and np.ptp(y) > 0:
                rho = float(spearmanr(x, y).statistic)
            row[f"rho_{kpi}"] = rho
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    order = df["rho_savings"].abs().fillna(-1.0).sort_values(ascending=False, kind="stable").index
    return df.loc[order].reset_index(drop=True)


def _percentiles(values: pd.Series) -> dict[str, float]:
    v = values.dropna().to_numpy(dtype=float)
    if not len(v):
        return {"p10": math.nan, "p50": math.nan, "p90": math.nan, "mean": math.nan}
    p10, p50, p90 = np.percentile(v, [10, 50, 90])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90), "mean": float(v.mean())}


def _summary(
    shared: Shared,
    rangeset: RangeSet,
    table: pd.DataFrame,
    presence: pd.DataFrame,
    drivers: pd.DataFrame,
    base: Outcome,
    samples: int,
    seed: int,
) -> dict[str, Any]:
    ok = table.loc[table["status"].isin(list(Outcome.OK_STATUSES))]
    n_ok = len(ok)
    not_optimal = ok.loc[~ok["base_decision_optimal"]]
    regrets = not_optimal["regret"]
    return {
        "scenario": shared.scenario.name,
        "currency": shared.scenario.config.economics.currency,
        "samples": samples,
        "solved": n_ok,
        "seed": seed,
        "sampler": "scipy.stats.qmc.LatinHypercube",
        "varied": len(rangeset.ranges),
        "explicit_ranges": sum(1 for r in rangeset.ranges if r.explicit),
        "fixed": len(rangeset.fixed),
        "base": {k: base.kpis.get(k) for k in OUTPUT_KPIS}
        | {"opened_sites": sorted(base.kpis.get("opened_sites") or [])},
        "kpis": {k: _percentiles(ok[k]) for k in OUTPUT_KPIS},
        "robustness": {
            "base_decision": sorted(base.kpis.get("opened_sites") or []),
            "share_optimal": float(ok["base_decision_optimal"].mean()) if n_ok else math.nan,
            "samples_not_optimal": len(not_optimal),
            "regret_where_not_optimal": _percentiles(regrets) | {"max": float(regrets.max()) if len(regrets) else 0.0},
            "alternatives": not_optimal["opened_sites"].value_counts().sort_index().to_dict(),
        },
        "sites": {r.id: r.probability for r in presence.itertuples() if r.kind == "site"},
        "links": {r.id: r.probability for r in presence.itertuples() if r.kind == "link"},
        "drivers": [{"key": r["key"], "rho_savings": r["rho_savings"]} for r in drivers.head(10).to_dict("records")]
        if not drivers.empty
        else [],
    }


# ---------------------------------------------------------------------------------------
# writing the folder
# ---------------------------------------------------------------------------------------
def report_markdown(summary: dict[str, Any]) -> str:
    """The report section (Markdown) of a Monte Carlo run."""
    cur = summary["currency"]
    rob = summary["robustness"]
    lines = [
        "## Uncertainty: Monte Carlo over the assumed numbers",
        "",
        f"{summary['samples']} Latin-hypercube samples (seed {summary['seed']}) of {summary['varied']} assumed "
        f"numbers ({summary['explicit_ranges']} with a range in the files, the others a default range by kind); "
        f"numbers with a study source stay fixed. {summary['solved']} samples solved.",
        "",
        "| KPI | P10 | P50 | P90 | base case |",
        "|---|---:|---:|---:|---:|",
    ]
    units = {"savings": f"{cur}/yr", "landfill_diverted_t": "t/yr", "co2e_avoided_t": "t CO2e/yr"}
    for k, p in summary["kpis"].items():
        base = summary["base"].get(k)
        lines.append(
            f"| {k} ({units[k]}) | {p['p10']:,.0f} | {p['p50']:,.0f} | {p['p90']:,.0f} | "
            f"{(base if base is not None else math.nan):,.0f} |"
        )
    decision = ", ".join(rob["base_decision"]) or "no site opened"
    regret = rob["regret_where_not_optimal"]
    lines += [
        "",
        f"**Robustness of the recommendation** ({decision}): optimal in {rob['share_optimal']:.0%} of the samples."
        + (
            f" Where it is not, its regret is P50 {regret['p50']:,.0f}, P90 {regret['p90']:,.0f}, "
            f"max {regret['max']:,.0f} {cur}/yr."
            if rob["samples_not_optimal"]
            else ""
        ),
        "",
        "| site option | P(opened) |",
        "|---|---:|",
        *[f"| {k} | {v:.0%} |" for k, v in summary["sites"].items()],
        "",
        "**Assumptions that drive the savings** (Spearman rank correlation):",
        "",
        "| assumption | rho |",
        "|---|---:|",
        *[f"| {d['key']} | {d['rho_savings']:+.2f} |" for d in summary["drivers"] if not math.isnan(d["rho_savings"])],
        "",
        "![KPI distributions](uncertainty_kpis.png) ![tornado](uncertainty_tornado.png)",
        "",
    ]
    return "\n".join(lines)


def report_html(summary: dict[str, Any]) -> str:
    """The report section as a standalone HTML page (tables from the Markdown section)."""
    body = []
    in_table = False
    for line in report_markdown(summary).splitlines():
        if line.startswith("|"):
            cells = [html.escape(c.strip()) for c in line.strip("|").split("|")]
            if set("".join(cells)) <= set("-:"):
                continue
            if not in_table:
                body.append("<table>")
                in_table = True
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.startswith("## "):
            body.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("!["):
            body.append(
                '<p><img src="uncertainty_kpis.png" alt="KPI distributions"> '
                '<img src="uncertainty_tornado.png" alt="tornado chart"></p>'
            )
        elif line:
            text = html.escape(line)
            body.append("<p>" + re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text) + "</p>")
    if in_table:
        body.append("</table>")
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>symnet uncertainty</title></head><body>\n'
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _json_safe(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _json_safe(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_json_safe(v) for v in node]
    if isinstance(node, float) and not math.isfinite(node):
        return None
    if isinstance(node, np.generic):
        return _json_safe(node.item())
    return node


def write_uncertainty(res: UncertaintyResult, folder: Path, currency: str) -> None:
    """Write the files of a Monte Carlo run into ``folder``."""
    write_csv(res.table, folder / "uncertainty.csv")
    write_csv(res.presence, folder / "uncertainty_presence.csv")
    write_csv(res.drivers, folder / "uncertainty_drivers.csv")
    fixed = pd.DataFrame(sorted(res.ranges.fixed.items()), columns=["key", "reason"])
    write_csv(fixed, folder / "uncertainty_fixed.csv")
    (folder / "uncertainty_summary.json").write_text(
        json.dumps(_json_safe(res.summary), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    uncertainty_histograms(res.table, res.summary, folder / "uncertainty_kpis.png", currency)
    tornado_chart(res.drivers, folder / "uncertainty_tornado.png")
    (folder / "report.md").write_text(report_markdown(res.summary), encoding="utf-8")
    (folder / "report.html").write_text(report_html(res.summary), encoding="utf-8")


def uncertainty_command(
    scenario_dir: str | Path,
    samples: int,
    seed: int,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
) -> UncertaintyResult:
    """``symnet uncertainty``: write ``uncertainty.csv``, ``uncertainty_summary.json``,
    ``uncertainty_presence.csv``, ``uncertainty_drivers.csv``, ``uncertainty_fixed.csv``,
    the two charts and ``report.md``/``report.html`` into ``out``."""
    check_workers(workers)
    check_sampling(samples, seed)
    shared = prepare(scenario_dir)
    res = uncertainty(shared, samples, seed, workers=workers, scheduler=scheduler)
    with staged_output(out, shared, force) as tmp:
        write_uncertainty(res, tmp, shared.scenario.config.economics.currency)
    return res
