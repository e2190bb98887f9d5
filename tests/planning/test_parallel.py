"""Parallel execution: a real 2-worker LocalCluster gives the same results as in-process."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from symnet.errors import InputError
from symnet.parallel import dask_client, run_tasks
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
    assert len(pd.read_csv(out / "sweep.csv")) == 3 and (out / "sweep.png").exists() and (out / "breakeven.csv").exists()
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
