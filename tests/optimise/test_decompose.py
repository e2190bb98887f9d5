"""Exact decomposition (symnet/optimise/decompose.py, issue #14): the independent parts
solved one by one give the optimum of the whole model.

- random block-diagonal MIPs (hypothesis): decomposed and whole solves agree on the
  objective to 1e-6, every part is found, redundant rows couple nothing;
- generated scenarios with several resources and no facility (parts by resource and
  region): ``AllocationModel(decompose=True)`` equals ``decompose=False``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

from scale_generator import write_scale_scenario  # noqa: E402

import symnet.optimise.decompose as decompose  # noqa: E402
from symnet.network import build_network  # noqa: E402
from symnet.optimise import AllocationModel  # noqa: E402
from symnet.optimise.arrays import INF, ModelArrays  # noqa: E402
from symnet.optimise.solve import Deadline, SolverSettings, solve_highs_arrays  # noqa: E402
from symnet.scenario import load_scenario  # noqa: E402

SETTINGS = SolverSettings("highs", 60.0, 1e-9, None, 0, False)


def _block_model(rng: np.random.Generator, blocks: int, size: int, redundant_row: bool) -> ModelArrays:
    """``blocks`` knapsack-like MIPs side by side: maximise value (minimise -value) under
    2 capacity rows each (each can bind: its bound is below what the columns can reach),
    half of the columns integer; optionally one all-columns row that can never bind."""
    n = blocks * size
    rows, cols, vals, hi = [], [], [], []
    for b in range(blocks):
        for r in range(2):
            row = 2 * b + r
            coefficients = rng.integers(1, 9, size).astype(float)
            rows += [row] * size
            cols += list(range(b * size, (b + 1) * size))
            vals += coefficients.tolist()
            hi.append(float(rng.uniform(0.2, 0.8)) * 4.0 * float(coefficients.sum()))  # below the most: binds
    n_rows = 2 * blocks
    if redundant_row:
        rows += [n_rows] * n
        cols += list(range(n))
        vals += [1.0] * n
        hi.append(float(n) * 4.0 + 1.0)  # every column <= 4: never binds
        n_rows += 1
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(n_rows, n))
    cost = -rng.integers(1, 20, n).astype(float)
    return ModelArrays(
        lower=np.zeros(n),
        upper=np.full(n, 4.0),
        cost=cost,
        co2=np.zeros(n),
        integer=np.arange(n) % 2 == 0,
        col_names=[f"c{j}" for j in range(n)],
        matrix=matrix,
        row_lower=np.full(n_rows, -INF),
        row_upper=np.array(hi),
        row_names=[f"r{i}" for i in range(n_rows)],
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    blocks=st.integers(1, 5),
    size=st.integers(1, 6),
    redundant_row=st.booleans(),
)
def test_decomposed_solve_equals_whole_solve(seed: int, blocks: int, size: int, redundant_row: bool) -> None:
    arrays = _block_model(np.random.default_rng(seed), blocks, size, redundant_row)
    parts = decompose.split(arrays, min_columns=1)
    assert len(parts) == blocks
    assert sorted(np.concatenate([p.columns for p in parts]).tolist()) == list(range(blocks * size))
    whole = solve_highs_arrays(arrays, arrays.cost, SETTINGS, None, Deadline(60))
    split = decompose.solve_parts(arrays, arrays.cost, SETTINGS, parts, Deadline(60))
    assert whole.outcome[0] == split.outcome[0] == "optimal"
    assert whole.values is not None and split.values is not None
    assert float(arrays.cost @ split.values) == pytest.approx(float(arrays.cost @ whole.values), rel=1e-7, abs=1e-6)
    activity = arrays.matrix @ split.values
    assert np.all(activity <= arrays.row_upper + 1e-6)


def test_a_row_that_can_bind_couples_the_blocks() -> None:
    arrays = _block_model(np.random.default_rng(1), 3, 4, redundant_row=False)
    coupling = arrays.with_row("all", np.ones(12), -INF, 5.0)  # binds: 12 columns up to 4
    assert len(decompose.split(coupling, min_columns=1)) == 1
    assert not decompose.redundant_rows(coupling)[-1]


def _no_facility_scenario(folder: Path, n: int, seed: int) -> Path:
    write_scale_scenario(folder, n, seed)
    (folder / "sites.csv").write_text("id,name,lon,lat,facility,fixed_cost,source\n", "utf-8")
    return folder


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scenario_parts_give_the_same_optimum(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load_scenario(_no_facility_scenario(tmp_path / "s", 30, seed))
    net = build_network(scenario)
    whole = AllocationModel(scenario, net, decompose=False, gap=1e-9).solve()
    monkeypatch.setattr(decompose, "MIN_PART_COLUMNS", 1)
    model = AllocationModel(scenario, net, decompose=True, gap=1e-9)
    parted = model.solve()
    assert model.parts >= 5  # at least one per resource
    assert whole.status == parted.status == "optimal"
    assert parted.objective == pytest.approx(whole.objective, rel=1e-7)
    assert parted.kpis["total_cost"] == pytest.approx(whole.kpis["total_cost"], rel=1e-7)
    assert parted.bound is not None and parted.bound <= parted.objective + 1e-6 * abs(parted.objective)


@pytest.mark.enable_socket  # the LocalCluster talks over 127.0.0.1
def test_parts_as_dask_tasks_give_the_same_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load_scenario(_no_facility_scenario(tmp_path / "s", 30, 3))
    net = build_network(scenario)
    monkeypatch.setattr(decompose, "MIN_PART_COLUMNS", 1)
    serial = AllocationModel(scenario, net, decompose=True, gap=1e-9, workers=1).solve()
    clusters = []
    real = decompose._solve_on_dask

    def counted(*args: object, **kwargs: object) -> object:
        clusters.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(decompose, "_solve_on_dask", counted)
    model = AllocationModel(scenario, net, decompose=True, gap=1e-9, workers=2, time_limit_s=60)
    on_dask = model.solve()
    assert clusters == [1]  # the parts did go to the cluster
    assert model.parts >= 5
    assert serial.status == on_dask.status == "optimal"
    assert on_dask.objective == pytest.approx(serial.objective, rel=1e-9)
    assert on_dask.bound == pytest.approx(serial.bound, rel=1e-9)
    pd.testing.assert_frame_equal(on_dask.flows, serial.flows)
    assert on_dask.solve_seconds < 60 * 1.05 + 2


@pytest.mark.enable_socket
def test_a_model_inside_a_dask_task_solves_its_parts_in_process() -> None:
    from symnet.parallel import dask_client, in_dask_worker

    assert not in_dask_worker()
    with dask_client(1) as client:
        assert client.submit(in_dask_worker, pure=False).result() is True


def test_a_kept_start_note_reaches_the_whole_models_message() -> None:
    """A part whose answer is its warm start (e.g. every site closed) says so in the message
    of the whole model, once, after the time-limit sentence."""
    from symnet.optimise.solve import Solution

    arrays = _block_model(np.random.default_rng(1), 2, 3, False)
    parts = decompose.split(arrays, min_columns=1)
    assert len(parts) == 2
    solutions = [
        Solution(("time_limit", -10.0, 0.5, "x"), np.zeros(len(p.columns)), note="the start was kept") for p in parts
    ]
    status, _bound, _gap, message = decompose._put_together(arrays, arrays.cost, SETTINGS, parts, solutions).outcome
    assert status == "time_limit"
    assert message.endswith("(2 independent parts); the start was kept") and message.count("the start was kept") == 1


def test_parts_in_turn_share_one_gap_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process parts run smallest first, and each gets as gap slack what the parts before
    it left unused of the target (gap x their objectives - their own gaps): the whole
    model's gap, not each part's, is held to the target, and it is."""
    scenario = load_scenario(_no_facility_scenario(tmp_path / "s", 30, 0))
    net = build_network(scenario)
    exact = AllocationModel(scenario, net, decompose=False, gap=1e-9).solve()
    monkeypatch.setattr(decompose, "MIN_PART_COLUMNS", 1)
    seen: list[tuple[int, float, float, float]] = []  # columns, slack given, objective, bound
    real = decompose.solve_part

    def recorded(shared: object, task: decompose.PartTask) -> object:
        out = real(shared, task)
        assert out.values is not None and out.outcome[1] is not None
        seen.append((len(task.cost), task.settings.gap_slack, float(task.cost @ out.values), out.outcome[1]))
        return out

    monkeypatch.setattr(decompose, "solve_part", recorded)
    gap = 0.02
    model = AllocationModel(scenario, net, decompose=True, gap=gap, workers=1)
    result = model.solve()
    assert model.parts >= 5 and len(seen) == model.parts
    assert [c for c, *_ in seen] == sorted(c for c, *_ in seen)  # smallest first
    assert seen[0][1] == 0.0 and all(slack > 0 for _c, slack, *_ in seen[1:])
    objectives = gaps = 0.0
    for _cols, slack, objective, bound in seen:
        assert slack == pytest.approx(max(gap * objectives - gaps, 0.0), abs=1e-6)
        assert objective > 0
        objectives, gaps = objectives + objective, gaps + max(objective - bound, 0.0)
    assert result.status == "optimal" and result.gap is not None and result.gap <= gap + 1e-12
    assert result.bound is not None and result.bound <= exact.objective * (1 + 1e-9)
    assert exact.objective * (1 - 1e-9) <= result.objective <= exact.objective / (1 - gap)


def test_parts_not_solved_after_a_failed_one_are_left_out() -> None:
    from symnet.optimise.solve import Solution

    arrays = _block_model(np.random.default_rng(1), 2, 3, False)
    parts = decompose.split(arrays, min_columns=1)
    failed = Solution(("infeasible", None, None, "infeasible"))
    status, bound, _gap, message = decompose._put_together(arrays, arrays.cost, SETTINGS, parts, [None, failed]).outcome
    assert status == "infeasible" and bound is None and message == "infeasible (in part 2 of 2)"
