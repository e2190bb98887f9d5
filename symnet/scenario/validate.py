"""The validation rules of a scenario and the words of their problem messages.

Every rule records a :class:`symnet.errors.Problem` (file, row, column, message saying
what was found and what was expected) instead of raising, so one load reports every
problem at once.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from symnet.resources import Catalogue, normalise_unit, operations
from symnet.scenario._problems import _did_you_mean, _Problems
from symnet.scenario.limits import MAX_QUANTITY
from symnet.scenario.model import PROFILE_TOLERANCE, SCENARIO_FILE, FacilityType, Scenario, ScenarioConfig
from symnet.scenario.read import _Cell, _Table, looks_like_header, printable


def _check_columns(table: _Table, required: list[str], optional: list[str], probs: _Problems) -> bool:
    ok = True
    header_like = looks_like_header(table.columns)
    for col in required:
        if col not in table.columns:
            unknown = [c for c in table.columns if c not in required and c not in optional]
            shown = (
                f"{_did_you_mean(col, unknown)}; the header is: {_shown_columns(table.columns)}"
                if header_like
                else "; the first line is not a header of column names (is this the right file?)"
            )
            probs.error(table.name, 1, col, f"required column '{col}' is missing{shown}")
            ok = False
    if not ok and not header_like:
        return False
    allowed = set(required) | set(optional) | {"source", "notes", "comment"}
    for col in table.columns:
        if col and col not in allowed and not col.endswith(("_source", "_low", "_high", "_dist")):
            probs.warn(table.name, 1, col, f"unknown column '{printable(col)}' is ignored{_did_you_mean(col, allowed)}")
    return ok


def _shown_columns(columns: list[str], most: int = 30) -> str:
    """Column names for a message: each escaped and cut to 80 characters, at most ``most`` of them."""
    shown = ", ".join(printable(c) for c in columns[:most])
    return shown + (f", ... ({len(columns) - most} more)" if len(columns) > most else "")


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


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _field_model(annotation: Any) -> Any:
    """The pydantic model inside a field annotation (``X``, ``X | None``, ``list[X]``,
    ``dict[str, X]``), else the annotation itself."""
    args = getattr(annotation, "__args__", ())
    found = [a for a in (annotation, *args) if _is_model(a)]
    if not found:
        found = [b for a in args for b in getattr(a, "__args__", ()) if _is_model(b)]
    return found[0] if found else annotation


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model at a validation-error location (list indices and dict keys
    are stepped over), or None when the location leaves the models."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not _is_model(current):
            if isinstance(current, dict):
                continue
            return None
        f = current.model_fields.get(str(part))
        if f is None:
            return None
        current = _field_model(f.annotation)
    return current if _is_model(current) else None


def _check_config(config: ScenarioConfig, probs: _Problems) -> None:
    """The rules on ``scenario.yaml`` that pydantic cannot state field by field."""
    _check_periods(config, probs)
    _check_crs(config.crs, probs)
    for fid, fac in config.facilities.items():
        _check_facility(fid, fac, probs)


def _check_periods(config: ScenarioConfig, probs: _Problems) -> None:
    """Period weights sum to 1, period ids are unique, named profiles fit the periods."""
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


def _check_crs(crs_text: str, probs: _Problems) -> None:
    """The scenario CRS is known to pyproj and projected (distances in metres)."""
    try:
        from pyproj import CRS

        crs = CRS.from_user_input(crs_text)
        if not crs.is_projected:
            probs.error(
                SCENARIO_FILE,
                None,
                "crs",
                f"'{crs_text}' is not a projected CRS; distances need metres (e.g. EPSG:3006 SWEREF99 TM)",
            )
    except Exception:  # pyproj raises CRSError for unknown codes
        probs.error(SCENARIO_FILE, None, "crs", f"unknown CRS '{crs_text}'; expected e.g. EPSG:3006")


def _check_facility(fid: str, fac: FacilityType, probs: _Problems) -> None:
    """One facility type: passthrough without outputs, minimum within capacity, known operations."""
    f = SCENARIO_FILE
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
    bad = next((v for v in values if not math.isfinite(v)), None)
    if bad is not None:
        probs.error(
            file, row, col, f"value '{bad:g}' in profile '{shown}' is not a finite number; expected shares in [0, 1]"
        )
        return False
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
    if any(v > 1 for v in values):
        probs.error(file, row, col, f"profile '{shown}' has a share above 1; expected shares in [0, 1]")
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
    """lon/lat (WGS84 degrees) from lon/lat or x/y (scenario CRS) columns, with range and swap checks."""
    row = cell.row
    if row.get("lon", "") or row.get("lat", ""):
        return _lonlat_position(cell, config)
    if row.get("x", "") or row.get("y", ""):
        return _xy_position(cell, config)
    cell.fail("lon", "no position: give lon and lat (WGS84 degrees) or x and y (in the scenario CRS)")
    return None


def _lonlat_position(cell: _Cell, config: ScenarioConfig) -> tuple[float, float] | None:
    """lon/lat columns in WGS84 degrees: in range, not swapped, warned when outside the CRS area."""
    row = cell.row
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
    if area is None or _inside(area, lon, lat, 2.0):
        return lon, lat
    if _inside(area, lat, lon, 2.0):
        cell.fail(
            "lon",
            f"lon={row['lon']}, lat={row['lat']} look swapped: ({lat}, {lon}) lies in the area of "
            f"{config.crs} but the point as given does not; swap the lon and lat columns",
        )
        return None
    cell.probs.warn(
        cell.table.name,
        cell.line,
        "lon",
        f"lon={row['lon']}, lat={row['lat']} lies outside the area of use of {config.crs}",
    )
    return lon, lat


def _xy_position(cell: _Cell, config: ScenarioConfig) -> tuple[float, float] | None:
    """x/y columns in the scenario CRS (metres), projected to WGS84 lon/lat degrees."""
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
        cell.fail("x", f"x={cell.row['x']}, y={cell.row['y']} cannot be projected from {config.crs}")
        return None
    area = _area_of_use(config.crs)
    if area is not None and not _inside(area, lon, lat, 2.0):
        if abs(x) <= 180 and abs(y) <= 90:  # degrees typed into metre columns land e.g. in the Gulf of Guinea
            cell.fail(
                "x",
                f"x={cell.row['x']}, y={cell.row['y']} look like degrees, but x/y are in {config.crs} (metres); "
                "put degrees in the lon and lat columns",
            )
            return None
        cell.probs.warn(
            cell.table.name,
            cell.line,
            "x",
            f"x={cell.row['x']}, y={cell.row['y']} lies outside the area of use of {config.crs}",
        )
    return lon, lat


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
        cell.probs.id_lines.setdefault((cell.table.name, rid), cell.line)
    return rid


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
    if not canonical <= MAX_QUANTITY:
        cell.fail(
            "quantity",
            f"{cell.row.get('quantity')} {unit} is {canonical:.3g} {target}/yr, out of range; "
            f"expected at most {MAX_QUANTITY:g} {target}/yr",
        )
        return None
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


def _check_facility_resources(config: ScenarioConfig, cat: Catalogue, probs: _Problems) -> None:
    """Every resource named in a facility recipe must be in the catalogue."""
    for fid, fac in config.facilities.items():
        sides: tuple[tuple[str, list[Any]], ...] = (("inputs", list(fac.inputs)), ("outputs", list(fac.outputs)))
        for side, items in sides:
            for i, item in enumerate(items):
                if not cat.is_known(item.resource):
                    probs.error(
                        SCENARIO_FILE,
                        None,
                        f"facilities.{fid}.{side}[{i}].resource",
                        f"unknown resource '{item.resource}'{cat.suggest(item.resource)}; expected a resource "
                        "id or class from the catalogue (see `symnet resources`)",
                    )


def _energy_mwh_per_unit(cat: Catalogue, resource: str) -> float | None:
    """MWh in one canonical unit of ``resource`` (a resource id or class): 1 for a MWh
    resource, ``energy_mwh_per_t`` for a tonne resource that has one, 0 for one counted in
    m3 or pieces, None when unknown (tonnes without an energy content, a class whose
    members differ)."""
    values: set[float] = set()
    for rid in cat.members(resource):
        res = cat.resources[rid]
        if res.unit == "MWh":
            values.add(1.0)
        elif res.unit == "t" and res.energy_mwh_per_t is not None:
            values.add(res.energy_mwh_per_t)
        elif res.unit in ("m3", "pieces"):
            values.add(0.0)  # water, nutrient water, pallets, fridges: no fuel value
        else:
            return None
    return values.pop() if len(values) == 1 else None


def _check_energy_balance(config: ScenarioConfig, cat: Catalogue, probs: _Problems) -> None:
    """A recipe may not make energy: the MWh of its outputs per unit of throughput may not
    exceed the MWh of its inputs. Checked only when the energy of every input is known
    (a biogas plant fed food waste in tonnes has no stated energy content: not checked)."""
    for fid, fac in config.facilities.items():
        if fac.passthrough:
            continue
        known = [_energy_mwh_per_unit(cat, item.resource) for item in fac.inputs]
        if any(k is None for k in known):
            continue
        mwh_in = sum(float(k or 0.0) * item.per_unit for k, item in zip(known, fac.inputs))
        mwh_out = 0.0
        for item in fac.outputs:
            k = _energy_mwh_per_unit(cat, item.resource)
            mwh_out += (k or 0.0) * item.per_unit
        if mwh_out > mwh_in * (1 + 1e-9) + 1e-12:
            probs.error(
                SCENARIO_FILE,
                None,
                f"facilities.{fid}.outputs",
                f"the outputs hold {mwh_out:g} MWh per unit of throughput but the inputs only {mwh_in:g} MWh; "
                "a recipe cannot make energy: lower the outputs' per_unit or add the energy input",
            )


def _check_cross(s: Scenario, probs: _Problems) -> None:
    """Checks that need several files at once."""
    if not s.supplies and not s.demands:
        probs.warn("supplies.csv", None, None, "the scenario has no supplies and no demands")
    _check_id_namespace(s, probs)


def _check_id_namespace(s: Scenario, probs: _Problems) -> None:
    """Actors, supplies, demands and site options (``site:facility``) share one id
    namespace in the model: an id used by two of them is refused, naming both files and
    rows (the rows the loaders recorded in ``probs.id_lines``)."""
    owners: dict[str, tuple[str, str]] = {}
    kinds = [
        (s.config.actors_file, "actor", [a.id for a in s.actors]),
        ("supplies.csv", "supply", [x.id for x in s.supplies]),
        ("demands.csv", "demand", [d.id for d in s.demands]),
        ("sites.csv", "site option", [o.option_id for o in s.sites]),
    ]
    for file, kind, ids in kinds:
        for rid in dict.fromkeys(ids):
            if rid in owners:
                first_file, first_kind = owners[rid]
                first_line = probs.id_lines.get((first_file, rid))
                where = f"{first_file}:{first_line}" if first_line is not None else first_file
                probs.error(
                    file,
                    probs.id_lines.get((file, rid)),
                    "id",
                    f"{kind} id '{rid}' is also the id of {_article(first_kind)} in {where}; actors, supplies, demands "
                    "and site options (site:facility) share one namespace: rename one of them",
                )
            else:
                owners[rid] = (file, kind)


def _check_finite_fields(raw: Any, validated: Any, path: str, probs: _Problems) -> None:
    """Every number ``scenario.yaml`` gives (``raw``, sources stripped) is finite once
    validated (``validated``: the config's ``model_dump()``): catches text such as
    ``"inf"`` that pydantic turns into a float. Defaults (absent from ``raw``) are not checked."""
    if isinstance(raw, dict) and isinstance(validated, dict):
        for key, value in raw.items():
            if key in validated:
                _check_finite_fields(value, validated[key], f"{path}.{key}" if path else str(key), probs)
    elif isinstance(raw, list) and isinstance(validated, list):
        for i, (r, v) in enumerate(zip(raw, validated)):
            _check_finite_fields(r, v, f"{path}[{i}]", probs)
    elif isinstance(validated, float) and not math.isfinite(validated) and not _unlimited_capacity(path, validated):
        probs.error(SCENARIO_FILE, None, path, f"value '{raw}' is not a finite number; expected a number such as 645")


def _unlimited_capacity(path: str, value: float) -> bool:
    """A facility ``capacity: .inf`` (the default, written out by write_scenario) means no limit."""
    return path.endswith(".capacity") and value == math.inf


def _article(noun: str) -> str:
    """``noun`` with its indefinite article (an actor, a supply)."""
    return ("an " if noun[0] in "aeiou" else "a ") + noun
