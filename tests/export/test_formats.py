"""Layers, file formats, round trips, styles, atomic writes."""

from __future__ import annotations

import csv
import json
import sqlite3
import xml.dom.minidom
from pathlib import Path

import pyogrio
import pytest
from export_data import CONFIDENTIAL_FLOW_Q, ROAD_ROUTE

from symnet.errors import InputError
from symnet.outputs import (
    COLUMNS,
    LAYERS,
    STYLES_DIR,
    build_layers,
    export_command,
    export_layers,
    export_result,
    qml_style,
    read_layers,
    read_result_layers,
    round_public,
    shapefile_field_names,
    write_geopackage,
    write_outputs,
)

FOLDER_FORMATS = ["geojson", "shp", "fgb", "csv"]


def test_layers_follow_the_result(result, scenario):
    layers = build_layers(result, scenario)
    assert {n: len(g) for n, g in layers.items()} == {"actors": 4, "sites": 2, "exchanges": 3, "disposal": 4}
    assert all(g.crs.to_epsg() == 3006 for g in layers.values())
    ex = layers["exchanges"].set_index("link")
    assert "L_ash" not in ex.index  # unused links are not exchanges
    assert ex.loc["L_road", "geometry_kind"] == "route" and len(ex.loc["L_road", "geometry"].coords) == 4
    assert ex.loc["L_est", "geometry_kind"] == "straight" and len(ex.loc["L_est", "geometry"].coords) == 2
    assert ex.loc["L_pipe", "method"] == "pipe" and ex.loc["L_pipe", "unit"] == "MWh"
    assert ex.loc["L_road", "quantity"] == CONFIDENTIAL_FLOW_Q
    # tonne-km from the flows: 312.5 t x 58.12 km
    assert ex.loc["L_est", "tonne_km"] == pytest.approx(312.5 * 58.12)
    assert ex.loc["L_est", "assumption"] and "brewery volume" in ex.loc["L_est", "source"]
    # the route is the WGS84 geometry reprojected: back in WGS84 it matches within 1e-6 degrees
    back = layers["exchanges"].to_crs(4326).set_index("link").loc["L_road", "geometry"]
    assert back.equals_exact(ROAD_ROUTE, 1e-6)
    sites = layers["sites"].set_index("option")
    assert sites.loc["gh1:greenhouse", "opened"] and not sites.loc["bg1:biogas", "opened"]
    assert sites["capacity"].isna().tolist() == [False, True]  # inf capacity is written as null (unlimited)


def test_empty_result_gives_empty_layers(scenario):
    from symnet.result import Result

    layers = build_layers(Result(scenario="x", status="infeasible", solver="highs", objective=None), scenario)
    assert all(len(g) == 0 and list(g.columns[:-1]) == COLUMNS[n] for n, g in layers.items())


@pytest.mark.parametrize(
    "value, expected", [(4321.7, 4300.0), (56.4, 56.0), (987.3, 990.0), (9.99, None), (-1234.0, -1200.0)]
)
def test_round_public(value, expected):
    assert round_public(value) == expected


def test_shapefile_names_are_short_unique_and_deterministic():
    cols = ["supplier_name", "supplier_name_2", "quantity_text", "quantity_texts", "a" * 12, "a" * 13, "node"]
    m = shapefile_field_names(cols)
    assert all(len(v) <= 10 for v in m.values())
    assert len({v.lower() for v in m.values()}) == len(cols)
    assert m == shapefile_field_names(cols)
    assert m["node"] == "node" and m["supplier_name"] == "spplr_nm"


def _compare(back, want, crs_epsg):
    assert back.crs.to_epsg() == crs_epsg
    want = want.to_crs(crs_epsg)
    assert len(back) == len(want)
    for a, b in zip(back.geometry, want.geometry):
        assert a.equals_exact(b, 1e-6), (a, b)
    for col in COLUMNS_OF(want):
        got, exp = back[col].tolist(), want[col].tolist()
        if want[col].dtype.kind == "f":
            assert got == pytest.approx(exp, nan_ok=True, rel=1e-12), col
        elif want[col].dtype.kind in "bi":
            assert [int(v) for v in got] == [int(v) for v in exp], col
        else:
            assert ["" if v is None or v != v else str(v) for v in got] == exp, col


def COLUMNS_OF(gdf):
    return [c for c in gdf.columns if c != "geometry"]


@pytest.mark.parametrize("fmt", ["gpkg", *FOLDER_FORMATS])
def test_round_trip_every_format(fmt, result, scenario, tmp_path):
    layers = build_layers(result, scenario)
    out = tmp_path / ("net.gpkg" if fmt == "gpkg" else fmt)
    export_layers(layers, fmt, out)
    back = read_layers(out)
    epsg = 4326 if fmt == "geojson" else 3006  # RFC 7946: GeoJSON is WGS84
    for name in LAYERS:
        _compare(back[name], layers[name], epsg)
    if fmt != "gpkg":
        manifest = json.loads((out / "layers.json").read_text())
        assert manifest["crs"] == f"EPSG:{epsg}" and manifest["layers"]["exchanges"]["rows"] == 3


def test_flatgeobuf_keeps_row_order(result, scenario, tmp_path):
    layers = build_layers(result, scenario)
    # reverse the natural order: without a spatial index FlatGeobuf must keep it
    layers["exchanges"] = layers["exchanges"].iloc[::-1].reset_index(drop=True)
    export_layers(layers, "fgb", tmp_path / "fgb")
    back = pyogrio.read_dataframe(tmp_path / "fgb" / "exchanges.fgb")
    assert back["link"].tolist() == ["L_est", "L_road", "L_pipe"]


def test_shapefile_fields_csv(result, scenario, tmp_path):
    export_layers(build_layers(result, scenario), "shp", tmp_path / "shp")
    with (tmp_path / "shp" / "fields.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ex = {r["field"]: r["shapefile_field"] for r in rows if r["layer"] == "exchanges"}
    assert ex["supplier_name"] == "spplr_nm" and ex["geometry_kind"] == "gmtr_knd"
    raw = pyogrio.read_dataframe(tmp_path / "shp" / "exchanges.shp")
    assert set(raw.columns) - {"geometry"} == set(ex.values())
    assert "Funäsdalen Sågverk Hemlig AB" in raw["spplr_nm"].tolist()  # UTF-8 kept


def test_geopackage_styles(result, scenario, tmp_path):
    path = write_geopackage(result, scenario, tmp_path / "n.gpkg")
    assert pyogrio.list_layers(path)[:, 0].tolist()[:4] == list(LAYERS)
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT f_table_name, f_geometry_column, styleName, styleQML, useAsDefault FROM layer_styles ORDER BY id"
        ).fetchall()
        kind = db.execute("SELECT data_type FROM gpkg_contents WHERE table_name='layer_styles'").fetchone()
        srs = {r[0]: r[1] for r in db.execute("SELECT table_name, srs_id FROM gpkg_geometry_columns")}
    assert kind == ("attributes",)
    assert srs == {n: 3006 for n in LAYERS}
    assert [r[0] for r in rows] == list(LAYERS) and all(r[1] == "geom" and r[4] == 1 for r in rows)
    qml = dict((r[0], r[3]) for r in rows)
    assert (
        'attr="resource"' in qml["exchanges"]
        and 'name="outlineWidth"' in qml["exchanges"]
        and "scale_linear(&quot;quantity&quot;" in qml["exchanges"]
    )
    assert 'attr="sector"' in qml["actors"]
    for text in qml.values():
        xml.dom.minidom.parseString(text.split("\n", 1)[1])


def test_checked_in_qml_files_match_the_generator():
    for layer in LAYERS:
        assert (STYLES_DIR / f"{layer}.qml").read_text("utf-8") == qml_style(layer), (
            f"gis/styles/{layer}.qml is stale: run python -c 'from symnet.outputs import write_qml_styles; write_qml_styles()'"
        )


def _result_dir(result, scenario, root: Path) -> Path:
    rd = root / "run"
    rd.mkdir()
    write_outputs(result, scenario, rd)
    (rd / "summary.json").write_text("{}")
    return rd


def test_export_command_from_result_dir(result, scenario, tmp_path):
    rd = _result_dir(result, scenario, tmp_path)
    before = {p.name: p.read_bytes() for p in rd.iterdir() if p.is_file()}
    for fmt in FOLDER_FORMATS:
        export_command(rd, fmt, tmp_path / f"out-{fmt}")
        assert len(read_layers(tmp_path / f"out-{fmt}")["exchanges"]) == 3
    export_command(rd, "gpkg", tmp_path / "copy.gpkg")
    assert len(read_result_layers(rd)["actors"]) == 4
    # inputs untouched
    assert {p.name: p.read_bytes() for p in rd.iterdir() if p.is_file()} == before


def test_existing_output_needs_force(result, scenario, tmp_path):
    rd = _result_dir(result, scenario, tmp_path)
    out = tmp_path / "gj"
    export_command(rd, "geojson", out)
    (out / "marker.txt").write_text("old")
    with pytest.raises(InputError) as info:
        export_command(rd, "geojson", out)
    assert str(info.value) == f"{out}: output exists; use --force to replace it"
    assert (out / "marker.txt").exists()
    export_command(rd, "geojson", out, force=True)
    assert not (out / "marker.txt").exists()  # replaced as a whole
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary leftovers


def test_export_refuses_to_overwrite_its_input(result, scenario, tmp_path):
    rd = _result_dir(result, scenario, tmp_path)
    with pytest.raises(InputError, match="would overwrite the input"):
        export_command(rd, "gpkg", rd / "network.gpkg", force=True)
    with pytest.raises(InputError, match="would overwrite the input"):
        export_command(rd, "geojson", rd, force=True)


def test_failed_write_leaves_nothing(result, scenario, tmp_path):
    layers = build_layers(result, scenario)
    del layers["disposal"]  # fails after three layers were written into the temporary file
    with pytest.raises(KeyError):
        export_layers(layers, "gpkg", tmp_path / "x.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_bad_inputs_are_input_errors(tmp_path, result):
    with pytest.raises(InputError, match="result directory not found"):
        export_command(tmp_path / "nope", "gpkg", tmp_path / "o.gpkg")
    (tmp_path / "rd").mkdir()
    with pytest.raises(InputError, match="network.gpkg that `symnet run` writes"):
        export_command(tmp_path / "rd", "gpkg", tmp_path / "o.gpkg")
    with pytest.raises(InputError, match="'kml' is not an export format"):
        export_command(tmp_path / "rd", "kml", tmp_path / "o.kml")
    with pytest.raises(InputError, match="needs --to"):
        export_result(result, "postgis", None)


def test_layer_sources_are_those_of_the_row_record_only():
    """A row's sources: its own records' texts, distinct, in the scenario's order; an id
    that extends another ('S1.b' after 'S1') does not lend it its sources."""
    from types import SimpleNamespace

    from symnet.outputs.tables import _SourceIndex

    sources = {
        "supplies.csv:S1.quantity": "report 001 §2",
        "supplies.csv:S1.b.quantity": "assumption: other stream",
        "demands.csv:D1.quantity": "report 001 §2",
        "supplies.csv:S1.price": "assumption: gate fee",
        "profiles.p1[0]": "report 002",
    }
    index = _SourceIndex(SimpleNamespace(sources=sources))  # type: ignore[arg-type]
    assert index.lookup("supplies.csv:S1.", "demands.csv:D1.") == ("report 001 §2; assumption: gate fee", True)
    assert index.lookup("demands.csv:D1.") == ("report 001 §2", False)
    assert index.lookup("supplies.csv:S1.b.") == ("assumption: other stream", True)
    assert index.lookup("actors.csv:A9.") == ("", False)
    assert _SourceIndex(None).lookup("supplies.csv:S1.") == ("", False)
