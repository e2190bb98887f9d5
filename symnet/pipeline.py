"""`symnet run` end to end: load -> route -> network -> model -> KPIs -> outputs.

Each stage takes typed objects and returns typed objects; this module only wires
them together and writes the result directory atomically.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from symnet.errors import InputError, Problem
from symnet.existing import flows_with_status, unbounded_warning
from symnet.outputs._format import write_csv
from symnet.outputs.atomic import conflicting_input, staged_dir
from symnet.result import Result
from symnet.scenario import Scenario

SUMMARY_KEYS = (
    "status",
    "solver",
    "objective",
    "total_cost",
    "baseline_cost",
    "savings",
    "landfill_diverted_t",
    "incineration_diverted_t",
    "co2e_avoided_t",
    "tonne_km",
    "heat_recovered_mwh",
    "active_links",
    "opened_sites",
    "distance_methods",
)


@dataclass
class DistanceSource:
    """How a run obtains its distances, for the summary and the report."""

    kind: str  # 'routed' (OSM extract) or 'estimated'
    description: str
    circuity: float
    router: Any = None  # symnet.routing.Router when routed
    path: Path | None = None  # the road extract read, when routed


@dataclass
class RunOutput:
    """Everything one run produced."""

    scenario: Scenario
    network: Any  # symnet.network.SymbiosisNetwork
    result: Result
    distances: DistanceSource
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def distance_source(
    scenario: Scenario, osm: Path | None = None, online: bool = False, cache_dir: Path | None = None
) -> DistanceSource:
    """Choose where distances come from: ``osm`` (command line) wins over the scenario's
    ``network.osm``; ``online`` downloads the region through osmnx when neither is given
    (explicit opt-in; saved as ``gis/<scenario folder>_roads.graphml`` beside ``scenarios/``);
    otherwise great-circle x the scenario's circuity factor, clearly labelled.

    Raises
    ------
    InputError
        When an OSM path is given but missing.
    """
    from symnet import routing

    path = osm if osm is not None else scenario.osm_path()
    circuity = scenario.config.network.circuity
    graph = None
    if online and path is None:
        lons = [a.lon for a in scenario.actors] + [s.lon for s in scenario.sites]
        lats = [a.lat for a in scenario.actors] + [s.lat for s in scenario.sites]
        gis_dir = (scenario.folder.parent.parent / "gis") if scenario.folder else Path("gis")
        name = f"{scenario.folder.name if scenario.folder else 'scenario'}_roads"
        graph = routing.download_road_graph(
            (min(lons), min(lats), max(lons), max(lats)),
            buffer_m=10_000,
            out_dir=gis_dir,
            crs=scenario.config.crs,
            name=name,
        )
        path = routing.saved_graph_path(gis_dir, name)
    if path is None:
        return DistanceSource(
            "estimated", f"estimated: great-circle x circuity {circuity:g} (no road extract given)", circuity
        )
    path = Path(path)
    if graph is None:
        if not path.is_file():
            raise InputError(
                [
                    Problem(
                        str(path),
                        None,
                        None,
                        "road extract not found; expected an .osm, .osm.bz2 or .osm.pbf file "
                        "(or leave network.osm unset to estimate distances)",
                    )
                ]
            )
        graph = routing.load_road_graph(path, crs=scenario.config.crs, cache_dir=cache_dir)
    area = [(a.id, a.lon, a.lat) for a in scenario.actors] + [(s.site, s.lon, s.lat) for s in scenario.sites]
    router = routing.Router(
        graph, snap_warn_m=scenario.config.network.snap_warn_m, scenario_circuity=circuity, area=area
    )
    return DistanceSource(
        "routed",
        f"routed on {path.name} (estimates, x{router.circuity:.2f} ({router.circuity_source}), "
        "where routing cannot answer)",
        router.circuity,
        router,
        path,
    )


def distance_provider(source: DistanceSource, search_to_reach: bool = True) -> Callable[..., pd.DataFrame]:
    """A network distance provider for a distance source (routed or estimated).

    ``search_to_reach``: route each origin only up to the largest road limit of the pairs
    asked about (see :data:`symnet.network.DistanceProvider`). Workflows whose variants may
    raise the limits and reuse this network's distance table (sweeps, Monte Carlo) pass
    False, so that the table holds the road distance of every pair within reach by
    straight line, as the variants expect."""
    from symnet import network

    if source.router is None:
        return network.estimated_distances(source.circuity)

    from symnet.routing.table import REASON_CUTOFF

    def routed(origins: pd.DataFrame, destinations: pd.DataFrame, reach_m: float | None = None) -> pd.DataFrame:
        """Road distances searched up to ``reach_m``: pairs farther than that (by road,
        not estimate) are answered ``inf``, :data:`~symnet.network.BEYOND_REACH`."""
        cutoff = reach_m if search_to_reach else None
        frame = source.router.matrix(origins, destinations, cutoff_m=cutoff).to_frame()
        beyond = (frame["reason"] == REASON_CUTOFF).to_numpy()
        frame.loc[beyond, ["distance_m", "duration_s"]] = math.inf
        frame.loc[beyond, "method"] = network.BEYOND_REACH
        return frame

    return routed


def run_scenario(
    scenario: Scenario,
    *,
    osm: Path | None = None,
    online: bool = False,
    solver: str | None = None,
    time_limit_s: float | None = None,
    gap: float | None = None,
    cache_dir: Path | None = None,
    settlement_rule: str = "proportional",
    workers: int | None = 1,
    scheduler: str | None = None,
) -> RunOutput:
    """Run the whole pipeline on a loaded scenario and return its outputs (nothing written).
    ``settlement_rule``: how the savings are shared (:mod:`symnet.settlement`); ``workers``
    and ``scheduler``: where a decomposed model's parts are solved (see
    :class:`~symnet.optimise.AllocationModel`)."""
    import warnings

    from symnet.kpi import compute_kpis
    from symnet.network import build_network
    from symnet.optimise import AllocationModel

    timings: dict[str, float] = {}
    caught: list[str] = []
    with warnings.catch_warnings(record=True) as wlist:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        source = distance_source(scenario, osm=osm, online=online, cache_dir=cache_dir)
        timings["road_graph_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        net = build_network(scenario, distances=distance_provider(source))
        timings["network_s"] = time.perf_counter() - t0
        model = AllocationModel(
            scenario, net, solver=solver, time_limit_s=time_limit_s, gap=gap, workers=workers, scheduler=scheduler
        )
        result = model.solve()
        timings["build_model_s"] = result.build_seconds
        timings["solve_s"] = result.solve_seconds
        if result.ok:
            t0 = time.perf_counter()
            result.kpis = compute_kpis(result, scenario)
            add_participants(result, scenario, net, settlement_rule, solver=solver, time_limit_s=time_limit_s, gap=gap)
            if source.router is not None:
                result.geometries = _route_geometries(source, result)
            timings["kpis_and_routes_s"] = time.perf_counter() - t0
        caught = [str(w.message) for w in wlist]
    outlet_warning = unbounded_warning(result.kpis, result.currency) if result.ok else None
    if outlet_warning:
        caught.append(outlet_warning)
    return RunOutput(scenario, net, result, source, timings, caught)


def add_participants(result: Result, scenario: Scenario, network: Any, rule: str, **solver: Any) -> None:
    """Every participant's economics and the settlement by ``rule``, into ``result.kpis``
    (:func:`symnet.participants.participant_kpis`, :func:`symnet.settlement.settlement_kpis`)."""
    from symnet.participants import participant_economics, participant_kpis
    from symnet.settlement import model_coalition_value, settlement_kpis

    table = participant_economics(result, scenario)
    result.kpis.update(participant_kpis(table, result.currency))
    value = model_coalition_value(scenario, network, **solver) if rule == "nucleolus" else None
    result.kpis.update(settlement_kpis(result, table, rule, value))


def _route_geometries(source: DistanceSource, result: Result) -> dict[str, Any]:
    """Road-route LineStrings (WGS84) for the used routed road links."""
    links = result.links
    if links.empty:
        return {}
    used = links[links["used"] & (links["mode"] == "road") & (links["method"] == "routed")]
    if used.empty:
        return {}
    nodes = result.nodes.set_index("node")

    def point(node: str) -> tuple[str, float, float]:
        return (node, float(nodes.at[node, "lon"]), float(nodes.at[node, "lat"]))

    pairs = [(point(row.source_node), point(row.target_node)) for row in used.itertuples()]
    lines = source.router.routes(pairs, wgs84=True)
    return dict(zip(used["link"], lines))


def summary(run: RunOutput) -> dict[str, Any]:
    """The run's summary.json content: status, costs, KPIs, distances, assumptions."""
    r = run.result
    k = r.kpis
    data: dict[str, Any] = {
        "scenario": run.scenario.name,
        "status": r.status,
        "solver": r.solver,
        "objective": r.objective,
        "bound": r.bound,
        "gap": r.gap,
        "message": r.message,
        "currency": r.currency,
        "distances": run.distances.description,
        "circuity": run.distances.circuity,
    }
    for key in SUMMARY_KEYS:
        if key not in data:
            data[key] = k.get(key)
    for key, value in k.items():
        data.setdefault(key, value)
    data["assumptions"] = run.scenario.assumptions()
    data["timings_s"] = run.timings
    data["warnings"] = run.warnings
    return _json_safe(data)


def _json_safe(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _json_safe(v) for k, v in node.items()}
    if isinstance(node, (list, tuple, set)):
        return [_json_safe(v) for v in node]
    if isinstance(node, float) and not math.isfinite(node):
        return None
    if hasattr(node, "item") and callable(node.item):  # numpy scalars
        return _json_safe(node.item())
    return node


def scenario_inputs(scenario: Scenario, osm: Path | None = None, cache_dir: Path | None = None) -> list[Path]:
    """Every path a run of ``scenario`` reads, symlinks resolved: the scenario folder, each
    file and folder in it and the target of each symlink there, the actors file (which may
    live outside, ``actors_file: ../shared/actors.csv``), the road extract (``osm`` from the
    command line, else ``network.osm``) and the road-graph cache folder."""
    from symnet.routing import default_cache_dir

    paths: list[Path] = []
    folder = scenario.folder
    if folder is not None:
        paths.append(folder)
        for root, dirs, files in os.walk(folder, followlinks=False):
            for name in dirs + files:
                entry = Path(root) / name
                paths.append(entry)
                if entry.is_symlink():
                    paths.append(entry.resolve())
        paths.append(folder / scenario.config.actors_file)
    for extra in (osm, scenario.osm_path(), cache_dir or default_cache_dir()):
        if extra is not None:
            paths.append(Path(extra))
    return list(dict.fromkeys(p.resolve() for p in paths))


def check_output_dir(out_dir: Path, inputs: list[Path], force: bool) -> None:
    """Refuse to write over inputs (an output folder equal to an input, holding one, e.g.
    the scenario folder or a parent of it, or inside an input folder), or over an existing
    directory without ``force``."""
    hit = conflicting_input(out_dir, inputs, inside_inputs=True)
    if hit is not None:
        raise InputError(
            [
                Problem(
                    str(out_dir),
                    None,
                    None,
                    f"the output directory would overwrite or sit inside the input {hit}; choose another --out",
                )
            ]
        )
    if out_dir.exists() and not force:
        raise InputError([Problem(str(out_dir), None, None, "output directory exists; use --force to replace it")])


def write_run(
    run: RunOutput,
    out_dir: Path,
    *,
    force: bool = False,
    public: bool = False,
    extra_writers: list[Callable[[Result, Scenario, Path], None]] | None = None,
) -> Path:
    """Write summary.json, flows.csv, disposal.csv (+ GIS, map and report when available)
    into ``out_dir`` atomically: everything goes to a temporary sibling directory that
    replaces ``out_dir`` only when complete."""
    from symnet.outputs.public import PublicRule, public_scenario, public_table, public_value

    out_dir = Path(out_dir)
    rule = PublicRule.of_scenario(run.scenario)

    def table(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
        return public_table(frame, kind, rule) if public else frame

    with staged_output_dir(out_dir, scenario_inputs(run.scenario, run.distances.path), force) as tmp:
        r = run.result
        data = summary(run)
        if public:  # one rule for every file: the public KPIs go to summary.json, report and map
            data = _json_safe(public_value(data, rule))
            r = dataclasses.replace(r, kpis=public_kpis(r.kpis, run.scenario))
            data.update({k: v for k, v in _json_safe(r.kpis).items() if k in data})
        (tmp / "summary.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), "utf-8")
        flows = (
            r.flows
            if not r.flows.empty
            else pd.DataFrame(
                columns=[
                    "supplier",
                    "receiver",
                    "resource",
                    "period",
                    "quantity",
                    "unit",
                    "distance_m",
                    "method",
                    "cost",
                ]
            )
        )
        flows = flows_with_status(r, run.scenario) if len(r.flows) or run.scenario.exchanges else flows
        write_csv(table(flows, "flows"), tmp / "flows.csv")
        write_csv(table(r.disposal, "disposal"), tmp / "disposal.csv")
        write_csv(table(r.links, "links"), tmp / "links.csv")
        if not r.excluded.empty:
            write_csv(table(r.excluded, "excluded"), tmp / "excluded.csv")
        _write_participants(r, run.scenario, tmp, public)
        scenario = public_scenario(run.scenario) if public else run.scenario
        for writer in extra_writers or []:
            writer(r, scenario, tmp)
    return out_dir


def public_kpis(kpis: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    """The KPIs of a result for public outputs (``summary.json``, report, map): the
    participant and settlement tables aggregated (:func:`symnet.participants.public_view`,
    :func:`symnet.settlement.public_transfers`), everything else through
    :func:`public_value`."""
    from symnet.outputs.public import PublicRule, public_value
    from symnet.participants import COLUMNS as PARTICIPANT_COLUMNS
    from symnet.participants import public_view
    from symnet.settlement import SETTLEMENT_COLUMNS, public_transfers

    rule = PublicRule.of_scenario(scenario)
    data = dict(kpis)
    if "participants" in data:
        table = pd.DataFrame(data["participants"], columns=PARTICIPANT_COLUMNS)
        data["participants"] = public_view(table, scenario).to_dict("records")
    settlement = data.get("settlement")
    if isinstance(settlement, dict) and "transfers" in settlement:
        moves = pd.DataFrame(settlement["transfers"], columns=SETTLEMENT_COLUMNS)
        data["settlement"] = {
            **settlement,
            "transfers": public_transfers(moves, scenario).to_dict("records"),
            "shares": [],  # per-participant shares: participants.csv carries their aggregate
        }
    return dict(public_value(data, rule))


def _write_participants(result: Result, scenario: Scenario, folder: Path, public: bool) -> None:
    """participants.csv and settlement.csv (when the run computed them; public: confidential
    actors aggregated per municipality, money to 2 significant figures)."""
    from symnet.participants import COLUMNS, public_view
    from symnet.settlement import SETTLEMENT_COLUMNS, public_transfers

    if "participants" in result.kpis:
        table = pd.DataFrame(result.kpis["participants"], columns=COLUMNS)
        write_csv((public_view(table, scenario) if public else table), folder / "participants.csv")
    st = result.kpis.get("settlement")
    if st is not None:
        moves = pd.DataFrame(st["transfers"], columns=SETTLEMENT_COLUMNS)
        write_csv((public_transfers(moves, scenario) if public else moves), folder / "settlement.csv")


@contextlib.contextmanager
def staged_output_dir(out_dir: Path, inputs: list[Path], force: bool) -> Iterator[Path]:
    """Yield a temporary sibling of ``out_dir`` to write into; it replaces ``out_dir`` only
    when the block completes, and is removed if the block fails. The destination is
    checked first (:func:`check_output_dir`)."""
    check_output_dir(out_dir, inputs, force)
    with staged_dir(out_dir, replace=force) as tmp:
        yield tmp


def output_writers(
    public: bool, basemap: str = "osm", run: Any = None, osm: Path | None = None
) -> list[Callable[..., Any]]:
    """The GIS, map and report writers of a run for :func:`write_run` (none when the output
    extras are not installed); ``osm`` is the road extract the run was given, if any."""
    try:
        from symnet.outputs import write_outputs
        from symnet.outputs.context import MapContext, run_map_context
    except ImportError:  # GIS/report outputs not installed in this build
        return []
    context = run_map_context(run, osm) if run is not None else MapContext()
    return [
        lambda result, scenario, folder: write_outputs(
            result, scenario, folder, public=public, basemap=basemap, context=context
        )
    ]
