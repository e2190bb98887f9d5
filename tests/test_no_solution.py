"""A run without a solution writes nothing: exit 2 when the scenario is infeasible
(input-caused), exit 1 when the solver gave up or failed (issue #11 item 8)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

import symnet.pipeline
from symnet.cli import app

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
runner = CliRunner()


@pytest.mark.parametrize(
    ("status", "code", "words"), [("infeasible", 2, "fix the scenario"), ("error", 1, "--time-limit")]
)
def test_no_solution_writes_nothing(tmp_path, monkeypatch, status, code, words):
    real = symnet.pipeline.run_scenario

    def without_solution(*args, **kwargs):
        run = real(*args, **kwargs)  # the real pipeline, then the solver's verdict replaced
        return replace(
            run, result=replace(run.result, status=status, objective=None, message=f"HiGHS status: {status}")
        )

    monkeypatch.setattr(symnet.pipeline, "run_scenario", without_solution)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(TINY), "--out", str(out)])
    assert result.exit_code == code, result.output
    assert words in result.output and "Nothing was written" in result.output
    assert not out.exists() and not list(tmp_path.iterdir())
    assert "Traceback" not in result.output
