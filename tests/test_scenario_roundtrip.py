"""Property: generated scenarios survive ``write_scenario`` -> ``load_scenario`` unchanged.

The generator builds scenarios the way a planner would write them (actors inside
Sweden, supplies and demands with catalogue resources in any accepted unit, profiles
over generated periods, candidate sites with facility types, sources on numbers) and
checks every model field by field, floats exactly, and every recorded source.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symnet.resources import load_catalogue, operations, waste_codes
from symnet.scenario import (
    Actor,
    Demand,
    FacilityInput,
    FacilityOutput,
    FacilityType,
    Period,
    Scenario,
    ScenarioConfig,
    SiteOption,
    Supply,
    load_scenario,
    write_scenario,
)
from symnet.scenario.validate import _energy_mwh_per_unit

CATALOGUE = load_catalogue()
OPS = sorted(operations())
EWC = sorted(waste_codes())
FATES = sorted(CATALOGUE.fates)
RESOURCES = sorted(CATALOGUE.resources)
# demandable classes: those whose members share one unit
CLASSES = sorted(c for c in CATALOGUE.classes if CATALOGUE.demand_unit(c) is not None)

# accepted unit spellings per canonical unit (all same-dimension conversions)
UNITS_FOR = {
    "t": ["t", "kg", "kt", "tonnes", "t/yr"],
    "MWh": ["MWh", "kWh", "GJ", "kW", "MW", "GWh"],
    "m3": ["m3", "l"],
    "pieces": ["pieces", "st", "pcs"],
}
TEXT = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzåäöÅÄÖ ABCXYZ0123456789,;:'\"-()#&/", min_size=1, max_size=20
).filter(lambda s: s == s.strip())
SOURCE = st.one_of(TEXT.map(lambda s: "assumption: " + s), TEXT.map(lambda s: "report 002 §" + s))
NONNEG = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
ANY = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
POSITIVE = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)
PRICE = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_infinity=False)  # symnet.scenario.limits
PRICE_NONNEG = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
QUANTITY = st.floats(min_value=0, max_value=1e5, allow_nan=False, allow_infinity=False)  # x8760 (MW) stays < 1e9
LON = st.floats(min_value=11.0, max_value=23.5, allow_nan=False)
LAT = st.floats(min_value=55.5, max_value=68.5, allow_nan=False)


def _shares(draw: st.DrawFn, n: int) -> list[float]:
    """n non-negative shares summing to 1 (within float rounding), not all zero."""
    parts = draw(st.lists(st.integers(0, 100), min_size=n, max_size=n).filter(lambda p: sum(p) > 0))
    total = sum(parts)
    return [p / total for p in parts]


@st.composite
def configs(draw: st.DrawFn) -> ScenarioConfig:
    kind = draw(st.sampled_from(["year", "seasons", "months", "custom"]))
    if kind == "custom":
        n = draw(st.integers(1, 6))
        periods: Any = [Period(id=f"p{i}", weight=w) for i, w in enumerate(_shares(draw, n)) if w > 0] or [
            Period(id="year", weight=1.0)
        ]
        weights = [p.weight for p in periods]
        if abs(sum(weights) - 1.0) > 1e-9:  # dropped zero-weight periods keep the sum; guard anyway
            periods = [Period(id="year", weight=1.0)]
    else:
        periods = kind
    config = ScenarioConfig(name=draw(TEXT), region=draw(st.one_of(st.just(""), TEXT)), periods=periods)
    n_periods = len(config.periods)
    config.profiles = {f"prof{i}": _shares(draw, n_periods) for i in range(draw(st.integers(0, 2)))}
    config.economics.landfill_tax = draw(PRICE_NONNEG)
    config.economics.co2_price = draw(PRICE_NONNEG)
    config.economics.road.payload_t = draw(POSITIVE)
    config.network.circuity = draw(st.floats(1.0, 3.0))
    facilities = {}
    for i in range(draw(st.integers(0, 2))):
        cap = draw(st.one_of(st.just(float("inf")), POSITIVE))
        made_of = FacilityInput(resource=draw(st.sampled_from(RESOURCES)), per_unit=draw(POSITIVE))
        made = FacilityOutput(
            resource=draw(st.sampled_from(RESOURCES)), per_unit=draw(POSITIVE), sale_price=draw(PRICE)
        )
        energy_in = _energy_mwh_per_unit(CATALOGUE, made_of.resource)
        energy_out = _energy_mwh_per_unit(CATALOGUE, made.resource) or 0.0
        if energy_in is not None and energy_out * made.per_unit > energy_in * made_of.per_unit:
            # a valid scenario makes no energy (validate._check_energy_balance): the input back, less of it
            made = FacilityOutput(resource=made_of.resource, per_unit=made_of.per_unit / 2, sale_price=made.sale_price)
        facilities[f"fac{i}"] = FacilityType(
            name=draw(TEXT),
            fixed_cost=draw(NONNEG),
            capacity=cap,
            min_throughput=draw(st.floats(0, cap if cap < 1e9 else 1e9)),
            inputs=[made_of],
            outputs=[made],
            operations=draw(st.lists(st.sampled_from(OPS), max_size=2, unique=True)),
        )
    config.facilities = facilities
    return config


def _quantity(draw: st.DrawFn, resource: str) -> tuple[float, str, float, str]:
    """(canonical quantity, canonical unit, entered quantity, entered unit as stored)."""
    unit = CATALOGUE.demand_unit(resource)
    assert unit is not None
    entered_unit = draw(st.sampled_from(UNITS_FOR[unit]))
    entered = draw(QUANTITY)
    stored_unit = entered_unit.lower().removesuffix("/yr")
    return CATALOGUE.convert(entered, entered_unit, resource), unit, entered, stored_unit


def _maybe_source(draw: st.DrawFn, sources: dict[str, str], key: str) -> None:
    if draw(st.booleans()):
        sources[key] = draw(SOURCE)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    config = draw(configs())
    n_periods = len(config.periods)
    sources: dict[str, str] = {}
    for key in ("economics.landfill_tax", "economics.road.payload_t", "network.circuity"):
        _maybe_source(draw, sources, key)
    for fid in config.facilities:
        _maybe_source(draw, sources, f"facilities.{fid}.fixed_cost")

    actors = []
    for i in range(draw(st.integers(1, 5))):
        actors.append(
            Actor(
                id=f"a{i}",
                name=draw(TEXT),
                sector=draw(st.sampled_from(["", "energy", "food"])),
                municipality=draw(st.sampled_from(["", "Härjedalen", "Åre"])),
                country=draw(st.sampled_from(["SE", "NO"])),
                lon=draw(LON),
                lat=draw(LAT),
                operations=draw(st.lists(st.sampled_from(OPS), max_size=3, unique=True)),
                confidential=draw(st.booleans()),
            )
        )
        if draw(st.booleans()):
            src = draw(SOURCE)
            sources[f"actors.csv:a{i}.lon"] = src
            sources[f"actors.csv:a{i}.lat"] = src
    actor_ids = [a.id for a in actors]

    supplies = []
    for i in range(draw(st.integers(0, 5))):
        res = draw(st.sampled_from(RESOURCES))
        q, unit, eq, eu = _quantity(draw, res)
        temp = draw(st.one_of(st.none(), st.floats(0, 400)))
        supplies.append(
            Supply(
                id=f"s{i}",
                actor=draw(st.sampled_from(actor_ids)),
                resource=res,
                quantity=q,
                unit=unit,
                profile=_shares(draw, n_periods),
                temperature_c=temp,
                ewc=draw(st.one_of(st.none(), st.sampled_from(EWC))),
                hazard_assessment=draw(st.sampled_from([None, "hazardous", "non_hazardous"])),
                current_fate=draw(st.sampled_from(FATES)),
                fate_cost=draw(PRICE),
                confidential=draw(st.booleans()),
                entered_quantity=eq,
                entered_unit=eu,
            )
        )
        _maybe_source(draw, sources, f"supplies.csv:s{i}.quantity")
        _maybe_source(draw, sources, f"supplies.csv:s{i}.fate_cost")
        if temp is not None:
            _maybe_source(draw, sources, f"supplies.csv:s{i}.temperature_c")

    demands = []
    for i in range(draw(st.integers(0, 5))):
        res = draw(st.sampled_from(RESOURCES + CLASSES))
        q, unit, eq, eu = _quantity(draw, res)
        max_km = draw(st.one_of(st.none(), POSITIVE))
        demands.append(
            Demand(
                id=f"d{i}",
                actor=draw(st.sampled_from(actor_ids)),
                resource=res,
                quantity=q,
                unit=unit,
                profile=_shares(draw, n_periods),
                min_temperature_c=draw(st.one_of(st.none(), st.floats(0, 200))),
                price=draw(PRICE),
                gate_fee=draw(PRICE),
                co2e_kg_per_unit=draw(st.one_of(st.none(), PRICE_NONNEG)),
                operations=draw(st.lists(st.sampled_from(OPS), max_size=2, unique=True)),
                max_km=max_km,
                confidential=draw(st.booleans()),
                entered_quantity=eq,
                entered_unit=eu,
            )
        )
        _maybe_source(draw, sources, f"demands.csv:d{i}.price")
        if max_km is not None:
            _maybe_source(draw, sources, f"demands.csv:d{i}.max_km")

    sites = []
    if config.facilities:
        for j in range(draw(st.integers(0, 3))):
            lon, lat, name = draw(LON), draw(LAT), draw(TEXT)
            offered = draw(st.lists(st.sampled_from(sorted(config.facilities)), min_size=1, unique=True))
            for fac in offered:
                fixed = draw(st.one_of(st.none(), NONNEG))
                sites.append(
                    SiteOption(
                        site=f"site{j}",
                        name=name,
                        municipality="",
                        lon=lon,
                        lat=lat,
                        facility=fac,
                        fixed_cost=fixed,
                        capacity=draw(st.one_of(st.none(), QUANTITY.filter(lambda q: q > 0))),
                    )
                )
                if fixed is not None:
                    _maybe_source(draw, sources, f"sites.csv:site{j}:{fac}.fixed_cost")

    return Scenario(None, config, CATALOGUE, actors, supplies, demands, sites, sources, [])


def _assert_same(loaded: Scenario, original: Scenario) -> None:
    assert loaded.config == original.config
    assert loaded.catalogue == original.catalogue
    for table in ("actors", "supplies", "demands", "sites"):
        got, want = getattr(loaded, table), getattr(original, table)
        assert len(got) == len(want), table
        for g, w in zip(got, want):
            for name in type(w).model_fields:
                assert getattr(g, name) == getattr(w, name), f"{table} {w}: field {name}"
    assert loaded.sources == original.sources


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_write_then_load_is_lossless(scenario: Scenario) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_scenario(scenario, Path(tmp) / "scenario")
        loaded = load_scenario(folder)
        _assert_same(loaded, scenario)
        # and writing the loaded scenario again gives the same files
        again = write_scenario(loaded, Path(tmp) / "again")
        for f in sorted(p.name for p in folder.iterdir()):
            assert (again / f).read_bytes() == (folder / f).read_bytes(), f


def test_fixture_round_trip() -> None:
    """The shared tiny fixture and the corpus base round-trip too (named profiles, kW, sources)."""
    here = Path(__file__).parent
    for src in (here / "fixtures" / "tiny", here / "bad_scenarios" / "_base"):
        original = load_scenario(src)
        with tempfile.TemporaryDirectory() as tmp:
            loaded = load_scenario(write_scenario(original, tmp))
        _assert_same(loaded, original)
