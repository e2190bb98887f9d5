"""A sector or municipality such as ``$\\bad$`` is text in the charts, not mathtext (issue #11 item 9)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from symnet.cli import app

BASE = Path(__file__).parent / "bad_scenarios" / "_base"


def test_dollar_names_do_not_crash_the_charts(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    shutil.copytree(BASE, folder)
    path = folder / "actors.csv"
    path.write_text(path.read_text("utf-8").replace("Härjedalen", "$\\bad$").replace(",food,", ",$\\x^{$,"), "utf-8")
    result = CliRunner().invoke(app, ["run", str(folder), "--out", str(tmp_path / "out"), "--time-limit", "20"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "report.html").is_file()
