"""``symnet validate`` rejects everything ``symnet run`` rejects before solving
(issue #11, item 12): every case of the bad-scenario corpus ends with exit 2 in both,
with the same first problem line, and run writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from symnet.cli import app

CORPUS = Path(__file__).parent / "bad_scenarios"
BAD_CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))

runner = CliRunner()


def _first_problem(stderr: str) -> str:
    """The first ``file:row:column: message`` line, joined if the console wrapped it."""
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("warning:")]
    assert lines, stderr
    return lines[0]


@pytest.mark.parametrize("case", BAD_CASES)
def test_validate_and_run_refuse_the_same_way(case: str, tmp_path: Path) -> None:
    folder = CORPUS / case
    checked = runner.invoke(app, ["validate", str(folder)])
    out = tmp_path / "out"
    ran = runner.invoke(app, ["run", str(folder), "--out", str(out), "--basemap", "none"])
    assert (checked.exit_code, ran.exit_code) == (2, 2), (checked.stderr, ran.stderr)
    assert _first_problem(ran.stderr) == _first_problem(checked.stderr)
    assert list(tmp_path.iterdir()) == []
