"""The offline HTML map of a result (``map.html``).

Design decision: the map is plain SVG drawn here in Python plus a small inline script
(pan, zoom, popups, layer toggles); no JavaScript library is vendored and nothing is
loaded from a CDN, so the file works from a USB stick with no internet. Features are
drawn in Web Mercator (EPSG:3857) so that, only when ``online_tiles=True``,
OpenStreetMap tiles can be laid under them as ``<image>`` elements.

What is drawn (one SVG element per feature, with a CSS class the tests count):
``path.exchange`` (stroke colour by resource, width by quantity scaled within each
resource from 1.5 to 9 px, since units differ; dashed when the distance is
estimated), ``circle.actor`` (fill by sector), ``rect.site`` (``.opened``: large green
square with a bold "(opened ...)" label; ``.candidate``: small dashed hollow square,
italic label), ``circle.disposal`` (dark ring, area by quantity within each resource),
``text.label`` (one per actor and site). Clicking a feature opens a popup with its
numbers; the legend lists sectors and resources, and each resource has a check box that
shows/hides its exchanges and disposal.

The script keeps markers and labels at a constant screen size while zooming, and
declutters on every view change: actors whose markers overlap on screen are grouped
under one ``circle.cluster`` with their count and a single label ("Sveg: 10 actors (zoom
in)"; click to zoom in), and labels are placed in priority order (opened sites, actors
with exchanges, other actors, candidate sites) with any label that would overlap a
placed one hidden (pointing at its marker shows it). A scale bar (``#scalebar``, km,
corrected by cos(latitude) for Web Mercator) follows the zoom.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from symnet.outputs._format import escape_html as _esc
from symnet.outputs._format import format_quantity, round_public
from symnet.outputs._style import resource_colour, sector_colour
from symnet.outputs.atomic import write_text_atomic
from symnet.outputs.tables import result_layers
from symnet.result import Result
from symnet.scenario import Scenario

WEB_MERCATOR = "EPSG:3857"
TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_EARTH = 20037508.342789244


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
    return (
        ""
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{format_quantity(value)} {currency}/yr"
    )


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

    def centre_lat(self) -> float:
        """Latitude (degrees) of the frame's centre, for the scale bar's cos(lat) correction."""
        y = self.y1 - self.h / 2
        return math.degrees(2 * math.atan(math.exp(y / 6378137.0)) - math.pi / 2)

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return x - self.x0, self.y1 - y

    def path(self, coords: Any) -> str:
        pts = [self.xy(x, y) for x, y in coords]
        return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts)


def _label(x: float, y: float, frame: _Frame, text: str, node: str, cls: str) -> str:
    """A map label anchored at (x, y); the script keeps its screen size constant and hides
    it when it collides with a label of higher priority (drawn earlier)."""
    return (
        f'<text class="label {cls}" x="{x + 9 * frame.unit:.1f}" y="{y - 7 * frame.unit:.1f}" '
        f'font-size="{12 * frame.unit:.1f}" data-x="{x:.1f}" data-y="{y:.1f}" data-node="{_esc(node)}">{_esc(text)}</text>'
    )


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
            parts.append(
                f'<image class="tile" href="{_esc(url)}" x="{left:.1f}" y="{top:.1f}" '
                f'width="{size:.1f}" height="{size:.1f}" opacity="0.75"/>'
            )
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
    resources: list[str] = (
        sorted(set(ex["resource"]) | set(merc["disposal"]["resource"])) if len(ex) or len(merc["disposal"]) else []
    )
    if len(ex):
        widths = _scaled(ex["quantity"].to_numpy(), ex["resource"].to_numpy(), 1.5, 9.0)
        for (_, row), w in sorted(zip(ex.iterrows(), widths), key=lambda t: -t[1]):
            if row.geometry is None or row.geometry.is_empty:
                continue
            # dash lengths are screen pixels under vector-effect: non-scaling-stroke
            dash = ' stroke-dasharray="10 7"' if row["method"] == "estimated" else ""
            info = _popup(
                [
                    ("Exchange", f"{row['supplier_name']} → {row['receiver_name']}"),
                    ("Resource", str(row["resource"]).replace("_", " ")),
                    ("Quantity", f"{row['quantity_text']} {row['unit']}/yr"),
                    ("Cost", _money(row["cost"], currency)),
                    ("Distance", _km(row["distance_m"])),
                    ("Distance method", str(row["method"])),
                    ("Mode", str(row["mode"])),
                    ("Drawn as", "road route" if row["geometry_kind"] == "route" else "straight line"),
                    ("Rounded (confidential)", "yes" if row["confidential"] else ""),
                ]
            )
            parts.append(
                f'<path class="exchange feature" data-resource="{_esc(row["resource"])}" d="{f.path(row.geometry.coords)}" '
                f'stroke="{resource_colour(str(row["resource"]))}" stroke-width="{w:.2f}"{dash} data-popup="{info}">'
                f"<title>{_esc(row['supplier_name'])} → {_esc(row['receiver_name'])}: {_esc(row['quantity_text'])} {_esc(row['unit'])}/yr</title></path>"
            )

    disp = merc["disposal"]
    if len(disp):
        radii = _scaled(disp["quantity"].to_numpy(), disp["resource"].to_numpy(), 4.0, 12.0)
        for (_, row), r in zip(disp.iterrows(), radii):
            if row.geometry is None:
                continue
            x, y = f.xy(row.geometry.x, row.geometry.y)
            info = _popup(
                [
                    ("Disposal", str(row["actor_name"])),
                    ("Resource", str(row["resource"]).replace("_", " ")),
                    ("Quantity", f"{row['quantity_text']} {row['unit']}/yr"),
                    ("Fate", f"{row['fate']} {row['operation']}".strip()),
                    ("Cost", _money(row["cost"], currency)),
                ]
            )
            parts.append(
                f'<circle class="disposal feature marker" data-resource="{_esc(row["resource"])}" cx="{x:.1f}" cy="{y:.1f}" '
                f'r="{r * f.unit:.1f}" data-x="{x:.1f}" data-y="{y:.1f}" data-r="{r:.1f}" data-popup="{info}"><title>{_esc(row["actor_name"])}: {_esc(row["quantity_text"])} '
                f"{_esc(row['unit'])}/yr {_esc(row['resource'])} to {_esc(row['fate'])}</title></circle>"
            )

    labels: list[tuple[int, str, str]] = []  # (priority, sort name, <text>) drawn last, decluttered by the script
    for _, row in merc["sites"].iterrows():
        x, y = f.xy(row.geometry.x, row.geometry.y)
        opened = bool(row["opened"])
        size = 14 if opened else 9
        s = size * f.unit
        cls = "opened" if opened else "candidate"
        info = _popup(
            [
                ("Site", str(row["name"])),
                ("Facility", str(row["facility"])),
                ("Status", "OPENED by the optimum" if opened else "candidate (not opened)"),
                ("Throughput", f"{format_quantity(row['throughput'])} /yr" if opened else ""),
                ("Fixed cost", _money(row["fixed_cost"], currency)),
            ]
        )
        parts.append(
            f'<rect class="site {cls} feature marker" x="{x - s / 2:.1f}" y="{y - s / 2:.1f}" width="{s:.1f}" '
            f'height="{s:.1f}" data-x="{x:.1f}" data-y="{y:.1f}" data-size="{size}" data-popup="{info}">'
            f"<title>{_esc(row['name'])} ({_esc(row['facility'])}, {cls})</title></rect>"
        )
        if opened:
            text = f"{row['name']} (opened {str(row['facility']).replace('_', ' ')})"
            labels.append((0, str(row["name"]), _label(x, y, f, text, f"site:{row['option']}", "site-label opened")))
        else:
            labels.append(
                (
                    3,
                    str(row["name"]),
                    _label(
                        x,
                        y,
                        f,
                        f"{row['name']} (candidate {str(row['facility']).replace('_', ' ')})",
                        f"site:{row['option']}",
                        "site-label candidate",
                    ),
                )
            )

    sectors: list[str] = []
    linked = set(ex["supplier"]) | set(ex["receiver"]) if len(ex) else set()
    for _, row in merc["actors"].iterrows():
        x, y = f.xy(row.geometry.x, row.geometry.y)
        sector = str(row["sector"]) or "other"
        if sector not in sectors:
            sectors.append(sector)
        info = _popup(
            [
                ("Actor", str(row["name"])),
                ("Sector", sector),
                ("Municipality", str(row["municipality"])),
                ("Actors aggregated", str(row["n_actors"]) if row["aggregated"] else ""),
            ]
        )
        node = str(row["node"])
        parts.append(
            f'<circle class="actor feature marker" cx="{x:.1f}" cy="{y:.1f}" r="{6 * f.unit:.1f}" data-x="{x:.1f}" '
            f'data-y="{y:.1f}" data-r="6" data-node="{_esc(node)}" data-municipality="{_esc(row["municipality"])}" '
            f'fill="{sector_colour(sector)}" data-popup="{info}"><title>{_esc(row["name"])} ({_esc(sector)})</title></circle>'
        )
        labels.append(
            (1 if node in linked else 2, str(row["name"]), _label(x, y, f, str(row["name"]), node, "actor-label"))
        )
    parts.append('<g id="clusters"></g><g id="labels">' + "".join(t for _, _, t in sorted(labels)) + "</g>")
    svg = (
        f'<svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {f.w:.1f} {f.h:.1f}" '
        f'data-unit="{f.unit:.4f}" data-lat="{f.centre_lat():.5f}" preserveAspectRatio="xMidYMid meet">'
        f'<rect class="background" x="0" y="0" width="{f.w:.1f}" height="{f.h:.1f}"/>{"".join(parts)}</svg>'
    )
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
#map .site.opened{fill:#1a9850;stroke:#0b4d26;stroke-width:2.5}
#map .site.candidate{fill:#fff;stroke:#777;stroke-dasharray:3 2}
#map .disposal{fill:rgba(40,40,40,.15);stroke:#252525;stroke-width:1.5;vector-effect:non-scaling-stroke;cursor:pointer}
#map .label{fill:#333;paint-order:stroke;stroke:#fff;stroke-width:3px;vector-effect:non-scaling-stroke;pointer-events:none}
#map .label.opened{fill:#0b4d26;font-weight:bold}#map .label.candidate{fill:#777;font-style:italic}
#map .label.cluster-label{fill:#111;font-weight:bold}
#map .label.off{display:none}#map .label.hover{display:inline}
#map .cluster{fill:#fff;stroke:#222;stroke-width:1.5;vector-effect:non-scaling-stroke;cursor:zoom-in}
#map .cluster-count{fill:#111;font-weight:bold;text-anchor:middle;dominant-baseline:central;pointer-events:none}
#map .hidden{display:none}
#legend{width:270px;overflow:auto;padding:12px 14px;border-left:1px solid #ccc;background:#fff}
#legend h1{font-size:17px;margin:0 0 4px}#legend h2{font-size:14px;margin:14px 0 4px}
#legend .row{display:flex;align-items:center;gap:6px;margin:2px 0}
#legend .sw{display:inline-block;width:14px;height:14px;border-radius:50%;border:1px solid #333}
#legend .ln{display:inline-block;width:26px;height:5px;border-radius:2px}
#legend .sq{display:inline-block;width:12px;height:12px;border:1px solid #333}
#legend .sq.opened{width:15px;height:15px;background:#1a9850;border:2px solid #0b4d26}
#legend .sq.candidate{background:#fff;border:1px dashed #777}
#legend .note{color:#555;font-size:12px}
#popup{position:absolute;display:none;background:#fff;border:1px solid #888;border-radius:4px;padding:8px 10px;
 box-shadow:0 2px 8px rgba(0,0,0,.25);max-width:320px;font-size:13px;z-index:5}
#popup table{border-collapse:collapse}#popup td{padding:1px 6px 1px 0;vertical-align:top}
#popup td:first-child{color:#555}
#scalebar{position:absolute;left:12px;bottom:12px;font-size:12px;color:#222;background:rgba(255,255,255,.8);padding:2px 6px 4px;
 border-radius:3px;pointer-events:none}
#scalebar .bar{box-sizing:border-box;height:6px;border:2px solid #222;border-top:none;margin-top:2px}
#attribution{position:absolute;right:4px;bottom:2px;font-size:11px;color:#444;background:rgba(255,255,255,.7)}
"""

_JS = """
(function(){
  var NS='http://www.w3.org/2000/svg';
  var svg=document.getElementById('map'), popup=document.getElementById('popup');
  var vb=svg.viewBox.baseVal, start=null, pending=false;
  var lat0=parseFloat(svg.getAttribute('data-lat'))||0;
  var clusters=document.getElementById('clusters');
  var labels=Array.prototype.slice.call(document.querySelectorAll('#labels .label'));
  var actors=Array.prototype.slice.call(document.querySelectorAll('#map circle.actor'));
  var labelOf={}; labels.forEach(function(t){labelOf[t.getAttribute('data-node')]=t;});
  function scale(){var r=svg.getBoundingClientRect(); return Math.max(vb.width/r.width, vb.height/r.height);}
  function pt(e){var r=svg.getBoundingClientRect(), s=scale();
    return {x:vb.x+(e.clientX-r.left-(r.width-vb.width/s)/2)*s, y:vb.y+(e.clientY-r.top-(r.height-vb.height/s)/2)*s, s:s};}
  function num(el,a){return parseFloat(el.getAttribute(a));}
  // markers and labels keep their screen size: sizes are in screen pixels times the current scale
  function resize(s){
    document.querySelectorAll('#map .marker').forEach(function(m){
      if(m.hasAttribute('data-r')){m.setAttribute('r',num(m,'data-r')*s);}
      else{var z=num(m,'data-size')*s; m.setAttribute('x',num(m,'data-x')-z/2); m.setAttribute('y',num(m,'data-y')-z/2);
        m.setAttribute('width',z); m.setAttribute('height',z);}
    });
    labels.forEach(function(t){t.setAttribute('font-size',12*s); t.setAttribute('x',num(t,'data-x')+9*s); t.removeAttribute('text-anchor');
      t.setAttribute('y',num(t,'data-y')-7*s);});
  }
  // actors whose markers overlap on screen form a cluster with a count; its members' labels give way to one
  function cluster(s){
    while(clusters.firstChild){clusters.removeChild(clusters.firstChild);}
    var groups=[], R=14*s;
    actors.forEach(function(a){var x=num(a,'data-x'), y=num(a,'data-y'), g=null;
      for(var i=0;i<groups.length;i++){var c=groups[i]; if(Math.abs(c.x-x)<R&&Math.abs(c.y-y)<R){g=c;break;}}
      if(g){g.members.push(a);}else{groups.push({x:x,y:y,members:[a]});}});
    var made=[];
    groups.forEach(function(g){
      if(g.members.length<2){return;}
      var c=document.createElementNS(NS,'circle'); c.setAttribute('class','cluster');
      c.setAttribute('cx',g.x+10*s); c.setAttribute('cy',g.y+10*s); c.setAttribute('r',9*s);
      c.setAttribute('data-n',g.members.length);
      var names=g.members.map(function(m){var t=labelOf[m.getAttribute('data-node')]; return t?t.textContent:'';});
      var tt=document.createElementNS(NS,'title'); tt.textContent=names.join('\\n'); c.appendChild(tt);
      c.addEventListener('click',function(e){e.stopPropagation(); zoomAt(g.x,g.y,0.25);});
      var n=document.createElementNS(NS,'text'); n.setAttribute('class','cluster-count'); n.setAttribute('x',g.x+10*s);
      n.setAttribute('y',g.y+10*s); n.setAttribute('font-size',11*s); n.textContent=g.members.length;
      var place=(g.members[0].getAttribute('data-municipality')||'').replace(/^.*\\(|\\)$/g,'');
      var l=document.createElementNS(NS,'text'); l.setAttribute('class','label cluster-label');
      l.setAttribute('x',g.x+21*s); l.setAttribute('y',g.y+14*s); l.setAttribute('font-size',12*s); l.setAttribute('data-x',g.x);
      l.textContent=(place?place+': ':'')+g.members.length+' actors (zoom in)';
      clusters.appendChild(c); clusters.appendChild(n); clusters.appendChild(l);
      made.push({label:l, members:g.members});
    });
    return made;
  }
  function overlaps(a,b){return !(a.right<b.left||b.right<a.left||a.bottom<b.top||b.bottom<a.top);}
  // labels are placed in priority order (opened sites, linked actors, other actors, candidate sites);
  // one that would overlap a placed label or a cluster badge is hidden (hover its marker to see it)
  function declutter(made){
    var member={}; made.forEach(function(g){g.members.forEach(function(m){member[m.getAttribute('data-node')]=1;});});
    var placed=[];
    document.querySelectorAll('#clusters .cluster').forEach(function(c){placed.push(c.getBoundingClientRect());});
    var order=made.map(function(g){return g.label;}).concat(labels.filter(function(t){
      var node=t.getAttribute('data-node'); return !member[node];}));
    labels.forEach(function(t){if(member[t.getAttribute('data-node')]){t.classList.add('off');}else{t.classList.remove('off');}});
    var box=svg.getBoundingClientRect();
    order.forEach(function(t){var r=t.getBoundingClientRect();
      if(r.right>box.right&&r.width<box.width*0.8){  // near the right edge: put the label left of its marker
        var s=scale(); t.setAttribute('text-anchor','end'); t.setAttribute('x',num(t,'data-x')-(t.classList.contains('cluster-label')?2:9)*s);
        r=t.getBoundingClientRect();}
      var out=r.right<box.left||r.left>box.right||r.bottom<box.top||r.top>box.bottom;
      if(!out&&placed.some(function(p){return overlaps(p,r);})){t.classList.add('off');}else{placed.push(r);}});
  }
  function scalebar(s){
    var el=document.getElementById('scalebar'); if(!el){return;}
    var mPerPx=s*Math.cos(lat0*Math.PI/180), target=mPerPx*120, p=Math.pow(10,Math.floor(Math.log10(target))), len=p;
    [1,2,5,10].forEach(function(k){if(k*p<=target){len=k*p;}});
    var km=len/1000;
    el.querySelector('.bar').style.width=Math.round(len/mPerPx)+'px';
    el.querySelector('.text').textContent=(km>=1?km.toLocaleString('en'):km.toFixed(km>=0.1?1:2))+' km';
  }
  function update(){pending=false; var s=scale(); resize(s); declutter(cluster(s)); scalebar(s);}
  function later(){if(!pending){pending=true; requestAnimationFrame(update);}}
  function zoomAt(x,y,k){vb.x=x-(x-vb.x)*k; vb.y=y-(y-vb.y)*k; vb.width*=k; vb.height*=k; later();}
  svg.addEventListener('wheel',function(e){e.preventDefault();var p=pt(e); zoomAt(p.x,p.y,e.deltaY>0?1.2:1/1.2);},{passive:false});
  svg.addEventListener('mousedown',function(e){start={x:e.clientX,y:e.clientY,vx:vb.x,vy:vb.y,s:pt(e).s,moved:false};});
  window.addEventListener('mousemove',function(e){if(!start)return;var dx=e.clientX-start.x, dy=e.clientY-start.y;
    if(Math.abs(dx)+Math.abs(dy)>3)start.moved=true; vb.x=start.vx-dx*start.s; vb.y=start.vy-dy*start.s; later();});
  window.addEventListener('mouseup',function(){setTimeout(function(){start=null;},0);});
  window.addEventListener('resize',later);
  document.querySelectorAll('#map .marker[data-node]').forEach(function(m){
    var t=labelOf[m.getAttribute('data-node')]; if(!t){return;}
    m.addEventListener('mouseenter',function(){t.classList.add('hover');});
    m.addEventListener('mouseleave',function(){t.classList.remove('hover');});
  });
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
  update();
})();
"""


def _legend(
    title: str, sectors: list[str], resources: list[str], kpis: dict[str, Any], currency: str, public: bool
) -> str:
    rows = [f"<h1>{_esc(title)}</h1>"]
    if isinstance(kpis.get("savings"), (int, float)) and math.isfinite(kpis["savings"]):
        savings = round_public(kpis["savings"], None) if public else kpis["savings"]
        rows.append(
            f'<div class="note">Savings against the baseline: {_esc(format_quantity(savings))} {_esc(currency)}/yr</div>'
        )
    if public:
        rows.append(
            '<div class="note">Public version: confidential actors are aggregated per municipality and their figures rounded.</div>'
        )
    rows.append("<h2>Actors by sector</h2>")
    rows += [
        f'<div class="row"><span class="sw" style="background:{sector_colour(s)}"></span>{_esc(s)}</div>'
        for s in sectors
    ]
    rows.append("<h2>Exchanges by resource</h2>")
    for r in resources:
        rows.append(
            f'<label class="row"><input type="checkbox" class="toggle" data-resource="{_esc(r)}" checked>'
            f'<span class="ln" style="background:{resource_colour(r)}"></span>{_esc(r.replace("_", " "))}</label>'
        )
    rows.append(
        '<div class="note">Line width follows the quantity per year (within each resource); dashed = estimated '
        "distance (no road route found). Click a feature for its numbers; scroll to zoom, drag to pan. Actors too close "
        "to tell apart are grouped under a count (click it to zoom in); labels that would overlap are hidden "
        "until you zoom in or point at the marker.</div>"
    )
    rows.append("<h2>Sites and disposal</h2>")
    rows.append('<div class="row"><span class="sq opened"></span>site opened by the optimum (bold label)</div>')
    rows.append('<div class="row"><span class="sq candidate"></span>candidate site, not opened</div>')
    rows.append(
        '<div class="row"><span class="sw" style="background:rgba(40,40,40,.15)"></span>still to landfill/incineration/'
        "other current fate (size by quantity)</div>"
    )
    return f'<div id="legend">{"".join(rows)}</div>'


def map_html(
    layers: dict[str, gpd.GeoDataFrame],
    title: str,
    currency: str = "SEK",
    kpis: dict[str, Any] | None = None,
    public: bool = False,
    online_tiles: bool = False,
) -> str:
    """The self-contained HTML text of the map of ``layers`` (see the module docstring)."""
    svg, sectors, resources = _svg(layers, currency, online_tiles)
    attribution = '<div id="attribution">Basemap © OpenStreetMap contributors</div>' if online_tiles else ""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<style>{_CSS}</style></head><body><div id="wrap"><div id="mapbox">{svg}<div id="popup"></div>'
        f'<div id="scalebar"><span class="text">km</span><div class="bar"></div></div>{attribution}</div>'
        f"{_legend(title, sectors, resources, kpis or {}, currency, public)}</div><script>{_JS}</script></body></html>\n"
    )


def write_map_layers(
    layers: dict[str, gpd.GeoDataFrame],
    result: Result,
    path: str | Path,
    public: bool = False,
    online_tiles: bool = False,
    force: bool = False,
) -> Path:
    """Write the map of already built layers (atomically)."""
    text = map_html(layers, f"{result.scenario}: symbiosis network", result.currency, result.kpis, public, online_tiles)
    return write_text_atomic(path, text, force)


def write_map(
    result: Result,
    scenario: Scenario | None,
    path: str | Path,
    public: bool = False,
    online_tiles: bool = False,
    force: bool = False,
) -> Path:
    """Write ``result`` as a self-contained HTML map.

    Parameters
    ----------
    path : path
        Output ``.html`` file; an existing file is replaced only with ``force``.
    public : bool
        Aggregate confidential actors and streams (see :mod:`symnet.outputs.tables`).
    online_tiles : bool
        Lay OpenStreetMap tiles under the network (needs internet when viewed);
        off by default, so that the file loads nothing from outside.
    """
    return write_map_layers(result_layers(result, scenario, public), result, path, public, online_tiles, force)
