"""The value an assumption key stands for (``economics.landfill_tax`` -> ``"645"``,
``supplies.csv:s1.quantity`` -> ``"100 t"``), formatted with its unit for the report's
appendix. Keys are those of :func:`symnet.assumptions.kpi_inputs`.
"""

from __future__ import annotations

from typing import Any

from symnet.provenance import split_cell_key, walk_key
from symnet.resources import normalise_unit
from symnet.scenario import Scenario

__all__ = ["AssumptionValues", "assumption_value"]


class AssumptionValues:
    """Formats the values of many keys of one scenario (the appendix of a national run has
    tens of thousands): the supply, demand, actor and site rows are indexed by id once."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._rows: dict[str, dict[str, Any]] = {
            "supplies": {r.id: r for r in scenario.supplies},
            "demands": {r.id: r for r in scenario.demands},
            "sites": {o.option_id: o for o in scenario.sites},
            "actors": {r.id: r for r in scenario.actors},
        }

    def _row(self, table: str, entity: str) -> Any:
        kind = next((k for k in ("supplies", "demands", "sites") if table.startswith(k)), "actors")
        return self._rows[kind].get(entity)

    def value(self, key: str) -> str:
        """The value ``key`` stands for, formatted with its unit where one is known ('' if unknown)."""
        scenario = self.scenario
        value: Any = None
        unit = ""
        if key.startswith("catalogue:"):
            rest = key.removeprefix("catalogue:")
            if rest.startswith("fates."):
                value = walk_key(scenario.catalogue.fates, rest.removeprefix("fates."))
            elif rest.startswith("substitutions."):
                pair = rest.removeprefix("substitutions.").rsplit(".", 1)[0]
                sup, _, dem = pair.partition("->")
                value = scenario.catalogue.substitution_factor(sup, dem)
            else:
                value = walk_key(scenario.catalogue.resources, rest)
        elif (cell := split_cell_key(key)) is not None:
            table, entity, col = cell
            row = self._row(table, entity)
            value = getattr(row, col, None) if row is not None else None
            if row is not None and col == "quantity":
                unit = row.unit
                entered = getattr(row, "entered_unit", None)
                if (
                    getattr(row, "entered_quantity", None) is not None
                    and entered
                    and entered != normalise_unit(row.unit)
                ):
                    value, unit = row.entered_quantity, entered
        elif key.startswith(("resources.", "fates.")):
            section, _, rest = key.partition(".")
            value = walk_key(getattr(scenario.catalogue, section), rest)
        else:
            value = walk_key(scenario.config, key)
        return _format_value(value, unit)


def assumption_value(scenario: Scenario, key: str) -> str:
    """The value a key stands for, formatted with its unit where one is known ('' if
    unknown). For many keys of one scenario use :class:`AssumptionValues`."""
    return AssumptionValues(scenario).value(key)


def _format_value(value: Any, unit: str = "") -> str:
    if value is None or isinstance(value, (dict, bool)):
        return ""
    if isinstance(value, list):
        return (
            "[" + ", ".join(_format_value(v) for v in value) + "]"
            if all(isinstance(v, (int, float)) for v in value)
            else ""
        )
    if isinstance(value, float) and abs(value) < 1e15 and value == int(value):
        text = f"{int(value):,}".replace(",", " ")
    elif isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, int):
        text = f"{value:,}".replace(",", " ")
    else:
        text = str(value)
    return f"{text} {unit}".strip()
