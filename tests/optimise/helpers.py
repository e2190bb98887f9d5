"""Tiny scenario builder for the allocation tests: CSV text into a folder, loaded for real."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from symnet.network import build_network, table_distances
from symnet.optimise import AllocationModel
from symnet.result import Result
from symnet.scenario import Scenario, load_scenario

# road: 1 SEK per tonne-km, nothing else; pipe: investment annualised over 1 year at 0 %,
# no loss, no pumping cost; no taxes, no CO2 price.
BASE: dict[str, Any] = {
    "name": "test",
    "crs": "EPSG:3006",
    "periods": "year",
    "economics": {
        "landfill_tax": 0,
        "co2_price": 0,
        "road": {"payload_t": 1, "cost_per_km": 1, "fuel_l_per_km": 0, "empty_return": False, "handling_cost_per_t": 0},
        "pipe": {
            "cost_per_m": 10,
            "connection_cost": 0,
            "lifetime_years": 1,
            "interest_rate": 0,
            "heat_loss_per_km": 0,
            "operating_cost_per_unit_km": 0,
            "circuity": 1.0,
        },
    },
    "network": {"circuity": 1.0},
}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def make_scenario(
    folder: Path, actors: str, supplies: str, demands: str, sites: str | None = None, **config: Any
) -> Scenario:
    """Write CSV text (header line first) and scenario.yaml (BASE merged with ``config``)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(_merge(BASE, config)), "utf-8")
    for name, text in (
        ("actors.csv", actors),
        ("supplies.csv", supplies),
        ("demands.csv", demands),
        ("sites.csv", sites),
    ):
        if text is not None:
            (folder / name).write_text(text.strip() + "\n", "utf-8")
    return load_scenario(folder)


def km(pairs: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Road distance table from {(origin, destination): km}."""
    return pd.DataFrame(
        [(o, d, v * 1000.0) for (o, d), v in pairs.items()], columns=["origin", "destination", "distance_m"]
    )


def solve(scenario: Scenario, road_km: dict[tuple[str, str], float] | None = None, **options: Any) -> Result:
    provider = table_distances(km(road_km or {}))
    network = build_network(scenario, distances=provider)
    return AllocationModel(scenario, network, **options).solve()


def link_quantity(result: Result, link: str) -> float:
    row = result.links.loc[result.links["link"] == link]
    assert len(row) == 1, f"no link {link}; links: {result.links['link'].tolist()}"
    return float(row["quantity"].iat[0])
