"""Seeded generator of national-scale scenario folders (issue #14).

``write_scale_scenario(folder, n, seed)`` writes a scenario folder that ``symnet
validate`` accepts and any command can run:

- ``n`` supplies of 5 residues (spent grain, food waste, wood residues, ash, plastics;
  one actor each) and ``n`` demands (half for feed, the rest for the raw residues),
  spread uniformly over lon 12-20, lat 56-64 (southern and central Sweden);
- 4 seasons (equal weights), seasonal supply profiles per residue;
- 10 sites x 5 facility types (one converter per residue, each making feed);
- default economics (whole truck trips on small links), estimated distances (no OSM
  extract: great circle x circuity 1.37), demands with a reach ``max_km`` of 150-650 km.

Every number is an assumption of the benchmark (stated in the columns ``source`` and the
scenario's ``source``); nothing here describes a real place.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

RESOURCES = ("spent_grain", "food_waste", "wood_residues", "ash", "plastics")
#: seasonal share (winter, spring, summer, autumn) of each residue's annual quantity
PROFILES = {
    "spent_grain": [0.25, 0.25, 0.25, 0.25],
    "food_waste": [0.22, 0.24, 0.28, 0.26],
    "wood_residues": [0.35, 0.25, 0.15, 0.25],
    "ash": [0.40, 0.25, 0.10, 0.25],
    "plastics": [0.25, 0.25, 0.25, 0.25],
}
LON = (12.0, 20.0)
LAT = (56.0, 64.0)
N_SITES = 10
SOURCE = "assumption: generated benchmark data (benchmarks/scale_generator.py)"


def _config(n: int, seed: int, rng: np.random.Generator) -> dict:
    facilities = {}
    for res in RESOURCES:
        facilities[f"conv_{res}"] = {
            "name": f"converter {res}",
            "fixed_cost": float(round(rng.uniform(2e5, 6e5))),
            "capacity": float(round(rng.uniform(2000, 6000))),
            "max_count": 4,
            "inputs": [{"resource": res}],
            "outputs": [{"resource": "feed", "per_unit": 0.3, "sale_price": 1500.0}],
            "operations": ["R3"],
        }
    return {
        "name": f"scale N={n} seed={seed}",
        "description": "generated national-scale benchmark (issue #14)",
        "region": "generated, lon 12-20, lat 56-64",
        "crs": "EPSG:3006",
        "periods": "seasons",
        "profiles": {f"p_{res}": PROFILES[res] for res in RESOURCES},
        "economics": {"source": SOURCE, "landfill_tax": 500},
        "network": {"circuity": 1.37},
        "facilities": facilities,
        "source": SOURCE,
    }


def write_scale_scenario(folder: Path | str, n: int, seed: int = 0) -> Path:
    """Write the generated scenario with ``n`` supplies and ``n`` demands into ``folder``.

    Parameters
    ----------
    folder : path
        Created if missing; existing scenario files in it are overwritten.
    n : int
        Supplies and demands each (>= 5).
    seed : int
        Seed of ``numpy.random.default_rng``; the same (n, seed) gives the same bytes.

    Returns
    -------
    Path
        The folder.
    """
    if n < len(RESOURCES):
        raise ValueError(f"n must be at least {len(RESOURCES)}, not {n}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    cfg = _config(n, seed, rng)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), "utf-8")
    slon, slat = rng.uniform(*LON, n), rng.uniform(*LAT, n)
    dlon, dlat = rng.uniform(*LON, n), rng.uniform(*LAT, n)
    actors = ["id,name,lon,lat,operations,source"]
    actors += [f"s{i},Supplier {i},{slon[i]:.5f},{slat[i]:.5f},,{SOURCE}" for i in range(n)]
    actors += [f"d{j},Buyer {j},{dlon[j]:.5f},{dlat[j]:.5f},R3,{SOURCE}" for j in range(n)]
    (folder / "actors.csv").write_text("\n".join(actors) + "\n", "utf-8")

    s_res = [RESOURCES[i % len(RESOURCES)] for i in range(n)]
    s_qty = rng.integers(10, 500, n)
    s_fate = rng.integers(300, 900, n)
    supplies = ["id,actor,resource,quantity,unit,profile,current_fate,fate_cost,source"]
    supplies += [f"S{i},s{i},{s_res[i]},{s_qty[i]},t,p_{s_res[i]},landfill,{s_fate[i]},{SOURCE}" for i in range(n)]
    (folder / "supplies.csv").write_text("\n".join(supplies) + "\n", "utf-8")

    d_res = ["feed" if j % 2 else RESOURCES[(j // 2) % len(RESOURCES)] for j in range(n)]
    d_qty = rng.integers(10, 500, n)
    d_price = rng.integers(100, 2500, n)
    d_km = rng.integers(150, 650, n)
    demands = ["id,actor,resource,quantity,unit,profile,price,max_km,source"]
    demands += [f"D{j},d{j},{d_res[j]},{d_qty[j]},t,flat,{d_price[j]},{d_km[j]},{SOURCE}" for j in range(n)]
    (folder / "demands.csv").write_text("\n".join(demands) + "\n", "utf-8")

    sites = ["id,name,lon,lat,facility,fixed_cost,source"]
    for k in range(N_SITES):
        x, y = rng.uniform(*LON), rng.uniform(*LAT)
        factor = rng.uniform(0.7, 1.3)  # land and connection costs differ by site
        for f, spec in cfg["facilities"].items():
            cost = spec["fixed_cost"] * factor
            sites.append(f"site{k},Site {k},{x:.5f},{y:.5f},{f},{cost:.0f},{SOURCE}")
    (folder / "sites.csv").write_text("\n".join(sites) + "\n", "utf-8")
    return folder
