"""Error types shared by every stage.

Bad input never produces a traceback: loaders collect :class:`Problem` records
(file, row, column, message) and raise one :class:`InputError` holding all of
them. The CLI prints each as ``file:row:column: message`` and exits with 2.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: object) -> str:
    """``str(text)`` safe for a terminal: control characters (ESC and every other C0/C1
    code, DEL, newlines) and bidirectional overrides are shown escaped (``\\x1b``,
    ``\\u202e``) instead of acting on the terminal."""
    out = []
    for ch in str(text):
        if unicodedata.category(ch) == "Cc" or ch in _BIDI:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Problem:
    """One problem in one input file.

    Parameters
    ----------
    file : str
        File name as the user knows it (relative to the scenario folder when possible).
    row : int or None
        1-based line number in the file (the header is line 1), or None.
    column : str or None
        Column or key name, or None.
    message : str
        What is wrong, naming the value and what was expected.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(str(self.row))
        if self.column is not None:
            parts.append(self.column)
        return printable(":".join(parts) + ": " + self.message)


@dataclass
class InputError(Exception):
    """Raised when input files are invalid; holds every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class SymnetError(Exception):
    """A failure the user can act on that is not an input-file problem
    (e.g. an infeasible model, a solver that is not installed)."""
