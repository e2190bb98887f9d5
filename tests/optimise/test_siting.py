"""Siting formulation: the rounded capacity covers (hand-computed) never cut off an optimum
(checked against enumerating every site choice)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from symnet.network import build_network
from symnet.optimise import AllocationModel

from .helpers import make_scenario

MILL = {
    "facilities": {
        "mill": {
            "name": "Mill",
            "fixed_cost": 1000,
            "capacity": 100,
            "inputs": [{"resource": "spent_grain"}],
            "outputs": [{"resource": "feed", "per_unit": 0.5, "sale_price": 0}],
        }
    }
}

ACTORS = """
id,name,lon,lat,operations
a,Brewery A,14.00,62.00,
b,Brewery B,14.01,62.00,
c,Brewery C,14.02,62.00,
f,Farm F,14.03,62.00,R3
"""


def test_cover_row_is_the_rounded_capacity_cover(tmp_path):
    # 3 x 50 t grain, no grain demand (the farm wants feed), mills of 100 t at two sites:
    # S = 150, D = 0, C = 100 -> beta = 1.5, f = 0.5; rounding gives
    #   z_g1 + z_g2 + (u_s1 + u_s2 + u_s3) / 50 >= 2
    # (two mills, or 50 t to landfill), while the LP relaxation could open 1.5 mills.
    s = make_scenario(
        tmp_path,
        ACTORS,
        "id,actor,resource,quantity,unit,current_fate,fate_cost\n"
        "s1,a,spent_grain,50,t,landfill,600\ns2,b,spent_grain,50,t,landfill,600\n"
        "s3,c,spent_grain,50,t,landfill,600",
        "id,actor,resource,quantity,unit,price\ndf,f,feed,1,t,0",
        sites="id,lon,lat,facility\ng1,14.01,62.01,mill\ng2,14.02,62.01,mill",
        **MILL,
    )
    m = AllocationModel(s).build()
    a = m.arrays
    row = a.row_names.index("cover_spent_grain_0")
    coefs = dict(zip(a.matrix[row].indices.tolist(), a.matrix[row].data.tolist()))
    expected = {int(c): 1.0 for c in a.blocks["z"]} | {int(c): 1 / 50 for c in a.blocks["u"][:, 0]}
    assert coefs == pytest.approx(expected)
    assert (a.row_lower[row], a.row_upper[row]) == (2.0, np.inf)
    # forcing g1 open moves its 100 t to the right-hand side: 50 t left, beta = 0.5
    #   z_g2 + (u_s1 + u_s2 + u_s3) / 50 >= 1
    m = AllocationModel(s, force_open={"g1:mill"}).build()
    a = m.arrays
    row = a.row_names.index("cover_spent_grain_0")
    coefs = dict(zip(a.matrix[row].indices.tolist(), a.matrix[row].data.tolist()))
    assert coefs == pytest.approx({int(a.blocks["z"][1]): 1.0} | {int(c): 1 / 50 for c in a.blocks["u"][:, 0]})
    assert a.row_lower[row] == 1.0


def _random_siting(folder, seed: int):
    """3 sites x 2 facility types (grain -> feed, wood -> pellets), 6 supplies, a few demands."""
    rng = np.random.default_rng(seed)
    res = ["spent_grain", "wood_residues"]
    facilities = {
        f"f{i}": {
            "name": f"F{i}",
            "fixed_cost": float(rng.uniform(2e3, 2e4)),
            "capacity": float(rng.uniform(60, 160)),
            "max_count": 2,
            "inputs": [{"resource": r}],
            "outputs": [{"resource": "feed", "per_unit": 0.3, "sale_price": float(rng.uniform(0, 600))}],
        }
        for i, r in enumerate(res)
    }
    pos = lambda: (rng.uniform(14.0, 14.4), rng.uniform(62.0, 62.2))  # noqa: E731
    actors, sups, dems, sites = (
        ["id,name,lon,lat,operations"],
        ["id,actor,resource,quantity,unit,current_fate,fate_cost"],
        ["id,actor,resource,quantity,unit,price"],
        ["id,lon,lat,facility,fixed_cost"],
    )
    for i in range(6):
        lon, lat = pos()
        actors.append(f"s{i},S{i},{lon},{lat},")
        sups.append(f"S{i},s{i},{res[i % 2]},{rng.integers(20, 120)},t,landfill,{rng.integers(100, 800)}")
    for j in range(3):
        lon, lat = pos()
        actors.append(f"d{j},D{j},{lon},{lat},R3")
        dems.append(
            f"D{j},d{j},{['feed', 'spent_grain', 'wood_residues'][j]},{rng.integers(10, 60)},t,{rng.integers(50, 1500)}"
        )
    for k in range(3):
        lon, lat = pos()
        for f, spec in facilities.items():
            sites.append(f"site{k},{lon},{lat},{f},{spec['fixed_cost'] * rng.uniform(0.7, 1.3):.0f}")
    return make_scenario(
        folder,
        "\n".join(actors),
        "\n".join(sups),
        "\n".join(dems),
        sites="\n".join(sites),
        facilities=facilities,
        economics={"road": {"integer_trips_below_t": 0}},
        network={"circuity": 1.3},
    )


@pytest.mark.parametrize(("seed", "forced"), [(1, False), (2, False), (3, False), (4, True), (5, True)])
def test_covers_keep_the_optimum_of_every_site_choice(tmp_path, seed, forced):
    # The MIP (with its cover rows) must find the best of all site choices, each solved as an
    # LP with every site binary fixed (no cover rows then): one facility per site, so 3^3 choices.
    s = _random_siting(tmp_path, seed)
    net = build_network(s)
    options = [o.option_id for o in s.sites]
    force = {options[0]} if forced else set()
    mip = AllocationModel(s, net, gap=1e-9, force_open=force)
    r = mip.solve()
    assert r.status == "optimal"
    assert any(n.startswith("cover_") for n in mip.arrays.row_names), "no cover row: the case tests nothing"
    sites = sorted({o.site for o in s.sites})
    best = np.inf
    for choice in itertools.product([None, "f0", "f1"], repeat=len(sites)):
        chosen = {f"{site}:{f}" for site, f in zip(sites, choice) if f is not None}
        if not force <= chosen:
            continue
        fixed = {o: float(o in chosen) for o in options}
        lp = AllocationModel(s, net, fixed_binaries=fixed).solve()
        if lp.status == "optimal":
            best = min(best, lp.objective)
    assert r.objective == pytest.approx(best, rel=1e-7, abs=1e-4)
