"""``symnet run --public``: no byte of any output file names a confidential actor or
stream or carries its exact quantity, and no aggregate sits at a confidential position
(issue #11, item 1)."""

from __future__ import annotations

import math
import re
import struct
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from symnet.cli import app
from symnet.outputs import read_result_layers
from symnet.outputs.public import PublicRule, confidential_groups

SCENARIO = Path(__file__).parents[2] / "scenarios" / "harjedalen"
CONFIDENTIAL_ACTORS = ("steelex", "verkstad_hede", "harjedalskok", "metal_recycler_ostersund")
LONE_ACTOR = "harjedalskok"  # moved to a municipality of its own: no open actor, no second confidential one
CONFIDENTIAL_SUPPLY = "foodwaste_vemdalen"  # a confidential stream of an open actor
SECRET_QUANTITIES = {"foodwaste_vemdalen": 173.9, "metal_steelex": 23.7}


def _mark_confidential(folder: Path) -> None:
    actors = pd.read_csv(folder / "actors.csv", dtype=str, keep_default_na=False)
    actors["confidential"] = ["true" if i in CONFIDENTIAL_ACTORS else "false" for i in actors["id"]]
    actors.loc[actors["id"] == LONE_ACTOR, "municipality"] = "Ljusnedal"
    actors.to_csv(folder / "actors.csv", index=False)
    supplies = pd.read_csv(folder / "supplies.csv", dtype=str, keep_default_na=False)
    supplies["confidential"] = ["true" if i == CONFIDENTIAL_SUPPLY else "false" for i in supplies["id"]]
    for sid, q in SECRET_QUANTITIES.items():
        supplies.loc[supplies["id"] == sid, "quantity"] = repr(q)
    supplies.to_csv(folder / "supplies.csv", index=False)


@pytest.fixture(scope="module")
def scenario_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("public") / "harjedalen"
    folder.mkdir()
    for f in SCENARIO.iterdir():
        if f.is_file():
            (folder / f.name).write_bytes(f.read_bytes())
    _mark_confidential(folder)
    return folder


@pytest.fixture(scope="module")
def public_out(scenario_copy: Path) -> Path:
    out = scenario_copy.parent / "out-public"
    result = CliRunner().invoke(app, ["run", str(scenario_copy), "--out", str(out), "--public", "--basemap", "none"])
    assert result.exit_code == 0, result.output
    return out


def _secrets(folder: Path) -> tuple[list[str], list[float]]:
    """Every confidential id (actors, their streams, the confidential supply) and name."""
    from symnet.scenario import load_scenario

    scenario = load_scenario(folder)
    rule = PublicRule.of_scenario(scenario)
    names = [a.name for a in scenario.actors if a.id in rule.groups]
    return sorted(rule.groups) + sorted(rule.streams) + names, list(SECRET_QUANTITIES.values())


def _needles(texts: list[str], numbers: list[float]) -> list[bytes]:
    out = [t.encode("utf-8") for t in texts] + [t.lower().encode("utf-8") for t in texts]
    for q in numbers:
        out += [repr(q).encode(), struct.pack("<d", q), struct.pack(">d", q)]
    return out


def _leaks(folder: Path, needles: list[bytes]) -> list[tuple[str, bytes]]:
    """(file, needle) for every needle in any file; short numeric needles are not searched
    in PNG bytes or base64 images, where they occur by chance."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        text_part = b"" if path.suffix == ".png" else re.sub(rb"data:image/png;base64,[A-Za-z0-9+/=]+", b"", data)
        for n in needles:
            if n in (data if len(n) > 7 and not n[:1].isdigit() else text_part):
                found.append((path.name, n))
    return found


def test_private_run_does_contain_the_secrets(scenario_copy: Path, tmp_path: Path) -> None:
    """The search can fail: without --public the ids, names and quantities are there."""
    out = tmp_path / "private"
    result = CliRunner().invoke(app, ["run", str(scenario_copy), "--out", str(out), "--basemap", "none"])
    assert result.exit_code == 0, result.output
    leaks = {f for f, _ in _leaks(out, _needles(*_secrets(scenario_copy)))}
    assert {"summary.json", "flows.csv", "disposal.csv", "links.csv", "report.md", "network.gpkg"} <= leaks


def test_public_run_leaks_nothing_in_any_file(scenario_copy: Path, public_out: Path) -> None:
    files = {p.name for p in public_out.iterdir()}
    assert {"summary.json", "flows.csv", "disposal.csv", "links.csv", "excluded.csv", "network.gpkg"} <= files
    assert {"map.html", "report.md", "report.html", "participants.csv", "settlement.csv"} <= files
    assert _leaks(public_out, _needles(*_secrets(scenario_copy))) == []


def test_source_texts_naming_a_confidential_stream_are_scrubbed(public_out: Path) -> None:
    report = (public_out / "report.md").read_text("utf-8")
    assert "assumption: as confidential stream" in report
    assert "metal_steelex" not in report


def test_public_tables_aggregate_confidential_rows(public_out: Path) -> None:
    flows = pd.read_csv(public_out / "flows.csv", keep_default_na=False)
    hede = flows[flows["supplier"] == "agg:Härjedalen (Hede)"]
    assert len(hede) == 4 and set(hede["link"].str.startswith("aggregated-")) == {True}
    assert set(hede["supply"]) == {""} and set(hede["receiver"]) == {"agg:Östersund"}
    assert set(hede["cost"]) == {-6900.0}  # 2 significant figures


def test_no_public_point_sits_at_a_confidential_position(scenario_copy: Path, public_out: Path) -> None:
    actors = pd.read_csv(scenario_copy / "actors.csv")
    secret = actors[actors["confidential"]]
    layers = read_result_layers(public_out)
    points = layers["actors"].to_crs("EPSG:4326")
    assert not set(secret["id"]) & set(points["node"])
    points = points[points["aggregated"]]
    other = points[points["node"] == "agg:other"]
    assert list(other["n_actors"]) == [1] and list(other["name"]) == ["other confidential actors (aggregated)"]
    for row in secret.itertuples():
        nearest = min(math.dist((row.lon, row.lat), (p.x, p.y)) for p in points.geometry)
        assert nearest > 0.01, row.id  # about 1 km


def test_confidential_groups_rule() -> None:
    frame = pd.DataFrame(
        [
            ("a", "M1", True),  # with open actors: its municipality
            ("b", "M1", False),
            ("c", "M2", True),  # two confidential, no open: kept together
            ("d", "M2", True),
            ("e", "M3", True),  # alone, no open actor: other
        ],
        columns=["node", "municipality", "confidential"],
    )
    assert confidential_groups(frame) == {"a": "M1", "c": "M2", "d": "M2", "e": "other confidential actors"}


def test_scrub_replaces_whole_ids_and_names_only() -> None:
    rule = PublicRule({"steelex": "Hede"}, {"steelex": "Steelex AB"}, ["metal_steelex"])
    assert rule.scrub("assumption: as metal_steelex; Steelex AB, STEELEX") == (
        "assumption: as confidential stream; Hede (aggregated), Hede (aggregated)"
    )
    assert rule.scrub("steelex_open stays") == "steelex_open stays"


def test_public_run_terminal_summary_names_no_secret(scenario_copy: Path, tmp_path: Path) -> None:
    """The summary printed by ``run --public`` follows the rule of the public files; the
    private summary does name them (so the search can fail)."""
    needles = [n.decode() for n in _needles(_secrets(scenario_copy)[0], [])]
    private = CliRunner().invoke(app, ["run", str(scenario_copy), "--out", str(tmp_path / "a"), "--basemap", "none"])
    assert private.exit_code == 0, private.output
    assert [n for n in needles if n in private.stdout]
    public = CliRunner().invoke(
        app, ["run", str(scenario_copy), "--out", str(tmp_path / "b"), "--public", "--basemap", "none"]
    )
    assert public.exit_code == 0, public.output
    assert "savings / yr" in public.stdout and "outputs written to" in public.stdout
    assert [n for n in needles if n in public.stdout] == []
