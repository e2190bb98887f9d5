"""Parallel execution: a real 2-worker LocalCluster gives the same results as in-process."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from symnet import parallel
from symnet.errors import InputError
from symnet.parallel import (
    CHUNKS_PER_WORKER,
    chunk_bounds,
    dask_client,
    default_chunk_size,
    run_tasks,
    warm_workers,
)
from symnet.planning import compare_command, explain_command, pareto_command, resilience_command, sweep, sweep_command

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny"


def _square_plus(offset: int, x: int) -> int:
    return x * x + offset


def test_serial_runs_in_input_order() -> None:
    assert run_tasks(_square_plus, [3, 1, 2], shared=10, workers=1) == [19, 11, 14]


def test_workers_below_one_is_an_input_error() -> None:
    with pytest.raises(InputError, match="expected a whole number >= 1"):
        run_tasks(_square_plus, [1], shared=0, workers=0)


@pytest.mark.enable_socket
def test_two_worker_cluster_gives_identical_sweep(far_farm) -> None:
    params = [("landfill_tax", [0.0, 30.0, 60.0, 90.0]), ("economics.road.cost_per_km", [10.0, 15.0])]
    serial = sweep(far_farm, params, workers=1, tolerance=0.5)
    with dask_client(workers=2) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        assert run_tasks(_square_plus, list(range(20)), shared=1, client=client) == [x * x + 1 for x in range(20)]
        # the same cluster reached as an existing scheduler (--scheduler tcp://HOST:PORT)
        parallel = sweep(far_farm, params, scheduler=client.scheduler.address, tolerance=0.5)
    pd.testing.assert_frame_equal(serial.table, parallel.table)
    pd.testing.assert_frame_equal(serial.breakeven, parallel.breakeven)
    assert len(serial.breakeven) >= 2  # the link appears along the tax axis for both transport costs


def test_commands_write_their_files(tmp_path: Path) -> None:
    out = compare_command(TINY, tmp_path / "compare", workers=1, choose=1)
    sites = pd.read_csv(out / "sites.csv")
    assert {"option", "net_benefit", "binding"} <= set(sites.columns) and (out / "sites.png").stat().st_size > 0
    assert list(sites["rank"]) == list(range(1, len(sites) + 1))
    out = sweep_command(TINY, ["landfill_tax=0,500,1000"], tmp_path / "sweep", workers=1)
    assert (
        len(pd.read_csv(out / "sweep.csv")) == 3 and (out / "sweep.png").exists() and (out / "breakeven.csv").exists()
    )
    out = sweep_command(TINY, ["landfill_tax=0,1000", "diesel_price=10,30"], tmp_path / "sweep2", workers=1)
    assert (out / "sweep.png").exists()
    out = pareto_command(TINY, 3, tmp_path / "pareto", workers=1)
    assert (out / "pareto.csv").exists() and (out / "pareto.png").exists()
    out = resilience_command(TINY, tmp_path / "resilience", workers=1)
    assert set(pd.read_csv(out / "resilience.csv")["actor"]) == {"chp", "farm"}
    assert (out / "centrality.csv").exists()
    out = explain_command(TINY, tmp_path / "explain", workers=1)
    assert "reason" in pd.read_csv(out / "explain.csv").columns
    with pytest.raises(InputError, match="output directory exists"):
        explain_command(TINY, tmp_path / "explain", workers=1)


def test_sweep_over_circuity_rebuilds_estimated_distances() -> None:
    from symnet.planning import prepare

    # estimated road distance = great circle x circuity, so tonne-km doubles from 1.0 to 2.0
    res = sweep(prepare(TINY), [("circuity", [1.0, 2.0])], workers=1)
    assert res.table["used_links"].tolist() == ["s_grain->d_feed:road"] * 2
    one, two = res.table["tonne_km"].tolist()
    assert two == pytest.approx(2 * one)


# --- chunking, shared data and worker warm-up ----------------------------------------
def _where(shared: object, x: int) -> tuple[int, int, int]:
    """The item, the worker process and the identity of the shared object it read."""
    import os

    return x, os.getpid(), id(shared)


def test_chunk_bounds_are_contiguous_balanced_and_in_order() -> None:
    # 10 items in chunks of at most 4: ceil(10/4) = 3 chunks of 4, 3, 3 (not 4, 4, 2)
    assert chunk_bounds(10, 4) == [(0, 4), (4, 7), (7, 10)]
    assert chunk_bounds(3, 5) == [(0, 3)]
    assert chunk_bounds(5, 1) == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]
    assert chunk_bounds(0, 3) == []
    for n in range(0, 40):
        for size in range(1, 12):
            bounds = chunk_bounds(n, size)
            assert [i for a, b in bounds for i in range(a, b)] == list(range(n))
            sizes = [b - a for a, b in bounds]
            assert len(bounds) == -(-n // size) and all(1 <= s <= size for s in sizes)
            assert sizes == sorted(sizes, reverse=True) and (not sizes or sizes[0] - sizes[-1] <= 1)


def test_default_chunk_size_gives_about_four_chunks_per_worker() -> None:
    assert CHUNKS_PER_WORKER == 4
    assert default_chunk_size(60, 2) == 8  # 60 variants, 2 workers: ceil(60 / 8) = 8 chunks (8 x 4, 7 x 4)
    assert default_chunk_size(64, 2) == 8  # exactly 8 chunks of 8
    assert default_chunk_size(65, 2) == 9  # 8 chunks (9, 8, ..., 8)
    assert default_chunk_size(5, 2) == 1  # fewer items than 8 chunks: one item per task
    assert default_chunk_size(0, 4) == 1


def test_chunk_size_below_one_is_an_input_error() -> None:
    with pytest.raises(InputError, match="got 0; expected a whole number of items per task >= 1"):
        run_tasks(_square_plus, [1, 2], shared=0, workers=2, chunk_size=0)


_THREAD_PROBE = """
import json, sys, threading
import psutil
from symnet.planning import Variant, evaluate, prepare
from symnet.parallel import warm_up

shared = prepare(sys.argv[1])
process = psutil.Process()

def solve_in_new_thread(warm):
    out = [None, None]

    def body():
        out[0] = warm_up() if warm else None
        before = process.num_threads()
        assert evaluate(shared, Variant("x")).ok
        out[1] = process.num_threads() - before

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    return out

print(json.dumps([solve_in_new_thread(True), solve_in_new_thread(False)]))
"""


def test_warm_up_fixes_highs_at_one_thread_in_the_calling_thread() -> None:
    """A MIP solved in a fresh thread starts a HiGHS helper thread, unless that thread was
    warmed up first (HiGHS keeps one thread pool per calling thread).

    Counted in a fresh interpreter: in the test process, threads that earlier tests left
    behind (Dask, pytest-timeout) come and go and would blur the count."""
    import json
    import os
    import subprocess
    import sys

    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "harjedalen"  # a MIP (site options)
    done = subprocess.run(
        [sys.executable, "-c", _THREAD_PROBE, str(scenario)], capture_output=True, text=True, timeout=300, check=True
    )
    (warm, warm_extra), (cold, cold_extra) = json.loads(done.stdout.strip().splitlines()[-1])
    assert (warm, warm_extra) == (True, 0)
    if (os.cpu_count() or 1) >= 2:  # HiGHS's default pool: half the CPUs, here >= 1 helper thread
        assert cold is None and cold_extra >= 1


@pytest.mark.enable_socket
def test_chunking_keeps_order_and_results_on_two_workers(two_farms) -> None:
    from symnet.planning import Variant, evaluate

    items = list(range(23))
    variants = [Variant(f"tax {t}", params=(("landfill_tax", float(t)),)) for t in range(0, 100, 10)]
    serial = run_tasks(evaluate, variants, shared=two_farms, workers=1)
    with dask_client(workers=2) as client:
        assert warm_workers(client) == [True, True]
        for chunk_size in (1, 2, 3, 7, 22, 23, 100, None):
            assert run_tasks(_square_plus, items, shared=5, client=client, chunk_size=chunk_size) == [
                x * x + 5 for x in items
            ], chunk_size
        for chunk_size in (1, 3, 4, None):
            assert run_tasks(evaluate, variants, shared=two_farms, client=client, chunk_size=chunk_size) == serial
        # the shared object is sent once per worker and read by reference: with one task
        # per item, every task on a worker sees the same object
        where = run_tasks(_where, items, shared=two_farms, client=client, chunk_size=1)
    assert [x for x, _, _ in where] == items
    ids_per_worker: dict[int, set[int]] = {}
    for _, pid, obj in where:
        ids_per_worker.setdefault(pid, set()).add(obj)
    assert all(len(ids) == 1 for ids in ids_per_worker.values())


class _FlakyHandshake:
    """Stands in for distributed.Client: the first ``failures`` handshakes fail as
    distributed's assertion does when the scheduler's reply comes batched."""

    calls = 0

    def __init__(self, address: str, timeout: str) -> None:
        type(self).calls += 1
        if type(self).calls <= self.failures:
            raise AssertionError
        self.address = address

    failures = 2


def test_a_failed_scheduler_handshake_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel.time, "sleep", lambda s: None)
    client = parallel._connect(_FlakyHandshake, "tcp://127.0.0.1:1")
    assert client.address == "tcp://127.0.0.1:1" and _FlakyHandshake.calls == 3
    _FlakyHandshake.calls = 0
    monkeypatch.setattr(_FlakyHandshake, "failures", parallel.HANDSHAKE_ATTEMPTS)
    with pytest.raises(AssertionError):
        parallel._connect(_FlakyHandshake, "tcp://127.0.0.1:1")
    assert _FlakyHandshake.calls == parallel.HANDSHAKE_ATTEMPTS
