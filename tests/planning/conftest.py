"""Small hand-checkable scenarios for the planner workflows.

Every scenario uses one period, no CO2 price, no fuel cost and trucks without empty
return: road cost = 15 SEK/truck-km / 20 t payload = 0.75 SEK per tonne-km, no handling
cost. Distances are fixed by hand with :func:`symnet.network.table_distances` (metres),
so unit costs are exact: a 120 km link costs 0.75 x 120 = 90 SEK/t.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from symnet.network import table_distances
from symnet.planning import Shared, prepare
from symnet.scenario import load_scenario

YAML = """\
name: {name}
crs: EPSG:3006
periods: year
economics:
  landfill_tax: {tax}
  road: {{payload_t: 20, cost_per_km: 15, fuel_l_per_km: 0, empty_return: false, handling_cost_per_t: 0}}
{facilities}
"""

INSECT_FACILITY = """\
facilities:
  insect_farm:
    name: Insect farm
    fixed_cost: 5000
    inputs: [{resource: spent_grain, per_unit: 1.0}]
    outputs: [{resource: insect_protein, per_unit: 0.1, sale_price: 1000}]
"""


def write_scenario(
    folder: Path,
    *,
    actors: str,
    supplies: str,
    demands: str = "",
    sites: str = "",
    tax: float = 0.0,
    facilities: str = "",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.yaml").write_text(YAML.format(name=folder.name, tax=tax, facilities=facilities), "utf-8")
    (folder / "actors.csv").write_text("id,name,sector,municipality,lon,lat\n" + actors, "utf-8")
    (folder / "supplies.csv").write_text("id,actor,resource,quantity,unit,current_fate,fate_cost\n" + supplies, "utf-8")
    (folder / "demands.csv").write_text("id,actor,resource,quantity,unit,price\n" + demands, "utf-8")
    if sites:
        (folder / "sites.csv").write_text("id,name,lon,lat,facility,fixed_cost,capacity\n" + sites, "utf-8")
    return folder


def distances_km(pairs: dict[tuple[str, str], float]):
    rows = [(o, d, km * 1000.0) for (o, d), km in pairs.items()]
    return table_distances(pd.DataFrame(rows, columns=["origin", "destination", "distance_m"]))


ACTORS_2 = "brewery,Brewery,food,Sveg,14.30,62.00\nfarm,Farm,agriculture,Hede,13.50,62.40\n"


@pytest.fixture
def far_farm(tmp_path: Path) -> Shared:
    """100 t spent grain landfilled (40 SEK/t + tax) and a farm 120 km away that needs it
    (price 0). The link costs 90 SEK/t, so it pays when 40 + tax > 90: break-even tax 50."""
    folder = write_scenario(
        tmp_path / "far_farm",
        actors=ACTORS_2,
        supplies="s1,brewery,spent_grain,100,t,landfill,40\n",
        demands="d1,farm,spent_grain,100,t,0\n",
    )
    return prepare(load_scenario(folder), distances=distances_km({("brewery", "farm"): 120}))


@pytest.fixture
def two_farms(tmp_path: Path) -> Shared:
    """150 t spent grain (landfill 40 SEK/t); farm1 needs 100 t at 20 km (15 SEK/t), farm2
    50 t at 60 km (45 SEK/t); both would pay 20 SEK/t conventionally. Values per t:
    farm1 40 + 20 - 15 = 45, farm2 40 + 20 - 45 = 15. Optimum: 100 t to farm1 (4500) and
    50 t to farm2 (750): savings 5250 SEK/yr."""
    actors = ACTORS_2.replace("farm,Farm", "farm1,Farm one") + "farm2,Farm two,agriculture,Hede,13.60,62.50\n"
    folder = write_scenario(
        tmp_path / "two_farms",
        actors=actors,
        supplies="s1,brewery,spent_grain,150,t,landfill,40\n",
        demands="d1,farm1,spent_grain,100,t,20\nd2,farm2,spent_grain,50,t,20\n",
    )
    return prepare(load_scenario(folder), distances=distances_km({("brewery", "farm1"): 20, ("brewery", "farm2"): 60}))


@pytest.fixture
def two_sites(tmp_path: Path) -> Shared:
    """100 t spent grain (landfill 40 SEK/t) and two insect-farm sites (fixed cost 5000
    SEK/yr, 0.1 t protein per t grain sold at 1000 SEK/t = 100 SEK per t grain): site A at
    10 km (7.5 SEK/t) but only 60 t capacity, site B at 50 km (37.5 SEK/t), uncapped.
    A: 60 x (40 + 100 - 7.5) - 5000 = 2950; B: 100 x (40 + 100 - 37.5) - 5000 = 5250."""
    sites = "A,Site A,14.31,62.01,insect_farm,,60\nB,Site B,14.10,62.20,insect_farm,,\n"
    folder = write_scenario(
        tmp_path / "two_sites",
        actors="brewery,Brewery,food,Sveg,14.30,62.00\n",
        supplies="s1,brewery,spent_grain,100,t,landfill,40\n",
        sites=sites,
        facilities=INSECT_FACILITY,
    )
    return prepare(
        load_scenario(folder),
        distances=distances_km({("brewery", "A:insect_farm"): 10, ("brewery", "B:insect_farm"): 50}),
    )
