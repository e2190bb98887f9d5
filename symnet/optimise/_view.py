"""What the result tables and the diagnosis read from a built model (a typing Protocol, so
that :mod:`symnet.optimise.solution` and :mod:`symnet.optimise.diagnose` need not import
:mod:`symnet.optimise.model`)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from symnet.network import SymbiosisNetwork
from symnet.optimise.arrays import ModelArrays
from symnet.optimise.data import ModelData
from symnet.scenario import Scenario


class BuiltModel(Protocol):
    """The parts of :class:`symnet.optimise.AllocationModel` the tables and diagnosis read."""

    scenario: Scenario
    network: SymbiosisNetwork
    data: ModelData
    arrays: ModelArrays | None
    excluded_actors: set[str]
    co2_cap_t: float | None
    _ybin: dict[int, int]
    _yfixed: dict[int, float]
    _zfixed: dict[int, float]

    def values(self, block: str) -> np.ndarray:
        """Solution values of one variable block."""
        ...

    def least_co2_t(self) -> float | None:
        """Least total CO2e (t/yr) of the LP relaxation without the CO2 cap."""
        ...
