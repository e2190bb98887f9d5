"""The scenario tables (actors, supplies, demands, sites) -> typed rows, one row at a time.

Each loader reads its table (:mod:`symnet.scenario.read`), applies the row rules
(:mod:`symnet.scenario.validate`) and keeps the rows that pass; quantities come out in
canonical units per year.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Literal

from symnet.resources import Catalogue, normalise_waste_code, waste_codes
from symnet.scenario._problems import _did_you_mean, _Problems
from symnet.scenario.exchanges import EXCHANGE_FATE, outlet_quantity
from symnet.scenario.limits import ABSOLUTE_ZERO_C, MAX_FIXED_COST, MAX_PRICE, MAX_QUANTITY
from symnet.scenario.model import (
    DEMAND_OPTIONAL_COLUMNS,
    STREAM_REQUIRED_COLUMNS,
    SUPPLY_OPTIONAL_COLUMNS,
    Actor,
    Demand,
    ScenarioConfig,
    SiteOption,
    Supply,
)
from symnet.scenario.read import _Cell, _load_optional_table, _read_csv, _read_vector_actors, _record_row_sources
from symnet.scenario.validate import (
    _actor_ref,
    _check_columns,
    _check_ops,
    _ewc_neighbours,
    _position,
    _quantity,
    _resolve_profile,
    _resource,
    _unique_id,
)


def _load_actors(
    folder: Path, config: ScenarioConfig, probs: _Problems, sources: dict[str, str], declared_ids: set[str]
) -> list[Actor] | None:
    path = folder / config.actors_file
    name = config.actors_file
    if not path.is_file():
        probs.error(name, None, None, "file not found; every scenario needs its actors")
        return None
    if path.suffix.lower() in (".gpkg", ".geojson", ".json", ".fgb", ".shp"):
        table = _read_vector_actors(path, name, config, probs)
    else:
        table = _read_csv(path, probs, name)
    if table is None:
        return None
    if not _check_columns(
        table,
        ["id", "name"],
        ["sector", "municipality", "country", "lon", "lat", "x", "y", "operations", "confidential"],
        probs,
    ):
        return None
    if not table.rows:
        probs.error(name, None, None, "no actors; expected at least one row under the header")
        return None
    actors: list[Actor] = []
    seen: dict[str, int] = {}
    for line, row in table.rows:
        cell = _Cell(table, line, row, probs)
        aid = _unique_id(cell, seen)
        declared_ids.add(aid)
        pos = _position(cell, config)
        ops = _check_ops(cell, "operations")
        conf = cell.boolean("confidential")
        if cell.ok and pos is not None:
            actors.append(
                Actor(
                    id=aid,
                    name=cell.text("name") or aid,
                    sector=cell.text("sector"),
                    municipality=cell.text("municipality"),
                    country=cell.text("country") or config.country,
                    lon=pos[0],
                    lat=pos[1],
                    operations=ops,
                    confidential=conf,
                )
            )
            _record_row_sources(table, cell, aid, ["lon", "lat", "x", "y"], sources)
    return actors


_SUPPLY_NUMBERS = ["quantity", "temperature_c", "fate_cost"]
_HAZARD_ASSESSMENTS: dict[str, Literal["hazardous", "non_hazardous"]] = {
    "hazardous": "hazardous",
    "non_hazardous": "non_hazardous",
}


def _load_supplies(
    folder: Path,
    config: ScenarioConfig,
    catalogue: Catalogue,
    actor_ids: set[str] | None,
    probs: _Problems,
    sources: dict[str, str],
) -> list[Supply]:
    """The rows of ``supplies.csv`` that pass their checks (quantities in canonical units per year)."""
    table = _load_optional_table(folder, "supplies.csv", probs, required=True)
    if table is None or not _check_columns(
        table,
        STREAM_REQUIRED_COLUMNS,
        SUPPLY_OPTIONAL_COLUMNS,
        probs,
    ):
        return []
    out: list[Supply] = []
    seen: dict[str, int] = {}
    for line, row in table.rows:
        cell = _Cell(table, line, row, probs)
        supply = _supply_row(cell, config, catalogue, actor_ids, seen)
        if supply is not None:
            out.append(supply)
            _record_row_sources(table, cell, supply.id, _SUPPLY_NUMBERS, sources)
    return out


def _supply_row(
    cell: _Cell, config: ScenarioConfig, catalogue: Catalogue, actor_ids: set[str] | None, seen: dict[str, int]
) -> Supply | None:
    """One ``supplies.csv`` row as a :class:`Supply`, or None when a check failed."""
    sid = _unique_id(cell, seen)
    actor = _actor_ref(cell, actor_ids)
    res = _resource(cell, catalogue, allow_class=False)
    qty = _quantity(cell, catalogue, res)
    profile = _resolve_profile(cell, config)
    temp = cell.number("temperature_c", low=ABSOLUTE_ZERO_C)
    ewc = _waste_code(cell)
    assessment = _hazard_assessment(cell)
    fate = _current_fate(cell, catalogue, res)
    fate_cost = cell.number("fate_cost", low=-MAX_PRICE, high=MAX_PRICE)
    if res == "heat" and temp is None and cell.ok:
        cell.probs.warn(
            cell.table.name,
            cell.line,
            "temperature_c",
            f"heat supply '{sid}' has no temperature; assumed usable by any heat demand",
        )
    if not cell.ok or qty is None or profile is None:
        return None
    canonical, unit, entered_q, entered_u = qty
    return Supply(
        id=sid,
        actor=actor,
        resource=res,
        quantity=canonical,
        unit=unit,
        profile=profile,
        temperature_c=temp,
        ewc=ewc,
        hazard_assessment=assessment,
        current_fate=fate,
        fate_cost=fate_cost if fate_cost is not None else catalogue.fates[fate].cost,
        confidential=cell.boolean("confidential"),
        entered_quantity=entered_q,
        entered_unit=entered_u,
    )


def _waste_code(cell: _Cell) -> str | None:
    """The six-digit European List of Waste code in the ``ewc`` column (None when empty)."""
    ewc_raw = cell.text("ewc")
    if not ewc_raw:
        return None
    ewc = normalise_waste_code(ewc_raw)
    codes = waste_codes()
    if not re.fullmatch(r"\d{6}", ewc):
        cell.fail("ewc", f"'{ewc_raw}' is not a six-digit European List of Waste code (e.g. 02 03 04)")
    elif ewc not in codes:
        cell.fail("ewc", f"'{ewc_raw}' is not in the European List of Waste; {_ewc_neighbours(ewc, codes)}")
    return ewc


def _hazard_assessment(cell: _Cell) -> Literal["hazardous", "non_hazardous"] | None:
    """The ``hazard_assessment`` column ('hazardous' / 'non_hazardous'; None when empty or bad)."""
    raw = cell.text("hazard_assessment")
    key = raw.lower().replace("-", "_").replace(" ", "_")
    if not key:
        return None
    if key not in _HAZARD_ASSESSMENTS:
        cell.fail(
            "hazard_assessment",
            f"'{raw}' is not a hazard assessment; expected 'hazardous' or 'non_hazardous'",
        )
        return None
    return _HAZARD_ASSESSMENTS[key]


def _current_fate(cell: _Cell, catalogue: Catalogue, resource: str) -> str:
    """The ``current_fate`` column, or the resource's default fate ('none' without a resource)."""
    fate = cell.text("current_fate")
    if not fate or fate.startswith(EXCHANGE_FATE):  # an existing exchange: its fallback is the default fate
        fate = catalogue.resources[resource].default_fate if resource else "none"
    if fate and fate not in catalogue.fates:
        cell.fail(
            "current_fate",
            f"unknown fate '{fate}'{_did_you_mean(fate, list(catalogue.fates))}; "
            f"expected one of {', '.join(sorted(catalogue.fates))}",
        )
    return fate


def _load_demands(
    folder: Path,
    config: ScenarioConfig,
    catalogue: Catalogue,
    actor_ids: set[str] | None,
    probs: _Problems,
    sources: dict[str, str],
) -> list[Demand]:
    name = "demands.csv"
    table = _load_optional_table(folder, name, probs, required=True)
    if table is None or not _check_columns(
        table,
        STREAM_REQUIRED_COLUMNS,
        DEMAND_OPTIONAL_COLUMNS,
        probs,
    ):
        return []
    out: list[Demand] = []
    seen: dict[str, int] = {}
    for line, row in table.rows:
        cell = _Cell(table, line, row, probs)
        did = _unique_id(cell, seen)
        actor = _actor_ref(cell, actor_ids)
        res = _resource(cell, catalogue, allow_class=True)
        if res and res not in catalogue.resources and catalogue.demand_unit(res) is None:
            cell.fail(
                "resource",
                f"class '{res}' mixes units ({', '.join(sorted({catalogue.resources[m].unit for m in catalogue.members(res)}))}); "
                "demand a resource id instead",
            )
            res = ""
        qty = outlet_quantity(cell, catalogue, res)
        profile = _resolve_profile(cell, config)
        tmin = cell.number("min_temperature_c", low=ABSOLUTE_ZERO_C)
        price = cell.number("price", low=-MAX_PRICE, high=MAX_PRICE)
        gate_fee = cell.number("gate_fee", low=-MAX_PRICE, high=MAX_PRICE)
        co2 = cell.number("co2e_kg_per_unit", minimum=0, high=MAX_PRICE)
        max_km = cell.number("max_km", strictly_positive=True)
        ops = _check_ops(cell, "operations")
        conf = cell.boolean("confidential")
        payer = _transport_payer(cell)
        if cell.ok and qty is not None and profile is not None:
            canonical, unit, entered_q, entered_u = qty
            out.append(
                Demand(
                    id=did,
                    actor=actor,
                    resource=res,
                    quantity=canonical,
                    unit=unit,
                    profile=profile,
                    min_temperature_c=tmin,
                    price=0.0 if price is None else price,
                    gate_fee=0.0 if gate_fee is None else gate_fee,
                    co2e_kg_per_unit=co2,
                    operations=ops,
                    max_km=max_km,
                    transport_paid_by=payer,
                    confidential=conf,
                    unbounded=math.isinf(canonical),
                    entered_quantity=entered_q,
                    entered_unit=entered_u,
                )
            )
            _record_row_sources(
                table,
                cell,
                did,
                ["quantity", "min_temperature_c", "price", "gate_fee", "co2e_kg_per_unit", "max_km"],
                sources,
            )
    return out


def _transport_payer(cell: _Cell) -> Literal["sender", "receiver", "split"] | None:
    """The demand row's ``transport_paid_by`` (sender, receiver or split), None when empty."""
    raw = cell.text("transport_paid_by").lower()
    if raw in ("sender", "receiver", "split"):
        return raw  # type: ignore[return-value]
    if raw:
        cell.fail("transport_paid_by", f"'{raw}' is not a payer; expected sender, receiver or split")
    return None


_SITE_NUMBERS = ["fixed_cost", "capacity", "lon", "lat"]


def _load_sites(folder: Path, config: ScenarioConfig, probs: _Problems, sources: dict[str, str]) -> list[SiteOption]:
    """The rows of the optional ``sites.csv`` that pass their checks (one row per facility option)."""
    table = _load_optional_table(folder, "sites.csv", probs, required=False)
    if table is None or not _check_columns(
        table, ["id", "facility"], ["name", "municipality", "lon", "lat", "x", "y", "fixed_cost", "capacity"], probs
    ):
        return []
    out: list[SiteOption] = []
    seen_options: dict[tuple[str, str], int] = {}
    first_seen: dict[str, tuple[tuple[float, float], int]] = {}  # site -> (lon/lat, line)
    for line, row in table.rows:
        cell = _Cell(table, line, row, probs)
        sid = cell.text("id", required=True)
        fac = cell.text("facility", required=True)
        if ":" in sid:
            cell.fail(
                "id", f"site id '{sid}' contains ':'; expected an id without ':' (site options are named site:facility)"
            )
        _check_site_facility(cell, sid, fac, config, seen_options)
        pos = _position(cell, config)
        fixed = cell.number("fixed_cost", minimum=0, high=MAX_FIXED_COST)
        cap = cell.number("capacity", strictly_positive=True, high=MAX_QUANTITY)
        if pos is not None and sid in first_seen:
            _check_same_position(cell, sid, pos, *first_seen[sid])
        if cell.ok and pos is not None:
            first_seen.setdefault(sid, (pos, line))
            probs.id_lines.setdefault((table.name, f"{sid}:{fac}"), line)
            out.append(
                SiteOption(
                    site=sid,
                    name=cell.text("name") or sid,
                    municipality=cell.text("municipality"),
                    lon=pos[0],
                    lat=pos[1],
                    facility=fac,
                    fixed_cost=fixed,
                    capacity=cap,
                )
            )
            _record_row_sources(table, cell, f"{sid}:{fac}", _SITE_NUMBERS, sources)
    return out


def _check_site_facility(
    cell: _Cell, sid: str, fac: str, config: ScenarioConfig, seen_options: dict[tuple[str, str], int]
) -> None:
    """The facility type is defined in scenario.yaml and offered once per site."""
    if fac and fac not in config.facilities:
        choices = list(config.facilities)
        expected = f"expected one of {', '.join(choices)}" if choices else "scenario.yaml defines no facilities"
        cell.fail("facility", f"unknown facility type '{fac}'{_did_you_mean(fac, choices)}; {expected}")
    if sid and fac and (sid, fac) in seen_options:
        cell.fail("facility", f"site '{sid}' already offers '{fac}' (line {seen_options[(sid, fac)]})")
    elif sid and fac:
        seen_options[(sid, fac)] = cell.line


def _check_same_position(
    cell: _Cell, sid: str, pos: tuple[float, float], first: tuple[float, float], first_line: int
) -> None:
    """Every option row of a site gives the position of its first row (within 1e-6 degrees)."""
    if max(abs(pos[0] - first[0]), abs(pos[1] - first[1])) > 1e-6:
        cell.fail(
            "lon",
            f"site '{sid}' is given at lon={pos[0]:g}, lat={pos[1]:g} but at lon={first[0]:g}, lat={first[1]:g} "
            f"on line {first_line}; expected one position per site",
        )
