"""Strict provenance: which numbers of a scenario a study really states, and a quote check.

A number is **sourced** only when its source text names a study (``report NNN``) *and* a
place in it (``§3.7``, ``Bilaga 2``, ``A5``, ``p. 12``) *and* nothing in the text marks it
as assumed; everything else is **assumed** (:func:`classify_source`). Words that mark a
number as assumed: "assumption", "assumed", "digest", "not in source", "derived",
"inferred", "position", "placeholder" and "as <other id>" (a value copied from another row).

**Quote convention.** A sourced number carries the words of the study that state it, in
guillemets inside its source text::

    report 002 §3.7 «Grönsaker, färska cirka 18 000 kg»

:func:`check_scenario` checks that every quote of a sourced number appears in the seed text
of the report it names (exact substring after Unicode NFC and whitespace normalisation)
and that one number of the quote (in Swedish or English notation, scaled by 1000 or
10^6 for a unit prefix or "miljoner") equals the value, or that the source states the
arithmetic as ``calc: <expression>;`` whose every operand is a number of the quotes (a
percentage may enter as a fraction) or a unit constant (:data:`CALC_CONSTANTS`); the
result may differ from the value by rounding (0.5 %).

Example
-------
>>> classify_source("report 002 §3.7 «Potatis cirka 35 000 kg»")
'sourced'
>>> classify_source("report 002 §3.6; quantity: assumption")
'assumed'
"""

from __future__ import annotations

import ast
import csv
import operator
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from symnet import safe_yaml

if TYPE_CHECKING:
    from symnet.scenario import Scenario

Provenance = Literal["sourced", "assumed"]

#: seed files of each study, relative to the seed folder (report 001 is the OCR copy of 000)
REPORT_FILES: dict[str, tuple[str, ...]] = {
    "000": ("jamtland-harjedalen-2020-smice.txt", "jamtland-harjedalen-2020-smice-ocr.txt"),
    "001": ("jamtland-harjedalen-2020-smice-ocr.txt", "jamtland-harjedalen-2020-smice.txt"),
    "002": ("harjedalen-2024-prestudy.txt",),
    "003": ("rise-industrial-urban-symbiosis-sweden.txt",),
    "004": ("paper-province-implementation-study.txt",),
}

_ASSUMED = re.compile(
    r"assum(?:ption|ptions|ed|e)\b|\bdigest\b|not in source|\bderived\b|\binferred\b|\bposition"
    r"|\bplaceholder\b|\bas\s+[a-z][a-z0-9]*_[a-z0-9_]+",
    re.IGNORECASE,
)
_STUDY = re.compile(r"\breports?\s+(\d{3})\b", re.IGNORECASE)
_PLACE = re.compile(
    r"(?:§\s*\d|\bBilaga\s+\d|\bAppendix\s+\w|\bTab(?:le|ell)\s+\d|\bFig(?:ure|ur)?\.?\s+\d"
    r"|\bpp?\.\s*\d|\bpage\s+\d|\bs\.\s*\d|\bA\d{1,2}\b)",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"«([^»]+)»")
_CALC = re.compile(r"\bcalc:\s*([^;«»]+?)\s*(?:;|$)")  # ends at ";" or at the end of the text
# 18 000 | 1,1 | 7 100 | 0.5 | 150 000 (space, no-break or thin space as thousands separator)
_NUMBER = re.compile(
    r"(?<![\w,.])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[,.](\d+))?(?:\s*(milj|miljon|miljoner|million))?"
)
_REL_TOL = 1e-6
_CALC_TOL = 0.005  # a calc result may be rounded to the value's last digits ("about 385 t")
#: unit constants a calc may use besides the quoted numbers (hours, days, per cent, prefixes)
CALC_CONSTANTS = (8760.0, 365.0, 24.0, 100.0, 1000.0, 1e6)


def classify_source(text: str) -> Provenance:
    """``"sourced"`` when ``text`` names a study (report NNN) and a section or page and
    does not mark the number as assumed; ``"assumed"`` otherwise (also for '')."""
    if not text or _ASSUMED.search(text):
        return "assumed"
    if _STUDY.search(text) and _PLACE.search(text):
        return "sourced"
    return "assumed"


def marks_assumption(text: str) -> bool:
    """True when ``text`` marks its number as assumed ("assumption", "digest", "derived",
    "inferred", "position", "as <other id>" ...). :func:`symnet.scenario.is_assumption`
    delegates here: a planner's own "measured 2023" or "invoice" is not an assumption,
    although only a quoted study section makes a number *sourced* (:func:`classify_source`).
    In the shipped scenarios the two agree, because the quote check fails on any text that
    names a study section without a quote."""
    return bool(_ASSUMED.search(text))


def normalise(text: str) -> str:
    """Unicode NFC, soft hyphens dropped, every run of whitespace one space."""
    return " ".join(unicodedata.normalize("NFC", text).replace("\u00ad", "").split())


def quotes(text: str) -> list[str]:
    """The quotes («...») in a source text, normalised."""
    return [normalise(q) for q in _QUOTE.findall(text)]


#: Swedish number words a quote may use instead of digits ("åtta kilo syrgas")
_WORDS = {"två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8, "nio": 9, "tio": 10, "tolv": 12}
_WORD = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.IGNORECASE)


def quote_numbers(quote: str) -> list[float]:
    """Numbers stated in a quote: '18 000' -> 18000, '1,1 miljoner' -> 1.1e6, '0.5' -> 0.5,
    'åtta' -> 8."""
    text = normalise(quote)
    out = []
    for whole, frac, million in _NUMBER.findall(text):
        value = float(re.sub(r"\D", "", whole) + (f".{frac}" if frac else ""))
        out.append(value * 1e6 if million else value)
    return out + [float(_WORDS[w.lower()]) for w in _WORD.findall(text)]


def provenance_counts(scenario: Scenario) -> dict[str, int]:
    """Numbers with a source in ``scenario``, split by :func:`classify_source`:
    ``{"sourced": n, "assumed": m, "total": n + m}``."""
    sourced = sum(classify_source(t) == "sourced" for t in scenario.sources.values())
    total = len(scenario.sources)
    return {"sourced": sourced, "assumed": total - sourced, "total": total}


def default_seed_dir() -> Path:
    """``$SYMNET_SEEDS``, else ``../shared/seeds`` next to the repository."""
    env = os.environ.get("SYMNET_SEEDS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "seeds"


@cache
def _seed_text(path: Path) -> str:
    return normalise(path.read_text("utf-8"))


def seed_texts(reports: Iterable[str], seed_dir: Path) -> list[str]:
    """Normalised seed texts of the named reports (unknown reports give none)."""
    return [_seed_text(seed_dir / f) for r in reports for f in REPORT_FILES.get(r, ()) if (seed_dir / f).exists()]


# ---------------------------------------------------------------------------------------
# the quote check
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Miss:
    """A sourced number whose quote is missing, not in the study, or states another number."""

    where: str  # file:row:column (CSV) or file:path (YAML)
    key: str
    value: float | None
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


_OPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _eval(node: ast.AST, operands: list[float]) -> float:
    if isinstance(node, ast.Expression):
        return _eval(node.body, operands)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        operands.append(float(node.value))
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.left, operands), _eval(node.right, operands))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand, operands)
    raise ValueError("only numbers and + - * / ( ) are allowed")


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _REL_TOL * max(abs(a), abs(b), 1e-12)


def _scaled(numbers: list[float]) -> list[float]:
    return [n * f for n in numbers for f in (1.0, 1e3, 1e-3)]


def _quote_problems(text: str, found: list[str], seed_dir: Path) -> list[str]:
    reports = sorted(set(_STUDY.findall(text)))
    texts = seed_texts(reports, seed_dir)
    if not texts:
        return [f"no seed text for report {', '.join(reports)} in {seed_dir}"]
    return [f"quote «{q}» is not in report {'/'.join(reports)}" for q in found if not any(q in t for t in texts)]


def _calc_problems(text: str, value: float, numbers: list[float]) -> list[str]:
    calc = _CALC.search(text)
    if calc is None:
        stated = ", ".join(f"{n:g}" for n in numbers) or "none"
        return [f"value {value:g} is not a number of the quote ({stated})"]
    operands: list[float] = []
    try:
        got = _eval(ast.parse(calc.group(1).strip(), mode="eval"), operands)
    except (SyntaxError, ValueError, ZeroDivisionError) as exc:
        return [f"calc '{calc.group(1).strip()}' cannot be evaluated: {exc}"]
    allowed = [*_scaled(numbers), *(n / 100 for n in numbers), *CALC_CONSTANTS]
    stray = [o for o in operands if not any(_close(o, n) for n in allowed)]
    if stray:
        return [f"calc operands {', '.join(f'{o:g}' for o in stray)} are not numbers of the quotes"]
    if abs(got - value) <= _CALC_TOL * max(abs(got), abs(value)):
        return []
    return [f"calc gives {got:g}, not the value {value:g}"]


def check_source(text: str, value: float | None, seed_dir: Path | None = None) -> list[str]:
    """Problems with one sourced number (empty when its quotes are in the named study and
    state ``value``: directly, scaled by a unit prefix, or through ``calc:``).

    ``value`` is the number as entered (in the file's unit); None checks the quotes only.
    """
    found = quotes(text)
    if not found:
        return ["sourced number without a quote «...» from the study"]
    problems = _quote_problems(text, found, seed_dir or default_seed_dir())
    if problems or value is None:
        return problems
    numbers = [n for q in found for n in quote_numbers(q)]
    if any(_close(value, n) for n in _scaled(numbers)):
        return []
    return _calc_problems(text, value, numbers)


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    try:
        return float(str(raw).strip())
    except ValueError:
        return None


def _csv_cells(folder: Path, name: str) -> dict[str, tuple[int, dict[str, str]]]:
    """Row key -> (line number, row) of one CSV table (sites keyed ``site:facility``)."""
    path = folder / name
    if not path.exists():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for i, row in enumerate(rows, start=2):
        key = f"{row.get('id', '')}:{row.get('facility', '')}" if name.startswith("sites") else row.get("id", "")
        out[str(key)] = (i, row)
    return out


#: one part of a ``scenario.yaml`` source key: a name (group 1) or an ``[index]`` (group 2)
KEY_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def walk_key(node: Any, path: str) -> Any:
    """The value at a dotted source key (``facilities.greenhouse.inputs[0].price``) inside
    ``node`` (dicts, lists and objects such as the loaded config), or None where it is missing."""
    for name, index in KEY_PART.findall(path):
        if node is None:
            return None
        if index:
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(name)
        else:
            node = getattr(node, name, None)
    return node


def _yaml_value(data: Any, path: str) -> Any:
    node = data
    for name, index in KEY_PART.findall(path):
        if isinstance(node, dict) and set(node) >= {"value"} and name not in node:
            node = node["value"]
        if index:
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
        else:
            node = node.get(name) if isinstance(node, dict) else None
        if node is None:
            return None
    if isinstance(node, dict) and "value" in node:
        node = node["value"]
    return node


def cell_key(table: str, row_id: str, column: str) -> str:
    """The source key of one CSV cell: ``"<file>:<row id>.<column>"`` (``supplies.csv:S1.quantity``)."""
    return f"{table}:{row_id}.{column}"


def split_cell_key(key: str) -> tuple[str, str, str] | None:
    """``(file, row id, column)`` of a CSV cell's source key (:func:`cell_key`); None for
    other keys (YAML paths such as ``economics.landfill_tax``, ``catalogue:...``). The column
    follows the last dot, so a row id may hold dots (``S1.b``)."""
    file, colon, rest = key.partition(":")
    row_id, dot, column = rest.rpartition(".")
    if not (colon and dot and file.endswith(".csv")):
        return None
    return file, row_id, column


def sourced_numbers(scenario: Scenario) -> list[tuple[str, str, float | None, str]]:
    """``(where, key, value as entered, source)`` for each number :func:`classify_source`
    calls sourced."""
    if scenario.folder is None:
        return []
    folder = Path(scenario.folder)
    raw_yaml = safe_yaml.load((folder / "scenario.yaml").read_text("utf-8"))
    tables: dict[str, dict[str, tuple[int, dict[str, str]]]] = {}
    out = []
    for key, text in sorted(scenario.sources.items()):
        if classify_source(text) != "sourced":
            continue
        if ":" in key.split(".")[0] or key.split(":")[0].endswith(".csv"):
            table, _, rest = key.partition(":")
            entity, _, col = rest.rpartition(".")
            cells = tables.setdefault(table, _csv_cells(folder, table))
            line, row = cells.get(entity, (0, {}))
            out.append((f"{folder.name}/{table}:{line}:{col}", key, _number(row.get(col)), text))
        else:
            value = _yaml_value(raw_yaml, key)
            out.append((f"{folder.name}/scenario.yaml:{key}", key, _number(value), text))
    return out


def check_scenario(scenario: Scenario, seed_dir: Path | None = None) -> list[Miss]:
    """Every sourced number of ``scenario`` whose quote check fails (empty when all pass).
    Lists (profiles) are checked for their quotes only."""
    misses = []
    for where, key, value, text in sourced_numbers(scenario):
        for problem in check_source(text, value, seed_dir):
            misses.append(Miss(where, key, value, problem))
    return misses
