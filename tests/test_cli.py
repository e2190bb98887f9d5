"""The command-line skeleton: help, version, exit codes, errors on stderr without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from symnet import __version__
from symnet.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "run", "distances", "export", "compare", "sweep", "pareto", "resilience", "explain"):
        assert command in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"symnet {__version__}"


def test_validate_ok_prints_summary() -> None:
    result = runner.invoke(app, ["validate", str(FIXTURES / "tiny")])
    assert result.exit_code == 0, result.output
    assert "Tiny test region: valid" in result.output
    assert "2 actors, 2 supplies, 1 demands, 1 candidate sites" in result.output
    # 1000 kW continuous heat = 8,760 MWh/yr
    assert "8,760.0" in result.output


def test_missing_folder_exits_2_on_stderr_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "symnet", "validate", str(tmp_path / "nope")], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "scenario folder not found" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""


def test_run_refuses_to_write_into_its_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(FIXTURES / "tiny"), "--out", str(FIXTURES / "tiny"), "--force"])
    assert result.exit_code == 2
    assert "would overwrite or sit inside the input" in result.output


def test_unknown_solver_is_bad_input() -> None:
    result = runner.invoke(app, ["run", str(FIXTURES / "tiny"), "--solver", "gurobi"])
    assert result.exit_code == 2
    assert "'gurobi' is not a solver; expected highs or cbc" in result.output
