"""map.html and report.html in a real headless Chromium (Debian package) through
playwright: no console errors, no request leaves the file, features drawn, screenshot
not blank."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from symnet.outputs import write_outputs

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed; run tools/system-deps.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, path: Path):
    # offline, as on a USB stick with no network: the map shows its embedded context layer
    page = browser.new_page(viewport={"width": 1200, "height": 800}, offline=True)
    errors: list[str] = []
    external: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors, external


def _colours(png: bytes) -> int:
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    return len(np.unique(img, axis=0))


def test_map_in_chromium(browser, result, scenario, tmp_path):
    write_outputs(result, scenario, tmp_path)
    page, errors, external = _open(browser, tmp_path / "map.html")
    assert page.locator("path.exchange").count() == 3
    assert page.locator("path.actor").count() == 4
    assert page.locator("div.site").count() == 2
    assert page.locator("path.disposal").count() == 4
    assert page.locator("#legend").count() == 1 and "Exchanges by resource" in page.inner_text("#legend")
    # popup with the link's numbers
    page.locator("path.exchange[data-resource='spent_grain']").dispatch_event("click")
    assert "312 t/yr" in page.inner_text(".leaflet-popup-content")
    # the layer control hides the resource's exchanges
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("spent grain").uncheck()
    assert page.locator("path.exchange[data-resource='spent_grain']").count() == 0
    page.get_by_label("spent grain").check()
    assert page.locator("path.exchange[data-resource='spent_grain']").count() == 1
    shot = page.screenshot()
    (tmp_path / "map-screenshot.png").write_bytes(shot)
    assert _colours(shot) > 50
    assert errors == [] and external == []
    page.close()


def test_report_in_chromium(browser, result, scenario, tmp_path):
    write_outputs(result, scenario, tmp_path, public=True)
    page, errors, external = _open(browser, tmp_path / "report.html")
    assert page.locator("img").count() == 4
    # every chart decoded (naturalWidth > 0) from its data URI
    widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
    assert all(w > 300 for w in widths)
    assert "Savings against the baseline" in page.inner_text("body")
    shot = page.screenshot()
    assert _colours(shot) > 100
    assert errors == [] and external == []
    page.close()


def test_tiles_only_with_the_osm_basemap(result, scenario, tmp_path):
    from symnet.outputs import write_map

    none = write_map(result, scenario, tmp_path / "off.html", basemap="none").read_text("utf-8")
    osm = write_map(result, scenario, tmp_path / "on.html").read_text("utf-8")
    assert "tile.openstreetmap.org" not in none
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in osm and "OpenStreetMap contributors" in osm
    # nothing is loaded from outside: no remote script, style, image or import (the URLs left are
    # the SVG namespace and links in Leaflet's comments)
    loads = none.replace('href="https://leafletjs.com"', "")  # Leaflet's credit link (a link, not a load)
    assert not re.search(r"(src|href)=[\"']?https?:|url\(\s*[\"']?https?:|@import", loads)


_VISIBLE_LABEL_BOXES = """() => Array.from(document.querySelectorAll('#map .leaflet-tooltip.label, #map .place-label span'))
    .filter(t => getComputedStyle(t).visibility !== 'hidden').map(t => {const r = t.getBoundingClientRect();
    return {text: t.textContent, l: r.left, r: r.right, t: r.top, b: r.bottom};})"""


def _overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    return [
        (a["text"], b["text"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if not (a["r"] < b["l"] or b["r"] < a["l"] or a["b"] < b["t"] or b["b"] < a["t"])
    ]


def test_map_declutters_labels_and_draws_a_true_scale_bar(browser, result, scenario, tmp_path):
    """Sveg CHP and Sveg Bryggeri are 540 m apart on a map about 130 km wide: only one of
    their labels shows until the user zooms in; no visible labels overlap."""
    write_outputs(result, scenario, tmp_path)
    page, errors, external = _open(browser, tmp_path / "map.html")
    boxes = page.evaluate(_VISIBLE_LABEL_BOXES)
    texts = [b["text"] for b in boxes]
    assert len({"Sveg Energi kraftvärmeverk", "Sveg Bryggeri"} & set(texts)) <= 1 and "Hede Gård" in texts
    assert _overlapping(boxes) == []
    # opened and candidate sites are told apart, and the opened one is labelled as such
    assert page.locator("div.site.opened").count() == 1 and page.locator("div.site.candidate").count() == 1
    assert "Sveg greenhouse site (opened greenhouse)" in texts
    # the scale bar: km per pixel agrees with the great-circle distance between two actors
    text = page.inner_text(".leaflet-control-scale-line")
    assert re.fullmatch(r"\d+ km", text)
    bar_px = page.eval_on_selector(".leaflet-control-scale-line", "e => e.getBoundingClientRect().width")
    assert 40 <= bar_px <= 151
    centre = "e => {const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];}"
    farm = page.eval_on_selector("path.actor[data-node='hede_farm']", centre)
    chp = page.eval_on_selector("path.actor[data-node='sveg_chp']", centre)
    km_per_px = _haversine_km(13.5, 62.417, 14.357, 62.035) / math.dist(farm, chp)
    # Leaflet measures its scale bar at the map's vertical centre (Web Mercator varies with latitude)
    assert int(text.split()[0]) / bar_px == pytest.approx(km_per_px, rel=0.05)
    # zooming in on Sveg (the mouse wheel over the CHP, then centred on it) shows both names, without overlaps
    page.mouse.move(*chp)
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(300)
    page.evaluate("window.symnetMap.setView([62.033, 14.3595], 14)")
    page.wait_for_timeout(300)
    boxes = page.evaluate(_VISIBLE_LABEL_BOXES)
    assert {"Sveg Energi kraftvärmeverk", "Sveg Bryggeri"} <= {b["text"] for b in boxes}
    assert _overlapping(boxes) == []
    assert errors == [] and external == []
    page.close()


def _haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_make_run_outputs_show_the_harjedalen_network(browser, tmp_path):
    """What `make run` writes (the default scenario, end to end) opens in a real browser:
    every actor and every active exchange is drawn, the report names the opened site."""
    import json

    from typer.testing import CliRunner

    from symnet.cli import app

    scenario_dir = Path(__file__).resolve().parents[2] / "scenarios" / "harjedalen"
    out = tmp_path / "harjedalen"
    run = CliRunner().invoke(app, ["run", str(scenario_dir), "--out", str(out)])
    assert run.exit_code == 0, run.output
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    n_actors = sum(1 for line in (scenario_dir / "actors.csv").read_text("utf-8").splitlines()[1:] if line.strip())

    page, errors, external = _open(browser, out / "map.html")
    assert page.locator("path.exchange").count() == summary["active_links"] > 0
    assert page.locator("path.actor").count() == n_actors
    assert page.locator("div.site.opened").count() == len(summary["opened_sites"]) >= 1
    shot = page.screenshot()
    (tmp_path / "map.png").write_bytes(shot)
    assert _colours(shot) > 50
    assert errors == [] and external == []
    page.close()

    page, errors, external = _open(browser, out / "report.html")
    body = page.inner_text("body")
    assert "Härjedalen" in body and "The optimum opens a greenhouse" in body
    assert page.locator("img").count() == 4
    assert all(w > 300 for w in page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)"))
    assert _colours(page.screenshot()) > 100
    assert errors == [] and external == []
    page.close()
