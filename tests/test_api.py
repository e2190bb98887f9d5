"""The Python API: the example of docs/python-api.md runs as written, and its numbers
are those of the pipeline (`symnet run`)."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

import symnet
from symnet.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def _doc_example() -> str:
    text = (ROOT / "docs" / "python-api.md").read_text("utf-8")
    return re.search(r"```python\n(.*?)```", text, flags=re.S).group(1)


@pytest.mark.slow
def test_the_documented_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = _doc_example().replace('"out/harjedalen-api"', repr(str(tmp_path / "api")))
    namespace: dict = {}
    exec(compile(code, "docs/python-api.md", "exec"), namespace)
    solution = namespace["solution"]
    assert solution.status == "optimal"
    assert abs(solution.kpis["total_cost"] + solution.kpis["savings"] - solution.kpis["baseline_cost"]) < 1.0
    assert isinstance(namespace["exchanges"], gpd.GeoDataFrame) and len(namespace["exchanges"]) > 0
    assert isinstance(namespace["ranking"], pd.DataFrame) and list(namespace["ranking"]["rank"])[:1] == [1]
    # the participants' gains add up to the savings
    assert abs(solution.participants["gain"].sum() - solution.kpis["savings"]) < 1.0
    written = sorted(p.name for p in (tmp_path / "api").iterdir())
    assert {"summary.json", "flows.csv", "network.gpkg", "report.html", "map.html"} <= set(written)


def test_solve_on_the_tiny_fixture_matches_flows_within_supply():
    solution = symnet.solve(ROOT / "tests" / "fixtures" / "tiny")
    assert solution.status == "optimal" and solution.result.ok
    supplied = solution.flows.groupby("supply")["quantity"].sum()
    scenario = solution.run.scenario
    for s in scenario.supplies:
        assert supplied.get(s.id, 0.0) <= s.quantity + 1e-6


def test_load_scenario_raises_input_error_on_bad_folder(tmp_path):
    with pytest.raises(InputError):
        symnet.load_scenario(tmp_path)


def test_unknown_attribute():
    with pytest.raises(AttributeError):
        symnet.no_such_function  # noqa: B018
