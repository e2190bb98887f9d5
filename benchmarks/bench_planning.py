"""Planner workflows: cost of a sweep variant against a full run, and the 1 -> 2 worker speed-up.

A sweep of 60 variants of the Härjedalen scenario (landfill tax x diesel price, 10 x 6)
is solved with 1 worker (in-process) and with 2 workers (a LocalCluster), and compared
with a full ``symnet run`` equivalent (load + distances + network build + solve).

Usage: ``python benchmarks/bench_planning.py [--scenario DIR] [--repeat N]``
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from pathlib import Path

import pandas as pd

from symnet.parallel import dask_client
from symnet.planning import Variant, evaluate, prepare, sweep

ROOT = Path(__file__).resolve().parents[1]
TAXES = [float(v) for v in range(0, 1800, 180)]           # 10 values, SEK/t
DIESEL = [10.0, 14.0, 18.0, 22.0, 26.0, 30.0]             # 6 values, SEK/l


def full_run_seconds(scenario: Path, repeat: int) -> tuple[float, float]:
    """Median wall and CPU time of load + distances + build + solve (what `symnet run` computes)."""
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        shared = prepare(scenario)
        outcome = evaluate(shared, Variant("full"))
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        assert outcome.ok, outcome.message
    return statistics.median(times), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "harjedalen")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--refine", action="store_true", help="also time the break-even bisection")
    args = ap.parse_args()
    params = [("landfill_tax", TAXES), ("diesel_price", DIESEL)]
    n = len(TAXES) * len(DIESEL)

    full, full_cpu = full_run_seconds(args.scenario, args.repeat)
    shared = prepare(args.scenario)

    load_before = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    one = sweep(shared, params, workers=1, refine=False)
    t_one, cpu_one = time.perf_counter() - t0, time.process_time() - c0

    t0 = time.perf_counter()
    two = sweep(shared, params, workers=2, refine=False)
    t_two_total = time.perf_counter() - t0
    t0 = time.perf_counter()
    with dask_client(workers=2):
        pass
    t_cluster = time.perf_counter() - t0
    pd.testing.assert_frame_equal(one.table, two.table)

    t_refine, n_be = math.nan, 0
    if args.refine:
        t0 = time.perf_counter()
        n_be = len(sweep(shared, params, workers=1, refine=True).breakeven)
        t_refine = time.perf_counter() - t0

    per_variant = t_one / n
    rows = [
        ("scenario", args.scenario.name),
        ("variants", n),
        ("links in the network", len(shared.network.links)),
        ("distances", "estimated" if shared.estimated else "routed"),
        ("full run (load + distances + build + solve), s (wall / CPU)", f"{full:.3f} / {full_cpu:.3f}"),
        ("sweep, 1 worker (in-process), s", f"{t_one:.2f}"),
        ("per variant, 1 worker, s (wall / CPU)", f"{per_variant:.3f} / {cpu_one / n:.3f}"),
        ("full run / variant (wall; CPU)", f"{full / per_variant:.1f}x; {full_cpu / (cpu_one / n):.1f}x"),
        ("sweep, 2 workers incl. cluster start, s", f"{t_two_total:.2f}"),
        ("LocalCluster(2) start + stop, s", f"{t_cluster:.2f}"),
        ("speed-up 1 -> 2 workers (incl. start)", f"{t_one / t_two_total:.2f}x"),
        ("speed-up 1 -> 2 workers (excl. start)", f"{t_one / max(t_two_total - t_cluster, 1e-9):.2f}x"),
        ("identical tables 1 vs 2 workers", "yes"),
        ("sweep + break-even bisection, 1 worker, s", f"{t_refine:.2f} ({n_be} break-evens)"),
        ("machine load average (1 min) before / after", f"{load_before:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
