"""`distances_command`: round trip on a real extract and its input errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from symnet.errors import InputError
from symnet.routing.cli import distances_command


def _write(p: Path, text: str) -> Path:
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.timeout(60)
def test_round_trip(andorra_pbf: Path, tmp_path: Path) -> None:
    pts = _write(tmp_path / "p.csv", "id,lon,lat\nesc,1.5341,42.5090\ncan,1.5989,42.5676\nsol,1.5170,42.4600\n")
    out = tmp_path / "out" / "d.csv"
    assert distances_command(andorra_pbf, pts, out, metric="time", cache_dir=tmp_path / "c") == 0
    df = pd.read_csv(out)
    assert list(df.columns) == ["origin", "destination", "distance_m", "duration_s", "method"]
    assert len(df) == 6 and (df["origin"] != df["destination"]).all()
    assert (df["method"] == "routed").all() and (df["distance_m"] > 1000).all()
    assert not list(out.parent.glob(".*tmp"))  # no temp file left behind
    # without an extract: estimates
    assert distances_command(None, pts, out) == 0
    assert (pd.read_csv(out)["method"] == "estimated").all()


@pytest.mark.parametrize(
    "text, expect",
    [
        ("id,lon\na,1\n", "p.csv:1:lat: missing column"),
        ("id,lon,lat\na,x,42\n", "p.csv:2:lon: 'x' is not a number"),
        ("id,lon,lat\na,1,95\n", "p.csv:2:lat: 95 is out of range"),
        ("id,lon,lat\na,1,42\na,1,42.1\n", "p.csv:3:id: duplicate id 'a' (first on row 2)"),
        ("id,lon,lat\n,1,42\n", "p.csv:2:id: empty id"),
        ("id,lon,lat\n", "no points"),
    ],
)
def test_bad_points(tmp_path: Path, text: str, expect: str) -> None:
    pts = _write(tmp_path / "p.csv", text)
    with pytest.raises(InputError) as err:
        distances_command(None, pts, tmp_path / "o.csv")
    assert any(
        str(p).replace(str(tmp_path) + "/", "").startswith(expect) or expect in str(p) for p in err.value.problems
    ), str(err.value)
    assert not (tmp_path / "o.csv").exists()


def test_missing_files_and_bad_metric(tmp_path: Path) -> None:
    pts = _write(tmp_path / "p.csv", "id,lon,lat\na,1,42\nb,1.1,42\n")
    with pytest.raises(InputError, match="file not found"):
        distances_command(None, tmp_path / "nope.csv", tmp_path / "o.csv")
    with pytest.raises(InputError, match="OSM extract not found"):
        distances_command(tmp_path / "nope.osm.pbf", pts, tmp_path / "o.csv")
    with pytest.raises(InputError, match="--metric"):
        distances_command(None, pts, tmp_path / "o.csv", metric="speed")
    bad = _write(tmp_path / "bad.osm", "this is not xml")
    with pytest.raises(InputError, match="cannot read OSM extract"):
        distances_command(bad, pts, tmp_path / "o.csv", cache_dir=tmp_path / "c")


@pytest.mark.timeout(60)
def test_cutoff_leaves_farther_pairs_without_a_distance(andorra_pbf: Path, tmp_path: Path) -> None:
    pts = _write(tmp_path / "p.csv", "id,lon,lat\nesc,1.5341,42.5090\nnear,1.5360,42.5100\ncan,1.5989,42.5676\n")
    full, cut = tmp_path / "full.csv", tmp_path / "cut.csv"
    assert distances_command(andorra_pbf, pts, full, cache_dir=tmp_path / "c") == 0
    assert distances_command(andorra_pbf, pts, cut, cache_dir=tmp_path / "c", cutoff_km=2.0) == 0
    a = pd.read_csv(full).set_index(["origin", "destination"])
    b = pd.read_csv(cut).set_index(["origin", "destination"])
    within = a["distance_m"] <= 2000.0
    assert within.any() and (~within).any()
    pd.testing.assert_series_equal(b.loc[within, "distance_m"], a.loc[within, "distance_m"])
    assert (b.loc[~within, "method"] == "beyond cutoff").all()
    assert b.loc[~within, ["distance_m", "duration_s"]].isna().all().all()


def test_cutoff_must_be_a_positive_distance(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from symnet.cli import app

    pts = _write(tmp_path / "p.csv", "id,lon,lat\na,1,42\nb,1.1,42\n")
    for bad in ("0", "-3", "nan"):
        res = CliRunner().invoke(
            app, ["distances", "--points", str(pts), "--out", str(tmp_path / "o.csv"), "--cutoff-km", bad]
        )
        assert res.exit_code == 2 and "--cutoff-km" in res.output, res.output
        assert not (tmp_path / "o.csv").exists()
