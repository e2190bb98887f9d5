"""Atomic replacement of output files and folders: write beside, then swap into place."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def swap_into_place(tmp: Path, path: Path) -> None:
    """Move the finished ``tmp`` (a file or folder beside ``path``) to ``path``, replacing
    whatever is there; the old one is renamed aside first and removed afterwards, so
    ``path`` is never missing or half-written."""
    if not path.exists():
        os.replace(tmp, path)
        return
    old = path.with_name(f".{path.name}.old-{os.getpid()}")
    os.replace(path, old)
    os.replace(tmp, path)
    if old.is_dir():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink()
