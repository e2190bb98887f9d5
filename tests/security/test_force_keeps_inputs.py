"""``symnet run --force`` never deletes an input: inputs outside the scenario folder
(``actors_file``, ``network.osm``), symlink targets and the scenario folder's parents are
all refused as ``--out`` with exit 2 (issue #11, item 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from symnet.cli import app
from symnet.pipeline import run_scenario, scenario_inputs, write_run
from symnet.scenario import load_scenario

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
runner = CliRunner()


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(TINY, folder)
    return folder


def _set(folder: Path, **entries: object) -> None:
    data = yaml.safe_load((folder / "scenario.yaml").read_text("utf-8"))
    for key, value in entries.items():
        section, _, name = key.partition(".")
        if name:
            data.setdefault(section, {})[name] = value
        else:
            data[key] = value
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def _refused(folder: Path, out: Path, *extra: str) -> str:
    result = runner.invoke(app, ["run", str(folder), "--out", str(out), "--force", *extra])
    assert result.exit_code == 2, result.output
    assert "would overwrite or sit inside the input" in result.output
    assert "Traceback" not in result.output
    return result.output


def test_actors_file_outside_the_folder_is_not_deleted(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    (folder / "actors.csv").rename(shared / "actors.csv")
    _set(folder, actors_file="../shared/actors.csv")
    _refused(folder, shared, "--allow-outside")  # reading outside the folder needs the opt-in
    assert (shared / "actors.csv").is_file()


def test_road_extract_from_scenario_yaml_is_not_deleted(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    roads = tmp_path / "roads"
    roads.mkdir()
    (roads / "region.osm").write_text("<osm/>", "utf-8")
    _set(folder, **{"network.osm": "../roads/region.osm"})
    _refused(folder, roads, "--allow-outside")
    assert (roads / "region.osm").read_text("utf-8") == "<osm/>"


def test_road_extract_from_the_command_line_is_not_deleted(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    roads = tmp_path / "roads"
    roads.mkdir()
    (roads / "region.osm").write_text("<osm/>", "utf-8")
    _refused(folder, roads, "--osm", str(roads / "region.osm"))
    assert (roads / "region.osm").is_file()


def test_symlink_target_inside_the_folder_is_not_deleted(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / "sites.csv").rename(elsewhere / "sites.csv")
    (folder / "sites.csv").symlink_to(elsewhere / "sites.csv")
    _refused(folder, elsewhere, "--allow-outside")
    assert (elsewhere / "sites.csv").is_file()


@pytest.mark.parametrize("where", ["folder", "parent", "grandparent", "inside"])
def test_scenario_folder_its_parents_and_inside_are_refused(tmp_path: Path, where: str) -> None:
    folder = _copy(tmp_path / "a")
    out = {
        "folder": folder,
        "parent": folder.parent,
        "grandparent": folder.parent.parent,
        "inside": folder / "out",
    }[where]
    _refused(folder, out)
    assert (folder / "actors.csv").is_file()


def test_a_symlinked_out_to_the_folder_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (tmp_path / "link").symlink_to(folder)
    _refused(folder, tmp_path / "link")
    assert (folder / "actors.csv").is_file()


def test_write_run_checks_every_input_too(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    (folder / "actors.csv").rename(shared / "actors.csv")
    _set(folder, actors_file="../shared/actors.csv")
    scenario = load_scenario(folder, allow_outside=True)
    assert (shared / "actors.csv").resolve() in scenario_inputs(scenario)
    from symnet.errors import InputError

    with pytest.raises(InputError, match="would overwrite or sit inside the input"):
        write_run(run_scenario(scenario), shared, force=True)
    assert (shared / "actors.csv").is_file()


def test_an_unrelated_out_is_still_replaced_with_force(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old", "utf-8")
    result = runner.invoke(app, ["run", str(folder), "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert not (out / "old.txt").exists() and (out / "summary.json").is_file()
