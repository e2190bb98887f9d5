"""The output stage: a :class:`~symnet.result.Result` becomes tables
(:mod:`~symnet.outputs.tables`; :mod:`~symnet.outputs.public`, the one place of the ``public`` rule), GIS files
(:mod:`~symnet.outputs.gis`, :mod:`~symnet.outputs.postgis`, :mod:`~symnet.outputs.qgis`),
a report (:mod:`~symnet.outputs.report`, :mod:`~symnet.outputs.charts`) and an offline map
(:mod:`~symnet.outputs.webmap`), all written atomically (:mod:`~symnet.outputs.atomic`).
"""

from __future__ import annotations

from pathlib import Path

from symnet.outputs._format import PUBLIC_MIN_SHOWN, PUBLIC_SIGNIFICANT, format_quantity, round_public
from symnet.outputs._style import RESOURCE_COLOURS, SECTOR_COLOURS, resource_colour, sector_colour
from symnet.outputs.atomic import atomic_dir, atomic_file, staged_dir, swap_into_place, write_text_atomic
from symnet.outputs.context import MapContext
from symnet.outputs.gis import (
    FORMATS,
    RESULT_GPKG,
    RESULT_SUMMARY,
    export_command,
    export_layers,
    export_result,
    read_layers,
    read_result_layers,
    shapefile_field_names,
    write_geopackage,
    write_layers_gpkg,
)
from symnet.outputs.postgis import export_postgis, mask_url
from symnet.outputs.public import public_layers, result_layers
from symnet.outputs.qgis import STYLES_DIR, qml_style, write_qml_styles
from symnet.outputs.report import write_report
from symnet.outputs.tables import COLUMNS, GEOMETRY_TYPES, LAYERS, build_layers
from symnet.outputs.webmap import map_html, write_map, write_map_layers
from symnet.result import Result
from symnet.scenario import Scenario

__all__ = [
    "COLUMNS",
    "FORMATS",
    "GEOMETRY_TYPES",
    "LAYERS",
    "PUBLIC_MIN_SHOWN",
    "PUBLIC_SIGNIFICANT",
    "RESOURCE_COLOURS",
    "RESULT_GPKG",
    "RESULT_SUMMARY",
    "SECTOR_COLOURS",
    "STYLES_DIR",
    "atomic_dir",
    "atomic_file",
    "build_layers",
    "export_command",
    "export_layers",
    "export_postgis",
    "export_result",
    "format_quantity",
    "map_html",
    "mask_url",
    "public_layers",
    "qml_style",
    "read_layers",
    "read_result_layers",
    "resource_colour",
    "result_layers",
    "round_public",
    "sector_colour",
    "shapefile_field_names",
    "staged_dir",
    "swap_into_place",
    "write_geopackage",
    "write_layers_gpkg",
    "write_map",
    "write_map_layers",
    "write_outputs",
    "write_qml_styles",
    "write_report",
    "write_text_atomic",
]


def write_outputs(
    result: Result,
    scenario: Scenario | None,
    out_dir: str | Path,
    public: bool = False,
    basemap: str = "osm",
    context: MapContext | None = None,
) -> list[Path]:
    """Write ``network.gpkg``, ``map.html``, ``report.html``, ``report.md`` and the
    report's PNG charts into ``out_dir`` (an existing folder, e.g. the temporary folder
    of ``symnet run``; existing files of these names are replaced). ``basemap`` ("osm" or
    "none") and ``context`` (roads and towns, :mod:`symnet.outputs.context`) go to the map
    and the report's network chart.

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    layers = result_layers(result, scenario, public)
    written = [write_layers_gpkg(layers, out_dir / RESULT_GPKG, force=True)]
    written.append(
        write_map_layers(
            layers, result, out_dir / "map.html", public=public, basemap=basemap, force=True, context=context
        )
    )
    written.extend(write_report(result, scenario, out_dir, public=public, layers=layers, force=True, context=context))
    return written
