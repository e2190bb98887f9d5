"""The ``symnet`` command.

Exit codes: 0 success, 2 bad input (every problem printed as ``file:row:column:
message``, no traceback), 1 internal error. Errors go to stderr.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from symnet import __version__
from symnet.errors import InputError, Problem, SymnetError, printable
from symnet.routing.cli import build_roads_app

app = typer.Typer(
    name="symnet",
    help="Find and optimise industrial symbiosis in a region: residual streams, real road "
    "distances, optimal allocation, GIS outputs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True, emoji=False)  # ":id:" in "sites.csv:id: ..." is no emoji

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2


def report_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn InputError into exit status 2 and other failures into 1, without tracebacks
    (set SYMNET_DEBUG=1 to see them). A command's ``allow_outside`` option (``--allow-outside``)
    applies to every scenario the command loads."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import os

        from symnet.scenario.paths import inputs_outside_allowed

        try:
            with inputs_outside_allowed(bool(kwargs.get("allow_outside", False))):
                return func(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
            n = len(exc.problems)
            err.print(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.", markup=False)
            raise typer.Exit(EXIT_INPUT) from None
        except SymnetError as exc:
            err.print(f"error: {printable(exc)}", markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_INPUT) from None
        except typer.Exit:
            raise
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:
            if os.environ.get("SYMNET_DEBUG"):
                raise
            err.print(
                f"internal error: {type(exc).__name__}: {printable(exc)}\n"
                "This is a bug in symnet; run again with SYMNET_DEBUG=1 for the traceback.",
                markup=False,
            )
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"symnet {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """symnet: regional industrial symbiosis network analyser."""


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario folder (scenario.yaml + CSV files).")]
AllowOutsideOpt = Annotated[
    bool,
    typer.Option(
        "--allow-outside",
        help="Read files the scenario names outside its folder (actors_file, network.osm, links); refused by default.",
    ),
]


def print_warnings(warnings: list[Any]) -> None:
    for w in warnings:
        err.print(f"warning: {printable(w)}", markup=False, highlight=False, soft_wrap=True)


@app.command()
@report_errors
def validate(scenario_dir: ScenarioArg, allow_outside: AllowOutsideOpt = False) -> None:
    """Check a scenario folder and print a summary (exit 2 listing every problem if invalid)."""
    from symnet.provenance import provenance_counts
    from symnet.scenario import load_scenario

    scenario = load_scenario(scenario_dir)
    print_warnings(scenario.warnings)
    s = scenario.summary()
    out.print(f"[bold]{s['name']}[/bold]: valid")
    out.print(
        f"  {s['actors']} actors, {s['supplies']} supplies, {s['demands']} demands, "
        f"{s['sites']} candidate sites ({s['site_options']} facility options), periods: {', '.join(s['periods'])}",
        soft_wrap=True,
    )
    table = Table("resource", "unit", "supply / yr", "demand / yr", box=None, pad_edge=False)
    for res, row in s["resources"].items():
        table.add_row(res, row["unit"], f"{row['supply']:,.1f}", f"{row['demand']:,.1f}")
    out.print(table)
    counts = provenance_counts(scenario)
    out.print(
        f"  {counts['sourced']} sourced, {counts['assumed']} assumed of {counts['total']} numbers with a source "
        "(sourced = quoted from a study section; see the scenario's source columns)"
    )


@app.command()
@report_errors
def resources() -> None:
    """List the resource catalogue: resources, classes, units, modes and default fates."""
    from symnet.resources import load_catalogue

    cat = load_catalogue()
    table = Table("resource", "unit", "classes", "modes (max km)", "default fate")
    for rid, r in sorted(cat.resources.items()):
        modes = ", ".join(f"{m} ({spec.max_km:g})" for m, spec in r.modes.items()) or "-"
        table.add_row(rid, r.unit, ", ".join(r.classes), modes, r.default_fate)
    out.print(table)


OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output directory (replaced only with --force).")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an existing output directory.")]
OsmOpt = Annotated[
    Path | None, typer.Option("--osm", help="OSM extract (.osm, .osm.bz2, .osm.pbf) for road distances.")
]
OnlineOpt = Annotated[
    bool,
    typer.Option(
        "--online",
        help="Download the region's roads through osmnx when no extract is given (needs internet; saved under gis/).",
    ),
]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", help="Dask workers on this machine (default: one per core).")
]
SchedulerOpt = Annotated[
    str | None, typer.Option("--scheduler", help="Address of an existing Dask scheduler, tcp://HOST:PORT.")
]


def _fmt_money(value: Any, currency: str) -> str:
    return "-" if value is None else f"{value:,.0f} {currency}"


def _print_run(run: Any) -> None:
    r = run.result
    k = r.kpis
    cur = r.currency
    out.print(
        f"[bold]{run.scenario.name}[/bold]: {r.status} ({r.solver}"
        + (f", gap {r.gap:.2%}" if r.gap is not None else "")
        + ")"
    )
    if r.message and r.message != r.status:
        out.print(f"  {r.message}", markup=False)
    out.print(f"  distances: {run.distances.description}", markup=False)
    if not r.ok:
        return
    from symnet.assumptions import kpi_assumptions, top_assumptions
    from symnet.existing import headline_sentences

    rests = k.get("assumption_kpis") or kpi_assumptions(r, run.scenario)
    table = Table("KPI", "value", "rests on assumptions", box=None, pad_edge=False)
    rows = [
        ("total cost / yr", _fmt_money(k.get("total_cost"), cur), "total_cost"),
        ("baseline cost / yr", _fmt_money(k.get("baseline_cost"), cur), "baseline_cost"),
        ("savings / yr", _fmt_money(k.get("savings"), cur), "savings"),
        ("landfill diverted", f"{k.get('landfill_diverted_t', 0):,.1f} t/yr", "landfill_diverted_t"),
        ("incineration diverted", f"{k.get('incineration_diverted_t', 0):,.1f} t/yr", "incineration_diverted_t"),
        ("CO2e avoided", f"{k.get('co2e_avoided_t', 0):,.1f} t/yr", "co2e_avoided_t"),
        ("heat recovered", f"{k.get('heat_recovered_mwh', 0):,.0f} MWh/yr", "heat_recovered_mwh"),
        ("tonne-km", f"{k.get('tonne_km', 0):,.0f} t-km/yr", "tonne_km"),
        ("active links", str(k.get("active_links", 0)), "active_links"),
        ("opened sites", ", ".join(k.get("opened_sites") or []) or "none", "opened_sites"),
    ]
    for label, value, key in rows:
        dep = rests.get(key) or []
        table.add_row(label, value, f"yes ({len(dep)})" if dep else "no")
    out.print(table)
    for sentence in headline_sentences(k, cur):
        out.print(f"  {sentence}", markup=False, soft_wrap=True)
    top = top_assumptions(r, run.scenario, n=8)
    if top:
        total = len({key for keys in rests.values() for key in keys})
        out.print(f"  These KPIs rest on {total} assumed numbers; the most used:")
        for key, src, kpis in top:
            out.print(f"    {key} ({len(kpis)} KPIs): {src}", markup=False, soft_wrap=True)
        out.print("  (report.html lists every one of them, with the KPIs that use it)")
    _print_participants(k, cur)


def _print_run_summary(run: Any, public: bool) -> None:
    """The terminal summary of a run; with ``public`` only public figures, by the rule of
    the public files (symnet/outputs/public.py): the KPIs, participants and settlement as
    :func:`symnet.pipeline.public_kpis` gives them to summary.json, and every confidential
    id or name in the printed text replaced by its public label."""
    if not public:
        _print_run(run)
        return
    import dataclasses

    from symnet.outputs.public import PublicRule, public_scenario
    from symnet.pipeline import public_kpis

    rule = PublicRule.of_scenario(run.scenario)
    result = dataclasses.replace(run.result, kpis=public_kpis(run.result.kpis, run.scenario))
    with out.capture() as captured:
        _print_run(dataclasses.replace(run, result=result, scenario=public_scenario(run.scenario)))
    out.file.write(rule.scrub(captured.get()))
    out.file.flush()


def _print_participants(k: dict[str, Any], cur: str) -> None:
    """The participant table (top gains and losses) and the settlement summary."""
    from symnet.participants import COLUMNS

    if "participants" not in k:
        return
    import pandas as pd

    from symnet.participants import winners_and_losers

    table = pd.DataFrame(k["participants"], columns=COLUMNS)
    out.print(f"  {k['participants_headline']}", markup=False, soft_wrap=True)
    win, lose = winners_and_losers(table, 5)
    shown = Table("participant", "kind", f"today {cur}/yr", f"with symbiosis {cur}/yr", f"gain {cur}/yr", box=None)
    for r in pd.concat([win, lose]).itertuples():
        shown.add_row(
            str(r.name), str(r.kind), _fmt_money(r.baseline_cost, cur), _fmt_money(r.cost, cur), _fmt_money(r.gain, cur)
        )
    out.print(shown)
    st = k.get("settlement") or {}
    if st.get("error"):
        out.print(f"  settlement ({st['rule']}): refused: {st['error']}", markup=False, soft_wrap=True)
    elif st:
        methods = "; ".join(sorted(set(st["methods"].values())))
        out.print(
            f"  settlement ({methods}): {len(st['transfers'])} transfers move {_fmt_money(st['transferred'], cur)}/yr "
            "so that every participant gains at least nothing (settlement.csv: who pays whom)",
            markup=False,
            soft_wrap=True,
        )
        for t in sorted(st["transfers"], key=lambda t: -t["sek_per_yr"])[:5]:
            out.print(
                f"    {t['payer']} pays {t['payee']} {_fmt_money(t['sek_per_yr'], cur)}/yr on {t['exchange']} "
                f"({t['sek_per_unit']:,.2f} {cur}/{t['unit'] or 'unit'})",
                markup=False,
                soft_wrap=True,
            )


@app.command()
@report_errors
def run(
    scenario_dir: ScenarioArg,
    out_dir: OutOpt = Path("out"),
    osm: OsmOpt = None,
    online: OnlineOpt = False,
    solver: Annotated[str | None, typer.Option("--solver", help="highs (default) or cbc.")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="Solver time limit, seconds.")] = None,
    gap: Annotated[float | None, typer.Option("--gap", help="Relative MIP gap, e.g. 0.01.")] = None,
    public: Annotated[
        bool, typer.Option("--public", help="Aggregate confidential actors and streams in every output.")
    ] = False,
    rule: Annotated[
        str, typer.Option("--rule", help="How the settlement shares the savings: proportional, equal or nucleolus.")
    ] = "proportional",
    basemap: Annotated[
        str | None,
        typer.Option(
            "--basemap",
            help="osm: OpenStreetMap tiles under map.html when the browser is online (offline: the embedded "
            "roads and towns); none: no tiles, no request. Default: the scenario's map.basemap (osm).",
        ),
    ] = None,
    allow_outside: AllowOutsideOpt = False,
    force: ForceOpt = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Dask workers on this machine for the independent parts of a large model "
            "(default: one per core; 1: solve them in this process).",
        ),
    ] = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Optimise a scenario and write summary.json, flows.csv, disposal.csv, participants.csv, settlement.csv,
    network.gpkg, map and report."""
    from symnet.parallel import check_workers
    from symnet.pipeline import check_output_dir, output_writers, run_scenario, scenario_inputs, write_run
    from symnet.scenario import load_scenario

    if solver is not None and solver not in ("highs", "cbc"):
        raise InputError([Problem("--solver", None, None, f"'{solver}' is not a solver; expected highs or cbc")])
    if rule not in ("proportional", "equal", "nucleolus"):
        raise InputError(
            [Problem("--rule", None, None, f"'{rule}' is not a rule; expected proportional, equal or nucleolus")]
        )
    if basemap is not None and basemap not in ("osm", "none"):
        raise InputError([Problem("--basemap", None, None, f"'{basemap}' is not a basemap; expected osm or none")])
    _check_solver_options(time_limit, gap)
    check_workers(workers)
    scenario = load_scenario(scenario_dir)
    print_warnings(scenario.warnings)
    check_output_dir(out_dir, [scenario_dir, *scenario_inputs(scenario, osm)], force)
    run_out = run_scenario(
        scenario,
        osm=osm,
        online=online,
        solver=solver,
        time_limit_s=time_limit,
        gap=gap,
        settlement_rule=rule,
        workers=workers,
        scheduler=scheduler,
    )
    for w in run_out.warnings:
        err.print(f"warning: {printable(w)}", markup=False, soft_wrap=True)
    if not run_out.result.ok:
        _print_run_summary(run_out, public)
        raise typer.Exit(_no_solution(run_out.result.status))
    writers = output_writers(public, basemap or scenario.config.map.basemap, run_out, osm)
    write_run(run_out, out_dir, force=force, public=public, extra_writers=writers)
    _print_run_summary(run_out, public)
    out.print(f"  outputs written to {out_dir}/", markup=False)


def _no_solution(status: str) -> int:
    """Explain a run without a solution (nothing is written) and give its exit status:
    2 when the scenario itself cannot be satisfied (infeasible or unbounded: input-caused),
    1 when the solver gave up or failed (limits, numerical trouble)."""
    if status in ("infeasible", "unbounded"):
        err.print(
            f"error: the scenario is {status}: its constraints cannot all hold (see the reasons above); "
            "fix the scenario. Nothing was written.",
            markup=False,
            soft_wrap=True,
        )
        return EXIT_INPUT
    err.print(
        f"error: the solver found no solution (status {status}); raise --time-limit, loosen --gap or try "
        "--solver cbc. Nothing was written.",
        markup=False,
        soft_wrap=True,
    )
    return EXIT_INTERNAL


def _check_solver_options(time_limit: float | None, gap: float | None) -> None:
    """``--time-limit`` (seconds) is finite and > 0; ``--gap`` is finite, 0 <= gap < 1."""
    import math

    problems = []
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        problems.append(
            Problem(
                "--time-limit", None, None, f"'{time_limit:g}' is not allowed; expected a finite number of seconds > 0"
            )
        )
    if gap is not None and not (math.isfinite(gap) and 0 <= gap < 1):
        problems.append(
            Problem(
                "--gap", None, None, f"'{gap:g}' is not allowed; expected a relative gap with 0 <= gap < 1, e.g. 0.01"
            )
        )
    if problems:
        raise InputError(problems)


@app.command()
@report_errors
def distances(
    points: Annotated[Path, typer.Option("--points", help="CSV with id,lon,lat.")],
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="Output CSV: origin,destination,distance_m,duration_s,method.")
    ],
    osm: OsmOpt = None,
    metric: Annotated[
        str, typer.Option("--metric", help="length or time: what the shortest path minimises.")
    ] = "length",
    online: OnlineOpt = False,
    cutoff_km: Annotated[
        float | None,
        typer.Option(
            "--cutoff-km",
            help="Search each origin only this far by road; farther pairs get no distance, method 'beyond cutoff'.",
        ),
    ] = None,
) -> None:
    """Road distance and travel-time matrix between points (all ordered pairs)."""
    from symnet.routing.cli import distances_command

    if metric not in ("length", "time"):
        raise InputError([Problem("--metric", None, None, f"'{metric}' is not a metric; expected length or time")])
    if cutoff_km is not None and not (math.isfinite(cutoff_km) and cutoff_km > 0):
        raise InputError([Problem("--cutoff-km", None, None, f"'{cutoff_km:g}' is not a distance; expected km > 0")])
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = distances_command(
            osm=osm, points=points, out=out_file, metric=metric, online=online, cutoff_km=cutoff_km
        )
    print_warnings([w.message for w in caught])
    out.print(f"distances written to {out_file}", markup=False)
    if code:
        raise typer.Exit(code)


@app.command()
@report_errors
def export(
    result_dir: Annotated[Path, typer.Argument(help="A result directory written by `symnet run`.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="gpkg, geojson, shp, fgb, csv or postgis.")] = "gpkg",
    out_path: Annotated[Path | None, typer.Option("--out", "-o", help="Output file or folder.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="postgresql://USER@HOST:PORT/DB for --format postgis.")] = None,
    schema: Annotated[str, typer.Option("--schema", help="PostGIS schema.")] = "symnet",
    public: Annotated[bool, typer.Option("--public", help="Aggregate confidential actors and streams.")] = False,
    force: ForceOpt = False,
) -> None:
    """Export a result's network to GIS formats or PostGIS."""
    from symnet.outputs import export_command

    export_command(result_dir, fmt, out_path, to=to, schema=schema, public=public, force=force)
    out.print(f"exported {result_dir} as {fmt}" + (f" to {out_path}" if out_path else ""), markup=False)


@app.command()
@report_errors
def compare(
    scenario_dir: ScenarioArg,
    out_dir: OutOpt = Path("out/compare"),
    sites: Annotated[str | None, typer.Option("--sites", help="Comma-separated site ids (default: all).")] = None,
    choose: Annotated[
        int | None, typer.Option("--choose", help="Also let the optimiser choose the best N sites.")
    ] = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    participation: Annotated[
        bool,
        typer.Option(
            "--participation", help="Compare the system optimum with the individually-rational one (no loser)."
        ),
    ] = False,
    allow_outside: AllowOutsideOpt = False,
    force: ForceOpt = False,
) -> None:
    """Compare candidate co-location sites: each forced open in turn, ranked by net benefit.
    With --participation: the system optimum and the "no loser" optimum side by side."""
    from symnet.planning import compare_command

    if participation:
        _compare_participation(scenario_dir, out_dir, force)
        return

    compare_command(
        scenario_dir,
        out_dir,
        sites=sites.split(",") if sites else None,
        choose=choose,
        workers=workers,
        scheduler=scheduler,
        force=force,
    )
    out.print(f"site comparison written to {out_dir}/sites.csv", markup=False)


def _compare_participation(scenario_dir: Path, out_dir: Path, force: bool) -> None:
    """``compare --participation``: both optima's savings and each participant's gain."""
    from symnet.planning.compare import compare_participation_command

    table = compare_participation_command(scenario_dir, out_dir, force)
    shown = Table("participant", "kind", "gain: system /yr", "gain: no loser /yr", "difference /yr", box=None)
    changed = table.loc[
        (table["participant"] == "TOTAL")
        | (table["gain_system"].abs() > 1e-6)
        | (table["gain_individually_rational"].abs() > 1e-6)
    ]
    for r in changed.itertuples():
        shown.add_row(
            str(r.name),
            str(r.kind),
            f"{r.gain_system:,.0f}",
            f"{r.gain_individually_rational:,.0f}",
            f"{r.difference:,.0f}",
        )
    out.print(shown)
    cost = float(table["gain_system"].iat[0] - table["gain_individually_rational"].iat[0])
    out.print(f"  the no-loser rule costs {cost:,.0f} per year of savings", markup=False)
    out.print(f"participation comparison written to {out_dir}/participation.csv", markup=False)


@app.command()
@report_errors
def sweep(
    scenario_dir: ScenarioArg,
    param: Annotated[
        list[str], typer.Option("--param", help="name=v1,v2,... (repeat for a grid), e.g. landfill_tax=400,800,1200.")
    ],
    out_dir: OutOpt = Path("out/sweep"),
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    allow_outside: AllowOutsideOpt = False,
    force: ForceOpt = False,
) -> None:
    """Sensitivity sweep over scenario parameters, with break-even values."""
    from symnet.planning import sweep_command

    sweep_command(scenario_dir, param, out_dir, workers=workers, scheduler=scheduler, force=force)
    out.print(f"sweep written to {out_dir}/sweep.csv", markup=False)


@app.command()
@report_errors
def pareto(
    scenario_dir: ScenarioArg,
    points: Annotated[int, typer.Option("--points", help="Number of points on the front.")] = 7,
    out_dir: OutOpt = Path("out/pareto"),
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    allow_outside: AllowOutsideOpt = False,
    force: ForceOpt = False,
) -> None:
    """Cost-CO2e Pareto front (epsilon-constraint)."""
    from symnet.planning import pareto_command

    pareto_command(scenario_dir, points, out_dir, workers=workers, scheduler=scheduler, force=force)
    out.print(f"Pareto front written to {out_dir}/pareto.csv", markup=False)


@app.command()
@report_errors
def resilience(
    scenario_dir: ScenarioArg,
    out_dir: OutOpt = Path("out/resilience"),
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    allow_outside: AllowOutsideOpt = False,
    force: ForceOpt = False,
) -> None:
    """Remove each actor in turn: benefit lost, orphaned streams, keystone actors."""
    from symnet.planning import resilience_command

    resilience_command(scenario_dir, out_dir, workers=workers, scheduler=scheduler, force=force)
    out.print(f"resilience written to {out_dir}/resilience.csv", markup=False)


@app.command()
@report_errors
def explain(
    scenario_dir: ScenarioArg,
    out_dir: OutOpt = Path("out/explain"),
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    allow_outside: AllowOutsideOpt = False,
    force: ForceOpt = False,
) -> None:
    """Why not this link? Break-even values and binding reasons for every candidate link."""
    from symnet.planning import explain_command

    explain_command(scenario_dir, out_dir, workers=workers, scheduler=scheduler, force=force)
    out.print(f"explanations written to {out_dir}/explain.csv", markup=False)


@app.command()
@report_errors
def uncertainty(
    scenario_dir: ScenarioArg,
    samples: Annotated[int, typer.Option("--samples", help="Number of Latin-hypercube samples.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sampler (same seed, same results).")] = 0,
    out_dir: OutOpt = Path("out/uncertainty"),
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    allow_outside: AllowOutsideOpt = False,
    force: ForceOpt = False,
) -> None:
    """Monte Carlo over the assumed numbers: KPI spread, robustness of the decision, drivers."""
    from symnet.planning.uncertainty import uncertainty_command

    res = uncertainty_command(scenario_dir, samples, seed, out_dir, workers=workers, scheduler=scheduler, force=force)
    share = res.summary["robustness"]["share_optimal"]
    out.print(f"recommendation optimal in {share:.0%} of {samples} samples", markup=False)
    out.print(f"uncertainty written to {out_dir}/uncertainty.csv", markup=False)


app.add_typer(build_roads_app(report_errors), name="roads")


def main() -> None:
    """Console-script entry point.

    A finished command ends the process at once: the exit handlers run and the streams
    are flushed, but the interpreter does not tear down every imported module one by one
    (geopandas, matplotlib, HiGHS, PROJ: 0.5-1.5 s of a 5 s ``symnet run`` on 2 cores).
    Every output is closed by then (atomic writes, clusters closed in ``with`` blocks).
    An unexpected exception still ends the usual way, with its traceback.
    """
    try:
        app()
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): print it, status 1
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (symnet ... | head)
            stream.flush()
    os._exit(code)
