"""Set one key of a scenario.yaml in place, keeping the rest of its text and comments."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from symnet import safe_yaml
from symnet.errors import InputError, Problem

_NETWORK = re.compile(r"^network:\s*(#.*)?$")
_FLOW = re.compile(r"^network:\s*\{")


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def network_osm_line(value: str, comment: str = "") -> str:
    """The ``osm:`` line to put under ``network:`` (two-space indent)."""
    return f"  osm: {_quoted(value)}" + (f"   # {comment}" if comment else "")


def _block_end(lines: list[str], start: int) -> int:
    """Index after the last line of the block mapping that starts at ``start``."""
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][:1] in (" ", "\t", "#")):
        end += 1
    return end


def _edited(text: str, value: str, comment: str) -> str | None:
    """``text`` with ``network.osm`` set, or None when the layout is not block style."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if _NETWORK.match(ln)), None)
    if start is None:
        if any(_FLOW.match(ln) for ln in lines):
            return None
        tail = "" if text.endswith("\n") or not text else "\n"
        return text + tail + "network:\n" + network_osm_line(value, comment) + "\n"
    body = [i for i in range(start + 1, _block_end(lines, start)) if lines[i].strip() and lines[i].lstrip()[:1] != "#"]
    indent = re.match(r"[ \t]*", lines[body[0]]).group() if body else "  "  # type: ignore[union-attr]
    new = f"{indent}osm: {_quoted(value)}" + (f"   # {comment}" if comment else "") + "\n"
    at = next((i for i in body if lines[i].startswith(f"{indent}osm:")), None)
    if at is None:
        lines.insert(start + 1, new)
    else:
        lines[at] = new
    return "".join(lines)


def with_network_osm(path: Path, value: str, comment: str = "") -> str | None:
    """The text of ``path`` with ``network.osm`` set to ``value``, only that line changed.

    Returns None when ``network`` is written in flow style (``network: {...}``), which
    cannot be edited without rewriting it; the caller then prints the line to add.

    Raises
    ------
    InputError
        The file is not valid YAML, or the edit would change anything but
        ``network.osm`` (checked by parsing both versions).
    """
    text = path.read_text(encoding="utf-8")
    try:
        before: Any = safe_yaml.load(text) or {}
    except yaml.YAMLError as exc:
        raise InputError([Problem(str(path), None, None, f"not valid YAML ({exc})")]) from None
    new = _edited(text, value, comment)
    if new is None:
        return None
    after = safe_yaml.load(new) or {}
    expect = dict(before)
    expect["network"] = {**(before.get("network") or {}), "osm": value}
    if after != expect:
        raise InputError(
            [Problem(str(path), None, "network.osm", "cannot edit this layout safely; add the line by hand")]
        )
    return new


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary sibling and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
