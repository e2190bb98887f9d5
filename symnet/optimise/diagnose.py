"""Why a model is infeasible, in words: structural checks on forced sites, site limits,
fixed links and the CO2 cap (no solver needed except for the least achievable CO2e)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from symnet.optimise._view import BuiltModel
from symnet.optimise.arrays import TOL
from symnet.optimise.solution import unit_of


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.3g}"


def structural_reasons(model: BuiltModel) -> list[str]:
    """Readable reasons why the model cannot close its balances."""
    d = model.data
    reasons: list[str] = []
    opened = {d.options["option"].iat[k] for k, val in model._zfixed.items() if val > 0.5}
    reasons += _site_reach_reasons(model, opened)
    for site, group in d.options.groupby("site"):
        forced = sorted(set(group["option"]) & opened)
        if len(forced) > 1:
            reasons.append(f"site {site} has {', '.join(forced)} forced open, but a site hosts at most one facility")
    for fac, group in d.options.groupby("facility"):
        limit = group["max_count"].iat[0]
        forced = sorted(set(group["option"]) & opened)
        if limit is not None and not pd.isna(limit) and len(forced) > limit:
            reasons.append(
                f"{len(forced)} {fac} options are forced open ({', '.join(forced)}), above its max_count of {int(limit)}"
            )
    upper, min_vol = d.links["U"].to_numpy(), d.links["min_volume"].to_numpy()
    for i, val in model._yfixed.items():
        if val > 0.5 and min_vol[i] > upper[i] + TOL:
            reasons.append(
                f"link {d.links['link'].iat[i]} is fixed in use but can carry at most {_fmt(upper[i])} "
                f"per year, below its minimum volume of {_fmt(min_vol[i])}"
            )
    if model.co2_cap_t is not None:
        least = _least_co2(model)
        if least is not None and least > model.co2_cap_t + 1e-6:
            reasons.append(
                f"the CO2 cap of {_fmt(model.co2_cap_t)} t/yr is below the least achievable {_fmt(least)} t CO2e/yr"
            )
    return reasons


def _reach_per_period(model: BuiltModel, r: int) -> np.ndarray:
    """Most of facility input row ``r`` its links can deliver per period (input units)."""
    d = model.data
    links = d.links
    eff = (links["factor"] * (1 - links["loss"])).to_numpy()
    W = d.weights
    q = d.supplies["quantity"].to_numpy()
    prof = np.array(d.supplies["profile"].tolist()) if len(d.supplies) else np.zeros((0, len(W)))
    snd_bound = d.senders["bound"].to_numpy(dtype=float)
    reach = np.zeros(len(W))
    for i in np.flatnonzero((links["inp_idx"] == r).to_numpy()):
        s, o = links["src_idx"].iat[i], links["snd_idx"].iat[i]
        if s >= 0:
            reach += eff[i] * q[s] * prof[s]
        else:
            reach += eff[i] * snd_bound[o] * W
    return reach


def _required_reach(model: BuiltModel, opt: str, passthrough: bool) -> list[tuple[str, np.ndarray, float]]:
    """Per required, not purchasable input of ``opt``: (resource, most throughput it allows
    per period, input units per throughput unit); a hub's inputs summed, in tonnes."""
    d = model.data
    per_input = []
    for r in np.flatnonzero((d.inputs["option"] == opt).to_numpy()):
        inp = d.inputs.iloc[r]
        if (inp["optional"] and not passthrough) or inp["price"] > 0:
            continue
        reach = _reach_per_period(model, int(r))
        if passthrough:  # a hub's throughput is in tonnes
            per_input.append((inp["resource"], reach * inp["tpu"], 1.0))
        else:
            per_input.append((inp["resource"], reach / inp["per_unit"], inp["per_unit"]))
    if passthrough and per_input:
        total = sum(r for _, r, _ in per_input)
        per_input = [(" + ".join(res for res, _, _ in per_input), total, 1.0)]
    return per_input


def _site_reach_reasons(model: BuiltModel, opened: set[str]) -> list[str]:
    """Forced-open options whose inputs cannot reach their minimum throughput."""
    d = model.data
    W = d.weights
    out = []
    for k, opt in enumerate(d.options["option"]):
        mint = float(d.options["min_throughput"].iat[k])
        if opt not in opened or mint <= 0:
            continue
        passthrough = bool(d.options["passthrough"].iat[k])
        cap = float(d.options["capacity"].iat[k])
        for res, reach, per_unit in _required_reach(model, opt, passthrough):
            reach_cap = np.minimum(reach, cap * W) if math.isfinite(cap) else reach
            unit = "t" if passthrough else unit_of(model, res.split(" + ")[0])
            if reach_cap.sum() * per_unit < mint * per_unit - TOL:
                out.append(
                    f"site {opt} is forced open but can receive at most {_fmt(reach.sum() * per_unit)} {unit}/yr "
                    f"of {res}, below its minimum throughput of {_fmt(mint * per_unit)} {unit}/yr"
                )
                continue
            short = [p for p in range(len(W)) if reach_cap[p] < mint * W[p] - TOL]
            if short:
                p = short[0]
                out.append(
                    f"site {opt} is forced open but can receive at most {_fmt(reach[p] * per_unit)} {unit} "
                    f"of {res} in period {d.periods[p]}, below its minimum throughput of "
                    f"{_fmt(mint * W[p] * per_unit)} {unit} for that period"
                )
    return out


def _least_co2(model: BuiltModel) -> float | None:
    """Least total CO2e (t/yr) of the LP relaxation without the cap, or None."""
    return model.least_co2_t()
