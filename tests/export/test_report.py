"""report.md / report.html content, and one end-to-end run through the real optimiser."""

from __future__ import annotations

from pathlib import Path

import pytest

from symnet.errors import InputError
from symnet.export import build_layers, read_result_layers, write_outputs
from symnet.report import CHARTS, cost_components, kpi_rows, write_report

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny"


def test_report_sections_and_assumption_markers(result, scenario, tmp_path):
    files = write_report(result, scenario, tmp_path)
    assert sorted(p.name for p in files) == sorted(["report.md", "report.html", *CHARTS])
    md = (tmp_path / "report.md").read_text("utf-8")
    for heading in ("Key figures against the baseline", "Exchanges", "Disposal left", "Sites", "Assumptions the results rest on"):
        assert f"## {heading}" in md
    assert "| Savings against the baseline | 1 740 000 | SEK/yr | † |" in md
    assert "| CO2e avoided | 412 | t/yr |  |" in md
    assert "† savings: economics.landfill_tax, demands.csv:d_feed.price" in md
    assert "| economics.landfill_tax | assumption: 645 SEK/t, Swedish landfill tax 2024 |" in md
    assert "| Sveg Bryggeri | Hede Gård | spent grain | 312 t | 45 679 | 58.1 | road | estimated | yes |" in md
    html = (tmp_path / "report.html").read_text("utf-8")
    assert html.count('src="data:image/png;base64,') == 3 and "<script" not in html
    with pytest.raises(InputError, match="output exists; use --force"):
        write_report(result, scenario, tmp_path)


def test_cost_components_add_up_to_the_kpi_total(result, scenario):
    comp = cost_components(result, scenario, build_layers(result, scenario))
    assert sum(comp["result"].values()) == pytest.approx(result.kpis["total_cost"])
    # exchanges: 246 376 + 512 345.6 + 45 678.9; site: 150 000
    assert comp["result"]["exchanges"] == pytest.approx(804400.5)
    assert comp["result"]["sites"] == 150000.0
    assert set(comp["baseline"]) == {"disposal", "purchases"}


def test_missing_kpis_are_handled():
    rows, rests = kpi_rows({"savings": 10.0, "per_actor": {"a": {}}}, "SEK", public=False)
    assert rows == [["Savings against the baseline", "10", "SEK/yr", ""]] and rests == {}


def test_end_to_end_from_a_real_solve(tmp_path):
    """The tiny fixture solved by the real AllocationModel, written and read back."""
    optimise = pytest.importorskip("symnet.optimise")
    from symnet.kpi import compute_kpis
    from symnet.scenario import load_scenario

    scenario = load_scenario(TINY)
    result = optimise.AllocationModel(scenario).solve()
    assert result.ok
    result.kpis = compute_kpis(result, scenario)
    write_outputs(result, scenario, tmp_path)
    layers = read_result_layers(tmp_path)
    used = result.links[result.links["used"]]
    assert len(layers["exchanges"]) == len(used)
    assert sorted(layers["exchanges"]["link"]) == sorted(used["link"].astype(str))
    assert layers["exchanges"]["quantity"].sum() == pytest.approx(used["quantity"].sum())
    assert "Key figures against the baseline" in (tmp_path / "report.md").read_text("utf-8")
