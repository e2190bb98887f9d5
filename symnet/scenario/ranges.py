"""Ranges on assumed numbers: explicit ranges in the scenario files, default ranges by kind.

An assumed number may carry its uncertainty:

- in ``scenario.yaml``: ``landfill_tax: {value: 645, low: 500, high: 800, distribution: uniform,
  source: "assumption: ..."}``;
- in a CSV table (``supplies.csv``, ``demands.csv``, ``sites.csv``): ``<column>_low``,
  ``<column>_high`` and optionally ``<column>_dist`` next to the number's column, in the
  column's own unit (the unit the row gives, e.g. kg).

Distributions: ``triangular`` (mode = value, the default), ``uniform`` (low..high) and
``lognormal`` (median = value, low and high its 5th and 95th percentiles; low > 0).

An assumed number without an explicit range gets a default relative range by kind
(:data:`DEFAULT_RELATIVE`: prices +-20 %, quantities +-25 %, costs +-30 %, factors +-15 %,
triangular), overridable in ``scenario.yaml``::

    uncertainty:
      price: 0.1          # +-10 % on prices, taxes and gate fees
      quantity: 0.3
      cost: 0.3
      factor: 0.15
      distribution: uniform

Only assumed numbers vary (their source is an assumption, see
:func:`symnet.scenario.is_assumption`); numbers with a study source stay fixed, even when
they carry a range. Numbers that move the network (circuity, distance caps), positions,
temperatures, profiles, solver settings and the resource catalogue stay fixed too.
Whole numbers (counts such as a facility's ``max_count``) vary only with an explicit range;
their samples are rounded to whole numbers. An explicit range's low and high must be values
the scenario accepts (an error before any sample); a default range that reaches a value the
scenario refuses (a share above 1) leaves the number fixed, with the reason.
Keys are those of :attr:`Scenario.sources`: ``economics.landfill_tax``,
``facilities.greenhouse.inputs[0].price``, ``supplies.csv:S1.quantity``,
``sites.csv:aj:greenhouse.fixed_cost``.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ValidationError

from symnet import safe_yaml
from symnet.errors import InputError
from symnet.provenance import KEY_PART, cell_key, split_cell_key, walk_key
from symnet.scenario._problems import _Problems
from symnet.scenario.model import SCENARIO_FILE, Scenario, ScenarioConfig, is_assumption
from symnet.scenario.read import _Cell, _read_csv
from symnet.scenario.validate import _pydantic_problems

Kind = Literal["price", "quantity", "cost", "factor"]
DISTRIBUTIONS = ("triangular", "uniform", "lognormal")
#: Default half-width of the relative range of an assumed number, by kind (0.2 = +-20 %).
DEFAULT_RELATIVE: dict[str, float] = {"price": 0.20, "quantity": 0.25, "cost": 0.30, "factor": 0.15}
DEFAULT_DISTRIBUTION = "triangular"
#: z of the 95th percentile of a standard normal: lognormal low/high are P5/P95.
_Z95 = 1.6448536269514722
_RANGE_KEYS = ("low", "high", "distribution")
_RANGE_SUFFIXES = {"_low": "low", "_high": "high", "_dist": "distribution"}
#: CSV tables whose numbers may carry ranges: file -> (columns, how a row's key is formed)
_CSV_NUMBERS = {
    "supplies.csv": ("quantity", "fate_cost"),
    "demands.csv": ("quantity", "price", "gate_fee", "co2e_kg_per_unit"),
    "sites.csv": ("fixed_cost", "capacity"),
}
#: Fields and sections that never vary (they move the network, or are not numbers of the model).
_FIXED_FIELDS = {"lon", "lat", "x", "y", "temperature_c", "min_temperature_c", "max_km", "k_nearest", "circuity"}
_FIXED_SECTIONS = ("profiles", "solver", "network", "resources", "fates", "substitutions", "periods", "uncertainty")


@dataclass(frozen=True)
class Range:
    """The uncertainty of one number, in the unit of the file that gives it.

    Attributes
    ----------
    key : str
        Source key (see the module docstring).
    value, low, high : float
        Base value and range, in the file's unit (``low <= value <= high``).
    distribution : str
        ``triangular``, ``uniform`` or ``lognormal``.
    explicit : bool
        True when the file gives the range, False for a default relative range.
    kind : str
        ``price``, ``quantity``, ``cost`` or ``factor``.
    whole : bool
        True for a whole-number setting (``max_count``): samples are rounded.
    """

    key: str
    value: float
    low: float
    high: float
    distribution: str
    explicit: bool
    kind: str
    whole: bool = False

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at the probabilities ``u`` (in [0, 1)) of the distribution (inverse CDF);
        rounded to whole numbers, within ``low..high``, for a whole-number setting."""
        return self.as_sampled(self._continuous_ppf(np.asarray(u, dtype=float)))

    def as_sampled(self, values: np.ndarray) -> np.ndarray:
        """``values`` as samples hold them: for a whole number, rounded within ``low..high``."""
        values = np.asarray(values, dtype=float)
        if not self.whole:
            return values
        return np.clip(np.rint(values), math.ceil(self.low), math.floor(self.high))

    def _continuous_ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import stats

        width = self.high - self.low
        if width <= 0:
            return np.full_like(u, self.value)
        if self.distribution == "uniform":
            return self.low + u * width
        if self.distribution == "lognormal":
            mu = math.log(self.value)
            sigma = max(math.log(self.high / self.value), math.log(self.value / self.low)) / _Z95
            return np.asarray(stats.lognorm(s=sigma, scale=math.exp(mu)).ppf(u), dtype=float)
        c = (self.value - self.low) / width
        return np.asarray(stats.triang(c=c, loc=self.low, scale=width).ppf(u), dtype=float)


@dataclass(frozen=True)
class RangeSet:
    """The ranges that vary and the numbers that stay fixed (key -> reason)."""

    ranges: tuple[Range, ...]
    fixed: dict[str, str]


def kind_of(key: str) -> Kind | None:
    """The kind of a number from its key, or None when numbers of this key never vary."""
    cell = split_cell_key(key)
    path = f"{cell[1]}.{cell[2]}" if cell is not None else key
    field = re.sub(r"\[\d+\]", "", path.rsplit(".", 1)[-1])
    if path.split(".")[0].split("[")[0] in _FIXED_SECTIONS or field in _FIXED_FIELDS:
        return None
    if key in ("economics.road.max_km", "economics.pipe.max_km", "economics.pipe.circuity"):
        return None
    if "price" in field or field.endswith("_tax") or field == "gate_fee":
        return "price"
    if field in ("quantity", "capacity", "min_throughput"):
        return "quantity"
    if "cost" in field:
        return "cost"
    return "factor"


# ---------------------------------------------------------------------------------------
# reading explicit ranges
# ---------------------------------------------------------------------------------------
def _check_spec(
    spec: dict[str, Any], value: Any, where: tuple[str, int | None, str], probs: _Problems
) -> tuple[float, float, float, str, tuple[str, int | None, str]] | None:
    """(value, low, high, distribution, where) of one explicit range, or None (problem recorded)."""
    file, line, col = where
    dist = str(spec.get("distribution") or DEFAULT_DISTRIBUTION).strip().lower()
    if dist not in DISTRIBUTIONS:
        probs.error(file, line, col, f"unknown distribution '{dist}'; expected one of {', '.join(DISTRIBUTIONS)}")
        return None
    numbers: dict[str, float] = {}
    for name, raw in (("value", value), ("low", spec.get("low")), ("high", spec.get("high"))):
        try:
            number = float(str(raw))
        except (TypeError, ValueError):
            probs.error(file, line, col, f"{name} '{raw}' is not a number; a range needs value, low and high")
            return None
        if not math.isfinite(number):
            probs.error(file, line, col, f"{name} {raw} is not a finite number")
            return None
        numbers[name] = number
    v, lo, hi = numbers["value"], numbers["low"], numbers["high"]
    if not lo <= v <= hi:
        probs.error(file, line, col, f"range low={lo:g}, value={v:g}, high={hi:g}; expected low <= value <= high")
        return None
    if dist == "lognormal" and lo <= 0:
        probs.error(file, line, col, f"a lognormal range needs low > 0 (got {lo:g})")
        return None
    return v, lo, hi, dist, where


def _yaml_ranges(node: Any, data: Any, path: str, probs: _Problems, out: dict[str, tuple]) -> None:
    """Walk the composed YAML ``node`` beside its loaded ``data``; record every
    ``{value, low, high, distribution}`` mapping at its source key with its line."""
    if isinstance(node, yaml.MappingNode) and isinstance(data, dict):
        if "value" in data and any(k in data for k in _RANGE_KEYS):
            checked = _check_spec(data, data["value"], (SCENARIO_FILE, node.start_mark.line + 1, path), probs)
            if checked is not None:
                out[path] = checked
            return
        for key_node, value_node in node.value:
            key = key_node.value
            if key in data:
                _yaml_ranges(value_node, data[key], f"{path}.{key}" if path else str(key), probs, out)
    elif isinstance(node, yaml.SequenceNode) and isinstance(data, list):
        for i, (child, item) in enumerate(zip(node.value, data)):
            _yaml_ranges(child, item, f"{path}[{i}]", probs, out)


def _csv_ranges(folder: Path, name: str, columns: tuple[str, ...], probs: _Problems, out: dict[str, tuple]) -> None:
    """Explicit ranges of one CSV table (``<column>_low``/``_high``/``_dist`` columns)."""
    path = folder / name
    if not path.is_file():
        return
    table = _read_csv(path, _Problems(), name)  # the table's own problems are reported by its loader
    if table is None or not any(c.endswith(tuple(_RANGE_SUFFIXES)) for c in table.columns):
        return
    for line, row in table.rows:
        cell = _Cell(table, line, row, probs)
        row_id = f"{row.get('id', '')}:{row.get('facility', '')}" if name == "sites.csv" else row.get("id", "")
        for col in columns:
            spec = {part: row.get(f"{col}{suffix}", "") for suffix, part in _RANGE_SUFFIXES.items()}
            if not any(spec.values()):
                continue
            if not (spec["low"] and spec["high"]):
                probs.error(name, line, f"{col}_low", f"give both {col}_low and {col}_high (or neither)")
                continue
            value = cell.number(col)
            if value is None:
                if cell.ok:
                    probs.error(name, line, col, f"{col} is empty but {col}_low/{col}_high give a range")
                continue
            low, high = cell.number(f"{col}_low"), cell.number(f"{col}_high")
            if low is None or high is None:
                continue
            checked = _check_spec({**spec, "low": low, "high": high}, value, (name, line, f"{col}_low"), probs)
            if checked is not None:
                out[cell_key(name, row_id, col)] = checked


def _defaults(config_uncertainty: dict[str, Any], probs: _Problems) -> tuple[dict[str, float], str]:
    """The relative half-widths by kind and the default distribution (scenario.yaml ``uncertainty:``)."""
    rel = dict(DEFAULT_RELATIVE)
    dist = DEFAULT_DISTRIBUTION
    for key, raw in config_uncertainty.items():
        col = f"uncertainty.{key}"
        if key == "distribution":
            dist = str(raw).strip().lower()
            if dist not in ("triangular", "uniform"):
                probs.error(
                    SCENARIO_FILE, None, col, f"unknown default distribution '{raw}'; expected triangular or uniform"
                )
        elif key in rel:
            number = raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else math.nan
            if not (math.isfinite(number) and 0 <= number < 1):
                probs.error(
                    SCENARIO_FILE, None, col, f"'{raw}' is not a relative half-width; expected a number in [0, 1)"
                )
            else:
                rel[key] = float(number)
        else:
            probs.error(
                SCENARIO_FILE, None, col, f"unknown key '{key}'; expected price, quantity, cost, factor or distribution"
            )
    return rel, dist


def read_ranges(folder: Path, config_uncertainty: dict[str, Any], probs: _Problems) -> dict[str, tuple]:
    """Explicit ranges of a scenario folder: source key -> (value, low, high, distribution),
    in the file's unit; problems (``file:row:column``) go to ``probs``."""
    _defaults(config_uncertainty, probs)
    out: dict[str, tuple] = {}
    ypath = folder / SCENARIO_FILE
    if ypath.is_file():
        text = ypath.read_text(encoding="utf-8-sig")
        with contextlib.suppress(yaml.YAMLError):  # reported by the scenario reader
            _yaml_ranges(safe_yaml.compose(text), safe_yaml.load(text), "", probs, out)
    for name, columns in _CSV_NUMBERS.items():
        _csv_ranges(folder, name, columns, probs, out)
    return out


# ---------------------------------------------------------------------------------------
# the ranges of a loaded scenario
# ---------------------------------------------------------------------------------------
def scenario_ranges(scenario: Scenario) -> RangeSet:
    """The ranges of every assumed number of ``scenario`` that may vary, and the fixed ones.

    Raises
    ------
    InputError
        For a bad range or a bad ``uncertainty:`` setting (``file:row:column: message``).
    """
    probs = _Problems()
    uncertainty = dict(getattr(scenario.config, "uncertainty", {}) or {})
    rel, dist = _defaults(uncertainty, probs)
    explicit = read_ranges(scenario.folder, uncertainty, probs) if scenario.folder else {}
    check_range_values(scenario, explicit, probs)
    if probs.errors:
        raise InputError(probs.errors)
    ranges: list[Range] = []
    fixed: dict[str, str] = {}
    for key, source in sorted(scenario.sources.items()):
        kind = kind_of(key)
        if not is_assumption(source):
            if key in explicit:
                fixed[key] = "has a study source: stays fixed although it carries a range"
            continue
        if kind is None:
            fixed[key] = "assumed, but of a kind that never varies (network, position, temperature, profile, solver)"
            continue
        if key in explicit:
            ranges.append(_explicit_range(scenario, key, explicit[key], kind))
            continue
        whole = _is_whole_number(scenario, key)
        value = file_value(scenario, key)
        if value is None:
            fixed[key] = "assumed, but not a number the uncertainty analysis can vary"
        elif whole:
            fixed[key] = "assumed whole number (a count or limit): varies only with an explicit low/high"
        elif value == 0 or rel[kind] == 0:
            fixed[key] = "assumed, value 0 (no relative range; give low/high to vary it)" if value == 0 else "range 0"
        else:
            a, b = sorted((value * (1 - rel[kind]), value * (1 + rel[kind])))
            r = Range(key, value, a, b, dist, False, kind)
            refused = _refused_extreme(scenario, r)
            if refused:
                end, bound, reason = refused
                fixed[key] = (
                    f"assumed, but its default +-{rel[kind]:.0%} range reaches {bound:g} at its {end}, "
                    f"which is not accepted ({reason}); give low/high to vary it"
                )
            else:
                ranges.append(r)
    if probs.errors:
        raise InputError(probs.errors)
    return RangeSet(tuple(ranges), fixed)


def set_path(data: Any, key: str, value: float) -> None:
    """Set the number at a ``scenario.yaml`` source key (``a.b[0].c``) in dumped config data."""
    *parents, (last, last_index) = KEY_PART.findall(key)
    node = data
    for name, index in parents:
        node = node[int(index)] if index else node[name]
    if last_index:
        node[int(last_index)] = value
    else:
        node[last] = value


def _is_whole_number(scenario: Scenario, key: str) -> bool:
    """Whether the setting at ``key`` is a whole number (an integer field such as ``max_count``)."""
    if split_cell_key(key) is not None:
        return False  # the CSV numbers that may vary (_CSV_NUMBERS) are all real numbers
    node = walk_key(scenario.config, key)
    return isinstance(node, int) and not isinstance(node, bool)


def _explicit_range(scenario: Scenario, key: str, spec: tuple, kind: Kind) -> Range:
    v, lo, hi, d, _where = spec
    return Range(key, v, lo, hi, d, True, kind, _is_whole_number(scenario, key))


def check_range_values(scenario: Scenario, explicit: dict[str, tuple], probs: _Problems) -> None:
    """Record a problem for each explicit range of an assumed number whose low or high the
    scenario refuses (a count of 0, a negative capacity): the loader's hook, so that
    ``symnet validate`` reports what ``symnet uncertainty`` would refuse."""
    for key, spec in sorted(explicit.items()):
        source, kind = scenario.sources.get(key), kind_of(key)
        if source is None or not is_assumption(source) or kind is None:
            continue  # stays fixed (scenario_ranges says why)
        refused = _refused_extreme(scenario, _explicit_range(scenario, key, spec, kind))
        if refused:
            end, value, reason = refused
            file, line, column = spec[4]
            if end == "high" and column.endswith("_low"):
                column = column[: -len("_low")] + "_high"
            probs.error(file, line, column, f"the range's {end} {value:g} is not accepted ({reason})")


def updated_row(row: Any, changes: dict[str, float]) -> Any:
    """A copy of a supply, demand or site row with numbers replaced (``changes``: column ->
    value in the row's own unit; a quantity is converted to the canonical unit)."""
    update = dict(changes)
    if "quantity" in update:
        entered = getattr(row, "entered_quantity", None)
        scale = row.quantity / entered if entered else 1.0
        update["quantity"] = update["quantity"] * scale
        if entered is not None:
            update["entered_quantity"] = changes["quantity"]
    return row.model_copy(update=update)


def _refused_extreme(scenario: Scenario, r: Range) -> tuple[str, float, str] | None:
    """(``"low"`` or ``"high"``, its value as sampled, why) for a range end the scenario
    refuses (a count of 0, a share above 1, a negative quantity); None if it takes both.
    Ends are taken as sampled: rounded for a whole number."""
    cell = split_cell_key(r.key)
    file = cell[0] if cell is not None else SCENARIO_FILE
    for name, bound in (("low", r.low), ("high", r.high)):
        value = float(r.as_sampled(np.array([bound]))[0])
        model: type[BaseModel] = ScenarioConfig
        try:
            if cell is None:
                data = scenario.config.model_dump()
                set_path(data, r.key, value)
                ScenarioConfig.model_validate(data)
            else:
                row = _csv_row(scenario, cell[0], cell[1])
                if row is None:
                    return None
                model = type(row)
                model.model_validate(updated_row(row, {cell[2]: value}).model_dump())
        except ValidationError as exc:
            found = _Problems()
            _pydantic_problems(exc, file, model, found)
            return name, value, "; ".join(p.message for p in found.errors)
    return None


def file_value(scenario: Scenario, key: str) -> float | None:
    """The number at ``key`` as its file gives it (CSV quantities in the row's unit), or None."""
    cell = split_cell_key(key)
    if cell is not None:
        file, row_id, col = cell
        row = _csv_row(scenario, file, row_id)
        if row is None:
            return None
        if col == "quantity" and getattr(row, "entered_quantity", None) is not None:
            return float(row.entered_quantity)
        value = getattr(row, col, None)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    node = walk_key(scenario.config, key)
    return float(node) if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def _csv_row(scenario: Scenario, file: str, row_id: str) -> Any:
    if file == "sites.csv":
        return next((s for s in scenario.sites if s.option_id == row_id), None)
    rows: list[Any] = list(scenario.supplies) if file == "supplies.csv" else list(scenario.demands)
    return next((r for r in rows if r.id == row_id), None) if file in ("supplies.csv", "demands.csv") else None


def check_ranges(folder: Path, config_uncertainty: dict[str, Any], probs: _Problems) -> dict[str, tuple]:
    """Record the problems of the explicit ranges and ``uncertainty:`` settings of a
    scenario folder in ``probs`` (the reader's hook: ``symnet validate`` reports them);
    returns the explicit ranges (see :func:`read_ranges`)."""
    return read_ranges(folder, config_uncertainty, probs)
