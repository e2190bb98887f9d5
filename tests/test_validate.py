"""``symnet validate`` on the bad-input corpus and on good variants.

Every folder under ``tests/bad_scenarios/`` (except ``_base``) is a valid scenario with
one defect and an ``expected.txt`` holding the exact ``file:row:column: message`` lines
the validator must print on stderr: exit 2, no traceback, nothing written into the
scenario folder. The good variants under ``tests/fixtures/good/`` must load with the
numbers stated in each test.
"""

from __future__ import annotations

import filecmp
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from symnet.cli import app
from symnet.errors import InputError
from symnet.scenario import Scenario, load_scenario

TESTS = Path(__file__).parent
CORPUS = TESTS / "bad_scenarios"
GOOD = TESTS / "fixtures" / "good"
BASE = CORPUS / "_base"
BAD_CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))
SYMNET = Path(sys.executable).with_name("symnet")

runner = CliRunner()


def _load_corpus_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = module
    spec.loader.exec_module(module)
    return module


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``folder``: relative path -> (content, mtime in ns)."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _problem_lines(stderr: str) -> list[str]:
    """The ``file:row:column: message`` lines (not warnings, not the closing count)."""
    return [
        line
        for line in stderr.splitlines()
        if line.strip() and not line.startswith("warning:") and not line.endswith("nothing was written.")
    ]


def _expected(case: str) -> list[str]:
    return [line for line in (CORPUS / case / "expected.txt").read_text("utf-8").splitlines() if line]


# ---------------------------------------------------------------------------------------
# the corpus itself
# ---------------------------------------------------------------------------------------
def test_corpus_is_large_enough_and_each_case_has_expected_lines() -> None:
    assert len(BAD_CASES) >= 30
    for case in BAD_CASES:
        assert _expected(case), f"{case}/expected.txt is empty"


def test_corpus_on_disk_matches_its_generator(tmp_path: Path) -> None:
    """The committed folders are what make_corpus.py writes (regenerate after editing _base)."""
    corpus = _load_corpus_module()
    assert sorted(c.name for c in corpus.CASES) == BAD_CASES
    for case in corpus.CASES:
        fresh = corpus.build(case, root=tmp_path / "bad")
        cmp = filecmp.dircmp(fresh, CORPUS / case.name)
        assert not (cmp.left_only or cmp.right_only), f"{case.name}: {cmp.left_only} {cmp.right_only}"
        _, mismatch, errors = filecmp.cmpfiles(fresh, CORPUS / case.name, cmp.common_files, shallow=False)
        assert not mismatch and not errors, f"{case.name}: {mismatch} {errors}; rerun make_corpus.py"
    for name, edits in corpus.GOOD.items():
        fresh = corpus.build_good(name, edits, root=tmp_path / "good")
        _, mismatch, errors = filecmp.cmpfiles(fresh, GOOD / name, [p.name for p in fresh.iterdir()], shallow=False)
        assert not mismatch and not errors, f"good/{name}: {mismatch} {errors}; rerun make_corpus.py"


def test_base_is_valid() -> None:
    scenario = load_scenario(BASE)
    assert scenario.warnings == []


# ---------------------------------------------------------------------------------------
# bad cases through the CLI
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_case_prints_exactly_the_expected_problems(case: str) -> None:
    folder = CORPUS / case
    before = _snapshot(folder)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr + result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert _problem_lines(result.stderr) == _expected(case)
    n = len(_expected(case))
    assert result.stderr.rstrip().endswith(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.")
    assert _snapshot(folder) == before, "validate wrote into the scenario folder"


@pytest.mark.parametrize("case", ["multi_problem", "windows_1252", "yaml_syntax", "missing_scenario_yaml"])
def test_bad_case_through_the_console_script(case: str) -> None:
    """The installed ``symnet`` command, as a user runs it (a real process)."""
    assert SYMNET.exists(), f"console script not installed next to {sys.executable}"
    folder = CORPUS / case
    before = _snapshot(folder)
    proc = subprocess.run([str(SYMNET), "validate", str(folder)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""
    assert _problem_lines(proc.stderr) == _expected(case)
    assert _snapshot(folder) == before


def test_multi_problem_reports_every_file() -> None:
    files = {line.split(":", 1)[0] for line in _expected("multi_problem")}
    assert files == {"scenario.yaml", "actors.csv", "supplies.csv", "demands.csv", "sites.csv"}


# ---------------------------------------------------------------------------------------
# good variants
# ---------------------------------------------------------------------------------------
def _by_id(rows: list) -> dict:  # type: ignore[type-arg]
    return {r.id: r for r in rows}


def _assert_base_quantities(s: Scenario) -> None:
    """The base scenario's quantities in canonical units per year."""
    sup, dem = _by_id(s.supplies), _by_id(s.demands)
    assert sup["s_heat"].quantity == pytest.approx(17_520.0, rel=1e-12)  # 2000 kW x 8760 h = 17,520 MWh
    assert sup["s_heat"].unit == "MWh" and sup["s_heat"].entered_unit == "kw"
    assert sup["s_scrap"].quantity == pytest.approx(18.0, rel=1e-12)  # 18,000 kg = 18 t
    assert sup["s_wood"].quantity == pytest.approx(35.0, rel=1e-12)  # 100 m3 x 0.35 t/m3 = 35 t
    assert dem["d_heat"].quantity == pytest.approx(500.0, rel=1e-12)  # 1800 GJ / 3.6 GJ/MWh = 500 MWh
    assert dem["d_feed"].quantity == 50.0
    assert sup["s_heat"].profile == [0.4, 0.2, 0.1, 0.3]  # named profile winter_peak
    assert sup["s_grain"].profile == [0.25] * 4  # flat over four seasons


def test_base_quantities_are_converted_to_canonical_units() -> None:
    _assert_base_quantities(load_scenario(BASE))


def test_base_summary_on_the_command_line() -> None:
    result = runner.invoke(app, ["validate", str(BASE)])
    assert result.exit_code == 0, result.output
    assert "Bad-input corpus base: valid" in result.stdout
    assert "4 actors, 4 supplies, 3 demands, 2 candidate sites (3 facility options)" in result.stdout
    for number in ("17,520.0", "500.0", "35.0", "18.0", "120.0"):
        assert number in result.stdout


def test_swedish_excel_export_loads() -> None:
    """UTF-8 with BOM, ';'-separated, decimal commas, CRLF, '18 000' with a space."""
    raw = (GOOD / "swedish_excel" / "actors.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";14,357;62,035;" in raw and b"\r\n" in raw
    s = load_scenario(GOOD / "swedish_excel")
    base = load_scenario(BASE)
    assert [(a.id, a.lon, a.lat) for a in s.actors] == [(a.id, a.lon, a.lat) for a in base.actors]
    sup = _by_id(s.supplies)
    assert sup["s_grain"].quantity == 120.5
    assert sup["s_scrap"].quantity == pytest.approx(18.0, rel=1e-12)
    assert sup["s_wood"].profile == [0.25] * 4
    result = runner.invoke(app, ["validate", str(GOOD / "swedish_excel")])
    assert result.exit_code == 0 and "120.5" in result.stdout


def _assert_same_positions(s: Scenario, base: Scenario, tol_deg: float) -> None:
    got = {a.id: (a.lon, a.lat) for a in s.actors}
    for a in base.actors:
        assert got[a.id][0] == pytest.approx(a.lon, abs=tol_deg)
        assert got[a.id][1] == pytest.approx(a.lat, abs=tol_deg)


def test_actors_from_geojson() -> None:
    s = load_scenario(GOOD / "actors_geojson")
    base = load_scenario(BASE)
    assert [a.id for a in s.actors] == [a.id for a in base.actors]
    _assert_same_positions(s, base, 1e-9)
    assert _by_id(s.actors)["farm"].operations == ["R3", "R10"]
    _assert_base_quantities(s)


def test_actors_from_geopackage_in_sweref99(tmp_path: Path) -> None:
    """A GeoPackage layer in EPSG:3006 is reprojected to lon/lat."""
    import geopandas as gpd
    import pandas as pd

    folder = tmp_path / "gpkg"
    shutil.copytree(BASE, folder)
    table = pd.read_csv(folder / "actors.csv", dtype=str, keep_default_na=False)
    gdf = gpd.GeoDataFrame(
        table.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(table["lon"].astype(float), table["lat"].astype(float)),
        crs="EPSG:4326",
    ).to_crs("EPSG:3006")
    gdf.to_file(folder / "actors.gpkg", layer="actors", driver="GPKG")
    (folder / "actors.csv").unlink()
    yaml_path = folder / "scenario.yaml"
    yaml_path.write_text(yaml_path.read_text("utf-8") + "actors_file: actors.gpkg\n", "utf-8")
    s = load_scenario(folder)
    _assert_same_positions(s, load_scenario(BASE), 1e-7)
    assert _by_id(s.actors)["chp"].name == "Sveg heat plant"
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert "4 actors" in result.stdout


def test_actors_in_sweref99_xy_columns() -> None:
    s = load_scenario(GOOD / "actors_xy_sweref99")
    # x/y were rounded to the millimetre: 1 mm is about 1e-8 degrees
    _assert_same_positions(s, load_scenario(BASE), 1e-7)
    _assert_base_quantities(s)


def test_units_with_per_year_suffixes() -> None:
    s = load_scenario(GOOD / "units_per_year")
    sup, dem = _by_id(s.supplies), _by_id(s.demands)
    assert sup["s_heat"].quantity == pytest.approx(17_520.0, rel=1e-12)  # 2 MW x 8760 h
    assert sup["s_grain"].quantity == 120.0  # t/yr
    assert sup["s_scrap"].quantity == pytest.approx(18.0, rel=1e-12)  # 0.018 kt
    assert sup["s_fridges"].quantity == 40.0 and sup["s_fridges"].unit == "pieces"  # 40 st
    assert sup["s_fridges"].fate_cost == 209.0
    assert dem["d_heat"].quantity == pytest.approx(500.0, rel=1e-12)  # 500,000 kWh/år
    assert dem["d_feed"].quantity == pytest.approx(50.0, rel=1e-12)  # 50,000 kg/year
    assert s.source_of("supplies.csv:s_fridges.fate_cost") == "report 002 §3.3"


def test_energy_balance_skips_recipes_whose_input_energy_is_unknown(tmp_path: Path) -> None:
    """Food waste in tonnes has no stated energy content, so a biogas recipe fed with it is
    not judged; water (m3) counts as no energy, so heat + water in, more heat out is refused."""
    base = Path(__file__).parent / "bad_scenarios" / "_base"
    folder = tmp_path / "s"
    shutil.copytree(base, folder)
    yaml_path = folder / "scenario.yaml"
    text = yaml_path.read_text("utf-8")
    biogas = text.replace(
        "outputs: [{resource: insect_protein, per_unit: 0.2, sale_price: 20000}]",
        "outputs: [{resource: biogas, per_unit: 3.0, sale_price: 500}]",
    )
    yaml_path.write_text(biogas, "utf-8")
    load_scenario(folder)  # no error: spent grain's energy is unknown
    watered = text.replace(
        "inputs: [{resource: heat, per_unit: 1.0, min_temperature_c: 40}]",
        "inputs: [{resource: heat, per_unit: 1.0, min_temperature_c: 40}, {resource: water, per_unit: 2.0}]",
    ).replace(
        "outputs: [{resource: vegetables, per_unit: 0.01, sale_price: 5000}]",
        "outputs: [{resource: heat, per_unit: 1.2, sale_price: 10}]",
    )
    yaml_path.write_text(watered, "utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(folder)
    assert [str(p) for p in caught.value.problems] == [
        "scenario.yaml:facilities.greenhouse.outputs: the outputs hold 1.2 MWh per unit of throughput but the "
        "inputs only 1 MWh; a recipe cannot make energy: lower the outputs' per_unit or add the energy input"
    ]
