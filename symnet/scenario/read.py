"""Scenario files -> raw tables: encodings, separators, decimal commas, source columns.

CSV files are read as strings (UTF-8 with or without BOM; ',' or ';' separated, ';' files
may use decimal commas); actor layers (GPKG/GeoJSON/FlatGeobuf/Shapefile) become the same
string table with ``lon``/``lat`` in WGS84 degrees; ``scenario.yaml`` is parsed and its
``{value: x, source: s}`` wrappers are stripped into a source map.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from symnet import safe_yaml
from symnet.provenance import cell_key
from symnet.scenario._problems import _Problems
from symnet.scenario.model import ScenarioConfig


def _decode(path: Path, probs: _Problems, name: str) -> str | None:
    raw = path.read_bytes()
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        probs.error(name, None, None, "file is UTF-16 encoded; expected UTF-8 (in Excel: Save As 'CSV UTF-8')")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        probs.error(
            name,
            line,
            None,
            f"file is not UTF-8 (byte 0x{raw[exc.start]:02x} at line {line}, probably Windows-1252/Latin-1); "
            "expected UTF-8 (in Excel: Save As 'CSV UTF-8')",
        )
        return None


@dataclass
class _Table:
    name: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line number, cells)
    semicolon: bool


def _split_records(text: str, probs: _Problems, name: str) -> tuple[list[list[str]], bool] | None:
    """Parse CSV text into records; ``True`` in the result when the file is ';'-separated
    (more ';' than ',' on the header line). None (problem recorded) when unparseable."""
    first = text.splitlines()[0]
    semicolon = first.count(";") > first.count(",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";" if semicolon else ",")
    try:
        return list(reader), semicolon
    except csv.Error as exc:
        probs.error(name, reader.line_num, None, f"cannot parse CSV: {exc}")
        return None


def _header(record: list[str], probs: _Problems, name: str) -> list[str] | None:
    """Stripped column names of the header record (duplicates reported); None when empty."""
    header = [h.strip() for h in record]
    if not any(header):
        probs.error(name, 1, None, "the header line is empty; expected column names")
        return None
    dupes = {h for h in header if header.count(h) > 1 and h} if looks_like_header(header) else set()
    for h in sorted(dupes):
        probs.error(name, 1, h, f"column '{h}' appears more than once")
    return header


_HEADER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ .()%/-]{0,63}")
SHOWN_CHARS = 80
"""Longest excerpt of a file's text that a problem message quotes."""


def looks_like_header(columns: list[str]) -> bool:
    """True when every non-empty column name is a short identifier-like name (so the file
    is a table, and quoting its header or cells leaks nothing else)."""
    names = [c for c in columns if c]
    return 0 < len(names) <= 200 and all(_HEADER_NAME.fullmatch(c) for c in names)


def printable(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` with control characters escaped (``\\x1b``) and cut to ``limit`` characters."""
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _too_many_cells(cells: list[str], header: list[str], semicolon: bool) -> str | None:
    """The problem message for a record with non-empty cells beyond the header, else None
    (the extra cells are quoted only when the header looks like one)."""
    extra = [c for c in cells[len(header) :] if c.strip()]
    if not extra:
        return None
    hint = (
        ""
        if semicolon
        else "; a decimal comma in a ','-separated file splits a number in two: use '.' or quote the value"
    )
    shown = f" (extra: {printable(', '.join(repr(c) for c in extra))})" if looks_like_header(header) else ""
    return f"row has {len(cells)} cells but the header has {len(header)} columns{shown}; expected at most {len(header)}{hint}"


def _read_csv(path: Path, probs: _Problems, name: str) -> _Table | None:
    """Read a CSV as strings. Accepts UTF-8 with or without BOM, ',' or ';' separators
    (';' files may use decimal commas). Returns None when unreadable.

    Row numbers count CSV records (the header is 1); blank records are skipped."""
    text = _decode(path, probs, name)
    if text is None:
        return None
    if not text.strip():
        probs.error(name, None, None, "file is empty; expected a header line and at least one row")
        return None
    parsed = _split_records(text, probs, name)
    if parsed is None:
        return None
    records, semicolon = parsed
    header = _header(records[0], probs, name)
    if header is None:
        return None
    rows: list[tuple[int, dict[str, str]]] = []
    for line_no, cells in enumerate(records[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        problem = _too_many_cells(cells, header, semicolon)
        if problem is not None:
            probs.error(name, line_no, None, problem)
            continue
        row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        rows.append((line_no, row))
    return _Table(name, header, rows, semicolon)


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"a number between {low:g} and {high:g}"
    return f"a number >= {low:g}" if low is not None else f"a number <= {high:g}"


class _Cell:
    """Typed access to one row's cells, recording problems."""

    def __init__(self, table: _Table, line: int, row: dict[str, str], probs: _Problems):
        self.table, self.line, self.row, self.probs = table, line, row, probs
        self.ok = True

    def text(self, col: str, required: bool = False) -> str:
        value = self.row.get(col, "")
        if required and not value:
            self.fail(col, f"'{col}' is empty; a value is required")
        return value

    def fail(self, col: str | None, message: str) -> None:
        self.ok = False
        self.probs.error(self.table.name, self.line, col, message)

    def number(
        self,
        col: str,
        required: bool = False,
        minimum: float | None = None,
        strictly_positive: bool = False,
        low: float | None = None,
        high: float | None = None,
    ) -> float | None:
        """The cell as a finite float (None when empty or bad, the problem recorded).

        ``minimum`` refuses values below it as negative; ``low``/``high`` bound the value
        (a physically sensible range, see :mod:`symnet.scenario.limits`)."""
        raw = self.text(col, required)
        if not raw:
            return None
        text = raw.replace("\u00a0", "").replace(" ", "")
        if self.table.semicolon and re.fullmatch(r"[-+]?\d+(,\d+)?", text):
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            if re.fullmatch(r"[-+]?\d+,\d+", text):
                self.fail(
                    col,
                    f"'{raw}' has a decimal comma in a ','-separated file; expected '.' as decimal "
                    f"separator ({text.replace(',', '.')}), or save the file ';'-separated",
                )
            else:
                self.fail(col, f"'{printable(raw)}' is not a number; expected a number such as 120 or 12.5")
            return None
        if not math.isfinite(value):
            self.fail(col, f"value '{raw}' is not a finite number; expected a number such as 120 or 12.5")
            return None
        if strictly_positive and value <= 0:
            self.fail(col, f"{raw} is not allowed; expected a number greater than 0")
            return None
        if minimum is not None and value < minimum:
            self.fail(col, f"{raw} is negative; expected a number >= {minimum:g}")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.fail(col, f"{raw} is out of range; expected {_range_text(low, high)}")
            return None
        return value

    def boolean(self, col: str) -> bool:
        raw = self.text(col).lower()
        if raw in ("", "0", "false", "no", "n", "nej"):
            return False
        if raw in ("1", "true", "yes", "y", "ja", "x"):
            return True
        self.fail(col, f"'{self.row.get(col)}' is not a yes/no value; expected true/false, yes/no or 1/0")
        return False

    def listing(self, col: str) -> list[str]:
        raw = self.text(col)
        return [p for p in re.split(r"[|;,\s]+", raw) if p] if raw else []


def _record_row_sources(table: _Table, cell: _Cell, key: str, numeric: list[str], sources: dict[str, str]) -> None:
    row_source = cell.row.get("source", "")
    for col in numeric:
        if cell.row.get(col, ""):
            src = cell.row.get(f"{col}_source", "") or row_source
            if src:
                sources[cell_key(table.name, key, col)] = src


_SOURCED_VALUE_KEYS = {"value", "source", "unit", "note", "low", "high", "distribution"}  # ranges: scenario/ranges.py
_CATALOGUE_SECTIONS = ("resources", "fates", "substitutions")


def _strip_sources(node: Any, path: str, sources: dict[str, str], inherited: str = "") -> Any:
    """Replace ``{value: x, source: s}`` by x, recording s at ``path``; a ``source`` key
    in a mapping is inherited by its numeric siblings."""
    if isinstance(node, dict):
        if "value" in node and set(node) <= _SOURCED_VALUE_KEYS:
            src = str(node["source"]) if node.get("source") else inherited
            if src:
                sources[path] = src
            return node["value"]
        return _strip_mapping_sources(node, path, sources, inherited)
    if isinstance(node, list):
        return [_strip_sources(v, f"{path}[{i}]", sources, inherited) for i, v in enumerate(node)]
    if isinstance(node, (int, float)) and not isinstance(node, bool) and inherited and path not in sources:
        sources[path] = inherited
    return node


def _strip_mapping_sources(node: dict[Any, Any], path: str, sources: dict[str, str], inherited: str) -> dict[Any, Any]:
    """:func:`_strip_sources` of each entry of a mapping; its own ``source`` key covers the
    entries and is dropped, except in the catalogue sections, where ``source`` is a field."""
    here = str(node.get("source", "")) or inherited
    keep_source = path.split(".")[0].split("[")[0] in _CATALOGUE_SECTIONS
    out = {}
    for k, v in node.items():
        if k == "source" and isinstance(v, str) and not keep_source:
            continue
        child = f"{path}.{k}" if path else str(k)
        out[k] = _strip_sources(v, child, sources, here)
    return out


_EXPONENT_NUMBER = re.compile(r"[-+]?(\d[\d_]*\.?\d*|\.\d+)[eE][-+]?\d+")
"""A number YAML 1.1 reads as text (``1e999``: no dot or no exponent sign) but pydantic as a float."""


def _non_finite_numbers(node: Any, path: str) -> list[tuple[int, str, str]]:
    """(line, key, text) of every YAML float that is NaN or infinite (``.nan``, ``-.inf``,
    ``1.0e999``) below ``node``; ``{value: x, source: s}`` wrappers are keyed as their parent."""
    if isinstance(node, yaml.MappingNode):
        found = []
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = path if key == "value" else (f"{path}.{key}" if path else key)
            found += _non_finite_numbers(value_node, child)
        return found
    if isinstance(node, yaml.SequenceNode):
        return [hit for i, item in enumerate(node.value) for hit in _non_finite_numbers(item, f"{path}[{i}]")]
    plain_number = node.tag == "tag:yaml.org,2002:str" and not getattr(node, "style", None)
    if isinstance(node, yaml.ScalarNode) and (
        node.tag == "tag:yaml.org,2002:float" or (plain_number and _EXPONENT_NUMBER.fullmatch(str(node.value)))
    ):
        text = str(node.value).lower().replace("_", "")
        try:
            finite = text not in (".nan", ".inf", "+.inf", "-.inf") and math.isfinite(float(text))
        except ValueError:  # sexagesimal 1:30.5 and friends
            finite = True
        if not finite and not (path.endswith(".capacity") and text in (".inf", "+.inf")):  # inf: unlimited
            return [(node.start_mark.line + 1, path, str(node.value))]
    return []


def _load_yaml(path: Path, probs: _Problems) -> dict[str, Any] | None:
    name = path.name
    text = _decode(path, probs, name)
    if text is None:
        return None
    try:
        data = safe_yaml.load(text)
    except safe_yaml.YamlLimitError as exc:
        probs.error(name, exc.line, None, exc.message)
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        where = f" at column {mark.column + 1}" if mark is not None else ""
        ctx, ctx_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        started = (
            (
                f" (in {ctx.removeprefix('while parsing ')} that starts at line {ctx_mark.line + 1}, "
                f"column {ctx_mark.column + 1})"
            )
            if ctx and ctx_mark is not None
            else ""
        )
        probs.error(
            name,
            line,
            None,
            f"invalid YAML{where}: {getattr(exc, 'problem', None) or exc}{started}; "
            "expected 'key: value' lines (check indentation, colons and brackets)",
        )
        return None
    if isinstance(data, dict):
        for line, key, raw in _non_finite_numbers(safe_yaml.compose(text), ""):
            probs.error(name, line, key or None, f"value '{raw}' is not a finite number; expected a number such as 645")
        if probs.errors:
            return None
    if not isinstance(data, dict):
        kind = "nothing" if data is None else f"a {type(data).__name__}"
        probs.error(
            name,
            None,
            None,
            f"the file holds {kind}; expected a mapping of keys (name:, crs:, periods:, economics: ...)",
        )
        return None
    return data


def _read_vector_actors(path: Path, name: str, config: ScenarioConfig, probs: _Problems) -> _Table | None:
    """Actors from a GeoPackage/GeoJSON/FlatGeobuf/Shapefile layer of points."""
    import geopandas as gpd

    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        probs.error(name, None, None, f"cannot read the layer: {exc}")
        return None
    if gdf.crs is None:
        probs.error(name, None, None, "the layer has no CRS; expected one (e.g. EPSG:4326 or EPSG:3006)")
        return None
    if not all(gdf.geometry.geom_type == "Point"):
        probs.error(name, None, "geometry", "expected point geometries for actors")
        return None
    wgs = gdf.to_crs("EPSG:4326")
    rows: list[tuple[int, dict[str, str]]] = []
    columns = [c for c in gdf.columns if c != "geometry"] + ["lon", "lat"]
    for i, (_, rec) in enumerate(wgs.iterrows()):
        cells = {
            c: ("" if rec[c] is None or (isinstance(rec[c], float) and math.isnan(rec[c])) else str(rec[c]))
            for c in columns
            if c not in ("lon", "lat")
        }
        cells["lon"], cells["lat"] = repr(rec.geometry.x), repr(rec.geometry.y)
        rows.append((i + 1, cells))  # feature number
    return _Table(name, columns, rows, False)


def _load_optional_table(folder: Path, name: str, probs: _Problems, required: bool) -> _Table | None:
    path = folder / name
    if not path.is_file():
        if required:
            kind = name.removesuffix(".csv")
            probs.error(
                name,
                None,
                None,
                f"file not found; expected a {kind} table (a header line is enough when there are none)",
            )
        return None
    return _read_csv(path, probs, name)
