"""Many-to-many distances by a customisable contraction hierarchy (optional backend).

RoutingKit's customisable contraction hierarchy (CCH) through the ``pyroutingkit`` wheel
(``pip install symnet[ch]``): the topology is ordered once per graph by inertial nested
dissection, customised with the same integer weights scipy's Dijkstra minimises in
:mod:`symnet.routing.engine` (millimetres for ``"length"``, milliseconds for ``"time"``,
parallel edges collapsed to their minimum), so path sums are the same integers and the
distances agree with :func:`symnet.routing.engine.shortest_paths` exactly (to the
millimetre), not just to the metre.

Measured (benchmarks/README.md, "Route engine at county scale"): on the real Andorra
extract the CCH answers a 1,000 x 1,000 matrix ~3x faster than scipy including its
preparation; on the generated 500k-node grid with a distance cut-off it is ~3x slower
than the bucket engine behind ``shortest_paths`` (:mod:`symnet.routing.buckets`; a CCH
cannot use the cut-off and grids have no road hierarchy), so this module stays an
opt-in alternative.

Limits: distances only (batched CCH queries return no paths, so no travel time along
the shortest-length path); weights are 32-bit, so rows with any distance of 2**30 units
or more (1,073 km, or 298 h) are recomputed by scipy.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from symnet.routing.engine import shortest_paths, weights
from symnet.routing.graph import RoadGraph

#: results at or above this many integer units are recomputed by scipy (see module doc)
SAFE_UNITS = 2**30
#: origins per many-to-many call: bounds the result block to BLOCK x len(dests) uint32
BLOCK = 512
#: use forked workers when origins x destinations exceeds this
_PARALLEL_PAIRS = 500_000
#: the hierarchy a forked worker inherits (module global, no pickling)
_STATE: dict[str, Any] = {}


def available() -> bool:
    """Whether the optional ``pyroutingkit`` wheel is installed."""
    try:
        import pyroutingkit  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class ContractionHierarchy:
    """A customised CCH of one graph and metric.

    Attributes
    ----------
    graph : RoadGraph
    metric : str
        ``"length"`` (weights in mm) or ``"time"`` (weights in ms).
    unit : float
        Physical units (m or s) per integer weight unit.
    """

    graph: RoadGraph
    metric: str
    unit: float
    _metric: Any
    _topology: Any

    def distances(
        self,
        origin_nodes: np.ndarray,
        dest_nodes: np.ndarray,
        limit: float | None = None,
        workers: int | None = None,
    ) -> np.ndarray:
        """Shortest-path sums of the metric (m or s) between graph nodes.

        Parameters
        ----------
        origin_nodes, dest_nodes : ndarray of int
            Node indices.
        limit : float, optional
            Cut-off in the metric's unit: farther pairs are NaN (as scipy's ``limit``).
        workers : int, optional
            Forked processes sharing the hierarchy; default 1 for small requests and up
            to 2 for big ones (the many-to-many call runs on one thread).

        Returns
        -------
        ndarray of float, shape (len(origin_nodes), len(dest_nodes))
            NaN where unreachable or beyond ``limit``.
        """
        o = np.asarray(origin_nodes, dtype=np.uint32)
        d = np.asarray(dest_nodes, dtype=np.uint32)
        if workers is None:
            big_request = len(o) * len(d) > _PARALLEL_PAIRS and "fork" in mp.get_all_start_methods()
            workers = min(2, os.cpu_count() or 1) if big_request else 1
        size = max(1, min(BLOCK, -(-len(o) // (2 * workers)) if workers > 1 else BLOCK))
        blocks = [o[i : i + size] for i in range(0, len(o), size)]
        if workers <= 1 or len(blocks) == 1:
            parts = [self._block(b, d) for b in blocks]
        else:
            _STATE["ch"] = self
            try:
                with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as ex:
                    parts = list(ex.map(_worker, [(b, d) for b in blocks]))
            finally:
                _STATE.clear()
        out = np.vstack(parts) if parts else np.empty((0, len(d)))
        if limit is not None:
            out[out > limit] = np.nan
        return out

    def _block(self, o: np.ndarray, d: np.ndarray) -> np.ndarray:
        import pyroutingkit

        raw = np.asarray(self._metric.distances_many_to_many(o, d), dtype=np.int64)
        block = np.where(raw >= pyroutingkit.INF_WEIGHT, np.nan, raw * self.unit)
        big = np.nonzero(((raw >= SAFE_UNITS) & (raw < pyroutingkit.INF_WEIGHT)).any(axis=1))[0]
        if len(big):
            block[big] = self._scipy(o[big], d)
        return block

    def _scipy(self, origins: np.ndarray, dests: np.ndarray) -> np.ndarray:
        length, time = shortest_paths(self.graph, origins.astype(np.int64), dests.astype(np.int64), self.metric)
        return length if self.metric == "length" else time


def _worker(task: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return _STATE["ch"]._block(*task)


def build(graph: RoadGraph, metric: str = "length") -> ContractionHierarchy:
    """Order, contract and customise ``graph`` for ``metric`` (cached on the graph).

    Raises
    ------
    ImportError
        When ``pyroutingkit`` is not installed (``pip install symnet[ch]``).
    """
    cached = graph._cache.get(f"ch:{metric}")
    if cached is not None:
        return cached
    try:
        import pyroutingkit
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise ImportError("the CCH backend needs the optional package pyroutingkit: pip install symnet[ch]") from exc
    w = weights(graph, metric)
    coo = w.prim_csr.tocoo()
    units = np.maximum(1, np.rint(coo.data / w.q_prim)).astype(np.uint32)
    topo = pyroutingkit.CCHTopology()
    topo.build(
        coo.row.astype(np.uint32),
        coo.col.astype(np.uint32),
        graph.lat.astype(np.float32),
        graph.lon.astype(np.float32),
        graph.n_nodes,
    )
    met = pyroutingkit.CCHMetric(topo)
    met.customize(units)
    ch = ContractionHierarchy(graph, metric, w.q_prim, met, topo)
    graph._cache[f"ch:{metric}"] = ch
    return ch
