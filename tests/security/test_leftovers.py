"""Killed runs leave nothing behind for long, the swap never leaves no output, and two
runs never write the same output at once (issue #11, item 10)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symnet.errors import InputError
from symnet.outputs.atomic import STALE_AFTER_S, output_lock, remove_leftovers, staged_dir, swap_into_place

ROOT = Path(__file__).parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny"
HARJEDALEN = ROOT / "scenarios" / "harjedalen"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _symnet(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "symnet", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _temporaries(folder: Path) -> list[str]:
    names = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    return sorted(n for n in names if ".tmp-" in n or ".old-" in n or n.endswith(".lock"))


def test_leftovers_of_dead_runs_are_removed_by_the_next_run(tmp_path: Path) -> None:
    dead, alive = _dead_pid(), os.getpid()
    (tmp_path / f".out.tmp-{dead}-abc").mkdir()
    (tmp_path / f".out.tmp-{dead}-abc" / "flows.csv").write_text("x", "utf-8")
    (tmp_path / f".exp.tmp-{dead}-xyz.gpkg").write_bytes(b"SQLite")
    (tmp_path / f".exp.tmp-{dead}-xyz.gpkg-journal").write_bytes(b"j")
    (tmp_path / f".out.tmp-{alive}-live").mkdir()  # a run still writing: kept
    old_legacy = tmp_path / ".out.tmp-k2j3h4"  # no process id (older symnet): by age
    old_legacy.mkdir()
    os.utime(old_legacy, (time.time() - STALE_AFTER_S - 60,) * 2)
    (tmp_path / ".out.tmp-young1").mkdir()
    (tmp_path / "unrelated.tmp-1").write_text("keep", "utf-8")
    run = _symnet("run", str(TINY), "--out", str(tmp_path / "out"), "--basemap", "none")
    assert run.wait(120) == 0, run.communicate()
    assert _temporaries(tmp_path) == [f".exp.tmp-{dead}-xyz.gpkg", f".exp.tmp-{dead}-xyz.gpkg-journal"] + sorted(
        [f".out.tmp-{alive}-live", ".out.tmp-young1"]
    )
    removed = remove_leftovers(tmp_path / "exp.gpkg")
    assert sorted(p.name for p in removed) == [f".exp.tmp-{dead}-xyz.gpkg", f".exp.tmp-{dead}-xyz.gpkg-journal"]
    assert (tmp_path / "unrelated.tmp-1").is_file()


def test_an_old_output_renamed_aside_by_a_killed_swap_comes_back(tmp_path: Path) -> None:
    aside = tmp_path / f".out.old-{_dead_pid()}"
    aside.mkdir()
    (aside / "summary.json").write_text("{}", "utf-8")
    assert remove_leftovers(tmp_path / "out") == [aside]
    assert (tmp_path / "out" / "summary.json").read_text("utf-8") == "{}"


def test_sigkill_mid_write_keeps_the_old_output_and_the_rerun_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _symnet("run", str(TINY), "--out", str(out), "--basemap", "none")
    assert first.wait(120) == 0
    before = (out / "summary.json").read_bytes()
    run = _symnet("run", str(HARJEDALEN), "--out", str(out), "--force", "--basemap", "none")
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".out.tmp-") for p in tmp_path.iterdir()):
        assert run.poll() is None and time.monotonic() < deadline, "the run ended before it was seen writing"
        time.sleep(0.005)
    time.sleep(0.2)
    run.send_signal(signal.SIGKILL)
    run.wait(30)
    assert (out / "summary.json").read_bytes() == before  # the old output is whole
    assert any(p.startswith(".out.tmp-") for p in _temporaries(tmp_path))
    rerun = _symnet("run", str(TINY), "--out", str(out), "--force", "--basemap", "none")
    assert rerun.wait(120) == 0, rerun.communicate()
    assert _temporaries(tmp_path) == []


def test_two_concurrent_runs_without_force_exactly_one_succeeds(tmp_path: Path) -> None:
    out = tmp_path / "out"
    runs = [_symnet("run", str(TINY), "--out", str(out), "--basemap", "none") for _ in range(2)]
    codes = sorted(r.wait(180) for r in runs)
    errors = "".join(r.communicate()[1] for r in runs)
    assert codes == [0, 2], errors
    assert "another symnet run is writing" in errors or "output directory exists" in errors
    assert "Traceback" not in errors
    assert _temporaries(tmp_path) == []


def test_a_locked_output_is_refused_at_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_lock(out):
        with pytest.raises(InputError, match="another symnet run is writing this output"):
            with staged_dir(out):
                pass
    assert not (tmp_path / ".out.lock").exists()
    with staged_dir(out) as tmp:
        (tmp / "a.txt").write_text("a", "utf-8")
    assert (out / "a.txt").is_file() and _temporaries(tmp_path) == []


def test_swap_replaces_in_one_step_and_never_replaces_without_leave(tmp_path: Path) -> None:
    path, new = tmp_path / "out", tmp_path / ".out.tmp-new"
    path.mkdir()
    (path / "old.txt").write_text("old", "utf-8")
    new.mkdir()
    (new / "new.txt").write_text("new", "utf-8")
    swap_into_place(new, path)
    assert sorted(p.name for p in path.iterdir()) == ["new.txt"] and not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    new.mkdir()
    with pytest.raises(FileExistsError):
        swap_into_place(new, path, replace=False)
    assert (path / "new.txt").is_file() and new.is_dir()
