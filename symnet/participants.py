"""Every participant's economics: cost today, cost with symbiosis and the money flows behind
the gain, for each actor and each opened facility (site option), at the scenario's prices.

Accounting (money in the scenario's currency per year, positive = a cost):

* a supplier pays the remaining disposal of its own supplies (fate gate fee or revenue, landfill
  or incineration tax, CO2 price), a receiver the remaining conventional purchases of its own
  demands; their baselines are all disposal and all purchases (:func:`symnet.kpi.baseline`);
* a link's transport (per unit, whole trips) and its fixed cost (pipe annuity, road link) are
  paid by the link's sender, its receiver, or half each: the demand row's
  ``transport_paid_by``, else ``economics.transport_paid_by_resource[resource]``, else
  ``economics.transport_paid_by``. The default, ``receiver``, is the accounting
  :mod:`symnet.kpi` used before (the receiver paid the full link cost);
* a demand's ``gate_fee`` (per unit received) is paid by the sender to the receiver; the scenario
  states it as the receiver's cost of taking the stream (``paid by the ash holder``), so the
  receiver's ``treatment`` cost equals the fees it receives and the fee is a cost for the sender;
* an opened facility pays its fixed and operating cost, its purchased inputs and the fate of
  its forwarded outputs, and earns its sales; its baseline is 0.

With these rules the participants' costs add up to the model's total cost column by column, so
the sum of the gains is the system savings exactly (:func:`check_sum`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

from symnet.kpi import baseline
from symnet.result import Result
from symnet.scenario import Scenario

Payer = Literal["sender", "receiver", "split"]
PAYER_SHARE: dict[str, float] = {"sender": 1.0, "receiver": 0.0, "split": 0.5}
"""Share of a link's transport and fixed cost paid by its sender."""

FLOW_COLUMNS = [
    "disposal",
    "purchases",
    "gate_fees_paid",
    "gate_fees_received",
    "treatment",
    "transport",
    "link_fixed",
    "facility_fixed",
    "facility_operating",
    "facility_inputs",
    "output_fate",
    "sales",
]
"""Money flows with symbiosis, currency/yr (all costs except ``gate_fees_received`` and
``sales``, which are income)."""
COLUMNS = [
    "participant",
    "kind",
    "name",
    "baseline_cost",
    "cost",
    "gain",
    "disposal_avoided",
    "purchases_avoided",
    *FLOW_COLUMNS,
]
INCOME = ("gate_fees_received", "sales")


def sender_share(scenario: Scenario, links: pd.DataFrame) -> np.ndarray:
    """Per link, the share (0..1) of its transport and fixed cost its sender pays (see the
    module doc for the order of the rules)."""
    econ = scenario.config.economics
    by_demand = {d.id: d.transport_paid_by for d in scenario.demands if d.transport_paid_by is not None}
    rules = [
        by_demand.get(str(t)) or econ.transport_paid_by_resource.get(str(r)) or econ.transport_paid_by
        for t, r in zip(links["target"], links["resource"])
    ]
    return np.array([PAYER_SHARE[p] for p in rules], dtype=float)


def _receiver(links: pd.DataFrame) -> pd.Series:
    """The paying party at a link's end: the demand's actor, else the facility option."""
    return links["receiver_actor"].where(links["receiver_actor"] != "", links["target_node"])


def _sender(links: pd.DataFrame) -> pd.Series:
    """The party at a link's start: the supply's actor, else the facility option."""
    return links["supplier_actor"].where(links["supplier_actor"] != "", links["source_node"])


def _link_flows(result: Result, scenario: Scenario) -> pd.DataFrame:
    """Per used link: ``sender``, ``receiver``, ``gate`` (fees, currency/yr), ``transport`` and
    ``fixed`` (currency/yr) and the sender's share of transport and fixed cost."""
    links = result.links
    used = links.loc[links["used"]] if len(links) else links
    if not len(used):
        return pd.DataFrame(columns=["link", "sender", "receiver", "gate", "transport", "fixed", "share"])
    eff = used["factor"].to_numpy(dtype=float) * (1.0 - used["loss"].to_numpy(dtype=float))
    qty = used["quantity"].to_numpy(dtype=float)
    gate = used["gate_fee"].to_numpy(dtype=float) * eff * qty
    fixed = _link_fixed(used)
    transport = used["cost"].to_numpy(dtype=float) - gate - fixed
    return pd.DataFrame(
        {
            "link": used["link"].to_numpy(),
            "sender": _sender(used).to_numpy(),
            "receiver": _receiver(used).to_numpy(),
            "gate": gate,
            "transport": transport,
            "fixed": fixed,
            "share": sender_share(scenario, used),
        }
    )


def _link_fixed(used: pd.DataFrame) -> np.ndarray:
    """The fixed cost a used link pays a year (every used link with a fixed cost pays it)."""
    return used["fixed_cost"].to_numpy(dtype=float)


class _Flows:
    """Money flows per participant (columns :data:`FLOW_COLUMNS`, currency/yr)."""

    def __init__(self, participants: Iterable[str]) -> None:
        self.acc: dict[str, dict[str, float]] = {str(p): dict.fromkeys(FLOW_COLUMNS, 0.0) for p in participants}

    def add(self, who: object, column: str, value: float) -> None:
        self.acc.setdefault(str(who), dict.fromkeys(FLOW_COLUMNS, 0.0))[column] += float(value)

    def tables(self, result: Result) -> None:
        """Disposal, purchases and sales from the result's tables."""
        for r in result.disposal.itertuples():
            self.add(r.actor, "disposal" if r.origin == "supply" else "output_fate", r.cost)
        for r in result.purchases.itertuples():
            self.add(r.actor, "purchases" if r.kind == "demand" else "facility_inputs", r.cost)
        for option, value in _sales(result).items():
            self.add(option, "sales", value)
            self.add(option, "output_fate", value)  # the disposal table books a sale as a negative cost

    def links(self, result: Result, scenario: Scenario) -> None:
        """Gate fees, transport and link fixed costs of the used links, by payer."""
        for r in _link_flows(result, scenario).itertuples():
            self.add(r.sender, "gate_fees_paid", r.gate)
            self.add(r.receiver, "gate_fees_received", r.gate)
            self.add(r.receiver, "treatment", r.gate)
            self.add(r.sender, "transport", r.share * r.transport)
            self.add(r.receiver, "transport", (1.0 - r.share) * r.transport)
            self.add(r.sender, "link_fixed", r.share * r.fixed)
            self.add(r.receiver, "link_fixed", (1.0 - r.share) * r.fixed)

    def sites(self, result: Result, scenario: Scenario) -> None:
        """Fixed and operating costs of the opened site options."""
        opened = result.sites.loc[result.sites["opened"]] if len(result.sites) else result.sites
        facilities = {o.option_id: scenario.facility(o) for o in scenario.sites}
        for r in opened.itertuples():
            self.add(r.option, "facility_fixed", r.fixed_cost)
            self.add(r.option, "facility_operating", facilities[r.option].operating_cost * r.throughput)


def participant_economics(result: Result, scenario: Scenario, excluded_actors: Iterable[str] = ()) -> pd.DataFrame:
    """One row per actor and per opened facility (columns :data:`COLUMNS`, currency/yr):
    ``baseline_cost`` (today), ``cost`` (with symbiosis), ``gain`` = baseline - cost, and the
    money flows of the module doc. Sorted by gain, largest first."""
    base = baseline(scenario, excluded_actors)
    names = {a.id: a.name for a in scenario.actors}
    names.update({o.option_id: o.name or o.option_id for o in scenario.sites})
    flows_of = _Flows(base["per_actor"])
    flows_of.tables(result)
    flows_of.links(result, scenario)
    flows_of.sites(result, scenario)
    acc = flows_of.acc
    facilities = {o.option_id for o in scenario.sites}
    rows = []
    site_ids = set(facilities)
    for who, flows in acc.items():
        base_cost = float(base["per_actor"].get(who, 0.0))
        cost = sum(v for k, v in flows.items() if k not in INCOME) - flows["gate_fees_received"] - flows["sales"]
        own = _own_baseline(scenario, who, excluded_actors)
        rows.append(
            {
                "participant": who,
                "kind": "facility" if who in site_ids else "actor",
                "name": names.get(who, who),
                "baseline_cost": base_cost,
                "cost": cost,
                "gain": base_cost - cost,
                "disposal_avoided": own[0] - flows["disposal"],
                "purchases_avoided": own[1] - flows["purchases"],
                **flows,
            }
        )
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.sort_values(["gain", "participant"], ascending=[False, True], ignore_index=True)


def _sales(result: Result) -> dict[str, float]:
    """Per facility option, its revenue from sold outputs (currency/yr)."""
    disp = result.disposal
    sold = disp.loc[(disp["origin"] == "facility") & (disp["fate"] == "sale")] if len(disp) else disp
    return {str(k): float(-v) for k, v in sold.groupby("actor")["cost"].sum().items()} if len(sold) else {}


def _own_baseline(scenario: Scenario, who: str, excluded: Iterable[str]) -> tuple[float, float]:
    """(disposal, purchases) of ``who`` today, currency/yr."""
    from symnet import costs

    if who in set(excluded):
        return 0.0, 0.0
    disposal = sum(costs.disposal_unit_cost(scenario, s) * s.quantity for s in scenario.supplies if s.actor == who)
    purchases = sum(costs.purchase_unit_cost(scenario, d) * d.quantity for d in scenario.demands if d.actor == who)
    return disposal, purchases


def check_sum(table: pd.DataFrame, savings: float, tol: float = 1e-6) -> float:
    """The difference between the participants' gains and the system ``savings``
    (currency/yr); raises AssertionError when it exceeds ``tol`` x max(1, |savings|)."""
    diff = float(table["gain"].sum()) - float(savings)
    if abs(diff) > tol * max(1.0, abs(float(savings))):
        raise AssertionError(f"participants' gains add up to {table['gain'].sum():.6f}, system savings {savings:.6f}")
    return diff


def winners_and_losers(table: pd.DataFrame, n: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` largest gains (> 0) and the ``n`` largest losses (gain < 0, worst first)."""
    win = table.loc[table["gain"] > 1e-6].nlargest(n, "gain")
    lose = table.loc[table["gain"] < -1e-6].nsmallest(n, "gain")
    return win, lose


def headline(table: pd.DataFrame, currency: str, n: int = 3) -> str:
    """'Savings 8.8 M SEK/yr = the sum over 26 participants; largest winners: A (+3.2 M), ...;
    losers: G (-2.7 M).' (money in currency/yr)."""
    win, lose = winners_and_losers(table, n)

    def money(v: float) -> str:
        return f"{v / 1e6:+,.2f} M" if abs(v) >= 1e5 else f"{v:+,.0f}"

    def names(part: pd.DataFrame) -> str:
        return ", ".join(f"{r.name} ({money(r.gain)})" for r in part.itertuples()) or "none"

    total = float(table["gain"].sum())
    return (
        f"Savings {total / 1e6:,.2f} M {currency}/yr are the sum of the gains of {len(table)} participants "
        f"({int((table['gain'] > 1e-6).sum())} gain, {int((table['gain'] < -1e-6).sum())} pay more than today); "
        f"largest winners: {names(win)}; largest losers: {names(lose)}."
    )


def participant_kpis(table: pd.DataFrame, currency: str) -> dict[str, object]:
    """What a run stores in ``result.kpis`` (JSON-ready): ``participants`` (the rows of
    :func:`participant_economics`), ``largest_winners``/``largest_losers`` (participant ids)
    and ``participants_headline`` (:func:`headline`)."""
    win, lose = winners_and_losers(table)
    return {
        "participants": table.to_dict("records"),
        "largest_winners": win["participant"].tolist(),
        "largest_losers": lose["participant"].tolist(),
        "participants_headline": headline(table, currency),
    }


def public_view(table: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The table for public outputs: confidential actors summed into one row per
    municipality (``<municipality> (aggregated)``) and every money column rounded to 2
    significant figures."""
    hidden = public_names(scenario)
    view = table.assign(
        participant=table["participant"].map(lambda p: hidden.get(p, p)),
        name=[hidden.get(p, n) for p, n in zip(table["participant"], table["name"])],
    )
    money = [c for c in COLUMNS if c not in ("participant", "kind", "name")]
    view = view.groupby(["participant", "kind", "name"], as_index=False, sort=False)[money].sum()
    for c in money:
        view[c] = view[c].map(_two_figures)
    return view.reindex(columns=COLUMNS).sort_values(
        ["gain", "participant"], ascending=[False, True], ignore_index=True
    )


def public_names(scenario: Scenario) -> dict[str, str]:
    """Confidential actor id -> its public label (``<municipality> (aggregated)``, or the
    group :func:`symnet.outputs.tables.confidential_groups` puts it in)."""
    from symnet.outputs.public import PublicRule

    rule = PublicRule.of_scenario(scenario)
    return {a: rule.label(a, a) for a in rule.groups}


def _two_figures(value: float) -> float:
    """``value`` rounded to 2 significant figures."""
    if not np.isfinite(value) or value == 0:
        return float(value)
    return float(round(value, 1 - int(np.floor(np.log10(abs(value))))))
