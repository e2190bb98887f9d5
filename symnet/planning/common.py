"""What every planner workflow shares: variants, their outcomes, loading once, writing once.

A workflow loads its scenario and builds the candidate network once (:func:`prepare`,
giving a :class:`Shared`), describes the re-solves it needs as :class:`Variant` objects,
runs them with :func:`run_variants` (in-process or on Dask, results in input order) and
turns the compact :class:`Outcome` of each into table rows (:func:`kpi_row`). Its output
folder is written atomically by :func:`staged_output`.

Money is in the scenario's currency per year, quantities in canonical units per year,
distances in metres, CO2e in t/yr.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Literal

import pandas as pd

from symnet.errors import SymnetError
from symnet.network import DistanceProvider, SymbiosisNetwork, build_network, estimated_distances
from symnet.parallel import dask_client, default_workers, run_tasks
from symnet.scenario import Scenario, load_scenario, resolve_parameter, with_parameters

#: Numerical tolerance on quantities (canonical units per year) and money (currency per year).
TOL = 1e-6
#: KPI columns every workflow table carries (see :mod:`symnet.kpi`).
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
#: Parameters that change which links exist or how long they are: the network is rebuilt
#: (road distances already computed are reused from the distance table).
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
    objective: float | None  # currency/yr (or t/yr for objective='co2')
    kpis: dict[str, Any]
    used: dict[str, float]  # link id -> quantity per year
    sites: dict[str, tuple[bool, float, float]]  # option -> (opened, throughput, capacity)
    co2_t: float | None = None  # model CO2e (the epsilon-constraint's left side), t/yr

    #: Solver statuses with a usable solution.
    OK_STATUSES: ClassVar[tuple[str, ...]] = ("optimal", "time_limit")

    @property
    def ok(self) -> bool:
        """True when the solve ended with a usable solution (optimal or at the time limit)."""
        return self.status in self.OK_STATUSES


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
    return outcome_of(variant.label, result)


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
        network = _edit_links(network, variant)
    return scenario, network


def _edit_links(network: SymbiosisNetwork, variant: Variant) -> SymbiosisNetwork:
    """The network with ``variant.drop_links`` removed and ``variant.link_cost_delta`` added."""
    links = network.links
    if variant.drop_links:
        links = links.loc[~links["link"].isin(variant.drop_links)]
    if variant.link_cost_delta:
        delta = links["link"].map(dict(variant.link_cost_delta)).fillna(0.0).to_numpy(dtype=float)
        links = links.assign(unit_cost=links["unit_cost"].to_numpy(dtype=float) + delta)
    return replace(network, links=links.reset_index(drop=True), _graph=None)


def _table_then_estimate(table: pd.DataFrame, circuity: float) -> Any:
    estimate = estimated_distances(circuity)

    def provider(origins: pd.DataFrame, destinations: pd.DataFrame) -> pd.DataFrame:
        est = estimate(origins, destinations)
        both = pd.concat([table, est], ignore_index=True)
        return both.drop_duplicates(["origin", "destination"], keep="first")

    return provider


def outcome_of(label: str, result: Any) -> Outcome:
    """The compact :class:`Outcome` of an optimisation result (:class:`symnet.result.Result`)."""
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
# loading once, running many, writing atomically
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
    # unbounded: a variant that raises a road limit reuses this network's distance table
    network = build_network(scenario, distances=distance_provider(source, search_to_reach=False))
    return Shared(scenario, network, estimated=source.router is None, threads=scenario.config.solver.threads or 1)


def staged_output(out: str | Path, shared: Shared, force: bool) -> AbstractContextManager[Path]:
    """The output folder of a workflow, written atomically (see :func:`symnet.pipeline.staged_output_dir`).

    Use as ``with staged_output(out, shared, force) as tmp: ...``: files written into
    ``tmp`` replace ``out`` only when the block ends without an error.
    """
    from symnet.pipeline import scenario_inputs, staged_output_dir

    staged: AbstractContextManager[Path] = staged_output_dir(Path(out), scenario_inputs(shared.scenario), force)
    return staged


def run_variants(
    variants: Sequence[Variant],
    shared: Shared,
    workers: int | None,
    scheduler: str | None,
    client: Any = None,
    desc: str = "variants",
) -> list[Outcome]:
    """:func:`evaluate` every variant (see :func:`symnet.parallel.run_tasks`), in input order."""
    return run_tasks(evaluate, variants, shared=shared, workers=workers, scheduler=scheduler, client=client, desc=desc)


def maybe_client(workers: int | None, scheduler: str | None, n_tasks: int) -> AbstractContextManager[Any]:
    """One Dask client for several batches of tasks, or ``None`` when the work runs in-process."""
    if scheduler is None and (workers == 1 or (workers is None and default_workers(n_tasks) == 1)):
        return nullcontext(None)
    return dask_client(workers if workers is not None else default_workers(n_tasks), scheduler)


def require_ok(outcome: Outcome, what: str) -> None:
    """Raise :class:`SymnetError` unless ``outcome`` has a usable solution."""
    if not outcome.ok:
        raise SymnetError(f"{what}: the optimisation ended '{outcome.status}': {outcome.message}")


def number(value: float | None) -> float:
    """``value`` as a float, NaN for None (an objective or CO2e of an unsolved variant)."""
    return math.nan if value is None else float(value)


def kpi_row(o: Outcome) -> dict[str, Any]:
    """The status, :data:`KPI_COLUMNS` (NaN when unsolved) and ``used_links`` of one outcome."""
    row: dict[str, Any] = {"status": o.status}
    row.update({k: o.kpis.get(k, math.nan) if o.ok else math.nan for k in KPI_COLUMNS})
    row["used_links"] = ";".join(sorted(o.used))
    return row


def resource_units(scenario: Scenario) -> dict[str, str]:
    """Resource id -> its canonical unit (e.g. ``t``, ``MWh``)."""
    return {rid: r.unit for rid, r in scenario.catalogue.resources.items()}


def format_streams(links: pd.DataFrame, used: dict[str, float], units: dict[str, str]) -> str:
    """``supply->target quantity unit`` for every used link of ``links``, joined by '; '."""
    parts = [
        f"{r.supply}->{r.target} {used[r.link]:.4g} {units.get(r.resource, '')}".rstrip()
        for r in links.itertuples()
        if r.link in used
    ]
    return "; ".join(parts)
