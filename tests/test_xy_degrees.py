"""x/y columns are metres in the scenario CRS: degrees typed there are refused (they would
land in the Gulf of Guinea), a projected point outside the CRS's area is warned about
(issue #11 item 13)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from symnet.errors import InputError
from symnet.scenario import load_scenario

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"


def _with_xy(tmp_path: Path, x: str, y: str) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(TINY, folder)
    lines = (folder / "actors.csv").read_text("utf-8").splitlines()
    first = lines[1].split(",")
    first[4], first[5] = "", ""  # the first actor positioned by x/y only
    rows = [lines[0] + ",x,y", ",".join(first) + f",{x},{y}", *(line + ",," for line in lines[2:])]
    (folder / "actors.csv").write_text("\n".join(rows) + "\n", "utf-8")
    return folder


def test_degrees_in_xy_are_refused_with_the_cell(tmp_path):
    with pytest.raises(InputError) as err:
        load_scenario(_with_xy(tmp_path, "14.357", "62.035"))
    assert "actors.csv:2:x: x=14.357, y=62.035 look like degrees" in str(err.value)


def test_metres_in_xy_are_taken(tmp_path):
    scenario = load_scenario(_with_xy(tmp_path, "465000", "6877000"))  # Sveg in SWEREF 99 TM
    chp = next(a for a in scenario.actors if a.id == "chp")
    assert abs(chp.lon - 14.33) < 0.05 and abs(chp.lat - 62.03) < 0.05
