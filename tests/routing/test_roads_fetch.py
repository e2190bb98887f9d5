"""`symnet roads fetch` end to end against a loopback HTTP server standing in for
Geofabrik (serving the real Andorra extract, with HTTP Range and an .md5 file)."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from symnet.cli import app
from symnet.routing.fetch import bbox_with_margin, geofabrik_url
from symnet.routing.yaml_edit import with_network_osm

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "andorra"
PBF_PATH = "/europe/andorra-latest.osm.pbf"
runner = CliRunner()


@dataclass
class Geofabrik:
    """What the loopback server serves and what it saw."""

    data: bytes
    md5: str | None
    cut_first_at: int | None = None  # send only this many bytes of the first full GET, then drop
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)
    base: str = ""

    @property
    def url(self) -> str:
        return self.base + PBF_PATH


def _handler(state: Geofabrik) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            rng = self.headers.get("Range")
            state.requests.append((self.path, rng))
            if self.path == PBF_PATH + ".md5" and state.md5 is not None:
                body = f"{state.md5}  andorra-latest.osm.pbf\n".encode()
                self._send(200, body, len(body))
            elif self.path == PBF_PATH:
                self._send_pbf(rng)
            else:
                self._send(404, b"not found", 9)

        def _send_pbf(self, rng: str | None) -> None:
            data = state.data
            start = int(rng.split("=")[1].split("-")[0]) if rng else 0
            if start >= len(data):
                self._send(416, b"", 0)
                return
            body = data[start:]
            if rng is None and state.cut_first_at is not None:
                cut, state.cut_first_at = state.cut_first_at, None
                self._send(200, body[:cut], len(body))  # promises everything, sends part
                self.close_connection = True
                return
            extra = {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"} if rng else {}
            self._send(206 if rng else 200, body, len(body), extra)

        def _send(self, code: int, body: bytes, length: int, extra: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

    return Handler


@pytest.fixture()
def geofabrik(andorra_pbf: Path) -> Iterator[Geofabrik]:
    data = andorra_pbf.read_bytes()
    state = Geofabrik(data, hashlib.md5(data).hexdigest())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository layout with the Andorra fixture as scenarios/andorra, network.osm unset."""
    folder = tmp_path / "repo" / "scenarios" / "andorra"
    shutil.copytree(FIXTURE, folder)
    y = folder / "scenario.yaml"
    text = y.read_text(encoding="utf-8")
    text = text.replace("  osm: ../../../../shared/data/osm/andorra.osm.pbf\n", "  osm: null   # to be fetched\n")
    y.write_text("# keep this comment\n" + text, encoding="utf-8")
    monkeypatch.setenv("SYMNET_CACHE_DIR", str(tmp_path / "cache" / "roads"))
    return folder


def _fetch(folder: Path, url: str, *extra: str):
    return runner.invoke(app, ["roads", "fetch", str(folder), "--url", url, "--margin-km", "2", *extra])


@pytest.mark.allow_hosts(["127.0.0.1"])
@pytest.mark.timeout(180)
def test_fetch_clip_and_routed_run(geofabrik: Geofabrik, repo: Path, tmp_path: Path) -> None:
    before = (repo / "scenario.yaml").read_text(encoding="utf-8")
    res = _fetch(repo, geofabrik.url)
    assert res.exit_code == 0, res.output
    out = repo.parent.parent / "gis" / "andorra-roads.osm.pbf"
    assert out.is_file() and 0 < out.stat().st_size < len(geofabrik.data)
    notice = (repo.parent.parent / "gis" / "andorra-roads.txt").read_text(encoding="utf-8")
    assert "Open Database License" in notice and geofabrik.url in notice and "Downloaded: 20" in notice
    assert f"md5 {geofabrik.md5}" in notice
    after = (repo / "scenario.yaml").read_text(encoding="utf-8")
    # only the osm line changed; comments and everything else kept
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 1 and changed[0][1].startswith('  osm: "../../gis/andorra-roads.osm.pbf"')
    assert len(before.splitlines()) == len(after.splitlines()) and after.startswith("# keep this comment\n")
    assert yaml.safe_load(after)["network"]["osm"] == "../../gis/andorra-roads.osm.pbf"
    # the clip keeps the roads the actors use: every actor is on the network of the clip
    from symnet.routing import load_road_graph, snap_points
    from symnet.scenario import load_scenario

    sc = load_scenario(repo)
    g = load_road_graph(out, cache_dir=tmp_path / "c")
    snap = snap_points(g, [a.id for a in sc.actors], [a.lon for a in sc.actors], [a.lat for a in sc.actors])
    assert not snap.far.any()
    lon = [a.lon for a in sc.actors]
    lat = [a.lat for a in sc.actors]
    w, s, e, n = bbox_with_margin(lon, lat, 2.0)
    inside = (g.lon >= w) & (g.lon <= e) & (g.lat >= s) & (g.lat <= n)
    assert inside.mean() > 0.5  # mostly the box; the rest are whole ways leaving it
    # a routed run on the fetched roads
    run = runner.invoke(app, ["run", str(repo), "--out", str(tmp_path / "out")])
    assert run.exit_code == 0, run.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["distances"].startswith("routed on andorra-roads.osm.pbf")
    # the clip spans the four towns: the circuity is calibrated on it, and says so
    assert "calibrated on" in summary["distances"] and "routed pairs" in summary["distances"]
    flows = (tmp_path / "out" / "flows.csv").read_text(encoding="utf-8")
    assert ",routed," in flows


@pytest.mark.allow_hosts(["127.0.0.1"])
@pytest.mark.timeout(120)
def test_interrupted_download_resumes(geofabrik: Geofabrik, repo: Path, tmp_path: Path) -> None:
    geofabrik.cut_first_at = len(geofabrik.data) // 3
    before = (repo / "scenario.yaml").read_text(encoding="utf-8")
    first = _fetch(repo, geofabrik.url)
    assert first.exit_code == 2, first.output
    assert "interrupted" in first.output and "run the command again to resume" in first.output
    assert (repo / "scenario.yaml").read_text(encoding="utf-8") == before
    assert not (repo.parent.parent / "gis").exists()
    part = tmp_path / "cache" / "downloads" / "andorra-latest.osm.pbf.part"
    assert part.stat().st_size == len(geofabrik.data) // 3
    second = _fetch(repo, geofabrik.url, "--no-edit")
    assert second.exit_code == 0, second.output
    ranges = [r for p, r in geofabrik.requests if p == PBF_PATH]
    assert ranges == [None, f"bytes={len(geofabrik.data) // 3}-"]
    done = tmp_path / "cache" / "downloads" / "andorra-latest.osm.pbf"
    assert done.read_bytes() == geofabrik.data and not part.exists()
    # --no-edit prints the line and leaves scenario.yaml alone
    assert 'osm: "../../gis/andorra-roads.osm.pbf"' in second.output
    assert (repo / "scenario.yaml").read_text(encoding="utf-8") == before


@pytest.mark.allow_hosts(["127.0.0.1"])
@pytest.mark.timeout(120)
def test_corrupt_download_rejected(geofabrik: Geofabrik, repo: Path, tmp_path: Path) -> None:
    bad = bytearray(geofabrik.data)
    bad[len(bad) // 2] ^= 0xFF
    geofabrik.data = bytes(bad)  # the md5 still is that of the real file
    before = (repo / "scenario.yaml").read_text(encoding="utf-8")
    res = _fetch(repo, geofabrik.url)
    assert res.exit_code == 2, res.output
    assert "corrupt download: md5" in res.output and "Traceback" not in res.output
    assert (repo / "scenario.yaml").read_text(encoding="utf-8") == before
    assert not (repo.parent.parent / "gis").exists()
    assert not list((tmp_path / "cache" / "downloads").iterdir())  # no .part kept


@pytest.mark.allow_hosts(["127.0.0.1"])
@pytest.mark.timeout(120)
def test_truncated_file_without_checksum_rejected(geofabrik: Geofabrik, repo: Path) -> None:
    geofabrik.data = geofabrik.data[: len(geofabrik.data) // 2]
    geofabrik.md5 = None  # nothing to check against: the reader must notice
    before = (repo / "scenario.yaml").read_text(encoding="utf-8")
    res = _fetch(repo, geofabrik.url)
    assert res.exit_code == 2, res.output
    assert "not a readable OSM extract" in res.output
    assert (repo / "scenario.yaml").read_text(encoding="utf-8") == before
    assert not (repo.parent.parent / "gis").exists()


def test_geofabrik_url_and_unknown_country() -> None:
    assert geofabrik_url("SE") == "https://download.geofabrik.de/europe/sweden-latest.osm.pbf"
    assert geofabrik_url("ad") == "https://download.geofabrik.de/europe/andorra-latest.osm.pbf"
    from symnet.errors import InputError

    with pytest.raises(InputError, match="scenario.yaml:country: no Geofabrik extract known for country 'XX'"):
        geofabrik_url("XX")


def test_yaml_edit_layouts(tmp_path: Path) -> None:
    p = tmp_path / "scenario.yaml"
    p.write_text("name: x\nnetwork:\n  # roads\n  circuity: 1.4\nsolver: {name: highs}\n", encoding="utf-8")
    new = with_network_osm(p, "../../gis/x.osm.pbf")
    assert new == 'name: x\nnetwork:\n  osm: "../../gis/x.osm.pbf"\n  # roads\n  circuity: 1.4\nsolver: {name: highs}\n'
    p.write_text("name: x\nnetwork: {circuity: 1.5}\n", encoding="utf-8")
    assert with_network_osm(p, "a.pbf") is None  # flow style: print the line instead
    p.write_text("name: x\n", encoding="utf-8")
    assert yaml.safe_load(with_network_osm(p, "a.pbf") or "") == {"name": "x", "network": {"osm": "a.pbf"}}


def test_overpass_graph_written_as_osm_keeps_the_roads(tiny_osm: Path, tmp_path: Path) -> None:
    """The --overpass path writes the osmnx graph as OSM XML and clips it like a PBF;
    here the graph comes from a local file instead of the Overpass API."""
    import osmnx as ox

    from symnet.routing import build_road_graph
    from symnet.routing.fetch import clip_roads, osmnx_osm_file

    xml = osmnx_osm_file(lambda: ox.graph_from_xml(tiny_osm, simplify=False, retain_all=True), tmp_path / "o.osm")
    assert ox.settings.all_oneway is False  # restored
    clipped = tmp_path / "clip.osm.pbf"
    clip_roads(xml, clipped, (14.9, 59.9, 15.1, 60.1))

    def edges(g):
        return sorted(
            (int(g.node_id[a]), int(g.node_id[b]), round(float(t), 6)) for a, b, t in zip(g.u, g.v, g.travel_time)
        )

    assert edges(build_road_graph(clipped)) == edges(build_road_graph(tiny_osm))


def test_clip_keeps_roads_and_ferries_only() -> None:
    from symnet.routing.fetch import _keep_way

    assert _keep_way({"route": "ferry"}) and _keep_way({"highway": "track"}) and _keep_way({"highway": "primary"})
    assert not _keep_way({"highway": "footway"}) and not _keep_way({"waterway": "river"})
    assert not _keep_way({"highway": "residential", "access": "private"})
