"""Atomic replacement of output files and folders: write beside, then swap into place."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
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


@contextlib.contextmanager
def staged_dir(path: Path) -> Iterator[Path]:
    """Yield a new temporary folder beside ``path``; it replaces ``path`` when the block
    completes (:func:`swap_into_place`) and is removed if the block fails. Callers check
    the destination first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        yield tmp
        swap_into_place(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
