"""A read-only or full output file system ends with exit 2 and ``OUT: cannot write
(REASON)``, not an internal error; the old result survives and no temporaries stay
(issue #11, item 9). Real tmpfs mounts where the sandbox allows mounting (root)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from symnet.errors import InputError
from symnet.outputs.atomic import atomic_file, staged_dir

ROOT = Path(__file__).parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny"


def _symnet(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "symnet", *args], env=env, capture_output=True, text=True, timeout=300)


def _mount_tmpfs(point: Path, size: str) -> None:
    point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A fresh 4 MiB tmpfs, unmounted afterwards."""
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting needs root and mount(8)")
    point = tmp_path / "fs"
    _mount_tmpfs(point, "4m")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _last_lines(stderr: str) -> list[str]:
    return [" ".join(line.split()) for line in stderr.strip().splitlines()]


def test_run_onto_a_read_only_file_system_keeps_the_old_result(small_fs: Path) -> None:
    out = small_fs / "result"
    first = _symnet("run", str(TINY), "--out", str(out), "--basemap", "none")
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    again = _symnet("run", str(TINY), "--out", str(out), "--basemap", "none", "--force")
    assert again.returncode == 2, again.stderr
    assert _last_lines(again.stderr) == [
        f"{out}: cannot write (Read-only file system)",
        "1 problem found; nothing was written.",
    ]
    assert "Traceback" not in again.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert _leftovers(small_fs) == []


def test_run_onto_a_full_file_system_keeps_the_old_result(small_fs: Path) -> None:
    out = small_fs / "result"
    first = _symnet("run", str(TINY), "--out", str(out), "--basemap", "none")
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with open(small_fs / "filler", "wb") as f, pytest.raises(OSError) as full:
        while True:
            f.write(b"\0" * 65536)
            f.flush()
    assert full.value.errno == errno.ENOSPC
    again = _symnet("run", str(TINY), "--out", str(out), "--basemap", "none", "--force")
    assert again.returncode == 2, again.stderr
    assert _last_lines(again.stderr) == [
        f"{out}: cannot write (No space left on device)",
        "1 problem found; nothing was written.",
    ]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert _leftovers(small_fs) == []


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "fgb", "shp", "csv"])
def test_export_onto_a_read_only_file_system(small_fs: Path, tmp_path: Path, fmt: str) -> None:
    result = tmp_path / "result"
    assert _symnet("run", str(TINY), "--out", str(result), "--basemap", "none").returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    target = small_fs / f"network.{fmt}"
    done = _symnet("export", str(result), "--format", fmt, "--out", str(target))
    assert done.returncode == 2, done.stderr
    assert _last_lines(done.stderr)[0] == f"{target}: cannot write (Read-only file system)"
    assert sorted(p.name for p in small_fs.iterdir()) == []


@pytest.mark.parametrize("code", [errno.EROFS, errno.ENOSPC, errno.EACCES, errno.EDQUOT])
def test_unwritable_errors_name_the_output_not_the_temporary(tmp_path: Path, code: int) -> None:
    out = tmp_path / "out"
    with pytest.raises(InputError) as caught, staged_dir(out) as tmp:
        with atomic_file(tmp / "flows.csv", force=True) as inner:
            raise OSError(code, os.strerror(code), str(inner))
    assert str(caught.value) == f"{out}: cannot write ({os.strerror(code)})"
    assert list(tmp_path.iterdir()) == []


def test_other_os_errors_and_errors_about_inputs_stay_internal(tmp_path: Path) -> None:
    with pytest.raises(OSError), staged_dir(tmp_path / "out"):
        raise OSError(errno.EIO, "I/O error")
    with pytest.raises(PermissionError), staged_dir(tmp_path / "out"):
        raise PermissionError(errno.EACCES, "Permission denied", "/etc/elsewhere/input.csv")
