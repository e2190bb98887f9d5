"""Scale benchmark (issue #14): generated national inventories, every stage timed.

    python benchmarks/bench_scale.py [--sizes 250,1000,5000] [--time-limit 120] [--seed 0] [--quick] [--no-same-gap]

For each size N, :func:`scale_generator.write_scale_scenario` writes a scenario folder
(N supplies and N demands of 5 residues over lon 12-20, lat 56-64, 4 seasons, 10 sites x
5 facility types, default whole-trip costing, estimated distances). Two fresh
subprocesses then work on it, so that sizes and runs do not share memory or caches:

- ``symnet``: the public functions one after the other, each stage timed with its own
  peak RSS (psutil, sampled every 20 ms): load (``load_scenario``), network
  (``distance_source`` + ``build_network``), model build (``AllocationModel.build``),
  solve (``AllocationModel.solve``, solver time limit = ``--time-limit``) and outputs
  (``write_run`` with the writers of ``symnet run``: CSVs, GeoPackage, map, report);
- ``highs``: the baseline, the same model's arrays handed to plain highspy (no
  decomposition, no warm start, no symnet cuts beyond those in the arrays) with the same
  time limit and relative gap.

The table gives time, status, objective, bound and gap of both, and the ratios
(symnet solve / plain HiGHS, objectives). Both runs see the same machine load: the load
average is printed before and after.

A second table gives the comparison the issue sets its 10x target on, "to the same gap":
the gap plain HiGHS ended with, the time its recorded bounds first proved it, and a
third run of symnet with that gap as its target (:func:`same_gap`; ``--no-same-gap``
skips it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from scale_generator import write_scale_scenario  # noqa: E402

DEFAULT_SIZES = (250, 1000, 5000)


class StagePeak:
    """Peak RSS (bytes) of this process while a stage runs, sampled every 20 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._proc = psutil.Process(os.getpid())

    def __enter__(self) -> StagePeak:
        self.peak = self._proc.memory_info().rss
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def _stage(stats: dict[str, Any], name: str, fn: Any) -> Any:
    with StagePeak() as mem:
        t0 = time.perf_counter()
        value = fn()
        stats[f"{name}_s"] = time.perf_counter() - t0
    stats[f"{name}_mb"] = mem.peak / 2**20
    return value


def _model(folder: Path, time_limit_s: float, stats: dict[str, Any], **options: Any) -> Any:
    """Load, network and model build as stages; returns the built AllocationModel
    (``options``: :class:`~symnet.optimise.AllocationModel` options)."""
    from symnet.network import build_network
    from symnet.optimise import AllocationModel
    from symnet.pipeline import distance_provider, distance_source
    from symnet.scenario import load_scenario

    scenario = _stage(stats, "load", lambda: load_scenario(folder))
    source = distance_source(scenario)
    net = _stage(stats, "network", lambda: build_network(scenario, distances=distance_provider(source)))
    stats["links"] = len(net.links)
    model = AllocationModel(scenario, net, time_limit_s=time_limit_s, **options)
    _stage(stats, "build", model.build)
    stats["pruned"] = model.pruned_links
    stats["columns"] = int(len(model.arrays.cost))
    stats["rows"] = int(model.arrays.matrix.shape[0])
    stats["integers"] = int(model.arrays.integer.sum())
    stats["gap_target"] = model.gap
    return model, source


def worker_symnet(
    folder: Path, time_limit_s: float, workers: int | None = None, gap: float | None = None
) -> dict[str, Any]:
    """Every stage of a run through the public functions (see module docstring); the
    parts of a decomposed model on ``workers`` Dask processes (None: one per core);
    ``gap``: relative gap target (None: the scenario's)."""
    from symnet.pipeline import RunOutput, write_run

    stats: dict[str, Any] = {}
    model, source = _model(folder, time_limit_s, stats, workers=workers, gap=gap)
    result = _stage(stats, "solve", model.solve)
    stats.update(status=result.status, objective=result.objective, bound=result.bound, gap=result.gap)
    stats["parts"] = model.parts
    stats["message"] = result.message
    from symnet.pipeline import output_writers

    writers = output_writers(False)
    run = RunOutput(model.scenario, model.network, result, source)
    with tempfile.TemporaryDirectory() as tmp:
        _stage(stats, "outputs", lambda: write_run(run, Path(tmp) / "out", extra_writers=writers))
    return stats


def plain_highs(model: Any, time_limit_s: float) -> dict[str, Any]:
    """Solve the model's arrays with highspy directly: same limit and gap, nothing else.
    ``trajectory``: ``[seconds, primal bound, dual bound]`` each time either changes
    (HiGHS's MIP callbacks; seconds from the start of ``passModel``)."""
    import highspy

    a = model.arrays
    csc = a.matrix.tocsc()
    inf = highspy.kHighsInf

    def fin(x: np.ndarray, fill: float) -> np.ndarray:
        return np.where(np.isfinite(x), x, fill).astype(float)

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(model.gap))
    trajectory: list[list[float]] = []

    def record(event: Any) -> None:
        primal, dual = float(event.data_out.mip_primal_bound), float(event.data_out.mip_dual_bound)
        if not trajectory or trajectory[-1][1:] != [primal, dual]:
            trajectory.append([time.perf_counter() - t0, primal, dual])

    h.cbMipImprovingSolution += record
    h.cbMipInterrupt += record
    t0 = time.perf_counter()
    h.passModel(
        int(csc.shape[1]),
        int(csc.shape[0]),
        int(csc.nnz),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        np.asarray(model.objective_vector(), dtype=float),
        fin(a.lower, -inf),
        fin(a.upper, inf),
        fin(a.row_lower, -inf),
        fin(a.row_upper, inf),
        csc.indptr.astype(np.int32),
        csc.indices.astype(np.int32),
        csc.data.astype(float),
        a.integer.astype(np.int32),
    )
    h.run()
    elapsed = time.perf_counter() - t0
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    has_sol = info.primal_solution_status == 2
    mip = bool(a.integer.any())
    return {
        "solve_s": elapsed,
        "status": status,
        "objective": float(info.objective_function_value) if has_sol else None,
        "bound": float(info.mip_dual_bound) if mip else (float(info.objective_function_value) if has_sol else None),
        "gap": float(info.mip_gap) if mip and has_sol else (0.0 if has_sol else None),
        "trajectory": trajectory + [[elapsed, float(info.objective_function_value), float(info.mip_dual_bound)]]
        if mip and has_sol
        else [],
    }


def first_within(trajectory: list[list[float]], gap: float) -> float | None:
    """Seconds at which a solve's proven relative gap ``(primal - dual) / |primal|`` first
    reached ``gap`` (None: never), from a :func:`plain_highs` trajectory."""
    from symnet.optimise.solve import relative_gap

    for t, primal, dual in trajectory:
        proved = relative_gap(primal, dual)
        if proved is not None and proved <= gap:
            return t
    return None


def worker_highs(folder: Path, time_limit_s: float, workers: int | None = None) -> dict[str, Any]:
    """The baseline: model built by symnet (not pruned), solved by plain HiGHS."""
    stats: dict[str, Any] = {}
    model, _ = _model(folder, time_limit_s, stats, prune=False)
    with StagePeak() as mem:
        stats.update(plain_highs(model, time_limit_s))
    stats["solve_mb"] = mem.peak / 2**20
    return stats


def _subprocess(
    kind: str, folder: Path, time_limit_s: float, workers: int | None, gap: float | None = None
) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, str(folder), str(time_limit_s)]
    cmd += ["--workers", str(workers or 0)]
    if gap is not None:
        cmd += ["--worker-gap", repr(gap)]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"error": (out.stderr or out.stdout).strip().splitlines()[-1:] or ["failed"], "wall_s": 0.0}
    stats = json.loads(out.stdout.strip().splitlines()[-1])
    stats["wall_s"] = time.perf_counter() - t0
    return stats


def _fmt(x: Any, spec: str = ".2f") -> str:
    return "-" if x is None else format(x, spec)


def table(rows: list[tuple[int, dict[str, Any], dict[str, Any]]], time_limit_s: float) -> str:
    """Markdown table: symnet stages and result, plain HiGHS, ratios."""
    head = (
        "| N | links | cols / rows / ints | load s | network s | build s | solve s | outputs s | status | objective "
        "| bound | gap | peak MB (stage) | plain HiGHS solve s | status | objective | gap | solve ratio | obj ratio "
        "| within limit | parts | pruned links |"
    )
    lines = [head, "|" + "|".join(["---"] * (head.count("|") - 1)) + "|"]
    for n, s, b in rows:
        if "error" in s:
            lines.append(f"| {n:,} | error: {s['error']} |" + " |" * 20)
            continue
        peak = max(s[k] for k in s if k.endswith("_mb"))
        stage = max((k for k in s if k.endswith("_mb")), key=lambda k: s[k])[:-3]
        ok = s["solve_s"] <= time_limit_s * 1.05 + 2
        b_ok = "error" not in b
        ratio = s["solve_s"] / b["solve_s"] if b_ok and b["solve_s"] else None
        obj = s["objective"] / b["objective"] if b_ok and s["objective"] and b.get("objective") else None
        lines.append(
            f"| {n:,} | {s['links']:,} | {s['columns']:,} / {s['rows']:,} / {s['integers']:,} | {s['load_s']:.2f} "
            f"| {s['network_s']:.2f} | {s['build_s']:.2f} | {s['solve_s']:.1f} | {s.get('outputs_s', 0):.1f} "
            f"| {s['status']} | {_fmt(s['objective'], ',.0f')} | {_fmt(s['bound'], ',.0f')} | {_fmt(s['gap'], '.2%')} "
            f"| {peak:,.0f} ({stage}) | {_fmt(b.get('solve_s'), '.1f')} | {b.get('status', b.get('error'))} "
            f"| {_fmt(b.get('objective'), ',.0f')} | {_fmt(b.get('gap'), '.2%')} | {_fmt(ratio, '.2f')} "
            f"| {_fmt(obj, '.4f')} | {'yes' if ok else 'NO'} | {s.get('parts', 1)} "
            f"| {s.get('pruned', 0):,} |"
        )
    return "\n".join(lines)


def same_gap(s: dict[str, Any], b: dict[str, Any], rerun: Any) -> dict[str, Any] | None:
    """The issue's comparison "to the same gap": the gap plain HiGHS ended with (``g``), the
    time plain HiGHS first proved it (its trajectory), and the time symnet takes with ``g``
    as its gap target (the first run when its target was already ``g``, else
    ``rerun(g)``); also when plain HiGHS first proved symnet's own final gap. None without
    a finite gap on both sides."""
    if "error" in s or "error" in b or b.get("gap") is None or s.get("gap") is None:
        return None
    g = max(float(b["gap"]), float(s["gap_target"]))
    ours = s if g <= float(s["gap_target"]) * (1 + 1e-9) else rerun(g)
    if "error" in ours:
        return None
    plain_s = first_within(b["trajectory"], g)
    return {
        "gap": g,
        "plain_s": plain_s,
        "symnet_s": ours["solve_s"],
        "symnet_gap": ours["gap"],
        "objective_ratio": ours["objective"] / b["objective"] if ours.get("objective") and b.get("objective") else None,
        "plain_to_symnet_gap_s": first_within(b["trajectory"], float(s["gap"])),
        "plain_total_s": b["solve_s"],
        "symnet_final_gap": s["gap"],
    }


def same_gap_table(rows: list[tuple[int, dict[str, Any] | None]]) -> str:
    """Markdown table of :func:`same_gap` per size."""
    head = (
        "| N | gap g (plain HiGHS's final) | plain HiGHS first proved g, s | symnet with target g, s "
        "| speed-up | objective symnet / plain | symnet's own final gap | plain HiGHS first proved it, s |"
    )
    lines = [head, "|" + "|".join(["---"] * (head.count("|") - 1)) + "|"]
    for n, r in rows:
        if r is None:
            lines.append(f"| {n:,} | - | - | - | - | - | - | - |")
            continue
        speed = r["plain_s"] / r["symnet_s"] if r["plain_s"] is not None and r["symnet_s"] else None
        never = f"not within {r['plain_total_s']:.1f}"
        lines.append(
            f"| {n:,} | {r['gap']:.2%} | {_fmt(r['plain_s'], '.1f')} | {r['symnet_s']:.1f} "
            f"(proved {r['symnet_gap']:.2%}) | {_fmt(speed, '.2f')}x | {_fmt(r['objective_ratio'], '.4f')} "
            f"| {r['symnet_final_gap']:.2%} | "
            f"{never if r['plain_to_symnet_gap_s'] is None else format(r['plain_to_symnet_gap_s'], '.1f')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="comma-separated N values")
    ap.add_argument("--time-limit", type=float, default=120.0, help="solver time limit per run, seconds")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="N = 50 and 250, 30 s limit (make bench --quick)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the plain HiGHS run")
    ap.add_argument(
        "--no-sites",
        action="store_true",
        help="the same inventories without site options (parts by resource and region: the decomposition's case)",
    )
    ap.add_argument(
        "--workers", type=int, default=0, help="Dask workers for a decomposed model's parts (0: one per core)"
    )
    ap.add_argument(
        "--no-same-gap",
        action="store_true",
        help="skip the third run (symnet with plain HiGHS's final gap as its target) and the same-gap table",
    )
    ap.add_argument("--keep", type=Path, default=None, help="write the scenario folders here and keep them")
    ap.add_argument("--worker", nargs=3, metavar=("KIND", "FOLDER", "LIMIT"), help=argparse.SUPPRESS)
    ap.add_argument("--worker-gap", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        kind, folder, limit = args.worker
        if kind == "symnet":
            stats = worker_symnet(Path(folder), float(limit), args.workers or None, args.worker_gap)
        else:
            stats = worker_highs(Path(folder), float(limit), args.workers or None)
        print(json.dumps(stats))
        return 0
    sizes = [50, 250] if args.quick else [int(x) for x in args.sizes.split(",") if x.strip()]
    limit = 30.0 if args.quick else args.time_limit
    load0 = os.getloadavg()
    rows = []
    same = not (args.no_same_gap or args.no_baseline)
    gaps: list[tuple[int, dict[str, Any] | None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        for n in sizes:
            folder = write_scale_scenario(base / f"scale{n}", n, args.seed)
            if args.no_sites:
                (folder / "sites.csv").write_text("id,name,lon,lat,facility,fixed_cost,source\n", "utf-8")
            print(f"N={n}: symnet ...", flush=True)
            s = _subprocess("symnet", folder, limit, args.workers)
            print(f"N={n}: plain HiGHS ...", flush=True)
            b = {"error": "skipped"} if args.no_baseline else _subprocess("highs", folder, limit, args.workers)
            rows.append((n, s, b))
            print(json.dumps({"n": n, "symnet": s, "highs": b}), flush=True)
            if same:

                def rerun(g: float, folder: Path = folder, n: int = n) -> dict[str, Any]:
                    print(f"N={n}: symnet to plain HiGHS's gap {g:.4%} ...", flush=True)
                    again = _subprocess("symnet", folder, limit, args.workers, gap=g)
                    print(json.dumps({"n": n, "symnet_same_gap": again}), flush=True)
                    return again

                gaps.append((n, same_gap(s, b, rerun)))
    print(f"\ntime limit {limit:g} s; load average {' '.join(f'{v:.2f}' for v in load0)} at the start, ", end="")
    print(f"{' '.join(f'{v:.2f}' for v in os.getloadavg())} at the end; {os.cpu_count()} cores")
    print(table(rows, limit))
    if same:
        print("\nTo the same gap (the issue's 10x comparison):")
        print(same_gap_table(gaps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
