"""The typed scenario objects: ``scenario.yaml`` settings, table rows and :class:`Scenario`.

Quantities are canonical units per year (t, MWh, m3, pieces); money is in the scenario's
currency (``economics.currency``, SEK by default); distances in km unless a field says m.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from symnet.errors import Problem
from symnet.provenance import marks_assumption
from symnet.resources import Catalogue
from symnet.scenario.limits import (
    ABSOLUTE_ZERO_C,
    MAX_CIRCUITY,
    MAX_FIXED_COST,
    MAX_PRICE,
    MAX_QUANTITY,
    MIN_CIRCUITY,
)

SCENARIO_FILE = "scenario.yaml"
PROFILE_TOLERANCE = 1e-3


# ---------------------------------------------------------------------------------------
# scenario.yaml
# ---------------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Period(_Strict):
    """One period of the year; ``weight`` is its share of the year (weights sum to 1)."""

    id: str
    weight: float = Field(gt=0, le=1)


class RoadEconomics(_Strict):
    """Truck transport. Cost per tonne-km = (cost_per_km + fuel_l_per_km x diesel_price)
    x (2 if empty_return) / payload_t."""

    payload_t: float = Field(default=25.0, gt=0, description="t per truck load")
    cost_per_km: float = Field(default=15.0, ge=0, le=MAX_PRICE, description="currency per truck-km, excl. fuel")
    fuel_l_per_km: float = Field(default=0.35, ge=0, description="litres diesel per truck-km")
    empty_return: bool = True
    handling_cost_per_t: float = Field(
        default=50.0, ge=0, le=MAX_PRICE, description="loading/unloading, currency per t"
    )
    co2e_kg_per_km: float = Field(default=0.95, ge=0, description="kg CO2e per truck-km (loaded)")
    min_volume_t: float = Field(default=0.0, ge=0, description="minimum viable t/yr on one road link")
    link_fixed_cost: float = Field(
        default=0.0, ge=0, le=MAX_FIXED_COST, description="currency per year for each road link used"
    )
    cost_per_trip: float = Field(
        default=0.0,
        ge=0,
        le=MAX_PRICE,
        description="currency per truck trip on top of the distance "
        "cost (loading time, driver's fixed time); source: assumption, 0 unless stated",
    )
    integer_trips_below_t: float | None = Field(
        default=None,
        ge=0,
        description="links whose largest possible annual flow is below this many t count whole "
        "truck trips (integer); None: 2 payloads. Above it trips are continuous (full loads)",
    )
    max_km: float | None = Field(default=None, gt=0, description="cap on every road link, km")


class PipeEconomics(_Strict):
    """Heat/water pipes: length = straight line x circuity; annualised investment."""

    cost_per_m: float = Field(default=4000.0, ge=0, le=MAX_PRICE, description="investment, currency per metre")
    connection_cost: float = Field(
        default=0.0, ge=0, le=MAX_FIXED_COST, description="investment per pipe link (heat exchangers, pumps)"
    )
    lifetime_years: float = Field(default=30.0, gt=0)
    interest_rate: float = Field(default=0.05, ge=0, lt=1)
    heat_loss_per_km: float = Field(default=0.02, ge=0, lt=1, description="share of flow lost per km")
    operating_cost_per_unit_km: float = Field(
        default=0.5, ge=0, description="pumping etc., currency per MWh (or m3) per km"
    )
    circuity: float = Field(default=1.2, ge=MIN_CIRCUITY, le=MAX_CIRCUITY)
    max_km: float | None = Field(default=None, gt=0)

    def annuity_factor(self) -> float:
        """Capital recovery factor (1/yr)."""
        r, n = self.interest_rate, self.lifetime_years
        return 1.0 / n if r == 0 else r / (1.0 - (1.0 + r) ** -n)


class Economics(_Strict):
    """Economic parameters (currency per canonical unit unless stated)."""

    currency: str = "SEK"
    landfill_tax: float = Field(default=0.0, ge=0, le=MAX_PRICE, description="per t landfilled (D1/D5)")
    incineration_tax: float = Field(default=0.0, ge=0, le=MAX_PRICE, description="per t incinerated (D10)")
    co2_price: float = Field(default=0.0, ge=0, le=MAX_PRICE, description="per t CO2e")
    diesel_price: float = Field(default=20.0, ge=0, le=MAX_PRICE, description="per litre")
    road: RoadEconomics = Field(default_factory=RoadEconomics)
    pipe: PipeEconomics = Field(default_factory=PipeEconomics)
    participation: Literal["system", "individually_rational"] = Field(
        default="system",
        description="system: least total cost; individually_rational: no actor or opened facility pays more than today",
    )
    transport_paid_by: Literal["sender", "receiver", "split"] = Field(
        default="receiver", description="who pays a link's transport and fixed costs (split: half each)"
    )
    transport_paid_by_resource: dict[str, Literal["sender", "receiver", "split"]] = Field(
        default_factory=dict, description="per resource id, overrides transport_paid_by"
    )

    def road_cost_per_tkm(self) -> float:
        """Transport cost per tonne-km on the road, currency."""
        r = self.road
        per_truck_km = r.cost_per_km + r.fuel_l_per_km * self.diesel_price
        return per_truck_km * (2.0 if r.empty_return else 1.0) / r.payload_t

    def truck_km_per_tkm(self) -> float:
        """Truck-km driven per tonne-km delivered (incl. empty return)."""
        return (2.0 if self.road.empty_return else 1.0) / self.road.payload_t

    def pipe_annual_cost_per_m(self) -> float:
        """Annualised pipe cost, currency per metre and year."""
        return self.pipe.cost_per_m * self.pipe.annuity_factor()


class NetworkSettings(_Strict):
    """Where road distances come from."""

    osm: str | None = Field(default=None, description="path to an OSM extract, relative to the scenario folder")
    circuity: float = Field(
        default=1.37, ge=MIN_CIRCUITY, le=MAX_CIRCUITY, description="road/straight ratio when distances are estimated"
    )
    snap_warn_m: float = Field(default=2000.0, gt=0)
    k_nearest: int | None = Field(default=None, gt=0, description="keep the k nearest compatible receivers per supply")


class SolverSettings(_Strict):
    name: Literal["highs", "cbc"] = "highs"
    time_limit_s: float = Field(default=120.0, gt=0)
    gap: float = Field(default=0.0001, ge=0, lt=1)
    threads: int | None = Field(default=None, gt=0)
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="HiGHS random_seed (same seed, same search)")


class FacilityInput(_Strict):
    resource: str
    per_unit: float = Field(default=1.0, gt=0, description="input units per unit of throughput")
    min_temperature_c: float | None = Field(default=None, ge=ABSOLUTE_ZERO_C)
    optional: bool = Field(default=False, description="accepted up to per_unit x throughput, not required")
    price: float = Field(
        default=0.0, ge=0, le=MAX_PRICE, description="what the facility pays to buy this input conventionally, per unit"
    )


class FacilityOutput(_Strict):
    resource: str
    per_unit: float = Field(gt=0, description="output units per unit of throughput")
    sale_price: float = Field(
        default=0.0,
        ge=-MAX_PRICE,
        le=MAX_PRICE,
        description="value per unit sold outside the region (negative = disposal cost)",
    )
    temperature_c: float | None = Field(default=None, ge=ABSOLUTE_ZERO_C)


class FacilityType(_Strict):
    """A facility a candidate site may host, with its conversion recipe.

    Throughput is counted in units of the first input. Each required input is consumed at
    ``per_unit`` x throughput; each output is produced at ``per_unit`` x throughput. A
    ``passthrough`` facility (collection hub) forwards each accepted input as the same
    resource, minus ``loss``, so that small streams can be pooled.
    """

    name: str = ""
    fixed_cost: float = Field(
        default=0.0, ge=0, le=MAX_FIXED_COST, description="currency per year when opened (annualised)"
    )
    capacity: float = Field(default=math.inf, gt=0, description="max throughput per year")
    min_throughput: float = Field(
        default=0.0, ge=0, le=MAX_QUANTITY, description="throughput per year needed when opened"
    )
    operating_cost: float = Field(default=0.0, ge=0, le=MAX_PRICE, description="currency per unit of throughput")
    inputs: list[FacilityInput] = Field(min_length=1)
    outputs: list[FacilityOutput] = Field(default_factory=list)
    passthrough: bool = False
    loss: float = Field(default=0.0, ge=0, lt=1)
    operations: list[str] = Field(default_factory=list)
    max_count: int | None = Field(default=None, gt=0)


class MapSettings(_Strict):
    """``map:`` in scenario.yaml: ``basemap: osm`` (OpenStreetMap tiles under map.html when
    the browser is online; offline the embedded context layer) or ``none`` (no request)."""

    basemap: Literal["osm", "none"] = "osm"


class ScenarioConfig(_Strict):
    """The contents of ``scenario.yaml``."""

    name: str
    description: str = ""
    region: str = ""
    country: str = "SE"
    crs: str = "EPSG:3006"
    periods: list[Period] = Field(default_factory=lambda: [Period(id="year", weight=1.0)])
    profiles: dict[str, list[float]] = Field(default_factory=dict)
    economics: Economics = Field(default_factory=Economics)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    solver: SolverSettings = Field(default_factory=SolverSettings)
    map: MapSettings = Field(default_factory=MapSettings)
    facilities: dict[str, FacilityType] = Field(default_factory=dict)
    actors_file: str = "actors.csv"
    resources: dict[str, dict[str, Any]] = Field(default_factory=dict)
    fates: dict[str, dict[str, Any]] = Field(default_factory=dict)
    substitutions: list[dict[str, Any]] = Field(default_factory=list)
    source: str = ""
    uncertainty: dict[str, Any] = Field(
        default_factory=dict, description="default relative ranges by kind (symnet.scenario.ranges)"
    )

    @field_validator("periods", mode="before")
    @classmethod
    def _period_shortcuts(cls, value: Any) -> Any:
        if value == "year":
            return [{"id": "year", "weight": 1.0}]
        if value == "seasons":
            return [{"id": s, "weight": 0.25} for s in ("winter", "spring", "summer", "autumn")]
        if value == "months":
            days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
            return [{"id": n, "weight": d / 365.0} for n, d in zip(names, days)]
        return value


# ---------------------------------------------------------------------------------------
# table rows
# ---------------------------------------------------------------------------------------
class Actor(_Strict):
    id: str
    name: str
    sector: str = ""
    municipality: str = ""
    country: str = ""
    lon: float
    lat: float
    operations: list[str] = Field(default_factory=list, description="R/D operations it is permitted to carry out")
    confidential: bool = False


class _Stream(_Strict):
    """Fields shared by supplies and demands. ``quantity`` is per year in the canonical
    unit; ``profile`` is the share of the year's quantity in each period (sums to 1);
    ``entered_*`` keep what the user typed, for round trips."""

    id: str
    actor: str
    resource: str
    quantity: float = Field(ge=0)
    unit: str
    profile: list[float]
    confidential: bool = False
    entered_quantity: float | None = None
    entered_unit: str | None = None


class Supply(_Stream):
    """A residual stream, with its quality and current fate."""

    temperature_c: float | None = None
    ewc: str | None = None
    hazard_assessment: Literal["hazardous", "non_hazardous"] | None = None
    current_fate: str
    fate_cost: float = Field(description="currency per canonical unit of the current fate; negative = revenue")


class Demand(_Stream):
    """A need for a resource (or any resource of a class), with its conventional source."""

    min_temperature_c: float | None = None
    price: float = Field(default=0.0, description="price of the conventional source, per canonical unit")
    gate_fee: float = Field(
        default=0.0, description="paid per unit received through symbiosis (negative = the receiver pays for it)"
    )
    co2e_kg_per_unit: float | None = Field(
        default=None, description="emissions of the conventional source; catalogue default if None"
    )
    operations: list[str] = Field(default_factory=list)
    max_km: float | None = None
    unbounded: bool = Field(
        default=False,
        description="an outlet without a finite quantity (quantity is inf), declared with a source; "
        "the run warns when the optimum relies on it",
    )
    transport_paid_by: Literal["sender", "receiver", "split"] | None = Field(
        default=None, description="who pays transport to this demand; None: the economics setting"
    )


# The columns of supplies.csv and demands.csv: read by scenario._tables, written in this order
# by scenario.write, so a new column is declared once.
STREAM_REQUIRED_COLUMNS = ["id", "actor", "resource", "quantity", "unit"]
SUPPLY_OPTIONAL_COLUMNS = [
    "profile",
    "temperature_c",
    "ewc",
    "hazard_assessment",
    "current_fate",
    "fate_cost",
    "confidential",
]
DEMAND_OPTIONAL_COLUMNS = [
    "profile",
    "min_temperature_c",
    "price",
    "gate_fee",
    "co2e_kg_per_unit",
    "operations",
    "max_km",
    "confidential",
    "unbounded",
    "transport_paid_by",
]


class SiteOption(_Strict):
    """One facility type a candidate site may host (a site has one row per option)."""

    site: str
    name: str = ""
    municipality: str = ""
    lon: float
    lat: float
    facility: str
    fixed_cost: float | None = Field(default=None, ge=0, description="overrides the facility type's fixed cost")
    capacity: float | None = Field(default=None, gt=0, description="overrides the facility type's capacity")

    @property
    def option_id(self) -> str:
        return f"{self.site}:{self.facility}"


class Exchange(_Strict):
    """An exchange that runs today (``exchanges.csv`` or ``current_fate: exchange:<demand>``):
    ``quantity`` supply units per year from ``supply`` to ``demand`` by ``mode``. It is part
    of the baseline; the optimiser may keep, change or end it (no new fixed cost)."""

    id: str
    supply: str
    demand: str
    quantity: float = Field(ge=0)
    unit: str
    mode: Literal["road", "pipe"]
    since: str = ""
    source: str = ""


@dataclass
class Scenario:
    """A loaded, validated scenario. Quantities are canonical units per year."""

    folder: Path | None
    config: ScenarioConfig
    catalogue: Catalogue
    actors: list[Actor]
    supplies: list[Supply]
    demands: list[Demand]
    sites: list[SiteOption]
    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)

    # -- convenience ----------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.config.name

    @property
    def periods(self) -> list[Period]:
        return self.config.periods

    def actor(self, actor_id: str) -> Actor:
        return self._actor_index()[actor_id]

    def _actor_index(self) -> dict[str, Actor]:
        return {a.id: a for a in self.actors}

    def site_ids(self) -> list[str]:
        return list(dict.fromkeys(s.site for s in self.sites))

    def facility(self, option: SiteOption) -> FacilityType:
        return self.config.facilities[option.facility]

    def osm_path(self) -> Path | None:
        """The scenario's road extract, resolved against its folder (None if unset)."""
        osm = self.config.network.osm
        if not osm:
            return None
        p = Path(osm)
        return p if p.is_absolute() or self.folder is None else (self.folder / p)

    def assumptions(self) -> dict[str, str]:
        """Numbers whose source is an assumption: key -> source text."""
        return {k: v for k, v in self.sources.items() if is_assumption(v)}

    def source_of(self, key: str) -> str:
        """Source recorded for a key such as ``economics.landfill_tax`` or
        ``supplies.csv:S1.quantity`` ('' when none)."""
        return self.sources.get(key, "")

    def summary(self) -> dict[str, Any]:
        """Counts and total quantities per resource (canonical units per year)."""
        totals: dict[str, dict[str, float]] = {}
        for kind, rows in (("supply", self.supplies), ("demand", self.demands)):
            for r in rows:
                entry = totals.setdefault(r.resource, {"unit": r.unit, "supply": 0.0, "demand": 0.0})  # type: ignore[dict-item]
                entry[kind] += r.quantity
        return {
            "name": self.name,
            "actors": len(self.actors),
            "supplies": len(self.supplies),
            "demands": len(self.demands),
            "sites": len(self.site_ids()),
            "site_options": len(self.sites),
            "periods": [p.id for p in self.periods],
            "resources": dict(sorted(totals.items())),
            "assumptions": len(self.assumptions()),
        }


def is_assumption(source: str) -> bool:
    """True when a source text marks an assumed number, wholly or in part.

    "assumption: ...", "report 002 §3.4; gate fee: assumption" and "position assumed
    from the town centroid" all count: a number that rests partly on an assumption is
    reported as assumed, never as measured.
    """
    return marks_assumption(source)
