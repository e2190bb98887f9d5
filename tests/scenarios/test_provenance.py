"""Strict provenance: every number a shipped scenario calls sourced is stated in its study.

The quote of each sourced number («...» in its source text) must appear in the seed text
of the report it names (after NFC and whitespace normalisation) and state the number; a
planted wrong quote, a wrong number or a missing quote must each be caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from symnet.provenance import (
    cell_key,
    check_scenario,
    check_source,
    classify_source,
    default_seed_dir,
    provenance_counts,
    quote_numbers,
    split_cell_key,
)
from symnet.scenario import is_assumption, load_scenario

from .conftest import SCENARIO_FOLDERS

SEEDS = default_seed_dir()
pytestmark = pytest.mark.skipif(not SEEDS.exists(), reason=f"seed texts not found at {SEEDS}")


@pytest.mark.parametrize("folder", SCENARIO_FOLDERS, ids=lambda p: p.name)
def test_every_sourced_number_is_quoted_from_its_study(folder: Path) -> None:
    scenario = load_scenario(folder)
    misses = check_scenario(scenario, SEEDS)
    assert not misses, "\n".join(str(m) for m in misses)


@pytest.mark.parametrize("folder", SCENARIO_FOLDERS, ids=lambda p: p.name)
def test_counts_add_up_and_match_the_readme(folder: Path) -> None:
    counts = provenance_counts(load_scenario(folder))
    assert counts["sourced"] + counts["assumed"] == counts["total"] > 0
    readme = (folder / "README.md").read_text("utf-8")
    assert f"{counts['sourced']} sourced" in readme and f"{counts['assumed']} assumed" in readme, (
        f"{folder.name}/README.md must state '{counts['sourced']} sourced' and '{counts['assumed']} assumed'"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("report 002 §3.7 «Potatis cirka 35 000 kg»", "sourced"),
        ("report 003 A5 «8 000 ton tomater»", "sourced"),
        ("report 000 Bilaga 1 «ca 50 mil»", "sourced"),
        ("report 002 (no section)", "assumed"),
        ("§3.7 without a study", "assumed"),
        ("report 002 §3.6; quantity: assumption", "assumed"),
        ("report 000 Bilaga 1 and digest §2.7", "assumed"),
        ("report 002 §3.2 (not in source)", "assumed"),
        ("report 003 A5 (derived from 7 100 t)", "assumed"),
        ("report 003 A5 (inferred)", "assumed"),
        ("report 002 §3.6; position: town centroid", "assumed"),
        ("report 002 §3.3, as metal_steelex", "assumed"),
        ("", "assumed"),
    ],
)
def test_classify_source(text: str, expected: str) -> None:
    assert classify_source(text) == expected
    # the scenario's is_assumption flags the texts that mark an assumption; a study cited
    # without a section is not sourced, but not marked assumed either
    if expected == "sourced" or "assum" in text or "digest" in text:
        assert is_assumption(text) == (expected == "assumed")


def test_quote_numbers_read_swedish_notation() -> None:
    assert quote_numbers("cirka 18 000 kg") == [18000.0]
    assert quote_numbers("ca 1,1 miljoner m3") == [1.1e6]
    assert quote_numbers("(50-90°C)") == [50.0, 90.0]
    assert quote_numbers("med endast 4,3 gram") == [4.3]


def test_a_true_quote_passes_and_arithmetic_is_checked() -> None:
    good = "report 002 §3.7 «Grönsaker, färska cirka 18 000 kg»"
    assert check_source(good, 18000, SEEDS) == []
    assert check_source(good, 18, SEEDS) == []  # the same figure in tonnes
    calc = (
        "report 002 §3.7 «Grönsaker, färska cirka 18 000 kg» «Grönsaker, frysta cirka 17 500 kg» calc: 18000 + 17500;"
    )
    assert check_source(calc, 35500, SEEDS) == []
    assert check_source(calc, 36000, SEEDS) != []
    assert check_source(calc.replace("17500", "17600"), 35600, SEEDS) != []  # operand not quoted


@pytest.mark.parametrize(
    ("text", "value", "fragment"),
    [
        ("report 002 §3.7 «Grönsaker, färska cirka 19 000 kg»", 19000, "is not in report 002"),
        ("report 002 §3.7 «Grönsaker, färska cirka 18 000 kg»", 17000, "is not a number of the quote"),
        ("report 003 A5 «Grönsaker, färska cirka 18 000 kg»", 18000, "is not in report 003"),
        ("report 002 §3.7 (18 000 kg of fresh vegetables)", 18000, "without a quote"),
    ],
)
def test_a_wrong_quote_fails(text: str, value: float, fragment: str) -> None:
    problems = check_source(text, value, SEEDS)
    assert problems and fragment in problems[0], problems


def test_a_planted_wrong_quote_fails_the_scenario_check(tmp_path: Path) -> None:
    src = next(f for f in SCENARIO_FOLDERS if f.name == "harjedalen")
    folder = tmp_path / "harjedalen"
    shutil.copytree(src, folder)
    demands = folder / "demands.csv"
    text = demands.read_text("utf-8")
    assert "«Potatis cirka 35 000 kg»" in text
    demands.write_text(text.replace("«Potatis cirka 35 000 kg»", "«Potatis cirka 53 000 kg»"), "utf-8")
    misses = check_scenario(load_scenario(folder), SEEDS)
    assert [m.key for m in misses] == ["demands.csv:kitchens_potatoes.quantity"]
    assert misses[0].where.startswith("harjedalen/demands.csv:") and "not in report 002" in misses[0].message


@pytest.mark.parametrize(
    ("key", "parts"),
    [
        ("supplies.csv:S1.quantity", ("supplies.csv", "S1", "quantity")),
        ("supplies.csv:S1.b.quantity", ("supplies.csv", "S1.b", "quantity")),  # an id with a dot
        ("sites.csv:site0:conv_ash.capacity", ("sites.csv", "site0:conv_ash", "capacity")),
        ("economics.landfill_tax", None),
        ("catalogue:fates.landfill.cost", None),
        ("supplies.csv:S1", None),
    ],
)
def test_cell_keys_split_into_file_row_and_column(key: str, parts: tuple[str, str, str] | None) -> None:
    assert split_cell_key(key) == parts
    if parts is not None:
        assert cell_key(*parts) == key
