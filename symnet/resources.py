"""Resource catalogue: resource types, canonical units, conversions, compatibility,
disposal fates and their Waste Framework Directive operations, emission factors,
and the European List of Waste.

The shipped catalogue lives in ``symnet/data/resources.yaml``; a scenario may override
or extend any resource, fate or substitution rule. Units are converted once, when a
scenario is loaded, to each resource's canonical unit (t, MWh, m3 or pieces).
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as importlib_resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from symnet import safe_yaml

CanonicalUnit = Literal["t", "MWh", "m3", "pieces"]
CANONICAL_UNITS: tuple[str, ...] = ("t", "MWh", "m3", "pieces")
HOURS_PER_YEAR = 8760.0

# unit alias -> (dimension, factor to the dimension's base unit); bases: t, MWh, m3, pieces.
# "per year" is implied for every quantity; power units are continuous operation all year.
_UNITS: dict[str, tuple[str, float]] = {
    "t": ("mass", 1.0),
    "tonne": ("mass", 1.0),
    "tonnes": ("mass", 1.0),
    "ton": ("mass", 1.0),
    "kg": ("mass", 1e-3),
    "g": ("mass", 1e-6),
    "kt": ("mass", 1e3),
    "mwh": ("energy", 1.0),
    "kwh": ("energy", 1e-3),
    "gwh": ("energy", 1e3),
    "twh": ("energy", 1e6),
    "gj": ("energy", 1.0 / 3.6),
    "mj": ("energy", 1.0 / 3600.0),
    "tj": ("energy", 1000.0 / 3.6),
    "kw": ("energy", HOURS_PER_YEAR / 1000.0),
    "mw": ("energy", HOURS_PER_YEAR),
    "m3": ("volume", 1.0),
    "l": ("volume", 1e-3),
    "litre": ("volume", 1e-3),
    "liter": ("volume", 1e-3),
    "pieces": ("count", 1.0),
    "piece": ("count", 1.0),
    "pcs": ("count", 1.0),
    "st": ("count", 1.0),
}
_BASE_OF_DIMENSION = {"mass": "t", "energy": "MWh", "volume": "m3", "count": "pieces"}
_DIMENSION_OF_CANONICAL = {"t": "mass", "MWh": "energy", "m3": "volume", "pieces": "count"}

FateKind = Literal["disposal", "recovery", "product", "energy", "emission", "none"]
Mode = Literal["road", "pipe"]


def known_units() -> list[str]:
    """All unit spellings accepted in scenario files (case-insensitive)."""
    return sorted(_UNITS)


def unit_dimension(unit: str) -> str | None:
    """'mass', 'energy', 'volume' or 'count' for an accepted unit spelling or a canonical
    unit (None when unknown)."""
    entry = _UNITS.get(normalise_unit(unit))
    return entry[0] if entry is not None else None


def normalise_unit(unit: str) -> str:
    """Lower-case a unit and strip a trailing ``/yr``, ``/year`` or ``per year``."""
    u = unit.strip().lower().replace("³", "3").replace(" ", "")
    u = re.sub(r"(/(yr|year|år|a)|peryear)$", "", u)
    return u


class ModeSpec(BaseModel):
    """Limits of one transport mode for a resource."""

    model_config = ConfigDict(extra="forbid")
    max_km: float = Field(gt=0, description="Farthest sensible link length, km.")


class ResourceType(BaseModel):
    """One resource type of the catalogue."""

    model_config = ConfigDict(extra="forbid")
    id: str = ""
    name: str
    classes: list[str] = Field(default_factory=list)
    unit: CanonicalUnit
    modes: dict[Mode, ModeSpec] = Field(default_factory=dict)
    density_t_per_m3: float | None = Field(default=None, gt=0)
    energy_mwh_per_t: float | None = Field(default=None, gt=0)
    mass_t_per_unit: float | None = Field(
        default=None, gt=0, description="Transport mass per canonical unit when the unit is not t."
    )
    default_fate: str = "none"
    virgin_co2e_kg_per_unit: float = Field(
        default=0.0,
        description="Emissions of the conventional source this resource replaces, kg CO2e per canonical unit.",
    )
    source: str = ""

    def tonnes_per_unit(self) -> float | None:
        """Transport mass in tonnes of one canonical unit (None when not transportable by mass)."""
        if self.unit == "t":
            return 1.0
        if self.mass_t_per_unit is not None:
            return self.mass_t_per_unit
        if self.unit == "m3" and self.density_t_per_m3 is not None:
            return self.density_t_per_m3
        return None


class Fate(BaseModel):
    """A current fate (baseline route) of a residual stream."""

    model_config = ConfigDict(extra="forbid")
    id: str = ""
    operation: str | None = None
    kind: FateKind
    cost: float = 0.0
    co2e_kg_per_t: float = 0.0
    source: str = ""

    @property
    def is_landfill(self) -> bool:
        return self.operation in {"D1", "D5", "D12"}

    @property
    def is_incineration(self) -> bool:
        """Burnt: incineration on land (D10) or use as fuel (R1)."""
        return self.operation in {"D10", "R1"}


class Substitution(BaseModel):
    """A supply resource that may serve a demand resource or class at a factor."""

    model_config = ConfigDict(extra="forbid")
    supply: str
    demand: str
    factor: float = Field(gt=0)
    source: str = ""


@dataclass(frozen=True)
class WasteCode:
    """One entry of the European List of Waste."""

    code: str
    hazardous: bool
    mirror: bool
    chapter: str
    description: str

    @property
    def chapter_code(self) -> str:
        return self.code[:2]


@dataclass(frozen=True)
class Operation:
    """A recovery (R) or disposal (D) operation of the Waste Framework Directive."""

    code: str
    kind: str
    description: str


# (entered dimension, canonical dimension, resource factor, multiply by it (else divide)),
# tried in this order: density before mass per unit for mass -> volume
_CROSS_DIMENSION: tuple[tuple[str, str, str, bool], ...] = (
    ("volume", "mass", "density_t_per_m3", True),
    ("mass", "volume", "density_t_per_m3", False),
    ("mass", "volume", "mass_t_per_unit", False),
    ("mass", "energy", "energy_mwh_per_t", True),
    ("energy", "mass", "energy_mwh_per_t", False),
    ("count", "mass", "mass_t_per_unit", True),
    ("mass", "count", "mass_t_per_unit", False),
)


class Catalogue(BaseModel):
    """The resource catalogue in force for one scenario."""

    model_config = ConfigDict(extra="forbid")
    resources: dict[str, ResourceType]
    fates: dict[str, Fate]
    substitutions: list[Substitution] = Field(default_factory=list)

    def model_post_init(self, __context: Any) -> None:
        for key, res in self.resources.items():
            res.id = key
        for key, fate in self.fates.items():
            fate.id = key

    # -- look-ups ---------------------------------------------------------------
    @property
    def classes(self) -> set[str]:
        """All resource class names."""
        return {c for r in self.resources.values() for c in r.classes}

    def is_known(self, name: str) -> bool:
        """True for a resource id or a class name."""
        return name in self.resources or name in self.classes

    def suggest(self, name: str, choices: list[str] | None = None) -> str:
        """A did-you-mean hint for an unknown resource, class or fate name ('' if none)."""
        pool = choices if choices is not None else sorted(set(self.resources) | self.classes)
        close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
        return f" (did you mean '{close[0]}'?)" if close else ""

    def members(self, name: str) -> list[str]:
        """Resource ids meant by a resource id or class name."""
        if name in self.resources:
            return [name]
        return [k for k, r in self.resources.items() if name in r.classes]

    def substitution_factor(self, supply: str, demand: str) -> float | None:
        """Demand units one unit of ``supply`` replaces, or None if it cannot serve ``demand``.

        ``demand`` may be a resource id or a class. An explicit rule wins; otherwise the
        same resource, or a supply resource belonging to the demanded class, gives 1.0.
        """
        for rule in self.substitutions:
            if rule.supply == supply and rule.demand == demand:
                return rule.factor
        if supply == demand:
            return 1.0
        res = self.resources.get(supply)
        if res is not None and demand not in self.resources and demand in res.classes:
            return 1.0
        return None

    def demand_unit(self, demand: str) -> str | None:
        """Canonical unit of a demanded resource or class (None if a class mixes units)."""
        if demand in self.resources:
            return self.resources[demand].unit
        units = {self.resources[m].unit for m in self.members(demand)}
        return units.pop() if len(units) == 1 else None

    def convert(self, value: float, unit: str, resource: str) -> float:
        """Convert ``value`` in ``unit`` (per year) to the resource's canonical unit.

        Raises ``ValueError`` with a readable message when the unit is unknown or the
        catalogue has no conversion between the two dimensions for this resource.
        """
        res = self.resources.get(resource)
        target = res.unit if res is not None else self.demand_unit(resource)
        if target is None:
            raise ValueError(f"class '{resource}' mixes units; give a resource id instead")
        u = normalise_unit(unit)
        if u not in _UNITS:
            close = difflib.get_close_matches(u, known_units(), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"unknown unit '{unit}'{hint}; expected one of {', '.join(known_units())}")
        dim, factor = _UNITS[u]
        base_value = value * factor
        target_dim = _DIMENSION_OF_CANONICAL[target]
        if dim == target_dim:
            return base_value
        if res is None:
            raise ValueError(
                f"cannot convert {unit} to {target} for class '{resource}': a class has no density or "
                f"energy content; give the quantity in {target} or demand a resource id"
            )
        # cross-dimension conversions via the resource's own factors, first match wins
        for src_dim, dst_dim, attribute, multiply in _CROSS_DIMENSION:
            per = getattr(res, attribute)
            if dim == src_dim and target_dim == dst_dim and per:
                return base_value * per if multiply else base_value / per
        raise ValueError(
            f"cannot convert {unit} to {target} for '{resource}': the catalogue gives no "
            f"density/energy content/mass per unit for it; give the quantity in {target}"
        )


def _read_yaml(text: str) -> dict[str, Any]:
    data = safe_yaml.load(text)
    return data if isinstance(data, dict) else {}


@lru_cache(maxsize=1)
def _shipped_raw() -> dict[str, Any]:
    return _read_yaml(importlib_resources.files("symnet.data").joinpath("resources.yaml").read_text("utf-8"))


def merge_catalogue_data(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge a scenario's catalogue section into the shipped one.

    Resources and fates are merged per id (fields of an existing entry are replaced one
    by one; a new id is added whole); substitution rules are appended, and a rule for
    the same (supply, demand) pair replaces the shipped one.
    """
    merged: dict[str, Any] = {
        "resources": {k: dict(v) for k, v in base.get("resources", {}).items()},
        "fates": {k: dict(v) for k, v in base.get("fates", {}).items()},
        "substitutions": list(base.get("substitutions", [])),
    }
    for section in ("resources", "fates"):
        for key, fields in (override.get(section) or {}).items():
            if key in merged[section] and isinstance(fields, dict):
                merged[section][key].update(fields)
            else:
                merged[section][key] = fields
    for rule in override.get("substitutions") or []:
        if isinstance(rule, dict):
            merged["substitutions"] = [
                r
                for r in merged["substitutions"]
                if (r.get("supply"), r.get("demand")) != (rule.get("supply"), rule.get("demand"))
            ]
            merged["substitutions"].append(rule)
    return merged


def load_catalogue(override: dict[str, Any] | None = None) -> Catalogue:
    """The shipped catalogue, optionally merged with a scenario's overrides.

    Raises ``pydantic.ValidationError`` for malformed overrides (the scenario loader
    turns it into file/key messages).
    """
    data = merge_catalogue_data(_shipped_raw(), override or {})
    return Catalogue.model_validate(data)


@lru_cache(maxsize=1)
def waste_codes() -> dict[str, WasteCode]:
    """The European List of Waste: six-digit code -> :class:`WasteCode` (842 entries)."""
    text = importlib_resources.files("symnet.data").joinpath("list-of-waste.csv").read_text("utf-8")
    out: dict[str, WasteCode] = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["code"]] = WasteCode(
            code=row["code"],
            hazardous=row["hazardous"].strip().lower() == "true",
            mirror=row["entry_type"].lower().startswith("mirror"),
            chapter=row["chapter"],
            description=row["description"],
        )
    return out


@lru_cache(maxsize=1)
def operations() -> dict[str, Operation]:
    """Recovery (R1-R13) and disposal (D1-D15) operations by code."""
    text = importlib_resources.files("symnet.data").joinpath("recovery-disposal-operations.csv").read_text("utf-8")
    return {
        row["code"]: Operation(row["code"], row["kind"], row["description"])
        for row in csv.DictReader(text.splitlines())
    }


def normalise_waste_code(code: str) -> str:
    """'02 03 04', '02.03.04' or '020304*' -> '020304'."""
    return re.sub(r"[\s.*]", "", code)
