"""On-disk cache of built road graphs and :func:`load_road_graph`.

A graph is cached as an uncompressed ``.npz`` of plain arrays (loaded with
``allow_pickle=False``), keyed by the sha256 of the extract's bytes, the builder
version, the network type and the requested CRS. Cache directory precedence: the
``cache_dir`` argument, then the ``SYMNET_CACHE_DIR`` environment variable, then
``~/.cache/symnet/roads``. Writes are atomic (temporary file + ``os.replace``), so
concurrent runs never read a half-written cache file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from symnet.errors import InputError, Problem
from symnet.routing.geo import normalise_crs
from symnet.routing.graph import _ARRAYS, BUILDER_VERSION, RoadGraph, build_road_graph

log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """``$SYMNET_CACHE_DIR`` if set, else ``~/.cache/symnet/roads``."""
    env = os.environ.get("SYMNET_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "symnet" / "roads"


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's content."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def cache_key(sha: str, network_type: str, crs: Any) -> str:
    """Cache file stem for a content hash, network type and CRS request."""
    crs_s = "auto" if crs is None else normalise_crs(crs)
    tail = hashlib.sha256(f"{BUILDER_VERSION}|{network_type}|{crs_s}".encode()).hexdigest()[:12]
    return f"{sha[:40]}-{network_type}-v{BUILDER_VERSION}-{tail}"


def save_graph(graph: RoadGraph, path: str | Path) -> None:
    """Write a graph as ``.npz`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            arrays: dict[str, Any] = {
                "crs": np.array(graph.crs),
                "source": np.array(graph.source),
                "builder_version": np.array(BUILDER_VERSION),
                **graph.arrays(),
            }
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_graph(path: str | Path) -> RoadGraph:
    """Read a graph written by :func:`save_graph` (no pickle)."""
    with np.load(path, allow_pickle=False) as z:
        if int(z["builder_version"]) != BUILDER_VERSION:
            raise ValueError(f"{path}: built by another builder version")
        arrays = {name: z[name] for name in _ARRAYS}
        return RoadGraph(crs=str(z["crs"]), source=str(z["source"]), **arrays)


def load_road_graph(
    path: str | Path,
    crs: Any = None,
    cache_dir: str | Path | None = None,
    network_type: str = "drive",
    use_cache: bool = True,
) -> RoadGraph:
    """Load the drivable road graph of a local OSM extract, building it once.

    Parameters
    ----------
    path : str or Path
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file.
    crs : optional
        Projected CRS for node x/y in metres (e.g. ``"EPSG:3006"``); default the UTM
        zone of the data's median node.
    cache_dir : str or Path, optional
        Cache directory (see module docstring for the default).
    network_type : {"drive", "drive_service", "drive_track"}
        Which ways are roads (see :mod:`symnet.routing.osm`).
    use_cache : bool
        Read and write the cache (default True).

    Returns
    -------
    RoadGraph

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    InputError
        If ``path`` is not a readable OpenStreetMap file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    if not use_cache:
        return _build(path, crs, network_type)
    sha = file_sha256(path)
    cdir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cfile = cdir / f"{cache_key(sha, network_type, crs)}.npz"
    if cfile.is_file():
        try:
            g = read_graph(cfile)
            log.debug("road graph from cache %s", cfile)
            return g
        except Exception as exc:  # corrupt/stale cache: rebuild
            log.warning("ignoring unreadable road-graph cache %s: %s", cfile, exc)
    g = _build(path, crs, network_type)
    g.source = f"{path.name} sha256:{sha[:16]}"
    try:
        save_graph(g, cfile)
    except OSError as exc:  # read-only cache dir: still return the graph
        log.warning("could not write road-graph cache %s: %s", cfile, exc)
    return g


def _build(path: Path, crs: Any, network_type: str) -> RoadGraph:
    """:func:`build_road_graph`, with a file osmium cannot parse reported as bad input
    (``path: cannot read OSM extract ...``) instead of an internal error."""
    try:
        return build_road_graph(path, crs=crs, network_type=network_type)
    except RuntimeError as exc:  # osmium's parse errors (XML syntax, PBF blob headers, ...)
        detail = " ".join(str(exc).split())[:120]
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"cannot read OSM extract ({detail}); expected .osm, .osm.bz2 or .osm.pbf",
                )
            ]
        ) from None
