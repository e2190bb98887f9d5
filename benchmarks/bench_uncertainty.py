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


def _symnet(*args: str) -> float:
    """Wall seconds of one ``symnet`` command (raises when it fails)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "symnet", *args], check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - start


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
        mc = _symnet(
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
    per_run = statistics.median(runs)
    baseline = per_run * args.samples
    rob = summary["robustness"]
    rows = [
        ("`symnet run`, median of the calls timed", f"{per_run:.2f} s ({args.runs} calls)"),
        (f"{args.samples} separate `symnet run` calls (extrapolated from {args.runs})", f"{baseline:.0f} s"),
        (f"`symnet uncertainty --samples {args.samples} --workers {args.workers}`", f"{mc:.1f} s"),
        ("speed-up", f"{baseline / mc:.1f}x"),
        (f"target < {TARGET_S:.0f} s", "met" if mc < TARGET_S else "NOT met"),
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


def _regret(rob: dict) -> str:
    r = rob["regret_where_not_optimal"]
    if not rob["samples_not_optimal"]:
        return "-"
    return f"{r['p50']:,.0f} / {r['max']:,.0f} SEK/yr"


if __name__ == "__main__":
    sys.exit(main())
