"""`symnet run` end to end on a real OpenStreetMap extract (Andorra) and on estimates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from shapely.geometry import Point
from typer.testing import CliRunner

from symnet.cli import app
from symnet.pipeline import SUMMARY_KEYS, run_scenario
from symnet.routing import great_circle_m
from symnet.scenario import load_scenario

FIXTURES = Path(__file__).parent / "fixtures"
ANDORRA = FIXTURES / "andorra"
runner = CliRunner()


@pytest.fixture(scope="module")
def andorra_run():
    return run_scenario(load_scenario(ANDORRA, allow_outside=True))


def test_routed_run_uses_real_roads(andorra_run) -> None:
    run = andorra_run
    r = run.result
    assert r.status == "optimal"
    assert run.distances.kind == "routed"
    # The three obvious exchanges (each supply has exactly one compatible receiver) carry everything.
    flows = r.flows.set_index("supply")
    assert flows.loc["wood", "quantity"] == pytest.approx(800.0)
    assert flows.loc["food", "quantity"] == pytest.approx(300.0)
    assert flows.loc["scrap", "quantity"] == pytest.approx(120.0)
    assert set(r.flows["method"]) == {"routed"}
    nodes = r.nodes.set_index("node")
    for row in r.flows.itertuples():
        gc = float(
            great_circle_m(
                nodes.at[row.supplier, "lon"],
                nodes.at[row.supplier, "lat"],
                nodes.at[row.receiver, "lon"],
                nodes.at[row.receiver, "lat"],
            )
        )
        assert row.distance_m >= gc
        assert row.distance_m <= 3.0 * gc + 2000  # mountain roads, but not absurd
    assert r.kpis["landfill_diverted_t"] == pytest.approx(800.0)
    assert r.kpis["incineration_diverted_t"] == pytest.approx(300.0)
    assert r.kpis["total_cost"] <= r.kpis["baseline_cost"]


def test_route_geometries_follow_roads_between_the_actors(andorra_run) -> None:
    r = andorra_run.result
    nodes = r.nodes.set_index("node")
    assert set(r.geometries) == set(r.flows["link"])
    for row in r.flows.itertuples():
        line = r.geometries[row.link]
        assert len(line.coords) > 10  # a real road, not a straight line
        start, end = Point(line.coords[0]), Point(line.coords[-1])
        assert start.distance(Point(nodes.at[row.supplier, "lon"], nodes.at[row.supplier, "lat"])) < 1e-6
        assert end.distance(Point(nodes.at[row.receiver, "lon"], nodes.at[row.receiver, "lat"])) < 1e-6


def test_run_command_writes_a_complete_result_directory(tmp_path: Path) -> None:
    out = tmp_path / "result"
    result = runner.invoke(app, ["run", str(ANDORRA), "--allow-outside", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    for key in SUMMARY_KEYS:
        assert key in summary
    assert summary["status"] == "optimal"
    assert summary["distance_methods"] == {"routed": 3}
    assert summary["savings"] == pytest.approx(summary["baseline_cost"] - summary["total_cost"])
    assert "economics.landfill_tax" in summary["assumptions"]
    flows = pd.read_csv(out / "flows.csv")
    for column in ("supplier", "receiver", "resource", "quantity", "unit", "distance_m", "method", "cost"):
        assert column in flows.columns
    assert len(flows) == 3
    for name in ("disposal.csv", "network.gpkg", "map.html", "report.html", "report.md"):
        assert (out / name).is_file(), name
    # an existing directory is only replaced with --force, and stays intact otherwise
    before = sorted(p.name for p in out.iterdir())
    again = runner.invoke(app, ["run", str(ANDORRA), "--allow-outside", "--out", str(out)])
    assert again.exit_code == 2
    assert "output directory exists; use --force to replace it" in again.output
    assert sorted(p.name for p in out.iterdir()) == before
    forced = runner.invoke(app, ["run", str(ANDORRA), "--allow-outside", "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary leftovers


def test_without_extract_distances_are_estimated_and_said_so(tmp_path: Path) -> None:
    out = tmp_path / "tiny"
    result = runner.invoke(app, ["run", str(FIXTURES / "tiny"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "estimated: great-circle x circuity 1.5" in result.output
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert set(summary["distance_methods"]) <= {"estimated", "pipe"}


def test_missing_extract_is_bad_input(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["run", str(FIXTURES / "tiny"), "--out", str(tmp_path / "o"), "--osm", str(tmp_path / "missing.osm.pbf")]
    )
    assert result.exit_code == 2
    assert "road extract not found" in result.output
    assert not (tmp_path / "o").exists()


def test_export_command_converts_a_run_directory(tmp_path: Path, andorra_run) -> None:
    """`symnet export` reads what `symnet run` wrote and keeps the road routes (GeoJSON in
    WGS84, FlatGeobuf in the scenario CRS)."""
    import geopandas as gpd

    out = tmp_path / "result"
    assert runner.invoke(app, ["run", str(ANDORRA), "--allow-outside", "--out", str(out)]).exit_code == 0
    geojson = tmp_path / "geojson"
    result = runner.invoke(app, ["export", str(out), "--format", "geojson", "--out", str(geojson)])
    assert result.exit_code == 0, result.output
    exchanges = gpd.read_file(next(geojson.glob("exchanges*")))
    assert exchanges.crs.to_epsg() == 4326
    assert len(exchanges) == 3
    routes = andorra_run.result.geometries
    for row in exchanges.itertuples():
        expected = routes[row.link]
        assert len(row.geometry.coords) == len(expected.coords)
        assert row.geometry.hausdorff_distance(expected) < 1e-6
    fgb = tmp_path / "fgb"
    assert runner.invoke(app, ["export", str(out), "--format", "fgb", "--out", str(fgb)]).exit_code == 0
    assert gpd.read_file(next(fgb.glob("exchanges*"))).crs.to_epsg() == 25831
    bad = runner.invoke(app, ["export", str(out), "--format", "kml", "--out", str(tmp_path / "k")])
    assert bad.exit_code == 2 and "'kml' is not an export format" in bad.output


def test_online_roads_are_routed_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, andorra_run) -> None:
    """``--online`` without an extract routes on the downloaded graph, saved beside the
    scenarios under gis/. The download needs internet, so here it hands back the graph of
    the Andorra extract: what is tested is that the run routes on what was downloaded."""
    import shutil

    from symnet import routing
    from symnet.pipeline import distance_source

    graph = routing.load_road_graph(load_scenario(ANDORRA, allow_outside=True).osm_path(), crs="EPSG:25831")
    folder = tmp_path / "scenarios" / "andorra"
    shutil.copytree(ANDORRA, folder)
    text = (folder / "scenario.yaml").read_text("utf-8")
    (folder / "scenario.yaml").write_text(text.replace("  osm: ../../../../shared/data/osm/andorra.osm.pbf\n", ""))
    scenario = load_scenario(folder, allow_outside=True)
    assert scenario.osm_path() is None
    asked: list[tuple[Any, ...]] = []

    def download(bbox: Any, buffer_m: float, out_dir: Path, crs: Any, name: str) -> Any:
        asked.append((bbox, buffer_m, Path(out_dir), crs, name))
        return graph

    monkeypatch.setattr(routing, "download_road_graph", download)
    source = distance_source(scenario, online=True)
    assert source.kind == "routed" and source.router is not None
    assert source.path == tmp_path / "gis" / "andorra_roads.graphml"
    (bbox, buffer_m, out_dir, crs, name) = asked[0]
    lons = [a.lon for a in scenario.actors]
    assert bbox[0] == min(lons) and bbox[2] == max(lons) and buffer_m == 10_000
    assert (out_dir, crs, name) == (tmp_path / "gis", "EPSG:25831", "andorra_roads")
    online = run_scenario(scenario, online=True).result.flows.set_index("link")["distance_m"]
    offline = andorra_run.result.flows.set_index("link")["distance_m"]
    assert online.sort_index().tolist() == offline.sort_index().tolist()  # the same roads, to the metre
