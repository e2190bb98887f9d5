"""A small, realistic hand-made Result (Härjedalen: Sveg, Hede, Funäsdalen) and its
Scenario, for the export, map and report tests.

Exchanges (used links):
* ``L_pipe``  heat, Sveg CHP -> greenhouse site gh1 (pipe, straight line, 850 m)
* ``L_road``  wood residues, Funäsdalen sawmill (CONFIDENTIAL actor) -> Hede farm, routed,
  with a 4-vertex road route in ``result.geometries``
* ``L_est``   spent grain, Sveg brewery -> Hede farm, estimated distance, no geometry
* ``L_ash``   ash Sveg CHP -> candidate site (unused: must not be exported)
Disposal left: sawmill chips to energy recovery (confidential), grain and ash to landfill.
"""

from __future__ import annotations

import pytest
from export_data import *  # noqa: F401,F403 - constants and builders for the test modules
from export_data import make_result, make_scenario

from symnet.result import Result
from symnet.scenario import Scenario


@pytest.fixture
def scenario() -> Scenario:
    return make_scenario()


@pytest.fixture
def result() -> Result:
    return make_result()
