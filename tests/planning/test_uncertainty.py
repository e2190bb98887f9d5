"""Monte Carlo over the assumed numbers (``symnet uncertainty``) on hand-checkable scenarios.

Road cost 0.75 SEK per tonne-km as in conftest.py (15 SEK/truck-km, 20 t, no fuel, no
empty return, no handling), distances fixed by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from symnet.errors import InputError
from symnet.planning import prepare
from symnet.planning.uncertainty import apply_values, latin_hypercube, uncertainty, write_uncertainty
from symnet.scenario import load_scenario
from symnet.scenario.ranges import Range, scenario_ranges
from tests.planning.conftest import INSECT_FACILITY, YAML, distances_km

ACTORS = "id,name,sector,municipality,lon,lat\nbrewery,Brewery,food,Sveg,14.30,62.00\n"
SOURCED = "measured: test input"


def _write(folder: Path, files: dict[str, str], facilities: str = "", extra_yaml: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = YAML.format(name=folder.name, tax=0, facilities=facilities) + extra_yaml
    (folder / "scenario.yaml").write_text(text, "utf-8")
    for name, body in files.items():
        (folder / name).write_text(body, "utf-8")
    return folder


def two_receivers(tmp_path: Path, price_cells: str = "30,0,60,uniform") -> Path:
    """100 t spent grain landfilled at 40 SEK/t; farm1 at 20 km (15 SEK/t) pays p1 for its
    conventional feed, farm2 at 60 km (45 SEK/t) pays 50 (sourced); each takes all 100 t.
    Value per t: farm1 40 + p1 - 15, farm2 40 + 50 - 45 = 45, so farm1 wins when p1 > 20.
    p1 is an assumption, uniform on [0, 60]: P(farm1) = 40/60 = 2/3, P(farm2) = 1/3."""
    actors = ACTORS + "farm1,Farm one,agriculture,Hede,13.50,62.40\nfarm2,Farm two,agriculture,Hede,13.60,62.50\n"
    supplies = (
        "id,actor,resource,quantity,unit,current_fate,fate_cost,source\n"
        f"s1,brewery,spent_grain,100,t,landfill,40,{SOURCED}\n"
    )
    demands = (
        "id,actor,resource,quantity,unit,price,source,price_source,price_low,price_high,price_dist\n"
        f"d1,farm1,spent_grain,100,t,{price_cells.split(',')[0]},{SOURCED},assumption: feed price,"
        f"{','.join(price_cells.split(',')[1:])}\n"
        f"d2,farm2,spent_grain,100,t,50,{SOURCED},,,,\n"
    )
    return _write(tmp_path / "two_receivers", {"actors.csv": actors, "supplies.csv": supplies, "demands.csv": demands})


def two_sites(tmp_path: Path, fixed_cells: str = "5000,assumption: build cost,3000,9000,uniform") -> Path:
    """100 t spent grain (landfill 40 SEK/t), insect farms (0.1 t protein per t at 1000 SEK/t
    = 100 SEK per t grain): A at 10 km (7.5 SEK/t), 60 t capacity, fixed cost 5000 (sourced);
    B at 50 km (37.5 SEK/t), uncapped, fixed cost F_B (assumed, uniform 3000..9000).
    A alone: 60 x 132.5 - 5000 = 2950; B alone: 100 x 102.5 - F_B = 10250 - F_B; both:
    7950 + 40 x 102.5 - 5000 - F_B = 7050 - F_B (always below B alone). B wins when
    F_B < 7300: P(B) = 4300/6000, P(A) = 1700/6000; where A wins, the regret of keeping B
    (the base decision at F_B = 5000) is F_B - 7300."""
    fixed, _, rest = fixed_cells.partition(",")
    sites = (
        "id,name,lon,lat,facility,fixed_cost,capacity,source,fixed_cost_source,fixed_cost_low,fixed_cost_high,"
        "fixed_cost_dist\n"
        f"A,Site A,14.31,62.01,insect_farm,5000,60,{SOURCED},,,,\n"
        f"B,Site B,14.10,62.20,insect_farm,{fixed},,{SOURCED},{rest}\n"
    )
    supplies = (
        "id,actor,resource,quantity,unit,current_fate,fate_cost,source\n"
        f"s1,brewery,spent_grain,100,t,landfill,40,{SOURCED}\n"
    )
    files = {"actors.csv": ACTORS, "supplies.csv": supplies, "demands.csv": "id,actor,resource,quantity,unit\n"}
    return _write(tmp_path / "two_sites", files | {"sites.csv": sites}, facilities=INSECT_FACILITY)


def _two_receivers_shared(folder: Path):
    return prepare(load_scenario(folder), distances=distances_km({("brewery", "farm1"): 20, ("brewery", "farm2"): 60}))


def _two_sites_shared(folder: Path):
    km = {("brewery", "A:insect_farm"): 10, ("brewery", "B:insect_farm"): 50}
    return prepare(load_scenario(folder), distances=distances_km(km))


# -- ranges -------------------------------------------------------------------------------


def test_only_the_assumed_number_varies(tmp_path: Path) -> None:
    rs = scenario_ranges(load_scenario(two_receivers(tmp_path)))
    (r,) = rs.ranges
    assert (r.key, r.value, r.low, r.high, r.distribution, r.explicit) == (
        "demands.csv:d1.price",
        30.0,
        0.0,
        60.0,
        "uniform",
        True,
    )


def test_default_relative_range_by_kind_and_its_override(tmp_path: Path) -> None:
    folder = two_sites(tmp_path, "5000,assumption: build cost,,,")
    (r,) = scenario_ranges(load_scenario(folder)).ranges
    assert (r.kind, r.low, r.high, r.distribution, r.explicit) == ("cost", 3500.0, 6500.0, "triangular", False)
    (folder / "scenario.yaml").write_text(
        (folder / "scenario.yaml").read_text("utf-8") + "uncertainty: {cost: 0.1, distribution: uniform}\n", "utf-8"
    )
    (r,) = scenario_ranges(load_scenario(folder)).ranges
    assert (r.low, r.high, r.distribution) == (pytest.approx(4500.0), pytest.approx(5500.0), "uniform")


def test_distributions_inverse_cdf() -> None:
    u = np.array([0.0, 0.5, 1.0])
    assert Range("k", 10, 0, 20, "uniform", True, "cost").ppf(u).tolist() == [0, 10, 20]
    # triangular with mode 5 on [0, 20]: CDF(5) = 5/20 = 0.25
    assert Range("k", 5, 0, 20, "triangular", True, "cost").ppf(np.array([0.25]))[0] == pytest.approx(5.0)
    # lognormal: median = value, high = P95
    ln = Range("k", 100, 50, 200, "lognormal", True, "cost")
    assert ln.ppf(np.array([0.5, 0.95])).tolist() == pytest.approx([100.0, 200.0])


def test_a_negative_seed_is_an_input_error_naming_the_option() -> None:
    r = Range("economics.landfill_tax", 645.0, 500.0, 800.0, "uniform", True, "price")
    with pytest.raises(InputError, match="got -1; expected a whole number >= 0") as err:
        latin_hypercube([r], 4, seed=-1)
    assert err.value.problems[0].file == "--seed"


def test_latin_hypercube_is_stratified_and_seeded(tmp_path: Path) -> None:
    r = Range("k", 30, 0, 60, "uniform", True, "price")
    a, b = latin_hypercube([r], 50, seed=7), latin_hypercube([r], 50, seed=7)
    assert a.equals(b)
    # one draw in each of the 50 strata of width 60/50
    assert sorted(np.floor(a["k"].to_numpy() / 1.2).astype(int).tolist()) == list(range(50))


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("30,40,60,uniform", "demands.csv:2:price_low: range low=40, value=30, high=60; expected low <= value <= high"),
        ("30,0,60,gaussian", "demands.csv:2:price_low: unknown distribution 'gaussian'"),
        ("30,0,inf,uniform", "demands.csv:2:price_high: value 'inf' is not a finite number"),
        ("30,0,,uniform", "demands.csv:2:price_low: give both price_low and price_high"),
    ],
)
def test_bad_csv_ranges_are_file_row_column_errors(tmp_path: Path, cells: str, message: str) -> None:
    with pytest.raises(InputError) as exc:
        load_scenario(two_receivers(tmp_path, cells))
    assert any(str(p).startswith(message) for p in exc.value.problems), [str(p) for p in exc.value.problems]


def test_bad_yaml_range_names_its_line_and_key(tmp_path: Path) -> None:
    folder = two_receivers(tmp_path)
    text = (folder / "scenario.yaml").read_text("utf-8")
    text = text.replace("landfill_tax: 0", 'landfill_tax: {value: 645, low: 700, high: 800, source: "assumption: x"}')
    (folder / "scenario.yaml").write_text(text, "utf-8")
    with pytest.raises(InputError) as exc:
        load_scenario(folder)
    line = 1 + text.splitlines().index(next(s for s in text.splitlines() if "landfill_tax" in s))
    assert [str(p) for p in exc.value.problems] == [
        f"scenario.yaml:{line}:economics.landfill_tax: range low=700, value=645, high=800; "
        "expected low <= value <= high"
    ]


def test_csv_quantity_range_is_in_the_rows_unit(tmp_path: Path) -> None:
    folder = two_receivers(tmp_path)
    supplies = (
        "id,actor,resource,quantity,unit,current_fate,fate_cost,source,quantity_source\n"
        f"s1,brewery,spent_grain,100000,kg,landfill,40,{SOURCED},assumption: guessed\n"
    )
    (folder / "supplies.csv").write_text(supplies, "utf-8")
    scenario = load_scenario(folder)
    r = next(r for r in scenario_ranges(scenario).ranges if r.key == "supplies.csv:s1.quantity")
    assert (r.value, r.low, r.high) == (100000.0, 75000.0, 125000.0)  # +-25 % on quantities, in kg
    assert apply_values(scenario, {r.key: 80000.0}).supplies[0].quantity == pytest.approx(80.0)  # t


# -- the Monte Carlo ------------------------------------------------------------------------


def test_choice_probability_equals_the_mass_on_each_side_of_the_break_even(tmp_path: Path) -> None:
    n = 60
    res = uncertainty(_two_receivers_shared(two_receivers(tmp_path)), n, seed=3, workers=1, progress=False)
    links = res.presence.set_index("id")["probability"]
    tol = 2 / n + 0.005
    assert links["s1->d1:road"] == pytest.approx(40 / 60, abs=tol)
    assert links["s1->d2:road"] == pytest.approx(20 / 60, abs=tol)
    # per sample: farm1 exactly when p1 > 20, savings 100 x max(25 + p1, 45)
    t = res.table
    p1 = t["demands.csv:d1.price"].to_numpy()
    assert np.allclose(t["savings"], 100 * np.maximum(25 + p1, 45))
    # the only driver is p1, perfectly rank-correlated with the savings where p1 > 20
    assert res.drivers.loc[0, "key"] == "demands.csv:d1.price" and res.drivers.loc[0, "rho_savings"] > 0.8


def test_site_probability_robustness_and_regret(tmp_path: Path) -> None:
    n = 60
    res = uncertainty(_two_sites_shared(two_sites(tmp_path)), n, seed=1, workers=1, progress=False)
    s = res.summary
    tol = 2 / n + 0.005
    assert s["robustness"]["base_decision"] == ["B:insect_farm"]
    assert s["sites"]["B:insect_farm"] == pytest.approx(4300 / 6000, abs=tol)
    assert s["sites"]["A:insect_farm"] == pytest.approx(1700 / 6000, abs=tol)
    assert s["robustness"]["share_optimal"] == pytest.approx(4300 / 6000, abs=tol)
    fb = res.table["sites.csv:B:insect_farm.fixed_cost"].to_numpy()
    assert np.allclose(res.table["regret"], np.maximum(fb - 7300, 0.0), atol=1e-3)
    assert np.allclose(res.table["savings"], np.maximum(10250 - fb, 2950))
    assert s["robustness"]["regret_where_not_optimal"]["max"] == pytest.approx(fb.max() - 7300)


@pytest.mark.enable_socket  # LocalCluster on 127.0.0.1 (as tests/planning/test_parallel.py)
def test_outputs_and_determinism_on_one_and_two_workers(tmp_path: Path) -> None:
    shared = _two_sites_shared(two_sites(tmp_path))
    one = uncertainty(shared, 24, seed=5, workers=1, progress=False)
    two = uncertainty(shared, 24, seed=5, workers=2, progress=False)  # a real LocalCluster
    assert one.table.equals(two.table) and one.presence.equals(two.presence)
    assert json.dumps(one.summary, sort_keys=True, default=str) == json.dumps(two.summary, sort_keys=True, default=str)
    out = tmp_path / "out"
    out.mkdir()
    write_uncertainty(one, out, "SEK")
    names = {p.name for p in out.iterdir()}
    assert {"uncertainty.csv", "uncertainty_summary.json", "uncertainty_kpis.png", "uncertainty_tornado.png"} <= names
    assert {"report.md", "report.html", "uncertainty_presence.csv", "uncertainty_drivers.csv"} <= names
    summary = json.loads((out / "uncertainty_summary.json").read_text("utf-8"))
    p = summary["kpis"]["savings"]
    assert p["p10"] <= p["p50"] <= p["p90"]
    assert "Robustness of the recommendation" in (out / "report.md").read_text("utf-8")


def test_cli_bad_range_exit_2_nothing_written(tmp_path: Path) -> None:
    folder = two_receivers(tmp_path, "30,40,60,uniform")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "symnet", "uncertainty", str(folder), "--samples", "4", "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "demands.csv:2:price_low" in proc.stderr + proc.stdout and "Traceback" not in proc.stderr
    assert not out.exists()


def test_yaml_range_is_read_and_applied(tmp_path: Path) -> None:
    folder = two_receivers(tmp_path)
    text = (
        (folder / "scenario.yaml")
        .read_text("utf-8")
        .replace(
            "landfill_tax: 0",
            'landfill_tax: {value: 645, low: 500, high: 800, distribution: lognormal, source: "assumption: x"}',
        )
    )
    (folder / "scenario.yaml").write_text(text, "utf-8")
    scenario = load_scenario(folder)
    r = next(r for r in scenario_ranges(scenario).ranges if r.key == "economics.landfill_tax")
    assert (r.value, r.low, r.high, r.distribution, r.explicit) == (645.0, 500.0, 800.0, "lognormal", True)
    assert apply_values(scenario, {r.key: 700.0}).config.economics.landfill_tax == 700.0


def _with_max_count(tmp_path: Path, spec: str, setting: str = "max_count") -> Path:
    """:func:`two_sites` with the insect farm's ``max_count`` (or ``setting``) given as ``spec``."""
    folder = two_sites(tmp_path)
    text = (folder / "scenario.yaml").read_text("utf-8")
    text = text.replace("    fixed_cost: 5000\n", f"    fixed_cost: 5000\n    {setting}: {spec}\n", 1)
    (folder / "scenario.yaml").write_text(text, "utf-8")
    return folder


def test_an_assumed_count_stays_fixed_without_an_explicit_range(tmp_path: Path) -> None:
    folder = _with_max_count(tmp_path, '{value: 1, source: "assumption: one farm"}')
    rs = scenario_ranges(load_scenario(folder))
    key = "facilities.insect_farm.max_count"
    assert key not in {r.key for r in rs.ranges}
    assert "whole number" in rs.fixed[key]


def test_an_assumed_count_with_a_range_is_sampled_as_whole_numbers(tmp_path: Path) -> None:
    folder = _with_max_count(tmp_path, '{value: 1, low: 1, high: 2, distribution: uniform, source: "assumption: x"}')
    key = "facilities.insect_farm.max_count"
    r = next(r for r in scenario_ranges(load_scenario(folder)).ranges if r.key == key)
    assert r.whole and list(r.ppf(np.array([0.0, 0.2, 0.49, 0.51, 0.99]))) == [1.0, 1.0, 1.0, 2.0, 2.0]
    res = uncertainty(_two_sites_shared(folder), 8, seed=0, workers=1, progress=False)
    counts = res.table[key].to_numpy()
    assert len(res.table) == 8 and set(counts) == {1.0, 2.0}  # LHS: half the strata on each side of 1.5
    fb = res.table["sites.csv:B:insect_farm.fixed_cost"].to_numpy()
    assert np.allclose(res.table["savings"], np.maximum(10250 - fb, 2950))  # both farms never pay: the count is moot


def test_a_range_reaching_a_value_the_scenario_refuses_is_an_input_error(tmp_path: Path) -> None:
    folder = _with_max_count(tmp_path, '{value: 1, low: 0, high: 2, source: "assumption: x"}')
    with pytest.raises(InputError) as err:
        load_scenario(folder)  # so `symnet validate` refuses it too, before any uncertainty run
    (problem,) = err.value.problems
    assert (problem.file, problem.column) == ("scenario.yaml", "facilities.insect_farm.max_count")
    assert "low 0" in problem.message and "greater than 0" in problem.message


def test_a_default_range_reaching_a_refused_value_leaves_the_number_fixed(tmp_path: Path) -> None:
    # loss must stay below 1; the default +-15 % of 0.95 reaches 1.09
    folder = _with_max_count(tmp_path, '{value: 0.95, source: "assumption: x"}', setting="loss")
    rs = scenario_ranges(load_scenario(folder))
    key = "facilities.insect_farm.loss"
    assert key not in {r.key for r in rs.ranges}
    assert "reaches 1.0925 at its high, which is not accepted" in rs.fixed[key]
    assert "input should be less than 1" in rs.fixed[key] and "give low/high" in rs.fixed[key]
    assert "sites.csv:B:insect_farm.fixed_cost" in {r.key for r in rs.ranges}  # the others still vary


def test_a_csv_range_below_what_the_column_accepts_is_an_input_error(tmp_path: Path) -> None:
    folder = two_sites(tmp_path, "5000,assumption: build cost,-1000,9000,uniform")
    proc = subprocess.run([sys.executable, "-m", "symnet", "validate", str(folder)], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "sites.csv:3:fixed_cost_low: the range's low -1000 is not accepted (-1000.0: input" in proc.stderr
    with pytest.raises(InputError) as err:
        load_scenario(folder)
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.column) == ("sites.csv", 3, "fixed_cost_low")
    assert "low -1000 is not accepted" in problem.message and "greater than or equal to 0" in problem.message
