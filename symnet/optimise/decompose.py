"""Exact decomposition of the model into independent parts (issue #14).

Two columns are coupled when a row holds both; rows that can never bind (their activity
range, from the column bounds, lies within the row's bounds) couple nothing and are left
out. The connected components of the rest (:func:`scipy.sparse.csgraph.connected_components`
on the column-row incidence graph) are independent models: solving each and adding the
objectives gives the optimum of the whole, and the sum of their bounds is a valid bound.
Components smaller than ``min_columns`` are solved together as one part, so a scenario
with hundreds of isolated supplies does not pay hundreds of solver starts.

What couples a national inventory: a site option takes every resource its facility
accepts, one facility per site and ``max_count`` per type tie the sites together, and a
global ``max_open`` or CO2 cap ties everything; resources no facility couples and regions
farther apart than every link's reach fall apart.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from symnet.optimise.arrays import ModelArrays
from symnet.optimise.restrict import RESTRICT_FROM_COLUMNS, LinkColumns, solve_priced_or_whole
from symnet.optimise.solve import (
    Deadline,
    Incumbent,
    Outcome,
    Solution,
    SolverSettings,
    relative_gap,
    time_limit_message,
)
from symnet.optimise.warmstart import site_warm_start

MIN_PART_COLUMNS = 2000
"""Components with fewer columns are solved together as one part."""
AUTO_MIN_COLUMNS = 20000
"""By default, models with fewer columns are solved whole (nothing to gain)."""


@dataclass
class Part:
    """One independent part: its columns and rows (indices into the whole model)."""

    columns: np.ndarray
    rows: np.ndarray


def redundant_rows(arrays: ModelArrays, tol: float = 1e-9) -> np.ndarray:
    """Per row, True when no choice of column values within their bounds can break it."""
    m = arrays.matrix.tocsr()
    lo, hi = arrays.lower, arrays.upper
    pos = m.maximum(0)
    neg = m.minimum(0)
    with np.errstate(invalid="ignore"):
        top = pos @ np.where(np.isfinite(hi), hi, 1e300) + neg @ np.where(np.isfinite(lo), lo, -1e300)
        bottom = pos @ np.where(np.isfinite(lo), lo, -1e300) + neg @ np.where(np.isfinite(hi), hi, 1e300)
    finite_top = top < 1e299
    finite_bottom = bottom > -1e299
    ok_hi = ~np.isfinite(arrays.row_upper) | (finite_top & (top <= arrays.row_upper + tol))
    ok_lo = ~np.isfinite(arrays.row_lower) | (finite_bottom & (bottom >= arrays.row_lower - tol))
    return np.asarray(ok_hi & ok_lo)


def split(arrays: ModelArrays, min_columns: int | None = None) -> list[Part]:
    """The model's independent parts, largest first; components below ``min_columns``
    (default :data:`MIN_PART_COLUMNS`) columns are merged into one last part. One part
    means no decomposition."""
    min_columns = MIN_PART_COLUMNS if min_columns is None else min_columns
    m = arrays.matrix.tocsr()
    n_rows = m.shape[0]
    keep = np.flatnonzero(~redundant_rows(arrays))
    binding = (m[keep] != 0).astype(np.int8)
    graph = sp.bmat([[None, binding], [binding.T, None]], format="csr")
    _, label = connected_components(graph, directed=False)
    col_label = label[len(keep) :]
    sizes = np.bincount(col_label)
    big = [int(c) for c in np.argsort(-sizes, kind="stable") if sizes[c] >= min_columns]
    part_of = np.full(len(sizes), len(big), dtype=int)
    part_of[big] = np.arange(len(big))
    col_part = part_of[col_label]
    row_part = np.full(n_rows, -1, dtype=int)
    row_part[keep] = part_of[label[: len(keep)]]
    parts = [
        Part(np.flatnonzero(col_part == p), np.flatnonzero(row_part == p))
        for p in range(len(big) + 1)
        if (col_part == p).any()
    ]
    return parts


def sub_arrays(arrays: ModelArrays, part: Part) -> ModelArrays:
    """The part as a model of its own (its columns and rows, in the whole model's order)."""
    return arrays.subset(part.columns, part.rows)


@dataclass
class PartTask:
    """One part as a self-contained solve (picklable: it runs in-process or as a Dask task).

    ``seconds``: its share of the time; ``end_time``: wall-clock time (:func:`time.time`)
    the whole solve must end by, so a task that waited in a queue gets only what is left;
    ``site_columns``: column of each free site binary in the part (option position ->
    column), with ``facility`` (facility type per option position) for the warm start;
    ``links``: the part's links when it is solved by link pricing
    (:func:`~symnet.optimise.restrict.solve_restricted`), else None.
    """

    arrays: ModelArrays
    cost: np.ndarray
    settings: SolverSettings
    seconds: float
    end_time: float
    site_columns: dict[int, int]
    facility: np.ndarray
    links: LinkColumns | None = None


def solve_part(_shared: object, task: PartTask) -> Solution:
    """Solve one part with HiGHS within its time, starting from the site warm start when
    the part has free site binaries, by link pricing when the task has its links (the
    HiGHS instance is dropped: not picklable)."""
    deadline = Deadline(max(min(task.seconds, task.end_time - time.time()), 0.0))
    options = pd.DataFrame({"facility": task.facility})
    start = None
    if task.site_columns and task.arrays.integer.any():

        def start(d: Deadline) -> Incumbent | None:
            return site_warm_start(task.arrays, task.cost, task.site_columns, options, d, target=task.settings)

    out = solve_priced_or_whole(
        task.arrays, task.cost, task.settings, task.links, task.site_columns, options, deadline, start
    )
    out.highs = None
    return out


def solve_parts(
    arrays: ModelArrays,
    cost: np.ndarray,
    settings: SolverSettings,
    parts: list[Part],
    deadline: Deadline,
    site_columns: dict[int, int] | None = None,
    facility: np.ndarray | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    links: LinkColumns | None = None,
    restrict_from: int = RESTRICT_FROM_COLUMNS,
) -> Solution:
    """Solve the parts with HiGHS and put the answers together.

    In-process (``workers=1`` and no ``scheduler``, fewer than two parts of
    :data:`MIN_PART_COLUMNS` columns, or already inside a Dask worker) the parts are solved
    one after the other, each with the time left in proportion to its columns
    (time a part does not use goes to the next). Otherwise each part is one Dask task
    (:func:`symnet.parallel.run_tasks`) on a LocalCluster of ``workers`` processes
    (None: one per CPU, at most one per part) or on the cluster at ``scheduler``; with
    ``n`` worker threads a part gets ``min(1, n x its share of the columns)`` of the time
    left once the cluster is up. ``site_columns`` (option position -> column of its free
    site binary in the whole model) and ``facility`` (facility type per option position)
    give each part the site warm start. With ``links`` (the whole model's), a part of at least
    ``restrict_from`` columns is solved by link pricing (:mod:`~symnet.optimise.restrict`).

    The status is the worst of the parts' (infeasible, unbounded, no solution, time limit,
    optimal); the bound is the sum of theirs, the gap that of the sums
    (``(objective - bound) / |objective|``). The answer does not depend on the number of
    workers when every part is solved to optimality.
    """
    from symnet.parallel import default_workers, in_dask_worker

    total = sum(len(p.columns) for p in parts)
    big = sum(len(p.columns) >= MIN_PART_COLUMNS for p in parts)
    wanted = scheduler is not None or (workers or default_workers(len(parts))) > 1
    if wanted and big >= 2 and not in_dask_worker():
        tasks = [
            _task(arrays, cost, settings, part, site_columns or {}, facility, links, restrict_from) for part in parts
        ]
        solutions: list[Solution | None] = list(_solve_on_dask(tasks, parts, total, deadline, workers, scheduler))
    else:
        solutions = _solve_in_turn(
            arrays, cost, settings, parts, deadline, site_columns, facility, links, restrict_from
        )
    return _put_together(arrays, cost, settings, parts, solutions)


def _solve_in_turn(
    arrays: ModelArrays,
    cost: np.ndarray,
    settings: SolverSettings,
    parts: list[Part],
    deadline: Deadline,
    site_columns: dict[int, int] | None,
    facility: np.ndarray | None,
    links: LinkColumns | None,
    restrict_from: int,
) -> list[Solution | None]:
    """The parts one after the other in this process, smallest first (one sub-model in memory
    at a time). What the solved parts leave unused of the gap target (``gap x their
    objectives - their own gaps``, objective units) is the next part's
    :attr:`~symnet.optimise.solve.SolverSettings.gap_slack`, so the whole model's gap, not
    each part's, is held to the target: a big part stops as soon as the whole is proved.
    Stops at the first part without a solution; the list keeps the order of ``parts`` (None:
    a part not solved)."""
    order = sorted(range(len(parts)), key=lambda i: len(parts[i].columns))
    solved: dict[int, Solution] = {}
    left = sum(len(p.columns) for p in parts)
    objectives = gaps = 0.0  # of the parts solved so far: sum of objectives, sum of objective - bound
    sharing = True  # False from the first part without a positive objective and a bound: no slack after it
    for i in order:
        part = parts[i]
        slack = max(settings.gap * objectives - gaps, 0.0) if sharing else 0.0
        part_settings = replace(settings, gap_slack=slack)
        task = _task(arrays, cost, part_settings, part, site_columns or {}, facility, links, restrict_from)
        task.seconds = deadline.remaining() * len(part.columns) / max(left, 1)
        task.end_time = time.time() + deadline.remaining()
        left -= len(part.columns)
        out = solved[i] = solve_part(None, task)
        if out.outcome[0] not in ("optimal", "time_limit"):
            break
        objective = float(task.cost @ out.values) if out.values is not None else math.nan
        bound = out.outcome[1]
        if sharing and objective > 0 and bound is not None and math.isfinite(bound):
            objectives, gaps = objectives + objective, gaps + max(objective - bound, 0.0)
        else:
            sharing = False
    return [solved.get(i) for i in range(len(parts))]


def _task(
    arrays: ModelArrays,
    cost: np.ndarray,
    settings: SolverSettings,
    part: Part,
    site_columns: dict[int, int],
    facility: np.ndarray | None,
    links: LinkColumns | None = None,
    restrict_from: int = RESTRICT_FROM_COLUMNS,
) -> PartTask:
    """The part's own model, site binaries and (from ``restrict_from`` columns) links (time
    set when it is scheduled)."""
    position = {int(c): i for i, c in enumerate(part.columns)}
    own = {k: position[c] for k, c in site_columns.items() if c in position}
    facility_of = np.asarray(facility) if facility is not None else np.zeros(0, dtype=object)
    part_links = None
    if links is not None and len(part.columns) >= restrict_from:
        part_links = links.in_part(part.columns, part.rows, len(cost), len(arrays.row_names))
    return PartTask(sub_arrays(arrays, part), cost[part.columns], settings, 0.0, 0.0, own, facility_of, part_links)


def _solve_on_dask(
    tasks: list[PartTask],
    parts: list[Part],
    total: int,
    deadline: Deadline,
    workers: int | None,
    scheduler: str | None,
) -> list[Solution]:
    """Every part as one Dask task, within the deadline (cluster start-up included)."""
    from symnet.parallel import dask_client, default_workers, run_tasks

    with dask_client(workers or default_workers(len(parts)), scheduler) as client:
        slots = sum(client.nthreads().values())
        remaining = deadline.remaining()
        end_time = time.time() + remaining
        for task, part in zip(tasks, parts):
            task.seconds = remaining * min(1.0, slots * len(part.columns) / max(total, 1))
            task.end_time = end_time
        return run_tasks(solve_part, tasks, client=client, chunk_size=1, progress=False, desc="parts")


def _put_together(
    arrays: ModelArrays,
    cost: np.ndarray,
    settings: SolverSettings,
    parts: list[Part],
    all_solutions: list[Solution | None],
) -> Solution:
    """One solution of the whole model from the parts' (see :func:`solve_parts`; None: a part
    not solved because another one failed)."""
    n_cols, n_rows = len(cost), len(arrays.row_names)
    values, col_dual, row_dual = np.zeros(n_cols), np.zeros(n_cols), np.zeros(n_rows)
    solutions = [out for out in all_solutions if out is not None]
    for part, out in zip(parts, all_solutions):
        if out is None:
            continue
        if out.values is not None:
            values[part.columns] = out.values
        if out.col_dual is not None and out.row_dual is not None:
            col_dual[part.columns] = out.col_dual
            row_dual[part.rows] = out.row_dual
    outcomes = [out.outcome if out is not None else None for out in all_solutions]
    outcome = _combined(outcomes, float(cost @ values), settings.time_limit_s, len(parts))
    notes = list(dict.fromkeys(out.note for out in solutions if out.note))
    if notes and outcome[0] in ("optimal", "time_limit"):
        status, bound, gap, message = outcome
        outcome = (status, bound, gap, f"{message}; " + "; ".join(notes))
    solved = outcome[0] in ("optimal", "time_limit")
    lp_optimal = outcome[0] == "optimal" and not arrays.integer.any()
    return Solution(
        outcome,
        values if solved else None,
        col_dual if lp_optimal else None,
        row_dual if lp_optimal else None,
        None,
        sum(out.handover_seconds for out in solutions),
        sum(out.solver_seconds for out in solutions),
    )


def _combined(outcomes: list[Outcome | None], objective: float, time_limit_s: float, n_parts: int) -> Outcome:
    """One outcome from the parts' outcomes (see :func:`solve_parts`; None: not solved, only
    after a part that failed)."""
    statuses = [o[0] if o is not None else None for o in outcomes]
    for worst in ("infeasible", "unbounded", "error", "not_solved"):
        if worst in statuses:
            first = outcomes[statuses.index(worst)]
            assert first is not None
            return worst, None, None, f"{first[3]} (in part {statuses.index(worst) + 1} of {n_parts})"
    bounds = [o[1] if o is not None else None for o in outcomes]
    bound = float(sum(b for b in bounds if b is not None)) if all(b is not None for b in bounds) else None
    gap = relative_gap(objective, bound)
    if all(status == "optimal" for status in statuses):
        return "optimal", bound, gap, f"optimal ({n_parts} independent parts)"
    return "time_limit", bound, gap, time_limit_message(time_limit_s, gap, f" ({n_parts} independent parts)")
