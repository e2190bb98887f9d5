"""Number formatting and rounding shared by every output (tables, report, map)."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path
from typing import IO, Any

import pandas as pd

PUBLIC_MIN_SHOWN = 10.0
PUBLIC_SIGNIFICANT = 2


def escape_html(value: Any) -> str:
    """``str(value)`` escaped for HTML text and attribute values (quotes included)."""
    return html.escape(str(value), quote=True)


def round_public(value: float | None, min_shown: float | None = PUBLIC_MIN_SHOWN) -> float | None:
    """Round a number for public outputs: 2 significant figures; ``None`` (shown as
    "<10") when its magnitude is below ``min_shown`` (pass ``None`` to keep small values).

    >>> round_public(4321.7), round_public(56.4), round_public(7.0)
    (4300.0, 56.0, None)
    """
    if value is None or not math.isfinite(float(value)):
        return None
    v = float(value)
    if min_shown is not None and abs(v) < min_shown:
        return None
    if v == 0:
        return 0.0
    digits = PUBLIC_SIGNIFICANT - 1 - int(math.floor(math.log10(abs(v))))
    return float(round(v, digits))


def format_quantity(value: float | None, hidden_below: float | None = None) -> str:
    """Readable quantity: thousands separated by thin spaces, at most 3 decimals below
    100; ``"<10"`` for a hidden small public value (``None``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"<{PUBLIC_MIN_SHOWN:g}" if hidden_below is not None else ""
    v = float(value)
    if abs(v) >= 100 or v == int(v):
        return f"{v:,.0f}".replace(",", " ")
    return f"{v:.3g}"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a CSV cell as a formula."""
_PLAIN_NUMBER = re.compile(r"^[-+]?\d[\d \u2009\u202f]*(?:[.,]\d+)?(?:[eE][-+]?\d+)?$")


def csv_safe_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return) with a ``'`` in front; numbers, and texts
    that are plain numbers such as ``"-6 900"``, as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell through :func:`csv_safe_cell` (numeric columns untouched)."""
    out = frame.copy()
    for c in out.columns:
        column = out[c]
        # only the few cells that start like a formula go through csv_safe_cell
        if column.dtype == object:
            starts = column.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START)).to_numpy(bool)
        elif pd.api.types.is_string_dtype(column):  # vectorised; missing cells are not formulas
            starts = column.str.startswith(FORMULA_START).fillna(False).to_numpy(bool)
        else:
            continue
        if starts.any():
            out[c] = column.where(~starts, column[starts].map(csv_safe_cell))
    return out.rename(columns={c: csv_safe_cell(c) for c in out.columns if isinstance(c, str)})


def write_csv(frame: pd.DataFrame, path: str | Path | IO[str], **options: Any) -> None:
    """The one CSV writer of every output table: :func:`csv_safe` cells, no index,
    UTF-8. ``options`` go to :meth:`pandas.DataFrame.to_csv` (e.g. ``float_format``)."""
    csv_safe(frame).to_csv(path, index=False, **options)
