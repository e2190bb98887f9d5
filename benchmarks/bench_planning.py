"""Planner workflows: cost of a sweep variant against a full run, and the 1 -> 2 worker speed-up.

Two scenarios, each swept over 60 variants (landfill tax x diesel price, 10 x 6):

- ``harjedalen``: the shipped scenario, distances **estimated** (great circle x circuity);
- ``andorra40``: a generated scenario of 40 actors at Andorran towns, distances **routed**
  on the real extract ``shared/data/osm/andorra.osm.pbf`` (written to a temporary folder),
  so that the reuse of routes by every variant shows.

For each: a full ``symnet run`` equivalent (load + road graph + distances + network +
solve; the road graph comes from symnet's on-disk cache after the first run, as for a
repeated ``symnet run``) against one variant (reprice + build + solve); then the sweep
in-process and on *warm* LocalClusters of 1 and 2 workers (cluster start-up, including
the worker warm-up, is timed separately), with the in-worker solve time and the per-task
overhead; the 2-worker run is also timed with one Dask task per variant (no chunking).
The machine's load average is printed at the start and the end: other processes on the
machine change the wall times, so run it when ``uptime`` shows a low load.

Usage: ``python benchmarks/bench_planning.py [--scenario NAME ...] [--repeat N]``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from symnet.parallel import dask_client, run_tasks
from symnet.planning import Outcome, Shared, Variant, evaluate, expand_grid, prepare

ROOT = Path(__file__).resolve().parents[1]
OSM = ROOT.parent / "shared" / "data" / "osm" / "andorra.osm.pbf"
TAXES = [float(v) for v in range(0, 1800, 180)]  # 10 values, currency/t
DIESEL = [10.0, 14.0, 18.0, 22.0, 26.0, 30.0]  # 6 values, currency/l

# Andorran towns (lon, lat) the generated actors are scattered around (+-0.003 deg)
TOWNS = [
    (1.5218, 42.5063),
    (1.5341, 42.5097),
    (1.5800, 42.5347),
    (1.5975, 42.5676),
    (1.5147, 42.5459),
    (1.4906, 42.4637),
    (1.5333, 42.5556),
    (1.4844, 42.5728),
    (1.6676, 42.5766),
    (1.4980, 42.4930),
    (1.6500, 42.5790),
    (1.5178, 42.5764),
]
# (sector, role, resource, quantity t/yr, current fate / price columns)
ROLES = [
    ("wood", "supply", "wood_residues", 300, "landfill,600"),
    ("tourism", "supply", "food_waste", 150, "incineration,900"),
    ("manufacturing", "supply", "metal_scrap", 60, "contractor,400"),
    ("energy", "demand", "biofuel", 600, "450,0"),
    ("energy", "demand", "biogas_feedstock", 300, "0,0"),
    ("waste management", "demand", "metal_scrap", 400, "0,-300"),
]
ANDORRA_YAML = f"""\
name: andorra40
description: Generated benchmark scenario, 40 actors at Andorran towns, routed on a real OSM extract.
region: Andorra (benchmark, not a study region)
country: AD
crs: EPSG:25831
periods: year
economics:
  source: "assumption: benchmark values"
  landfill_tax: 500
  diesel_price: 18
  road: {{payload_t: 20, cost_per_km: 15, fuel_l_per_km: 0.3, empty_return: true, handling_cost_per_t: 20}}
network:
  osm: {OSM}
  circuity: {{value: 1.4, source: "assumption: mountain valleys"}}
"""


def write_andorra_scenario(folder: Path, n_actors: int = 40, seed: int = 7) -> Path:
    """Write a scenario of ``n_actors`` actors cycling through :data:`ROLES`, placed at
    :data:`TOWNS` with a seeded jitter of up to 0.003 degrees (~300 m)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    actors, supplies, demands = (
        ["id,name,sector,municipality,lon,lat"],
        ["id,actor,resource,quantity,unit,current_fate,fate_cost"],
        ["id,actor,resource,quantity,unit,price,gate_fee"],
    )
    for i in range(n_actors):
        sector, role, resource, qty, rest = ROLES[i % len(ROLES)]
        lon, lat = TOWNS[i % len(TOWNS)]
        lon, lat = lon + rng.uniform(-0.003, 0.003), lat + rng.uniform(-0.003, 0.003)
        actors.append(f"a{i},Actor {i},{sector},Andorra,{lon:.5f},{lat:.5f}")
        row = f"{role[0]}{i},a{i},{resource},{qty},t,{rest}"
        (supplies if role == "supply" else demands).append(row)
    (folder / "scenario.yaml").write_text(ANDORRA_YAML, "utf-8")
    for name, lines in (("actors", actors), ("supplies", supplies), ("demands", demands)):
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


def timed_evaluate(shared: Shared, variant: Variant) -> tuple[Outcome, float, float]:
    """:func:`evaluate` with its wall and CPU seconds (measured where it runs)."""
    t0, c0 = time.perf_counter(), time.thread_time()
    outcome = evaluate(shared, variant)
    return outcome, time.perf_counter() - t0, time.thread_time() - c0


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """Median wall seconds of ``repeat`` calls of ``run`` and the result of that median call."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = run()
        runs.append((time.perf_counter() - t0, result))
    runs.sort(key=lambda r: r[0])
    return runs[len(runs) // 2]


def full_run(scenario: Path, repeat: int) -> tuple[float, float, Shared]:
    """Median wall and CPU seconds of load + road graph + distances + build + solve."""
    times, cpu, shared = [], [], None
    prepare(scenario)  # fills the road-graph cache, as a first `symnet run` does
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.thread_time()
        shared = prepare(scenario)
        outcome = evaluate(shared, Variant("full"))
        times.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        assert outcome.ok, outcome.message
    return statistics.median(times), statistics.median(cpu), shared


def command_run(scenario: Path, repeat: int) -> float:
    """Median wall seconds of the real `symnet run` command (interpreter start-up, imports,
    routing, solving and writing every output: what a user waits for per scenario)."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "symnet", "run", str(scenario), "--out", str(Path(tmp) / "out"), "--force"],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(scenario: Path, repeat: int) -> list[tuple[str, str]]:
    """All figures for one scenario, as (label, value) rows."""
    full, full_cpu, shared = full_run(scenario, repeat)
    command = command_run(scenario, repeat)
    grid = expand_grid([("landfill_tax", TAXES), ("diesel_price", DIESEL)])
    variants = [Variant(f"v{i}", params=tuple(p.items())) for i, p in enumerate(grid)]
    n = len(variants)

    t_serial, serial = best_of(repeat, lambda: run_tasks(timed_evaluate, variants, shared=shared, workers=1))
    reference = [o for o, _, _ in serial]
    solve_wall = sum(w for _, w, _ in serial) / n
    solve_cpu = sum(c for _, _, c in serial) / n
    rows = [
        ("links in the network", f"{len(shared.network.links)}"),
        ("distances", "estimated" if shared.estimated else "routed"),
        ("full run: load + graph + distances + build + solve, s (wall / CPU)", f"{full:.3f} / {full_cpu:.3f}"),
        ("one variant, in-process, s (wall / CPU of the solving thread)", f"{solve_wall:.3f} / {solve_cpu:.3f}"),
        ("full run / variant (wall)", f"{full / solve_wall:.1f}x"),
        ("`symnet run` command incl. start-up and outputs, s", f"{command:.2f}"),
        ("`symnet run` command / variant (wall)", f"{command / solve_wall:.1f}x"),
        (f"{n} variants, in-process, s", f"{t_serial:.2f}"),
    ]
    cluster: dict[int, float] = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        with dask_client(workers=workers) as client:
            start = time.perf_counter() - t0
            t_run, out = best_of(repeat, lambda: run_tasks(timed_evaluate, variants, shared=shared, client=client))
            assert [o for o, _, _ in out] == reference, "results differ from the in-process run"
            in_task = sum(w for _, w, _ in out)
            rows.append((f"{n} variants, warm LocalCluster({workers}), s", f"{t_run:.2f}"))
            rows.append(
                (
                    f"  in-worker solve per variant, s (wall / CPU), {workers} worker(s)",
                    f"{in_task / n:.3f} / {sum(c for _, _, c in out) / n:.3f}",
                )
            )
            rows.append(
                (
                    f"  Dask overhead per variant, ms, {workers} worker(s)",
                    f"{(t_run * workers - in_task) / n * 1000:.1f}",
                )
            )
            if workers == 2:
                t_one, out = best_of(
                    repeat, lambda: run_tasks(timed_evaluate, variants, shared=shared, client=client, chunk_size=1)
                )
                assert [o for o, _, _ in out] == reference
                rows.append((f"{n} variants, warm LocalCluster(2), one task per variant, s", f"{t_one:.2f}"))
            t1 = time.perf_counter()
        cluster[workers] = t_run
        rows.append(
            (f"LocalCluster({workers}) start + warm-up / stop, s", f"{start:.2f} / {time.perf_counter() - t1:.2f}")
        )
    rows += [
        ("speed-up in-process -> 2 workers (warm)", f"{t_serial / cluster[2]:.2f}x"),
        ("speed-up 1 -> 2 workers (both warm clusters)", f"{cluster[1] / cluster[2]:.2f}x"),
        ("results in-process vs 1 vs 2 workers", "identical"),
    ]
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--scenario",
        nargs="*",
        default=["harjedalen", "andorra40"],
        help="'harjedalen', 'andorra40' or a scenario folder",
    )
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    load_start = os.getloadavg()
    print(
        f"load average (1/5/15 min) at start: {load_start[0]:.2f} / {load_start[1]:.2f} / {load_start[2]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.scenario:
            if name == "andorra40":
                folder = write_andorra_scenario(Path(tmp) / "andorra40")
            elif name == "harjedalen":
                folder = ROOT / "scenarios" / "harjedalen"
            else:
                folder = Path(name)
            rows = bench(folder, args.repeat)
            print(f"\n## {name} ({len(TAXES) * len(DIESEL)} variants, median of {args.repeat})")
            width = max(len(k) for k, _ in rows)
            for k, v in rows:
                print(f"{k:<{width}}  {v}")
    load_end = os.getloadavg()
    print(f"\nload average (1/5/15 min) at end: {load_end[0]:.2f} / {load_end[1]:.2f} / {load_end[2]:.2f}")


if __name__ == "__main__":
    main()
