"""Every shipped scenario loads, validates through the CLI, and sources every number."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from symnet.cli import app
from symnet.scenario import load_scenario

from .conftest import SCENARIO_FOLDERS, VALIDATION_FOLDERS, read_expected

EXPECTED_SCENARIOS = {"harjedalen", "jamtland", "paper-province", "frovi", "handelo", "sotenas"}
# CSV columns whose digits are codes, not quantities
CODE_COLUMNS = {"ewc"}
SOURCE_ONLY_KEYS = {"source"}


def test_every_expected_scenario_is_shipped() -> None:
    assert EXPECTED_SCENARIOS <= {f.name for f in SCENARIO_FOLDERS}


def test_at_least_three_validation_cases() -> None:
    assert len(VALIDATION_FOLDERS) >= 3


@pytest.mark.parametrize("folder", SCENARIO_FOLDERS, ids=lambda p: p.name)
def test_loads_without_problems(folder: Path) -> None:
    scenario = load_scenario(folder)
    assert scenario.actors and (scenario.supplies or scenario.demands)
    assert scenario.config.economics.currency == "SEK"
    # each scenario has its README
    assert (folder / "README.md").is_file()


@pytest.mark.parametrize("folder", SCENARIO_FOLDERS, ids=lambda p: p.name)
def test_cli_validate_exit_0(folder: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


# --------------------------------------------------------------------------------------
# every number has a source
# --------------------------------------------------------------------------------------
def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _yaml_numbers(node: Any, path: str = "") -> Iterator[str]:
    """Paths (as recorded by symnet.scenario) of every number in a raw YAML tree; a
    ``{value: ..., source: ...}`` mapping counts as one number at its own path."""
    if isinstance(node, dict):
        if "value" in node and set(node) <= {"value", "source", "unit", "note"}:
            yield path
            return
        for key, child in node.items():
            yield from _yaml_numbers(child, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _yaml_numbers(child, f"{path}[{i}]")
    elif _is_number(node):
        yield path


def _catalogue_entry_sourced(raw: dict, path: str) -> bool:
    """Numbers inside a scenario's ``resources``/``fates``/``substitutions`` entries are
    covered by that entry's own ``source`` key (the catalogue convention)."""
    head = path.split(".")[0].split("[")[0]
    if head not in ("resources", "fates", "substitutions"):
        return False
    section = raw[head]
    if head == "substitutions":
        index = int(path.split("[")[1].split("]")[0])
        return bool(section[index].get("source"))
    entry = section[path.split(".")[1]]
    return bool(entry.get("source"))


def unsourced_yaml_numbers(folder: Path) -> list[str]:
    """Numbers in scenario.yaml with no source recorded by the loader."""
    raw = yaml.safe_load((folder / "scenario.yaml").read_text("utf-8"))
    sources = load_scenario(folder).sources
    return [p for p in _yaml_numbers(raw) if not sources.get(p) and not _catalogue_entry_sourced(raw, p)]


def unsourced_csv_cells(folder: Path) -> list[str]:
    """Non-empty numeric CSV cells without a ``source`` or ``<column>_source``."""
    bad: list[str] = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                for column, cell in row.items():
                    if column is None or column.endswith("_source") or column in CODE_COLUMNS | SOURCE_ONLY_KEYS:
                        continue
                    try:
                        value = float((cell or "").strip())
                    except ValueError:
                        continue
                    if not math.isfinite(value):
                        continue
                    if not (row.get(f"{column}_source") or row.get("source") or "").strip():
                        bad.append(f"{path.name}:{line}:{column}={cell}")
    return bad


@pytest.mark.parametrize("folder", SCENARIO_FOLDERS, ids=lambda p: p.name)
def test_every_yaml_number_has_a_source(folder: Path) -> None:
    assert unsourced_yaml_numbers(folder) == []


@pytest.mark.parametrize("folder", SCENARIO_FOLDERS, ids=lambda p: p.name)
def test_every_numeric_csv_cell_has_a_source(folder: Path) -> None:
    assert unsourced_csv_cells(folder) == []


def test_source_checks_catch_unsourced_numbers(tmp_path: Path) -> None:
    """The two checks above must be able to fail: strip sources from a copy of Frövi."""
    import shutil

    folder = tmp_path / "frovi"
    shutil.copytree(Path(SCENARIO_FOLDERS[0]).parent / "frovi", folder)
    text = (folder / "scenario.yaml").read_text("utf-8")
    text = text.replace(
        'landfill_tax: {value: 645, source: "assumption: Swedish waste tax about 2024"}', "landfill_tax: 645"
    )
    (folder / "scenario.yaml").write_text(text, "utf-8")
    rows = (folder / "sites.csv").read_text("utf-8").splitlines()
    rows[1] = rows[1].rsplit(",", 1)[0] + ","  # drop the row's source
    (folder / "sites.csv").write_text("\n".join(rows) + "\n", "utf-8")
    assert unsourced_yaml_numbers(folder) == ["economics.landfill_tax"]
    assert unsourced_csv_cells(folder) == ["sites.csv:2:lon=15.3760", "sites.csv:2:lat=59.4660"]


# --------------------------------------------------------------------------------------
# figures from the studies
# --------------------------------------------------------------------------------------
def test_harjedalen_kitchens_need_95_4_tonnes() -> None:
    """Report 002 §3.7: 18 000 + 17 500 + 16 000 + 1 900 + 35 000 + 7 000 kg = 95.4 t/yr,
    entered in kg and converted to tonnes by the loader."""
    scenario = load_scenario(SCENARIO_FOLDERS[0].parent / "harjedalen")
    kitchens = [d for d in scenario.demands if d.actor == "kommun_kitchens"]
    assert len(kitchens) == 6
    assert {d.unit for d in kitchens} == {"t"}
    assert {d.entered_unit for d in kitchens} == {"kg"}
    assert sum(d.quantity for d in kitchens) == pytest.approx(95.4)


def test_harjedalen_uses_the_report_000_circuity_and_no_extract() -> None:
    scenario = load_scenario(SCENARIO_FOLDERS[0].parent / "harjedalen")
    assert scenario.config.network.osm is None
    assert scenario.config.network.circuity == pytest.approx(500 / 366, abs=0.005)
    assert "report 000" in scenario.source_of("network.circuity")


def test_jamtland_server_hall_heat_is_17_gwh() -> None:
    """Report 000 §7.2: 2 MW continuously, 97 % becomes heat: 1.94 MW x 8760 h."""
    scenario = load_scenario(SCENARIO_FOLDERS[0].parent / "jamtland")
    heat = next(s for s in scenario.supplies if s.id == "server_heat")
    assert heat.quantity == pytest.approx(2 * 0.97 * 8760)


def test_jamtland_has_the_norwegian_receiver() -> None:
    scenario = load_scenario(SCENARIO_FOLDERS[0].parent / "jamtland")
    assert scenario.actor("ecopro_verdal").country == "NO"


# --------------------------------------------------------------------------------------
# expected.yaml
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("folder", VALIDATION_FOLDERS, ids=lambda p: p.name)
def test_expected_yaml_is_well_formed(folder: Path) -> None:
    from symnet.network import facility_senders

    expected = read_expected(folder)
    scenario = load_scenario(folder)
    senders = {s.id for s in scenario.supplies} | {sid for sid, *_ in facility_senders(scenario)}
    targets = {d.id for d in scenario.demands} | {o.option_id for o in scenario.sites}
    assert set(expected) <= {
        "case",
        "kind",
        "source",
        "exchanges",
        "opened_sites",
        "kpis",
        "kpi_note",
        "existing_exchanges_todo",
    }
    assert expected["case"] and "report 003" in expected["source"]
    assert expected["exchanges"], "a validation case needs published exchanges"
    for ex in expected["exchanges"]:
        assert set(ex) <= {"supply", "target", "resource", "source", "min_quantity"}
        assert ex["supply"] in senders, ex
        assert ex["target"] in targets, ex
        assert scenario.catalogue.is_known(ex["resource"]), ex
        assert "report 003" in ex["source"]
        if "min_quantity" in ex:
            assert ex["min_quantity"]["value"] > 0 and ex["min_quantity"]["source"]
    for option in expected.get("opened_sites", []):
        assert option in targets
    for name, kpi in (expected.get("kpis") or {}).items():
        assert (
            {"value", "tolerance", "source", "independent"}
            <= set(kpi)
            <= {
                "value",
                "tolerance",
                "source",
                "independent",
                "tolerance_source",
                "reported_difference",
                "within_tolerance",
                "kpi",
                "subtract",
            }
        ), name
        assert kpi["value"] > 0 and 0 < kpi["tolerance"] < 1 and "report" in kpi["source"]
    if not expected.get("kpis"):
        assert expected.get("kpi_note"), "explain why no published KPI is checked"
