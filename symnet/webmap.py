"""The offline HTML map of a result (``map.html``).

Design decision: the map is plain SVG drawn here in Python plus a small inline script
(pan, zoom, popups, layer toggles); no JavaScript library is vendored and nothing is
loaded from a CDN, so the file works from a USB stick with no internet. Features are
drawn in Web Mercator (EPSG:3857) so that, only when ``online_tiles=True``,
OpenStreetMap tiles can be laid under them as ``<image>`` elements.

What is drawn (one SVG element per feature, with a CSS class the tests count):
``path.exchange`` (stroke colour by resource, width by quantity scaled within each
resource from 1.5 to 9 px, since units differ; dashed when the distance is
estimated), ``circle.actor`` (fill by sector), ``rect.site`` (opened green, candidate
grey), ``circle.disposal`` (dark ring, area by quantity within each resource). Clicking
a feature opens a popup with its numbers; the legend lists sectors and resources, and
each resource has a check box that shows/hides its exchanges and disposal.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from symnet.export import (
    format_quantity,
    resource_colour,
    result_layers,
    round_public,
    sector_colour,
    write_text_atomic,
)
from symnet.result import Result
from symnet.scenario import Scenario

WEB_MERCATOR = "EPSG:3857"
TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_EARTH = 20037508.342789244


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _scaled(values: np.ndarray, groups: np.ndarray, low: float, high: float) -> np.ndarray:
    """Values scaled by sqrt into [low, high] within each group (NaN -> low)."""
    out = np.full(len(values), low, dtype=float)
    v = np.nan_to_num(values.astype(float), nan=0.0)
    for g in set(groups.tolist()):
        mask = groups == g
        top = v[mask].max() if mask.any() else 0.0
        if top > 0:
            out[mask] = low + (high - low) * np.sqrt(np.clip(v[mask], 0, None) / top)
    return out


def _popup(pairs: list[tuple[str, str]]) -> str:
    return _esc(json.dumps([[k, v] for k, v in pairs if v not in ("", None)], ensure_ascii=False))


def _money(value: float, currency: str) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{format_quantity(value)} {currency}/yr"


def _km(value: float) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value / 1000:.1f} km"


class _Frame:
    """Maps EPSG:3857 metres to SVG user units (y down)."""

    def __init__(self, bounds: tuple[float, float, float, float]) -> None:
        minx, miny, maxx, maxy = bounds
        span = max(maxx - minx, maxy - miny, 2000.0)
        pad = 0.08 * span
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        self.w = max(maxx - minx, span * 0.6) + 2 * pad
        self.h = max(maxy - miny, span * 0.6) + 2 * pad
        self.x0, self.y1 = cx - self.w / 2, cy + self.h / 2
        self.unit = max(self.w, self.h) / 800.0  # metres per nominal screen pixel

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return x - self.x0, self.y1 - y

    def path(self, coords: Any) -> str:
        pts = [self.xy(x, y) for x, y in coords]
        return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts)


def _tiles(frame: _Frame) -> str:
    """OpenStreetMap tile ``<image>`` elements covering the frame (online use only)."""
    extent = max(frame.w, frame.h)
    z = int(max(0, min(16, math.floor(math.log2(2 * _EARTH / (extent / 3.0))))))
    size = 2 * _EARTH / 2**z
    x_min, x_max = frame.x0, frame.x0 + frame.w
    y_max, y_min = frame.y1, frame.y1 - frame.h
    parts = []
    for tx in range(int((x_min + _EARTH) // size), int((x_max + _EARTH) // size) + 1):
        for ty in range(int((_EARTH - y_max) // size), int((_EARTH - y_min) // size) + 1):
            left, top = frame.xy(-_EARTH + tx * size, _EARTH - ty * size)
            url = TILE_URL.format(z=z, x=tx, y=ty)
            parts.append(f'<image class="tile" href="{_esc(url)}" x="{left:.1f}" y="{top:.1f}" '
                         f'width="{size:.1f}" height="{size:.1f}" opacity="0.75"/>')
    return "".join(parts)


def _svg(layers: dict[str, gpd.GeoDataFrame], currency: str, online_tiles: bool) -> tuple[str, list[str], list[str]]:
    merc = {n: g.to_crs(WEB_MERCATOR) if len(g) else g for n, g in layers.items()}
    non_empty = [g for g in merc.values() if len(g) and g.geometry.notna().any()]
    if non_empty:
        b = np.array([g.geometry.dropna().total_bounds for g in non_empty])
        bounds = (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
    else:
        bounds = (1_600_000.0, 8_800_000.0, 1_610_000.0, 8_810_000.0)
    f = _Frame(bounds)
    parts: list[str] = []
    if online_tiles:
        parts.append(f'<g id="tiles">{_tiles(f)}</g>')

    ex = merc["exchanges"]
    resources: list[str] = sorted(set(ex["resource"]) | set(merc["disposal"]["resource"])) if len(ex) or len(merc["disposal"]) else []
    if len(ex):
        widths = _scaled(ex["quantity"].to_numpy(), ex["resource"].to_numpy(), 1.5, 9.0)
        for (_, row), w in sorted(zip(ex.iterrows(), widths), key=lambda t: -t[1]):
            if row.geometry is None or row.geometry.is_empty:
                continue
            # dash lengths are screen pixels under vector-effect: non-scaling-stroke
            dash = ' stroke-dasharray="10 7"' if row["method"] == "estimated" else ""
            info = _popup([("Exchange", f"{row['supplier_name']} → {row['receiver_name']}"),
                           ("Resource", str(row["resource"]).replace("_", " ")),
                           ("Quantity", f"{row['quantity_text']} {row['unit']}/yr"),
                           ("Cost", _money(row["cost"], currency)), ("Distance", _km(row["distance_m"])),
                           ("Distance method", str(row["method"])), ("Mode", str(row["mode"])),
                           ("Drawn as", "road route" if row["geometry_kind"] == "route" else "straight line"),
                           ("Rounded (confidential)", "yes" if row["confidential"] else "")])
            parts.append(f'<path class="exchange feature" data-resource="{_esc(row["resource"])}" d="{f.path(row.geometry.coords)}" '
                         f'stroke="{resource_colour(str(row["resource"]))}" stroke-width="{w:.2f}"{dash} data-popup="{info}">'
                         f'<title>{_esc(row["supplier_name"])} → {_esc(row["receiver_name"])}: {_esc(row["quantity_text"])} {_esc(row["unit"])}/yr</title></path>')

    disp = merc["disposal"]
    if len(disp):
        radii = _scaled(disp["quantity"].to_numpy(), disp["resource"].to_numpy(), 4.0, 12.0)
        for (_, row), r in zip(disp.iterrows(), radii):
            if row.geometry is None:
                continue
            x, y = f.xy(row.geometry.x, row.geometry.y)
            info = _popup([("Disposal", str(row["actor_name"])), ("Resource", str(row["resource"]).replace("_", " ")),
                           ("Quantity", f"{row['quantity_text']} {row['unit']}/yr"), ("Fate", f"{row['fate']} {row['operation']}".strip()),
                           ("Cost", _money(row["cost"], currency))])
            parts.append(f'<circle class="disposal feature" data-resource="{_esc(row["resource"])}" cx="{x:.1f}" cy="{y:.1f}" '
                         f'r="{r * f.unit:.1f}" data-popup="{info}"><title>{_esc(row["actor_name"])}: {_esc(row["quantity_text"])} '
                         f'{_esc(row["unit"])}/yr {_esc(row["resource"])} to {_esc(row["fate"])}</title></circle>')

    for _, row in merc["sites"].iterrows():
        x, y = f.xy(row.geometry.x, row.geometry.y)
        s = 9 * f.unit
        cls = "opened" if row["opened"] else "candidate"
        info = _popup([("Site", str(row["name"])), ("Facility", str(row["facility"])),
                       ("Status", "opened" if row["opened"] else "candidate (not opened)"),
                       ("Throughput", f"{format_quantity(row['throughput'])} /yr" if row["opened"] else ""),
                       ("Fixed cost", _money(row["fixed_cost"], currency))])
        parts.append(f'<rect class="site {cls} feature" x="{x - s / 2:.1f}" y="{y - s / 2:.1f}" width="{s:.1f}" height="{s:.1f}" '
                     f'data-popup="{info}"><title>{_esc(row["name"])} ({_esc(row["facility"])}, {cls})</title></rect>')

    sectors: list[str] = []
    for _, row in merc["actors"].iterrows():
        x, y = f.xy(row.geometry.x, row.geometry.y)
        sector = str(row["sector"]) or "other"
        if sector not in sectors:
            sectors.append(sector)
        info = _popup([("Actor", str(row["name"])), ("Sector", sector), ("Municipality", str(row["municipality"])),
                       ("Actors aggregated", str(row["n_actors"]) if row["aggregated"] else "")])
        parts.append(f'<circle class="actor feature" cx="{x:.1f}" cy="{y:.1f}" r="{6 * f.unit:.1f}" fill="{sector_colour(sector)}" '
                     f'data-popup="{info}"><title>{_esc(row["name"])} ({_esc(sector)})</title></circle>'
                     f'<text class="label" x="{x + 8 * f.unit:.1f}" y="{y - 6 * f.unit:.1f}" font-size="{11 * f.unit:.1f}">{_esc(row["name"])}</text>')
    svg = (f'<svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {f.w:.1f} {f.h:.1f}" '
           f'data-unit="{f.unit:.4f}" preserveAspectRatio="xMidYMid meet">'
           f'<rect class="background" x="0" y="0" width="{f.w:.1f}" height="{f.h:.1f}"/>{"".join(parts)}</svg>')
    return svg, sorted(sectors), resources


_CSS = """
html,body{margin:0;height:100%;font:14px/1.4 "DejaVu Sans",Arial,sans-serif;color:#222}
#wrap{display:flex;height:100%}
#mapbox{flex:1;position:relative;background:#eef2f5}
#map{width:100%;height:100%;cursor:grab;user-select:none}
#map .background{fill:#eef2f5}
#map .exchange{fill:none;stroke-linecap:round;stroke-linejoin:round;opacity:.85;vector-effect:non-scaling-stroke;cursor:pointer}
#map .actor{stroke:#222;stroke-width:1.2;vector-effect:non-scaling-stroke;cursor:pointer}
#map .site{stroke:#222;stroke-width:1.2;vector-effect:non-scaling-stroke;cursor:pointer}
#map .site.opened{fill:#1a9850}#map .site.candidate{fill:#d9d9d9}
#map .disposal{fill:rgba(40,40,40,.15);stroke:#252525;stroke-width:1.5;vector-effect:non-scaling-stroke;cursor:pointer}
#map .label{fill:#333;paint-order:stroke;stroke:#fff;stroke-width:3px;vector-effect:non-scaling-stroke}
#map .hidden{display:none}
#legend{width:270px;overflow:auto;padding:12px 14px;border-left:1px solid #ccc;background:#fff}
#legend h1{font-size:17px;margin:0 0 4px}#legend h2{font-size:14px;margin:14px 0 4px}
#legend .row{display:flex;align-items:center;gap:6px;margin:2px 0}
#legend .sw{display:inline-block;width:14px;height:14px;border-radius:50%;border:1px solid #333}
#legend .ln{display:inline-block;width:26px;height:5px;border-radius:2px}
#legend .sq{display:inline-block;width:12px;height:12px;border:1px solid #333}
#legend .note{color:#555;font-size:12px}
#popup{position:absolute;display:none;background:#fff;border:1px solid #888;border-radius:4px;padding:8px 10px;
 box-shadow:0 2px 8px rgba(0,0,0,.25);max-width:320px;font-size:13px;z-index:5}
#popup table{border-collapse:collapse}#popup td{padding:1px 6px 1px 0;vertical-align:top}
#popup td:first-child{color:#555}
#attribution{position:absolute;right:4px;bottom:2px;font-size:11px;color:#444;background:rgba(255,255,255,.7)}
"""

_JS = """
(function(){
  var svg=document.getElementById('map'), popup=document.getElementById('popup');
  var vb=svg.viewBox.baseVal, start=null;
  function pt(e){var r=svg.getBoundingClientRect(), s=Math.max(vb.width/r.width, vb.height/r.height);
    return {x:vb.x+(e.clientX-r.left-(r.width-vb.width/s)/2)*s, y:vb.y+(e.clientY-r.top-(r.height-vb.height/s)/2)*s, s:s};}
  svg.addEventListener('wheel',function(e){e.preventDefault();var p=pt(e), k=e.deltaY>0?1.2:1/1.2;
    vb.x=p.x-(p.x-vb.x)*k; vb.y=p.y-(p.y-vb.y)*k; vb.width*=k; vb.height*=k;},{passive:false});
  svg.addEventListener('mousedown',function(e){start={x:e.clientX,y:e.clientY,vx:vb.x,vy:vb.y,s:pt(e).s,moved:false};});
  window.addEventListener('mousemove',function(e){if(!start)return;var dx=e.clientX-start.x, dy=e.clientY-start.y;
    if(Math.abs(dx)+Math.abs(dy)>3)start.moved=true; vb.x=start.vx-dx*start.s; vb.y=start.vy-dy*start.s;});
  window.addEventListener('mouseup',function(){setTimeout(function(){start=null;},0);});
  svg.addEventListener('click',function(e){
    if(start&&start.moved)return;
    var t=e.target.closest?e.target.closest('.feature'):null;
    if(!t){popup.style.display='none';return;}
    var rows=JSON.parse(t.getAttribute('data-popup')||'[]'), table=document.createElement('table');
    rows.forEach(function(r){var tr=document.createElement('tr'), a=document.createElement('td'), b=document.createElement('td');
      a.textContent=r[0]; b.textContent=r[1]; tr.appendChild(a); tr.appendChild(b); table.appendChild(tr);});
    popup.innerHTML=''; popup.appendChild(table);
    var box=document.getElementById('mapbox').getBoundingClientRect();
    popup.style.left=(e.clientX-box.left+12)+'px'; popup.style.top=(e.clientY-box.top+12)+'px'; popup.style.display='block';
  });
  document.querySelectorAll('input.toggle').forEach(function(cb){cb.addEventListener('change',function(){
    var res=cb.getAttribute('data-resource');
    document.querySelectorAll('#map [data-resource]').forEach(function(el){
      if(el.getAttribute('data-resource')===res){el.classList.toggle('hidden',!cb.checked);}});
  });});
})();
"""


def _legend(title: str, sectors: list[str], resources: list[str], kpis: dict[str, Any], currency: str, public: bool) -> str:
    rows = [f"<h1>{_esc(title)}</h1>"]
    if isinstance(kpis.get("savings"), (int, float)) and math.isfinite(kpis["savings"]):
        savings = round_public(kpis["savings"], None) if public else kpis["savings"]
        rows.append(f'<div class="note">Savings against the baseline: {_esc(format_quantity(savings))} {_esc(currency)}/yr</div>')
    if public:
        rows.append('<div class="note">Public version: confidential actors are aggregated per municipality and their figures rounded.</div>')
    rows.append("<h2>Actors by sector</h2>")
    rows += [f'<div class="row"><span class="sw" style="background:{sector_colour(s)}"></span>{_esc(s)}</div>' for s in sectors]
    rows.append("<h2>Exchanges by resource</h2>")
    for r in resources:
        rows.append(f'<label class="row"><input type="checkbox" class="toggle" data-resource="{_esc(r)}" checked>'
                    f'<span class="ln" style="background:{resource_colour(r)}"></span>{_esc(r.replace("_", " "))}</label>')
    rows.append('<div class="note">Line width follows the quantity per year (within each resource); dashed = estimated '
                "distance (no road route found). Click a feature for its numbers; scroll to zoom, drag to pan.</div>")
    rows.append("<h2>Sites and disposal</h2>")
    rows.append('<div class="row"><span class="sq" style="background:#1a9850"></span>site opened</div>')
    rows.append('<div class="row"><span class="sq" style="background:#d9d9d9"></span>candidate site</div>')
    rows.append('<div class="row"><span class="sw" style="background:rgba(40,40,40,.15)"></span>still to landfill/incineration/'
                "other current fate (size by quantity)</div>")
    return f'<div id="legend">{"".join(rows)}</div>'


def map_html(layers: dict[str, gpd.GeoDataFrame], title: str, currency: str = "SEK", kpis: dict[str, Any] | None = None,
             public: bool = False, online_tiles: bool = False) -> str:
    """The self-contained HTML text of the map of ``layers`` (see the module docstring)."""
    svg, sectors, resources = _svg(layers, currency, online_tiles)
    attribution = ('<div id="attribution">Basemap © OpenStreetMap contributors</div>' if online_tiles else "")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{_CSS}</style></head><body><div id=\"wrap\"><div id=\"mapbox\">{svg}<div id=\"popup\"></div>{attribution}</div>"
            f"{_legend(title, sectors, resources, kpis or {}, currency, public)}</div><script>{_JS}</script></body></html>\n")


def write_map_layers(layers: dict[str, gpd.GeoDataFrame], result: Result, path: str | Path, public: bool = False,
                     online_tiles: bool = False, force: bool = False) -> Path:
    """Write the map of already built layers (atomically)."""
    text = map_html(layers, f"{result.scenario}: symbiosis network", result.currency, result.kpis, public, online_tiles)
    return write_text_atomic(path, text, force)


def write_map(result: Result, scenario: Scenario | None, path: str | Path, public: bool = False,
              online_tiles: bool = False, force: bool = False) -> Path:
    """Write ``result`` as a self-contained HTML map.

    Parameters
    ----------
    path : path
        Output ``.html`` file; an existing file is replaced only with ``force``.
    public : bool
        Aggregate confidential actors and streams (see :mod:`symnet.export`).
    online_tiles : bool
        Lay OpenStreetMap tiles under the network (needs internet when viewed);
        off by default, so that the file loads nothing from outside.
    """
    return write_map_layers(result_layers(result, scenario, public), result, path, public, online_tiles, force)
