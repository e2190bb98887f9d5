"""Allocation-model benchmark: build and solve times, raw solver time, network simplex.

    python benchmarks/bench_optimise.py [--quick | --siting]

Cases (all on generated scenarios, distances estimated):
- LP with ~1k, ~10k, ~100k candidate road links (n x n supplies/demands, two periods);
- a siting MILP: 20 sites x 5 facility types, 1 % gap;
- a pure transportation instance, 300 x 300 (90k links, no binaries), end to end
  (network + model + solve) against networkx.network_simplex on the same integer data.
Raw solver time: the same LP written as MPS by PuLP and solved by highspy directly.
"build" = arrays (model building); "solve" = hand-over (passModel) + solver + reading back;
"pulp s" = building the PuLP problem from the arrays (only when a user asks for it).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import networkx as nx
import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symnet.network import build_network
from symnet.optimise import AllocationModel
from symnet.scenario import load_scenario

RNG_SEED = 7
RESOURCES = ["spent_grain", "food_waste", "wood_residues", "ash", "plastics"]


class PeakMemory:
    """Samples the process RSS (psutil) every 20 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._proc = psutil.Process(os.getpid())

    def __enter__(self) -> PeakMemory:
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            time.sleep(0.02)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def write_transport(folder: Path, n_sup: int, n_dem: int, periods: int, sites: int = 0, rng=None) -> None:
    """Supplies and demands of grain spread over ~60 x 60 km (all within reach)."""
    rng = rng or np.random.default_rng(RNG_SEED)
    folder.mkdir(parents=True, exist_ok=True)
    prof = "|".join([repr(1.0 / periods)] * periods)
    per = "year" if periods == 1 else [{"id": f"p{i}", "weight": 1.0 / periods} for i in range(periods)]
    import yaml

    # LP cases count trips continuously (full loads: integer_trips_below_t 0) so that they
    # stay LPs; the siting MILP keeps the default (whole trips on links below 2 loads).
    road = {} if sites else {"road": {"integer_trips_below_t": 0}}
    cfg = {
        "name": f"bench {n_sup}x{n_dem}",
        "crs": "EPSG:3006",
        "periods": per,
        "economics": {"landfill_tax": 500, **road},
        "network": {"circuity": 1.3},
    }
    facilities = {}
    if sites:
        for i, res in enumerate(RESOURCES):
            facilities[f"f{i}"] = {
                "name": f"converter {res}",
                "fixed_cost": float(rng.uniform(2e5, 6e5)),
                "capacity": float(rng.uniform(2000, 6000)),
                "max_count": 4,
                "inputs": [{"resource": res}],
                "outputs": [{"resource": "feed", "per_unit": 0.3, "sale_price": 1500.0}],
                "operations": ["R3"],
            }
        cfg["facilities"] = facilities
    (folder / "scenario.yaml").write_text(yaml.safe_dump(cfg), "utf-8")
    lon = lambda n: rng.uniform(14.0, 15.1, n)  # noqa: E731
    lat = lambda n: rng.uniform(62.0, 62.55, n)  # noqa: E731
    slon, slat, dlon, dlat = lon(n_sup), lat(n_sup), lon(n_dem), lat(n_dem)
    with open(folder / "actors.csv", "w") as fh:
        fh.write("id,name,lon,lat,operations\n")
        for i in range(n_sup):
            fh.write(f"s{i},S{i},{slon[i]:.5f},{slat[i]:.5f},\n")
        for j in range(n_dem):
            fh.write(f"d{j},D{j},{dlon[j]:.5f},{dlat[j]:.5f},R3\n")
    res_s = [RESOURCES[i % len(RESOURCES)] if sites else "spent_grain" for i in range(n_sup)]
    with open(folder / "supplies.csv", "w") as fh:
        fh.write("id,actor,resource,quantity,unit,profile,current_fate,fate_cost\n")
        for i in range(n_sup):
            fh.write(f"S{i},s{i},{res_s[i]},{rng.integers(10, 500)},t,{prof},landfill,{rng.integers(300, 900)}\n")
    with open(folder / "demands.csv", "w") as fh:
        fh.write("id,actor,resource,quantity,unit,profile,price\n")
        for j in range(n_dem):
            res = "feed" if sites and j % 2 else (RESOURCES[j % len(RESOURCES)] if sites else "spent_grain")
            fh.write(f"D{j},d{j},{res},{rng.integers(10, 500)},t,{prof},{rng.integers(100, 2500)}\n")
    if sites:
        with open(folder / "sites.csv", "w") as fh:
            # sites differ (land, grid connection): each option's fixed cost is its type's
            # cost x a site factor in 0.7-1.3, so that no two sites are interchangeable
            fh.write("id,lon,lat,facility,fixed_cost\n")
            for k in range(20):
                x, y = lon(1)[0], lat(1)[0]
                factor = rng.uniform(0.7, 1.3)
                for f, spec in facilities.items():
                    fh.write(f"site{k},{x:.5f},{y:.5f},{f},{spec['fixed_cost'] * factor:.0f}\n")


def raw_highs_seconds(model: AllocationModel) -> float:
    """Solve the same problem from PuLP's MPS with highspy directly (solver time only)."""
    import highspy

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.mps")
        model.prob.writeMPS(path)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(path)
        t0 = time.perf_counter()
        h.run()
        return time.perf_counter() - t0


def network_simplex_seconds(scenario, network) -> tuple[float, float]:
    """networkx.network_simplex on the integer-scaled transport problem: (seconds, cost)."""
    from symnet import costs

    t0 = time.perf_counter()
    g = nx.DiGraph()
    scale = 100
    total_s = total_d = 0
    for s in scenario.supplies:
        q = int(round(s.quantity))
        g.add_node(s.id, demand=-q)
        total_s += q
        g.add_edge(s.id, "dump", weight=int(round(costs.disposal_unit_cost(scenario, s) * scale)))
    for d in scenario.demands:
        q = int(round(d.quantity))
        g.add_node(d.id, demand=q)
        total_d += q
        g.add_edge("market", d.id, weight=int(round(costs.purchase_unit_cost(scenario, d) * scale)))
    g.add_node("dump", demand=total_s)
    g.add_node("market", demand=-total_d)
    g.add_edge("market", "dump", weight=0)
    links = network.links
    g.add_weighted_edges_from(zip(links["supply"], links["target"], (links["unit_cost"] * scale).round().astype(int)))
    cost, _flow = nx.network_simplex(g)
    return time.perf_counter() - t0, cost / scale


def run_case(name: str, folder: Path, gap: float | None = None, raw: bool = True) -> dict:
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        s = load_scenario(folder)
        net = build_network(s)
        t_net = time.perf_counter() - t0
        m = AllocationModel(s, net, gap=gap, time_limit_s=120)
        m.build()
        r = m.solve()
        total = time.perf_counter() - t0
    row = {
        "case": name,
        "links": len(net.links),
        "network_s": t_net,
        "build_s": r.build_seconds,
        "solve_s": r.solve_seconds,
        "handover_s": m.handover_seconds,
        "solver_s": m.solver_seconds,
        "total_s": total,
        "status": r.status,
        "gap": r.gap,
        "objective": r.objective,
        "peak_mb": mem.peak / 2**20,
        "scenario": s,
        "network": net,
        "integers": {
            b: int(m.arrays.integer[idx.ravel()].sum())
            for b, idx in m.arrays.blocks.items()
            if idx.size and m.arrays.integer[idx.ravel()].any()
        },
    }
    if raw:
        t0 = time.perf_counter()
        _ = m.prob  # the PuLP problem, built from the arrays on first access
        row["pulp_s"] = time.perf_counter() - t0
        row["raw_solver_s"] = raw_highs_seconds(m)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the 1k and 10k LPs and a 100 x 100 transport case")
    ap.add_argument("--siting", action="store_true", help="only the siting MILP")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.siting:
            write_transport(tmp / "milp", 200, 100, periods=1, sites=20)
            rows.append(run_case("siting MILP 20 sites x 5 types", tmp / "milp", gap=0.01, raw=False))
            report(rows)
            return
        sizes = [(32, 32), (100, 100)] + ([] if args.quick else [(317, 317)])
        for n, m in sizes:
            write_transport(tmp / f"lp{n}", n, m, periods=2)
            rows.append(run_case(f"LP {n}x{m}, 2 periods", tmp / f"lp{n}"))
        if not args.quick:
            write_transport(tmp / "milp", 200, 100, periods=1, sites=20)
            rows.append(run_case("siting MILP 20 sites x 5 types", tmp / "milp", gap=0.01, raw=False))
        n = 100 if args.quick else 300
        write_transport(tmp / "tp", n, n, periods=1)
        tp = run_case(f"transport {n}x{n}", tmp / "tp")
        ns_s, ns_cost = network_simplex_seconds(tp["scenario"], tp["network"])
        tp["network_simplex_s"] = ns_s
        tp["ns_objective"] = ns_cost
        rows.append(tp)
    report(rows)


def report(rows: list[dict]) -> None:
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"{'case':34} {'links':>7} {'network s':>9} {'build s':>8} {'solve s':>8} {'handover':>8} {'solver':>7} "
        f"{'raw s':>7} {'pulp s':>7} {'build/solve':>11} {'total s':>8} {'vs NS':>6} {'status':>10} {'gap':>7} {'peak MB':>8}"
    )
    for r in rows:
        raw = r.get("raw_solver_s", math.nan)
        ratio_ns = r["total_s"] / r["network_simplex_s"] if "network_simplex_s" in r else math.nan
        gap = r["gap"] if r["gap"] is not None else math.nan
        print(
            f"{r['case']:34} {r['links']:7d} {r['network_s']:9.2f} {r['build_s']:8.2f} {r['solve_s']:8.2f} "
            f"{r['handover_s']:8.2f} {r['solver_s']:7.2f} {raw:7.2f} {r.get('pulp_s', math.nan):7.2f} "
            f"{r['build_s'] / max(r['solve_s'], 1e-9):11.2f} {r['total_s']:8.2f} {ratio_ns:6.2f} "
            f"{r['status']:>10} {gap:7.4f} {r['peak_mb']:8.0f}"
        )
        if "network_simplex_s" in r:
            print(
                f"  network_simplex: {r['network_simplex_s']:.2f} s, objective {r['ns_objective']:.0f} "
                f"vs ours {r['objective']:.0f} (integer-scaled data)"
            )
        if r["integers"]:
            print(f"  integer columns: {r['integers']}; objective {r['objective']:.0f}, solver {r['solver_s']:.2f} s")
    print(f"max RSS (getrusage): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
