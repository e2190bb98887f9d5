"""The objective: cost (currency per year) or CO2e (t per year) per column.

Every column carries both coefficients (set where the column is created, in
:mod:`symnet.optimise.variables`, from :mod:`symnet.costs`); the objective picks one. Flow
columns of links with integer trips leave out the full-load trip share, which those links
pay per whole trip instead (:func:`flow_coefficients`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from symnet.optimise.arrays import ModelArrays

OBJECTIVES = ("cost", "co2")
Objective = Literal["cost", "co2"]


def flow_coefficients(links: pd.DataFrame, integer_trips: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per link, (cost in currency per supply unit, CO2e in t per supply unit) of a flow.

    On links with integer trips the per-unit full-load trip share is removed, because the
    trips column pays whole trips.
    """
    per_trip = links["units_per_trip"].to_numpy(dtype=float)
    safe = np.where(per_trip > 0, per_trip, 1.0)
    share = np.where(integer_trips, links["trip_cost"].to_numpy() / safe, 0.0)
    co2_share = np.where(integer_trips, links["trip_co2e_t"].to_numpy() / safe, 0.0)
    return links["unit_cost"].to_numpy() - share, links["co2e_t_per_unit"].to_numpy() - co2_share


def objective_vector(arrays: ModelArrays, objective: Objective) -> np.ndarray:
    """Objective coefficient per column: cost (currency) or CO2e (t), as chosen."""
    return arrays.co2 if objective == "co2" else arrays.cost
