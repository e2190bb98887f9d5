"""Atomic replacement of output files and folders: write beside, then swap into place."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from symnet.errors import InputError, Problem


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


def conflicting_input(out: Path, inputs: Iterable[Path], inside_inputs: bool = False) -> Path | None:
    """The first of ``inputs`` that writing (or replacing) ``out`` would destroy: one equal
    to ``out`` or inside it (so ``out`` may be no input's folder or parent); with
    ``inside_inputs`` also a folder ``out`` would sit inside. Both sides are compared with
    symlinks resolved, so a link cannot hide an input. None when there is no conflict."""
    out_abs = out.resolve()
    for p in inputs:
        p_abs = Path(p).resolve()
        if out_abs == p_abs or p_abs.is_relative_to(out_abs):
            return Path(p)
        if inside_inputs and p_abs.is_dir() and out_abs.is_relative_to(p_abs):
            return Path(p)
    return None


def _check_destination(out: Path, force: bool, inputs: list[Path] | None = None) -> None:
    hit = conflicting_input(out, inputs or [])
    if hit is not None:
        raise InputError(
            [Problem(str(out), None, None, f"the output would overwrite the input {hit}; choose another --out")]
        )
    if out.exists() and not force:
        raise InputError([Problem(str(out), None, None, "output exists; use --force to replace it")])


@contextlib.contextmanager
def atomic_file(path: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix) that replaces ``path`` when
    the block completes; removed on error. Refuses an existing ``path`` without ``force``."""
    path = Path(path)
    _check_destination(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        if path.is_dir():
            raise InputError([Problem(str(path), None, None, "is a directory; expected a file path")])
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_dir(path: str | Path, force: bool = False, inputs: list[Path] | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``path`` that replaces ``path`` when the block
    completes; removed on error. Refuses an existing ``path`` without ``force``."""
    path = Path(path)
    _check_destination(path, force, inputs)
    with staged_dir(path) as tmp:
        yield tmp


def write_text_atomic(path: str | Path, text: str, force: bool = False) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_file(path, force) as tmp:
        tmp.write_text(text, "utf-8")
    return Path(path)
