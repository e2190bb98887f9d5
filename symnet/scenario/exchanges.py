"""Exchanges that run today: ``exchanges.csv`` and the ``current_fate: exchange:<demand id>``
shorthand on a supply (the whole supply goes to that demand).

``exchanges.csv`` columns: ``id, supply, demand`` (required), ``quantity, unit`` (default:
the whole supply, capped by what the demand takes), ``mode`` (``road``/``pipe``; default the
resource's first transport mode), ``since``, ``source``. Quantities are converted to the
supply's canonical unit per year. Rules (each a ``file:row:column`` error): the supply and
the demand exist; the supply's resource can serve the demand; the mode is one the resource
can travel by; the exchanges of one supply carry at most its quantity and those into one
demand deliver at most its quantity.
"""

from __future__ import annotations

import math
from pathlib import Path

from symnet.resources import Catalogue
from symnet.scenario._problems import _did_you_mean, _Problems
from symnet.scenario.limits import MAX_QUANTITY
from symnet.scenario.model import Demand, Exchange, Scenario, Supply
from symnet.scenario.read import _Cell, _load_optional_table, _read_csv, _record_row_sources

EXCHANGE_FATE = "exchange:"
"""Prefix of the ``current_fate`` shorthand: ``exchange:<demand id>``."""
EXCHANGES_FILE = "exchanges.csv"
_TOL = 1e-9


def load_exchanges(
    folder: Path,
    catalogue: Catalogue,
    supplies: list[Supply],
    demands: list[Demand],
    probs: _Problems,
    sources: dict[str, str],
) -> list[Exchange]:
    """The existing exchanges of a scenario folder (quantities in supply units per year).

    Problems go to ``probs``; an exchange that fails a rule is left out.
    """
    sup = {s.id: s for s in supplies}
    dem = {d.id: d for d in demands}
    rows = _shorthand_rows(folder, sup, dem, catalogue, probs) + _table_rows(
        folder, sup, dem, catalogue, probs, sources
    )
    out: list[Exchange] = []
    pairs: dict[tuple[str, str], int] = {}
    sent: dict[str, float] = {}
    delivered: dict[str, float] = {}
    for cell, ex in rows:
        s, d = sup[ex.supply], dem[ex.demand]
        if (s.id, d.id) in pairs:
            cell.fail("demand", f"exchange {s.id} -> {d.id} is declared twice (also line {pairs[(s.id, d.id)]})")
            continue
        pairs[(s.id, d.id)] = cell.line
        factor = catalogue.substitution_factor(s.resource, d.resource) or 1.0
        sent[s.id] = sent.get(s.id, 0.0) + ex.quantity
        delivered[d.id] = delivered.get(d.id, 0.0) + ex.quantity * factor
        if sent[s.id] > s.quantity * (1 + _TOL) + _TOL:
            cell.fail(
                "quantity",
                f"exchanges of supply '{s.id}' carry {sent[s.id]:g} {s.unit}/yr; expected at most its "
                f"quantity {s.quantity:g} {s.unit}/yr",
            )
        elif delivered[d.id] > d.quantity * (1 + _TOL) + _TOL:
            cell.fail(
                "quantity",
                f"exchanges into demand '{d.id}' deliver {delivered[d.id]:g} {d.unit}/yr; expected at most its "
                f"quantity {d.quantity:g} {d.unit}/yr",
            )
        else:
            out.append(ex)
    return out


def _check_pair(
    cell: _Cell, sid: str, did: str, sup: dict[str, Supply], dem: dict[str, Demand], cat: Catalogue
) -> bool:
    """Supply and demand exist and the supply's resource can serve the demand."""
    if sid not in sup:
        cell.fail("supply", f"unknown supply '{sid}'{_did_you_mean(sid, list(sup))}; expected an id of supplies.csv")
    if did not in dem:
        col = "demand" if cell.table.name == EXCHANGES_FILE else "current_fate"
        cell.fail(col, f"unknown demand '{did}'{_did_you_mean(did, list(dem))}; expected an id of demands.csv")
    if not cell.ok:
        return False
    s, d = sup[sid], dem[did]
    if cat.substitution_factor(s.resource, d.resource) is None:
        col = "demand" if cell.table.name == EXCHANGES_FILE else "current_fate"
        cell.fail(
            col,
            f"supply '{sid}' ({s.resource}) cannot serve demand '{did}' ({d.resource}); "
            "expected a demand of the same resource, its class or a substitution",
        )
        return False
    return True


def _mode(cell: _Cell, resource: str, cat: Catalogue) -> str:
    modes = list(cat.resources[resource].modes)
    mode = cell.text("mode") or (modes[0] if modes else "road")
    if mode not in modes:
        cell.fail(
            "mode", f"'{mode}' is not a transport mode of {resource}; expected one of {', '.join(modes) or 'none'}"
        )
    return mode


def _table_rows(
    folder: Path,
    sup: dict[str, Supply],
    dem: dict[str, Demand],
    cat: Catalogue,
    probs: _Problems,
    sources: dict[str, str],
) -> list[tuple[_Cell, Exchange]]:
    from symnet.scenario.validate import _check_columns

    table = _load_optional_table(folder, EXCHANGES_FILE, probs, required=False)
    if table is None or not _check_columns(
        table, ["id", "supply", "demand"], ["quantity", "unit", "mode", "since"], probs
    ):
        return []
    out: list[tuple[_Cell, Exchange]] = []
    seen: set[str] = set()
    for line, row in table.rows:
        cell = _Cell(table, line, row, probs)
        eid = cell.text("id", required=True)
        if eid in seen:
            cell.fail("id", f"exchange id '{eid}' appears more than once")
        seen.add(eid)
        sid, did = cell.text("supply", required=True), cell.text("demand", required=True)
        if not _check_pair(cell, sid, did, sup, dem, cat):
            continue
        s = sup[sid]
        qty = _quantity(cell, s, dem[did], cat)
        mode = _mode(cell, s.resource, cat)
        if cell.ok and qty is not None:
            src = cell.text("source")
            ex = Exchange(
                id=eid,
                supply=sid,
                demand=did,
                quantity=qty,
                unit=s.unit,
                mode=mode,  # type: ignore[arg-type]
                since=cell.text("since"),
                source=src,
            )
            out.append((cell, ex))
            _record_row_sources(table, cell, eid, ["quantity"], sources)
    return out


def _quantity(cell: _Cell, s: Supply, d: Demand, cat: Catalogue) -> float | None:
    """The row's quantity in the supply's canonical unit (default: all the demand can take)."""
    q = cell.number("quantity", minimum=0, high=MAX_QUANTITY)
    if q is None:
        factor = cat.substitution_factor(s.resource, d.resource) or 1.0
        return min(s.quantity, d.quantity / factor) if cell.ok else None
    unit = cell.text("unit") or s.unit
    try:
        return cat.convert(q, unit, s.resource)
    except ValueError as exc:
        cell.fail("unit", str(exc))
        return None


def _shorthand_rows(
    folder: Path, sup: dict[str, Supply], dem: dict[str, Demand], cat: Catalogue, probs: _Problems
) -> list[tuple[_Cell, Exchange]]:
    """Exchanges from ``current_fate: exchange:<demand id>`` in supplies.csv (whole supply)."""
    path = folder / "supplies.csv"
    quiet = _Problems()  # supplies.csv's own problems are reported by its loader
    table = _read_csv(path, quiet, "supplies.csv") if path.is_file() else None
    if table is None:
        return []
    out: list[tuple[_Cell, Exchange]] = []
    for line, row in table.rows:
        fate = row.get("current_fate", "")
        sid = row.get("id", "")
        if not fate.startswith(EXCHANGE_FATE) or sid not in sup:
            continue
        cell = _Cell(table, line, row, probs)
        did = fate.removeprefix(EXCHANGE_FATE).strip()
        if _check_pair(cell, sid, did, sup, dem, cat):
            modes = list(cat.resources[sup[sid].resource].modes)
            ex = Exchange(
                id=f"{sid}>{did}",
                supply=sid,
                demand=did,
                quantity=sup[sid].quantity,
                unit=sup[sid].unit,
                mode=modes[0] if modes else "road",
                source=row.get("source", ""),
            )
            out.append((cell, ex))
    return out


UNBOUNDED_WORDS = ("", "unbounded", "inf", "infinite", "infinity", "unlimited")


def outlet_quantity(cell: _Cell, catalogue: Catalogue, resource: str) -> tuple[float, str, float, str] | None:
    """A demand row's quantity as :func:`symnet.scenario.validate._quantity` reads it, except
    that an outlet without a finite quantity (empty, ``unbounded``, ``inf``) is an error
    unless the row says ``unbounded: true`` and gives a ``source``; then the quantity is inf."""
    from symnet.scenario.validate import _quantity

    raw = cell.text("quantity").strip().lower()
    marked = cell.boolean("unbounded")
    if raw.lstrip("+") not in UNBOUNDED_WORDS:
        if marked:
            cell.fail("unbounded", "unbounded: true with a finite quantity; leave the quantity empty or drop the mark")
            return None
        return _quantity(cell, catalogue, resource)
    did = cell.text("id") or "?"
    if not marked:
        cell.fail(
            "quantity",
            f"demand '{did}' has no finite quantity; expected a number (every outlet takes a finite amount), "
            "or mark it 'unbounded' = true with a 'source' saying why it is unlimited",
        )
        return None
    if not (cell.text("source") or cell.text("quantity_source") or cell.text("unbounded_source")):
        cell.fail("unbounded", f"unbounded demand '{did}' has no source; expected a source for an unlimited outlet")
        return None
    unit = cell.text("unit", required=True)
    if not unit or not resource:
        return None
    target = catalogue.resources[resource].unit if resource in catalogue.resources else catalogue.demand_unit(resource)
    return math.inf, str(target), math.inf, unit


def write_exchanges(scenario: Scenario, folder: Path) -> None:
    """Write ``scenario.exchanges`` as ``exchanges.csv`` in ``folder`` (quantities in the
    supply's canonical unit; removed when there are none)."""
    import csv

    path = folder / EXCHANGES_FILE
    if not scenario.exchanges:
        if path.exists():
            path.unlink()
        return
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "supply", "demand", "quantity", "unit", "mode", "since", "source"])
        for e in scenario.exchanges:
            w.writerow([e.id, e.supply, e.demand, repr(float(e.quantity)), e.unit, e.mode, e.since, e.source])
