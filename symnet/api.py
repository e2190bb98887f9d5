"""The documented Python entry points of symnet (``docs/python-api.md``).

>>> import symnet
>>> scenario = symnet.load_scenario("scenarios/harjedalen")   # doctest: +SKIP
>>> solution = symnet.solve(scenario)                           # doctest: +SKIP
>>> solution.kpis["savings"], solution.flows.head()             # doctest: +SKIP

Everything here is a thin, typed layer over the pipeline stages (:mod:`symnet.pipeline`,
:mod:`symnet.planning`, :mod:`symnet.outputs`), so a script and ``symnet run`` give the
same numbers. Money is in the scenario's currency per year (SEK/yr for the shipped
scenarios), quantities in each resource's unit per year, distances in metres.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from symnet.pipeline import RunOutput, output_writers, run_scenario, write_run
from symnet.result import Result
from symnet.scenario import Scenario
from symnet.scenario import load_scenario as _load_scenario

__all__ = ["Solution", "compare", "load_scenario", "solve"]


def load_scenario(folder: str | Path, allow_outside: bool | None = None) -> Scenario:
    """Read and validate a scenario folder (``scenario.yaml``, ``actors.csv`` ...);
    files it references must lie inside it unless ``allow_outside`` (README "Security").

    Raises
    ------
    symnet.errors.InputError
        Every problem found, each as ``file:row:column: message`` (``str(error)``).
    """
    return _load_scenario(folder, allow_outside)


@dataclass
class Solution:
    """One solved scenario: the KPIs and tables of the optimum, with GIS views.

    Attributes
    ----------
    run : RunOutput
        Everything the pipeline produced (scenario, candidate network, result, timings).
    """

    run: RunOutput

    @property
    def result(self) -> Result:
        """The raw allocation result (status, objective, tables)."""
        return self.run.result

    @property
    def status(self) -> str:
        """'optimal', 'time_limit', 'infeasible', ... (:data:`symnet.result.Status`)."""
        return str(self.run.result.status)

    @property
    def kpis(self) -> dict[str, Any]:
        """KPIs against the baseline: ``total_cost``, ``baseline_cost``, ``savings``
        (currency/yr), ``landfill_diverted_t``, ``co2e_avoided_t`` (t/yr), ... ."""
        return self.run.result.kpis

    @property
    def flows(self) -> pd.DataFrame:
        """One row per active link and period: quantity (resource unit), distance_m, cost."""
        return self.run.result.flows

    @property
    def disposal(self) -> pd.DataFrame:
        """What still goes to its current fate, per supply and period."""
        return self.run.result.disposal

    @property
    def links(self) -> pd.DataFrame:
        """Every candidate link, used or not."""
        return self.run.result.links

    @property
    def participants(self) -> pd.DataFrame:
        """Per actor and opened site: baseline cost, cost with symbiosis and gain (currency/yr)."""
        from symnet.participants import COLUMNS

        return pd.DataFrame(self.run.result.kpis.get("participants", []), columns=COLUMNS)

    def layers(self, public: bool = False) -> dict[str, gpd.GeoDataFrame]:
        """The GIS layers ``actors``, ``sites``, ``exchanges``, ``disposal`` (WGS84), as in
        ``network.gpkg``; ``public`` aggregates confidential actors and streams."""
        from symnet.outputs.public import result_layers

        return result_layers(self.run.result, self.run.scenario, public)

    @property
    def exchanges(self) -> gpd.GeoDataFrame:
        """The exchange network as lines (one row per active link), WGS84."""
        return self.layers()["exchanges"]

    def write(self, out: str | Path, *, force: bool = False, public: bool = False) -> Path:
        """Write the same folder as ``symnet run --out`` (summary.json, CSVs, GPKG, map,
        report) atomically; refuses an existing ``out`` without ``force``."""
        writers = output_writers(public, self.run.scenario.config.map.basemap, self.run, self.run.distances.path)
        return write_run(self.run, Path(out), force=force, public=public, extra_writers=writers)


def solve(
    scenario: Scenario | str | Path,
    *,
    osm: str | Path | None = None,
    solver: str | None = None,
    time_limit_s: float | None = None,
    gap: float | None = None,
    settlement_rule: str = "proportional",
) -> Solution:
    """Optimise a scenario (a loaded :class:`~symnet.scenario.Scenario` or its folder).

    Parameters
    ----------
    osm : path, optional
        Road extract for routed distances (else the scenario's ``network.osm``, else
        great-circle distance x circuity).
    solver : {"highs", "cbc"}, optional
        The MILP solver (default: the scenario's, else HiGHS).
    time_limit_s, gap : float, optional
        Solver time limit (s) and relative MIP gap (0.01 = 1 %).
    settlement_rule : {"proportional", "equal", "nucleolus"}
        How the savings are shared among participants.
    """
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    run = run_scenario(
        loaded,
        osm=Path(osm) if osm is not None else None,
        solver=solver,
        time_limit_s=time_limit_s,
        gap=gap,
        settlement_rule=settlement_rule,
    )
    return Solution(run)


def compare(
    scenario: Scenario | str | Path,
    sites: Sequence[str] | None = None,
    choose: int | None = None,
    *,
    workers: int | None = 1,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Co-location sites side by side, ranked by net benefit (currency/yr): one row per
    site option alone (``sites`` to pick some, ``choose=k`` for the best k together).
    Columns: :data:`symnet.planning.compare.SITE_COLUMNS`.

    The variants run in this process by default; ``workers=None`` (one per core) or
    ``workers=n`` run them on a Dask LocalCluster, ``scheduler="tcp://host:8786"`` on an
    existing cluster."""
    from symnet.planning.common import prepare
    from symnet.planning.compare import compare_sites

    return compare_sites(prepare(scenario), sites, choose, workers=workers, scheduler=scheduler)
