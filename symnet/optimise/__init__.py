"""AllocationModel: the PuLP model that decides which stream goes where.

Formulation (DESIGN.md "Allocation model"); indices: actor supplies s, facility senders
(outputs, hub forwards) o, demands d, links l, periods p (weights = share of year),
site options k.

Variables
    ``x[l,p] >= 0`` flow on a link (supply units); ``u[s,p] >= 0`` supply to its current
    fate; ``b[d,p] >= 0`` conventional purchase; ``v[k,p] >= 0`` facility throughput;
    ``w[o,p] >= 0`` facility output sold outside the region (at ``sale_price``) or, for a
    hub, forwarded to the resource's default fate; ``bf[k,i,p] >= 0`` purchase of a
    facility input with ``price > 0``; integer truck trips ``n[l]`` on road links with small
    flows; binaries ``y[l]`` (links with a fixed cost or a minimum volume) and ``z[k]``
    (site options).

Objective (currency per year; ``objective="co2"``: t CO2e per year)
    sum unit_cost x + trip_cost n + fixed_cost y + disposal cost u + purchase cost b +
    input price bf + site fixed cost z + operating cost v - sale revenue w (CO2 price
    inside costs.py).

Road transport is paid per truck trip (:func:`symnet.costs.road_trip_cost`): a link
needs ``n[l] >= sum_p x[l,p] / units_per_trip`` trips a year. Where a link's largest
possible annual flow is below ``economics.road.integer_trips_below_t`` (default 2
payloads, :data:`symnet.costs.INTEGER_TRIP_PAYLOADS`), ``n`` is integer, so a 2 t stream
pays a whole trip; above it ``n`` is continuous and folded into ``unit_cost`` (full loads;
the error is below one trip a year per link).

Constraints
    supply balance ``sum_out x + u = q_s profile_s[p]``; demand balance
    ``sum_in factor (1-loss) x + b = Q_d profile_d[p]``; facility inputs
    ``inflow_i + bf = per_unit_i v`` (optional inputs ``<=``); outputs
    ``per_unit v = sum_out x + w``; hubs ``(1-loss) inflow_r = outflow_r + w_r`` and
    ``sum_r t_r inflow_r = v`` (a hub's throughput, capacity and operating cost are in
    tonnes: t_r = tonnes per unit of r, 1 for resources without a mass);
    ``min_throughput w_p z <= v <= cap_p z`` with ``cap_p = min(capacity w_p, what the
    inputs can reach)``; every link into or out of a candidate option
    ``x[l,p] <= B[l,p] z[k]`` (B = the tightest bound from supply, demand and capacity);
    one facility per site; at most ``max_count`` per type; at most ``max_open`` options;
    trips ``units_per_trip n >= sum_p x``; ``sum_p x <= U y`` and ``sum_p x >= m y``;
    per resource and period, a rounded capacity cover ``cover_<resource>_<p>`` (a valid
    inequality: enough facilities open for what the supplies cannot send elsewhere, or
    the rest goes to its fate; see :func:`symnet.optimise.constraints.capacity_covers`).
    Periods are independent (heat is not stored).

With free site binaries, HiGHS starts from a site choice found by rounding the LP
relaxation and a short local search (:func:`symnet.optimise.warmstart.site_warm_start`).
Large models (issue #14) lose their dominated links (``prune.py``), split into independent
parts (``decompose.py``) and are solved first on the links their LP relaxation asks for
(link pricing, ``restrict.py``), with a bound that holds for all links.

The model is held as arrays (columns with bounds, costs and integrality; rows as one
sparse matrix). :attr:`AllocationModel.prob` is the same model as a PuLP problem, built
from the arrays on first access; HiGHS receives the arrays in one ``passModel`` call
unless the PuLP problem was changed by the user, in which case PuLP's own HiGHS or CBC

Where each part lives: ``data.py`` (scenario -> model tables and bounds), ``variables.py``
(column blocks), ``constraints.py`` (one function per constraint family, e.g. the minimum
volume in :func:`~symnet.optimise.constraints.link_minimum_volume`), ``objective.py``,
``solve.py`` (HiGHS/CBC hand-over, limits, statuses), ``warmstart.py``, ``prune.py``,
``decompose.py``, ``restrict.py``, ``diagnose.py``
(infeasibility in words), ``solution.py`` (result tables) and ``model.py``
(:class:`AllocationModel`, :func:`optimise`).
"""

from symnet.costs import hub_supply
from symnet.optimise.arrays import BIG_M_FALLBACK, INF, TOL, ArrayBuilder, ModelArrays
from symnet.optimise.data import ModelData, prepare
from symnet.optimise.diagnose import structural_reasons
from symnet.optimise.model import AllocationModel, optimise
from symnet.optimise.objective import OBJECTIVES
from symnet.optimise.solution import DISPOSAL_COLUMNS, FLOW_COLUMNS, PURCHASE_COLUMNS, SITE_COLUMNS, fill_tables
from symnet.optimise.solve import SOLVERS, highs_model, quiet_stdout, to_pulp
from symnet.optimise.warmstart import WARM_START_SHARE, site_warm_start

# former private names of symnet.optimise / symnet.optimise_tables
_Arrays = ModelArrays
_Builder = ArrayBuilder
_Data = ModelData
_prepare = prepare
_site_warm_start = site_warm_start
_highs_model = highs_model
_to_pulp = to_pulp
_structural_reasons = structural_reasons

__all__ = [
    "BIG_M_FALLBACK",
    "DISPOSAL_COLUMNS",
    "FLOW_COLUMNS",
    "INF",
    "OBJECTIVES",
    "PURCHASE_COLUMNS",
    "SITE_COLUMNS",
    "SOLVERS",
    "TOL",
    "WARM_START_SHARE",
    "AllocationModel",
    "ArrayBuilder",
    "ModelArrays",
    "ModelData",
    "fill_tables",
    "hub_supply",
    "optimise",
    "prepare",
    "quiet_stdout",
    "site_warm_start",
    "structural_reasons",
]
