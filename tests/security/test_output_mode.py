"""Output folders get the mode the umask gives (issue #11, item 13): not always 0700."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from symnet.outputs.atomic import current_umask, staged_dir

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o755), (0o027, 0o750), (0o077, 0o700), (0o002, 0o775)])
def test_run_output_folder_follows_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    out = tmp_path / "out"
    code = (
        f"import os, sys; os.umask({umask}); sys.argv = ['symnet', 'run', {str(ROOT / 'tests/fixtures/tiny')!r}, "
        f"'--out', {str(out)!r}, '--basemap', 'none']; from symnet.cli import app; app()"
    )
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert proc.returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert stat.S_IMODE((out / "summary.json").stat().st_mode) == mode & 0o666


def test_staged_dir_mode_and_umask_reading(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        assert current_umask() == 0o027
        with staged_dir(tmp_path / "x") as tmp:
            (tmp / "f").write_text("f", "utf-8")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x").stat().st_mode) == 0o750
