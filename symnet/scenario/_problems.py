"""The problem collector shared by the readers and the validation rules."""

from __future__ import annotations

import difflib

from symnet.errors import Problem


class _Problems:
    """Collects problems for one load."""

    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.id_lines: dict[tuple[str, str], int] = {}
        """(file, id) -> the line that first declared the id, for messages across files."""

    def error(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.errors.append(Problem(file, row, column, message))

    def warn(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.warnings.append(Problem(file, row, column, message))


def _did_you_mean(word: str, choices: list[str] | set[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
