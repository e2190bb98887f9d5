"""Monte Carlo over the assumed numbers: ``symnet uncertainty`` against separate ``symnet run`` calls.

Target (issue #16): Härjedalen with 200 samples in under 60 s on 2 cores. Baseline, measured in
the same run: 200 separate ``symnet run`` calls (what a planner would do by hand: one run per
sampled scenario). Running 200 of them takes about 10 minutes, so a sample of ``--runs``
calls (default 10) is timed and extrapolated linearly to 200; the printout says so.

Both are timed as commands (interpreter start-up, imports and all outputs included), wall
clock. The machine's load average is printed at the start and the end: other processes on
the machine change the wall times.

Usage: ``python benchmarks/bench_uncertainty.py [--samples 200] [--runs 10] [--workers 2] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "harjedalen"
TARGET_S = 60.0


def _symnet(*args: str) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the command and every process it
    started, Dask workers included) of one ``symnet`` command (raises when it fails)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "symnet", *args], check=True, cwd=ROOT, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10, help="symnet run calls timed (extrapolated to --samples)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None, help="copy the uncertainty output folder here")
    args, _ = parser.parse_known_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        runs = [_symnet("run", str(SCENARIO), "--out", f"{tmp}/run{i}") for i in range(args.runs)]
        out = Path(tmp) / "uncertainty"
        mc, mc_cpu = _symnet(
            "uncertainty",
            str(SCENARIO),
            "--samples",
            str(args.samples),
            "--seed",
            str(args.seed),
            "--workers",
            str(args.workers),
            "--out",
            str(out),
        )
        summary = json.loads((out / "uncertainty_summary.json").read_text("utf-8"))
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(out, args.keep)
    per_run = statistics.median(w for w, _ in runs)
    per_run_cpu = statistics.median(c for _, c in runs)
    baseline = per_run * args.samples
    cores = min(args.workers, os.cpu_count() or 1)
    rob = summary["robustness"]
    rows = [
        (
            "`symnet run`, median of the calls timed, wall (CPU)",
            f"{per_run:.2f} s ({per_run_cpu:.2f} s), {args.runs} calls",
        ),
        (
            f"{args.samples} separate `symnet run` calls (extrapolated from {args.runs}), wall (CPU)",
            f"{baseline:.0f} s ({per_run_cpu * args.samples:.0f} s)",
        ),
        (f"`symnet uncertainty --samples {args.samples} --workers {args.workers}`, wall", f"{mc:.1f} s"),
        (
            "same, CPU of all its processes / idle-machine estimate (CPU / cores)",
            f"{mc_cpu:.1f} s / {mc_cpu / cores:.1f} s",
        ),
        ("speed-up, wall (CPU)", f"{baseline / mc:.1f}x ({per_run_cpu * args.samples / mc_cpu:.1f}x)"),
        (f"target < {TARGET_S:.0f} s (wall / idle estimate)", f"{_met(mc)} / {_met(mc_cpu / cores)}"),
        ("numbers varied / fixed", f"{summary['varied']} / {summary['fixed']}"),
        ("recommendation", ", ".join(rob["base_decision"]) or "no site"),
        ("share of samples where it is optimal", f"{rob['share_optimal']:.1%}"),
        ("regret where not optimal, P50 / max", _regret(rob)),
    ]
    print("\n| figure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    return 0


def _met(seconds: float) -> str:
    return "met" if seconds < TARGET_S else "NOT met"


def _regret(rob: dict) -> str:
    r = rob["regret_where_not_optimal"]
    if not rob["samples_not_optimal"]:
        return "-"
    return f"{r['p50']:,.0f} / {r['max']:,.0f} SEK/yr"


if __name__ == "__main__":
    sys.exit(main())
