"""Shared helpers for the shipped-scenario tests."""

from __future__ import annotations

from pathlib import Path

import yaml

SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "scenarios"
SCENARIO_FOLDERS = sorted(p.parent for p in SCENARIOS_DIR.glob("*/scenario.yaml"))
VALIDATION_FOLDERS = sorted(p.parent for p in SCENARIOS_DIR.glob("*/expected.yaml"))


def read_expected(folder: Path) -> dict:
    """The parsed ``expected.yaml`` of a validation case."""
    return yaml.safe_load((folder / "expected.yaml").read_text("utf-8"))
