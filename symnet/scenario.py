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
"""

from __future__ import annotations

import copy
import csv
import difflib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from symnet.errors import InputError, Problem
from symnet.provenance import marks_assumption
from symnet.resources import (
    Catalogue,
    load_catalogue,
    normalise_unit,
    normalise_waste_code,
    operations,
    waste_codes,
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
    cost_per_km: float = Field(default=15.0, ge=0, description="currency per truck-km, excl. fuel")
    fuel_l_per_km: float = Field(default=0.35, ge=0, description="litres diesel per truck-km")
    empty_return: bool = True
    handling_cost_per_t: float = Field(default=50.0, ge=0, description="loading/unloading, currency per t")
    co2e_kg_per_km: float = Field(default=0.95, ge=0, description="kg CO2e per truck-km (loaded)")
    min_volume_t: float = Field(default=0.0, ge=0, description="minimum viable t/yr on one road link")
    link_fixed_cost: float = Field(default=0.0, ge=0, description="currency per year for each road link used")
    cost_per_trip: float = Field(
        default=0.0,
        ge=0,
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

    cost_per_m: float = Field(default=4000.0, ge=0, description="investment, currency per metre")
    connection_cost: float = Field(default=0.0, ge=0, description="investment per pipe link (heat exchangers, pumps)")
    lifetime_years: float = Field(default=30.0, gt=0)
    interest_rate: float = Field(default=0.05, ge=0, lt=1)
    heat_loss_per_km: float = Field(default=0.02, ge=0, lt=1, description="share of flow lost per km")
    operating_cost_per_unit_km: float = Field(
        default=0.5, ge=0, description="pumping etc., currency per MWh (or m3) per km"
    )
    circuity: float = Field(default=1.2, ge=1)
    max_km: float | None = Field(default=None, gt=0)

    def annuity_factor(self) -> float:
        """Capital recovery factor (1/yr)."""
        r, n = self.interest_rate, self.lifetime_years
        return 1.0 / n if r == 0 else r / (1.0 - (1.0 + r) ** -n)


class Economics(_Strict):
    """Economic parameters (currency per canonical unit unless stated)."""

    currency: str = "SEK"
    landfill_tax: float = Field(default=0.0, ge=0, description="per t landfilled (D1/D5)")
    incineration_tax: float = Field(default=0.0, ge=0, description="per t incinerated (D10)")
    co2_price: float = Field(default=0.0, ge=0, description="per t CO2e")
    diesel_price: float = Field(default=20.0, ge=0, description="per litre")
    road: RoadEconomics = Field(default_factory=RoadEconomics)
    pipe: PipeEconomics = Field(default_factory=PipeEconomics)

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
    circuity: float = Field(default=1.37, ge=1, description="road/straight ratio when distances are estimated")
    snap_warn_m: float = Field(default=2000.0, gt=0)
    k_nearest: int | None = Field(default=None, gt=0, description="keep the k nearest compatible receivers per supply")


class SolverSettings(_Strict):
    name: Literal["highs", "cbc"] = "highs"
    time_limit_s: float = Field(default=120.0, gt=0)
    gap: float = Field(default=0.0001, ge=0, lt=1)
    threads: int | None = Field(default=None, gt=0)
    seed: int = 0


class FacilityInput(_Strict):
    resource: str
    per_unit: float = Field(default=1.0, gt=0, description="input units per unit of throughput")
    min_temperature_c: float | None = None
    optional: bool = Field(default=False, description="accepted up to per_unit x throughput, not required")
    price: float = Field(
        default=0.0, ge=0, description="what the facility pays to buy this input conventionally, per unit"
    )


class FacilityOutput(_Strict):
    resource: str
    per_unit: float = Field(gt=0, description="output units per unit of throughput")
    sale_price: float = Field(
        default=0.0, description="value per unit sold outside the region (negative = disposal cost)"
    )
    temperature_c: float | None = None


class FacilityType(_Strict):
    """A facility a candidate site may host, with its conversion recipe.

    Throughput is counted in units of the first input. Each required input is consumed at
    ``per_unit`` x throughput; each output is produced at ``per_unit`` x throughput. A
    ``passthrough`` facility (collection hub) forwards each accepted input as the same
    resource, minus ``loss``, so that small streams can be pooled.
    """

    name: str = ""
    fixed_cost: float = Field(default=0.0, ge=0, description="currency per year when opened (annualised)")
    capacity: float = Field(default=math.inf, gt=0, description="max throughput per year")
    min_throughput: float = Field(default=0.0, ge=0, description="throughput per year needed when opened")
    operating_cost: float = Field(default=0.0, ge=0, description="currency per unit of throughput")
    inputs: list[FacilityInput] = Field(min_length=1)
    outputs: list[FacilityOutput] = Field(default_factory=list)
    passthrough: bool = False
    loss: float = Field(default=0.0, ge=0, lt=1)
    operations: list[str] = Field(default_factory=list)
    max_count: int | None = Field(default=None, gt=0)


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
    facilities: dict[str, FacilityType] = Field(default_factory=dict)
    actors_file: str = "actors.csv"
    resources: dict[str, dict[str, Any]] = Field(default_factory=dict)
    fates: dict[str, dict[str, Any]] = Field(default_factory=dict)
    substitutions: list[dict[str, Any]] = Field(default_factory=list)
    source: str = ""

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


_ASSUMPTION_WORD = re.compile(r"\bassum(?:ption|ptions|ed)\b", re.IGNORECASE)


def is_assumption(source: str) -> bool:
    """True when a source text marks an assumed number, wholly or in part.

    "assumption: ...", "report 002 §3.4; gate fee: assumption" and "position assumed
    from the town centroid" all count: a number that rests partly on an assumption is
    reported as assumed, never as measured.
    """
    return marks_assumption(source)


# ---------------------------------------------------------------------------------------
# reading helpers
# ---------------------------------------------------------------------------------------
class _Problems:
    """Collects problems for one load."""

    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.errors.append(Problem(file, row, column, message))

    def warn(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.warnings.append(Problem(file, row, column, message))


def _did_you_mean(word: str, choices: list[str] | set[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _decode(path: Path, probs: _Problems, name: str) -> str | None:
    raw = path.read_bytes()
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        probs.error(name, None, None, "file is UTF-16 encoded; expected UTF-8 (in Excel: Save As 'CSV UTF-8')")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        probs.error(
            name,
            line,
            None,
            f"file is not UTF-8 (byte 0x{raw[exc.start]:02x} at line {line}, probably Windows-1252/Latin-1); "
            "expected UTF-8 (in Excel: Save As 'CSV UTF-8')",
        )
        return None


@dataclass
class _Table:
    name: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line number, cells)
    semicolon: bool


def _read_csv(path: Path, probs: _Problems, name: str) -> _Table | None:
    """Read a CSV as strings. Accepts UTF-8 with or without BOM, ',' or ';' separators
    (';' files may use decimal commas). Returns None when unreadable."""
    text = _decode(path, probs, name)
    if text is None:
        return None
    if not text.strip():
        probs.error(name, None, None, "file is empty; expected a header line and at least one row")
        return None
    first = text.splitlines()[0]
    semicolon = first.count(";") > first.count(",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";" if semicolon else ",")
    try:
        lines = list(reader)
    except csv.Error as exc:
        probs.error(name, reader.line_num, None, f"cannot parse CSV: {exc}")
        return None
    header = [h.strip() for h in lines[0]]
    if not any(header):
        probs.error(name, 1, None, "the header line is empty; expected column names")
        return None
    dupes = {h for h in header if header.count(h) > 1 and h}
    for h in sorted(dupes):
        probs.error(name, 1, h, f"column '{h}' appears more than once")
    rows: list[tuple[int, dict[str, str]]] = []
    line_no = 1
    for cells in lines[1:]:
        line_no += 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            extra = [c for c in cells[len(header) :] if c.strip()]
            if extra:
                hint = (
                    "; a decimal comma in a ','-separated file splits a number in two: use '.' or quote the value"
                    if not semicolon
                    else ""
                )
                probs.error(
                    name,
                    line_no,
                    None,
                    f"row has {len(cells)} cells but the header has {len(header)} columns "
                    f"(extra: {', '.join(repr(c) for c in extra)}); expected at most {len(header)}{hint}",
                )
                continue
        row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        rows.append((line_no, row))
    return _Table(name, header, rows, semicolon)


def _check_columns(table: _Table, required: list[str], optional: list[str], probs: _Problems) -> bool:
    ok = True
    for col in required:
        if col not in table.columns:
            unknown = [c for c in table.columns if c not in required and c not in optional]
            probs.error(
                table.name,
                1,
                col,
                f"required column '{col}' is missing{_did_you_mean(col, unknown)}; "
                f"the header is: {', '.join(table.columns)}",
            )
            ok = False
    allowed = set(required) | set(optional) | {"source", "notes", "comment"}
    for col in table.columns:
        if col and col not in allowed and not col.endswith("_source"):
            probs.warn(table.name, 1, col, f"unknown column '{col}' is ignored{_did_you_mean(col, allowed)}")
    return ok


class _Cell:
    """Typed access to one row's cells, recording problems."""

    def __init__(self, table: _Table, line: int, row: dict[str, str], probs: _Problems):
        self.table, self.line, self.row, self.probs = table, line, row, probs
        self.ok = True

    def text(self, col: str, required: bool = False) -> str:
        value = self.row.get(col, "")
        if required and not value:
            self.fail(col, f"'{col}' is empty; a value is required")
        return value

    def fail(self, col: str | None, message: str) -> None:
        self.ok = False
        self.probs.error(self.table.name, self.line, col, message)

    def number(
        self, col: str, required: bool = False, minimum: float | None = None, strictly_positive: bool = False
    ) -> float | None:
        raw = self.text(col, required)
        if not raw:
            return None
        text = raw.replace("\u00a0", "").replace(" ", "")
        if self.table.semicolon and re.fullmatch(r"[-+]?\d+(,\d+)?", text):
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            if re.fullmatch(r"[-+]?\d+,\d+", text):
                self.fail(
                    col,
                    f"'{raw}' has a decimal comma in a ','-separated file; expected '.' as decimal "
                    f"separator ({text.replace(',', '.')}), or save the file ';'-separated",
                )
            else:
                self.fail(col, f"'{raw}' is not a number; expected a number such as 120 or 12.5")
            return None
        if not math.isfinite(value):
            self.fail(col, f"'{raw}' is not a finite number; expected a number such as 120 or 12.5")
            return None
        if strictly_positive and value <= 0:
            self.fail(col, f"{raw} is not allowed; expected a number greater than 0")
            return None
        if minimum is not None and value < minimum:
            self.fail(col, f"{raw} is negative; expected a number >= {minimum:g}")
            return None
        return value

    def boolean(self, col: str) -> bool:
        raw = self.text(col).lower()
        if raw in ("", "0", "false", "no", "n", "nej"):
            return False
        if raw in ("1", "true", "yes", "y", "ja", "x"):
            return True
        self.fail(col, f"'{self.row.get(col)}' is not a yes/no value; expected true/false, yes/no or 1/0")
        return False

    def listing(self, col: str) -> list[str]:
        raw = self.text(col)
        return [p for p in re.split(r"[|;,\s]+", raw) if p] if raw else []


def _record_row_sources(table: _Table, cell: _Cell, key: str, numeric: list[str], sources: dict[str, str]) -> None:
    row_source = cell.row.get("source", "")
    for col in numeric:
        if cell.row.get(col, ""):
            src = cell.row.get(f"{col}_source", "") or row_source
            if src:
                sources[f"{table.name}:{key}.{col}"] = src


# ---------------------------------------------------------------------------------------
# YAML with sources
# ---------------------------------------------------------------------------------------
def _strip_sources(node: Any, path: str, sources: dict[str, str], inherited: str = "") -> Any:
    """Replace ``{value: x, source: s}`` by x, recording s at ``path``; a ``source`` key
    in a mapping is inherited by its numeric siblings."""
    if isinstance(node, dict):
        keys = set(node)
        if "value" in keys and keys <= {"value", "source", "unit", "note"}:
            if node.get("source"):
                sources[path] = str(node["source"])
            elif inherited:
                sources[path] = inherited
            return node["value"]
        here = str(node.get("source", "")) or inherited
        keep_source = path.split(".")[0].split("[")[0] in ("resources", "fates", "substitutions")
        out = {}
        for k, v in node.items():
            if k == "source" and isinstance(v, str) and not keep_source:
                continue
            child = f"{path}.{k}" if path else str(k)
            out[k] = _strip_sources(v, child, sources, here)
        return out
    if isinstance(node, list):
        return [_strip_sources(v, f"{path}[{i}]", sources, inherited) for i, v in enumerate(node)]
    if isinstance(node, (int, float)) and not isinstance(node, bool) and inherited and path not in sources:
        sources[path] = inherited
    return node


def _pydantic_problems(
    exc: ValidationError, file: str, model: type[BaseModel], probs: _Problems, prefix: tuple[Any, ...] = ()
) -> None:
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        key = ".".join(str(p) for p in loc)
        value = err.get("input")
        if err["type"] == "extra_forbidden":
            parent = _model_at(model, loc[len(prefix) : -1])
            hint = _did_you_mean(str(loc[-1]), list(parent.model_fields)) if parent else ""
            allowed = f"; expected one of: {', '.join(parent.model_fields)}" if parent else ""
            probs.error(file, None, key, f"unknown key '{loc[-1]}'{hint}{allowed}")
        elif err["type"] == "missing":
            probs.error(file, None, key, f"required key '{loc[-1]}' is missing")
        else:
            shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
            probs.error(file, None, key, f"{shown}: {err['msg'].lower()}")


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            if isinstance(current, dict):
                continue
            return None
        f = current.model_fields.get(str(part))
        if f is None:
            return None
        ann = f.annotation
        args = getattr(ann, "__args__", ())
        cand = [a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not cand:
            for a in args:
                sub = [b for b in getattr(a, "__args__", ()) if isinstance(b, type) and issubclass(b, BaseModel)]
                cand.extend(sub)
        current = cand[0] if cand else ann
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _load_yaml(path: Path, probs: _Problems) -> dict[str, Any] | None:
    name = path.name
    text = _decode(path, probs, name)
    if text is None:
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        where = f" at column {mark.column + 1}" if mark is not None else ""
        ctx, ctx_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        started = (
            (
                f" (in {ctx.removeprefix('while parsing ')} that starts at line {ctx_mark.line + 1}, "
                f"column {ctx_mark.column + 1})"
            )
            if ctx and ctx_mark is not None
            else ""
        )
        probs.error(
            name,
            line,
            None,
            f"invalid YAML{where}: {getattr(exc, 'problem', None) or exc}{started}; "
            "expected 'key: value' lines (check indentation, colons and brackets)",
        )
        return None
    if not isinstance(data, dict):
        kind = "nothing" if data is None else f"a {type(data).__name__}"
        probs.error(
            name,
            None,
            None,
            f"the file holds {kind}; expected a mapping of keys (name:, crs:, periods:, economics: ...)",
        )
        return None
    return data


# ---------------------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------------------
def load_scenario(folder: str | Path) -> Scenario:
    """Load and validate a scenario folder.

    Parameters
    ----------
    folder : str or Path
        Folder holding ``scenario.yaml`` and the CSV files.

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
    ypath = folder / SCENARIO_FILE
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
    _check_config(config, probs)
    try:
        catalogue = load_catalogue(
            {"resources": config.resources, "fates": config.fates, "substitutions": config.substitutions}
        )
    except ValidationError as exc:
        _pydantic_problems(exc, SCENARIO_FILE, BaseModel, probs)
        raise InputError(probs.errors) from None
    _check_facility_resources(config, catalogue, probs)
    # config-level problems (CRS, weights, recipes) do not stop the tables from being
    # checked: every problem in every file is reported at once.

    declared_ids: set[str] | None = set()
    actors = _load_actors(folder, config, probs, sources, declared_ids)
    # ids of rows that failed their own checks still count as declared, so that one bad
    # actor row does not cascade into "unknown actor" errors in the other files
    actor_ids = declared_ids if actors is not None else None
    supplies = _load_supplies(folder, config, catalogue, actor_ids, probs, sources)
    demands = _load_demands(folder, config, catalogue, actor_ids, probs, sources)
    sites = _load_sites(folder, config, probs, sources)
    if probs.errors:
        raise InputError(probs.errors)
    scenario = Scenario(folder, config, catalogue, actors or [], supplies, demands, sites, sources, probs.warnings)
    _check_cross(scenario, probs)
    if probs.errors:
        raise InputError(probs.errors)
    return scenario


def _check_config(config: ScenarioConfig, probs: _Problems) -> None:
    f = SCENARIO_FILE
    total = sum(p.weight for p in config.periods)
    if abs(total - 1.0) > PROFILE_TOLERANCE:
        shown = ", ".join(f"{p.id}={p.weight:g}" for p in config.periods)
        probs.error(
            f,
            None,
            "periods",
            f"period weights ({shown}) sum to {total:g}; expected 1 (each weight is a share of the year)",
        )
    ids = [p.id for p in config.periods]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        probs.error(f, None, "periods", f"period id '{dup}' appears more than once")
    for name, prof in config.profiles.items():
        _check_profile(prof, ids, f, None, f"profiles.{name}", probs)
    try:
        from pyproj import CRS

        crs = CRS.from_user_input(config.crs)
        if not crs.is_projected:
            probs.error(
                f,
                None,
                "crs",
                f"'{config.crs}' is not a projected CRS; distances need metres (e.g. EPSG:3006 SWEREF99 TM)",
            )
    except Exception:  # pyproj raises CRSError for unknown codes
        probs.error(f, None, "crs", f"unknown CRS '{config.crs}'; expected e.g. EPSG:3006")
    for fid, fac in config.facilities.items():
        if fac.passthrough and fac.outputs:
            probs.error(
                f,
                None,
                f"facilities.{fid}.outputs",
                "a passthrough facility forwards its inputs; it takes no outputs list",
            )
        if fac.min_throughput > fac.capacity:
            probs.error(
                f,
                None,
                f"facilities.{fid}.min_throughput",
                f"{fac.min_throughput:g} is above the capacity {fac.capacity:g}; expected at most the capacity",
            )
        for op in fac.operations:
            if op not in operations():
                probs.error(
                    f,
                    None,
                    f"facilities.{fid}.operations",
                    f"unknown operation '{op}'; expected one of R1-R13 or D1-D15",
                )


def _check_profile(
    values: list[float], periods: list[str], file: str, row: int | None, col: str, probs: _Problems
) -> bool:
    shown = "|".join(f"{v:g}" for v in values)
    if len(values) != len(periods):
        probs.error(
            file,
            row,
            col,
            f"profile '{shown}' has {len(values)} values; expected {len(periods)}, "
            f"one share per period ({', '.join(periods)})",
        )
        return False
    if any(v < 0 for v in values):
        probs.error(file, row, col, f"profile '{shown}' has a negative share; expected shares >= 0")
        return False
    s = sum(values)
    if abs(s - 1.0) > PROFILE_TOLERANCE:
        probs.error(file, row, col, f"profile '{shown}' sums to {s:g}; expected the shares of the year to sum to 1")
        return False
    return True


def _resolve_profile(cell: _Cell, config: ScenarioConfig) -> list[float] | None:
    raw = cell.text("profile")
    weights = [p.weight for p in config.periods]
    if not raw or raw.lower() in ("flat", "even", "constant"):
        return weights
    if raw in config.profiles:
        return list(config.profiles[raw])
    parts = [p for p in re.split(r"[|/ ]+", raw) if p]
    try:
        values = [float(p.replace(",", ".")) for p in parts]
    except ValueError:
        cell.fail(
            "profile",
            f"unknown profile '{raw}'{_did_you_mean(raw, list(config.profiles) + ['flat'])}; "
            f"expected a name from scenario.yaml profiles, 'flat', or shares like 0.4|0.1|0.1|0.4",
        )
        return None
    if not _check_profile(values, [p.id for p in config.periods], cell.table.name, cell.line, "profile", cell.probs):
        cell.ok = False
        return None
    return values


def _project_xy(x: float, y: float, crs: str) -> tuple[float, float]:
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    return float(lon), float(lat)


def _area_of_use(crs: str) -> tuple[float, float, float, float] | None:
    try:
        from pyproj import CRS

        a = CRS.from_user_input(crs).area_of_use
        return (a.west, a.south, a.east, a.north) if a else None
    except Exception:
        return None


def _inside(bbox: tuple[float, float, float, float], lon: float, lat: float, margin: float = 0.0) -> bool:
    w, s, e, n = bbox
    return w - margin <= lon <= e + margin and s - margin <= lat <= n + margin


def _position(cell: _Cell, config: ScenarioConfig) -> tuple[float, float] | None:
    """lon/lat (WGS84) from lon/lat or x/y columns, with range and swap checks."""
    row = cell.row
    if row.get("lon", "") or row.get("lat", ""):
        lon = cell.number("lon", required=True)
        lat = cell.number("lat", required=True)
        if lon is None or lat is None:
            return None
        bad = False
        if not -180 <= lon <= 180:
            cell.fail("lon", f"{row['lon']} is out of range; expected a longitude between -180 and 180")
            bad = True
        if not -90 <= lat <= 90:
            cell.fail("lat", f"{row['lat']} is out of range; expected a latitude between -90 and 90")
            bad = True
        if bad:
            return None
        area = _area_of_use(config.crs)
        if area and not _inside(area, lon, lat, 2.0) and _inside(area, lat, lon, 2.0):
            cell.fail(
                "lon",
                f"lon={row['lon']}, lat={row['lat']} look swapped: ({lat}, {lon}) lies in the area of "
                f"{config.crs} but the point as given does not; swap the lon and lat columns",
            )
            return None
        if area and not _inside(area, lon, lat, 2.0):
            cell.probs.warn(
                cell.table.name,
                cell.line,
                "lon",
                f"lon={row['lon']}, lat={row['lat']} lies outside the area of use of {config.crs}",
            )
        return lon, lat
    if row.get("x", "") or row.get("y", ""):
        x = cell.number("x", required=True)
        y = cell.number("y", required=True)
        if x is None or y is None:
            return None
        try:
            lon, lat = _project_xy(x, y, config.crs)
        except Exception:  # pyproj CRSError: the CRS itself is reported by _check_config
            cell.ok = False
            return None
        if not (math.isfinite(lon) and math.isfinite(lat)):
            cell.fail("x", f"x={row['x']}, y={row['y']} cannot be projected from {config.crs}")
            return None
        return lon, lat
    cell.fail("lon", "no position: give lon and lat (WGS84 degrees) or x and y (in the scenario CRS)")
    return None


def _check_ops(cell: _Cell, col: str) -> list[str]:
    ops = [o.upper() for o in cell.listing(col)]
    for op in ops:
        if op not in operations():
            cell.fail(col, f"unknown operation '{op}'; expected one of R1-R13 or D1-D15")
    return ops


def _unique_id(cell: _Cell, seen: dict[str, int]) -> str:
    rid = cell.text("id", required=True)
    if rid and rid in seen:
        cell.fail("id", f"duplicate id '{rid}' (first used on line {seen[rid]})")
    elif rid:
        seen[rid] = cell.line
    return rid


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


def _read_vector_actors(path: Path, name: str, config: ScenarioConfig, probs: _Problems) -> _Table | None:
    """Actors from a GeoPackage/GeoJSON/FlatGeobuf/Shapefile layer of points."""
    import geopandas as gpd

    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        probs.error(name, None, None, f"cannot read the layer: {exc}")
        return None
    if gdf.crs is None:
        probs.error(name, None, None, "the layer has no CRS; expected one (e.g. EPSG:4326 or EPSG:3006)")
        return None
    if not all(gdf.geometry.geom_type == "Point"):
        probs.error(name, None, "geometry", "expected point geometries for actors")
        return None
    wgs = gdf.to_crs("EPSG:4326")
    rows: list[tuple[int, dict[str, str]]] = []
    columns = [c for c in gdf.columns if c != "geometry"] + ["lon", "lat"]
    for i, (_, rec) in enumerate(wgs.iterrows()):
        cells = {
            c: ("" if rec[c] is None or (isinstance(rec[c], float) and math.isnan(rec[c])) else str(rec[c]))
            for c in columns
            if c not in ("lon", "lat")
        }
        cells["lon"], cells["lat"] = repr(rec.geometry.x), repr(rec.geometry.y)
        rows.append((i + 1, cells))  # feature number
    return _Table(name, columns, rows, False)


def _quantity(cell: _Cell, catalogue: Catalogue, resource: str) -> tuple[float, str, float, str] | None:
    q = cell.number("quantity", required=True, minimum=0)
    unit = cell.text("unit", required=True)
    if q is None or not unit or not resource:
        return None
    try:
        canonical = catalogue.convert(q, unit, resource)
    except ValueError as exc:
        cell.fail("unit", str(exc))
        return None
    target = catalogue.resources[resource].unit if resource in catalogue.resources else catalogue.demand_unit(resource)
    return canonical, str(target), q, normalise_unit(unit)


def _resource(cell: _Cell, catalogue: Catalogue, allow_class: bool) -> str:
    res = cell.text("resource", required=True)
    if not res:
        return ""
    if res in catalogue.resources or (allow_class and res in catalogue.classes):
        return res
    kinds = "resource or class" if allow_class else "resource"
    pool = sorted(set(catalogue.resources) | (catalogue.classes if allow_class else set()))
    cell.fail(
        "resource", f"unknown {kinds} '{res}'{_did_you_mean(res, pool)}; see `symnet resources` for the catalogue"
    )
    return ""


def _ewc_neighbours(code: str, codes: dict[str, Any]) -> str:
    """The List of Waste codes sharing the longest prefix (sub-chapter, then chapter) with ``code``."""
    for width in (4, 2):
        near = sorted(c for c in codes if c.startswith(code[:width]))
        if near:
            group = " ".join(code[i : i + 2] for i in range(0, width, 2))
            return f"expected one of the codes under {group}: {', '.join(near)}"
    return "expected a code from the list (see symnet/data/list-of-waste.csv)"


def _actor_ref(cell: _Cell, actor_ids: set[str] | None) -> str:
    aid = cell.text("actor", required=True)
    if aid and actor_ids is not None and aid not in actor_ids:
        cell.fail("actor", f"unknown actor '{aid}'{_did_you_mean(aid, actor_ids)}; expected an id from actors.csv")
    return aid


def _load_optional_table(folder: Path, name: str, probs: _Problems, required: bool) -> _Table | None:
    path = folder / name
    if not path.is_file():
        if required:
            kind = name.removesuffix(".csv")
            probs.error(
                name,
                None,
                None,
                f"file not found; expected a {kind} table (a header line is enough when there are none)",
            )
        return None
    return _read_csv(path, probs, name)


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


def _check_facility_resources(config: ScenarioConfig, cat: Catalogue, probs: _Problems) -> None:
    """Every resource named in a facility recipe must be in the catalogue."""
    for fid, fac in config.facilities.items():
        for side, items in (("inputs", fac.inputs), ("outputs", fac.outputs)):
            for i, item in enumerate(items):
                if not cat.is_known(item.resource):
                    probs.error(
                        SCENARIO_FILE,
                        None,
                        f"facilities.{fid}.{side}[{i}].resource",
                        f"unknown resource '{item.resource}'{cat.suggest(item.resource)}; expected a resource "
                        "id or class from the catalogue (see `symnet resources`)",
                    )


def _check_cross(s: Scenario, probs: _Problems) -> None:
    """Checks that need several files at once."""
    if not s.supplies and not s.demands:
        probs.warn("supplies.csv", None, None, "the scenario has no supplies and no demands")


# ---------------------------------------------------------------------------------------
# parameter overrides (sweeps)
# ---------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------
# writing (round trips, generated scenarios)
# ---------------------------------------------------------------------------------------
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
            node[last] = {"value": node[last], "source": src}


def _sourced_table(
    table: str, keys: list[str], header: list[str], rows: list[list[str]], numeric: list[str], sources: dict[str, str]
) -> tuple[list[str], list[list[str]]]:
    """Add a ``<column>_source`` column for every numeric column that has a source in some row."""
    cols = [c for c in numeric if any(f"{table}:{k}.{c}" in sources for k in keys)]
    header = header + [f"{c}_source" for c in cols]
    rows = [row + [sources.get(f"{table}:{k}.{c}", "") for c in cols] for k, row in zip(keys, rows)]
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

    header = [
        "id",
        "actor",
        "resource",
        "quantity",
        "unit",
        "profile",
        "temperature_c",
        "ewc",
        "hazard_assessment",
        "current_fate",
        "fate_cost",
        "confidential",
    ]
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

    header = [
        "id",
        "actor",
        "resource",
        "quantity",
        "unit",
        "profile",
        "min_temperature_c",
        "price",
        "gate_fee",
        "co2e_kg_per_unit",
        "operations",
        "max_km",
        "confidential",
    ]
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
    return folder
