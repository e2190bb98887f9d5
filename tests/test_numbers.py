"""Non-finite and absurd numbers on the command line (issue #11 items 7, 13); the file
cases are in the bad-input corpus (nan_price, huge_quantity, yaml_nan_tax ...)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from symnet.cli import app

BASE = Path(__file__).parent / "bad_scenarios" / "_base"


@pytest.mark.parametrize(
    "args, line",
    [
        (["--time-limit", "-5"], "--time-limit: '-5' is not allowed; expected a finite number of seconds > 0"),
        (["--time-limit", "inf"], "--time-limit: 'inf' is not allowed; expected a finite number of seconds > 0"),
        (["--gap", "5"], "--gap: '5' is not allowed; expected a relative gap with 0 <= gap < 1, e.g. 0.01"),
        (["--gap", "nan"], "--gap: 'nan' is not allowed; expected a relative gap with 0 <= gap < 1, e.g. 0.01"),
    ],
)
def test_bad_solver_options_exit_2_and_write_nothing(tmp_path: Path, args: list[str], line: str) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(BASE), "--out", str(out), *args])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == line
    assert not out.exists()
