"""GIS files of the output layers: GeoPackage (with QGIS styles), GeoJSON, Shapefile,
FlatGeobuf and CSV writers and readers, and ``symnet export`` (see :mod:`symnet.outputs.tables`
for the layers, the CRS rules and the public rule)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from symnet.errors import InputError, Problem
from symnet.outputs._format import csv_safe_cell, write_csv
from symnet.outputs.atomic import _check_destination, atomic_dir, atomic_file
from symnet.outputs.postgis import export_postgis
from symnet.outputs.public import public_layers, result_layers
from symnet.outputs.qgis import embed_styles
from symnet.outputs.tables import _BOOL, _FLOAT, _INT, COLUMNS, GEOMETRY_TYPES, LAYERS
from symnet.result import Result
from symnet.scenario import Scenario

FORMATS: tuple[str, ...] = ("gpkg", "geojson", "shp", "fgb", "csv", "postgis")
RESULT_GPKG = "network.gpkg"
RESULT_SUMMARY = "summary.json"


def _write_ogr(gdf: gpd.GeoDataFrame, path: Path, layer: str, driver: str, **options: Any) -> None:
    import pyogrio

    frame = gdf
    if driver == "ESRI Shapefile":
        frame = gdf.copy()
        for c in frame.columns:
            if frame[c].dtype == bool:
                frame[c] = frame[c].astype("int32")
    pyogrio.write_dataframe(
        frame, path, layer=layer, driver=driver, geometry_type=GEOMETRY_TYPES[layer], promote_to_multi=False, **options
    )


def write_layers_gpkg(layers: dict[str, gpd.GeoDataFrame], path: str | Path, force: bool = False) -> Path:
    """Write layers to one GeoPackage with the QGIS styles embedded, atomically."""
    path = Path(path)
    with atomic_file(path, force) as tmp:
        for layer in LAYERS:
            _write_ogr(layers[layer], tmp, layer, "GPKG", geometry_name="geom", spatial_index=True)
        embed_styles(tmp, list(LAYERS))
    return path


def write_geopackage(
    result: Result, scenario: Scenario | None, path: str | Path, public: bool = False, force: bool = False
) -> Path:
    """Write ``result`` as a GeoPackage with layers actors, sites, exchanges, disposal
    (projected CRS ``result.crs``) and the QGIS styles in ``layer_styles``.

    Parameters
    ----------
    path : path
        Output ``.gpkg`` file; replaced only when ``force``.
    public : bool
        Aggregate confidential actors and streams (see the module docstring).
    """
    return write_layers_gpkg(result_layers(result, scenario, public), path, force)


def shapefile_field_names(columns: list[str]) -> dict[str, str]:
    """Deterministic, collision-free mapping of column names to Shapefile (dBASE) field
    names of at most 10 characters.

    Names of 10 characters or fewer are kept. Longer names drop vowels after the first
    letter of each ``_``-separated word (vowels include y: ``supplier_name`` -> ``spplr_nm``), then are cut
    to 10; a clash (case-insensitive) is resolved by cutting to 8 and appending ``_2``,
    ``_3`` ... in column order.

    >>> shapefile_field_names(["quantity_text", "supplier_name", "geometry_kind"])
    {'quantity_text': 'qntt_txt', 'supplier_name': 'spplr_nm', 'geometry_kind': 'gmtr_knd'}
    """
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for col in columns:
        name = col if len(col) <= 10 else "_".join(w[:1] + re.sub(r"[aeiouy]", "", w[1:]) for w in col.split("_"))[:10]
        candidate, i = name, 1
        while candidate.lower() in taken:
            i += 1
            candidate = f"{name[:8]}_{i}"
        taken.add(candidate.lower())
        mapping[col] = candidate
    return mapping


def _manifest(folder: Path, fmt: str, layers: dict[str, gpd.GeoDataFrame], crs: str, files: dict[str, str]) -> None:
    data = {
        "format": fmt,
        "crs": crs,
        "layers": {n: {"file": files[n], "rows": len(layers[n]), "geometry": GEOMETRY_TYPES[n]} for n in LAYERS},
    }
    (folder / "layers.json").write_text(json.dumps(data, indent=2), "utf-8")


def _write_folder(layers: dict[str, gpd.GeoDataFrame], fmt: str, folder: Path) -> None:
    crs = layers["actors"].crs.to_string() if layers["actors"].crs else ""
    files: dict[str, str] = {}
    if fmt == "geojson":
        crs = "EPSG:4326"
        for n in LAYERS:
            files[n] = f"{n}.geojson"
            _write_ogr(layers[n].to_crs("EPSG:4326"), folder / files[n], n, "GeoJSON", layer_options={"RFC7946": "YES"})
    elif fmt == "fgb":
        for n in LAYERS:
            files[n] = f"{n}.fgb"
            _write_ogr(layers[n], folder / files[n], n, "FlatGeobuf", spatial_index=False)
    elif fmt == "shp":
        with (folder / "fields.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["layer", "field", "shapefile_field"])
            for n in LAYERS:
                mapping = shapefile_field_names([c for c in layers[n].columns if c != "geometry"])
                writer.writerows([n, csv_safe_cell(k), csv_safe_cell(v)] for k, v in mapping.items())
                files[n] = f"{n}.shp"
                _write_ogr(
                    layers[n].rename(columns=mapping),
                    folder / files[n],
                    n,
                    "ESRI Shapefile",
                    layer_options={"ENCODING": "UTF-8"},
                )
    elif fmt == "csv":
        for n in LAYERS:
            files[n] = f"{n}.csv"
            frame = pd.DataFrame(layers[n].drop(columns="geometry"))
            frame["geometry"] = shapely.to_wkt(np.asarray(layers[n].geometry.values), rounding_precision=-1)
            write_csv(frame, folder / files[n])
    _manifest(folder, fmt, layers, crs, files)


def read_layers(path: str | Path, fmt: str | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Read back layers written by :func:`export_layers` (``gpkg`` file, or a folder of
    ``geojson``/``shp``/``fgb``/``csv``); Shapefile fields get their full names back."""
    import pyogrio

    path = Path(path)
    fmt = fmt or ("gpkg" if path.suffix == ".gpkg" else json.loads((path / "layers.json").read_text("utf-8"))["format"])
    out: dict[str, gpd.GeoDataFrame] = {}
    if fmt == "gpkg":
        for n in LAYERS:
            out[n] = pyogrio.read_dataframe(path, layer=n)
        return out
    manifest = json.loads((path / "layers.json").read_text("utf-8"))
    for n in LAYERS:
        file = path / manifest["layers"][n]["file"]
        if fmt == "csv":
            frame = pd.read_csv(
                file,
                keep_default_na=False,
                na_values=[""],
                dtype={c: str for c in COLUMNS[n] if c not in _FLOAT | _BOOL | _INT},
            )
            geoms = shapely.from_wkt(frame.pop("geometry").fillna("").replace("", None))
            out[n] = gpd.GeoDataFrame(frame, geometry=geoms, crs=manifest["crs"])
        else:
            gdf = pyogrio.read_dataframe(file)
            if fmt == "shp":
                with (path / "fields.csv").open(encoding="utf-8") as fh:
                    back = {r["shapefile_field"]: r["field"] for r in csv.DictReader(fh) if r["layer"] == n}
                gdf = gdf.rename(columns=back)
                for c in _BOOL & set(gdf.columns):
                    gdf[c] = gdf[c].astype(bool)
            out[n] = gdf
    return out


def export_layers(
    layers: dict[str, gpd.GeoDataFrame],
    fmt: str,
    out: str | Path,
    force: bool = False,
    inputs: list[Path] | None = None,
) -> Path:
    """Write layers as ``gpkg`` (one file) or ``geojson|shp|fgb|csv`` (a folder, see the
    module docstring), atomically."""
    out = Path(out)
    if fmt == "gpkg":
        _check_destination(out, force, inputs)
        return write_layers_gpkg(layers, out, force)
    if fmt not in ("geojson", "shp", "fgb", "csv"):
        raise InputError(
            [Problem("--format", None, None, f"'{fmt}' is not an export format; expected one of {', '.join(FORMATS)}")]
        )
    with atomic_dir(out, force, inputs) as tmp:
        _write_folder(layers, fmt, tmp)
    return out


def read_result_layers(result_dir: str | Path) -> dict[str, gpd.GeoDataFrame]:
    """The layers stored in ``RESULT_DIR/network.gpkg`` (the canonical store of a result
    directory written by ``symnet run``).

    Raises
    ------
    InputError
        When the directory or its ``network.gpkg`` is missing or unreadable.
    """
    result_dir = Path(result_dir)
    gpkg = result_dir / RESULT_GPKG
    if not result_dir.is_dir():
        raise InputError(
            [
                Problem(
                    str(result_dir), None, None, "result directory not found; expected a folder written by `symnet run`"
                )
            ]
        )
    if not gpkg.is_file():
        raise InputError(
            [
                Problem(
                    str(gpkg),
                    None,
                    None,
                    "not found; expected the network.gpkg that `symnet run` writes into a result directory",
                )
            ]
        )
    try:
        layers = read_layers(gpkg, "gpkg")
    except Exception as exc:
        raise InputError(
            [Problem(str(gpkg), None, None, f"cannot read the GeoPackage ({exc}); expected layers {', '.join(LAYERS)}")]
        ) from None
    for n, gdf in layers.items():
        if gdf.geometry.name != "geometry":
            gdf = gdf.rename_geometry("geometry")
        for c in COLUMNS[n]:
            if c not in gdf.columns:
                raise InputError(
                    [
                        Problem(
                            str(gpkg), None, f"{n}.{c}", f"layer '{n}' has no column '{c}'; was it written by symnet?"
                        )
                    ]
                )
        for c in _BOOL:
            if c in gdf.columns:
                gdf[c] = gdf[c].astype(bool)
        layers[n] = gdf
    return layers


def export_result(
    result_dir_or_result: str | Path | Result,
    fmt: str,
    out: str | Path,
    scenario: Scenario | None = None,
    public: bool = False,
    force: bool = False,
    to: str | None = None,
    schema: str = "symnet",
) -> Path | None:
    """Export a result (a :class:`Result` or a result directory) in ``fmt``.

    Parameters
    ----------
    fmt : {'gpkg', 'geojson', 'shp', 'fgb', 'csv', 'postgis'}
    out : path
        Output file (gpkg) or folder (other formats); ignored for postgis.
    to : str
        ``postgresql://USER[:PASSWORD]@HOST:PORT/DB`` for ``postgis``.
    """
    if isinstance(result_dir_or_result, Result):
        layers = result_layers(result_dir_or_result, scenario, public)
        inputs: list[Path] = []
    else:
        layers = read_result_layers(result_dir_or_result)
        if public:
            layers = public_layers(layers)
        rd = Path(result_dir_or_result)
        inputs = [rd, rd / RESULT_GPKG, rd / RESULT_SUMMARY]
    if fmt == "postgis":
        if not to:
            raise InputError(
                [Problem("--to", None, None, "missing; --format postgis needs --to postgresql://USER@HOST:PORT/DB")]
            )
        export_postgis(layers, to, schema=schema)
        return None
    if out is None:
        raise InputError([Problem("--out", None, None, f"missing; --format {fmt} needs an output path")])
    return export_layers(layers, fmt, out, force, inputs)


def export_command(
    result_dir: str | Path,
    fmt: str,
    out: str | Path | None,
    to: str | None = None,
    schema: str | None = None,
    public: bool = False,
    force: bool = False,
) -> None:
    """``symnet export RESULT_DIR --format FMT --out PATH [--to URL --schema S] [--public] [--force]``."""
    if fmt not in FORMATS:
        raise InputError(
            [Problem("--format", None, None, f"'{fmt}' is not an export format; expected one of {', '.join(FORMATS)}")]
        )
    if fmt != "postgis" and to:
        raise InputError([Problem("--to", None, None, "only used with --format postgis")])
    export_result(Path(result_dir), fmt, out, public=public, force=force, to=to, schema=schema or "symnet")  # type: ignore[arg-type]
