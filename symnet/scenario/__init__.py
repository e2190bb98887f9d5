"""Scenario data model, loading and validation.

A scenario is a folder a planner can edit in a spreadsheet::

    scenario.yaml   name, region, CRS, periods, economics, network, solver, facilities
    actors.csv      id, name, sector, municipality, lon, lat (or x, y in the CRS)
    supplies.csv    residual streams: id, actor, resource, quantity, unit, profile, ...
    demands.csv     needs: id, actor, resource, quantity, unit, profile, price, ...
    sites.csv       optional: candidate co-location sites, one row per facility option

Every number may carry its source: in YAML as ``{value: 645, source: "report 002 §3.7"}``
(or a ``source:`` key that covers its siblings), in CSV as a ``source`` column for the
row or ``<column>_source`` for one cell. Sources starting with "assumption" mark
assumed numbers; reports list them.

Quantities are converted once, here, to canonical units per year (t, MWh, m3, pieces).
A bad scenario raises :class:`symnet.errors.InputError` holding every problem found,
each naming file, row, column, value and what was expected.

Layout of the package: :mod:`~symnet.scenario.model` (the typed objects),
:mod:`~symnet.scenario.read` (files -> raw string tables), :mod:`~symnet.scenario.validate`
(the rules and their messages), :mod:`~symnet.scenario.parameters` (overrides for sweeps)
and :mod:`~symnet.scenario.write` (:func:`write_scenario`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ValidationError

from symnet.errors import InputError, Problem
from symnet.resources import load_catalogue
from symnet.scenario._problems import _Problems
from symnet.scenario._tables import _load_actors, _load_demands, _load_sites, _load_supplies
from symnet.scenario.exchanges import load_exchanges
from symnet.scenario.model import (
    PROFILE_TOLERANCE,
    SCENARIO_FILE,
    Actor,
    Demand,
    Economics,
    Exchange,
    FacilityInput,
    FacilityOutput,
    FacilityType,
    NetworkSettings,
    Period,
    PipeEconomics,
    RoadEconomics,
    Scenario,
    ScenarioConfig,
    SiteOption,
    SolverSettings,
    Supply,
    is_assumption,
)
from symnet.scenario.parameters import PARAMETER_ALIASES, resolve_parameter, with_parameters
from symnet.scenario.paths import check_input, check_scenario_inputs, outside_allowed
from symnet.scenario.ranges import check_range_values, check_ranges
from symnet.scenario.read import _load_yaml, _strip_sources
from symnet.scenario.validate import (
    _check_config,
    _check_cross,
    _check_energy_balance,
    _check_facility_resources,
    _check_finite_fields,
    _pydantic_problems,
)
from symnet.scenario.write import write_scenario

__all__ = [
    "PARAMETER_ALIASES",
    "PROFILE_TOLERANCE",
    "SCENARIO_FILE",
    "Actor",
    "Demand",
    "Economics",
    "Exchange",
    "FacilityInput",
    "FacilityOutput",
    "FacilityType",
    "NetworkSettings",
    "Period",
    "PipeEconomics",
    "RoadEconomics",
    "Scenario",
    "ScenarioConfig",
    "SiteOption",
    "SolverSettings",
    "Supply",
    "is_assumption",
    "load_scenario",
    "resolve_parameter",
    "with_parameters",
    "write_scenario",
]


def load_scenario(folder: str | Path, allow_outside: bool | None = None) -> Scenario:
    """Load and validate a scenario folder.

    Parameters
    ----------
    folder : str or Path
        Folder holding ``scenario.yaml`` and the CSV files.
    allow_outside : bool or None
        Read files the scenario names outside its folder (``--allow-outside``); None: as set
        by :func:`symnet.scenario.paths.inputs_outside_allowed` (default no). See
        :mod:`symnet.scenario.paths`.

    Returns
    -------
    Scenario
        Quantities in canonical units per year; warnings in ``Scenario.warnings``.

    Raises
    ------
    InputError
        With every problem found (file, row, column, message).
    """
    folder = Path(folder)
    probs = _Problems()
    if not folder.is_dir():
        raise InputError([Problem(str(folder), None, None, "scenario folder not found")])
    allow = outside_allowed(allow_outside)
    ypath = folder / SCENARIO_FILE
    if not check_input(folder, SCENARIO_FILE, SCENARIO_FILE, None, probs, allow):
        raise InputError(probs.errors)
    if not ypath.is_file():
        raise InputError(
            [
                Problem(
                    SCENARIO_FILE,
                    None,
                    None,
                    "file not found in the scenario folder; every scenario "
                    "needs one (name:, crs:, periods:, economics: ...)",
                )
            ]
        )
    raw = _load_yaml(ypath, probs)
    if raw is None:
        raise InputError(probs.errors)
    sources: dict[str, str] = {}
    data = _strip_sources(raw, "", sources)
    try:
        config = ScenarioConfig.model_validate(data)
    except ValidationError as exc:
        _pydantic_problems(exc, SCENARIO_FILE, ScenarioConfig, probs)
        raise InputError(probs.errors) from None
    _check_finite_fields(data, config.model_dump(), "", probs)
    if not check_scenario_inputs(folder, config, probs, allow) or probs.errors:
        raise InputError(probs.errors)
    _check_config(config, probs)
    try:
        catalogue = load_catalogue(
            {"resources": config.resources, "fates": config.fates, "substitutions": config.substitutions}
        )
    except ValidationError as exc:
        _pydantic_problems(exc, SCENARIO_FILE, BaseModel, probs)
        raise InputError(probs.errors) from None
    _check_facility_resources(config, catalogue, probs)
    _check_energy_balance(config, catalogue, probs)
    # config-level problems (CRS, weights, recipes) do not stop the tables from being
    # checked: every problem in every file is reported at once.

    declared_ids: set[str] = set()
    actors = _load_actors(folder, config, probs, sources, declared_ids)
    # ids of rows that failed their own checks still count as declared, so that one bad
    # actor row does not cascade into "unknown actor" errors in the other files
    actor_ids = declared_ids if actors is not None else None
    supplies = _load_supplies(folder, config, catalogue, actor_ids, probs, sources)
    demands = _load_demands(folder, config, catalogue, actor_ids, probs, sources)
    sites = _load_sites(folder, config, probs, sources)
    exchanges = load_exchanges(folder, catalogue, supplies, demands, probs, sources)
    explicit_ranges = check_ranges(folder, config.uncertainty, probs)
    if probs.errors:
        raise InputError(probs.errors)
    scenario = Scenario(
        folder, config, catalogue, actors or [], supplies, demands, sites, sources, probs.warnings, exchanges=exchanges
    )
    _check_cross(scenario, probs)
    check_range_values(scenario, explicit_ranges, probs)
    if probs.errors:
        raise InputError(probs.errors)
    return scenario
