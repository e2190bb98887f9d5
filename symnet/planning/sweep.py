"""Sensitivity sweeps (``symnet sweep``): every combination of a parameter grid, with
break-even values located by bisection.

A parameter is a scenario setting such as ``landfill_tax`` (currency per tonne) or
``economics.road.max_km``; see :func:`symnet.scenario.resolve_parameter`. A break-even is
the value, between two consecutive grid values of one parameter (the others fixed),
where a candidate link enters or leaves the optimum.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from symnet.errors import InputError, Problem
from symnet.outputs._format import write_csv
from symnet.parallel import check_workers, run_tasks
from symnet.planning.charts import sweep_chart
from symnet.planning.common import (
    Outcome,
    Shared,
    Variant,
    evaluate,
    kpi_row,
    maybe_client,
    prepare,
    run_variants,
    staged_output,
)
from symnet.scenario import resolve_parameter, with_parameters

Event = Literal["appears", "disappears"]


def parse_params(specs: Iterable[str]) -> list[tuple[str, list[float]]]:
    """Parse ``name=v1,v2,...`` options (``--param landfill_tax=400,800,1200``).

    Also accepts a range ``name=start:stop:count`` (``count`` evenly spaced values).

    Raises
    ------
    InputError
        For a missing '=', a value that is not a number, a repeated name or an empty list.
    """
    out: list[tuple[str, list[float]]] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for spec in specs:
        name, eq, values = spec.partition("=")
        name = name.strip()
        if not eq or not name:
            problems.append(Problem("--param", None, spec, "expected name=v1,v2,... (e.g. landfill_tax=400,800,1200)"))
            continue
        if resolve_parameter(name) in seen:
            problems.append(Problem("--param", None, name, "parameter given twice; give all its values in one --param"))
            continue
        seen.add(resolve_parameter(name))
        try:
            numbers = _parse_values(values)
        except ValueError as exc:
            problems.append(Problem("--param", None, name, str(exc)))
            continue
        out.append((name, numbers))
    if problems:
        raise InputError(problems)
    return out


def _parse_values(text: str) -> list[float]:
    text = text.strip()
    if text.count(":") == 2 and "," not in text:
        a, b, n = text.split(":")
        try:
            start, stop, count = float(a), float(b), int(n)
        except ValueError:
            raise ValueError(f"'{text}' is not a range start:stop:count of numbers") from None
        if count < 2:
            raise ValueError(f"range '{text}' needs a count >= 2")
        return [float(v) for v in np.linspace(start, stop, count)]
    values = []
    for part in text.split(","):
        part = part.strip()
        try:
            value = float(part)
        except ValueError:
            raise ValueError(f"value '{part}' is not a number; expected name=v1,v2,... with numbers") from None
        if not math.isfinite(value):
            raise ValueError(f"value '{part}' is not a finite number")
        values.append(value)
    if not values:
        raise ValueError("no values given")
    return values


def expand_grid(params: Sequence[tuple[str, Sequence[float]]]) -> list[dict[str, float]]:
    """Every combination of the parameter values, the last parameter varying fastest.

    >>> expand_grid([("a", [1, 2]), ("b", [10, 20])])
    [{'a': 1, 'b': 10}, {'a': 1, 'b': 20}, {'a': 2, 'b': 10}, {'a': 2, 'b': 20}]
    """
    names = [n for n, _ in params]
    return [dict(zip(names, combo)) for combo in itertools.product(*(vals for _, vals in params))]


def _grid_label(point: dict[str, float]) -> str:
    return ",".join(f"{k}={v:g}" for k, v in point.items())


@dataclass
class SweepResult:
    """A sweep table (one row per combination) and its break-even table."""

    table: pd.DataFrame
    breakeven: pd.DataFrame
    params: list[str] = field(default_factory=list)


BREAKEVEN_COLUMNS = ["parameter", "link", "event", "low", "high", "breakeven", "tolerance", "context"]


def sweep(
    shared: Shared,
    params: Sequence[tuple[str, Sequence[float]]],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    tolerance: float | None = None,
    refine: bool = True,
) -> SweepResult:
    """Solve every combination of the grid and locate break-even values.

    Parameters
    ----------
    params : sequence of (name, values)
        From :func:`parse_params`.
    tolerance : float, optional
        Width (in the parameter's unit) to which each break-even is refined by bisection;
        default 1/1000 of the grid interval.
    refine : bool
        Refine break-evens by bisection (False: report the grid interval only).

    Returns
    -------
    SweepResult
        ``table``: parameter columns, status, :data:`KPI_COLUMNS`, ``used_links``.
        ``breakeven``: one row per link that appears or disappears between two
        consecutive values of one parameter (others fixed): ``event`` is 'appears' or
        'disappears' as the parameter increases; ``breakeven`` the refined value.
    """
    for name, values in params:  # validate names and every value before any solve or worker starts
        for value in values:
            with_parameters(shared.scenario, {name: value})
    grid = expand_grid(params)
    variants = [Variant(_grid_label(p), params=tuple(p.items())) for p in grid]
    with maybe_client(workers, scheduler, len(variants)) as client:
        outcomes = run_variants(variants, shared, workers, scheduler, client, desc="sweep")
        rows = []
        for point, o in zip(grid, outcomes):
            row: dict[str, Any] = dict(point)
            row.update(kpi_row(o))
            rows.append(row)
        table = pd.DataFrame(rows)
        jobs = _breakeven_jobs(params, grid, outcomes, tolerance)
        if refine and jobs:
            found = run_tasks(
                _bisect, jobs, shared=shared, workers=workers, scheduler=scheduler, client=client, desc="break-even"
            )
        else:
            found = [[(j.low, j.high)] * len(j.links) for j in jobs]
    rows_be = [
        {
            "parameter": j.name,
            "link": link,
            "event": event,
            "low": lo,
            "high": hi,
            "breakeven": (lo + hi) / 2,
            "tolerance": hi - lo,
            "context": _grid_label(j.context),
        }
        for j, bounds in zip(jobs, found)
        for (link, event), (lo, hi) in zip(j.links, bounds)
    ]
    return SweepResult(table, pd.DataFrame(rows_be, columns=BREAKEVEN_COLUMNS), [n for n, _ in params])


@dataclass(frozen=True)
class _BisectJob:
    """One grid interval of one parameter in which some links appear or disappear."""

    name: str
    low: float
    high: float
    context: dict[str, float]
    tolerance: float
    used_low: frozenset[str]
    used_high: frozenset[str]
    links: tuple[tuple[str, Event], ...]


def _breakeven_jobs(
    params: Sequence[tuple[str, Sequence[float]]],
    grid: list[dict[str, float]],
    outcomes: list[Outcome],
    tolerance: float | None,
) -> list[_BisectJob]:
    """One bisection job per grid interval of one parameter (others fixed) in which the
    set of used links changes; ``tolerance`` in the parameter's unit (default 1/1000 of
    the interval)."""
    index = {tuple(p.items()): o for p, o in zip(grid, outcomes)}
    jobs = []
    for name, values in params:
        others = [(n, v) for n, v in params if n != name]
        for ctx in expand_grid(others) if others else [{}]:
            for lo, hi in itertools.pairwise(sorted(set(values))):
                a = index.get(_key(params, ctx, name, lo))
                b = index.get(_key(params, ctx, name, hi))
                links = _changed_links(a, b)
                if a is not None and b is not None and links:
                    tol = tolerance if tolerance is not None else (hi - lo) / 1000.0
                    jobs.append(_BisectJob(name, lo, hi, dict(ctx), tol, frozenset(a.used), frozenset(b.used), links))
    return jobs


def _changed_links(a: Outcome | None, b: Outcome | None) -> tuple[tuple[str, Event], ...]:
    """Links used at ``b`` but not ``a`` ('appears'), then the reverse ('disappears');
    empty unless both ends are solved."""
    if a is None or b is None or not (a.ok and b.ok):
        return ()
    appears: list[tuple[str, Event]] = [(link, "appears") for link in sorted(set(b.used) - set(a.used))]
    disappears: list[tuple[str, Event]] = [(link, "disappears") for link in sorted(set(a.used) - set(b.used))]
    return tuple(appears + disappears)


def _key(params: Sequence[tuple[str, Sequence[float]]], ctx: dict[str, float], name: str, value: float) -> tuple:
    return tuple((n, value if n == name else ctx[n]) for n, _ in params)


def _bisect(shared: Shared, job: _BisectJob) -> list[tuple[float, float]]:
    """Narrow [low, high] around the value where each of ``job.links`` changes state.

    One bisection serves every link of the interval: the interval is split where the
    set of used links differs between its ends, so links that change together (a hub
    opening moves several streams at once) share their solves. Returns one (low, high)
    per link, in ``job.links`` order.
    """
    found: dict[str, tuple[float, float]] = {}
    watched = [link for link, _ in job.links]

    def refine(lo: float, hi: float, used_lo: frozenset[str], used_hi: frozenset[str]) -> None:
        pending = [link for link in watched if link not in found and (link in used_lo) != (link in used_hi)]
        if not pending:
            return
        if hi - lo <= job.tolerance:
            found.update({link: (lo, hi) for link in pending})
            return
        mid = (lo + hi) / 2
        try:
            o = evaluate(shared, Variant("bisect", params=tuple({**job.context, job.name: mid}.items())))
        except InputError:  # e.g. an integer parameter: stop at the resolution reached
            found.update({link: (lo, hi) for link in pending})
            return
        used_mid = frozenset(o.used)
        refine(lo, mid, used_lo, used_mid)
        refine(mid, hi, used_mid, used_hi)

    refine(job.low, job.high, job.used_low, job.used_high)
    return [found.get(link, (job.low, job.high)) for link in watched]


def sweep_command(
    scenario_dir: str | Path,
    params: list[str],
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    tolerance: float | None = None,
) -> Path:
    """``symnet sweep``: write ``OUT/sweep.csv``, ``OUT/breakeven.csv`` and ``OUT/sweep.png``."""
    check_workers(workers)
    parsed = parse_params(params)
    shared = prepare(scenario_dir)
    res = sweep(shared, parsed, workers=workers, scheduler=scheduler, tolerance=tolerance)
    with staged_output(out, shared, force) as tmp:
        write_csv(res.table, tmp / "sweep.csv")
        write_csv(res.breakeven, tmp / "breakeven.csv")
        sweep_chart(res.table, res.breakeven, res.params, tmp / "sweep.png", shared.scenario.config.economics.currency)
    return Path(out)
