"""Planner workflows: site comparison, sensitivity sweeps, cost-CO2e Pareto front,
resilience and "why not this link?".

Every workflow loads the scenario once, builds its distance table and candidate network
once (:func:`~symnet.planning.common.prepare`), and then runs *variants* that only
reprice (:meth:`SymbiosisNetwork.reprice`) and re-solve. Variants are independent and run
through :func:`symnet.parallel.run_tasks` (in-process, on a LocalCluster or on
an existing Dask cluster); results come back in input order, so every output file is
identical whatever the number of workers.

Money is in the scenario's currency per year, quantities in canonical units per year,
distances in metres, CO2e in t/yr.

Modules
-------
- :mod:`~symnet.planning.common`: :class:`Variant`, :class:`Outcome`, :class:`Shared`,
  :func:`evaluate`, :func:`prepare` and the helpers every workflow uses;
- one module per workflow, each ending in a ``*_command`` that writes its folder:
  :mod:`~symnet.planning.compare` (``sites.csv``, ``sites.png``),
  :mod:`~symnet.planning.sweep` (``sweep.csv``, ``breakeven.csv``, ``sweep.png``),
  :mod:`~symnet.planning.pareto` (``pareto.csv``, ``pareto.png``),
  :mod:`~symnet.planning.resilience` (``resilience.csv``, ``centrality.csv``),
  :mod:`~symnet.planning.explain` (``explain.csv``);
- :mod:`~symnet.planning.charts`: their matplotlib charts;
- :mod:`symnet.parallel` (beside the package: the optimiser runs its parts with it too):
  running tasks on Dask, in input order.

Adding a workflow: write ``symnet/planning/<name>.py`` with a function from a
:class:`Shared` to tables (build :class:`Variant` objects, run them with
:func:`~symnet.planning.common.run_variants`, turn outcomes into rows with
:func:`~symnet.planning.common.kpi_row`) and a ``<name>_command`` that writes them inside
:func:`~symnet.planning.common.staged_output`; re-export both here and add the typer
command in :mod:`symnet.cli`.
"""

from symnet.planning.common import (
    KPI_COLUMNS,
    NETWORK_PARAMETERS,
    TOL,
    Outcome,
    Shared,
    Variant,
    evaluate,
    prepare,
)
from symnet.planning.compare import SITE_COLUMNS, TOGETHER, compare_command, compare_sites, site_variants
from symnet.planning.explain import EXPLAIN_COLUMNS, explain, explain_command, link_gaps
from symnet.planning.pareto import PARETO_COLUMNS, pareto_command, pareto_front
from symnet.planning.resilience import (
    CENTRALITY_COLUMNS,
    RESILIENCE_COLUMNS,
    centrality,
    resilience,
    resilience_command,
)
from symnet.planning.sweep import (
    BREAKEVEN_COLUMNS,
    SweepResult,
    expand_grid,
    parse_params,
    sweep,
    sweep_command,
)

__all__ = [
    "BREAKEVEN_COLUMNS",
    "CENTRALITY_COLUMNS",
    "EXPLAIN_COLUMNS",
    "KPI_COLUMNS",
    "NETWORK_PARAMETERS",
    "PARETO_COLUMNS",
    "RESILIENCE_COLUMNS",
    "SITE_COLUMNS",
    "TOGETHER",
    "TOL",
    "Outcome",
    "Shared",
    "SweepResult",
    "Variant",
    "centrality",
    "compare_command",
    "compare_sites",
    "evaluate",
    "expand_grid",
    "explain",
    "explain_command",
    "link_gaps",
    "pareto_command",
    "pareto_front",
    "parse_params",
    "prepare",
    "resilience",
    "resilience_command",
    "site_variants",
    "sweep",
    "sweep_command",
]
