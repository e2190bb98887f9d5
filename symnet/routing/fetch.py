"""Download a country extract (Geofabrik) and clip it to a scenario's area.

Online on purpose only: :func:`fetch_roads` (``symnet roads fetch``) is the explicit
opt-in; nothing else in symnet opens a connection. The download is resumable (HTTP
``Range`` into a ``.part`` file in the download cache) and checked against the
``.md5`` file Geofabrik publishes next to each extract when the server has one. The
clip (pyosmium, two passes) keeps the drivable ways (:func:`~symnet.routing.osm.is_drivable`
with ``"drive_track"``, the widest network type) and ferry routes that have a node in
the bounding box, with all their nodes, so no way is cut at the box edge.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import tempfile
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symnet.errors import InputError, Problem
from symnet.routing.osm import is_drivable

#: Geofabrik's download server.
GEOFABRIK = "https://download.geofabrik.de"
#: Geofabrik extract path by ISO 3166-1 alpha-2 country code (the extracts symnet's
#: regions need; pass ``--url`` for any other).
GEOFABRIK_PATHS: dict[str, str] = {
    "AD": "europe/andorra",
    "AT": "europe/austria",
    "BE": "europe/belgium",
    "CH": "europe/switzerland",
    "CZ": "europe/czech-republic",
    "DE": "europe/germany",
    "DK": "europe/denmark",
    "EE": "europe/estonia",
    "ES": "europe/spain",
    "FI": "europe/finland",
    "FR": "europe/france",
    "GB": "europe/great-britain",
    "IE": "europe/ireland-and-northern-ireland",
    "IS": "europe/iceland",
    "IT": "europe/italy",
    "LT": "europe/lithuania",
    "LV": "europe/latvia",
    "NL": "europe/netherlands",
    "NO": "europe/norway",
    "PL": "europe/poland",
    "PT": "europe/portugal",
    "SE": "europe/sweden",
}
ODBL_NOTICE = (
    "Map data (c) OpenStreetMap contributors, available under the Open Database License\n"
    "(ODbL 1.0, https://opendatacommons.org/licenses/odbl/1-0/). This file is a derived\n"
    "database: keep this notice with any copy, and share changes under the same licence.\n"
)
_CHUNK = 1 << 20
_REVERSED_ONEWAY = frozenset({"-1", "reverse", "T"})
_KM_PER_DEG_LAT = 111.32


def geofabrik_url(country: str | None, source: str = "scenario.yaml") -> str:
    """The Geofabrik ``-latest.osm.pbf`` URL of a country (ISO alpha-2 code).

    Raises
    ------
    InputError
        Unknown or missing country (pass ``--url`` instead).
    """
    path = GEOFABRIK_PATHS.get((country or "").strip().upper())
    if path is None:
        known = ", ".join(sorted(GEOFABRIK_PATHS))
        msg = f"no Geofabrik extract known for country {country!r} (known: {known}); pass --url"
        raise InputError([Problem(source, None, "country", msg)])
    return f"{GEOFABRIK}/{path}-latest.osm.pbf"


def _md5(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while block := fh.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def _published_md5(url: str, timeout: float) -> str | None:
    """The hex digest in ``url + ".md5"`` (``"<hex>  <name>"``), or None if there is none."""
    try:
        with urllib.request.urlopen(url + ".md5", timeout=timeout) as resp:
            text = resp.read(4096).decode("ascii", "replace")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise
    word = text.split()[0].lower() if text.split() else ""
    return word if len(word) == 32 and all(c in "0123456789abcdef" for c in word) else None


@dataclass
class Download:
    """A finished download: the file, its URL, when, and how it was checked."""

    path: Path
    url: str
    date: str  # ISO 8601 UTC
    md5: str | None  # the published digest it matched, or None when none was published


def download(url: str, dest: Path, timeout: float = 60.0) -> Download:
    """Download ``url`` to ``dest``, resuming a previous ``dest.part``.

    An existing ``dest.part`` is continued with ``Range: bytes=N-`` (a server that
    answers 200 instead of 206 restarts it). When complete, the file is checked
    against ``url + ".md5"`` if the server publishes one; a mismatch deletes the
    ``.part`` (corrupt data cannot be resumed) and is an error. An interrupted
    transfer keeps the ``.part`` for the next run.

    Raises
    ------
    InputError
        Interrupted, refused or corrupt download (nothing is left at ``dest``).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    _transfer(url, part, timeout)
    try:
        published = _published_md5(url, timeout)
    except (OSError, urllib.error.URLError) as exc:
        raise InputError([Problem(url + ".md5", None, None, f"cannot read the checksum ({exc})")]) from None
    digest = _md5(part) if published is not None else None
    if digest != published:
        part.unlink(missing_ok=True)
        msg = f"corrupt download: md5 {digest} does not match the published {published}; deleted, run again"
        raise InputError([Problem(url, None, None, msg)])
    os.replace(part, dest)
    return Download(dest, url, _now(), published)


def _transfer(url: str, part: Path, timeout: float) -> None:
    """Fetch ``url`` into ``part``, continuing it with a Range request when it exists."""
    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resumed = bool(have) and resp.status == 206
            length = resp.headers.get("Content-Length")
            expect = (have if resumed else 0) + int(length) if length and length.isdigit() else None
            with open(part, "ab" if resumed else "wb") as fh:
                while block := resp.read(_CHUNK):
                    fh.write(block)
        got = part.stat().st_size
        if expect is not None and got < expect:
            raise ConnectionError(f"connection closed at {got} of {expect} bytes")
    except urllib.error.HTTPError as exc:
        if not (exc.code == 416 and have):  # 416: the .part is already complete
            raise InputError([Problem(url, None, None, f"download refused: HTTP {exc.code} {exc.reason}")]) from None
    except (OSError, urllib.error.URLError) as exc:
        got = part.stat().st_size if part.exists() else 0
        msg = f"download interrupted after {got} bytes ({exc}); run the command again to resume"
        raise InputError([Problem(url, None, None, msg)]) from None


def bbox_with_margin(lon: list[float], lat: list[float], margin_km: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the points plus ``margin_km`` kilometres (degrees)."""
    dlat = margin_km / _KM_PER_DEG_LAT
    coslat = max(0.05, math.cos(math.radians(max(abs(min(lat)), abs(max(lat))) + dlat)))
    dlon = margin_km / (_KM_PER_DEG_LAT * coslat)
    return (
        max(-180.0, min(lon) - dlon),
        max(-90.0, min(lat) - dlat),
        min(180.0, max(lon) + dlon),
        min(90.0, max(lat) + dlat),
    )


def _keep_way(tags: dict[str, str]) -> bool:
    return tags.get("route") == "ferry" or is_drivable(tags, "drive_track")


def _kept_ways(src: Path, bbox: tuple[float, float, float, float]) -> tuple[set[int], set[int]]:
    """Pass 1: ids of the kept ways that have a node in ``bbox``, and of all their nodes."""
    import osmium

    w, s, e, n = bbox
    ways: set[int] = set()
    nodes: set[int] = set()
    try:
        fp: Any = (
            osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        )
        for way in fp:
            if not _keep_way({t.k: t.v for t in way.tags}):
                continue
            locs = [nr.location for nr in way.nodes]
            if any(loc.valid() and w <= loc.lon <= e and s <= loc.lat <= n for loc in locs):
                ways.add(way.id)
                nodes.update(nr.ref for nr in way.nodes)
    except RuntimeError as exc:
        raise InputError([Problem(str(src), None, None, f"not a readable OSM extract ({exc})")]) from None
    if not ways:
        raise InputError([Problem(str(src), None, None, f"no road in the bounding box {bbox} (wrong country?)")])
    return ways, nodes


def _copy_objects(src: Path, dest: Path, ways: set[int], nodes: set[int]) -> None:
    """Pass 2: copy the chosen nodes and ways of ``src`` to ``dest`` atomically."""
    import osmium

    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".osm.pbf")
    os.close(fd)
    os.unlink(tmp)  # the writer refuses to overwrite
    objects: Any = osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY)
    try:
        writer = osmium.SimpleWriter(tmp)
        try:
            for obj in objects:
                if obj.is_node() and obj.id in nodes:
                    writer.add_node(obj)
                elif obj.is_way() and obj.id in ways:
                    writer.add_way(obj)
        finally:
            writer.close()
        os.replace(tmp, dest)
    except RuntimeError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError([Problem(str(src), None, None, f"not a readable OSM extract ({exc})")]) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def clip_roads(src: Path, dest: Path, bbox: tuple[float, float, float, float]) -> tuple[int, int]:
    """Write the roads and ferries of ``src`` that touch ``bbox`` to ``dest`` (``.osm.pbf``).

    Pass 1 finds the kept ways (with node locations) and their nodes; pass 2 copies
    those nodes and ways. ``dest`` is written atomically.

    Returns
    -------
    (n_ways, n_nodes)

    Raises
    ------
    InputError
        ``src`` is not a readable OSM file, or no road touches the box.
    """
    ways, nodes = _kept_ways(src, bbox)
    _copy_objects(src, dest, ways, nodes)
    return len(ways), len(nodes)


@dataclass
class FetchResult:
    """What :func:`fetch_roads` wrote."""

    path: Path  # the clipped extract
    notice: Path  # licence and provenance text next to it
    osm_value: str  # network.osm as written (relative to the scenario folder)
    edited: bool  # whether scenario.yaml was changed (else print osm_line)
    osm_line: str
    n_ways: int
    n_nodes: int
    source: str


def osmnx_osm_file(make_graph: Callable[[], Any], path: Path) -> Path:
    """Write the osmnx graph ``make_graph()`` builds as an OSM XML file.

    The graph is built with ``osmnx.settings.all_oneway = True`` (restored afterwards),
    which osmnx needs to write each way once with its ``oneway`` tag; osmnx reverses
    the nodes of ``oneway=-1`` ways, so their tag is written as ``yes``.
    """
    import osmnx as ox

    before = ox.settings.all_oneway
    ox.settings.all_oneway = True
    try:
        graph = make_graph()
    finally:
        ox.settings.all_oneway = before
    for _, _, data in graph.edges(data=True):
        if data.get("oneway") in _REVERSED_ONEWAY:  # osmnx already reversed these ways' nodes
            data["oneway"] = "yes"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*all_oneway.*")  # we did set it
        ox.io.save_graph_xml(graph, path)
    return path


def _overpass_osm(bbox: tuple[float, float, float, float], folder: Path) -> Path:
    """Drivable roads in ``bbox`` from the Overpass API through osmnx, as an .osm file."""
    import osmnx as ox

    def make() -> Any:
        return ox.graph_from_bbox(bbox, network_type="drive", simplify=False, retain_all=True, truncate_by_edge=True)

    return osmnx_osm_file(make, folder / "overpass.osm")


def _notice(src: str, date: str, md5: str | None, bbox: tuple[float, float, float, float], margin_km: float) -> str:
    check = f"md5 {md5} (published by the server)" if md5 else "no checksum published by the server"
    box = ", ".join(f"{v:.5f}" for v in bbox)
    return (
        f"{ODBL_NOTICE}\n"
        f"Source: {src}\nDownloaded: {date}\nCheck: {check}\n"
        f"Clipped to (west, south, east, north) = ({box}) degrees WGS84: the scenario's actors and sites\n"
        f"plus {margin_km:g} km; drivable highways and ferry routes only (symnet roads fetch).\n"
    )


def fetch_roads(
    scenario_dir: Path,
    url: str | None = None,
    overpass: bool = False,
    margin_km: float = 20.0,
    edit: bool = True,
    gis_dir: Path | None = None,
    download_dir: Path | None = None,
    timeout: float = 60.0,
) -> FetchResult:
    """Download, clip and register the road extract of a scenario (needs internet).

    Parameters
    ----------
    scenario_dir : Path
        Scenario folder (its actors and sites give the area, ``country`` the extract).
    url : str, optional
        Extract URL; default the Geofabrik country extract.
    overpass : bool
        Query the Overpass API through osmnx instead (small areas only).
    margin_km : float
        Margin around the actors' and sites' bounding box, km.
    edit : bool
        Set ``network.osm`` in scenario.yaml (else only report the line to add).
    gis_dir : Path, optional
        Output folder; default ``gis/`` next to the ``scenarios/`` folder.
    download_dir : Path, optional
        Where the country extract (and its ``.part``) is kept; default
        ``$SYMNET_CACHE_DIR/../downloads`` or ``~/.cache/symnet/downloads``.
    timeout : float
        Socket timeout, seconds.

    Raises
    ------
    InputError
        Bad scenario, unknown country, refused/interrupted/corrupt download, unreadable
        or empty extract. Nothing is written in ``gis_dir`` and scenario.yaml is
        unchanged.
    """
    from symnet.routing.cache import default_cache_dir
    from symnet.routing.graph import build_road_graph
    from symnet.routing.yaml_edit import network_osm_line, with_network_osm, write_text_atomic
    from symnet.scenario import load_scenario

    scenario = load_scenario(scenario_dir)
    folder = Path(scenario_dir)
    if margin_km < 0:
        raise InputError([Problem("--margin-km", None, None, f"{margin_km:g} is negative")])
    lons = [a.lon for a in scenario.actors] + [s.lon for s in scenario.sites]
    lats = [a.lat for a in scenario.actors] + [s.lat for s in scenario.sites]
    bbox = bbox_with_margin(lons, lats, margin_km)
    gis = Path(gis_dir) if gis_dir is not None else folder.resolve().parent.parent / "gis"
    name = folder.resolve().name
    out = gis / f"{name}-roads.osm.pbf"
    with tempfile.TemporaryDirectory(prefix="symnet-roads-") as tmpdir:
        work = Path(tmpdir)
        if overpass:
            src, source, date, md5 = _overpass_osm(bbox, work), "Overpass API (osmnx)", _now(), None
        else:
            url = url or geofabrik_url(scenario.config.country, str(folder / "scenario.yaml"))
            cache = Path(download_dir) if download_dir is not None else default_cache_dir().parent / "downloads"
            got = download(url, cache / (url.rstrip("/").rsplit("/", 1)[-1] or "extract.osm.pbf"), timeout)
            src, source, date, md5 = got.path, url, got.date, got.md5
        clipped = work / out.name
        n_ways, n_nodes = clip_roads(src, clipped, bbox)
        if build_road_graph(clipped).n_edges == 0:
            raise InputError([Problem(str(src), None, None, "the clipped extract has no drivable road")])
        notice = gis / f"{name}-roads.txt"
        value = os.path.relpath(out, folder.resolve())
        comment = f"symnet roads fetch, {date[:10]}, ODbL: see {notice.name}"
        yaml_path = folder / "scenario.yaml"
        new_yaml = with_network_osm(yaml_path, value, comment) if edit else None
        gis.mkdir(parents=True, exist_ok=True)
        write_text_atomic(notice, _notice(source, date, md5, bbox, margin_km))
        _copy_atomic(clipped, out)
    if new_yaml is not None:
        write_text_atomic(yaml_path, new_yaml)
    line = network_osm_line(value, comment)
    return FetchResult(out, notice, value, new_yaml is not None, line, n_ways, n_nodes, source)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _copy_atomic(src: Path, dest: Path) -> None:
    import shutil

    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
