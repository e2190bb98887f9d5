"""Link pricing (issue #14): a large model solved first on the links its LP relaxation asks
for. The pricing's bound is the whole LP's optimum once no link prices negative, every
round's Lagrangian bound is below it, and the restricted solution is a solution of the
whole model (never below its optimum)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

from scale_generator import write_scale_scenario  # noqa: E402

from symnet.network import build_network  # noqa: E402
from symnet.optimise import AllocationModel, decompose, restrict  # noqa: E402
from symnet.optimise.restrict import PricedLp, link_columns, price_links  # noqa: E402
from symnet.optimise.solve import Deadline, highs_model, quiet_stdout  # noqa: E402
from symnet.optimise.warmstart import rounded_up  # noqa: E402
from symnet.scenario import load_scenario  # noqa: E402

from .test_decompose import _no_facility_scenario  # noqa: E402

HYPOTHESIS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _model(folder: Path, **options: object) -> AllocationModel:
    scenario = load_scenario(folder)
    return AllocationModel(scenario, build_network(scenario), **options)


def _whole_lp(model: AllocationModel) -> float:
    assert model.arrays is not None
    cost = model.objective_vector()
    with quiet_stdout(True):
        h = highs_model(model.arrays.relaxed(cost), cost)
    h.setOptionValue("output_flag", False)
    h.run()
    return float(h.getInfo().objective_function_value)


def test_pricing_ends_on_the_whole_lp_optimum(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One link per sender and receiver to start: rounds must add the rest the LP wants."""
    monkeypatch.setattr(restrict, "START_LINKS", 1)
    monkeypatch.setattr(restrict, "PRICING_GAP", 0.0)
    model = _model(write_scale_scenario(tmp_path / "s", 30, 3)).build()
    assert model.arrays is not None
    links = link_columns(model.data, model.arrays, model._link_rows, frozenset())
    pricing = price_links(model.arrays, model.objective_vector(), links, Deadline(120), Deadline(120))
    assert pricing.lp is not None and pricing.rounds >= 2
    assert pricing.kept < len(links.upper)  # links were left out ...
    z = _whole_lp(model)
    assert pricing.bound == pytest.approx(z, rel=1e-7)  # ... and the bound is the whole LP's optimum
    restricted_lp = float(pricing.lp.h.getInfo().objective_function_value)
    assert restricted_lp == pytest.approx(z, rel=1e-7)


class _OneRound(Deadline):
    """A pricing budget that has time for the first round only."""

    calls = 0

    def remaining(self) -> float:
        self.calls += 1
        return 1.0 if self.calls == 1 else 0.0


def test_pricing_out_of_time_hands_over_a_solved_lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No links join after the last round, so the site warm start gets an LP that is solved."""
    import highspy

    monkeypatch.setattr(restrict, "START_LINKS", 1)
    model = _model(write_scale_scenario(tmp_path / "s", 30, 3)).build()
    assert model.arrays is not None
    links = link_columns(model.data, model.arrays, model._link_rows, frozenset())
    pricing = price_links(model.arrays, model.objective_vector(), links, _OneRound(60), Deadline(60))
    assert pricing.rounds == 1 and pricing.lp is not None and pricing.lp.solved
    assert pricing.lp.h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert pricing.bound is not None and pricing.bound <= _whole_lp(model) + 1e-6


@HYPOTHESIS
@given(seed=st.integers(0, 10_000), n=st.integers(10, 30), objective=st.sampled_from(["cost", "co2"]))
def test_every_rounds_bound_is_below_the_whole_lp(
    tmp_path_factory: pytest.TempPathFactory, seed: int, n: int, objective: str
) -> None:
    model = _model(write_scale_scenario(tmp_path_factory.mktemp("s") / "s", n, seed), objective=objective).build()
    assert model.arrays is not None
    cost = model.objective_vector()
    links = link_columns(model.data, model.arrays, model._link_rows, frozenset())
    z = _whole_lp(model)
    first = np.flatnonzero(links.unit_cost <= np.quantile(links.unit_cost, 0.3))
    lp = PricedLp(model.arrays, cost, links, first)
    tol = 1e-7 * max(1.0, abs(z))
    for _round in range(4):
        assert lp.solve(Deadline(60))
        bound, out, least = lp.price()
        restricted = float(lp.h.getInfo().objective_function_value)
        assert bound <= z + tol <= restricted + 2 * tol
        if not (least < 0).any():
            assert bound == pytest.approx(z, rel=1e-7, abs=1e-6)
            break
        lp.add(out[least < 0])


@HYPOTHESIS
@given(seed=st.integers(0, 10_000), n=st.integers(10, 25))
def test_the_restricted_answer_is_a_solution_of_the_whole_model(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, seed: int, n: int
) -> None:
    """With the whole-model step switched off, the restricted MIP's answer still satisfies
    every row of the whole model, costs no less than its optimum, and its bound is below it."""
    folder = write_scale_scenario(tmp_path_factory.mktemp("s") / "s", n, seed)
    whole = _model(folder, restrict=False, gap=1e-9).solve()
    assert whole.status == "optimal" and whole.objective is not None
    monkeypatch.setattr(restrict, "START_LINKS", 2)
    monkeypatch.setattr(restrict, "WHOLE_MODEL_MAX_COLUMNS", 0)
    model = _model(folder, restrict=True, gap=1e-9, decompose=False)
    result = model.solve()
    assert result.ok and result.objective is not None and model.arrays is not None
    assert "link pricing" in result.message
    assert rounded_up(model.arrays, model._sol) is not None  # every row and bound holds
    tol = 1e-7 * max(1.0, abs(whole.objective))
    assert result.objective >= whole.objective - tol
    assert result.bound is not None and result.bound <= whole.objective + tol
    assert (result.status == "optimal") == (result.gap is not None and result.gap <= 1e-9)


@HYPOTHESIS
@given(seed=st.integers(0, 10_000), n=st.integers(10, 25))
def test_restricted_then_whole_gives_the_whole_optimum(
    tmp_path_factory: pytest.TempPathFactory, seed: int, n: int
) -> None:
    folder = write_scale_scenario(tmp_path_factory.mktemp("s") / "s", n, seed)
    whole = _model(folder, restrict=False, gap=1e-9).solve()
    restricted = _model(folder, restrict=True, gap=1e-9, decompose=False).solve()
    assert restricted.status == whole.status == "optimal"
    assert restricted.objective == pytest.approx(whole.objective, rel=1e-7, abs=1e-6)


def test_parts_solved_by_pricing_give_the_whole_optimum(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _no_facility_scenario(tmp_path / "s", 40, 5)
    whole = _model(folder, restrict=False, decompose=False, gap=1e-9).solve()
    monkeypatch.setattr(decompose, "MIN_PART_COLUMNS", 1)
    priced = []
    solve_restricted = restrict.solve_restricted

    def counted(*args: object, **kwargs: object) -> object:
        priced.append(1)
        return solve_restricted(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(restrict, "solve_restricted", counted)
    model = _model(folder, restrict=True, decompose=True, gap=1e-9)
    parts = model.solve()
    assert model.parts > 1 and len(priced) >= 2  # the parts with integers and links
    assert parts.status == whole.status == "optimal"
    assert parts.objective == pytest.approx(whole.objective, rel=1e-7, abs=1e-6)


def test_links_of_a_part_are_renumbered_to_it(tmp_path: Path) -> None:
    """Without sites nothing couples a continuous link's periods: its flow columns fall into
    several parts, each part holding the link with its own periods."""
    model = _model(_no_facility_scenario(tmp_path / "s", 30, 2)).build()
    assert model.arrays is not None
    links = link_columns(model.data, model.arrays, model._link_rows, frozenset())
    parts = decompose.split(model.arrays, min_columns=1)
    assert len(parts) > 1
    n_cols, n_rows = len(model.arrays.cost), len(model.arrays.row_names)
    flow_columns = []
    for part in parts:
        own = links.in_part(part.columns, part.rows, n_cols, n_rows)
        flow_columns.append(part.columns[own.x[own.x >= 0]])
        assert (own.x >= 0).any(axis=1).all()  # a link is in a part by one of its periods at least
        assert ((own.own_rows >= 0) & (own.own_rows < len(part.rows))).all()
        assert ((own.row_link >= 0) & (own.row_link < len(own.upper))).all()
    assert np.array_equal(np.sort(np.concatenate(flow_columns)), np.sort(links.x.ravel()))  # each in one part


@pytest.mark.parametrize("limit_s", [2.0, 15.0])
def test_a_restricted_solve_ends_within_its_time_limit(tmp_path: Path, limit_s: float) -> None:
    """Pricing rounds, the restricted MIP and the whole model share one budget (+5 % + 2 s);
    a solution, when there is one, has a bound below it."""
    model = _model(write_scale_scenario(tmp_path / "s", 250, 0), restrict=True, time_limit_s=limit_s).build()
    t0 = time.perf_counter()
    result = model.solve()
    assert time.perf_counter() - t0 <= 1.05 * limit_s + 2.0
    if result.objective is not None:
        assert result.bound is None or result.bound <= result.objective + 1e-6 * abs(result.objective)
