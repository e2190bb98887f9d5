"""Atomic replacement of output files and folders: write beside, then swap into place."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path

from symnet.errors import InputError, Problem

STALE_AFTER_S = 3600.0
"""A temporary file or folder whose owning process is unknown counts as left over after
this many seconds; one named with a dead process id is left over at once."""

UNWRITABLE_ERRNOS = frozenset({errno.EROFS, errno.ENOSPC, errno.EACCES, errno.EDQUOT})
"""OSError numbers that mean the output's file system refuses the write (read-only, full,
no permission, over quota): the user's to fix, so exit 2, not an internal error."""

_writing: ContextVar[Path | None] = ContextVar("symnet_output_being_written", default=None)

_AT_FDCWD = -100
_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """Linux ``renameat2(src, dst, flags)``; False when the system or file system does
    not offer it (the caller falls back), OSError for a real failure."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return False
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if func(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(dst))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def swap_into_place(tmp: Path, path: Path, replace: bool = True) -> None:
    """Move the finished ``tmp`` (a file or folder beside ``path``) to ``path``.

    There is no moment without an output: where the system allows (Linux), the two are
    exchanged in ONE atomic rename and the old one, now at ``tmp``, is removed; elsewhere
    the old one is renamed aside to ``.NAME.old-PID`` first, and a run killed between the
    two renames leaves that folder, which the next write to ``path`` moves back
    (:func:`remove_leftovers`). With ``replace=False`` an existing ``path`` is never
    replaced (InputError)."""
    if not replace:
        if not _renameat2(tmp, path, _RENAME_NOREPLACE):
            if path.exists() or path.is_symlink():
                raise FileExistsError(errno.EEXIST, "exists", str(path))
            os.replace(tmp, path)
        return
    if not (path.exists() or path.is_symlink()):
        os.replace(tmp, path)
        return
    if _renameat2(tmp, path, _RENAME_EXCHANGE):
        _remove(tmp)
        return
    old = path.with_name(f".{path.name}.old-{os.getpid()}")
    os.replace(path, old)
    os.replace(tmp, path)
    _remove(old)


def _concerns(exc: OSError, path: Path) -> bool:
    """True when ``exc`` is about writing ``path``: it names no file (ENOSPC), or names
    ``path``, one of its folders, or something beside or inside it (temporaries)."""
    if exc.filename is None:
        return True
    name = Path(os.fsdecode(exc.filename)).absolute()
    target = path.absolute()
    return name == target or target.is_relative_to(name) or name.is_relative_to(target.parent)


@contextlib.contextmanager
def unwritable_as_input_error(path: Path) -> Iterator[None]:
    """Turn an OSError of :data:`UNWRITABLE_ERRNOS` raised while writing ``path`` into
    InputError ``PATH: cannot write (Read-only file system)``. Only the outermost such
    block converts, so a file written inside an output folder is reported as the folder
    the user named, not as a temporary file."""
    if _writing.get() is not None:
        yield
        return
    token = _writing.set(path)
    try:
        yield
    except OSError as exc:
        if exc.errno not in UNWRITABLE_ERRNOS or not _concerns(exc, path):
            raise
        reason = os.strerror(exc.errno) if exc.errno is not None else str(exc)
        raise InputError([Problem(str(path), None, None, f"cannot write ({reason})")]) from None
    finally:
        _writing.reset(token)


def _nearly_full(folder: Path) -> bool:
    """True when the file system holding ``folder`` has (almost) no free space left:
    less than 1 MiB or a quarter of its size, whichever is smaller."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < min(1 << 20, st.f_blocks * st.f_frsize // 4)


@contextlib.contextmanager
def _full_disk_as_oserror(folder: Path) -> Iterator[None]:
    """Re-raise a writer's non-OSError failure (GDAL's ``FeatureError``, SQLite's
    "database or disk is full") as OSError(ENOSPC) when ``folder``'s file system is full,
    so :func:`unwritable_as_input_error` reports it; checked before temporaries are removed."""
    try:
        yield
    except (OSError, InputError, KeyboardInterrupt):
        raise
    except Exception as exc:
        text = str(exc).lower()
        if "disk is full" in text or "no space left" in text or _nearly_full(folder):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from exc
        raise


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(path: Path) -> list[Path]:
    """Remove what killed runs left beside ``path``: temporary folders and files
    (``.NAME.tmp-PID-*``, ``.STEM.tmp-PID-*.SUFFIX`` with ``-journal``/``-wal``/``-shm``)
    whose process ``PID`` is dead, or, without a process id, older than
    :data:`STALE_AFTER_S`. An old version renamed aside (``.NAME.old-PID``) goes back to
    ``path`` when ``path`` is missing. Returns the paths removed or restored."""
    parent = path.parent
    if not parent.is_dir():
        return []
    names = {re.escape(path.name), re.escape(path.stem)}
    pattern = re.compile(rf"^\.(?:{'|'.join(sorted(names))})\.(tmp|old)-(?:(\d+)-)?")
    done: list[Path] = []
    now = time.time()
    for entry in parent.iterdir():
        m = pattern.match(entry.name)
        if m is None:
            continue
        pid = int(m.group(2)) if m.group(2) else None
        if m.group(1) == "old":
            pid = int(entry.name.rsplit("-", 1)[1]) if entry.name.rsplit("-", 1)[1].isdigit() else None
        try:
            age = now - entry.lstat().st_mtime
        except FileNotFoundError:
            continue
        stale = (pid is not None and pid != os.getpid() and not _pid_alive(pid)) or (
            pid is None and age > STALE_AFTER_S
        )
        if not stale:
            continue
        if m.group(1) == "old" and not (path.exists() or path.is_symlink()):
            os.replace(entry, path)
        else:
            _remove(entry)
        done.append(entry)
    return done


@contextlib.contextmanager
def output_lock(path: Path) -> Iterator[None]:
    """Hold the lock of ``path`` (``.NAME.lock`` beside it, ``flock``) for the block, so
    two runs never write the same output at once; the second gets InputError at once.
    The lock file is removed on release; a killed run's lock is released by the system."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(f".{path.name}.lock")
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InputError(
                [Problem(str(path), None, None, "another symnet run is writing this output; try again when it ends")]
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the previous holder removed the file after we opened it: take the new one
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)
        os.close(fd)


def current_umask() -> int:
    """The process umask (read from /proc where possible, so it is never changed)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _tmp_prefix(name: str) -> str:
    """The prefix of temporary names beside an output: the process id makes them
    attributable (:func:`remove_leftovers`)."""
    return f".{name}.tmp-{os.getpid()}-"


@contextlib.contextmanager
def staged_dir(path: Path, replace: bool = True) -> Iterator[Path]:
    """Yield a new temporary folder beside ``path``; it replaces ``path`` when the block
    completes (:func:`swap_into_place`) and is removed if the block fails. The output is
    locked for the block (:func:`output_lock`), leftovers of killed runs are removed
    first (:func:`remove_leftovers`), and the folder gets the mode the umask gives any
    new folder (not mkdtemp's 0700).
    With ``replace=False`` an existing ``path`` (say, written meanwhile by another run)
    is refused. Callers check the destination first."""
    with unwritable_as_input_error(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        with output_lock(path):
            remove_leftovers(path)
            if not replace and (path.exists() or path.is_symlink()):
                raise InputError([Problem(str(path), None, None, "output directory exists; use --force to replace it")])
            tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(path.name), dir=path.parent))
            try:
                os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp makes 0700; an output folder is a normal folder
                with _full_disk_as_oserror(path.parent):
                    yield tmp
                try:
                    swap_into_place(tmp, path, replace)
                except FileExistsError:
                    raise InputError(
                        [Problem(str(path), None, None, "output directory exists; use --force to replace it")]
                    ) from None
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
    with unwritable_as_input_error(path):
        _check_destination(path, force)
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(path)
        fd, tmp_name = tempfile.mkstemp(prefix=_tmp_prefix(path.stem), suffix=path.suffix, dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()
        try:
            with _full_disk_as_oserror(path.parent):
                yield tmp
            if path.is_dir():
                raise InputError([Problem(str(path), None, None, "is a directory; expected a file path")])
            os.replace(tmp, path)
        finally:
            for extra in (tmp, *(tmp.with_name(tmp.name + end) for end in ("-journal", "-wal", "-shm"))):
                extra.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_dir(path: str | Path, force: bool = False, inputs: list[Path] | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``path`` that replaces ``path`` when the block
    completes; removed on error. Refuses an existing ``path`` without ``force``."""
    path = Path(path)
    _check_destination(path, force, inputs)
    with staged_dir(path, replace=force) as tmp:
        yield tmp


def write_text_atomic(path: str | Path, text: str, force: bool = False) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_file(path, force) as tmp:
        tmp.write_text(text, "utf-8")
    return Path(path)
