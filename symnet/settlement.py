"""Settlement: who pays whom so that every participant of a system optimum gains at least
nothing, with the savings shared by a stated rule.

Participants joined by the optimum's active exchanges form a *group* (a connected component
of the exchange graph, from :mod:`symnet.participants`); each group shares its own savings
``S`` (currency/yr) and is refused when ``S < 0`` (no transfers can make all its members
gain). Target gains per member:

* ``proportional``: ``S x c_i / sum c`` with ``c_i`` the member's stand-alone cost (its cost
  today, negative costs counted as 0; a group whose members all cost nothing today shares
  equally, and says so);
* ``equal``: ``S / n``;
* ``nucleolus``: the nucleolus of the group's savings game (:func:`nucleolus`, a sequence of
  LPs). Coalition values ``v(C)`` are the savings of re-optimising with only ``C`` taking part
  (every other actor excluded, every other site option closed). Exact (all ``2^n - 2``
  coalitions) for groups of at most :data:`EXACT_LIMIT` members; larger groups use the
  restricted form over the singletons and the all-but-one coalitions (``2n`` solves).

Transfers run along the group's active exchanges (:func:`transfers`: least total money moved,
an LP), so each is a price per unit on an existing exchange.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd
from scipy.optimize import linprog

from symnet.errors import SymnetError
from symnet.participants import _receiver, _sender
from symnet.result import Result
from symnet.scenario import Scenario

Rule = Literal["proportional", "equal", "nucleolus"]
RULES: tuple[str, ...] = ("proportional", "equal", "nucleolus")
EXACT_LIMIT = 8
"""Largest group whose nucleolus is computed over every coalition (``2^n - 2`` re-solves, about
0.25 s each on the Härjedalen scenario on an idle core: 1 min at 8 members; its 9-member group
took over 17 min exactly on the shared machine, so larger groups use the restricted form)."""
TOL = 1e-6
SETTLEMENT_COLUMNS = ["group", "payer", "payee", "exchange", "sek_per_yr", "sek_per_unit", "unit", "rule", "method"]
SHARE_COLUMNS = ["group", "participant", "baseline_cost", "gain", "transfer", "settled_gain", "rule", "method"]

CoalitionValue = Callable[[frozenset[str]], float]
"""Savings (currency/yr) a coalition of participants reaches on its own."""


class SettlementError(SymnetError):
    """No settlement: a group's savings are negative (or the rule is unknown)."""


@dataclass
class Settlement:
    """The transfers (:data:`SETTLEMENT_COLUMNS`, currency/yr and per unit delivered) and the
    settled gains per participant (:data:`SHARE_COLUMNS`)."""

    rule: str
    transfers: pd.DataFrame
    shares: pd.DataFrame
    methods: dict[int, str] = field(default_factory=dict)


def exchange_groups(result: Result) -> list[list[str]]:
    """Participants joined by the active exchanges (connected components, each sorted; the
    groups sorted by their first member)."""
    links = result.links
    used = links.loc[links["used"]] if len(links) else links
    g = nx.Graph()
    g.add_edges_from(zip(_sender(used).astype(str), _receiver(used).astype(str)))
    return sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: c[0])


def nucleolus(players: list[str], value: dict[frozenset[str], float], grand: float) -> dict[str, float]:
    """The nucleolus of a game: ``value`` maps coalitions (proper, non-empty) to their value,
    ``grand`` is the value of all ``players`` (shared exactly). Imputations only (``x_i >=
    v({i})`` where the singleton is given). Solved as the usual LP sequence: maximise the
    smallest excess, fix the coalitions that are tight in every optimum, repeat."""
    n = len(players)
    if n == 1:
        return {players[0]: grand}
    rows, v, bounds = _game(players, value)
    tol = 1e-7 * max(1.0, abs(grand))
    fixed: dict[int, float] = {}
    while True:
        free = [k for k in range(len(v)) if k not in fixed]
        if not free:
            break
        eps, x = _max_min_excess(rows, v, free, fixed, grand, bounds, n)
        tight = [k for k in free if rows[k] @ x - v[k] <= eps + tol]
        newly = [k for k in tight if _always_tight(rows, v, k, free, fixed, eps, grand, bounds, n)]
        if not newly:  # numerical safety: fix the tightest one
            newly = [min(free, key=lambda k: rows[k] @ x - v[k])]
        fixed.update({k: eps for k in newly})
        if np.linalg.matrix_rank(np.vstack([np.ones(n), rows[list(fixed)]])) >= n:
            break
    _, x = _max_min_excess(rows, v, [], fixed, grand, bounds, n)
    return {p: float(x[i]) for i, p in enumerate(players)}


def _game(
    players: list[str], value: dict[frozenset[str], float]
) -> tuple[np.ndarray, np.ndarray, list[tuple[float | None, float | None]]]:
    """(membership matrix coalitions x players, coalition values, variable bounds of (x, eps)):
    ``x_i >= v({i})`` where the singleton's value is given."""
    pos = {p: i for i, p in enumerate(players)}
    coalitions = sorted(value, key=lambda c: (len(c), sorted(c)))
    rows = np.zeros((len(coalitions), len(players)))
    for k, c in enumerate(coalitions):
        rows[k, [pos[p] for p in c]] = 1.0
    v = np.array([value[c] for c in coalitions])
    lower = [value.get(frozenset({p}), -np.inf) for p in players]
    bounds: list[tuple[float | None, float | None]] = [(lo if np.isfinite(lo) else None, None) for lo in lower]
    bounds.append((None, None))
    return rows, v, bounds


def _lp_parts(
    rows: np.ndarray, v: np.ndarray, free: list[int], fixed: dict[int, float], grand: float, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(A_ub, b_ub, A_eq, b_eq) over (x, eps): free coalitions ``x(C) - v(C) >= eps``, fixed
    ones ``x(C) - v(C) = eps_k`` (eps column 0), and ``x(N) = grand``."""
    a_ub = np.hstack([-rows[free], np.ones((len(free), 1))]) if free else np.zeros((0, n + 1))
    b_ub = -v[free] if free else np.zeros(0)
    eq = [np.append(np.ones(n), 0.0)] + [np.append(rows[k], 0.0) for k in fixed]
    b_eq = [grand] + [v[k] + e for k, e in fixed.items()]
    return a_ub, b_ub, np.array(eq), np.array(b_eq)


def _max_min_excess(
    rows: np.ndarray,
    v: np.ndarray,
    free: list[int],
    fixed: dict[int, float],
    grand: float,
    bounds: list[tuple[float | None, float | None]],
    n: int,
) -> tuple[float, np.ndarray]:
    a_ub, b_ub, a_eq, b_eq = _lp_parts(rows, v, free, fixed, grand, n)
    c = np.zeros(n + 1)
    c[-1] = -1.0 if free else 0.0
    eps_bound = bounds[-1] if free else (0.0, 0.0)
    res = linprog(
        c,
        A_ub=a_ub if free else None,
        b_ub=b_ub if free else None,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds[:-1] + [eps_bound],
        method="highs",
    )
    if res.status != 0:
        raise SettlementError(f"nucleolus: the imputation LP failed ({res.message})")
    return float(res.x[-1]), res.x[:n]


def _always_tight(
    rows: np.ndarray,
    v: np.ndarray,
    k: int,
    free: list[int],
    fixed: dict[int, float],
    eps: float,
    grand: float,
    bounds: list[tuple[float | None, float | None]],
    n: int,
) -> bool:
    """True when coalition ``k`` has excess ``eps`` in every solution with min excess ``eps``."""
    a_ub, b_ub, a_eq, b_eq = _lp_parts(rows, v, free, fixed, grand, n)
    c = np.append(-rows[k], 0.0)
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds[:-1] + [(eps, eps)], method="highs")
    return res.status == 0 and (-res.fun - v[k]) <= eps + 1e-7 * max(1.0, abs(grand))


def coalitions(players: list[str]) -> tuple[list[frozenset[str]], str]:
    """The coalitions the nucleolus is computed over, and the words for which."""
    n = len(players)
    if n <= EXACT_LIMIT:
        return (
            [frozenset(c) for size in range(1, n) for c in combinations(players, size)],
            f"nucleolus, exact over all {2**n - 2} coalitions",
        )
    out = [frozenset({p}) for p in players] + [frozenset(players) - {p} for p in players]
    return out, f"nucleolus, restricted to the {n} singletons and {n} all-but-one coalitions ({n} > {EXACT_LIMIT})"


def target_gains(
    rule: str, members: list[str], gains: dict[str, float], today: dict[str, float], value: CoalitionValue | None
) -> tuple[dict[str, float], str]:
    """Per member, the gain the rule gives it (currency/yr), and the words for the method."""
    total = sum(gains[m] for m in members)
    if rule == "equal":
        return {m: total / len(members) for m in members}, "equal shares"
    if rule == "proportional":
        weight = {m: max(today.get(m, 0.0), 0.0) for m in members}
        if sum(weight.values()) <= TOL:
            return {m: total / len(members) for m in members}, "equal shares (no member has a cost today)"
        return {m: total * w / sum(weight.values()) for m, w in weight.items()}, "proportional to the cost today"
    if rule == "nucleolus":
        if value is None:
            raise SettlementError("nucleolus: no coalition values (give a coalition solver)")
        sets, method = coalitions(members)
        return nucleolus(members, {c: float(value(c)) for c in sets}, total), method
    raise SettlementError(f"unknown settlement rule '{rule}'; expected one of {', '.join(RULES)}")


def transfers(result: Result, members: list[str], need: dict[str, float]) -> list[tuple[str, str, str, float, float]]:
    """Money to move along the active exchanges between ``members`` so that each receives
    ``need`` (currency/yr, negative = pays; sums to 0), the least in total: rows (payer, payee,
    link, currency/yr, per unit delivered)."""
    links = result.links
    used = links.loc[links["used"]] if len(links) else links
    snd, rcv = _sender(used).astype(str).to_numpy(), _receiver(used).astype(str).to_numpy()
    keep = np.isin(snd, members) & np.isin(rcv, members) & (snd != rcv)
    used, snd, rcv = used.loc[keep], snd[keep], rcv[keep]
    if not len(used) or max(abs(v) for v in need.values()) <= TOL:
        return []
    pos = {m: i for i, m in enumerate(members)}
    m, e = len(members), len(used)
    a = np.zeros((m, 2 * e))
    for j, (s, r) in enumerate(zip(snd, rcv)):  # f+ : sender pays receiver; f- : the reverse
        a[pos[r], j], a[pos[s], j] = 1.0, -1.0
        a[pos[r], e + j], a[pos[s], e + j] = -1.0, 1.0
    b = np.array([need[x] for x in members])
    res = linprog(np.ones(2 * e), A_eq=a, b_eq=b, bounds=[(0, None)] * (2 * e), method="highs")
    if res.status != 0:
        raise SettlementError(f"no transfers along the active exchanges reach the shares ({res.message})")
    out = []
    qty = used["quantity"].to_numpy(dtype=float)
    ids = used["link"].astype(str).to_numpy()
    for j in range(e):
        for amount, payer, payee in ((res.x[j], snd[j], rcv[j]), (res.x[e + j], rcv[j], snd[j])):
            if amount > TOL * max(1.0, float(np.abs(b).max())):
                out.append((payer, payee, ids[j], float(amount), float(amount / qty[j]) if qty[j] > TOL else 0.0))
    return out


def settle(
    result: Result, participants: pd.DataFrame, rule: str = "proportional", value: CoalitionValue | None = None
) -> Settlement:
    """Transfer prices per active exchange so that every participant of ``result`` gains at
    least nothing, the savings of each group shared by ``rule`` (see the module doc).

    Parameters
    ----------
    participants : DataFrame
        :func:`symnet.participants.participant_economics` of ``result``.
    value : callable, optional
        Coalition -> its savings on its own (currency/yr); needed for ``nucleolus``
        (:func:`coalition_solver`).

    Raises
    ------
    SettlementError
        A group's savings are negative, or the rule is unknown.
    """
    if rule not in RULES:
        raise SettlementError(f"unknown settlement rule '{rule}'; expected one of {', '.join(RULES)}")
    gains = dict(zip(participants["participant"].astype(str), participants["gain"].astype(float)))
    today = dict(zip(participants["participant"].astype(str), participants["baseline_cost"].astype(float)))
    moves, shares, methods = [], [], {}
    for g, members in enumerate(exchange_groups(result), start=1):
        total = sum(gains.get(m, 0.0) for m in members)
        if total < -TOL * max(1.0, sum(abs(gains.get(m, 0.0)) for m in members)):
            raise SettlementError(
                f"group {g} ({', '.join(members)}) saves {total:,.0f} per year in all: no transfers can make "
                "every member gain; the exchanges of this group are not worth it at the stated prices"
            )
        target, method = target_gains(rule, members, {m: gains.get(m, 0.0) for m in members}, today, value)
        need = {m: target[m] - gains.get(m, 0.0) for m in members}
        methods[g] = method
        for payer, payee, link, amount, per_unit in transfers(result, members, need):
            moves.append((g, payer, payee, link, amount, per_unit, _unit(result, link), rule, method))
        for m in members:
            shares.append((g, m, today.get(m, 0.0), gains.get(m, 0.0), need[m], target[m], rule, method))
    return Settlement(
        rule,
        pd.DataFrame(moves, columns=SETTLEMENT_COLUMNS),
        pd.DataFrame(shares, columns=SHARE_COLUMNS),
        methods,
    )


def _unit(result: Result, link: str) -> str:
    """The unit of a link's flow (the flows table's), '' when unknown."""
    flows = result.flows
    match = flows.loc[flows["link"] == link, "unit"] if len(flows) else flows
    return str(match.iat[0]) if len(match) else ""


def coalition_solver(
    solve: Callable[[set[str], set[str]], float], actors: Iterable[str], options: Iterable[str]
) -> CoalitionValue:
    """A :data:`CoalitionValue` from ``solve(excluded_actors, closed_options) -> savings``:
    a coalition keeps its own actors and site options; every other actor is excluded and
    every other option closed. Values are cached."""
    all_actors, all_options = set(actors), set(options)
    cache: dict[frozenset[str], float] = {}

    def value(coalition: frozenset[str]) -> float:
        if coalition not in cache:
            cache[coalition] = float(solve(all_actors - coalition, all_options - coalition))
        return cache[coalition]

    return value


def model_coalition_value(scenario: Scenario, network: Any, **options: Any) -> CoalitionValue:
    """Coalition values by re-optimising ``scenario`` on ``network`` with only the
    coalition's actors and site options (``options`` go to :class:`AllocationModel`)."""
    from symnet.optimise import AllocationModel

    def savings(excluded: set[str], closed: set[str]) -> float:
        result = AllocationModel(scenario, network, excluded_actors=excluded, force_closed=closed, **options).solve()
        if not result.ok:
            raise SettlementError(f"nucleolus: a coalition's optimum failed ({result.status}: {result.message})")
        return float(result.kpis["savings"])

    return coalition_solver(savings, [a.id for a in scenario.actors], [o.option_id for o in scenario.sites])


def settlement_kpis(
    result: Result, participants: pd.DataFrame, rule: str, value: CoalitionValue | None = None
) -> dict[str, Any]:
    """``{"settlement": {...}}`` for ``result.kpis`` (JSON-ready): ``rule``, ``methods`` (per
    group), ``transfers`` and ``shares`` (records of :class:`Settlement`), ``transferred``
    (currency/yr moved in all) and ``error`` (why there is no settlement, else None)."""
    try:
        st = settle(result, participants, rule, value)
    except SettlementError as exc:
        return {
            "settlement": {
                "rule": rule,
                "methods": {},
                "transfers": [],
                "shares": [],
                "transferred": 0.0,
                "error": str(exc),
            }
        }
    return {
        "settlement": {
            "rule": rule,
            "methods": {str(k): v for k, v in st.methods.items()},
            "transfers": st.transfers.to_dict("records"),
            "shares": st.shares.to_dict("records"),
            "transferred": float(st.transfers["sek_per_yr"].sum()) if len(st.transfers) else 0.0,
            "error": None,
        }
    }


def public_transfers(moves: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Transfers for public outputs: confidential payers and payees shown as
    ``<municipality> (aggregated)``, amounts to 2 significant figures."""
    from symnet.participants import _two_figures, public_names

    hidden = public_names(scenario)
    return moves.assign(
        payer=moves["payer"].map(lambda p: hidden.get(p, p)),
        payee=moves["payee"].map(lambda p: hidden.get(p, p)),
        sek_per_yr=moves["sek_per_yr"].map(_two_figures),
        sek_per_unit=moves["sek_per_unit"].map(_two_figures),
    )
