"""map.html and report.html in a real headless Chromium (Debian package) through
playwright: no console errors, no request leaves the file, features drawn, screenshot
not blank."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from symnet.export import write_outputs

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


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
    page = browser.new_page(viewport={"width": 1200, "height": 800})
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
    assert page.locator("circle.actor").count() == 4
    assert page.locator("rect.site").count() == 2
    assert page.locator("circle.disposal").count() == 4
    assert page.locator("#legend").count() == 1 and "Exchanges by resource" in page.inner_text("#legend")
    # popup with the link's numbers
    page.locator("path.exchange[data-resource='spent_grain']").dispatch_event("click")
    assert "312 t/yr" in page.inner_text("#popup")
    # the toggle hides the resource's exchanges
    page.locator("input.toggle[data-resource='spent_grain']").uncheck()
    assert not page.locator("path.exchange[data-resource='spent_grain']").is_visible()
    page.locator("input.toggle[data-resource='spent_grain']").check()
    shot = page.screenshot()
    (tmp_path / "map-screenshot.png").write_bytes(shot)
    assert _colours(shot) > 50
    assert errors == [] and external == []
    page.close()


def test_report_in_chromium(browser, result, scenario, tmp_path):
    write_outputs(result, scenario, tmp_path, public=True)
    page, errors, external = _open(browser, tmp_path / "report.html")
    assert page.locator("img").count() == 3
    # every chart decoded (naturalWidth > 0) from its data URI
    widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
    assert all(w > 300 for w in widths)
    assert "Savings against the baseline" in page.inner_text("body")
    shot = page.screenshot()
    assert _colours(shot) > 100
    assert errors == [] and external == []
    page.close()


def test_online_tiles_only_when_asked(result, scenario, tmp_path):
    from symnet.webmap import write_map

    offline = write_map(result, scenario, tmp_path / "off.html").read_text("utf-8")
    online = write_map(result, scenario, tmp_path / "on.html", online_tiles=True).read_text("utf-8")
    assert "http" not in offline.replace("http://www.w3.org/2000/svg", "").replace("http://mrcc.com", "")
    assert "https://tile.openstreetmap.org/" in online and "OpenStreetMap contributors" in online
