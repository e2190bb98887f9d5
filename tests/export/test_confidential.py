"""Public outputs never contain a confidential actor's name/id or a confidential stream's
exact quantity: every byte of every written file is searched (text forms and the IEEE
doubles a GeoPackage/FlatGeobuf/Shapefile would store)."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from export_data import (
    CONFIDENTIAL_COST,
    CONFIDENTIAL_DISPOSAL_Q,
    CONFIDENTIAL_FLOW_Q,
    CONFIDENTIAL_ID,
    CONFIDENTIAL_NAME,
    CONFIDENTIAL_SUPPLY_Q,
)

from symnet.outputs import build_layers, export_command, public_layers, write_map, write_outputs

SECRET_TEXT = [CONFIDENTIAL_NAME, "Hemlig", CONFIDENTIAL_ID, "s_chips_x"]
SECRET_NUMBERS = [CONFIDENTIAL_SUPPLY_Q, CONFIDENTIAL_FLOW_Q, CONFIDENTIAL_DISPOSAL_Q, CONFIDENTIAL_COST]


def _needles() -> list[bytes]:
    out = [t.encode("utf-8") for t in SECRET_TEXT]
    for q in SECRET_NUMBERS:
        out += [repr(q).encode(), struct.pack("<d", q), struct.pack(">d", q)]
        if q >= 1000:  # shorter forms would match by chance in PNG/base64 bytes
            out += [f"{q:,.0f}".replace(",", " ").encode(), f"{q:,.0f}".encode(), f"{q:.0f}".encode()]
    return out


def _leaks(folder: Path) -> list[tuple[str, bytes]]:
    """(file, needle) for every needle found. Short numeric needles (4-7 characters) are
    not searched inside compressed PNG bytes or base64 data URIs, where they occur by
    chance (a 4-digit string matches about once per 17 MB of base64); names are."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        text_part = b"" if path.suffix == ".png" else re.sub(rb"data:image/png;base64,[A-Za-z0-9+/=]+", b"", data)
        for n in _needles():
            where = data if len(n) > 7 and not n[:1].isdigit() else text_part
            if n in where:
                found.append((path.name, n))
    return found


def test_private_outputs_do_contain_the_secrets(result, scenario, tmp_path):
    """The search can fail: the private outputs carry the name and the exact figures."""
    write_outputs(result, scenario, tmp_path)
    leaks = {(f, n) for f, n in _leaks(tmp_path)}
    assert ("network.gpkg", CONFIDENTIAL_NAME.encode()) in leaks
    assert ("network.gpkg", struct.pack(">d", CONFIDENTIAL_FLOW_Q)) in leaks  # SQLite stores big-endian doubles
    assert ("map.html", CONFIDENTIAL_NAME.encode()) in leaks
    assert ("report.md", b"3 334") in leaks


def test_public_outputs_hide_confidential_actors_and_streams(result, scenario, tmp_path):
    out = tmp_path / "public"
    write_outputs(result, scenario, out, public=True)
    write_map(result, scenario, out / "map-online.html", public=True, basemap="osm")
    private = tmp_path / "private"
    private.mkdir()
    write_outputs(result, scenario, private)
    for fmt in ("geojson", "shp", "fgb", "csv"):
        export_command(private, fmt, out / f"export-{fmt}", public=True)
    export_command(private, "gpkg", out / "export.gpkg", public=True)
    assert len(list(out.rglob("*"))) > 30
    leaks = _leaks(out)
    assert leaks == []


def test_public_layers_aggregate_per_municipality(result, scenario):
    pub = public_layers(build_layers(result, scenario))
    actors = pub["actors"].set_index("node")
    agg = actors.loc["agg:Härjedalen"]
    assert agg["name"] == "Härjedalen (aggregated)" and agg["aggregated"] and agg["n_actors"] == 1
    # at the mean position of the municipality's three open actors: it tells nothing of the confidential one
    private = build_layers(result, scenario)["actors"]
    open_actors = private[~private["confidential"]]
    assert len(open_actors) == 3
    assert agg.geometry.x == pytest.approx(open_actors.geometry.x.mean())
    assert agg.geometry.y == pytest.approx(open_actors.geometry.y.mean())
    ex = pub["exchanges"].set_index("link")
    row = ex.loc["aggregated-1"]
    assert (row["supplier_name"], row["quantity"], row["quantity_text"], row["cost"]) == (
        "Härjedalen (aggregated)",
        3300.0,
        "3 300",
        510000.0,
    )
    assert row["geometry_kind"] == "straight" and row["supply"] == ""
    disp = pub["disposal"]
    hidden = disp[disp["actor"] == "agg:Härjedalen"].iloc[0]
    assert (hidden["quantity"], hidden["cost"]) == (990.0, 200000.0)
    # open exchanges keep their exact figures
    assert ex.loc["L_est", "quantity"] == 312.5


def test_small_public_quantities_are_shown_below_ten(result, scenario):
    result.disposal.loc[result.disposal["supply"] == "s_chips_x", "quantity"] = 7.2
    pub = public_layers(build_layers(result, scenario))
    row = pub["disposal"][pub["disposal"]["actor"] == "agg:Härjedalen"].iloc[0]
    assert row["quantity_text"] == "<10" and row["quantity"] != row["quantity"]  # NaN
