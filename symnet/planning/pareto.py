"""Cost-CO2e Pareto front (``symnet pareto``) by the epsilon-constraint method.

Money in the scenario's currency per year, CO2e in t/yr.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from symnet.errors import InputError, Problem
from symnet.outputs._format import write_csv
from symnet.parallel import check_workers
from symnet.planning.charts import pareto_chart
from symnet.planning.common import (
    Shared,
    Variant,
    kpi_row,
    number,
    prepare,
    require_ok,
    run_variants,
    staged_output,
)

PARETO_COLUMNS = [
    "point",
    "kind",
    "co2_cap_t",
    "status",
    "total_cost",
    "co2e_total_t",
    "savings",
    "co2e_avoided_t",
    "tonne_km",
    "active_links",
    "used_links",
]


def pareto_front(
    shared: Shared, points: int = 7, *, workers: int | None = None, scheduler: str | None = None
) -> pd.DataFrame:
    """Cost-CO2e trade-off by the epsilon-constraint method.

    Solves min cost (CO2e E_max at that optimum) and min CO2e (E_min; then min cost with
    CO2e <= E_min), then min cost with ``co2_cap_t`` at ``points - 2`` evenly spaced caps
    strictly between E_min and E_max. Rows are sorted by CO2e; columns
    :data:`PARETO_COLUMNS` (money per year, CO2e t/yr).
    """
    if points < 2:
        raise InputError([Problem("--points", None, "points", f"got {points}; expected at least 2")])
    ends = run_variants([Variant("min cost"), Variant("min co2", objective="co2")], shared, 1, None, desc="pareto ends")
    require_ok(ends[0], "min cost")
    require_ok(ends[1], "min CO2e")
    e_max = number(ends[0].co2_t)
    e_min = number(ends[1].co2_t)
    slack = max(abs(e_min) * 1e-7, 1e-6)
    caps = list(np.linspace(e_min, e_max, points)[1:-1]) if e_max - e_min > slack else []
    variants = [Variant("min co2 (cheapest)", co2_cap_t=e_min + slack)]
    variants += [Variant(f"cap {i + 1}", co2_cap_t=float(c)) for i, c in enumerate(caps)]
    outcomes = [ends[0]] + run_variants(variants, shared, workers, scheduler, desc="pareto")
    kinds = ["min cost", "min co2"] + ["epsilon"] * len(caps)
    cap_values = [math.nan, e_min + slack] + [float(c) for c in caps]
    rows = []
    for kind, cap, o in zip(kinds, cap_values, outcomes):
        row: dict[str, Any] = {"kind": kind, "co2_cap_t": cap}
        row.update(kpi_row(o))
        rows.append(row)
    table = pd.DataFrame(rows).sort_values(["co2e_total_t", "total_cost"], kind="stable").reset_index(drop=True)
    table["point"] = np.arange(1, len(table) + 1)
    return table.reindex(columns=PARETO_COLUMNS)


def pareto_command(
    scenario_dir: str | Path,
    points: int,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
) -> Path:
    """``symnet pareto``: write ``OUT/pareto.csv`` and ``OUT/pareto.png``."""
    check_workers(workers)
    shared = prepare(scenario_dir)
    table = pareto_front(shared, points, workers=workers, scheduler=scheduler)
    with staged_output(out, shared, force) as tmp:
        write_csv(table, tmp / "pareto.csv")
        pareto_chart(table, tmp / "pareto.png", shared.scenario.config.economics.currency)
    return Path(out)
