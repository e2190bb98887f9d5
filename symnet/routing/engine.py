"""Shortest paths on a :class:`RoadGraph`: scipy's Dijkstra, or a bucket queue for big requests.

Small requests go to :func:`scipy.sparse.csgraph.dijkstra`; from a few million
origins x nodes on, the bucket queue of :mod:`symnet.routing.buckets` (numba) gives
the same sums faster (:func:`choose_engine`).

One Dijkstra gives both length and travel time of the chosen path
-------------------------------------------------------------------
A matrix reports distance *and* duration along the path that minimises the metric.
Instead of walking predecessor trees, each edge gets one exact-integer float64 weight

    w = P * 2**B + S,

where ``P`` is the minimised quantity in integer units (millimetres for
``metric="length"``, milliseconds for ``"time"``; at least 1) and ``S`` the other one
(deciseconds or decimetres). Path sums stay exact integers below 2**53, so Dijkstra
minimises P first (ties broken by S) and ``P = w // 2**B``, ``S = w % 2**B`` decode
both sums. ``B`` is chosen from the data so that S can never carry into P for any
path with ``w < 2**53`` (about 1,000 km or 18 h of driving); results beyond that are
recomputed with a plain float Dijkstra and a predecessor-tree accumulation.
Rounding: the minimised quantity is exact to 0.5 mm (0.5 ms) per edge, the other to
0.05 s (5 cm) per edge, i.e. centimetres / a second or two on long routes.

Parallel edges are collapsed to their minimum weight once per graph and metric
(cached on the graph). ``scipy.sparse.csgraph.dijkstra`` holds the GIL (measured:
two threads take as long as one), so big requests run origin batches in forked
worker processes that inherit the CSR matrix (no pickling of the graph).
"""

from __future__ import annotations

import math
import mmap
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from symnet.routing import buckets
from symnet.routing.graph import RoadGraph

METRICS = ("length", "time")
ENGINES = ("auto", "buckets", "scipy")
_TOTAL_BITS = 53
#: origins per dijkstra call: bounds memory to BATCH x N float64 per worker
_BATCH = 64
#: parallelise when (#origins x #nodes) exceeds this
_PARALLEL_WORK = 3_000_000
#: "auto" uses the bucket engine from this many origins x nodes on (~1 s of scipy: numba takes ~0.7 s to import and load)
_BUCKET_WORK = 20_000_000


@dataclass
class Weights:
    """Combined integer weights of one metric (see module docstring)."""

    csr: csr_matrix  # combined weights, parallel edges collapsed
    prim_csr: csr_matrix  # plain float weights of the minimised quantity (fallback)
    sec_of_min: np.ndarray  # secondary (float, physical units) of each prim_csr entry
    keys: np.ndarray  # sorted u*N+v of prim_csr entries
    shift: float  # 2**B
    q_prim: float  # physical units per integer unit of P
    q_sec: float  # physical units per integer unit of S
    max_exact: float  # 2**53
    bucket_arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # buckets.graph_arrays(csr)


def _collapse(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int, *extra: np.ndarray) -> tuple:
    key = u.astype(np.int64) * n + v.astype(np.int64)
    order = np.lexsort((w, key))
    key = key[order]
    first = np.ones(len(key), bool)
    first[1:] = key[1:] != key[:-1]
    sel = order[first]
    uu = u[sel].astype(np.int64)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(uu, minlength=n), out=indptr[1:])
    m = csr_matrix((w[sel], v[sel].astype(np.int32), indptr), shape=(n, n))
    return (m, key[first], *(e[sel] for e in extra))


def weights(graph: RoadGraph, metric: str = "length") -> Weights:
    """The (cached) Dijkstra weights of ``graph`` for ``metric`` ("length" or "time")."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")
    cached = graph._cache.get(f"weights:{metric}")
    if cached is not None:
        return cached
    if metric == "length":
        prim, sec, qp, qs = graph.length, graph.travel_time, 1e-3, 0.1
    else:
        prim, sec, qp, qs = graph.travel_time, graph.length, 1e-3, 0.1
    P = np.maximum(1.0, np.rint(prim / qp))
    S = np.rint(sec / qs)
    r = float((S / P).max()) if len(P) else 1.0
    # need r * 2**(53-B) <= 2**B  <=>  B >= (53 + log2 r) / 2
    bits = max(1, math.ceil((_TOTAL_BITS + math.log2(max(r, 2.0**-40))) / 2))
    shift = float(2**bits)
    n = graph.n_nodes
    csr, _ = _collapse(graph.u, graph.v, P * shift + S, n)
    prim_csr, keys, sec_min = _collapse(graph.u, graph.v, np.maximum(prim, 1e-9), n, sec)
    w = Weights(csr, prim_csr, sec_min, keys, shift, qp, qs, float(2**_TOTAL_BITS))
    graph._cache[f"weights:{metric}"] = w
    return w


def _components(graph: RoadGraph, connection: str) -> np.ndarray:
    """Connected component label per node, ``connection`` "weak" or "strong" (cached)."""
    lab = graph._cache.get(connection)
    if lab is None:
        _, lab = connected_components(weights(graph, "length").prim_csr, directed=True, connection=connection)
        graph._cache[connection] = lab
    return lab


def weak_components(graph: RoadGraph) -> np.ndarray:
    """Weakly connected component label per node (cached)."""
    return _components(graph, "weak")


def strong_components(graph: RoadGraph) -> np.ndarray:
    """Strongly connected component label per node (cached): two nodes with one label
    are connected both ways, whatever the distance."""
    return _components(graph, "strong")


# -------------------------------------------------------------------------------------
# batch workers (module globals are inherited by forked workers)
# -------------------------------------------------------------------------------------
_STATE: dict[str, Any] = {}


def _block(
    w: Weights, origins: np.ndarray, dests: np.ndarray, limit: float, engine: str = "scipy"
) -> tuple[np.ndarray, np.ndarray]:
    """Primary and secondary sums (physical units; NaN unreachable) origins x dests."""
    if engine == "buckets":
        d = buckets.distances(w.csr, origins, dests, limit, arrays=_bucket_arrays(w))
    else:
        d = dijkstra(w.csr, directed=True, indices=origins, limit=limit)[:, dests]
    reach = np.isfinite(d)
    big = reach & (d >= w.max_exact)
    with np.errstate(invalid="ignore"):
        p_int = np.floor(d / w.shift)
        s_int = d - p_int * w.shift
    prim = np.where(reach, p_int * w.q_prim, np.nan)
    sec = np.where(reach, s_int * w.q_sec, np.nan)
    if big.any():  # beyond exact range: float dijkstra + tree accumulation
        rows = np.nonzero(big.any(axis=1))[0]
        p2, s2 = _exact_rows(w, origins[rows], dests)
        prim[rows] = np.where(big[rows], p2, prim[rows])
        sec[rows] = np.where(big[rows], s2, sec[rows])
    return prim, sec


def _exact_rows(w: Weights, origins: np.ndarray, dests: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float Dijkstra on the primary weights; secondary summed along the predecessor
    tree by pointer jumping (O(N log depth) per origin)."""
    dist, pred = dijkstra(w.prim_csr, directed=True, indices=origins, return_predecessors=True)
    n = w.prim_csr.shape[0]
    secs = np.empty((len(origins), len(dests)))
    for k in range(len(origins)):
        par = pred[k].astype(np.int64)
        nodes = np.arange(n)
        root = par < 0
        par[root] = nodes[root]
        acc = np.zeros(n)
        nr = ~root
        idx = np.searchsorted(w.keys, par[nr] * n + nodes[nr])
        acc[nr] = w.sec_of_min[idx]
        while True:
            pp = par[par]
            if np.array_equal(pp, par):
                break
            acc = acc + acc[par]
            par = pp
        secs[k] = acc[dests]
    prim = dist[:, dests]
    ok = np.isfinite(prim)
    return np.where(ok, prim, np.nan), np.where(ok, secs, np.nan)


def _bucket_arrays(w: Weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bucket kernel's arrays of ``w`` (built once per weights, before any fork)."""
    if w.bucket_arrays is None:
        w.bucket_arrays = buckets.graph_arrays(w.csr)
    return w.bucket_arrays


def _worker(task: tuple[int, np.ndarray, np.ndarray, float, str]) -> None:
    """Rows ``first..`` of the shared result arrays (written in place, nothing returned:
    pickling the blocks back cost ~15 % of a county-scale matrix)."""
    first, origins, dests, limit, engine = task
    prim, sec = _block(_STATE["w"], origins, dests, limit, engine)
    _STATE["prim"][first : first + len(origins)] = prim
    _STATE["sec"][first : first + len(origins)] = sec


def _shared(shape: tuple[int, int]) -> np.ndarray:
    """A float64 array in anonymous shared memory (forked workers write into it)."""
    size = max(1, shape[0] * shape[1] * 8)
    return np.frombuffer(mmap.mmap(-1, size), dtype=np.float64, count=shape[0] * shape[1]).reshape(shape)


def choose_engine(engine: str, work: float) -> str:
    """The search engine for a request of ``work`` = origins x graph nodes.

    ``"auto"`` takes the bucket queue (:mod:`symnet.routing.buckets`, 1.5-3x faster
    than scipy per origin on the Helsinki, Andorra and 500k-node grid graphs, same
    distances) from :data:`_BUCKET_WORK` on, where it repays loading numba, and scipy
    below it or where numba cannot be imported."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if engine == "auto":
        return "buckets" if work >= _BUCKET_WORK and buckets.available() else "scipy"
    return engine


def _workers(requested: int | None, work: float) -> int:
    if requested is not None:
        return max(1, int(requested))
    if work < _PARALLEL_WORK or "fork" not in mp.get_all_start_methods():
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def shortest_paths(
    graph: RoadGraph,
    origin_nodes: np.ndarray,
    dest_nodes: np.ndarray,
    metric: str = "length",
    limit: float | None = None,
    workers: int | None = None,
    engine: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """Length (m) and travel time (s) of the shortest paths between graph nodes.

    Parameters
    ----------
    graph : RoadGraph
    origin_nodes, dest_nodes : ndarray of int
        Node indices; one Dijkstra per origin node (pass unique origins).
    metric : {"length", "time"}
        What the path minimises.
    limit : float, optional
        Search cut-off in the metric's unit (m or s); farther nodes are unreachable.
    workers : int, optional
        Processes to use; default 1 for small requests and up to 2 for big ones.
    engine : {"auto", "buckets", "scipy"}
        The search (see :func:`choose_engine`); all give the same distances.

    Returns
    -------
    length_m, time_s : ndarray, shape (len(origin_nodes), len(dest_nodes))
        NaN where unreachable (or beyond ``limit``).
    """
    w = weights(graph, metric)
    origin_nodes = np.asarray(origin_nodes, dtype=np.int64)
    dest_nodes = np.asarray(dest_nodes, dtype=np.int64)
    k, m = len(origin_nodes), len(dest_nodes)
    if k == 0 or m == 0:
        return np.empty((k, m)), np.empty((k, m))
    lim = np.inf if limit is None else (math.ceil(limit / w.q_prim) + 1) * w.shift
    nw = _workers(workers, k * graph.n_nodes)
    engine = choose_engine(engine, k * graph.n_nodes)
    nbatch = max(nw * 2, math.ceil(k / _BATCH))
    batches = [b for b in np.array_split(origin_nodes, nbatch) if len(b)]
    if nw == 1 or len(batches) == 1:
        parts = [_block(w, b, dest_nodes, lim, engine) for b in batches]
        prim = np.vstack([p for p, _ in parts])
        sec = np.vstack([s for _, s in parts])
    else:
        if engine == "buckets":
            buckets.compile_kernel()  # once here, not in each forked worker
            _bucket_arrays(w)
        prim, sec = _shared((k, m)), _shared((k, m))
        _STATE.update(w=w, prim=prim, sec=sec)
        firsts = np.cumsum([0] + [len(b) for b in batches[:-1]])
        tasks = [(int(f), b, dest_nodes, lim, engine) for f, b in zip(firsts, batches)]
        try:
            with ProcessPoolExecutor(max_workers=nw, mp_context=mp.get_context("fork")) as ex:
                list(ex.map(_worker, tasks))
        finally:
            _STATE.clear()
    return (prim, sec) if metric == "length" else (sec, prim)


def predecessors(graph: RoadGraph, origin_nodes: np.ndarray, metric: str = "length") -> np.ndarray:
    """Shortest-path predecessor arrays (int32, -9999 where none), one row per origin."""
    w = weights(graph, metric)
    _, pred = dijkstra(w.csr, directed=True, indices=np.asarray(origin_nodes, dtype=np.int64), return_predecessors=True)
    return pred
