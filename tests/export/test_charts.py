"""The report's charts a planner reads: the network on the context layer (real Andorra
roads), savings by participant (one bar per winner or loser), flows by resource."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from symnet.outputs import result_layers, write_outputs
from symnet.outputs.charts import GAIN_COLOUR, LOSS_COLOUR, network_chart, savings_bars, savings_chart
from symnet.outputs.context import ROAD_STYLES, ContextRoad, MapContext, Place

ROOT = Path(__file__).resolve().parents[2]


def _rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def _hex(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])


def _rows_with(img: np.ndarray, colour: str) -> np.ndarray:
    """Whether each pixel row holds at least 5 pixels of exactly ``colour``."""
    return (np.all(img == _hex(colour), axis=2).sum(axis=1)) >= 5


def _runs(mask: np.ndarray) -> int:
    """Number of runs of consecutive True values."""
    return int(np.sum(mask[1:] & ~mask[:-1]) + (1 if mask[:1].any() else 0))


def test_savings_chart_draws_one_bar_per_participant(tmp_path):
    gains = [
        ("Sawmill", 120_000.0),
        ("Farm", 45_000.0),
        ("Greenhouse site", -30_000.0),
        ("Brewery", 8_000.0),
        ("Idle", 0.0),
    ]
    bars = savings_bars(gains)
    assert [n for n, _ in bars] == ["Sawmill", "Farm", "Brewery", "Greenhouse site"]  # zero gains are not drawn
    img = _rgb(savings_chart(gains, tmp_path / "savings.png", "SEK"))
    assert _runs(_rows_with(img, GAIN_COLOUR)) == 3  # winners
    assert _runs(_rows_with(img, LOSS_COLOUR)) == 1  # the one who pays more
    # the largest gain is the longest green bar
    green = np.all(img == _hex(GAIN_COLOUR), axis=2).sum(axis=1)
    assert green.max() > 2 * np.sort(green[green > 0])[0]
    assert savings_bars(gains, limit=2) == [("Sawmill", 120_000.0), ("Farm", 45_000.0)]


def test_savings_chart_without_changes_is_still_written(tmp_path):
    img = _rgb(savings_chart([], tmp_path / "none.png", "SEK"))
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 2  # the message is drawn


def test_network_chart_draws_the_context_roads(result, scenario, tmp_path):
    layers = result_layers(result, scenario)
    plain = _rgb(network_chart(layers, tmp_path / "plain.png", "t"))
    road = ContextRoad("primary", [(13.0, 62.2), (13.6, 62.3), (14.2, 62.1)])
    ctx = MapContext([road], [Place("Sveg", "town", 14.36, 62.03)], "test")
    drawn = _rgb(network_chart(layers, tmp_path / "roads.png", "t", ctx))
    primary = dict((k, c) for k, c, _ in ROAD_STYLES)["primary"]
    assert np.all(plain == _hex(primary), axis=2).sum() == 0
    assert np.all(drawn == _hex(primary), axis=2).sum() > 200
    assert plain.shape == drawn.shape  # the context does not change the map's extent or size


def test_report_of_a_routed_run_has_every_chart(tmp_path):
    from symnet.outputs.context import run_map_context
    from symnet.pipeline import run_scenario
    from symnet.scenario import load_scenario

    sc = load_scenario(ROOT / "tests" / "fixtures" / "andorra", allow_outside=True)
    run = run_scenario(sc, cache_dir=tmp_path / "cache")
    ctx = run_map_context(run)
    assert {r.kind for r in ctx.roads} == {"primary", "secondary"} and len(ctx.places) == 7
    out = tmp_path / "out"
    write_outputs(run.result, sc, out, context=ctx)
    for name in ("network.png", "flows.png", "costs.png", "savings.png"):
        img = _rgb(out / name)
        assert img.shape[0] > 300 and len(np.unique(img.reshape(-1, 3), axis=0)) > 20, name
    per = run.result.kpis["per_actor"]
    participants = sum(1 for v in per.values() if abs(v["gain"]) > 1e-6)
    img = _rgb(out / "savings.png")
    assert _runs(_rows_with(img, GAIN_COLOUR)) + _runs(_rows_with(img, LOSS_COLOUR)) == participants
    report = (out / "report.md").read_text("utf-8")
    assert "![Savings by participant" in report and "savings.png" in report
