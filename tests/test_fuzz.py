"""The seeded input fuzzer (tests/fuzz_scenarios.py) in the suite: 200 cases, every one
exit 0 (accepted; the first accepted ones are also run, flows within supply) or exit 2
with ``file[:row[:column]]: message`` lines only, no traceback, nothing written, none
over 60 s. ``make fuzz`` runs more (FUZZ_CASES)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import fuzz_scenarios  # noqa: E402

CHUNK = 50


@pytest.mark.fuzz
@pytest.mark.parametrize("first", range(0, 200, CHUNK))
def test_fuzz_cases_end_cleanly(first: int) -> None:
    outcome = fuzz_scenarios.run_fuzz(CHUNK, first_seed=first, runs=1)
    assert outcome.failures == []
    assert outcome.cases == CHUNK
    assert outcome.clean_errors + outcome.accepted == CHUNK


def test_the_fuzzer_finds_a_planted_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness can fail: a validator that raises is counted as a crash."""
    import symnet.scenario

    def boom(*_: object, **__: object) -> None:
        raise KeyError("planted")

    monkeypatch.setattr(symnet.scenario, "load_scenario", boom)
    outcome = fuzz_scenarios.run_fuzz(2, runs=0)
    assert outcome.crashes == 2 and "internal error: KeyError" in outcome.failures[0][2]
