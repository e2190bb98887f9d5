"""Resilience (``symnet resilience``): remove each actor in turn and re-optimise.

Ranks keystone actors by the benefit lost without them (currency/yr), lists the streams
of other actors orphaned, and measures the optimal exchange network as a graph
(:func:`centrality`: degree, betweenness, weakly connected clusters).

The benefit of a variant without actor A is measured against the baseline without A
(A's own disposal and purchases disappear from both sides).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from symnet.network import SymbiosisNetwork
from symnet.outputs._format import write_csv
from symnet.parallel import check_workers
from symnet.planning.common import (
    TOL,
    Shared,
    Variant,
    number,
    prepare,
    require_ok,
    run_variants,
    staged_output,
)
from symnet.scenario import Scenario

RESILIENCE_COLUMNS = [
    "rank",
    "actor",
    "name",
    "status",
    "benefit_lost",
    "share_of_benefit",
    "savings",
    "links_lost",
    "streams_orphaned",
    "co2e_avoided_lost_t",
]
CENTRALITY_COLUMNS = [
    "node",
    "name",
    "kind",
    "in_degree",
    "out_degree",
    "degree",
    "betweenness",
    "throughput",
    "cluster",
    "cluster_size",
]


def _without_actor(scenario: Scenario, actor: str) -> Scenario:
    reduced = copy.copy(scenario)
    reduced.supplies = [s for s in scenario.supplies if s.actor != actor]
    reduced.demands = [d for d in scenario.demands if d.actor != actor]
    return reduced


def resilience(
    shared: Shared, *, workers: int | None = None, scheduler: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove each actor in turn and re-optimise; rank keystone actors.

    Returns
    -------
    (resilience, centrality) : DataFrames
        ``resilience`` (:data:`RESILIENCE_COLUMNS`): ``benefit_lost`` = saving of the
        full optimum minus the saving without the actor (both against their own baseline),
        currency/yr; ``streams_orphaned``: supplies and demands of *other* actors that
        were exchanged in the optimum and are no longer. ``centrality``
        (:data:`CENTRALITY_COLUMNS`): the optimal exchange network's degree,
        betweenness and weakly connected clusters.
    """
    from symnet.kpi import baseline

    scenario, network = shared.scenario, shared.network
    actors = [a.id for a in scenario.actors]
    variants = [Variant("all")] + [Variant(a, excluded_actors=frozenset({a})) for a in actors]
    outcomes = run_variants(variants, shared, workers, scheduler, desc="resilience")
    base = outcomes[0]
    require_ok(base, "the full optimum")
    links = network.links.set_index("link")
    base_savings = float(base.kpis["savings"])
    base_streams = _served_streams(links, base.used)
    names = {a.id: a.name for a in scenario.actors}
    rows = []
    for actor, o in zip(actors, outcomes[1:]):
        row: dict[str, Any] = {"actor": actor, "name": names[actor], "status": o.status}
        if o.ok:
            reduced = _without_actor(scenario, actor)
            savings = baseline(reduced)["total_cost"] - number(o.objective)
            co2_avoided = baseline(reduced)["co2e_t"] - number(o.co2_t)
            own = {s.id for s in scenario.supplies if s.actor == actor} | {
                d.id for d in scenario.demands if d.actor == actor
            }
            lost_streams = sorted(base_streams - _served_streams(links, o.used) - own)
            row.update(
                savings=savings,
                benefit_lost=base_savings - savings,
                share_of_benefit=(base_savings - savings) / base_savings if abs(base_savings) > TOL else math.nan,
                links_lost=len(set(base.used) - set(o.used)),
                streams_orphaned=";".join(lost_streams),
                co2e_avoided_lost_t=float(base.kpis["co2e_avoided_t"]) - co2_avoided,
            )
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("benefit_lost", ascending=False, kind="stable", na_position="last")
    table = table.reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reindex(columns=RESILIENCE_COLUMNS), centrality(network, base.used)


def _served_streams(links: pd.DataFrame, used: dict[str, float]) -> set[str]:
    sel = links.loc[list(used)] if used else links.iloc[0:0]
    return set(sel["supply"]) | set(sel.loc[sel["target_kind"] == "demand", "target"])


def centrality(network: SymbiosisNetwork, used: dict[str, float]) -> pd.DataFrame:
    """Graph measures of the exchange network formed by the ``used`` links.

    Nodes are the actors and site options that send or receive; edges the used links
    (parallel links of one pair merged, weight = quantity). ``betweenness`` is networkx's
    normalised betweenness on the directed graph; ``cluster`` numbers the weakly
    connected components (1 = largest).
    """
    g = nx.DiGraph()
    links = network.links.set_index("link")
    names = dict(zip(network.nodes["node"], network.nodes["name"]))
    kinds = dict(zip(network.nodes["node"], network.nodes["kind"]))
    for lid in sorted(used):
        r = links.loc[lid]
        u, v = r["source_node"], r["target_node"]
        w = g.edges[u, v]["quantity"] if g.has_edge(u, v) else 0.0
        g.add_edge(u, v, quantity=w + used[lid])
    if g.number_of_nodes() == 0:
        return pd.DataFrame(columns=CENTRALITY_COLUMNS)
    betweenness = nx.betweenness_centrality(g, normalized=True)
    comps = sorted((sorted(c) for c in nx.weakly_connected_components(g)), key=lambda c: (-len(c), c[0]))
    cluster = {n: i + 1 for i, comp in enumerate(comps) for n in comp}
    size = {n: len(comp) for comp in comps for n in comp}
    rows = [
        {
            "node": n,
            "name": names.get(n, n),
            "kind": kinds.get(n, ""),
            "in_degree": g.in_degree(n),
            "out_degree": g.out_degree(n),
            "degree": g.degree(n),
            "betweenness": betweenness[n],
            "throughput": sum(d["quantity"] for *_, d in g.in_edges(n, data=True))
            + sum(d["quantity"] for *_, d in g.out_edges(n, data=True)),
            "cluster": cluster[n],
            "cluster_size": size[n],
        }
        for n in sorted(g.nodes)
    ]
    table = pd.DataFrame(rows).sort_values(
        ["betweenness", "degree", "node"], ascending=[False, False, True], kind="stable"
    )
    return table.reset_index(drop=True).reindex(columns=CENTRALITY_COLUMNS)


def resilience_command(
    scenario_dir: str | Path,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
) -> Path:
    """``symnet resilience``: write ``OUT/resilience.csv`` and ``OUT/centrality.csv``."""
    check_workers(workers)
    shared = prepare(scenario_dir)
    table, cent = resilience(shared, workers=workers, scheduler=scheduler)
    with staged_output(out, shared, force) as tmp:
        write_csv(table, tmp / "resilience.csv")
        write_csv(cent, tmp / "centrality.csv")
    return Path(out)
