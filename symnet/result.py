"""The result of one optimisation: the contract between the optimiser and every output.

A :class:`Result` holds whole tables (pandas DataFrames), in the spirit of PyPSA's
component tables, so that KPIs, exports, reports and planning workflows read the
same columns. Quantities are in each resource's canonical unit; money in the
scenario's currency per year; distances in metres; CO2e in tonnes.

Tables and their columns
------------------------
nodes
    ``node``, ``kind`` ('actor' | 'site'), ``name``, ``sector``, ``municipality``,
    ``lon``, ``lat`` (WGS84), ``confidential`` (bool). Site nodes use the option id
    ``site:facility``.
links
    Every candidate link, used or not: ``link``, ``source_node``, ``target_node``,
    ``supply`` (supply id, or ``site:facility>resource`` for a facility output),
    ``target`` (demand id, or site option id when the receiver is a facility),
    ``resource``, ``mode`` ('road' | 'pipe'), ``distance_m``, ``method``
    ('routed' | 'estimated' | 'pipe'), ``unit_cost`` (per unit moved),
    ``fixed_cost`` (per year when used), ``min_volume`` (per year), ``factor``
    (demand units per supply unit), ``loss`` (share lost on the way),
    ``quantity`` (per year, 0 when unused), ``used`` (bool), ``cost`` (per year).
flows
    One row per used link and period: ``link``, ``period``, ``supplier``,
    ``supplier_name``, ``receiver``, ``receiver_name``, ``supply``, ``target``,
    ``resource``, ``quantity``, ``unit``, ``distance_m``, ``method``, ``mode``,
    ``cost`` (transport and handling for this period), ``tonne_km``.
disposal
    What still goes to its current fate, per supply and period: ``supply``,
    ``actor``, ``resource``, ``period``, ``quantity``, ``unit``, ``fate``,
    ``operation``, ``cost``.
purchases
    Conventional purchases per demand and period: ``demand``, ``actor``,
    ``resource``, ``period``, ``quantity``, ``unit``, ``cost``.
sites
    Every site option: ``option``, ``site``, ``facility``, ``name``, ``lon``, ``lat``,
    ``opened`` (bool), ``throughput`` (per year), ``capacity``, ``fixed_cost``.
excluded
    Candidate pairs that no link was created for: ``supply``, ``target``,
    ``resource``, ``rule`` (e.g. 'quality', 'waste_law', 'max_distance',
    'hazard_assessment', 'k_nearest'), ``detail``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

Status = Literal["optimal", "time_limit", "infeasible", "unbounded", "not_solved", "error"]


@dataclass
class Result:
    """One solved (or failed) allocation with everything outputs need."""

    scenario: str
    status: Status
    solver: str
    objective: float | None
    bound: float | None = None
    gap: float | None = None
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    message: str = ""
    nodes: pd.DataFrame = field(default_factory=pd.DataFrame)
    links: pd.DataFrame = field(default_factory=pd.DataFrame)
    flows: pd.DataFrame = field(default_factory=pd.DataFrame)
    disposal: pd.DataFrame = field(default_factory=pd.DataFrame)
    purchases: pd.DataFrame = field(default_factory=pd.DataFrame)
    sites: pd.DataFrame = field(default_factory=pd.DataFrame)
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame)
    kpis: dict[str, Any] = field(default_factory=dict)
    geometries: dict[str, Any] = field(default_factory=dict)  # link id -> shapely LineString (WGS84)
    crs: str = "EPSG:3006"
    currency: str = "SEK"

    @property
    def ok(self) -> bool:
        """True when the result holds a usable solution (optimal or time-limited)."""
        return self.status in ("optimal", "time_limit")
