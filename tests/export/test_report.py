"""report.md / report.html content, and one end-to-end run through the real optimiser."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import pandas as pd
import pytest

from symnet.errors import InputError
from symnet.outputs import build_layers, read_result_layers, write_outputs
from symnet.outputs.report import CHARTS, cost_components, kpi_rows, write_report

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny"


SECTIONS = [
    "Summary",
    "Key figures against the baseline",
    "Demands met locally",
    "Who gains (top 10)",
    "Charts",
    "Exchanges",
    "Disposal left",
    "Sites",
    "Appendix: assumptions the results rest on",
]


def _md_table(md: str, heading: str) -> list[list[str]]:
    """The body rows of the first table under ``## heading`` in report.md."""
    part = md.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in part.splitlines() if ln.startswith("| ")][1:]
    return [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines]


def test_report_sections_and_assumption_markers(result, scenario, tmp_path):
    files = write_report(result, scenario, tmp_path)
    assert sorted(p.name for p in files) == sorted(["report.md", "report.html", *CHARTS])
    md = (tmp_path / "report.md").read_text("utf-8")
    assert re.findall(r"^## (.+)$", md, flags=re.M) == SECTIONS
    # KPI rows: label, value, unit, number of assumptions the KPI rests on for this solution
    assert "| Savings against the baseline | 1 740 000 | SEK/yr | † 7 |" in md
    assert "| CO2e avoided | 412 | t/yr | † 5 |" in md
    assert "| Diverted from landfill | 312 | t/yr | † 1 |" in md
    assert "| Diverted from incineration / energy recovery | 3 334 | t/yr | 0 |" in md
    assert "| Sites opened | 1 | sites | † 1 |" in md
    assert "| Sveg Bryggeri | Hede Gård | spent grain | 312 t | 45 679 | 58.1 | road | estimated | yes |" in md
    html = (tmp_path / "report.html").read_text("utf-8")
    assert html.count('src="data:image/png;base64,') == len(CHARTS) == 4 and "<script" not in html
    with pytest.raises(InputError, match="output exists; use --force"):
        write_report(result, scenario, tmp_path)


def test_every_kpi_row_has_a_label_and_a_unit_in_report_order(result, scenario, tmp_path):
    result.kpis["some_new_indicator_t"] = 5.0
    write_report(result, scenario, tmp_path)
    rows = _md_table((tmp_path / "report.md").read_text("utf-8"), "Key figures against the baseline")
    assert all(label and unit for label, _, unit, _ in rows)
    labels = [r[0] for r in rows]
    # costs, then material diverted, then climate, then transport, then heat, then structure
    assert labels == [
        "Total cost with symbiosis",
        "Baseline cost (everything to its current fate, inputs bought)",
        "Savings against the baseline",
        "Diverted from landfill",
        "Diverted from incineration / energy recovery",
        "CO2e avoided",
        "Road transport",
        "Heat recovered (delivered after pipe losses)",
        "Demands met in full by local supply",
        "Active exchanges",
        "Sites opened",
        "Some new indicator t",
    ]
    assert rows[-1][2] == "t/yr" and rows[-4][1:3] == ["0 of 2", "demands"]


def test_summary_paragraph_names_the_opened_site_and_the_figures(result, scenario, tmp_path):
    result.message = "optimal"  # the solver's message repeats the status: shown once
    write_report(result, scenario, tmp_path)
    md = (tmp_path / "report.md").read_text("utf-8")
    assert "Solver status: optimal (highs)  \n" in md and "optimal (highs). optimal" not in md
    summary = md.split("## Summary\n\n", 1)[1].split("\n", 1)[0]
    assert summary.startswith(
        "The optimum opens a greenhouse at Sveg greenhouse site, which takes 3 200 MWh/yr of "
        "heat (hot water / steam) from Sveg Energi kraftvärmeverk. There are 3 exchanges in all "
        "(1 by pipe, 2 by road). Savings are 1 740 000 SEK/yr against today (59% of the baseline "
        "cost of 2 950 000 SEK/yr). 312 t/yr from landfill and 3 330 t/yr from incineration or "
        "energy recovery are diverted; 412 t CO2e/yr are avoided."
    )
    assert "1 of 2 road distances are estimated (great-circle x 1.37) where no road route was found" in summary
    assert summary.endswith("These figures rest on 11 assumed numbers (see the appendix); the savings alone rest on 7.")
    html = (tmp_path / "report.html").read_text("utf-8")
    assert f'<p class="summary">{summary}</p>' in html


def test_appendix_lists_each_assumption_once_most_used_first(result, scenario, tmp_path):
    write_report(result, scenario, tmp_path)
    md = (tmp_path / "report.md").read_text("utf-8")
    rows = _md_table(md, "Appendix: assumptions the results rest on")
    keys = [r[0] for r in rows]
    # incl. the spent-grain CO2e factor and the cooling fate's cost ("cost and CO2e 0: assumption")
    assert len(keys) == len(set(keys)) == 11
    used_by = [int(r[3].split(":")[0]) for r in rows]
    assert used_by == sorted(used_by, reverse=True)
    assert rows[0] == [
        "supplies.csv:s_grain.quantity",
        "350 t",
        "assumption: brewery volume estimated from production",
        "10: total cost, baseline cost, savings, landfill diverted, CO2e avoided, CO2e with symbiosis, "
        "CO2e baseline, CO2e transport, tonne-km, truck-km",
    ]
    assert [
        "demands.csv:d_feed.price",
        "900",
        "assumption: feed price 900 SEK/t",
        "3: total cost, baseline cost, savings",
    ] in rows
    # the opened greenhouse's annuity is in use; every assumption of the fixture enters some KPI
    assert [
        "sites.csv:gh1:greenhouse.fixed_cost",
        "",
        "assumption: greenhouse annuity",
        "3: total cost, savings, sites opened",
    ] in rows
    assert "further assumed number" not in md


def test_demands_met_locally_and_gains_tables(result, scenario, tmp_path):
    write_report(result, scenario, tmp_path)
    md = (tmp_path / "report.md").read_text("utf-8")
    assert _md_table(md, "Demands met locally") == [
        ["Hede Gård: wood residues", "3 500 t", "3 334 t", "95%"],
        ["Hede Gård: spent grain", "400 t", "312 t", "78%"],
    ]
    gains = _md_table(md, "Who gains (top 10)")
    assert [g[0] for g in gains] == [
        "Hede Gård",
        "Funäsdalen Sågverk Hemlig AB",
        "Sveg Bryggeri",
        "Sveg greenhouse site (greenhouse)",
    ]
    assert gains[0] == ["Hede Gård", "1 935 000", "711 696", "1 223 304"]
    assert "Pay more than today (SEK/yr): Sveg greenhouse site (greenhouse) (-150 000)." in md
    public = tmp_path / "public"
    write_report(result, scenario, public, public=True)
    pub = (public / "report.md").read_text("utf-8")
    assert ["Härjedalen (aggregated)", "860 000", "200 000", "670 000"] in _md_table(pub, "Who gains (top 10)")


def test_markdown_and_html_hold_the_same_tables(result, scenario, tmp_path):
    write_report(result, scenario, tmp_path)
    md = (tmp_path / "report.md").read_text("utf-8")
    html = (tmp_path / "report.html").read_text("utf-8")
    assert re.findall(r"<h2>(.+?)</h2>", html) == SECTIONS
    for heading in SECTIONS:
        if heading in ("Summary", "Charts"):
            continue
        for row in _md_table(md, heading):
            cells = "".join(f"<td>{escape(c.replace(chr(92) + '|', '|'), quote=True)}</td>" for c in row)
            assert f"<tr>{cells}</tr>" in html, (heading, row)


def test_cost_components_add_up_to_the_kpi_total(result, scenario):
    comp = cost_components(result, scenario, build_layers(result, scenario))
    assert sum(comp["result"].values()) == pytest.approx(result.kpis["total_cost"])
    # exchanges: 246 376 + 512 345.6 + 45 678.9; site: 150 000
    assert comp["result"]["exchanges"] == pytest.approx(804400.5)
    assert comp["result"]["sites"] == 150000.0
    assert set(comp["baseline"]) == {"disposal", "purchases"}


def test_missing_kpis_are_handled():
    rows = kpi_rows({"savings": 10.0, "per_actor": {"a": {}}}, "SEK", public=False)
    assert rows == [["Savings against the baseline", "10", "SEK/yr", ""]]
    rows = kpi_rows({"savings": 10.0, "active_links": 2}, "SEK", public=False, rests={"savings": ["economics.x"]})
    assert rows == [["Savings against the baseline", "10", "SEK/yr", "† 1"], ["Active exchanges", "2", "links", ""]]


def test_participant_kpis_are_not_kpi_table_rows():
    """The participants have their own table and the headline is in the summary: the KPI
    table does not dump them (it once showed 'Participants | 26 ({'participant': ...')."""
    from symnet.participants import participant_kpis

    table = pd.DataFrame(
        {
            "participant": ["a", "b"],
            "kind": "actor",
            "name": ["A", "B"],
            "baseline_cost": [10.0, 5.0],
            "cost": [4.0, 7.0],
            "gain": [6.0, -2.0],
        }
    )
    kpis = {"savings": 4.0, **participant_kpis(table, "SEK"), "existing_exchange_cost": 0.0}
    rows = kpi_rows(kpis, "SEK", public=False)
    assert [r[0] for r in rows] == ["Savings against the baseline", "Existing exchange cost"]


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


def test_network_chart_groups_labels_of_nearby_actors():
    """Two Sveg actors 500 m apart share one label; Hede, 60 km away, keeps its name."""
    import geopandas as gpd
    from shapely.geometry import Point

    from symnet.outputs.charts import _label_groups

    actors = gpd.GeoDataFrame(
        {"name": ["Sveg CHP", "Sveg brewery", "Hede farm"], "municipality": ["Sveg", "Sveg", "Hede"]},
        geometry=[Point(466_000, 6_878_000), Point(466_300, 6_878_400), Point(423_000, 6_921_000)],
        crs="EPSG:3006",
    )
    labels = _label_groups(actors, radius_m=2_000)
    assert [t for _, _, t in labels] == ["Sveg: 2 actors", "Hede farm"]
    assert labels[0][:2] == (466_150.0, 6_878_200.0)
