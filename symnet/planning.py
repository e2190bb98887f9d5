"""Planner workflows: site comparison, sensitivity sweeps, cost-CO2e Pareto front,
resilience and "why not this link?".

Every workflow loads the scenario once, builds its distance table and candidate network
once, and then runs *variants* that only reprice (:meth:`SymbiosisNetwork.reprice`) and
re-solve. Variants are independent and run through :func:`symnet.parallel.run_tasks`
(in-process, on a LocalCluster or on an existing Dask cluster); results come back in
input order, so every output file is identical whatever the number of workers.

Money is in the scenario's currency per year, quantities in canonical units per year,
distances in metres, CO2e in t/yr.

Public functions
----------------
- :func:`compare_command` -> ``sites.csv``, ``sites.png``
- :func:`sweep_command` -> ``sweep.csv``, ``breakeven.csv``, ``sweep.png``
- :func:`pareto_command` -> ``pareto.csv``, ``pareto.png``
- :func:`resilience_command` -> ``resilience.csv``, ``centrality.csv``
- :func:`explain_command` -> ``explain.csv``

Documented simplifications
--------------------------
- *Break-even by duals* (explain): the LP is solved with every binary fixed at its
  optimal value. The pricing gap of an unused link is its reduced cost without the
  contribution of its own activation constraints (so a link fixed closed is priced as if
  it could carry a first unit), minimised over periods; a link with a fixed cost adds
  ``fixed_cost / U`` per unit (U: the most it could carry in a year). Break-even values
  are first-order (other links keep their costs); a sample is confirmed by re-solving the
  full model just past the break-even value.
- *Resilience*: the benefit of a variant without actor A is measured against the
  baseline without A (A's own disposal and purchases disappear from both sides).
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd

from symnet import costs
from symnet.errors import InputError, Problem, SymnetError
from symnet.network import DistanceProvider, SymbiosisNetwork, build_network, estimated_distances
from symnet.parallel import check_workers, dask_client, default_workers, run_tasks
from symnet.scenario import Scenario, load_scenario, resolve_parameter, with_parameters

TOL = 1e-6
KPI_COLUMNS = [
    "total_cost",
    "baseline_cost",
    "savings",
    "co2e_total_t",
    "co2e_avoided_t",
    "tonne_km",
    "landfill_diverted_t",
    "active_links",
]
# parameters that change which links exist or how long they are: the network is rebuilt
# (road distances already computed are reused from the distance table)
NETWORK_PARAMETERS = frozenset(
    {
        "network.circuity",
        "network.k_nearest",
        "economics.pipe.circuity",
        "economics.road.max_km",
        "economics.pipe.max_km",
    }
)


# ---------------------------------------------------------------------------------------
# variants and their outcomes (what travels to and from the workers)
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Variant:
    """One re-solve of the shared scenario.

    Attributes
    ----------
    label : str
        Row label in the outputs.
    params : tuple of (name, value)
        Parameter overrides (:func:`symnet.scenario.with_parameters`).
    force_open, force_closed : frozenset of str
        Site option ids (``site:facility``).
    excluded_actors : frozenset of str
        Actors removed with their streams and links.
    co2_cap_t : float, optional
        Upper bound on total CO2e, t/yr.
    max_open : int, optional
        At most this many site options opened (``--choose N``).
    link_cost_delta : tuple of (link id, delta)
        Added to a link's ``unit_cost`` (currency per supply unit), e.g. to confirm a
        break-even.
    drop_links : frozenset of str
        Candidate links removed (e.g. to measure a used link's margin).
    objective : {'cost', 'co2'}
        What to minimise.
    """

    label: str
    params: tuple[tuple[str, float], ...] = ()
    force_open: frozenset[str] = frozenset()
    force_closed: frozenset[str] = frozenset()
    excluded_actors: frozenset[str] = frozenset()
    co2_cap_t: float | None = None
    max_open: int | None = None
    link_cost_delta: tuple[tuple[str, float], ...] = ()
    drop_links: frozenset[str] = frozenset()
    objective: Literal["cost", "co2"] = "cost"


@dataclass
class Outcome:
    """The compact result of one variant (small enough to gather from many workers)."""

    label: str
    status: str
    message: str
    objective: float | None
    kpis: dict[str, Any]
    used: dict[str, float]  # link id -> quantity per year
    sites: dict[str, tuple[bool, float, float]]  # option -> (opened, throughput, capacity)
    co2_t: float | None = None  # model CO2e (the epsilon-constraint's left side)

    @property
    def ok(self) -> bool:
        return self.status in ("optimal", "time_limit")


@dataclass
class Shared:
    """What every variant reads: the scenario and its network, built once."""

    scenario: Scenario
    network: SymbiosisNetwork
    estimated: bool = True
    threads: int | None = None


def evaluate(shared: Shared, variant: Variant) -> Outcome:
    """Solve one variant of the shared scenario (module level so that Dask can ship it)."""
    from symnet.optimise import AllocationModel

    scenario, network = _variant_inputs(shared, variant)
    model = AllocationModel(
        scenario,
        network,
        force_open=variant.force_open,
        force_closed=variant.force_closed,
        excluded_actors=variant.excluded_actors,
        co2_cap_t=variant.co2_cap_t,
        max_open=variant.max_open,
        objective=variant.objective,
        threads=shared.threads,
    )
    result = model.solve()
    return _outcome(variant.label, result, model)


def _variant_inputs(shared: Shared, variant: Variant) -> tuple[Scenario, SymbiosisNetwork]:
    scenario = with_parameters(shared.scenario, dict(variant.params)) if variant.params else shared.scenario
    network = shared.network
    touched = {resolve_parameter(name) for name, _ in variant.params}
    if touched & NETWORK_PARAMETERS:
        circuity = scenario.config.network.circuity
        provider = (
            estimated_distances(circuity)
            if shared.estimated
            else _table_then_estimate(network.distance_table, circuity)
        )
        network = build_network(
            scenario, distances=provider, distance_table=None if shared.estimated else network.distance_table
        )
    elif variant.params:
        network = network.reprice(scenario)
    if variant.link_cost_delta or variant.drop_links:
        links = network.links
        if variant.drop_links:
            links = links.loc[~links["link"].isin(variant.drop_links)]
        if variant.link_cost_delta:
            delta = links["link"].map(dict(variant.link_cost_delta)).fillna(0.0).to_numpy(dtype=float)
            links = links.assign(unit_cost=links["unit_cost"].to_numpy(dtype=float) + delta)
        network = replace(network, links=links.reset_index(drop=True), _graph=None)
    return scenario, network


def _table_then_estimate(table: pd.DataFrame, circuity: float) -> Any:
    estimate = estimated_distances(circuity)

    def provider(origins: pd.DataFrame, destinations: pd.DataFrame) -> pd.DataFrame:
        est = estimate(origins, destinations)
        both = pd.concat([table, est], ignore_index=True)
        return both.drop_duplicates(["origin", "destination"], keep="first")

    return provider


def _outcome(label: str, result: Any, model: Any) -> Outcome:
    used: dict[str, float] = {}
    sites: dict[str, tuple[bool, float, float]] = {}
    co2 = None
    if result.ok:
        links = result.links.loc[result.links["used"]]
        used = {str(k): float(v) for k, v in zip(links["link"], links["quantity"])}
        sites = {
            str(r.option): (bool(r.opened), float(r.throughput), float(r.capacity)) for r in result.sites.itertuples()
        }
        co2 = float(result.kpis.get("co2e_total_t", math.nan))
    kpis = {k: result.kpis.get(k) for k in KPI_COLUMNS + ["baseline_co2e_t", "opened_sites"]} if result.ok else {}
    return Outcome(label, result.status, result.message, result.objective, kpis, used, sites, co2)


# ---------------------------------------------------------------------------------------
# loading once, writing atomically
# ---------------------------------------------------------------------------------------
def prepare(
    scenario_dir: str | Path | Scenario, *, osm: Path | None = None, distances: DistanceProvider | None = None
) -> Shared:
    """Load a scenario and build its network once.

    Distances come from ``distances`` when given (e.g. :func:`symnet.network.table_distances`
    with hand-chosen metres), else are routed on the scenario's OSM extract when it names
    one, else estimated (great circle x circuity).
    """
    from symnet.pipeline import distance_provider, distance_source

    scenario = scenario_dir if isinstance(scenario_dir, Scenario) else load_scenario(scenario_dir)
    if distances is not None:
        network = build_network(scenario, distances=distances)
        return Shared(scenario, network, estimated=False, threads=scenario.config.solver.threads or 1)
    source = distance_source(scenario, osm=osm)
    network = build_network(scenario, distances=distance_provider(source))
    return Shared(scenario, network, estimated=source.router is None, threads=scenario.config.solver.threads or 1)


def _staged(out: str | Path, shared: Shared, force: bool) -> Any:
    """The output folder of a workflow, written atomically (see :func:`symnet.pipeline.staged_output_dir`)."""
    from symnet.pipeline import staged_output_dir

    folder = shared.scenario.folder
    return staged_output_dir(Path(out), [folder] if folder else [], force)


def _run(
    variants: Sequence[Variant],
    shared: Shared,
    workers: int | None,
    scheduler: str | None,
    client: Any = None,
    desc: str = "variants",
) -> list[Outcome]:
    return run_tasks(evaluate, variants, shared=shared, workers=workers, scheduler=scheduler, client=client, desc=desc)


def _require_ok(outcome: Outcome, what: str) -> None:
    if not outcome.ok:
        raise SymnetError(f"{what}: the optimisation ended '{outcome.status}': {outcome.message}")


def _kpi_row(o: Outcome) -> dict[str, Any]:
    row: dict[str, Any] = {"status": o.status}
    row.update({k: o.kpis.get(k, math.nan) if o.ok else math.nan for k in KPI_COLUMNS})
    row["used_links"] = ";".join(sorted(o.used))
    return row


def _units(scenario: Scenario) -> dict[str, str]:
    return {rid: r.unit for rid, r in scenario.catalogue.resources.items()}


def _fmt_streams(links: pd.DataFrame, used: dict[str, float], units: dict[str, str]) -> str:
    parts = [
        f"{r.supply}->{r.target} {used[r.link]:.4g} {units.get(r.resource, '')}".rstrip()
        for r in links.itertuples()
        if r.link in used
    ]
    return "; ".join(parts)


def _figure() -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(8, 4.5), layout="constrained")


# ---------------------------------------------------------------------------------------
# 1. site comparison
# ---------------------------------------------------------------------------------------
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


TOGETHER = "together: "


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
    """
    options = [o.option_id for o in scenario.sites]
    if not options:
        raise InputError(
            [
                Problem(
                    "sites.csv",
                    None,
                    None,
                    "the scenario has no candidate sites to compare; "
                    "expected a sites.csv with at least one site option",
                )
            ]
        )
    selected = options
    if sites:
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
        selected = [o.option_id for o in scenario.sites if o.site in sites or o.option_id in sites]
    if choose is not None and choose < 1:
        raise InputError([Problem("--choose", None, "choose", f"got {choose}; expected a whole number >= 1")])
    everything = frozenset(options)
    variants = [Variant("no site", force_closed=everything)]
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
    scenario, network = shared.scenario, shared.network
    variants = site_variants(scenario, sites, choose)
    outcomes = _run(variants, shared, workers, scheduler, desc="sites")
    _require_ok(outcomes[0], "the run without sites")
    no_site = outcomes[0].kpis["savings"]
    units = _units(scenario)
    options = {o.option_id: o for o in scenario.sites}
    inputs_reachable = set(network.links.loc[network.links["target_kind"] == "facility", "target"])
    rows = []
    for v, o in zip(variants, outcomes):
        opened = sorted(opt for opt, (is_open, _, _) in o.sites.items() if is_open)
        together = v.label.startswith(TOGETHER)
        involved = opened if v.max_open is not None or v.label == "no site" or together else [v.label]
        into = network.links["target"].isin(involved) | network.links["source_node"].isin(involved)
        links_in = network.links.loc[into & network.links["target"].isin(involved)]
        links_out = network.links.loc[into & ~network.links["target"].isin(involved)]
        throughput = sum(o.sites.get(opt, (False, 0.0, 0.0))[1] for opt in involved)
        capacity = sum(o.sites.get(opt, (False, 0.0, math.inf))[2] for opt in involved) if involved else math.nan
        row = {
            "option": v.label,
            "site": options[v.label].site if v.label in options else "",
            "facility": options[v.label].facility if v.label in options else "",
            "kind": "reference"
            if v.label == "no site"
            else ("chosen" if v.max_open is not None else ("together" if together else "forced")),
            "streams_in": _fmt_streams(links_in, o.used, units),
            "streams_out": _fmt_streams(links_out, o.used, units),
            "throughput": throughput,
            "capacity": capacity,
            "opened": ";".join(opened),
        }
        row.update(_kpi_row(o))
        row["net_benefit"] = row.pop("savings")
        row["benefit_vs_no_site"] = row["net_benefit"] - no_site if o.ok else math.nan
        row["binding"] = "; ".join(_site_binding(scenario, involved, o, inputs_reachable, row["benefit_vs_no_site"]))
        rows.append(row)
    table = pd.DataFrame(rows)
    table = table.sort_values("net_benefit", ascending=False, kind="stable", na_position="last").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reindex(columns=SITE_COLUMNS)


def _site_binding(scenario: Scenario, options: list[str], o: Outcome, reachable: set[str], gain: float) -> list[str]:
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


def _bar_chart(table: pd.DataFrame, path: Path, currency: str) -> None:
    fig = _figure()
    ax = fig.add_subplot()
    values = table["net_benefit"].fillna(0.0).to_numpy()
    ax.barh(
        table["option"].astype(str).to_numpy()[::-1],
        values[::-1],
        color=["#2a9d8f" if v >= 0 else "#e76f51" for v in values[::-1]],
    )
    ax.set_xlabel(f"net benefit vs baseline ({currency}/yr)")
    ax.set_title("Candidate sites")
    fig.savefig(path, dpi=110)


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
    with _staged(out, shared, force) as tmp:
        table.to_csv(tmp / "sites.csv", index=False)
        _bar_chart(table, tmp / "sites.png", shared.scenario.config.economics.currency)
    return Path(out)


# ---------------------------------------------------------------------------------------
# 2. sensitivity sweeps and break-even values
# ---------------------------------------------------------------------------------------
def parse_params(specs: Iterable[str]) -> list[tuple[str, list[float]]]:
    """Parse ``name=v1,v2,...`` options (``--param landfill_tax=400,800,1200``).

    Also accepts a range ``name=start:stop:count`` (``count`` evenly spaced values).

    Raises
    ------
    InputError
        For a missing '=', a value that is not a number, a repeated name or an empty list.
    """
    out: list[tuple[str, list[float]]] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for spec in specs:
        name, eq, values = spec.partition("=")
        name = name.strip()
        if not eq or not name:
            problems.append(Problem("--param", None, spec, "expected name=v1,v2,... (e.g. landfill_tax=400,800,1200)"))
            continue
        if resolve_parameter(name) in seen:
            problems.append(Problem("--param", None, name, "parameter given twice; give all its values in one --param"))
            continue
        seen.add(resolve_parameter(name))
        try:
            numbers = _parse_values(values)
        except ValueError as exc:
            problems.append(Problem("--param", None, name, str(exc)))
            continue
        out.append((name, numbers))
    if problems:
        raise InputError(problems)
    return out


def _parse_values(text: str) -> list[float]:
    text = text.strip()
    if text.count(":") == 2 and "," not in text:
        a, b, n = text.split(":")
        try:
            start, stop, count = float(a), float(b), int(n)
        except ValueError:
            raise ValueError(f"'{text}' is not a range start:stop:count of numbers") from None
        if count < 2:
            raise ValueError(f"range '{text}' needs a count >= 2")
        return [float(v) for v in np.linspace(start, stop, count)]
    values = []
    for part in text.split(","):
        part = part.strip()
        try:
            value = float(part)
        except ValueError:
            raise ValueError(f"value '{part}' is not a number; expected name=v1,v2,... with numbers") from None
        if not math.isfinite(value):
            raise ValueError(f"value '{part}' is not a finite number")
        values.append(value)
    if not values:
        raise ValueError("no values given")
    return values


def expand_grid(params: Sequence[tuple[str, Sequence[float]]]) -> list[dict[str, float]]:
    """Every combination of the parameter values, the last parameter varying fastest.

    >>> expand_grid([("a", [1, 2]), ("b", [10, 20])])
    [{'a': 1, 'b': 10}, {'a': 1, 'b': 20}, {'a': 2, 'b': 10}, {'a': 2, 'b': 20}]
    """
    names = [n for n, _ in params]
    return [dict(zip(names, combo)) for combo in itertools.product(*(vals for _, vals in params))]


def _grid_label(point: dict[str, float]) -> str:
    return ",".join(f"{k}={v:g}" for k, v in point.items())


@dataclass
class SweepResult:
    """A sweep table (one row per combination) and its break-even table."""

    table: pd.DataFrame
    breakeven: pd.DataFrame
    params: list[str] = field(default_factory=list)


BREAKEVEN_COLUMNS = ["parameter", "link", "event", "low", "high", "breakeven", "tolerance", "context"]


def sweep(
    shared: Shared,
    params: Sequence[tuple[str, Sequence[float]]],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    tolerance: float | None = None,
    refine: bool = True,
) -> SweepResult:
    """Solve every combination of the grid and locate break-even values.

    Parameters
    ----------
    params : sequence of (name, values)
        From :func:`parse_params`.
    tolerance : float, optional
        Width (in the parameter's unit) to which each break-even is refined by bisection;
        default 1/1000 of the grid interval.
    refine : bool
        Refine break-evens by bisection (False: report the grid interval only).

    Returns
    -------
    SweepResult
        ``table``: parameter columns, status, :data:`KPI_COLUMNS`, ``used_links``.
        ``breakeven``: one row per link that appears or disappears between two
        consecutive values of one parameter (others fixed): ``event`` is 'appears' or
        'disappears' as the parameter increases; ``breakeven`` the refined value.
    """
    for name, values in params:  # validate names and values before any solve
        with_parameters(shared.scenario, {name: values[0]})
    grid = expand_grid(params)
    variants = [Variant(_grid_label(p), params=tuple(p.items())) for p in grid]
    with _maybe_client(workers, scheduler, len(variants)) as client:
        outcomes = _run(variants, shared, workers, scheduler, client, desc="sweep")
        rows = []
        for point, o in zip(grid, outcomes):
            row: dict[str, Any] = dict(point)
            row.update(_kpi_row(o))
            rows.append(row)
        table = pd.DataFrame(rows)
        jobs = _breakeven_jobs(params, grid, outcomes, tolerance)
        if refine and jobs:
            found = run_tasks(
                _bisect, jobs, shared=shared, workers=workers, scheduler=scheduler, client=client, desc="break-even"
            )
        else:
            found = [[(j.low, j.high)] * len(j.links) for j in jobs]
    rows_be = [
        {
            "parameter": j.name,
            "link": link,
            "event": event,
            "low": lo,
            "high": hi,
            "breakeven": (lo + hi) / 2,
            "tolerance": hi - lo,
            "context": _grid_label(j.context),
        }
        for j, bounds in zip(jobs, found)
        for (link, event), (lo, hi) in zip(j.links, bounds)
    ]
    return SweepResult(table, pd.DataFrame(rows_be, columns=BREAKEVEN_COLUMNS), [n for n, _ in params])


class _NoClient:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def _maybe_client(workers: int | None, scheduler: str | None, n_tasks: int) -> Any:
    """One cluster for several batches, unless the work runs in-process."""
    if scheduler is None and (workers == 1 or (workers is None and default_workers(n_tasks) == 1)):
        return _NoClient()
    return dask_client(workers if workers is not None else default_workers(n_tasks), scheduler)


@dataclass(frozen=True)
class _BisectJob:
    """One grid interval of one parameter in which some links appear or disappear."""

    name: str
    low: float
    high: float
    context: dict[str, float]
    tolerance: float
    used_low: frozenset[str]
    used_high: frozenset[str]
    links: tuple[tuple[str, Literal["appears", "disappears"]], ...]


def _breakeven_jobs(
    params: Sequence[tuple[str, Sequence[float]]],
    grid: list[dict[str, float]],
    outcomes: list[Outcome],
    tolerance: float | None,
) -> list[_BisectJob]:
    index = {tuple(p.items()): o for p, o in zip(grid, outcomes)}
    jobs = []
    for name, values in params:
        ordered = sorted(set(values))
        others = [(n, v) for n, v in params if n != name]
        for ctx in expand_grid(others) if others else [{}]:
            for lo, hi in itertools.pairwise(ordered):
                a = index.get(_key(params, ctx, name, lo))
                b = index.get(_key(params, ctx, name, hi))
                if a is None or b is None or not (a.ok and b.ok):
                    continue
                links = tuple(
                    [(link, "appears") for link in sorted(set(b.used) - set(a.used))]
                    + [(link, "disappears") for link in sorted(set(a.used) - set(b.used))]
                )
                if links:
                    tol = tolerance if tolerance is not None else (hi - lo) / 1000.0
                    jobs.append(_BisectJob(name, lo, hi, dict(ctx), tol, frozenset(a.used), frozenset(b.used), links))
    return jobs


def _key(params: Sequence[tuple[str, Sequence[float]]], ctx: dict[str, float], name: str, value: float) -> tuple:
    return tuple((n, value if n == name else ctx[n]) for n, _ in params)


def _bisect(shared: Shared, job: _BisectJob) -> list[tuple[float, float]]:
    """Narrow [low, high] around the value where each of ``job.links`` changes state.

    One bisection serves every link of the interval: the interval is split where the
    set of used links differs between its ends, so links that change together (a hub
    opening moves several streams at once) share their solves. Returns one (low, high)
    per link, in ``job.links`` order.
    """
    found: dict[str, tuple[float, float]] = {}
    watched = [link for link, _ in job.links]

    def refine(lo: float, hi: float, used_lo: frozenset[str], used_hi: frozenset[str]) -> None:
        pending = [link for link in watched if link not in found and (link in used_lo) != (link in used_hi)]
        if not pending:
            return
        if hi - lo <= job.tolerance:
            found.update({link: (lo, hi) for link in pending})
            return
        mid = (lo + hi) / 2
        try:
            o = evaluate(shared, Variant("bisect", params=tuple({**job.context, job.name: mid}.items())))
        except InputError:  # e.g. an integer parameter: stop at the resolution reached
            found.update({link: (lo, hi) for link in pending})
            return
        used_mid = frozenset(o.used)
        refine(lo, mid, used_lo, used_mid)
        refine(mid, hi, used_mid, used_hi)

    refine(job.low, job.high, job.used_low, job.used_high)
    return [found.get(link, (job.low, job.high)) for link in watched]


def _sweep_chart(res: SweepResult, path: Path, currency: str) -> None:
    fig = _figure()
    table = res.table
    if len(res.params) == 2:
        a, b = res.params
        pivot = table.pivot_table(index=b, columns=a, values="savings", aggfunc="first")
        ax = fig.add_subplot()
        im = ax.imshow(pivot.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(pivot.columns)), [f"{v:g}" for v in pivot.columns])
        ax.set_yticks(range(len(pivot.index)), [f"{v:g}" for v in pivot.index])
        ax.set_xlabel(a)
        ax.set_ylabel(b)
        fig.colorbar(im, ax=ax, label=f"savings ({currency}/yr)")
    else:
        ax = fig.add_subplot()
        x = table[res.params[0]].to_numpy(dtype=float) if len(res.params) == 1 else np.arange(len(table))
        ax.plot(x, table["savings"].to_numpy(dtype=float), marker="o", color="#2a9d8f", label="savings")
        ax.set_xlabel(res.params[0] if len(res.params) == 1 else "combination")
        ax.set_ylabel(f"savings ({currency}/yr)")
        ax2 = ax.twinx()
        ax2.plot(x, table["co2e_avoided_t"].to_numpy(dtype=float), marker="s", color="#264653", label="CO2e avoided")
        ax2.set_ylabel("CO2e avoided (t/yr)")
        for be in res.breakeven.itertuples():
            if len(res.params) == 1:
                ax.axvline(be.breakeven, color="grey", linestyle=":", linewidth=1)
    fig.suptitle("Sensitivity sweep")
    fig.savefig(path, dpi=110)


def sweep_command(
    scenario_dir: str | Path,
    params: list[str],
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    tolerance: float | None = None,
) -> Path:
    """``symnet sweep``: write ``OUT/sweep.csv``, ``OUT/breakeven.csv`` and ``OUT/sweep.png``."""
    check_workers(workers)
    parsed = parse_params(params)
    shared = prepare(scenario_dir)
    res = sweep(shared, parsed, workers=workers, scheduler=scheduler, tolerance=tolerance)
    with _staged(out, shared, force) as tmp:
        res.table.to_csv(tmp / "sweep.csv", index=False)
        res.breakeven.to_csv(tmp / "breakeven.csv", index=False)
        _sweep_chart(res, tmp / "sweep.png", shared.scenario.config.economics.currency)
    return Path(out)


# ---------------------------------------------------------------------------------------
# 3. cost-CO2e Pareto front (epsilon-constraint)
# ---------------------------------------------------------------------------------------
PARETO_COLUMNS = [
    "point",
    "kind",
    "co2_cap_t",
    "status",
    "total_cost",
    "co2e_total_t",
    "savings",
    "co2e_avoided_t",
    "tonne_km",
    "active_links",
    "used_links",
]


def pareto_front(
    shared: Shared, points: int = 7, *, workers: int | None = None, scheduler: str | None = None
) -> pd.DataFrame:
    """Cost-CO2e trade-off by the epsilon-constraint method.

    Solves min cost (CO2e E_max at that optimum) and min CO2e (E_min; then min cost with
    CO2e <= E_min), then min cost with ``co2_cap_t`` at ``points - 2`` evenly spaced caps
    strictly between E_min and E_max. Rows are sorted by CO2e; columns
    :data:`PARETO_COLUMNS` (money per year, CO2e t/yr).
    """
    if points < 2:
        raise InputError([Problem("--points", None, "points", f"got {points}; expected at least 2")])
    ends = _run([Variant("min cost"), Variant("min co2", objective="co2")], shared, 1, None, desc="pareto ends")
    _require_ok(ends[0], "min cost")
    _require_ok(ends[1], "min CO2e")
    e_max = float(ends[0].co2_t)
    e_min = float(ends[1].co2_t)
    slack = max(abs(e_min) * 1e-7, 1e-6)
    caps = list(np.linspace(e_min, e_max, points)[1:-1]) if e_max - e_min > slack else []
    variants = [Variant("min co2 (cheapest)", co2_cap_t=e_min + slack)]
    variants += [Variant(f"cap {i + 1}", co2_cap_t=float(c)) for i, c in enumerate(caps)]
    outcomes = [ends[0]] + _run(variants, shared, workers, scheduler, desc="pareto")
    kinds = ["min cost", "min co2"] + ["epsilon"] * len(caps)
    cap_values = [math.nan, e_min + slack] + [float(c) for c in caps]
    rows = []
    for kind, cap, o in zip(kinds, cap_values, outcomes):
        row = {"kind": kind, "co2_cap_t": cap}
        row.update(_kpi_row(o))
        rows.append(row)
    table = pd.DataFrame(rows).sort_values(["co2e_total_t", "total_cost"], kind="stable").reset_index(drop=True)
    table["point"] = np.arange(1, len(table) + 1)
    return table.reindex(columns=PARETO_COLUMNS)


def _pareto_chart(table: pd.DataFrame, path: Path, currency: str) -> None:
    fig = _figure()
    ax = fig.add_subplot()
    ok = table.loc[table["status"].isin(["optimal", "time_limit"])]
    ax.plot(ok["co2e_total_t"], ok["total_cost"], marker="o", color="#264653")
    for r in ok.itertuples():
        ax.annotate(str(r.point), (r.co2e_total_t, r.total_cost), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlabel("CO2e (t/yr)")
    ax.set_ylabel(f"total cost ({currency}/yr)")
    ax.set_title("Cost - CO2e Pareto front")
    fig.savefig(path, dpi=110)


def pareto_command(
    scenario_dir: str | Path,
    points: int,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
) -> Path:
    """``symnet pareto``: write ``OUT/pareto.csv`` and ``OUT/pareto.png``."""
    check_workers(workers)
    shared = prepare(scenario_dir)
    table = pareto_front(shared, points, workers=workers, scheduler=scheduler)
    with _staged(out, shared, force) as tmp:
        table.to_csv(tmp / "pareto.csv", index=False)
        _pareto_chart(table, tmp / "pareto.png", shared.scenario.config.economics.currency)
    return Path(out)


# ---------------------------------------------------------------------------------------
# 4. resilience
# ---------------------------------------------------------------------------------------
RESILIENCE_COLUMNS = [
    "rank",
    "actor",
    "name",
    "status",
    "benefit_lost",
    "share_of_benefit",
    "savings",
    "links_lost",
    "streams_orphaned",
    "co2e_avoided_lost_t",
]
CENTRALITY_COLUMNS = [
    "node",
    "name",
    "kind",
    "in_degree",
    "out_degree",
    "degree",
    "betweenness",
    "throughput",
    "cluster",
    "cluster_size",
]


def _without_actor(scenario: Scenario, actor: str) -> Scenario:
    reduced = copy.copy(scenario)
    reduced.supplies = [s for s in scenario.supplies if s.actor != actor]
    reduced.demands = [d for d in scenario.demands if d.actor != actor]
    return reduced


def resilience(
    shared: Shared, *, workers: int | None = None, scheduler: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove each actor in turn and re-optimise; rank keystone actors.

    Returns
    -------
    (resilience, centrality) : DataFrames
        ``resilience`` (:data:`RESILIENCE_COLUMNS`): ``benefit_lost`` = saving of the
        full optimum minus the saving without the actor (both against their own baseline),
        currency/yr; ``streams_orphaned``: supplies and demands of *other* actors that
        were exchanged in the optimum and are no longer. ``centrality``
        (:data:`CENTRALITY_COLUMNS`): the optimal exchange network's degree,
        betweenness and weakly connected clusters.
    """
    from symnet.kpi import baseline

    scenario, network = shared.scenario, shared.network
    actors = [a.id for a in scenario.actors]
    variants = [Variant("all")] + [Variant(a, excluded_actors=frozenset({a})) for a in actors]
    outcomes = _run(variants, shared, workers, scheduler, desc="resilience")
    base = outcomes[0]
    _require_ok(base, "the full optimum")
    links = network.links.set_index("link")
    base_savings = float(base.kpis["savings"])
    base_streams = _served_streams(links, base.used)
    names = {a.id: a.name for a in scenario.actors}
    rows = []
    for actor, o in zip(actors, outcomes[1:]):
        row: dict[str, Any] = {"actor": actor, "name": names[actor], "status": o.status}
        if o.ok:
            reduced = _without_actor(scenario, actor)
            savings = baseline(reduced)["total_cost"] - float(o.objective)
            co2_avoided = baseline(reduced)["co2e_t"] - float(o.co2_t)
            own = {s.id for s in scenario.supplies if s.actor == actor} | {
                d.id for d in scenario.demands if d.actor == actor
            }
            lost_streams = sorted(base_streams - _served_streams(links, o.used) - own)
            row.update(
                savings=savings,
                benefit_lost=base_savings - savings,
                share_of_benefit=(base_savings - savings) / base_savings if abs(base_savings) > TOL else math.nan,
                links_lost=len(set(base.used) - set(o.used)),
                streams_orphaned=";".join(lost_streams),
                co2e_avoided_lost_t=float(base.kpis["co2e_avoided_t"]) - co2_avoided,
            )
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("benefit_lost", ascending=False, kind="stable", na_position="last")
    table = table.reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reindex(columns=RESILIENCE_COLUMNS), centrality(network, base.used)


def _served_streams(links: pd.DataFrame, used: dict[str, float]) -> set[str]:
    sel = links.loc[list(used)] if used else links.iloc[0:0]
    return set(sel["supply"]) | set(sel.loc[sel["target_kind"] == "demand", "target"])


def centrality(network: SymbiosisNetwork, used: dict[str, float]) -> pd.DataFrame:
    """Graph measures of the exchange network formed by the ``used`` links.

    Nodes are the actors and site options that send or receive; edges the used links
    (parallel links of one pair merged, weight = quantity). ``betweenness`` is networkx's
    normalised betweenness on the directed graph; ``cluster`` numbers the weakly
    connected components (1 = largest).
    """
    g = nx.DiGraph()
    links = network.links.set_index("link")
    names = dict(zip(network.nodes["node"], network.nodes["name"]))
    kinds = dict(zip(network.nodes["node"], network.nodes["kind"]))
    for lid in sorted(used):
        r = links.loc[lid]
        u, v = r["source_node"], r["target_node"]
        w = g.edges[u, v]["quantity"] if g.has_edge(u, v) else 0.0
        g.add_edge(u, v, quantity=w + used[lid])
    if g.number_of_nodes() == 0:
        return pd.DataFrame(columns=CENTRALITY_COLUMNS)
    betweenness = nx.betweenness_centrality(g, normalized=True)
    comps = sorted((sorted(c) for c in nx.weakly_connected_components(g)), key=lambda c: (-len(c), c[0]))
    cluster = {n: i + 1 for i, comp in enumerate(comps) for n in comp}
    size = {n: len(comp) for comp in comps for n in comp}
    rows = [
        {
            "node": n,
            "name": names.get(n, n),
            "kind": kinds.get(n, ""),
            "in_degree": g.in_degree(n),
            "out_degree": g.out_degree(n),
            "degree": g.degree(n),
            "betweenness": betweenness[n],
            "throughput": sum(d["quantity"] for *_, d in g.in_edges(n, data=True))
            + sum(d["quantity"] for *_, d in g.out_edges(n, data=True)),
            "cluster": cluster[n],
            "cluster_size": size[n],
        }
        for n in sorted(g.nodes)
    ]
    table = pd.DataFrame(rows).sort_values(
        ["betweenness", "degree", "node"], ascending=[False, False, True], kind="stable"
    )
    return table.reset_index(drop=True).reindex(columns=CENTRALITY_COLUMNS)


def resilience_command(
    scenario_dir: str | Path,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
) -> Path:
    """``symnet resilience``: write ``OUT/resilience.csv`` and ``OUT/centrality.csv``."""
    check_workers(workers)
    shared = prepare(scenario_dir)
    table, cent = resilience(shared, workers=workers, scheduler=scheduler)
    with _staged(out, shared, force) as tmp:
        table.to_csv(tmp / "resilience.csv", index=False)
        cent.to_csv(tmp / "centrality.csv", index=False)
    return Path(out)


# ---------------------------------------------------------------------------------------
# 5. explain: why not this link?
# ---------------------------------------------------------------------------------------
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
    optimum = _outcome("optimum", result, mip)
    _require_ok(optimum, "the optimum")
    fixed: dict[str, float] = {}
    for lid in mip.links.loc[mip.links["activation"], "link"]:
        fixed[lid] = 1.0 if optimum.used.get(lid, 0.0) > TOL else 0.0
    for opt, (opened, _, _) in optimum.sites.items():
        fixed[opt] = 1.0 if opened else 0.0
    lp = AllocationModel(scenario, network, fixed_binaries=fixed, threads=shared.threads)
    lp_result = lp.solve()
    _require_ok(_outcome("lp", lp_result, lp), "the LP with binaries fixed")
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
    checks = [_confirmation(scenario, r) for r in candidates.head(confirm).to_dict("records")]
    checks = [c for c in checks if c is not None]
    variants = [Variant(f"without {lid}", drop_links=frozenset({lid})) for lid in used_ids]
    variants += [v for _, _, _, v in checks]
    outcomes = _run(variants, shared, workers, scheduler, desc="explain") if variants else []
    margins = {
        lid: (o.objective - optimum.objective) if o.ok else math.inf
        for lid, o in zip(used_ids, outcomes[: len(used_ids)])
    }
    table["margin"] = table["link"].map(margins)
    confirmations = {
        lid: (param, value, bool(o.ok and o.used.get(lid, 0.0) > TOL))
        for (lid, param, value, _), o in zip(checks, outcomes[len(used_ids) :])
    }
    for k, column in enumerate(("confirmed_parameter", "confirmed_value", "confirmed")):
        table[column] = table["link"].map({lid: c[k] for lid, c in confirmations.items()}).astype(object)
    excluded = network.excluded
    if len(excluded):
        ex = pd.DataFrame(
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
        table = pd.concat([table, ex], ignore_index=True)
    return table.reindex(columns=EXPLAIN_COLUMNS)


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
    """The binding reason an unused link stays out of the optimum."""
    if link["min_volume"] > 0 and link["U"] + TOL < link["min_volume"]:
        return (
            "below minimum volume",
            f"at most {link['U']:.4g} per year can flow; the minimum is {link['min_volume']:.4g}",
        )
    target = link["target"]
    if link["target_kind"] == "facility":
        opened, throughput, capacity = optimum.sites.get(target, (False, 0.0, math.inf))
        if not opened:
            return "site not opened", f"{target} is not opened in the optimum"
        if math.isfinite(capacity) and throughput >= capacity * (1 - 1e-6):
            return "receiver full", f"{target} runs at its capacity {capacity:.4g}"
    standalone = _standalone_value(scenario, link)
    if standalone is not None and standalone <= TOL:
        return (
            "too far",
            f"transport and gate fee ({link['unit_cost']:.4g}/unit) exceed what the link saves ({link['unit_cost'] + standalone:.4g}/unit)",
        )
    if standalone is not None and link["fixed_cost"] > 0 and standalone * link["U"] < link["fixed_cost"]:
        return (
            "fixed cost not covered",
            f"at most {standalone * link['U']:.4g}/yr saved against a fixed cost of {link['fixed_cost']:.4g}/yr",
        )
    inflow = sum(
        q
        for lid, q in optimum.used.items()
        if lid.split("->", 1)[-1].startswith(f"{target}:") or lid.split("->", 1)[-1].startswith(f"{target}#")
    )
    demand = next((d for d in scenario.demands if d.id == target), None)
    if demand is not None and inflow * link["factor"] >= demand.quantity * (1 - 1e-6):
        return "receiver full", f"{target} is fully supplied by other links"
    if link["min_volume"] > 0:
        return (
            "below minimum volume",
            f"the volume it could carry does not justify its minimum of {link['min_volume']:.4g}",
        )
    return (
        "cheaper alternative",
        f"another use of {link['supply']} or another source for {target} is cheaper by {gap:.4g}/unit",
    )


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
    with _staged(out, shared, force) as tmp:
        table.to_csv(tmp / "explain.csv", index=False)
    return Path(out)
