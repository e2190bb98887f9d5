"""The Leaflet map (map.html) in real headless Chromium: offline with every request blocked,
with a loopback tile server standing in for tile.openstreetmap.org, and with no basemap;
plus the context layer (major roads of the real Andorra extract, its OSM towns)."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import test_browser
from PIL import Image, ImageDraw

from symnet.outputs import result_layers
from symnet.outputs.context import MAJOR_ROADS, MapContext, map_context, municipality_places, place_nodes, road_context
from symnet.outputs.webmap import OSM_TILE_URL, map_html
from symnet.routing import load_road_graph

pytestmark = pytest.mark.browser

browser = test_browser.browser  # the headless system Chromium fixture of test_browser.py
_colours = test_browser._colours

ROOT = Path(__file__).resolve().parents[2]
ANDORRA_PBF = ROOT.parent / "shared" / "data" / "osm" / "andorra.osm.pbf"
ANDORRA_TOWNS = {"Andorra la Vella", "Canillo", "Encamp", "La Massana", "Ordino", "Sant Julià de Lòria", "les Escaldes"}


def _page(browser, path: Path, *, offline: bool, allow: tuple[str, ...] = ()):
    """Open ``path``; every request except the file itself and ``allow`` prefixes is aborted
    and recorded (``external``); console errors and page errors are recorded (``errors``)."""
    context = browser.new_context(viewport={"width": 1200, "height": 800}, offline=offline)
    page = context.new_page()
    errors: list[str] = []
    external: list[str] = []
    allowed: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:")):
            r.continue_()
        elif allow and url.startswith(allow):
            allowed.append(url)
            r.continue_()
        else:
            external.append(url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']")
    return context, page, errors, external, allowed


def _write(tmp_path: Path, name: str, layers, **kwargs) -> Path:
    path = tmp_path / name
    path.write_text(map_html(layers, "Test map", "SEK", {"savings": 123456.0}, **kwargs), "utf-8")
    return path


# --------------------------------------------------------------------------------- tiles
def _tile_png() -> bytes:
    img = Image.new("RGB", (256, 256), (214, 230, 214))
    d = ImageDraw.Draw(img)
    for k in range(0, 256, 32):
        d.line([(k, 0), (k, 255)], fill=(180, 200, 180))
        d.line([(0, k), (255, k)], fill=(180, 200, 180))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def tile_server():
    """A loopback HTTP server answering every /z/x/y.png with a generated tile; yields
    (url template, list of requested paths)."""
    png = _tile_png()
    hits: list[str] = []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            parts = self.path.strip("/").removesuffix(".png").split("/")
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(png)))
                self.end_headers()
                self.wfile.write(png)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# ------------------------------------------------------------------- hand-made result
def test_offline_map_draws_every_feature_and_makes_no_request(browser, result, scenario, tmp_path):
    path = _write(tmp_path, "map.html", result_layers(result, scenario))
    context, page, errors, external, _ = _page(browser, path, offline=True)
    assert page.locator("path.exchange").count() == 3
    assert page.locator("path.actor").count() == 4
    assert page.locator("div.site").count() == 2
    assert page.locator("div.site.opened").count() == 1 and page.locator("div.site.candidate").count() == 1
    assert page.locator("path.disposal").count() == 4
    assert page.locator("img.leaflet-tile").count() == 0
    assert "Offline" in page.inner_text("#mapnote")
    assert page.locator(".leaflet-control-scale-line").count() == 1
    # the estimated link is dashed, the routed ones are not
    assert page.locator("path.exchange.estimated").count() == 1
    assert page.locator("path.exchange.estimated").get_attribute("stroke-dasharray") == "10 7"
    # popup with the link's numbers
    page.locator("path.exchange[data-resource='spent_grain']").dispatch_event("click")
    assert "312 t/yr" in page.inner_text(".leaflet-popup-content")
    # the layer control hides one resource (its exchange and its disposal)
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("spent grain").uncheck()
    assert page.locator("path.exchange[data-resource='spent_grain']").count() == 0
    assert page.locator("path.exchange").count() == 2
    page.get_by_label("spent grain").check()
    assert page.locator("path.exchange[data-resource='spent_grain']").count() == 1
    # the legend lists only what is drawn: no road classes, no towns, no ended/existing links
    legend = page.inner_text("#legend")
    assert "estimated distance" in legend and "site opened by the optimum" in legend
    assert "road" not in legend.replace("no road route", "") and "existing exchange" not in legend
    assert "town (OpenStreetMap place)" not in legend and "municipality" in legend
    # ash is only disposed of (no exchange): no line swatch for it, a note instead
    assert "Not exchanged, only left to their current fate: ash." in legend
    assert page.locator("#legend .row", has_text="ash").count() == 0
    shot = page.screenshot()
    assert _colours(shot) > 50
    assert errors == [] and external == []
    context.close()


def test_names_from_input_are_text_never_markup(browser, result, scenario, tmp_path):
    layers = result_layers(result, scenario)
    evil = "<svg onload=window.pwned=1></svg><img src=x onerror=window.pwned=2></script>"
    layers["actors"].loc[layers["actors"]["node"] == "hede_farm", "name"] = evil
    layers["exchanges"]["resource"] = layers["exchanges"]["resource"].replace("spent_grain", "<b onclick=x>grain")
    path = _write(tmp_path, "evil.html", layers, basemap="none")
    assert "<svg onload" not in path.read_text("utf-8")
    context, page, errors, external, _ = _page(browser, path, offline=True)
    assert page.evaluate("window.pwned === undefined")
    assert page.locator("#map svg[onload], #map img[onerror], b[onclick]").count() == 0
    assert evil in page.eval_on_selector_all(".actor-label", "els => els.map(e => e.textContent)")
    page.locator("path.actor[data-node='hede_farm']").dispatch_event("click")
    assert evil in page.inner_text(".leaflet-popup-content")
    assert page.locator("path.exchange").count() == 3
    assert errors == [] and external == []
    context.close()


@pytest.mark.enable_socket
def test_tiles_from_a_loopback_tile_server_are_requested_and_drawn(browser, result, scenario, tmp_path, tile_server):
    url, hits = tile_server
    path = _write(tmp_path, "tiles.html", result_layers(result, scenario), basemap="osm", tile_url=url)
    context, page, errors, external, allowed = _page(browser, path, offline=False, allow=(url.split("{z}")[0],))
    page.wait_for_function("document.querySelectorAll('img.leaflet-tile-loaded').length >= 4", timeout=15_000)
    loaded = page.locator("img.leaflet-tile-loaded").count()
    assert loaded >= 4 and len(hits) >= loaded and all(h.endswith(".png") for h in hits)
    assert len(allowed) == len(hits)
    assert not page.locator("#mapnote").is_visible()
    assert "© OpenStreetMap contributors" in page.inner_text(".leaflet-control-attribution")
    assert page.locator("path.exchange").count() == 3
    (tmp_path / "tiles.png").write_bytes(page.screenshot())
    assert errors == [] and external == []
    context.close()


def test_basemap_none_makes_no_request_even_online(browser, result, scenario, tmp_path):
    path = _write(tmp_path, "none.html", result_layers(result, scenario), basemap="none")
    text = path.read_text("utf-8")
    assert OSM_TILE_URL not in text and "tile.openstreetmap.org" not in text
    context, page, errors, external, _ = _page(browser, path, offline=False)
    page.wait_for_timeout(300)
    assert page.locator("img").count() == 0
    assert page.locator("path.actor").count() == 4
    assert errors == [] and external == []
    context.close()


def test_public_map_shows_the_aggregated_layers(browser, result, scenario, tmp_path):
    from export_data import CONFIDENTIAL_NAME

    path = _write(tmp_path, "public.html", result_layers(result, scenario, public=True), public=True, basemap="none")
    assert CONFIDENTIAL_NAME not in path.read_text("utf-8")
    context, page, errors, external, _ = _page(browser, path, offline=True)
    assert "Public version" in page.inner_text("#legend")
    assert any("(aggregated)" in t for t in page.locator(".actor-label").all_inner_texts())
    assert errors == [] and external == []
    context.close()


def test_exchange_status_styles_existing_and_ended(browser, result, scenario, tmp_path):
    layers = result_layers(result, scenario)
    layers["exchanges"]["status"] = ["existing", "ended", None]
    path = _write(tmp_path, "status.html", layers, basemap="none")
    context, page, errors, external, _ = _page(browser, path, offline=True)
    assert page.locator("path.exchange.status-existing").count() == 1
    assert page.locator("path.exchange.status-ended").count() == 1
    assert page.locator("path.exchange.status-new").count() == 1
    assert page.locator("path.casing").count() == 1  # the existing link's dark outline
    legend = page.inner_text("#legend")
    assert "existing exchange" in legend and "ended exchange" in legend and "new exchange" in legend
    assert errors == []
    context.close()


# ------------------------------------------------------------- context layer (real data)
@pytest.fixture(scope="module")
def andorra_graph(tmp_path_factory):
    return load_road_graph(ANDORRA_PBF, crs="EPSG:25831", cache_dir=tmp_path_factory.mktemp("cache"))


def test_road_context_keeps_major_roads_within_the_vertex_cap(andorra_graph):
    roads = road_context(andorra_graph)
    assert roads and {r.kind for r in roads} == {"primary", "secondary"}  # Andorra has no motorway/trunk
    assert road_context(andorra_graph) == roads  # deterministic
    capped = road_context(andorra_graph, max_vertices=700)
    assert 0 < sum(len(r.coords) for r in capped) <= 700
    assert {r.kind for r in capped} == {"primary"}  # secondary roads give way first
    # clipped to the area (plus margin): nothing far outside the bounds survives
    w, s, e, n = 1.50, 42.50, 1.56, 42.55
    near = road_context(andorra_graph, (w, s, e, n), margin_m=1000)
    lons = [x for r in near for x, _ in r.coords]
    lats = [y for r in near for _, y in r.coords]
    assert near and min(lons) >= w - 0.02 and max(lons) <= e + 0.02 and min(lats) >= s - 0.01 and max(lats) <= n + 0.01
    assert all(r.kind in MAJOR_ROADS for r in near)


def test_place_nodes_and_municipality_labels(result, scenario):
    towns = place_nodes(ANDORRA_PBF)
    assert {p.name for p in towns} == ANDORRA_TOWNS and {p.kind for p in towns} == {"town"}
    assert place_nodes(ANDORRA_PBF, (1.3, 42.3, 1.51, 42.48)) == [p for p in towns if p.name == "Sant Julià de Lòria"]
    actors = result_layers(result, scenario)["actors"].to_crs("EPSG:4326")
    (m,) = municipality_places(actors)
    assert m.name == "Härjedalen" and m.kind == "municipality"
    assert m.lon == pytest.approx((14.357 + 14.362 + 13.5 + 12.533) / 4, abs=1e-5)
    assert m.lat == pytest.approx((62.035 + 62.031 + 62.417 + 62.533) / 4, abs=1e-5)


# ----------------------------------------------------------- screenshots of the real runs
def _run_map(folder: Path, tmp_path: Path, name: str, basemap: str, tile_url: str = OSM_TILE_URL) -> tuple[Path, int]:
    from symnet.pipeline import run_scenario
    from symnet.scenario import load_scenario

    sc = load_scenario(folder, allow_outside=True)  # the Andorra fixture reads the shared extract
    run = run_scenario(sc, cache_dir=tmp_path / "cache")
    layers = result_layers(run.result, sc)
    graph = run.distances.router.graph if run.distances.router is not None else None
    ctx = map_context(graph, sc.osm_path(), tuple(layers["actors"].to_crs("EPSG:4326").total_bounds))
    html = map_html(
        layers,
        f"{sc.name}: symbiosis network",
        run.result.currency,
        run.result.kpis,
        basemap=basemap,
        tile_url=tile_url,
        context=ctx,
    )
    path = tmp_path / f"{name}.html"
    path.write_text(html, "utf-8")
    return path, int(run.result.kpis["active_links"])


@pytest.mark.slow
@pytest.mark.enable_socket
@pytest.mark.parametrize("region", ["harjedalen", "andorra"])
def test_screenshots_of_the_real_maps(browser, tmp_path, tile_server, region):
    """The Härjedalen scenario (estimated distances) and the routed Andorra fixture (real
    extract: roads and towns), offline and on the loopback tiles; the screenshots are kept
    in tmp_path (docs/img holds the chosen ones)."""
    folder = ROOT / ("scenarios/harjedalen" if region == "harjedalen" else "tests/fixtures/andorra")
    url, hits = tile_server
    offline, links = _run_map(folder, tmp_path, f"{region}-offline", "osm")
    assert offline.stat().st_size < 600_000
    context, page, errors, external, _ = _page(browser, offline, offline=True)
    assert page.locator("path.exchange").count() == links > 0
    if region == "andorra":
        assert page.locator("path.road").count() == 2  # one path per road class present
        shown = [t for t in page.locator(".place-label:not(.off)").all_inner_texts()]
        assert len(set(shown) & ANDORRA_TOWNS) >= 4
        assert "primary road" in page.inner_text("#legend") and "OpenStreetMap contributors" in page.inner_text(
            "#legend"
        )
    shot = page.screenshot()
    (tmp_path / f"map-{region}-offline.png").write_bytes(shot)
    assert _colours(shot) > 50
    assert errors == [] and external == []
    context.close()

    online, _ = _run_map(folder, tmp_path, f"{region}-tiles", "osm", url)
    context, page, errors, external, _ = _page(browser, online, offline=False, allow=(url.split("{z}")[0],))
    page.wait_for_function("document.querySelectorAll('img.leaflet-tile-loaded').length >= 4", timeout=15_000)
    assert page.locator("path.exchange").count() == links
    (tmp_path / f"map-{region}-tiles.png").write_bytes(page.screenshot())
    assert errors == [] and external == []
    context.close()


def test_empty_context_is_not_osm():
    assert not MapContext().from_osm


# ------------------------------------------------------------------------- symnet run
def _cli(*args: str):
    from typer.testing import CliRunner

    from symnet.cli import app

    return CliRunner().invoke(app, list(args))


def test_run_basemap_option_and_scenario_setting(tmp_path):
    import shutil

    tiny = ROOT / "tests" / "fixtures" / "tiny"
    default = _cli("run", str(tiny), "--out", str(tmp_path / "osm"))
    assert default.exit_code == 0, default.output
    assert "tile.openstreetmap.org" in (tmp_path / "osm" / "map.html").read_text("utf-8")
    none = _cli("run", str(tiny), "--out", str(tmp_path / "none"), "--basemap", "none")
    assert none.exit_code == 0, none.output
    assert "tile.openstreetmap.org" not in (tmp_path / "none" / "map.html").read_text("utf-8")
    bad = _cli("run", str(tiny), "--out", str(tmp_path / "bad"), "--basemap", "satellite")
    assert bad.exit_code == 2 and "--basemap: 'satellite' is not a basemap; expected osm or none" in bad.output
    assert "Traceback" not in bad.output and not (tmp_path / "bad").exists()
    # the scenario setting, and the command line overriding it
    folder = tmp_path / "scenario"
    shutil.copytree(tiny, folder)
    with (folder / "scenario.yaml").open("a", encoding="utf-8") as f:
        f.write("map: {basemap: none}\n")
    assert _cli("run", str(folder), "--out", str(tmp_path / "s-none")).exit_code == 0
    assert "tile.openstreetmap.org" not in (tmp_path / "s-none" / "map.html").read_text("utf-8")
    assert _cli("run", str(folder), "--out", str(tmp_path / "s-osm"), "--basemap", "osm").exit_code == 0
    assert "tile.openstreetmap.org" in (tmp_path / "s-osm" / "map.html").read_text("utf-8")
    text = (folder / "scenario.yaml").read_text("utf-8").replace("map: {basemap: none}", "map: {basemap: satellite}")
    (folder / "scenario.yaml").write_text(text, "utf-8")
    wrong = _cli("run", str(folder), "--out", str(tmp_path / "s-bad"))
    assert wrong.exit_code == 2 and "scenario.yaml" in wrong.output and "basemap" in wrong.output
    assert "Traceback" not in wrong.output and not (tmp_path / "s-bad").exists()
