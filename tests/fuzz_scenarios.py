"""A seeded mutation fuzzer over the shipped scenarios (issue #11).

Each case copies a scenario (the bad-input corpus base or Härjedalen), applies one to
three random mutations (columns deleted, duplicated or swapped; random bytes; NaN,
infinite and huge numbers; unicode and long strings; YAML tags, aliases, nesting and
duplicate keys; id collisions; paths and links out of the folder) and runs
``symnet validate`` in-process. Every case must end in exit 0, or exit 2 with only
``file[:row[:column]]: message`` lines; no traceback, no exit 1, nothing written into
the scenario folder, no case over 60 s. ``python tests/fuzz_scenarios.py`` (``make
fuzz``, ``FUZZ_CASES``) prints the counts.
"""

from __future__ import annotations

import csv
import io
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASES = [ROOT / "tests" / "bad_scenarios" / "_base", ROOT / "scenarios" / "harjedalen"]
CSVS = ("actors.csv", "supplies.csv", "demands.csv", "sites.csv")
HANG_S = 60.0
PROBLEM_LINE = re.compile(
    r"^[^\s:][^:]*(:\d+)?(:[^:]+)?: \S.*$|^warning: .*$|^\d+ problems? found; nothing was written\.$"
)
NUMBERS = ["nan", "NaN", "inf", "-inf", "1e308", "-1e308", "1e999", "0", "-0.0", "1e-320", "9" * 400]
STRINGS = ["", "ä" * 3, "\u202e\u0000x", "$\\bad$", "=cmd|' /C calc'!A0", "\x1b[31mred", "x" * 100_000, "😀", "a:b"]
YAML_TAILS = [
    "x: !!python/object/apply:os.system ['true']\n",
    "x: &a [1, *a]\n",
    "x: " + "[" * 200 + "]" * 200 + "\n",
    "name: twice\n",
    "x_bomb:\n  a: &a [l, l, l, l, l, l, l, l, l]\n"
    + "".join(f"  {c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")),
    "economics: {landfill_tax: .nan}\n",
    "network: {circuity: .inf}\n",
    "actors_file: ../../../../../../etc/passwd\n",
    "actors_file: /proc/self/environ\n",
    "network: {osm: ../../../../etc/hostname}\n",
    "network: {osm: scenario.yaml}\n",
]


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text("utf-8", errors="replace"), newline="")))


def _write(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), "utf-8")


def _some_csv(folder: Path, rng: random.Random) -> Path | None:
    files = [folder / n for n in CSVS if _regular(folder / n)]
    return rng.choice(files) if files else None


def _regular(path: Path) -> bool:
    """A regular file, not a link: the fuzzer never writes through a link (it would
    overwrite the link's target, possibly a system file)."""
    return path.is_file() and not path.is_symlink()


def _files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.iterdir()) if _regular(p)]


def m_column(folder: Path, rng: random.Random) -> str:
    """Delete, duplicate or swap columns of a CSV."""
    path = _some_csv(folder, rng)
    if path is None:
        return "no csv"
    rows = _rows(path)
    if not rows or not rows[0]:
        return "empty csv"
    i, j = rng.randrange(len(rows[0])), rng.randrange(len(rows[0]))
    kind = rng.choice(["delete", "duplicate", "swap", "swap-header"])
    for r in rows if kind != "swap-header" else rows[:1]:
        if i < len(r) and j < len(r):
            if kind == "delete":
                del r[i]
            elif kind == "duplicate":
                r.insert(j, r[i])
            else:
                r[i], r[j] = r[j], r[i]
    _write(path, rows)
    return f"{kind} column {i}/{j} of {path.name}"


def m_cell(folder: Path, rng: random.Random) -> str:
    """Replace one cell by a strange number or string."""
    path = _some_csv(folder, rng)
    if path is None:
        return "no csv"
    rows = _rows(path)
    if len(rows) < 2:
        return "header only"
    r = rng.randrange(1, len(rows))
    if not rows[r]:
        return "blank row"
    c = rng.randrange(len(rows[r]))
    rows[r][c] = rng.choice(NUMBERS + STRINGS)
    _write(path, rows)
    return f"cell {path.name}:{r + 1}:{c}"


def m_bytes(folder: Path, rng: random.Random) -> str:
    """Overwrite a few bytes of a file with random ones."""
    if not _files(folder):
        return "no file"
    path = rng.choice(_files(folder))
    data = bytearray(path.read_bytes())
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    path.write_bytes(bytes(data))
    return f"bytes in {path.name}"


def m_yaml(folder: Path, rng: random.Random) -> str:
    """Append a dangerous or odd YAML snippet to scenario.yaml."""
    tail = rng.choice(YAML_TAILS)
    if not _regular(folder / "scenario.yaml"):
        return "no scenario.yaml"
    with (folder / "scenario.yaml").open("a", encoding="utf-8") as fh:
        fh.write("\n" + tail)
    return f"yaml tail {tail[:30]!r}"


def m_collision(folder: Path, rng: random.Random) -> str:
    """Give a row the id of a row in another table (actor, supply, demand, site)."""
    ids = {n: [r[0] for r in _rows(folder / n)[1:] if r] for n in CSVS if _regular(folder / n)}
    src, dst = rng.choice(list(ids)), rng.choice(list(ids))
    if not ids[src] or not ids[dst]:
        return "no ids"
    rows = _rows(folder / dst)
    k = rng.randrange(1, len(rows))
    if rows[k]:
        rows[k][0] = rng.choice(ids[src]) + rng.choice(["", ":greenhouse", ":x"])
    _write(folder / dst, rows)
    return f"id from {src} into {dst}"


def m_link(folder: Path, rng: random.Random) -> str:
    """Replace a table by a link out of the folder, or a dangling link."""
    name = rng.choice([*CSVS, "scenario.yaml"])
    path = folder / name
    if path.exists() or path.is_symlink():
        path.unlink()
    outside = folder.parent.parent / "outside"  # next to the case's scenarios/: never a system file
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text("SECRET=hunter2\nroot:x:0:0\n", "utf-8")
    path.symlink_to(rng.choice([outside / "secret.txt", outside / "missing.csv", Path("../../outside/secret.txt")]))
    return f"link {name}"


def m_delete(folder: Path, rng: random.Random) -> str:
    """Delete a file or truncate it."""
    if not _files(folder):
        return "no file"
    path = rng.choice(_files(folder))
    if rng.random() < 0.5:
        path.unlink()
        return f"deleted {path.name}"
    text = path.read_bytes()
    path.write_bytes(text[: rng.randrange(len(text) + 1)])
    return f"truncated {path.name}"


MUTATIONS: list[Callable[[Path, random.Random], str]] = [
    m_column,
    m_cell,
    m_cell,
    m_bytes,
    m_yaml,
    m_collision,
    m_link,
    m_delete,
]


@dataclass
class Outcome:
    """Counts of a fuzz run; ``failures`` holds (case, what, why) of crashes and hangs."""

    cases: int = 0
    clean_errors: int = 0
    accepted: int = 0
    crashes: int = 0
    hangs: int = 0
    failures: list[tuple[int, str, str]] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"cases {self.cases}, clean errors {self.clean_errors}, accepted {self.accepted}, "
            f"crashes {self.crashes}, hangs {self.hangs}"
        )


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}


def fuzz_case(seed: int, work: Path) -> tuple[str, str, str]:
    """Run one case: (verdict, what was mutated, detail). verdict: accepted, clean, crash or hang."""
    from typer.testing import CliRunner

    from symnet.cli import app

    rng = random.Random(seed)
    base = BASES[seed % len(BASES)]
    folder = work / f"case{seed}" / "scenarios" / "s"
    shutil.copytree(base, folder)
    what = "; ".join(rng.choice(MUTATIONS)(folder, rng) for _ in range(rng.randint(1, 3)))
    before = _snapshot(folder)
    t0 = time.perf_counter()
    result = CliRunner().invoke(app, ["validate", str(folder)])
    seconds = time.perf_counter() - t0
    shutil.rmtree(work / f"case{seed}", ignore_errors=True) if _snapshot(folder) == before else None
    text = result.stdout + result.stderr
    if seconds > HANG_S:
        return "hang", what, f"{seconds:.0f} s"
    if (
        "Traceback" in text
        or result.exit_code not in (0, 2)
        or not isinstance(result.exception, (SystemExit, None.__class__))
    ):
        return "crash", what, f"exit {result.exit_code}: {text[-300:]!r} {result.exception!r}"
    if (work / f"case{seed}").exists():
        return "crash", what, "validate wrote into the scenario folder"
    if "hunter2" in text:
        return "crash", what, "the content of a file outside the scenario was printed"
    if result.exit_code == 0:
        return "accepted", what, ""
    bad = [line for line in result.stderr.splitlines() if line.strip() and not PROBLEM_LINE.match(line)]
    if bad:
        return "crash", what, f"not a file[:row[:column]]: message line: {bad[0][:200]!r}"
    return "clean", what, ""


def run_check(seed: int, work: Path) -> str:
    """``symnet run`` (10 s solver limit) on an accepted case: "" when it ends in exit 0
    with every supply's flows within its quantity, or exit 2 with nothing written; else why not."""
    import pandas as pd
    from typer.testing import CliRunner

    from symnet.cli import app
    from symnet.scenario import load_scenario

    rng = random.Random(seed)
    folder = work / f"run{seed}" / "scenarios" / "s"
    shutil.copytree(BASES[seed % len(BASES)], folder)
    for _ in range(rng.randint(1, 3)):
        rng.choice(MUTATIONS)(folder, rng)
    out = work / f"run{seed}" / "out"
    result = CliRunner().invoke(app, ["run", str(folder), "--out", str(out), "--time-limit", "10"])
    text = result.stdout + result.stderr
    if "Traceback" in text or result.exit_code not in (0, 2):
        return f"run exit {result.exit_code}: {text[-300:]!r}"
    if result.exit_code == 2:
        return "run exit 2 but the output folder was written" if out.exists() else ""
    flows = pd.read_csv(out / "flows.csv")
    if flows.empty:
        return ""
    supplies = {s.id: s.quantity for s in load_scenario(folder).supplies}
    used = flows.groupby("supply")["quantity"].sum()
    over = [sid for sid, q in used.items() if sid in supplies and q > supplies[sid] * (1 + 1e-6) + 1e-6]
    return f"flows exceed the supply of {over}" if over else ""


def run_fuzz(cases: int, first_seed: int = 0, runs: int = 3) -> Outcome:
    """Run ``cases`` seeded cases (seeds ``first_seed`` ...) through ``validate`` and count the
    outcomes; the first ``runs`` accepted cases are also run (:func:`run_check`)."""
    out = Outcome()
    with tempfile.TemporaryDirectory(prefix="symnet-fuzz-") as tmp:
        for seed in range(first_seed, first_seed + cases):
            verdict, what, detail = fuzz_case(seed, Path(tmp))
            if verdict == "accepted" and runs > 0:
                runs -= 1
                t0 = time.perf_counter()
                problem = run_check(seed, Path(tmp))
                if time.perf_counter() - t0 > HANG_S:
                    verdict, detail = "hang", "run over 60 s"
                elif problem:
                    verdict, detail = "crash", problem
            out.cases += 1
            if verdict == "accepted":
                out.accepted += 1
            elif verdict == "clean":
                out.clean_errors += 1
            else:
                out.crashes += verdict == "crash"
                out.hangs += verdict == "hang"
                out.failures.append((seed, what, detail))
    return out


def main() -> None:
    cases = int(os.environ.get("FUZZ_CASES", "1000"))
    outcome = run_fuzz(cases, int(os.environ.get("FUZZ_SEED", "0")), runs=int(os.environ.get("FUZZ_RUNS", "10")))
    for seed, what, detail in outcome.failures:
        print(f"seed {seed}: {what}: {detail}")
    print(outcome.line())
    sys.exit(1 if outcome.failures else 0)


if __name__ == "__main__":
    main()
