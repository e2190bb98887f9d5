"""Route engine benchmark: graph build/cache and many-to-many matrices vs networkx.

Run: ``python benchmarks/bench_routing.py [--quick]``. Prints a table and writes the
figures into the ``## Route engine`` section of benchmarks/README.md; a full run (not
``--quick``) then runs the county-scale case (5,000 x 5,000 on a 500k-node grid,
``--scale-only`` alone) into ``## Route engine at county scale``.

Cases: the real Andorra extract (shared/data/osm) and a generated road grid
(300 x 300 = 90,000 nodes, 100 m spacing with +-20 m jitter, every 7th row one-way
east, every 11th column one-way south), written as an .osm file and loaded through the
normal build + cache path. Baseline: networkx ``single_source_dijkstra_path_length``
on ``RoadGraph.to_networkx()`` (same graph), timed on a sample of origins and
extrapolated per origin to the full request.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from symnet.routing import RoutingWarning, distance_matrix, graph_from_edges, load_road_graph  # noqa: E402
from symnet.routing import ch as ch_engine  # noqa: E402
from symnet.routing.engine import shortest_paths  # noqa: E402

ANDORRA = ROOT / ".." / "shared" / "data" / "osm" / "andorra.osm.pbf"


def maxrss_mb() -> tuple[float, float]:
    """Peak RSS (MB) of this process and of its (reaped) children."""
    return (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


def cpu_s() -> float:
    """CPU seconds used so far by this process and its reaped children."""
    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def write_grid_osm(path: Path, n: int, spacing_m: float = 100.0, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    lat0, lon0 = 62.0, 15.0
    dlat = spacing_m / 111_195.0
    dlon = dlat / np.cos(np.radians(lat0))
    jit = rng.uniform(-0.2, 0.2, size=(n, n, 2))
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    lat = lat0 + (ii + jit[..., 0]) * dlat
    lon = lon0 + (jj + jit[..., 1]) * dlon
    ids = ii * n + jj + 1
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"bench\">\n")
        fh.writelines(
            f'<node id="{i}" lat="{la:.7f}" lon="{lo:.7f}"/>\n'
            for i, la, lo in zip(ids.ravel(), lat.ravel(), lon.ravel())
        )
        wid = 1
        for r in range(n):
            tags = '<tag k="highway" v="residential"/>' + ('<tag k="oneway" v="yes"/>' if r % 7 == 3 else "")
            fh.write(f'<way id="{wid}">' + "".join(f'<nd ref="{k}"/>' for k in ids[r]) + tags + "</way>\n")
            wid += 1
        for c in range(n):
            hw = "tertiary" if c % 10 == 0 else "residential"
            tags = f'<tag k="highway" v="{hw}"/>' + ('<tag k="oneway" v="-1"/>' if c % 11 == 5 else "")
            fh.write(f'<way id="{wid}">' + "".join(f'<nd ref="{k}"/>' for k in ids[:, c]) + tags + "</way>\n")
            wid += 1
        fh.write("</osm>\n")


def random_points(g, n: int, seed: int) -> list[tuple[str, float, float]]:
    rng = np.random.default_rng(seed)
    idx = rng.choice(g.n_nodes, n, replace=False)
    off = rng.uniform(-0.0003, 0.0003, size=(n, 2))
    return [(f"p{k}", float(g.lon[i] + off[k, 0]), float(g.lat[i] + off[k, 1])) for k, i in enumerate(idx)]


def nx_per_origin_s(G, g, pts, sample: int) -> float:
    """Mean seconds per origin of networkx single-source Dijkstra (length)."""
    import networkx as nx

    from symnet.routing import snap_points

    snap = snap_points(g, [p[0] for p in pts[:sample]], [p[1] for p in pts[:sample]], [p[2] for p in pts[:sample]])
    t0 = time.perf_counter()
    for node in snap.node:
        nx.single_source_dijkstra_path_length(G, int(g.node_id[node]), weight="length")
    return (time.perf_counter() - t0) / len(snap.node)


def run_case(name: str, osm: Path, sizes: list[int], nx_sample: int, rows: list[list[str]], cache: Path) -> None:
    t0 = time.perf_counter()
    g = load_road_graph(osm, cache_dir=cache)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    g = load_road_graph(osm, cache_dir=cache)
    t_cached = time.perf_counter() - t0
    rows.append(
        [name, f"build graph from {osm.suffix} ({g.n_nodes:,} nodes, {g.n_edges:,} edges)", f"{t_build:.2f}", "", ""]
    )
    rows.append([name, "load graph again (cache)", f"{t_cached:.3f}", "", f"{t_build / t_cached:.0f}x faster"])
    ours = {}
    for n in sizes:
        pts = random_points(g, n, seed=n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RoutingWarning)
            distance_matrix(g, pts[:5], circuity=1.37)  # warm CSR/KD-tree caches (built once per graph)
            c0 = cpu_s()
            t0 = time.perf_counter()
            dm = distance_matrix(g, pts, circuity=1.37)
            ours[n] = (time.perf_counter() - t0, pts, (dm.method == "routed").mean(), cpu_s() - c0)
    peak_self, peak_children = maxrss_mb()
    G = g.to_networkx()
    for n in sizes:
        t, pts, routed, cpu = ours[n]
        per = nx_per_origin_s(G, g, pts, min(nx_sample, n))
        base = per * n
        rows.append(
            [
                name,
                f"{n:,} x {n:,} matrix ({routed:.0%} routed)",
                f"{t:.2f} (CPU {cpu:.1f})",
                f"{base:.1f} (est. {min(nx_sample, n)} origins x {n / min(nx_sample, n):.0f})",
                f"{base / t:.0f}x",
            ]
        )
    rows.append(
        [name, "peak RSS, route engine (parent / worker)", "", "", f"{peak_self:.0f} MB / {peak_children:.0f} MB"]
    )
    del G


def write_section(title: str, section: str) -> None:
    """Replace (or append) the README section that starts with ``title``."""
    readme = ROOT / "benchmarks" / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.is_file() else "# Benchmarks\n"
    start = text.find(title + "\n")
    if start >= 0:
        nxt = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[nxt + 1 :] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text, encoding="utf-8")


def grid_graph(n: int, spacing_m: float = 100.0, seed: int = 0):
    """The same road grid as :func:`write_grid_osm` (n x n nodes, jitter, one-way rows and
    columns, a tertiary every 10th column), built directly from arrays with
    ``graph_from_edges`` (no .osm file: 500k nodes would be a ~70 MB XML to parse)."""
    rng = np.random.default_rng(seed)
    lat0, lon0 = 62.0, 15.0
    dlat = spacing_m / 111_195.0
    dlon = dlat / np.cos(np.radians(lat0))
    jit = rng.uniform(-0.2, 0.2, size=(n, n, 2))
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    lat = (lat0 + (ii + jit[..., 0]) * dlat).ravel()
    lon = (lon0 + (jj + jit[..., 1]) * dlon).ravel()
    idx = ii * n + jj
    rows_u, rows_v, row = idx[:, :-1].ravel(), idx[:, 1:].ravel(), ii[:, :-1].ravel()
    cols_u, cols_v, col = idx[:-1, :].ravel(), idx[1:, :].ravel(), jj[:-1, :].ravel()
    oneway = np.concatenate([np.where(row % 7 == 3, 1, 0), np.where(col % 11 == 5, -1, 0)])
    tertiary = np.concatenate([np.zeros(len(row), bool), col % 10 == 0])
    highway = np.where(tertiary, "tertiary", "residential")
    speed = np.where(tertiary, 60.0, 30.0)  # assumption: urban residential 30, tertiary 60 km/h
    u, v = np.concatenate([rows_u, cols_u]), np.concatenate([rows_v, cols_v])
    return graph_from_edges(idx.ravel() + 1, lon, lat, u, v, speed, oneway, highway, source=f"grid {n}x{n}")


def _timed(fn, *args, **kw):
    c0, t0 = cpu_s(), time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0, cpu_s() - c0


def _same(got: np.ndarray, ref: np.ndarray) -> str:
    same = np.array_equal(np.isnan(got), np.isnan(ref))
    ok = np.isfinite(ref)
    diff = float(np.abs(got[ok] - ref[ok]).max()) if ok.any() else 0.0
    return f"max abs difference {diff:.3g} m, same unreachable pairs: {same}"


def run_scale(grid_n: int, k: int, cutoff_km: float, sample: int) -> list[list[str]]:
    """k x k length matrix with a cut-off on the generated grid: the bucket engine (in
    full) against scipy's Dijkstra and the CCH (on ``sample`` origins, extrapolated per
    origin: both are linear in the origins), all on 2 forked workers."""
    rows: list[list[str]] = []
    t0 = time.perf_counter()
    g = grid_graph(grid_n)
    rows.append([f"build grid graph ({g.n_nodes:,} nodes, {g.n_edges:,} edges)", f"{time.perf_counter() - t0:.1f}", ""])
    rng = np.random.default_rng(1)
    o = rng.choice(g.n_nodes, k, replace=False)  # random order: a sample is spread over the grid
    d = rng.choice(g.n_nodes, k, replace=False)
    s = o[: min(sample, k)]
    limit = cutoff_km * 1000.0
    shortest_paths(g, s[:2], d, limit=limit, workers=1, engine="buckets")  # weights built, kernel compiled
    full, t_bk, c_bk = _timed(shortest_paths, g, o, d, limit=limit, engine="buckets")
    rows.append(
        [
            f"bucket engine (numba), cut-off {cutoff_km:g} km, {k:,} x {k:,} ({np.isfinite(full[0]).mean():.0%} within)",
            f"{t_bk:.1f} (CPU {c_bk:.1f})",
            "measured in full",
        ]
    )
    rows.append(
        ["peak RSS after the bucket engine (parent / workers)", "", "{:.0f} MB / {:.0f} MB".format(*maxrss_mb())]
    )
    ref_s, t_sc, c_sc = _timed(shortest_paths, g, s, d, limit=limit, engine="scipy")
    est_sc = t_sc * k / len(s)
    rows.append(
        [
            f"scipy Dijkstra, cut-off {cutoff_km:g} km, {len(s):,} x {k:,}",
            f"{t_sc:.1f} (CPU {c_sc:.1f})",
            f"{k:,} x {k:,}: est. {est_sc:.0f} s; scipy / buckets {est_sc / t_bk:.2f}x",
        ]
    )
    ref = ref_s[0]
    rows.append(["bucket engine vs scipy distances", "", _same(full[0][: len(s)], ref)])
    if not ch_engine.available():
        rows.append(["CCH (pyroutingkit)", "", "not installed: pip install symnet[ch]"])
        return rows
    h, t_build, _ = _timed(ch_engine.build, g, "length")
    rows.append(["CCH order + contraction + customisation", f"{t_build:.1f}", "once per graph"])
    got, t_ch, c_ch = _timed(h.distances, s, d, limit=limit)
    est_ch = t_build + t_ch * k / len(s)
    rows.append(
        [
            f"CCH many-to-many, {len(s):,} x {k:,}",
            f"{t_ch:.1f} (CPU {c_ch:.1f})",
            f"{k:,} x {k:,}: est. {est_ch:.0f} s incl. build; CCH / buckets {est_ch / t_bk:.2f}x",
        ]
    )
    rows.append(["CCH vs scipy distances", "", _same(got, ref)])
    rows.append(["peak RSS at the end (parent / workers)", "", "{:.0f} MB / {:.0f} MB".format(*maxrss_mb())])
    return rows


def scale_main(args: argparse.Namespace) -> int:
    load0 = os.getloadavg()
    rows = run_scale(args.scale, args.scale_k, args.cutoff_km, args.scale_sample)
    head = ["step", "wall (s)", "note"]
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(3)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    table = "\n".join(lines)
    load1 = os.getloadavg()
    print(table)
    cmd = (
        f"python benchmarks/bench_routing.py --scale-only --scale {args.scale} --scale-k {args.scale_k} "
        f"--cutoff-km {args.cutoff_km:g} --scale-sample {args.scale_sample}"
    )
    section = (
        "## Route engine at county scale\n\n"
        f"`{cmd}` ({os.cpu_count()} cores, Python {sys.version.split()[0]}; measured "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load0[0]:.2f} at the start, "
        f"{load1[0]:.2f} at the end).\n\n"
        "Graph: the road grid of the 90k case at 707 x 707 nodes (100 m spacing, same one-way and "
        "tertiary pattern), built from arrays. Origins and destinations: random nodes. The bucket engine "
        "(`symnet.routing.buckets`, the default for big requests) answers the whole matrix; scipy and the CCH "
        "answer the first origins of the same sample against all destinations, and their full matrix is "
        "extrapolated per origin. All: `engine.shortest_paths` with origin batches of 64 on 2 forked workers "
        '(`engine="buckets"` / `"scipy"`: bounded searches with the `limit=` cut-off). CCH: '
        "`symnet.routing.ch` (RoutingKit's customisable contraction hierarchy via pyroutingkit, blocks of 512 "
        "origins; it cannot use the cut-off, which is applied afterwards).\n\n" + table + "\n"
    )
    write_section("## Route engine at county scale", section)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small grid and matrices")
    ap.add_argument("--scale", type=int, default=707, metavar="N", help="county-scale case: N x N grid (0: skip it)")
    ap.add_argument("--scale-only", action="store_true", help="run the county-scale case alone")
    ap.add_argument("--scale-k", type=int, default=5000, help="origins and destinations of the scale matrix")
    ap.add_argument("--scale-sample", type=int, default=500, help="origins timed (the rest extrapolated)")
    ap.add_argument("--cutoff-km", type=float, default=50.0, help="distance cut-off of the scale matrix, km")
    args = ap.parse_args()
    if args.scale_only:
        return scale_main(args)
    import logging

    logging.getLogger("symnet.routing").setLevel(logging.ERROR)  # unreachable pairs are expected
    grid_n = 120 if args.quick else 300
    sizes = [100, 300] if args.quick else [100, 1000]
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if ANDORRA.is_file():
            run_case("andorra", ANDORRA, sizes, 20, rows, tmp / "cache")
        grid = tmp / f"grid{grid_n}.osm"
        t0 = time.perf_counter()
        write_grid_osm(grid, grid_n)
        print(f"wrote {grid.name} ({grid.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s", flush=True)
        run_case(f"grid {grid_n}x{grid_n}", grid, sizes, 20, rows, tmp / "cache")
    head = ["case", "step", "symnet wall (s)", "networkx (s)", "ratio / note"]
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(5)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    table = "\n".join(lines)
    print(table)
    machine = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    section = (
        "## Route engine\n\n"
        f"`python benchmarks/bench_routing.py{' --quick' if args.quick else ''}` ({machine}; "
        f"measured {time.strftime('%Y-%m-%d')}).\n\n"
        "Matrices: one search per distinct origin node (`engine.shortest_paths` with its default engine: the bucket "
        "queue of `symnet.routing.buckets` from 2e7 origins x nodes, scipy's Dijkstra below), length metric, "
        "durations from the same search, origin batches split over 2 forked processes. "
        "networkx baseline: `single_source_dijkstra_path_length` on `RoadGraph.to_networkx()` of the same graph, "
        "timed on a sample of origins and extrapolated per origin. Peak RSS is measured before the networkx "
        "graph is built. Wall-clock figures depend on machine load (the CPU column is user+system "
        "seconds of this process and its workers; wall ~= CPU / 2 on an idle 2-core machine). Targets: 1,000 x 1,000 on >= 90k nodes under 15 s, >= 40x networkx, < 2 GB.\n\n"
        + table
        + "\n"
    )
    write_section("## Route engine", section)
    if args.scale and not args.quick:
        return scale_main(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
