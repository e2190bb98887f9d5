"""`symnet run` writes participants.csv and settlement.csv and prints the participant table
and the settlement; `symnet compare --participation` shows both optima side by side."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from symnet.cli import app
from tests.participants.test_economics import _scenario

runner = CliRunner()


def test_run_writes_participants_and_settlement(tmp_path):
    s = _scenario(tmp_path / "in")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(s.folder), "--out", str(out), "--rule", "equal"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    people = pd.read_csv(out / "participants.csv")
    assert people["gain"].sum() == pytest.approx(summary["savings"])
    assert set(people["participant"]) == {"a", "b", "c"}
    moves = pd.read_csv(out / "settlement.csv")
    assert list(moves.columns[:6]) == ["group", "payer", "payee", "exchange", "sek_per_yr", "sek_per_unit"]
    settled = pd.DataFrame(summary["settlement"]["shares"])
    n = len(settled)  # the participants joined by the active exchanges share the savings equally
    assert settled["settled_gain"].to_numpy() == pytest.approx([summary["savings"] / n] * n)
    assert "are the sum of the gains of 3 participants" in result.output
    assert "settlement (equal shares)" in result.output
    report = (out / "report.md").read_text("utf-8")
    assert "## Every participant's economics" in report and "## Who pays whom" in report
    assert report.split("## Summary", 1)[1].strip().startswith("Savings ")


def test_unknown_rule_is_bad_input(tmp_path):
    s = _scenario(tmp_path / "in")
    result = runner.invoke(app, ["run", str(s.folder), "--out", str(tmp_path / "out"), "--rule", "shapley"])
    assert result.exit_code == 2
    assert "'shapley' is not a rule" in result.output
    assert not (tmp_path / "out").exists()


def test_compare_participation(tmp_path):
    s = _scenario(tmp_path / "in")
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", str(s.folder), "--participation", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "participation.csv")
    total = table.iloc[0]
    assert total["participant"] == "TOTAL"
    assert total["gain_individually_rational"] <= total["gain_system"] + 1e-6
    assert table.iloc[1:]["gain_individually_rational"].min() >= -1e-6
    assert "the no-loser rule costs" in result.output
