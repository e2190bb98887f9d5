"""The guarded YAML loader (symnet.safe_yaml): alias bombs, deep nesting and duplicate
keys are refused with a line number, fast and in bounded memory."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from symnet import safe_yaml

BOMB_CASE = Path(__file__).parent / "bad_scenarios" / "yaml_alias_bomb"

_MEASURE = """
import json, resource, sys, time
from typer.testing import CliRunner
from symnet.cli import app
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
result = CliRunner().invoke(app, ["validate", sys.argv[1]])
seconds = time.perf_counter() - t0
extra_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"code": result.exit_code, "seconds": seconds, "extra_kb": extra_kb, "stderr": result.stderr}))
"""


def test_alias_bomb_fails_fast_in_bounded_memory() -> None:
    """'Billion laughs' in scenario.yaml: exit 2 within 5 s and 200 MB (it grew past 3.9 GB before)."""
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(BOMB_CASE)], capture_output=True, text=True, timeout=120, check=True
    )
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["code"] == 2
    assert got["stderr"].startswith("scenario.yaml:36: the aliases (*name) expand to more than 100,000 values")
    assert got["seconds"] < 5
    assert got["extra_kb"] < 200 * 1024


def test_bomb_is_refused_by_compose_too() -> None:
    text = (BOMB_CASE / "scenario.yaml").read_text("utf-8")
    with pytest.raises(safe_yaml.YamlLimitError, match="alias bomb"):
        safe_yaml.compose(text)


def test_a_few_aliases_are_fine() -> None:
    data = safe_yaml.load("base: &b {x: 1}\ncopy: *b\nlist: [*b, *b]\n")
    assert data == {"base": {"x": 1}, "copy": {"x": 1}, "list": [{"x": 1}, {"x": 1}]}


def test_too_many_aliases() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    with pytest.raises(safe_yaml.YamlLimitError, match="more than 100 aliases") as info:
        safe_yaml.load(text)
    assert info.value.line == 2


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(safe_yaml.YamlLimitError, match="refers to a node that contains it"):
        safe_yaml.load("a: &a [1, *a]\n")


@pytest.mark.parametrize("depth, ok", [(50, True), (51, False), (100_000, False)])
def test_nesting_depth(depth: int, ok: bool) -> None:
    """50 levels load; 51 or 100,000 (RecursionError before) are refused on their line."""
    text = "[" * depth + "]" * depth
    if ok:
        assert safe_yaml.load(text) is not None
        return
    with pytest.raises(safe_yaml.YamlLimitError, match="nested deeper than 50 levels") as info:
        safe_yaml.load(text)
    assert info.value.line == 1


def test_block_nesting_depth_names_the_line() -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "v\n"
    with pytest.raises(safe_yaml.YamlLimitError) as info:
        safe_yaml.load(text)
    assert info.value.line == 50  # k49: the key whose value opens the 51st level


def test_duplicate_key_names_both_lines() -> None:
    with pytest.raises(safe_yaml.YamlLimitError) as info:
        safe_yaml.load("a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n")
    assert str(info.value) == "duplicate key 'c' (first given on line 3); expected each key once"
    assert info.value.line == 5


def test_merge_key_may_be_overridden() -> None:
    assert safe_yaml.load("a: &x {b: 1, c: 2}\nd:\n  <<: *x\n  b: 3\n") == {
        "a": {"b": 1, "c": 2},
        "d": {"b": 3, "c": 2},
    }


def test_no_arbitrary_objects() -> None:
    with pytest.raises(yaml.YAMLError):
        safe_yaml.load("!!python/object/apply:os.system ['true']")


def test_every_yaml_read_in_symnet_goes_through_the_guard() -> None:
    """No module but safe_yaml calls yaml.safe_load / yaml.load / yaml.compose."""
    root = Path(__file__).parent.parent / "symnet"
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p.name != "safe_yaml.py"
        and re.search(r"\byaml\.(safe_load|load|full_load|unsafe_load|compose)\(", p.read_text("utf-8"))
    ]
    assert offenders == []
