"""Where a scenario may read from: its own folder, unless the user allows more.

A scenario names files (``actors_file``, ``network.osm``, the fixed CSV tables); any of
them may be a relative path climbing out of the folder (``../../etc/shadow``), an
absolute path, or a symbolic link inside the folder pointing elsewhere. symnet reads
them only when their resolved target lies inside the scenario folder, or, for the road
extract, inside the repository's ``gis/`` folder that ``symnet roads fetch`` writes
(``<scenario>/../../gis``). ``--allow-outside`` on the command line (or
``load_scenario(..., allow_outside=True)``) lifts the rule; a path the user types on
the command line (``--osm``) is never restricted. A dangling link is reported as a
broken link instead of being taken for a missing optional file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from symnet.scenario._problems import _Problems
from symnet.scenario.model import SCENARIO_FILE, ScenarioConfig

TABLE_FILES = ("supplies.csv", "demands.csv", "sites.csv", "exchanges.csv")
"""The fixed-name tables of a scenario folder (the actors table is named by ``actors_file``)."""

_ALLOW_OUTSIDE: ContextVar[bool] = ContextVar("symnet_allow_outside", default=False)


@contextlib.contextmanager
def inputs_outside_allowed(allow: bool) -> Iterator[None]:
    """Within the block, :func:`load_scenario` calls without ``allow_outside`` use ``allow``
    (how ``--allow-outside`` reaches the planning commands)."""
    token = _ALLOW_OUTSIDE.set(allow)
    try:
        yield
    finally:
        _ALLOW_OUTSIDE.reset(token)


def outside_allowed(allow_outside: bool | None) -> bool:
    """``allow_outside`` when given, else the value set by :func:`inputs_outside_allowed`."""
    return _ALLOW_OUTSIDE.get() if allow_outside is None else allow_outside


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def check_link(path: Path, name: str, probs: _Problems) -> bool:
    """False (problem recorded) when ``path`` is a symbolic link whose target is missing."""
    if path.is_symlink() and not path.exists():
        probs.error(name, None, None, f"broken link: points to '{os.readlink(path)}', which does not exist")
        return False
    return True


def check_input(
    folder: Path,
    value: str,
    name: str,
    key: str | None,
    probs: _Problems,
    allow_outside: bool,
    extra_roots: tuple[Path, ...] = (),
) -> bool:
    """Check one input file named ``value`` (relative to ``folder`` or absolute).

    Records a problem and returns False when the file is a broken link or, unless
    ``allow_outside``, when it resolves (links followed) outside ``folder`` and
    ``extra_roots``. A missing file passes: its loader reports it.

    Parameters
    ----------
    folder : Path
        The scenario folder.
    value : str
        The path as the scenario gives it.
    name : str
        File named in the problem (``scenario.yaml`` when ``key`` is a key there).
    key : str or None
        The scenario.yaml key that names the file (``actors_file``), or None for a fixed name.
    """
    path = Path(value) if Path(value).is_absolute() else folder / value
    if not check_link(path, value if key else name, probs):
        return False
    if allow_outside or not path.exists():
        return True
    target = path.resolve()
    if any(_inside(target, root.resolve()) for root in (folder, *extra_roots)):
        return True
    probs.error(
        name,
        None,
        key,
        f"'{value}' resolves to {target}, outside the scenario folder; expected a file inside "
        f"{folder.resolve()} (move or copy it there, or pass --allow-outside to read it)",
    )
    return False


def check_scenario_inputs(folder: Path, config: ScenarioConfig, probs: _Problems, allow_outside: bool) -> bool:
    """Every file the scenario names: no broken link, nothing outside the allowed roots.

    Returns False when a problem was recorded (the caller stops before reading any table)."""
    ok = check_input(folder, SCENARIO_FILE, SCENARIO_FILE, None, probs, allow_outside)
    for name in TABLE_FILES:
        ok = check_input(folder, name, name, None, probs, allow_outside) and ok
    ok = check_input(folder, config.actors_file, SCENARIO_FILE, "actors_file", probs, allow_outside) and ok
    osm = config.network.osm
    if osm:
        gis = folder.resolve().parent.parent / "gis"
        ok = check_input(folder, osm, SCENARIO_FILE, "network.osm", probs, allow_outside, (gis,)) and ok
        path = Path(osm) if Path(osm).is_absolute() else folder / osm
        if ok and not path.is_file():
            probs.error(
                SCENARIO_FILE,
                None,
                "network.osm",
                f"road extract '{osm}' not found; expected an .osm, .osm.bz2 or .osm.pbf file "
                "(or leave network.osm unset to estimate distances)",
            )
            ok = False
        elif ok:
            wrong = road_extract_problem(path)
            if wrong is not None:
                probs.error(
                    SCENARIO_FILE,
                    None,
                    "network.osm",
                    f"road extract '{osm}' {wrong}; expected an .osm, .osm.bz2 or .osm.pbf file "
                    "(or leave network.osm unset to estimate distances)",
                )
                ok = False
    return ok


def road_extract_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a road extract of the format its name says, judged from its
    first bytes (run reads the whole file; validate must refuse the same files without
    that cost), or None when it looks right. ``.pbf``: a 4-byte big-endian BlobHeader
    size of at most 64 KiB, then the ``OSMHeader`` block type; ``.bz2``: ``BZh``;
    ``.osm``: XML. Other names are left to the reader."""
    try:
        with path.open("rb") as f:
            head = f.read(64)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    name = path.name.lower()
    if name.endswith(".pbf"):
        size = int.from_bytes(head[:4], "big") if len(head) >= 4 else -1
        if not (0 < size <= 64 * 1024 and b"OSMHeader" in head[4:32]):
            return "is not an OSM PBF file (it does not start with an OSMHeader block)"
    elif name.endswith(".bz2"):
        if not head.startswith(b"BZh"):
            return "is not a bzip2 file"
    elif name.endswith(".osm"):
        text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        if not (text.startswith(b"<?xml") or text.startswith(b"<osm")):
            return "is not an OSM XML file (it does not start with <?xml or <osm)"
    return None
