"""``symnet distances`` (a distance/travel-time table between points) and ``symnet roads``."""

from __future__ import annotations

import csv
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from symnet.errors import InputError, Problem
from symnet.routing.table import REASON_CUTOFF


def read_points_csv(path: Path) -> pd.DataFrame:
    """Read and validate a points CSV (``id,lon,lat``; WGS84 degrees).

    Raises
    ------
    InputError
        Listing every problem as ``file:row:column: message`` (row 1 is the header).
    """
    name = str(path)
    if not path.is_file():
        raise InputError([Problem(name, None, None, "file not found")])
    problems: list[Problem] = []
    rows: list[tuple[str, float, float]] = []
    seen: dict[str, int] = {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in ("id", "lon", "lat") if c not in header]
            if missing:
                raise InputError([Problem(name, 1, c, f"missing column '{c}' (expected id,lon,lat)") for c in missing])
            reader.fieldnames = header
            for lineno, rec in enumerate(reader, start=2):
                pid = (rec.get("id") or "").strip()
                ok = True
                if not pid:
                    problems.append(Problem(name, lineno, "id", "empty id"))
                    ok = False
                elif pid in seen:
                    problems.append(Problem(name, lineno, "id", f"duplicate id '{pid}' (first on row {seen[pid]})"))
                    ok = False
                else:
                    seen[pid] = lineno
                vals = {}
                for col, lim in (("lon", 180.0), ("lat", 90.0)):
                    raw = (rec.get(col) or "").strip()
                    try:
                        v = float(raw)
                    except ValueError:
                        problems.append(Problem(name, lineno, col, f"'{raw}' is not a number (decimal degrees, WGS84)"))
                        ok = False
                        continue
                    if not math.isfinite(v) or abs(v) > lim:
                        problems.append(Problem(name, lineno, col, f"{raw} is out of range [-{lim:g}, {lim:g}]"))
                        ok = False
                    vals[col] = v
                if ok:
                    rows.append((pid, vals["lon"], vals["lat"]))
    except UnicodeDecodeError as exc:
        raise InputError([Problem(name, None, None, f"not a UTF-8 text file ({exc.reason})")]) from None
    except csv.Error as exc:
        raise InputError([Problem(name, None, None, f"not a valid CSV file: {exc}")]) from None
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError([Problem(name, None, None, "no points (expected a header id,lon,lat and one row per point)")])
    return pd.DataFrame(rows, columns=["id", "lon", "lat"])


def _write_atomic(df: pd.DataFrame, out: Path) -> None:
    from symnet.outputs._format import write_csv

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            write_csv(df, fh, float_format="%.1f")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def distances_command(
    osm: Path | None,
    points: Path,
    out: Path,
    metric: str = "length",
    cache_dir: Path | None = None,
    snap_warn_m: float = 2000.0,
    online: bool = False,
    cutoff_km: float | None = None,
) -> int:
    """Write road distances and durations for every ordered pair of points.

    Parameters
    ----------
    osm : Path or None
        OSM extract; None estimates every pair (great circle x 1.37) unless
        ``online`` downloads the roads around the points (internet needed).
    points : Path
        CSV with ``id,lon,lat`` (WGS84 degrees).
    out : Path
        Output CSV ``origin,destination,distance_m,duration_s,method`` (metres,
        seconds), one row per ordered pair with origin != destination; written
        atomically.
    metric : {"length", "time"}
        What the route minimises.
    cache_dir : Path, optional
        Road graph cache directory.
    snap_warn_m : float
        Warn about (and estimate) points farther than this many metres from a road.
    online : bool
        Download roads with osmnx when ``osm`` is None.
    cutoff_km : float, optional
        Search each origin only this far by road (length; for ``metric="time"`` the
        search bound is converted at the slowest road's speed). Pairs farther by road
        are written with empty distance and duration and method ``"beyond cutoff"``.

    Returns
    -------
    int
        0 on success.

    Raises
    ------
    InputError
        Missing/invalid files or arguments (``file:row:column: message``).
    """
    from symnet.routing.cache import load_road_graph
    from symnet.routing.download import download_road_graph
    from symnet.routing.router import Router

    points = Path(points)
    out = Path(out)
    if metric not in ("length", "time"):
        raise InputError([Problem("--metric", None, None, f"'{metric}' is not a metric; expected length or time")])
    pts = read_points_csv(points)
    graph = None
    if osm is not None:
        osm = Path(osm)
        if not osm.is_file():
            raise InputError([Problem(str(osm), None, None, "OSM extract not found")])
        try:
            graph = load_road_graph(osm, cache_dir=cache_dir)
        except (ValueError, OSError) as exc:  # osmium's parse errors are InputErrors already
            raise InputError(
                [Problem(str(osm), None, None, f"cannot read OSM extract ({exc}); expected .osm, .osm.bz2 or .osm.pbf")]
            ) from None
    elif online:
        bbox = (pts["lon"].min(), pts["lat"].min(), pts["lon"].max(), pts["lat"].max())
        graph = download_road_graph(bbox=bbox, buffer_m=10_000.0, out_dir="gis/")
    router = Router(graph, snap_warn_m=snap_warn_m, area=pts)
    dm = router.matrix(pts, metric=metric, cutoff_m=None if cutoff_km is None else cutoff_km * 1000.0)
    df = dm.to_frame(drop_self=True)
    beyond = df["reason"] == REASON_CUTOFF
    df.loc[beyond, ["distance_m", "duration_s"]] = np.nan
    df.loc[beyond, "method"] = REASON_CUTOFF
    df = df[["origin", "destination", "distance_m", "duration_s", "method"]]
    _write_atomic(df, out)
    return 0


def build_roads_app(wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> typer.Typer:
    """The ``symnet roads`` sub-command group; ``wrap`` is the main CLI's error handler
    (``file:row:column: message`` and exit 2 for bad input), passed in so that this
    module does not import :mod:`symnet.cli`."""
    roads = typer.Typer(help="Road extracts for scenarios (online only on request).", no_args_is_help=True)

    @roads.command("fetch")
    @wrap
    def fetch(
        scenario_dir: Annotated[Path, typer.Argument(help="Scenario folder (actors and sites give the area).")],
        url: Annotated[
            str | None, typer.Option("--url", help="Extract URL (default: the Geofabrik extract of the country).")
        ] = None,
        overpass: Annotated[
            bool, typer.Option("--overpass", help="Query Overpass through osmnx instead (small areas).")
        ] = False,
        margin_km: Annotated[float, typer.Option("--margin-km", help="Margin around actors and sites, km.")] = 20.0,
        no_edit: Annotated[
            bool, typer.Option("--no-edit", help="Do not change scenario.yaml; print the line to add.")
        ] = False,
        gis_dir: Annotated[
            Path | None, typer.Option("--gis-dir", help="Output folder (default: gis/ beside scenarios/).")
        ] = None,
    ) -> None:
        """Download the roads of a scenario's area (needs internet) and set network.osm."""
        from symnet.routing.fetch import fetch_roads

        res = fetch_roads(
            scenario_dir, url=url, overpass=overpass, margin_km=margin_km, edit=not no_edit, gis_dir=gis_dir
        )
        typer.echo(f"{res.path}: {res.n_ways} ways, {res.n_nodes} nodes from {res.source} (licence: {res.notice})")
        if res.edited:
            typer.echo(f"network.osm set to {res.osm_value} in {Path(scenario_dir) / 'scenario.yaml'}")
        else:
            typer.echo(f"add under 'network:' in {Path(scenario_dir) / 'scenario.yaml'}:\n{res.osm_line}")

    return roads
