"""Parameter overrides of ``scenario.yaml`` settings (sweeps, ``--param``)."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from symnet.errors import InputError, Problem
from symnet.scenario._problems import _did_you_mean, _Problems
from symnet.scenario.model import Scenario, ScenarioConfig
from symnet.scenario.validate import _pydantic_problems

PARAMETER_ALIASES: dict[str, str] = {
    "landfill_tax": "economics.landfill_tax",
    "incineration_tax": "economics.incineration_tax",
    "co2_price": "economics.co2_price",
    "diesel_price": "economics.diesel_price",
    "pipe_cost": "economics.pipe.cost_per_m",
    "payload": "economics.road.payload_t",
    "min_volume": "economics.road.min_volume_t",
    "circuity": "network.circuity",
}


def resolve_parameter(name: str) -> str:
    """Dotted path in scenario.yaml for a parameter name or alias."""
    return PARAMETER_ALIASES.get(name, name)


def _scalar_paths(node: Any, prefix: str = "") -> list[str]:
    """Dotted paths of the scalar settings in a dumped config (lists are skipped)."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _scalar_paths(v, f"{prefix}{k}.")]
    if isinstance(node, list):
        return []
    return [prefix.rstrip(".")]


def with_parameters(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """A copy of the scenario with scenario.yaml parameters replaced.

    Parameters
    ----------
    values : dict
        Parameter name (alias such as ``landfill_tax`` or dotted path such as
        ``economics.road.cost_per_km``) -> new value.

    Raises
    ------
    InputError
        For an unknown parameter or an invalid value.
    """
    data = scenario.config.model_dump()
    problems: list[Problem] = []
    for name, value in values.items():
        path = resolve_parameter(name).split(".")
        node: Any = data
        for part in path[:-1]:
            if not isinstance(node, dict) or part not in node:
                node = None
                break
            node = node[part]
        if not isinstance(node, dict) or path[-1] not in node or isinstance(node[path[-1]], (dict, list)):
            known = list(PARAMETER_ALIASES) + _scalar_paths(data)
            problems.append(
                Problem(
                    "--param",
                    None,
                    name,
                    f"unknown parameter '{name}'{_did_you_mean(name, known)}; "
                    "expected an alias or a dotted path into scenario.yaml such as economics.road.cost_per_km",
                )
            )
            continue
        node[path[-1]] = value
    if problems:
        raise InputError(problems)
    try:
        config = ScenarioConfig.model_validate(data)
    except ValidationError as exc:
        probs = _Problems()
        _pydantic_problems(exc, "--param", ScenarioConfig, probs)
        raise InputError(probs.errors) from None
    new = copy.copy(scenario)
    new.config = config
    new.sources = dict(scenario.sources)
    for name in values:
        new.sources[resolve_parameter(name)] = f"parameter override: {name}={values[name]}"
    return new
