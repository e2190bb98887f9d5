"""Bounded one-to-many shortest paths by a bucket queue (Dial / delta-stepping), via numba.

Why not only :func:`scipy.sparse.csgraph.dijkstra`
--------------------------------------------------
scipy's Dijkstra keeps a Fibonacci heap, holds the GIL and returns a full row of all
``N`` nodes per origin. On the 500k-node county grid with a 50 km cut-off that costs
~60 ms per origin on one core (benchmarks/README.md, "Route engine at county scale").
Path sums here are exact integers (the combined weights of
:mod:`symnet.routing.engine`), so a *bucket queue* can replace the heap: tentative
distances fall into buckets of width ``delta``, and the buckets are emptied in order.

- When ``delta`` is at most the shortest edge (Dial's algorithm), a node taken from the
  current bucket can only push its neighbours into later buckets, so every node is
  scanned exactly once, as in Dijkstra, with O(1) queue operations.
- When the edge weights span more than :data:`MAX_BUCKETS` widths (real road graphs
  have 1 m and 5 km edges), ``delta`` is widened to ``max weight / (MAX_BUCKETS - 2)``
  and the search becomes delta-stepping: a node improved inside the bucket being
  emptied is scanned again. It stays exact: when a bucket is empty, every node in its
  range is final (any better path would come through a node with a smaller distance,
  and those are all final already).

Either way the result is the exact minimum of the same integer sums scipy computes,
so distances agree with scipy's to the unit (tested on real OSM extracts). Only the
nodes a search touched are reset between origins, and only the requested destinations
are written out. :mod:`symnet.routing.engine` runs origin batches on forked worker
processes (measured faster than threads on this nogil kernel).

numba compiles the kernel on first use (~1.2 s; ~0.2 s to load it from numba's cache
afterwards, plus ~0.5 s to import numba), so :mod:`symnet.routing.engine` uses it only
for requests big enough to repay that.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

#: at most this many cyclic buckets (the width is widened beyond it, see module doc)
MAX_BUCKETS = 256
#: initial capacity of each bucket (doubled, and the origin searched again, on overflow)
_INITIAL_CAPACITY = 1024
_COMPILED: list[Callable[..., Any]] = []


def available() -> bool:
    """Whether the compiled kernel can run here (numba importable; it is a dependency,
    so this is False only in a stripped environment, where scipy answers instead)."""
    return importlib.util.find_spec("numba") is not None


def _kernel() -> Callable[..., Any]:
    """The compiled kernel (numba imported on first use: importing it costs ~0.5 s,
    which small runs that never reach the bucket engine should not pay)."""
    if not _COMPILED:
        from numba import njit

        try:
            kernel = njit(nogil=True, cache=True)(_search_kernel)
        except RuntimeError:  # no writable cache location (read-only install, no home)
            kernel = njit(nogil=True)(_search_kernel)
        _COMPILED.append(kernel)
    return _COMPILED[0]


def compile_kernel() -> None:
    """Compile (or load from numba's cache) the kernel now, e.g. before forking workers."""
    distances(csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]])), np.array([0]), np.array([1]))


def bucket_width(data: np.ndarray) -> tuple[float, int]:
    """Bucket width (in weight units, a whole number) and number of cyclic buckets for
    edge weights ``data`` (positive whole numbers stored as float64).

    The width is the smallest weight (Dial: each node scanned once) unless the weights
    then span more than :data:`MAX_BUCKETS` buckets; then it is the largest weight over
    ``MAX_BUCKETS - 2`` (delta-stepping). The cyclic window always covers the largest
    weight, so a push never lands more than one turn ahead."""
    if len(data) == 0:
        return 1.0, 2
    w_min, w_max = float(data.min()), float(data.max())
    width = max(1.0, math.floor(w_min))
    if math.ceil(w_max / width) + 2 > MAX_BUCKETS:
        width = float(math.ceil(w_max / (MAX_BUCKETS - 2)))
    return width, int(math.ceil(w_max / width)) + 2


# One function on purpose: numba compiles it as one loop nest, and helpers called from a
# kernel must themselves be numba functions resolved at compile time. Node, edge and
# bucket indices are unsigned (uint32 / uint64): numba then skips its negative-index
# wrap-around on every array access, which made the search 20-25 % faster.
def _search_kernel(  # noqa: C901
    indptr, indices, data, origins, first_row, col_of, limit, width, n_buckets, rescan, bucket, out
):  # pragma: no cover - compiled by numba in _kernel(); coverage cannot see inside
    """Rows ``first_row..`` of ``out``; returns the row at which a bucket overflowed
    (the caller grows ``bucket`` and resumes there) or ``len(origins)`` when done.
    ``indptr`` uint64, ``indices`` and ``bucket`` uint32 (see :func:`graph_arrays`)."""
    n = len(indptr) - 1
    one = np.uint64(1)
    capacity = np.uint64(bucket.shape[1])
    cycle = np.uint64(n_buckets)
    dist = np.full(n, np.inf)
    scanned_at = np.full(n if rescan else 1, np.inf)  # delta-stepping: distance of the last scan
    live_bucket = np.full(n, -1, np.int64)  # absolute bucket of the node's unscanned entry
    touched = np.empty(n, np.uint32)
    fill = np.zeros(n_buckets, np.uint64)
    inverse = 1.0 / width
    for row in range(first_row, len(origins)):
        source = np.uint32(origins[row])
        dist[source] = 0.0
        touched[0] = source
        n_touched = one
        bucket[0, 0] = source
        fill[:] = 0
        fill[0] = one
        live_bucket[source] = 0
        queued = one
        current = np.uint64(0)
        overflow = False
        while queued > 0 and not overflow:
            slot = current % cycle
            low = np.float64(current) * width
            k = np.uint64(0)
            while k < fill[slot]:
                u = bucket[slot, k]
                k += one
                if live_bucket[u] == np.int64(current):
                    live_bucket[u] = -1
                du = dist[u]
                if du < low:
                    continue  # a stale entry: the node moved to an earlier bucket
                if rescan:
                    if du >= scanned_at[u]:
                        continue  # already scanned at this distance
                    scanned_at[u] = du
                for e in range(np.uint64(indptr[u]), np.uint64(indptr[u + one])):
                    v = indices[e]
                    nd = du + data[e]
                    if nd < dist[v] and nd <= limit:
                        if dist[v] == np.inf:
                            touched[n_touched] = v
                            n_touched += one
                        dist[v] = nd
                        q = int(nd * inverse)  # floor(nd / width), exact after the fix-up
                        if q * width > nd:
                            q -= 1
                        elif (q + 1) * width <= nd:
                            q += 1
                        if live_bucket[v] != q:
                            live_bucket[v] = q
                            target = np.uint64(q) % cycle
                            f = fill[target]
                            if f == capacity:
                                overflow = True
                                break
                            bucket[target, f] = v
                            fill[target] = f + one
                            queued += one
                if overflow:
                    break
            queued -= fill[slot]
            fill[slot] = 0
            current += one
        for t in range(n_touched):
            v = touched[t]
            c = col_of[v]
            if c >= 0 and not overflow:
                out[row, c] = dist[v]
            dist[v] = np.inf
            live_bucket[v] = -1
            if rescan:
                scanned_at[v] = np.inf
        if overflow:
            return row
    return len(origins)


def graph_arrays(csr: csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The kernel's copy of ``csr``: row pointers as uint64, columns as uint32, weights
    as float64 (worth keeping per graph: :mod:`symnet.routing.engine` caches it)."""
    if csr.shape[0] >= 2**32:
        raise ValueError("the bucket engine takes graphs of fewer than 2**32 nodes")
    return (
        csr.indptr.astype(np.uint64),
        csr.indices.astype(np.uint32),
        csr.data.astype(np.float64, copy=False),
    )


def distances(
    csr: csr_matrix,
    origins: np.ndarray,
    dests: np.ndarray,
    limit: float = math.inf,
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Shortest-path sums from each origin to each destination on ``csr``.

    Parameters
    ----------
    csr : scipy.sparse.csr_matrix
        Directed edge weights (positive whole numbers as float64, e.g. the combined
        weights of :func:`symnet.routing.engine.weights`; parallel edges collapsed).
    origins, dests : ndarray of int
        Node indices; destinations may repeat.
    limit : float
        Cut-off in weight units; sums above it are ``inf``.
    arrays : tuple, optional
        :func:`graph_arrays` of ``csr``, when the caller keeps it.

    Returns
    -------
    ndarray, shape (len(origins), len(dests))
        The sums (``inf`` where unreachable within ``limit``), equal to
        ``scipy.sparse.csgraph.dijkstra(csr, indices=origins, limit=limit)[:, dests]``.
    """
    kernel = _kernel()
    n = csr.shape[0]
    unique_dests, column = np.unique(np.asarray(dests, dtype=np.int64), return_inverse=True)
    col_of = np.full(n, -1, np.int32)
    col_of[unique_dests] = np.arange(len(unique_dests))
    width, n_buckets = bucket_width(csr.data)
    rescan = width > float(csr.data.min()) if len(csr.data) else False
    origins = np.asarray(origins, dtype=np.int64)
    out = np.full((len(origins), len(unique_dests)), np.inf)
    if arrays is None:
        arrays = graph_arrays(csr)
    capacity, row = _INITIAL_CAPACITY, 0
    while row < len(origins):
        bucket = np.empty((n_buckets, capacity), np.uint32)
        row = kernel(*arrays, origins, row, col_of, float(limit), width, n_buckets, rescan, bucket, out)
        capacity *= 2  # only used when a bucket overflowed (the kernel stopped early)
    return out[:, column]
