"""Inputs a scenario names stay inside its folder (issue #11 item 4): relative climbs,
absolute paths and symbolic links out of the folder are refused unless --allow-outside;
a dangling link is a broken link, not a missing optional file; a file that is not a
table is never quoted in a message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from symnet.cli import app
from symnet.errors import InputError
from symnet.scenario import load_scenario

BASE = Path(__file__).parent / "bad_scenarios" / "_base"
runner = CliRunner()
SECRET = "SYMNET_TEST_SECRET=hunter2"


@pytest.fixture()
def layout(tmp_path: Path) -> Path:
    """repo/scenarios/s (a copy of the corpus base) next to repo/shared and repo/gis."""
    folder = tmp_path / "repo" / "scenarios" / "s"
    shutil.copytree(BASE, folder)
    (tmp_path / "repo" / "shared").mkdir()
    (tmp_path / "repo" / "gis").mkdir()
    return folder


def _set(folder: Path, line: str) -> None:
    path = folder / "scenario.yaml"
    path.write_text(path.read_text("utf-8") + line + "\n", "utf-8")


def _set_osm(folder: Path, value: str) -> None:
    path = folder / "scenario.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("network: {circuity: 1.4}", f"network: {{circuity: 1.4, osm: '{value}'}}"), "utf-8")


def _validate(folder: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["validate", str(folder), *extra])
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def test_actors_file_climbing_out_is_refused_and_allowed_on_request(layout: Path) -> None:
    shutil.move(layout / "actors.csv", layout.parent.parent / "shared" / "actors.csv")
    _set(layout, "actors_file: ../../shared/actors.csv")
    code, stderr = _validate(layout)
    target = (layout.parent.parent / "shared" / "actors.csv").resolve()
    assert code == 2
    assert stderr.splitlines()[0] == (
        f"scenario.yaml:actors_file: '../../shared/actors.csv' resolves to {target}, outside the scenario folder; "
        f"expected a file inside {layout.resolve()} (move or copy it there, or pass --allow-outside to read it)"
    )
    assert _validate(layout, "--allow-outside")[0] == 0


def test_absolute_path_to_a_secret_is_refused_without_quoting_it(layout: Path, tmp_path: Path) -> None:
    secret = tmp_path / "environ"
    secret.write_bytes(f"{SECRET}\0PATH=/usr/bin\0HOME=/root\0".encode())
    _set(layout, f"actors_file: {secret}")
    code, stderr = _validate(layout)
    assert code == 2 and "outside the scenario folder" in stderr
    assert "hunter2" not in stderr
    # allowed, the file is read but still not quoted: it has no header
    code, stderr = _validate(layout, "--allow-outside")
    assert code == 2
    assert "hunter2" not in stderr and "PATH" not in stderr
    assert stderr.splitlines()[0] == (
        f"{secret}:1:id: required column 'id' is missing; "
        "the first line is not a header of column names (is this the right file?)"
    )


def test_link_inside_the_folder_to_a_file_outside_is_refused(layout: Path) -> None:
    outside = layout.parent.parent / "shared" / "sites.csv"
    shutil.move(layout / "sites.csv", outside)
    (layout / "sites.csv").symlink_to(outside)
    code, stderr = _validate(layout)
    assert code == 2
    assert stderr.startswith(f"sites.csv: 'sites.csv' resolves to {outside.resolve()}, outside the scenario folder")
    assert _validate(layout, "--allow-outside")[0] == 0


def test_link_inside_the_folder_to_a_file_inside_is_fine(layout: Path) -> None:
    (layout / "tables").mkdir()
    shutil.move(layout / "sites.csv", layout / "tables" / "sites.csv")
    (layout / "sites.csv").symlink_to(Path("tables") / "sites.csv")
    assert len(load_scenario(layout).sites) == 3


@pytest.mark.parametrize("name", ["sites.csv", "supplies.csv", "actors.csv", "scenario.yaml"])
def test_dangling_link_is_a_broken_link(layout: Path, name: str) -> None:
    (layout / name).unlink()
    (layout / name).symlink_to(layout / "gone.csv")
    code, stderr = _validate(layout)
    assert code == 2
    assert stderr.splitlines()[0] == f"{name}: broken link: points to '{layout / 'gone.csv'}', which does not exist"


def test_road_extract_in_the_repository_gis_folder_is_allowed(layout: Path) -> None:
    extract = layout.parent.parent / "gis" / "s-roads.osm"
    extract.write_text("<osm version='0.6'></osm>\n", "utf-8")
    _set_osm(layout, "../../gis/s-roads.osm")
    load_scenario(layout)


def test_road_extract_elsewhere_is_refused(layout: Path) -> None:
    extract = layout.parent.parent / "shared" / "x.osm"
    extract.write_text("<osm version='0.6'></osm>\n", "utf-8")
    _set_osm(layout, "../../shared/x.osm")
    with pytest.raises(InputError) as info:
        load_scenario(layout)
    assert [(p.file, p.column) for p in info.value.problems] == [("scenario.yaml", "network.osm")]
    load_scenario(layout, allow_outside=True)


def test_missing_road_extract_is_found_by_validate(layout: Path) -> None:
    _set_osm(layout, "roads.osm.pbf")
    code, stderr = _validate(layout)
    assert code == 2
    assert stderr.splitlines()[0] == (
        "scenario.yaml:network.osm: road extract 'roads.osm.pbf' not found; expected an .osm, .osm.bz2 or "
        ".osm.pbf file (or leave network.osm unset to estimate distances)"
    )


def test_row_with_too_many_cells_in_a_non_table_is_not_quoted(layout: Path) -> None:
    (layout / "sites.csv").write_text(f"id,facility,{SECRET}=x\ngh1,greenhouse,a,b,{SECRET}\n", "utf-8")
    code, stderr = _validate(layout)
    assert code == 2
    assert "hunter2" not in stderr
    assert "sites.csv:2: row has 5 cells but the header has 3 columns; expected at most 3" in stderr


def test_control_characters_in_a_header_are_escaped(layout: Path) -> None:
    path = layout / "demands.csv"
    path.write_text("\x1b[31mid,actor\n", "utf-8")
    code, stderr = _validate(layout)
    assert code == 2 and "\x1b" not in stderr
