"""A file that is not OpenStreetMap data, given as the road extract, is bad input (exit 2,
the file named, nothing written), not an internal error (issue #11 item 9)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from symnet.cli import app
from symnet.errors import InputError
from symnet.routing import load_road_graph

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny"


@pytest.mark.parametrize(("name", "content"), [("roads.osm", b"hello, not xml"), ("roads.osm.pbf", b"\x00\x01binary")])
def test_not_osm_is_input_error(tmp_path, name, content):
    extract = tmp_path / name
    extract.write_bytes(content)
    with pytest.raises(InputError, match="cannot read OSM extract"):
        load_road_graph(extract, use_cache=False)


def test_run_with_a_non_osm_extract_exits_2_and_writes_nothing(tmp_path):
    folder = tmp_path / "scenario"
    shutil.copytree(TINY, folder)
    (folder / "roads.osm.pbf").write_bytes(b"\x00\x01binary")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(folder), "--osm", str(folder / "roads.osm.pbf"), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "roads.osm.pbf: cannot read OSM extract" in result.output
    assert not out.exists() and "internal error" not in result.output
