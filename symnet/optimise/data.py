"""The scenario as the model's tables: supplies, demands, site options, senders, inputs and
links, in model order, with the bounds the data implies (:func:`prepare`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from symnet import costs
from symnet.costs import hub_supply
from symnet.network import SymbiosisNetwork, facility_senders
from symnet.optimise.arrays import BIG_M_FALLBACK, INF
from symnet.scenario import Scenario


@dataclass
class ModelData:
    """Tables the model is built from (one row per element, in a fixed order).

    ``supplies``: id, actor, resource, unit, quantity, profile (list), cost, co2, fate,
    operation, ewc. ``demands``: id, actor, resource, unit, quantity, profile, cost, co2.
    ``options``: option, site, facility, name, lon, lat, capacity, fixed_cost,
    min_throughput, operating_cost, passthrough, loss, max_count, bound. ``senders``:
    sender, option, resource, per_unit, price (revenue per unit, negative = cost), co2,
    fate, bound. ``inputs``: option, resource, per_unit, optional, price, tpu. ``links``:
    the network links of the model (excluded actors removed) with ``U`` and the
    ``*_idx`` positions of their supply, sender, demand and facility input.
    """

    periods: list[str]
    weights: np.ndarray
    supplies: pd.DataFrame
    demands: pd.DataFrame
    options: pd.DataFrame
    senders: pd.DataFrame
    inputs: pd.DataFrame
    links: pd.DataFrame
    orphaned: list[str]


def prepare(scenario: Scenario, network: SymbiosisNetwork, excluded_actors: set[str]) -> ModelData:
    """The model's tables for ``scenario`` without ``excluded_actors`` (quantities per year in
    each stream's canonical unit, costs in currency per unit, CO2e in t per unit)."""
    periods = [p.id for p in scenario.periods]
    weights = np.array([p.weight for p in scenario.periods])
    fates = scenario.catalogue.fates
    supplies = pd.DataFrame(
        [
            {
                "id": s.id,
                "actor": s.actor,
                "resource": s.resource,
                "unit": s.unit,
                "quantity": s.quantity,
                "profile": list(s.profile),
                "cost": costs.disposal_unit_cost(scenario, s),
                "co2": costs.disposal_co2e_t_per_unit(scenario, s),
                "fate": s.current_fate,
                "operation": fates[s.current_fate].operation or "",
                "ewc": s.ewc or "",
            }
            for s in scenario.supplies
            if s.actor not in excluded_actors
        ],
        columns=["id", "actor", "resource", "unit", "quantity", "profile", "cost", "co2", "fate", "operation", "ewc"],
    )
    demands = pd.DataFrame(
        [
            {
                "id": d.id,
                "actor": d.actor,
                "resource": d.resource,
                "unit": d.unit,
                "quantity": d.quantity,
                "profile": list(d.profile),
                "cost": costs.purchase_unit_cost(scenario, d),
                "co2": costs.purchase_co2e_t_per_unit(scenario, d),
            }
            for d in scenario.demands
            if d.actor not in excluded_actors
        ],
        columns=["id", "actor", "resource", "unit", "quantity", "profile", "cost", "co2"],
    )
    opt_rows, inp_rows = [], []
    for o in scenario.sites:
        fac = scenario.facility(o)
        opt_rows.append(
            {
                "option": o.option_id,
                "site": o.site,
                "facility": o.facility,
                "name": o.name,
                "lon": o.lon,
                "lat": o.lat,
                "capacity": o.capacity if o.capacity is not None else fac.capacity,
                "fixed_cost": o.fixed_cost if o.fixed_cost is not None else fac.fixed_cost,
                "min_throughput": fac.min_throughput,
                "operating_cost": fac.operating_cost,
                "passthrough": fac.passthrough,
                "loss": fac.loss if fac.passthrough else 0.0,
                "max_count": fac.max_count,
            }
        )
        for inp in fac.inputs:
            tpu = costs.tonnes_per_unit(scenario, inp.resource)
            inp_rows.append(
                {
                    "option": o.option_id,
                    "resource": inp.resource,
                    "per_unit": inp.per_unit,
                    "optional": inp.optional,
                    "price": inp.price,
                    "tpu": tpu if tpu > 0 else 1.0,
                }
            )
    options = pd.DataFrame(
        opt_rows,
        columns=[
            "option",
            "site",
            "facility",
            "name",
            "lon",
            "lat",
            "capacity",
            "fixed_cost",
            "min_throughput",
            "operating_cost",
            "passthrough",
            "loss",
            "max_count",
        ],
    )
    inputs = pd.DataFrame(inp_rows, columns=["option", "resource", "per_unit", "optional", "price", "tpu"])
    snd_rows = []
    for sid, opt, res, _temp in facility_senders(scenario):
        fac = scenario.config.facilities[opt.split(":", 1)[1]]
        if fac.passthrough:
            hs = hub_supply(scenario, opt, res)
            price = -costs.disposal_unit_cost(scenario, hs)
            co2 = costs.disposal_co2e_t_per_unit(scenario, hs)
            snd_rows.append((sid, opt, res, 1.0, price, co2, hs.current_fate))
        else:
            out = next(p for p in fac.outputs if p.resource == res)
            snd_rows.append((sid, opt, res, out.per_unit, out.sale_price, 0.0, "sale"))
    senders = pd.DataFrame(snd_rows, columns=["sender", "option", "resource", "per_unit", "price", "co2", "fate"])

    links = network.links
    keep = ~(links["supplier_actor"].isin(excluded_actors) | links["receiver_actor"].isin(excluded_actors))
    links = links.loc[keep.to_numpy()].reset_index(drop=True)
    orphaned = _orphaned(network.links, links, excluded_actors)
    links = _index_links(links, supplies, demands, inputs, senders)
    links = links.loc[(links["src_idx"] >= 0) | (links["snd_idx"] >= 0)].reset_index(drop=True)
    options["bound"], senders["bound"] = _throughput_bounds(links, options, inputs, senders, supplies)
    links["U"] = _link_bounds(links, supplies, demands, senders, options, inputs)
    return ModelData(periods, weights, supplies, demands, options, senders, inputs, links, orphaned)


def _orphaned(all_links: pd.DataFrame, kept: pd.DataFrame, excluded: set[str]) -> list[str]:
    """Supplies/demands of remaining actors that had candidate links but lost all of them."""
    if not excluded:
        return []
    before = set(all_links["supply"]) | set(all_links["target"])
    after = set(kept["supply"]) | set(kept["target"])
    gone = (
        all_links.loc[all_links["supplier_actor"].isin(excluded), "supply"].tolist()
        + all_links.loc[all_links["receiver_actor"].isin(excluded), "target"].tolist()
    )
    return sorted(before - after - set(gone))


def _index_links(
    links: pd.DataFrame, supplies: pd.DataFrame, demands: pd.DataFrame, inputs: pd.DataFrame, senders: pd.DataFrame
) -> pd.DataFrame:
    def code(values: pd.Series, keys: pd.Series) -> np.ndarray:
        mapping = pd.Series(np.arange(len(keys)), index=pd.Index(keys))
        return values.map(mapping).fillna(-1).to_numpy(dtype=int)

    inp_key = inputs["option"] + "#" + inputs["resource"]
    fac_target = links["target_kind"] == "facility"
    return links.assign(
        src_idx=code(links["supply"], supplies["id"]),
        snd_idx=code(links["supply"], senders["sender"]),
        dem_idx=np.where(fac_target, -1, code(links["target"], demands["id"])),
        inp_idx=np.where(fac_target, code(links["target"] + "#" + links["target_resource"], inp_key), -1),
    ).pipe(lambda df: df.loc[(df["dem_idx"] >= 0) | (df["inp_idx"] >= 0)].reset_index(drop=True))


def _throughput_bounds(
    links: pd.DataFrame, options: pd.DataFrame, inputs: pd.DataFrame, senders: pd.DataFrame, supplies: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Annual bounds derived from the data: per option, its throughput (capacity, and what
    its required inputs can reach, iterated for chains; a hub's in tonnes), and per sender,
    its annual output. Only an uncapped converter whose required inputs can all be bought
    falls back to :data:`BIG_M_FALLBACK`."""
    K = len(options)
    cap = options["capacity"].to_numpy(dtype=float)
    cap = np.where(np.isfinite(cap), cap, INF)
    eff = (links["factor"] * (1 - links["loss"])).to_numpy(dtype=float)
    q = supplies["quantity"].to_numpy(dtype=float)
    opt_pos = {o: k for k, o in enumerate(options["option"])}
    inp_k = inputs["option"].map(opt_pos).to_numpy(dtype=int) if len(inputs) else np.zeros(0, dtype=int)
    snd_k = senders["option"].map(opt_pos).to_numpy(dtype=int) if len(senders) else np.zeros(0, dtype=int)
    passthrough = options["passthrough"].to_numpy(dtype=bool)
    loss = options["loss"].to_numpy(dtype=float)
    per_unit = inputs["per_unit"].to_numpy(dtype=float)
    tpu = inputs["tpu"].to_numpy(dtype=float)
    buyable = inputs["price"].to_numpy(dtype=float) > 0
    required = ~inputs["optional"].to_numpy(dtype=bool) | (passthrough[inp_k] if len(inp_k) else False)
    src, snd, inp = (links[c].to_numpy() for c in ("src_idx", "snd_idx", "inp_idx"))
    inp_key = dict(zip(inputs["option"] + ">" + inputs["resource"], range(len(inputs))))
    snd_inp = np.array([inp_key.get(f"{o}>{r}", -1) for o, r in zip(senders["option"], senders["resource"])], dtype=int)
    bound = cap.copy()
    snd_bound = np.full(len(senders), INF)
    m = inp >= 0
    for _ in range(4):
        link_up = np.where(
            src >= 0,
            q[np.clip(src, 0, None)] if len(q) else INF,
            snd_bound[np.clip(snd, 0, None)] if len(snd_bound) else INF,
        )
        reach = np.zeros(len(inputs))
        np.add.at(reach, inp[m], link_up[m] * eff[m])
        reach = np.where(buyable, INF, reach)
        for k in range(K):
            rows = np.flatnonzero((inp_k == k) & required)
            if not len(rows):
                bound[k] = cap[k]
            elif passthrough[k]:
                bound[k] = min(cap[k], float((reach[rows] * tpu[rows]).sum()))
            else:
                bound[k] = min(cap[k], float((reach[rows] / per_unit[rows]).min()))
        for o, k in enumerate(snd_k):
            if passthrough[k]:
                r = snd_inp[o]
                snd_bound[o] = (1 - loss[k]) * min(reach[r], bound[k] / tpu[r]) if r >= 0 else 0.0
            else:
                snd_bound[o] = bound[k] * senders["per_unit"].iat[o]
    bound = np.where(np.isfinite(bound), bound, BIG_M_FALLBACK)
    snd_bound = np.where(np.isfinite(snd_bound), snd_bound, BIG_M_FALLBACK)
    return bound, snd_bound


def _link_bounds(
    links: pd.DataFrame,
    supplies: pd.DataFrame,
    demands: pd.DataFrame,
    senders: pd.DataFrame,
    options: pd.DataFrame,
    inputs: pd.DataFrame,
) -> np.ndarray:
    """Largest possible annual flow per link (supply units): what its supplier can send,
    its demand can take, and its receiving facility can process."""
    q = supplies["quantity"].to_numpy(dtype=float)
    qd = demands["quantity"].to_numpy(dtype=float)
    src, snd, dem, inp = (links[c].to_numpy() for c in ("src_idx", "snd_idx", "dem_idx", "inp_idx"))
    snd_up = senders["bound"].to_numpy(dtype=float)
    up = np.where(
        src >= 0, q[np.clip(src, 0, None)] if len(q) else INF, snd_up[np.clip(snd, 0, None)] if len(snd_up) else INF
    )
    eff = np.maximum((links["factor"] * (1 - links["loss"])).to_numpy(dtype=float), 1e-12)
    dem_up = np.where(dem >= 0, (qd[np.clip(dem, 0, None)] if len(qd) else INF) / eff, INF)
    if len(inputs):
        opt_pos = {o: k for k, o in enumerate(options["option"])}
        inp_k = inputs["option"].map(opt_pos).to_numpy(dtype=int)
        bound = options["bound"].to_numpy(dtype=float)[inp_k]
        passthrough = options["passthrough"].to_numpy(dtype=bool)[inp_k]
        per = np.where(passthrough, 1.0 / inputs["tpu"].to_numpy(dtype=float), inputs["per_unit"].to_numpy(dtype=float))
        fac_up = np.where(inp >= 0, (bound * per)[np.clip(inp, 0, None)] / eff, INF)
    else:
        fac_up = np.full(len(links), INF)
    return np.minimum(np.minimum(up, dem_up), fac_up)
