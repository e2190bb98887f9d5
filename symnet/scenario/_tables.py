"""The scenario tables (actors, supplies, demands, sites) -> typed rows, one row at a time.

Each loader reads its table (:mod:`symnet.scenario.read`), applies the row rules
(:mod:`symnet.scenario.validate`) and keeps the rows that pass; quantities come out in
canonical units per year.
"""

from __future__ import annotations

import re
from pathlib import Path

from symnet.resources import Catalogue, normalise_waste_code, waste_codes
from symnet.scenario._problems import _did_you_mean, _Problems
from symnet.scenario.model import Actor, Demand, ScenarioConfig, SiteOption, Supply
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


def _load_supplies(
    folder: Path,
    config: ScenarioConfig,
    catalogue: Catalogue,
    actor_ids: set[str] | None,
    probs: _Problems,
    sources: dict[str, str],
) -> list[Supply]:
    name = "supplies.csv"
    table = _load_optional_table(folder, name, probs, required=True)
    if table is None or not _check_columns(
        table,
        ["id", "actor", "resource", "quantity", "unit"],
        ["profile", "temperature_c", "ewc", "hazard_assessment", "current_fate", "fate_cost", "confidential"],
        probs,
    ):
        return []
    out: list[Supply] = []
    seen: dict[str, int] = {}
    codes = waste_codes()
    for line, row in table.rows:
        cell = _Cell(table, line, row, probs)
        sid = _unique_id(cell, seen)
        actor = _actor_ref(cell, actor_ids)
        res = _resource(cell, catalogue, allow_class=False)
        qty = _quantity(cell, catalogue, res)
        profile = _resolve_profile(cell, config)
        temp = cell.number("temperature_c")
        ewc_raw = cell.text("ewc")
        ewc = normalise_waste_code(ewc_raw) if ewc_raw else None
        assessment = cell.text("hazard_assessment").lower().replace("-", "_").replace(" ", "_") or None
        if ewc is not None:
            if not re.fullmatch(r"\d{6}", ewc):
                cell.fail("ewc", f"'{ewc_raw}' is not a six-digit European List of Waste code (e.g. 02 03 04)")
            elif ewc not in codes:
                cell.fail("ewc", f"'{ewc_raw}' is not in the European List of Waste; {_ewc_neighbours(ewc, codes)}")
        if assessment is not None and assessment not in ("hazardous", "non_hazardous"):
            cell.fail(
                "hazard_assessment",
                f"'{row.get('hazard_assessment')}' is not a hazard assessment; expected 'hazardous' or 'non_hazardous'",
            )
            assessment = None
        fate = cell.text("current_fate") or (catalogue.resources[res].default_fate if res else "none")
        if fate and fate not in catalogue.fates:
            cell.fail(
                "current_fate",
                f"unknown fate '{fate}'{_did_you_mean(fate, list(catalogue.fates))}; "
                f"expected one of {', '.join(sorted(catalogue.fates))}",
            )
        fate_cost = cell.number("fate_cost")
        if res == "heat" and temp is None and cell.ok:
            probs.warn(
                name,
                line,
                "temperature_c",
                f"heat supply '{sid}' has no temperature; assumed usable by any heat demand",
            )
        if cell.ok and qty is not None and profile is not None:
            canonical, unit, entered_q, entered_u = qty
            out.append(
                Supply(
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
            )
            _record_row_sources(table, cell, sid, ["quantity", "temperature_c", "fate_cost"], sources)
    return out


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
        ["id", "actor", "resource", "quantity", "unit"],
        [
            "profile",
            "min_temperature_c",
            "price",
            "gate_fee",
            "co2e_kg_per_unit",
            "operations",
            "max_km",
            "confidential",
        ],
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
        qty = _quantity(cell, catalogue, res)
        profile = _resolve_profile(cell, config)
        tmin = cell.number("min_temperature_c")
        price = cell.number("price")
        gate_fee = cell.number("gate_fee")
        co2 = cell.number("co2e_kg_per_unit", minimum=0)
        max_km = cell.number("max_km", strictly_positive=True)
        ops = _check_ops(cell, "operations")
        conf = cell.boolean("confidential")
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
                    confidential=conf,
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


def _load_sites(folder: Path, config: ScenarioConfig, probs: _Problems, sources: dict[str, str]) -> list[SiteOption]:
    name = "sites.csv"
    table = _load_optional_table(folder, name, probs, required=False)
    if table is None or not _check_columns(
        table, ["id", "facility"], ["name", "municipality", "lon", "lat", "x", "y", "fixed_cost", "capacity"], probs
    ):
        return []
    out: list[SiteOption] = []
    seen_options: dict[tuple[str, str], int] = {}
    first_pos: dict[str, tuple[float, float]] = {}
    first_line: dict[str, int] = {}
    for line, row in table.rows:
        cell = _Cell(table, line, row, probs)
        sid = cell.text("id", required=True)
        fac = cell.text("facility", required=True)
        if fac and fac not in config.facilities:
            choices = list(config.facilities)
            expected = f"expected one of {', '.join(choices)}" if choices else "scenario.yaml defines no facilities"
            cell.fail("facility", f"unknown facility type '{fac}'{_did_you_mean(fac, choices)}; {expected}")
        if sid and fac and (sid, fac) in seen_options:
            cell.fail("facility", f"site '{sid}' already offers '{fac}' (line {seen_options[(sid, fac)]})")
        elif sid and fac:
            seen_options[(sid, fac)] = line
        pos = _position(cell, config)
        fixed = cell.number("fixed_cost", minimum=0)
        cap = cell.number("capacity", strictly_positive=True)
        if (
            pos is not None
            and sid in first_pos
            and max(abs(pos[0] - first_pos[sid][0]), abs(pos[1] - first_pos[sid][1])) > 1e-6
        ):
            (lon0, lat0), line0 = first_pos[sid], first_line[sid]
            cell.fail(
                "lon",
                f"site '{sid}' is given at lon={pos[0]:g}, lat={pos[1]:g} but at lon={lon0:g}, lat={lat0:g} "
                f"on line {line0}; expected one position per site",
            )
        if cell.ok and pos is not None:
            first_pos.setdefault(sid, pos)
            first_line.setdefault(sid, line)
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
            _record_row_sources(table, cell, f"{sid}:{fac}", ["fixed_cost", "capacity", "lon", "lat"], sources)
    return out
