"""The resource catalogue (units, conversions, substitutions, classes), the European List
of Waste, the WFD operations, and ``with_parameters``."""

from __future__ import annotations

from pathlib import Path

import pytest

from symnet.errors import InputError
from symnet.resources import (
    HOURS_PER_YEAR,
    known_units,
    load_catalogue,
    normalise_unit,
    normalise_waste_code,
    operations,
    waste_codes,
)
from symnet.scenario import load_scenario, with_parameters

CAT = load_catalogue()
TINY = Path(__file__).parent / "fixtures" / "tiny"


# ---------------------------------------------------------------------------------------
# units and conversions
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "unit", "resource", "expected"),
    [
        (18_000, "kg", "metal_scrap", 18.0),  # kg -> t
        (2, "kt", "metal_scrap", 2000.0),
        (2000, "kW", "heat", 17_520.0),  # continuous all year: 2 MW x 8760 h
        (1, "MW", "heat", 8760.0),
        (1800, "GJ", "heat", 500.0),  # 3.6 GJ per MWh
        (500_000, "kWh", "heat", 500.0),
        (3600, "MJ", "heat", 1.0),
        (1, "GWh", "heat", 1000.0),
        (100, "m3", "wood_residues", 35.0),  # bulk density 0.35 t/m3
        (23, "MWh", "wood_residues", 10.0),  # 2.3 MWh/t energy content
        (10, "t", "wood_residues", 10.0),
        (60, "kg", "fridges", 1.0),  # 60 kg per fridge
        (5, "t", "water", 5.0),  # water: 1 t per m3
        (2500, "l", "water", 2.5),
        (40, "st", "pallets", 40.0),
        (12, "MWh/år", "heat", 12.0),
        (12, "t/yr", "ash", 12.0),
        (12, "m³", "water", 12.0),
    ],
)
def test_convert_to_canonical_units(value: float, unit: str, resource: str, expected: float) -> None:
    assert CAT.convert(value, unit, resource) == pytest.approx(expected, rel=1e-12)


def test_unit_table() -> None:
    assert HOURS_PER_YEAR == 8760.0
    assert {"t", "kg", "mwh", "gj", "kw", "m3", "pieces", "st"} <= set(known_units())
    assert normalise_unit(" MWh / yr".replace(" ", "")) == "mwh"
    assert normalise_unit("kWh per year") == "kwh"
    assert normalise_unit("m³") == "m3"


def test_unknown_unit_names_it_and_suggests() -> None:
    with pytest.raises(ValueError, match=r"unknown unit 'tones' \(did you mean 'tonnes'\?\); expected one of g, gj"):
        CAT.convert(1, "tones", "ash")


@pytest.mark.parametrize(
    ("unit", "resource", "message"),
    [
        (
            "MWh",
            "metal_scrap",
            "cannot convert MWh to t for 'metal_scrap': the catalogue gives no density/energy "
            "content/mass per unit for it; give the quantity in t",
        ),
        ("t", "heat", "cannot convert t to MWh for 'heat'"),
        ("m3", "metal_scrap", "cannot convert m3 to t for 'metal_scrap'"),
        ("t", "energy", "cannot convert t to MWh for class 'energy': a class has no density or energy content"),
    ],
)
def test_incompatible_units(unit: str, resource: str, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        CAT.convert(1, unit, resource)
    assert message in str(exc.value)


# ---------------------------------------------------------------------------------------
# classes and substitution
# ---------------------------------------------------------------------------------------
def test_class_membership() -> None:
    assert {"spent_grain", "food_waste"} <= set(CAT.members("insect_feedstock"))
    assert "metal_scrap" not in CAT.members("insect_feedstock")
    assert CAT.members("heat") == ["heat"]
    assert {"energy", "biomass", "food", "plastic", "water"} <= CAT.classes
    assert CAT.is_known("spent_grain") and CAT.is_known("organic") and not CAT.is_known("spent_grian")
    assert CAT.demand_unit("energy") == "MWh"
    assert CAT.demand_unit("insect_feedstock") == "t"
    assert CAT.demand_unit("wood") is None  # wood_residues (t) and pallets (pieces) mix units


@pytest.mark.parametrize(
    ("supply", "demand", "factor"),
    [
        ("wood_residues", "heat", 2.0),  # explicit rule: 2.3 MWh/t at ~87 % boiler efficiency
        ("pallets", "wood_residues", 0.025),
        ("ash", "sand", 0.8),
        ("mixed_plastics", "plastics", 0.7),
        ("heat", "heat", 1.0),  # same resource
        ("spent_grain", "insect_feedstock", 1.0),  # class membership
        ("heat", "energy", 1.0),
        ("metal_scrap", "heat", None),  # no rule, no class
        ("sand", "ash", None),  # rules are directed
    ],
)
def test_substitution_factor(supply: str, demand: str, factor: float | None) -> None:
    assert CAT.substitution_factor(supply, demand) == factor


def test_scenario_overrides_and_extends_the_catalogue() -> None:
    cat = load_catalogue(
        {
            "resources": {
                "wood_residues": {"density_t_per_m3": 0.25},
                "biochar": {"name": "Biochar", "unit": "t", "classes": ["mineral"], "default_fate": "sale"},
            },
            "substitutions": [{"supply": "ash", "demand": "sand", "factor": 0.5}],
        }
    )
    assert cat.convert(100, "m3", "wood_residues") == pytest.approx(25.0)
    assert cat.resources["wood_residues"].energy_mwh_per_t == 2.3  # untouched fields kept
    assert "biochar" in cat.members("mineral")
    assert cat.substitution_factor("ash", "sand") == 0.5
    assert sum(1 for r in cat.substitutions if (r.supply, r.demand) == ("ash", "sand")) == 1
    assert CAT.substitution_factor("ash", "sand") == 0.8  # the shipped catalogue is not modified


def test_catalogue_is_consistent() -> None:
    ops = operations()
    for fid, fate in CAT.fates.items():
        assert fate.operation is None or fate.operation in ops, fid
    for rid, res in CAT.resources.items():
        assert res.default_fate in CAT.fates, rid
        assert res.source, f"{rid} has no source"
    for rule in CAT.substitutions:
        assert rule.supply in CAT.resources and CAT.is_known(rule.demand)
    assert CAT.fates["landfill"].is_landfill and CAT.fates["incineration"].is_incineration
    assert CAT.fates["energy_recovery"].operation == "R1" and CAT.fates["landfill"].operation == "D1"


# ---------------------------------------------------------------------------------------
# European List of Waste and WFD operations
# ---------------------------------------------------------------------------------------
def test_list_of_waste() -> None:
    codes = waste_codes()
    assert len(codes) == 842
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    soil_hazardous, soil = codes["170503"], codes["170504"]
    assert soil_hazardous.hazardous and soil_hazardous.mirror  # mirror hazardous entry
    assert not soil.hazardous and soil.mirror  # its non-hazardous mirror
    grain = codes["020799"]
    assert not grain.hazardous and not grain.mirror and grain.chapter_code == "02"
    assert sum(c.hazardous for c in codes.values()) > 300


@pytest.mark.parametrize(("raw", "code"), [("17 05 03*", "170503"), ("02.03.04", "020304"), ("020799", "020799")])
def test_normalise_waste_code(raw: str, code: str) -> None:
    assert normalise_waste_code(raw) == code


def test_operations() -> None:
    ops = operations()
    assert sorted(ops, key=lambda c: (c[0] != "R", int(c[1:]))) == [f"R{i}" for i in range(1, 14)] + [
        f"D{i}" for i in range(1, 16)
    ]
    assert ops["R1"].kind == "recovery" and "fuel" in ops["R1"].description
    assert ops["D1"].kind == "disposal"


# ---------------------------------------------------------------------------------------
# with_parameters
# ---------------------------------------------------------------------------------------
def test_with_parameters_alias_and_dotted_path() -> None:
    s = load_scenario(TINY)
    t = with_parameters(s, {"landfill_tax": 1200, "economics.road.cost_per_km": 18.5, "circuity": 1.2})
    assert t.config.economics.landfill_tax == 1200
    assert t.config.economics.road.cost_per_km == 18.5
    assert t.config.network.circuity == 1.2
    assert t.source_of("economics.landfill_tax") == "parameter override: landfill_tax=1200"
    # the original is untouched
    assert s.config.economics.landfill_tax == 500 and s.config.economics.road.cost_per_km == 15
    assert "parameter override" not in s.source_of("economics.landfill_tax")
    assert t.supplies == s.supplies and t.actors == s.actors


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"landfil_tax": 1},
            "--param:landfil_tax: unknown parameter 'landfil_tax' (did you mean 'landfill_tax'?); "
            "expected an alias or a dotted path into scenario.yaml such as economics.road.cost_per_km",
        ),
        (
            {"economics.road.payload": 3},
            "--param:economics.road.payload: unknown parameter 'economics.road.payload' "
            "(did you mean 'economics.road.payload_t'?)",
        ),
        ({"economics.road": 3}, "--param:economics.road: unknown parameter 'economics.road'"),
        ({"landfill_tax": -5}, "--param:economics.landfill_tax: -5: input should be greater than or equal to 0"),
        ({"circuity": "x"}, "--param:network.circuity: 'x': input should be a valid number"),
    ],
)
def test_with_parameters_errors(values: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InputError) as exc:
        with_parameters(load_scenario(TINY), values)
    assert message in str(exc.value)
