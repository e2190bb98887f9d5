"""Writing a scenario folder that loads back to an equal scenario (round trips)."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import yaml

from symnet.provenance import cell_key
from symnet.resources import Catalogue
from symnet.scenario.exchanges import write_exchanges
from symnet.scenario.model import (
    DEMAND_OPTIONAL_COLUMNS,
    SCENARIO_FILE,
    STREAM_REQUIRED_COLUMNS,
    SUPPLY_OPTIONAL_COLUMNS,
    Scenario,
)


def _fmt(v: float | None) -> str:
    return "" if v is None else repr(float(v))


def _write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def _path_parts(key: str) -> list[str | int]:
    """'facilities.gh.inputs[0].per_unit' -> ['facilities', 'gh', 'inputs', 0, 'per_unit']."""
    parts: list[str | int] = []
    for piece in key.split("."):
        m = re.fullmatch(r"([^\[]*)((?:\[\d+\])*)", piece)
        name, indices = (m.group(1), m.group(2)) if m else (piece, "")
        if name:
            parts.append(name)
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", indices))
    return parts


def _attach_yaml_sources(data: dict[str, Any], sources: dict[str, str]) -> None:
    """Wrap each sourced leaf of the dumped config as ``{value: x, source: s}``."""
    for key, src in sources.items():
        if ".csv:" in key or ":" in key.split(".")[0]:
            continue  # a table cell, written into its table's <column>_source
        node: Any = data
        parts = _path_parts(key)
        for part in parts[:-1]:
            ok = (isinstance(node, dict) and part in node) or (
                isinstance(node, list) and isinstance(part, int) and part < len(node)
            )
            if not ok:
                node = None
                break
            node = node[part]
        last = parts[-1] if parts else None
        if (isinstance(node, dict) and last in node and not isinstance(node[last], (dict, list))) or (
            isinstance(node, list)
            and isinstance(last, int)
            and last < len(node)
            and not isinstance(node[last], (dict, list))
        ):
            node[last] = {"value": node[last], "source": src}  # type: ignore[index]


def _sourced_table(
    table: str, keys: list[str], header: list[str], rows: list[list[str]], numeric: list[str], sources: dict[str, str]
) -> tuple[list[str], list[list[str]]]:
    """Add a ``<column>_source`` column for every numeric column that has a source in some row."""
    cols = [c for c in numeric if any(cell_key(table, k, c) in sources for k in keys)]
    header = header + [f"{c}_source" for c in cols]
    rows = [row + [sources.get(cell_key(table, k, c), "") for c in cols] for k, row in zip(keys, rows)]
    return header, rows


def _entered(
    catalogue: Catalogue, resource: str, quantity: float, entered_q: float | None, entered_u: str | None, unit: str
) -> tuple[str, str]:
    """Quantity and unit to write: as entered when it converts back to exactly the same
    canonical quantity (so the round trip keeps both), else canonical."""
    if entered_q is not None and entered_u:
        try:
            if catalogue.convert(entered_q, entered_u, resource) == quantity:
                return _fmt(entered_q), entered_u
        except (ValueError, KeyError):
            pass
    return _fmt(quantity), unit


def write_scenario(scenario: Scenario, folder: str | Path) -> Path:
    """Write a scenario as a folder that loads back to an equal scenario.

    Quantities are written as entered (``entered_quantity`` / ``entered_unit``) when that
    converts back exactly, otherwise in canonical units; profiles are written as explicit
    shares; floats are written with ``repr`` so they load back bit for bit. Sources are
    written where they were recorded: YAML numbers as ``{value: x, source: s}``, table
    cells in ``<column>_source`` columns. Actors are always written to ``actors.csv``.

    Parameters
    ----------
    scenario : Scenario
        The scenario to write.
    folder : str or Path
        Target folder (created; files in it are replaced).

    Returns
    -------
    Path
        The folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cfg = scenario.config.model_dump(exclude_defaults=False)
    actors_table = scenario.config.actors_file
    cfg["actors_file"] = "actors.csv"
    _attach_yaml_sources(cfg, scenario.sources)
    (folder / SCENARIO_FILE).write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), "utf-8")
    src = scenario.sources
    sources = {
        (f"actors.csv:{k.split(':', 1)[1]}" if k.startswith(f"{actors_table}:") else k): v for k, v in src.items()
    }
    cat = scenario.catalogue

    header = ["id", "name", "sector", "municipality", "country", "lon", "lat", "operations", "confidential"]
    rows = [
        [
            a.id,
            a.name,
            a.sector,
            a.municipality,
            a.country,
            _fmt(a.lon),
            _fmt(a.lat),
            "|".join(a.operations),
            str(a.confidential).lower(),
        ]
        for a in scenario.actors
    ]
    _write_rows(
        folder / "actors.csv",
        *_sourced_table("actors.csv", [a.id for a in scenario.actors], header, rows, ["lon", "lat"], sources),
    )

    header = [*STREAM_REQUIRED_COLUMNS, *SUPPLY_OPTIONAL_COLUMNS]
    rows = [
        [
            s.id,
            s.actor,
            s.resource,
            *_entered(cat, s.resource, s.quantity, s.entered_quantity, s.entered_unit, s.unit),
            "|".join(repr(float(v)) for v in s.profile),
            _fmt(s.temperature_c),
            s.ewc or "",
            s.hazard_assessment or "",
            s.current_fate,
            _fmt(s.fate_cost),
            str(s.confidential).lower(),
        ]
        for s in scenario.supplies
    ]
    _write_rows(
        folder / "supplies.csv",
        *_sourced_table(
            "supplies.csv",
            [s.id for s in scenario.supplies],
            header,
            rows,
            ["quantity", "temperature_c", "fate_cost"],
            sources,
        ),
    )

    header = [*STREAM_REQUIRED_COLUMNS, *DEMAND_OPTIONAL_COLUMNS]
    rows = [
        [
            d.id,
            d.actor,
            d.resource,
            *_entered(cat, d.resource, d.quantity, d.entered_quantity, d.entered_unit, d.unit),
            "|".join(repr(float(v)) for v in d.profile),
            _fmt(d.min_temperature_c),
            _fmt(d.price),
            _fmt(d.gate_fee),
            _fmt(d.co2e_kg_per_unit),
            "|".join(d.operations),
            _fmt(d.max_km),
            str(d.confidential).lower(),
            "true" if d.unbounded else "",
            d.transport_paid_by or "",
        ]
        for d in scenario.demands
    ]
    _write_rows(
        folder / "demands.csv",
        *_sourced_table(
            "demands.csv",
            [d.id for d in scenario.demands],
            header,
            rows,
            ["quantity", "min_temperature_c", "price", "gate_fee", "co2e_kg_per_unit", "max_km"],
            sources,
        ),
    )

    sites_path = folder / "sites.csv"
    if scenario.sites:
        header = ["id", "name", "municipality", "lon", "lat", "facility", "fixed_cost", "capacity"]
        rows = [
            [o.site, o.name, o.municipality, _fmt(o.lon), _fmt(o.lat), o.facility, _fmt(o.fixed_cost), _fmt(o.capacity)]
            for o in scenario.sites
        ]
        _write_rows(
            sites_path,
            *_sourced_table(
                "sites.csv",
                [o.option_id for o in scenario.sites],
                header,
                rows,
                ["fixed_cost", "capacity", "lon", "lat"],
                sources,
            ),
        )
    elif sites_path.exists():
        sites_path.unlink()
    write_exchanges(scenario, folder)
    return folder
