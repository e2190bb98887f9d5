"""The variable blocks of the allocation model, one column block per kind.

``x[l,p]`` flow on a link (supply units); ``u[s,p]`` supply to its current fate; ``b[d,p]``
conventional purchase; ``v[k,p]`` facility throughput; ``w[o,p]`` facility output sold
outside the region or hub forward to its fate; ``bf[i,p]`` purchased facility input;
``n[l]`` integer truck trips; binaries ``y[l]`` (link activation) and ``z[k]`` (site option).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symnet.optimise.arrays import TOL, ArrayBuilder
from symnet.optimise.data import ModelData
from symnet.optimise.objective import flow_coefficients


@dataclass
class Columns:
    """Column indices of every block, and the link arrays the row families share.

    ``nt``: links with an integer trips column (in ``N`` order); ``yl``: links with an
    activation binary (in ``Y`` order); ``bf_rows``: facility input rows with a purchase
    column (in ``BF`` order); ``ybin``/``zbin``: link/option position -> column of a free
    binary; ``yfixed``/``zfixed``: position -> fixed value. ``eff`` is the share of a flow
    that arrives (factor x (1 - loss)); ``src``/``dem``/``inp``/``snd`` the link's supply,
    demand, facility input and sender positions (-1: none).
    """

    X: np.ndarray
    U: np.ndarray
    B: np.ndarray
    V: np.ndarray
    W: np.ndarray
    BF: np.ndarray
    N: np.ndarray
    Y: np.ndarray
    Z: np.ndarray
    bf_rows: np.ndarray
    nt: np.ndarray
    yl: np.ndarray
    ybin: dict[int, int]
    yfixed: dict[int, float]
    zbin: dict[int, int]
    zfixed: dict[int, float]
    per_trip: np.ndarray
    upper: np.ndarray
    min_vol: np.ndarray
    eff: np.ndarray
    src: np.ndarray
    dem: np.ndarray
    inp: np.ndarray
    snd: np.ndarray

    @property
    def n_periods(self) -> int:
        """Number of periods P."""
        return int(self.X.shape[1])


def mark_trip_links(data: ModelData, integer_trips_below_units: np.ndarray, lp_mode: bool) -> None:
    """Add ``integer_trips``, ``trip_bound`` (most trips a year) and ``activation`` to
    ``data.links``. Trips are integer where a link's largest annual flow ``U`` is below
    ``integer_trips_below_units`` (supply units per year), except in LP mode."""
    links = data.links
    per_trip = links["units_per_trip"].to_numpy(dtype=float)
    upper = links["U"].to_numpy(dtype=float)
    integer_trips = (per_trip > 0) & (upper < integer_trips_below_units) & (upper > TOL) & (not lp_mode)
    trip_bound = np.where(per_trip > 0, np.ceil(upper / np.where(per_trip > 0, per_trip, 1.0) - 1e-9), 0.0)
    links["integer_trips"] = integer_trips
    links["trip_bound"] = trip_bound
    links["activation"] = (links["fixed_cost"].to_numpy() > 0) | (links["min_volume"].to_numpy() > 0)


def site_values(
    options: list[str], fixed: dict[str, float], force_open: set[str], force_closed: set[str]
) -> np.ndarray:
    """Per site option, its fixed 0/1 value (fixed binaries first, then forced) or NaN when free."""
    z_val = np.full(len(options), np.nan)
    for k, opt in enumerate(options):
        if opt in fixed:
            z_val[k] = float(fixed[opt])
        elif opt in force_open:
            z_val[k] = 1.0
        elif opt in force_closed:
            z_val[k] = 0.0
    return z_val


def add_variables(bld: ArrayBuilder, data: ModelData, fixed: dict[str, float], z_val: np.ndarray) -> Columns:
    """Add every column block in model order (x, u, b, v, w, bf, n, y, z) to ``bld``.

    ``fixed`` maps link ids to fixed ``y`` values; ``z_val`` is :func:`site_values`.
    Costs are in currency per unit of the column, CO2e in t per unit.
    """
    d = data
    P = len(d.periods)
    links = d.links
    L = len(links)
    per_trip = links["units_per_trip"].to_numpy(dtype=float)
    upper = links["U"].to_numpy(dtype=float)
    integer_trips = links["integer_trips"].to_numpy(dtype=bool)
    trip_bound = links["trip_bound"].to_numpy(dtype=float)
    flow_cost, flow_co2 = flow_coefficients(links, integer_trips)
    X = bld.add_cols("x", (L, P), cost=flow_cost[:, None], co2=flow_co2[:, None])
    U = bld.add_cols(
        "u",
        (len(d.supplies), P),
        cost=d.supplies["cost"].to_numpy(dtype=float)[:, None],
        co2=d.supplies["co2"].to_numpy(dtype=float)[:, None],
    )
    B = bld.add_cols(
        "b",
        (len(d.demands), P),
        cost=d.demands["cost"].to_numpy(dtype=float)[:, None],
        co2=d.demands["co2"].to_numpy(dtype=float)[:, None],
    )
    V = bld.add_cols("v", (len(d.options), P), cost=d.options["operating_cost"].to_numpy(dtype=float)[:, None])
    W = bld.add_cols(
        "w",
        (len(d.senders), P),
        cost=-d.senders["price"].to_numpy(dtype=float)[:, None],
        co2=d.senders["co2"].to_numpy(dtype=float)[:, None],
    )
    price = d.inputs["price"].to_numpy(dtype=float)
    bf_rows = np.flatnonzero(price > 0)
    BF = bld.add_cols("bf", (len(bf_rows), P), cost=price[bf_rows][:, None])
    nt = np.flatnonzero(integer_trips)
    N = bld.add_cols(
        "n",
        (len(nt),),
        upper=trip_bound[nt],
        cost=links["trip_cost"].to_numpy()[nt],
        co2=links["trip_co2e_t"].to_numpy()[nt],
        integer=True,
    )
    # link binaries
    yl = np.flatnonzero(links["activation"].to_numpy())
    ids = links["link"].to_numpy()
    y_fixed = np.array([fixed.get(ids[i], np.nan) for i in yl], dtype=float)
    y_is_fixed = ~np.isnan(y_fixed)
    min_vol = links["min_volume"].to_numpy(dtype=float)
    y_up = np.where(y_is_fixed, y_fixed, np.where(min_vol[yl] > upper[yl] + TOL, 0.0, 1.0))
    Y = bld.add_cols(
        "y",
        (len(yl),),
        lower=np.where(y_is_fixed, y_fixed, 0.0),
        upper=y_up,
        cost=links["fixed_cost"].to_numpy()[yl],
        integer=~y_is_fixed,
    )
    # site binaries
    z_fixed = ~np.isnan(z_val)
    Z = bld.add_cols(
        "z",
        (len(z_val),),
        lower=np.where(z_fixed, z_val, 0.0),
        upper=np.where(z_fixed, z_val, 1.0),
        cost=d.options["fixed_cost"].to_numpy(dtype=float),
        integer=~z_fixed,
    )
    return Columns(
        X=X,
        U=U,
        B=B,
        V=V,
        W=W,
        BF=BF,
        N=N,
        Y=Y,
        Z=Z,
        bf_rows=bf_rows,
        nt=nt,
        yl=yl,
        ybin={int(i): int(c) for i, c, f in zip(yl, Y, y_is_fixed) if not f},
        yfixed={int(i): float(v) for i, v, f in zip(yl, y_fixed, y_is_fixed) if f},
        zbin={k: int(Z[k]) for k in range(len(z_val)) if not z_fixed[k]},
        zfixed={k: float(z_val[k]) for k in range(len(z_val)) if z_fixed[k]},
        per_trip=per_trip,
        upper=upper,
        min_vol=min_vol,
        eff=(links["factor"] * (1.0 - links["loss"])).to_numpy(dtype=float),
        src=links["src_idx"].to_numpy(),
        dem=links["dem_idx"].to_numpy(),
        inp=links["inp_idx"].to_numpy(),
        snd=links["snd_idx"].to_numpy(),
    )
