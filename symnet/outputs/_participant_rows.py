"""The report's participant sections, as rows: every participant's economics, who pays whom
(:mod:`symnet.participants`, :mod:`symnet.settlement`), and the headline sentence that opens
the summary. Money in the result's currency per year."""

from __future__ import annotations

import pandas as pd

from symnet.outputs._format import format_quantity
from symnet.participants import COLUMNS, headline, public_view
from symnet.result import Result
from symnet.scenario import Scenario
from symnet.settlement import SETTLEMENT_COLUMNS, public_transfers

Section = tuple[str, list[str], list[list[str]], str, str]
"""(heading, header, rows, note, css class) as the report lays it out."""


def _table(result: Result, scenario: Scenario | None, public: bool) -> pd.DataFrame | None:
    rows = result.kpis.get("participants")
    if rows is None:
        return None
    table = pd.DataFrame(rows, columns=COLUMNS)
    return public_view(table, scenario) if public and scenario is not None else table


def participants_headline(result: Result, scenario: Scenario | None, public: bool) -> str:
    """The first sentence of the report: savings as the sum over all participants, the
    largest winners and losers ('' when the run has no participant table)."""
    table = _table(result, scenario, public)
    return "" if table is None or table.empty else headline(table, result.currency)


def participant_sections(result: Result, scenario: Scenario | None, public: bool) -> list[Section]:
    """The sections "Every participant's economics" and "Who pays whom" (none when the run
    has no participant table)."""
    table = _table(result, scenario, public)
    if table is None:
        return []
    cur = result.currency
    money = format_quantity
    shown = table.loc[(table["gain"].abs() > 1e-6) | (table["cost"].abs() > 1e-6) | (table["kind"] == "facility")]
    rows = [
        [
            str(r.name),
            str(r.kind),
            money(r.baseline_cost),
            money(r.cost),
            money(r.gain),
            money(r.disposal_avoided),
            money(r.purchases_avoided),
            money(r.gate_fees_paid - r.gate_fees_received + r.treatment),
            money(r.transport + r.link_fixed),
            money(r.facility_fixed + r.facility_operating + r.facility_inputs + r.output_fate),
            money(r.sales),
        ]
        for r in shown.itertuples()
    ]
    econ = scenario.config.economics if scenario is not None else None
    payer = econ.transport_paid_by if econ is not None else "receiver"
    note = (
        f"At the scenario's prices, {cur}/yr. Gain = cost today - cost with symbiosis; the gains add up to the "
        f"system savings. Transport and link fixed costs are paid by the {payer} unless a resource or a demand row "
        "says otherwise; a gate fee is paid by the sender to the receiver, whose cost of taking the stream it covers. "
        f"{len(table) - len(shown)} participant(s) without any change are not shown (participants.csv has all)."
    )
    sections: list[Section] = [
        (
            "Every participant's economics",
            [
                "Participant",
                "Kind",
                f"Today {cur}/yr",
                f"With symbiosis {cur}/yr",
                f"Gain {cur}/yr",
                "Disposal avoided",
                "Purchases avoided",
                "Gate fees (net)",
                "Transport and links paid",
                "Facility costs",
                "Sales",
            ],
            rows,
            note,
            "num",
        )
    ]
    names = dict(zip(table["participant"].astype(str), table["name"].astype(str)))
    sections.append(_settlement_section(result, scenario, public, names))
    return sections


def _settlement_section(result: Result, scenario: Scenario | None, public: bool, names: dict[str, str]) -> Section:
    st = result.kpis.get("settlement") or {}
    cur = result.currency
    head = ["Payer", "Payee", "Exchange", f"{cur}/yr", f"{cur} per unit"]
    if st.get("error"):
        return ("Who pays whom", head, [], f"No settlement ({st.get('rule')}): {st['error']}.", "")
    moves = pd.DataFrame(st.get("transfers", []), columns=SETTLEMENT_COLUMNS)
    if public and scenario is not None:
        moves = public_transfers(moves, scenario)
    rows = [
        [
            names.get(str(t.payer), str(t.payer)),
            names.get(str(t.payee), str(t.payee)),
            str(t.exchange),
            format_quantity(t.sek_per_yr),
            f"{format_quantity(t.sek_per_unit)} per {t.unit or 'unit'}",
        ]
        for t in moves.sort_values("sek_per_yr", ascending=False).itertuples()
    ]
    methods = "; ".join(sorted(set((st.get("methods") or {}).values()))) or str(st.get("rule", ""))
    note = (
        f"Transfers on the active exchanges so that every participant gains at least nothing, the savings of each "
        f"group of connected participants shared by the rule: {methods}. {format_quantity(st.get('transferred', 0.0))} "
        f"{cur}/yr change hands in all."
    )
    return ("Who pays whom", head, rows, note, "")
