"""Dominance pruning: links no optimum needs, removed before the model is built (issue #14).

A link from a sender to a receiver is *dominated* when its flow costs at least what the two
ends pay without it: the sender's alternative per unit (an actor supply: its current fate,
``u``; a converting facility's output: selling it outside the region, ``w``) plus, per
unit sent, what the receiver pays for the ``factor x (1 - loss)`` units that would arrive
(a demand: its conventional purchase ``b``; a facility input: its purchase price ``bf``,
or nothing for an optional input). Those alternatives have no upper bound, so in any
solution the dominated link's flow can be moved to them at no extra cost, and what the
link's own rows (trips, activation, minimum volume) allowed stays allowed with zero flow.
Removing the link therefore never raises the optimum. The test is strict (a link that
costs exactly as much is kept), so an optimum that uses a link is never cut off by it.

The flow's per-unit cost is ``unit_cost`` (full-load trips); on links with whole trips it
is a lower bound of what the flow pays, so the test stays exact.

Not pruned: links into or out of hubs (their flow is their throughput), links whose
binary is fixed, and nothing at all when participants must not lose money
(``participation: individually_rational``: moving a flow changes who pays) or in LP mode
(the duals of every link are wanted). Under a CO2 cap, or with ``objective='co2'``, a link
must be dominated in t CO2e too.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from symnet.optimise.arrays import INF
from symnet.optimise.data import ModelData

RELATIVE_MARGIN = 1e-9
"""A link is dominated only when it costs more than its alternatives by this share (ties kept)."""


def dominated_links(
    data: ModelData, objective: str = "cost", co2_cap: bool = False, keep: frozenset[str] = frozenset()
) -> np.ndarray:
    """Per link of ``data.links`` (model order), True when no optimum needs it (see the
    module doc). ``objective``: 'cost' (currency) or 'co2' (t CO2e); ``co2_cap``: a CO2
    cap is set (cost-dominated links must be CO2-dominated too); ``keep``: link ids
    never pruned."""
    links = data.links
    if not len(links):
        return np.zeros(0, dtype=bool)
    wanted = ["co2"] if objective == "co2" else (["cost", "co2"] if co2_cap else ["cost"])
    dominated = np.ones(len(links), dtype=bool)
    for measure in wanted:
        flow = links["unit_cost" if measure == "cost" else "co2e_t_per_unit"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):  # a link that delivers nothing: 0 x INF -> NaN, kept
            without = _sender_alternative(data, measure) + _receiver_alternative(data, measure)
        margin = RELATIVE_MARGIN * np.maximum(1.0, np.abs(without))
        dominated &= np.isfinite(without) & (flow > without + margin)
    return dominated & ~links["link"].isin(keep).to_numpy()


def drop_links(data: ModelData, dominated: np.ndarray) -> ModelData:
    """``data`` without the links marked in ``dominated`` (the other tables unchanged)."""
    return replace(data, links=data.links.loc[~dominated].reset_index(drop=True))


def _hub_options(data: ModelData) -> set[str]:
    """Ids of the hub (pass-through) options."""
    return set(data.options.loc[data.options["passthrough"].astype(bool), "option"])


def _sender_alternative(data: ModelData, measure: str) -> np.ndarray:
    """Per link, what its sender pays per unit it does not send (INF: no alternative)."""
    links = data.links
    src = links["src_idx"].to_numpy(dtype=int)
    snd = links["snd_idx"].to_numpy(dtype=int)
    fate = data.supplies[measure].to_numpy(dtype=float)
    if measure == "cost":
        outside = -data.senders["price"].to_numpy(dtype=float)
    else:
        outside = data.senders["co2"].to_numpy(dtype=float)
    hub_sender = data.senders["option"].isin(_hub_options(data)).to_numpy()
    out = np.full(len(links), INF)
    out[src >= 0] = fate[src[src >= 0]]
    converter = (snd >= 0) & ~hub_sender[np.clip(snd, 0, None)] if len(hub_sender) else np.zeros(len(links), bool)
    out[converter] = outside[snd[converter]]
    return out


def _receiver_alternative(data: ModelData, measure: str) -> np.ndarray:
    """Per link, what its receiver pays per unit sent that it does not get (INF: none)."""
    links = data.links
    eff = (links["factor"] * (1 - links["loss"])).to_numpy(dtype=float)
    dem = links["dem_idx"].to_numpy(dtype=int)
    inp = links["inp_idx"].to_numpy(dtype=int)
    out = np.full(len(links), INF)
    out[dem >= 0] = eff[dem >= 0] * data.demands[measure].to_numpy(dtype=float)[dem[dem >= 0]]
    if len(data.inputs):
        inputs = data.inputs
        price = inputs["price"].to_numpy(dtype=float)
        bought = price if measure == "cost" else np.zeros(len(inputs))  # purchases carry no CO2e
        per_unit = np.where(price > 0, bought, INF)
        per_unit = np.where(inputs["optional"].to_numpy(dtype=bool), 0.0, per_unit)
        per_unit = np.where(inputs["option"].isin(_hub_options(data)).to_numpy(), INF, per_unit)
        at = inp >= 0
        out[at] = eff[at] * per_unit[inp[at]]
    return out
