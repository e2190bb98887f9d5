"""The PNG charts of the planner workflows (matplotlib, no pyplot state).

Each function draws one workflow table into ``path`` at 110 dpi; money axes are in
``currency`` per year, CO2e in t/yr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from symnet.planning.common import Outcome

GOOD, BAD, DARK = "#2a9d8f", "#e76f51", "#264653"


def _figure() -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(8, 4.5), layout="constrained")


def site_chart(table: pd.DataFrame, path: Path, currency: str) -> None:
    """Horizontal bars of ``net_benefit`` per option of a site comparison (currency/yr)."""
    fig = _figure()
    ax = fig.add_subplot()
    values = table["net_benefit"].fillna(0.0).to_numpy()
    ax.barh(
        table["option"].astype(str).to_numpy()[::-1],
        values[::-1],
        color=[GOOD if v >= 0 else BAD for v in values[::-1]],
    )
    ax.set_xlabel(f"net benefit vs baseline ({currency}/yr)")
    ax.set_title("Candidate sites")
    fig.savefig(path, dpi=110)


def sweep_chart(table: pd.DataFrame, breakeven: pd.DataFrame, params: list[str], path: Path, currency: str) -> None:
    """A sweep: a heat map of savings over a two-parameter grid, else savings and CO2e
    avoided against the combination (break-evens as dotted lines for one parameter)."""
    fig = _figure()
    if len(params) == 2:
        a, b = params
        pivot = table.pivot_table(index=b, columns=a, values="savings", aggfunc="first")
        ax = fig.add_subplot()
        im = ax.imshow(pivot.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(pivot.columns)), [f"{v:g}" for v in pivot.columns])
        ax.set_yticks(range(len(pivot.index)), [f"{v:g}" for v in pivot.index])
        ax.set_xlabel(a)
        ax.set_ylabel(b)
        fig.colorbar(im, ax=ax, label=f"savings ({currency}/yr)")
    else:
        ax = fig.add_subplot()
        x = table[params[0]].to_numpy(dtype=float) if len(params) == 1 else np.arange(len(table))
        ax.plot(x, table["savings"].to_numpy(dtype=float), marker="o", color=GOOD, label="savings")
        ax.set_xlabel(params[0] if len(params) == 1 else "combination")
        ax.set_ylabel(f"savings ({currency}/yr)")
        ax2 = ax.twinx()
        ax2.plot(x, table["co2e_avoided_t"].to_numpy(dtype=float), marker="s", color=DARK, label="CO2e avoided")
        ax2.set_ylabel("CO2e avoided (t/yr)")
        for be in breakeven.itertuples():
            if len(params) == 1:
                ax.axvline(be.breakeven, color="grey", linestyle=":", linewidth=1)
    fig.suptitle("Sensitivity sweep")
    fig.savefig(path, dpi=110)


def pareto_chart(table: pd.DataFrame, path: Path, currency: str) -> None:
    """The cost-CO2e front: total cost (currency/yr) against CO2e (t/yr), points numbered."""
    fig = _figure()
    ax = fig.add_subplot()
    ok = table.loc[table["status"].isin(list(Outcome.OK_STATUSES))]
    ax.plot(ok["co2e_total_t"], ok["total_cost"], marker="o", color=DARK)
    for r in ok.itertuples():
        ax.annotate(str(r.point), (r.co2e_total_t, r.total_cost), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlabel("CO2e (t/yr)")
    ax.set_ylabel(f"total cost ({currency}/yr)")
    ax.set_title("Cost - CO2e Pareto front")
    fig.savefig(path, dpi=110)


def uncertainty_histograms(table: pd.DataFrame, summary: dict[str, Any], path: Path, currency: str) -> None:
    """Histograms of savings (currency/yr), landfill diverted (t/yr) and CO2e avoided
    (t/yr) over the Monte Carlo samples, with P10/P50/P90 as dashed lines."""
    fig = _figure()
    kpis = [("savings", f"savings ({currency}/yr)"), ("landfill_diverted_t", "landfill diverted (t/yr)")]
    kpis.append(("co2e_avoided_t", "CO2e avoided (t/yr)"))
    for i, (kpi, label) in enumerate(kpis):
        ax = fig.add_subplot(1, 3, i + 1)
        values = table[kpi].dropna().to_numpy(dtype=float)
        ax.hist(values, bins=min(30, max(5, len(values) // 5)), color=GOOD)
        for p in ("p10", "p50", "p90"):
            value = summary["kpis"][kpi][p]
            if np.isfinite(value):
                ax.axvline(value, color=DARK, linestyle="--" if p != "p50" else "-", linewidth=1)
        ax.set_xlabel(label)
        ax.tick_params(labelsize=7)
    fig.suptitle(f"Monte Carlo over the assumed numbers ({len(table)} samples; lines: P10, P50, P90)")
    fig.savefig(path, dpi=110)


def tornado_chart(drivers: pd.DataFrame, path: Path, top: int = 12) -> None:
    """Tornado chart: the ``top`` assumptions by |Spearman rho| with the savings."""
    fig = _figure()
    ax = fig.add_subplot()
    if not drivers.empty:
        d = drivers.dropna(subset=["rho_savings"]).head(top).iloc[::-1]
        rho = d["rho_savings"].to_numpy(dtype=float)
        ax.barh(d["key"].astype(str).to_numpy(), rho, color=[GOOD if v >= 0 else BAD for v in rho])
        ax.tick_params(axis="y", labelsize=7)
    ax.axvline(0, color="grey", linewidth=1)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("Spearman rank correlation with savings")
    ax.set_title("Which assumptions drive the savings")
    fig.savefig(path, dpi=110)
