"""QGIS layer styles (QML) of the output layers: written to ``gis/styles`` and embedded
in every GeoPackage's ``layer_styles`` table."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from symnet.outputs._style import RESOURCE_COLOURS, SECTOR_COLOURS
from symnet.outputs.atomic import write_text_atomic
from symnet.outputs.tables import GEOMETRY_TYPES, LAYERS

STYLES_DIR = Path(__file__).resolve().parent.parent.parent / "gis" / "styles"


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def _opt(name: str, value: str, kind: str = "QString") -> str:
    return f'<Option name="{name}" type="{kind}" value="{_xml(value)}"/>'


_LINE_WIDTH_EXPR = (
    'coalesce(scale_linear("quantity", minimum("quantity", group_by:="resource"), '
    'maximum("quantity", group_by:="resource"), 0.6, 3.5), 1.5)'
)


def _symbol(kind: str, index: str, colour: str, size_expr: str | None = None) -> str:
    if kind == "line":
        layer_cls, props = (
            "SimpleLine",
            [
                _opt("line_color", _rgba(colour)),
                _opt("line_width", "1.2"),
                _opt("line_width_unit", "MM"),
                _opt("capstyle", "round"),
                _opt("joinstyle", "round"),
                _opt("line_style", "solid"),
            ],
        )
        dd_key = "outlineWidth"
    else:
        layer_cls, props = (
            "SimpleMarker",
            [
                _opt("color", _rgba(colour)),
                _opt("name", "circle"),
                _opt("size", "3"),
                _opt("size_unit", "MM"),
                _opt("outline_color", "35,35,35,255"),
                _opt("outline_width", "0.3"),
            ],
        )
        dd_key = "size"
    dd = ""
    if size_expr:
        dd = (
            '<Option name="properties" type="Map">'
            f'<Option name="{dd_key}" type="Map">{_opt("active", "true", "bool")}'
            f"{_opt('expression', size_expr)}{_opt('type', '3', 'int')}</Option></Option>"
        )
    return (
        f'<symbol name="{index}" type="{kind}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="{layer_cls}" enabled="1" locked="0" pass="0">'
        f'<Option type="Map">{"".join(props)}</Option>'
        f'<data_defined_properties><Option type="Map">{_opt("name", "")}{dd}{_opt("type", "collection")}'
        f"</Option></data_defined_properties></layer></symbol>"
    )


def _categorized(field: str, values: list[tuple[str, str]], kind: str, size_expr: str | None, default: str) -> str:
    cats, syms = [], []
    for i, (value, colour) in enumerate(values):
        cats.append(
            f'<category render="true" symbol="{i}" value="{_xml(value)}" label="{_xml(value.replace("_", " "))}"/>'
        )
        syms.append(_symbol(kind, str(i), colour, size_expr))
    n = len(values)
    cats.append(f'<category render="true" symbol="{n}" value="" label="other"/>')
    syms.append(_symbol(kind, str(n), default, size_expr))
    return (
        f'<renderer-v2 type="categorizedSymbol" attr="{field}" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<categories>{''.join(cats)}</categories><symbols>{''.join(syms)}</symbols></renderer-v2>"
    )


def _single(kind: str, colour: str, size_expr: str | None = None) -> str:
    return (
        f'<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<symbols>{_symbol(kind, '0', colour, size_expr)}</symbols></renderer-v2>"
    )


def _labeling(field_expr: str) -> str:
    return (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName="{_xml(field_expr)}" isExpression="1" fontSize="8" textColor="30,30,30,255" fontFamily="Sans Serif"/>'
        '<placement placement="0" dist="1.5"/></settings></labeling>'
    )


def qml_style(layer: str) -> str:
    """QGIS layer style (QML) for one of :data:`LAYERS`.

    ``exchanges``: categorized colour by ``resource``, line width data-defined by
    ``quantity`` (0.6-3.5 mm, scaled within each resource, since units differ);
    ``actors``: categorized by ``sector``; ``sites``: opened sites filled green,
    candidates grey; ``disposal``: marker size by quantity within each resource.
    """
    if layer == "exchanges":
        renderer = _categorized("resource", sorted(RESOURCE_COLOURS.items()), "line", _LINE_WIDTH_EXPR, "#444444")
        label = ""
    elif layer == "actors":
        renderer = _categorized("sector", sorted(SECTOR_COLOURS.items()), "marker", None, "#1f77b4")
        label = _labeling('"name"')
    elif layer == "sites":
        renderer = _categorized("opened", [("true", "#1a9850"), ("false", "#bdbdbd")], "marker", None, "#bdbdbd")
        label = _labeling("\"name\" || ' (' || \"facility\" || ')'")
    elif layer == "disposal":
        renderer = _single(
            "marker",
            "#252525",
            'coalesce(scale_linear("quantity", minimum("quantity", group_by:="resource"), '
            'maximum("quantity", group_by:="resource"), 2, 7), 3)',
        )
        label = ""
    else:
        raise ValueError(f"unknown layer '{layer}'; expected one of {', '.join(LAYERS)}")
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version="3.34.0-Prizren" styleCategories="Symbology|Labeling" labelsEnabled="{1 if label else 0}">\n'
        f"  {renderer}\n  {label}\n  <layerGeometryType>{1 if GEOMETRY_TYPES[layer] == 'LineString' else 0}</layerGeometryType>\n"
        "</qgis>\n"
    )


def write_qml_styles(folder: str | Path = STYLES_DIR) -> list[Path]:
    """Write ``{layer}.qml`` for every layer into ``folder`` (default ``gis/styles``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_text_atomic(folder / f"{layer}.qml", qml_style(layer), force=True) for layer in LAYERS]


_LAYER_STYLES_DDL = (
    "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), "
    "f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), "
    "styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
    "update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)


def embed_styles(gpkg: Path, layers: list[str]) -> None:
    """Insert the QGIS styles into the GeoPackage's ``layer_styles`` table (registered in
    ``gpkg_contents`` as an attributes table, as QGIS does)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with contextlib.closing(sqlite3.connect(gpkg)) as db, db:
        db.execute(_LAYER_STYLES_DDL)
        db.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles', ?)",
            (now,),
        )
        for layer in layers:
            db.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
                "VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, '', NULL, ?)",
                (layer, layer, qml_style(layer), f"symnet style for {layer}", now),
            )
