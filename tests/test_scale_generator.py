"""The national-scale generator (benchmarks/scale_generator.py) and bench_scale's stages.

Small instances (N = 20-40): the folders must be deterministic, accepted by ``symnet
validate``, hold what the issue (#14) describes, and solve to the same optimum through
symnet and through the plain-HiGHS baseline of the benchmark.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_scale  # noqa: E402
from scale_generator import LAT, LON, N_SITES, RESOURCES, write_scale_scenario  # noqa: E402

from symnet.scenario import load_scenario  # noqa: E402

SYMNET = Path(sys.executable).with_name("symnet")
FILES = ("scenario.yaml", "actors.csv", "supplies.csv", "demands.csv", "sites.csv")


def _bytes(folder: Path) -> dict[str, bytes]:
    return {f: (folder / f).read_bytes() for f in FILES}


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a = _bytes(write_scale_scenario(tmp_path / "a", 25, seed=3))
    b = _bytes(write_scale_scenario(tmp_path / "b", 25, seed=3))
    c = _bytes(write_scale_scenario(tmp_path / "c", 25, seed=4))
    assert a == b
    assert a["supplies.csv"] != c["supplies.csv"]
    assert a["actors.csv"] != c["actors.csv"]


def test_symnet_validate_accepts_it(tmp_path: Path) -> None:
    folder = write_scale_scenario(tmp_path / "s", 20, seed=1)
    out = subprocess.run([str(SYMNET), "validate", str(folder)], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert "valid" in out.stdout
    assert "Traceback" not in out.stderr


def test_contents_match_the_issue(tmp_path: Path) -> None:
    n = 40
    s = load_scenario(write_scale_scenario(tmp_path / "s", n, seed=2))
    assert len(s.supplies) == n and len(s.demands) == n
    assert {x.resource for x in s.supplies} == set(RESOURCES)
    # every residue is supplied n / 5 times; half of the demands are for feed
    assert all(sum(x.resource == r for x in s.supplies) == n // 5 for r in RESOURCES)
    assert sum(d.resource == "feed" for d in s.demands) == n // 2
    assert [p.id for p in s.config.periods] == ["winter", "spring", "summer", "autumn"]
    assert len(s.config.facilities) == 5
    assert len({o.site for o in s.sites}) == N_SITES
    assert len(s.sites) == N_SITES * 5
    for a in s.actors:
        assert LON[0] <= a.lon <= LON[1] and LAT[0] <= a.lat <= LAT[1]
    assert all(150 <= d.max_km < 650 for d in s.demands)
    # default whole-trip costing and estimated distances: nothing overridden
    assert s.config.economics.road.integer_trips_below_t is None
    assert s.config.network.osm is None


def test_too_small_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 5"):
        write_scale_scenario(tmp_path / "s", 4)


def test_bench_stages_and_baseline_agree(tmp_path: Path) -> None:
    """symnet's solve and plain HiGHS on the same arrays reach the same optimum (gap 1e-4)."""
    folder = write_scale_scenario(tmp_path / "s", 30, seed=0)
    ours = bench_scale.worker_symnet(folder, 60.0)
    base = bench_scale.worker_highs(folder, 60.0)
    for stage in ("load", "network", "build", "solve", "outputs"):
        assert ours[f"{stage}_s"] >= 0 and ours[f"{stage}_mb"] > 0
    assert ours["status"] == "optimal" and base["status"] == "Optimal"
    assert ours["links"] == base["links"] > 0
    assert ours["integers"] > 0  # whole trips and site binaries: a MIP
    tol = 2e-4 * abs(base["objective"])
    assert ours["objective"] == pytest.approx(base["objective"], abs=tol)
    assert ours["bound"] <= ours["objective"] + 1e-6 * abs(ours["objective"])
    text = bench_scale.table([(30, ours, base)], 60.0)
    assert "| 30 |" in text and "yes |" in text
    # the plain run's trajectory ends at its final bounds, so the time to its own gap is
    # at most its solve time, and symnet's run at the same target is reused as it is
    t_final, primal, dual = base["trajectory"][-1]
    assert primal == pytest.approx(base["objective"]) and dual == pytest.approx(base["bound"])
    reached = bench_scale.first_within(base["trajectory"], max(base["gap"], ours["gap_target"]))
    assert reached is not None and reached <= base["solve_s"] + 1e-9
    row = bench_scale.same_gap(ours, base, rerun=lambda g: pytest.fail(f"no re-run expected (gap {g})"))
    assert row is not None and row["symnet_s"] == ours["solve_s"] and row["plain_s"] == reached
    assert "| 30 |" in bench_scale.same_gap_table([(30, row)])


def test_first_within_reads_the_first_time_the_gap_is_proved() -> None:
    inf = float("inf")
    trajectory = [[0.5, inf, 90.0], [1.0, 120.0, 90.0], [2.0, 100.0, 95.0], [3.0, 100.0, 99.0]]
    assert bench_scale.first_within(trajectory, 0.25) == 1.0  # (120 - 90) / 120 = 0.25
    assert bench_scale.first_within(trajectory, 0.05) == 2.0
    assert bench_scale.first_within(trajectory, 0.011) == 3.0
    assert bench_scale.first_within(trajectory, 0.001) is None


def test_same_gap_reruns_symnet_at_the_baselines_final_gap() -> None:
    """Plain HiGHS ended at 4 %: symnet is solved again with 4 % as its target, and the
    comparison uses the time plain HiGHS first proved 4 % (not its total time)."""
    ours = {"solve_s": 58.0, "gap": 0.009, "gap_target": 1e-4, "objective": 99.0}
    base = {"solve_s": 60.0, "gap": 0.04, "objective": 100.0, "trajectory": [[10.0, 110.0, 90.0], [40.0, 100.0, 96.0]]}
    asked: list[float] = []

    def rerun(g: float) -> dict[str, float]:
        asked.append(g)
        return {"solve_s": 8.0, "gap": 0.02, "objective": 99.5}

    row = bench_scale.same_gap(ours, base, rerun)
    assert asked == [0.04]
    assert row is not None and row["plain_s"] == 40.0 and row["symnet_s"] == 8.0
    assert row["objective_ratio"] == pytest.approx(0.995)
    assert row["plain_to_symnet_gap_s"] is None  # 0.9 % was never proved by plain HiGHS
    text = bench_scale.same_gap_table([(1000, row)])
    assert "| 1,000 | 4.00% | 40.0 | 8.0 (proved 2.00%) | 5.00x | 0.9950 | 0.90% | not within 60.0 |" in text
