"""The planner's map of a result (``map.html``) on Leaflet.

Design decisions
----------------
* **One self-contained file.** Leaflet 1.9.4 (BSD-2-Clause, vendored from npm under
  ``symnet/static/leaflet/``) and symnet's own script and style
  (``static/symnet-map.js``, ``static/symnet-map.css``) are inlined; the CSS image URLs of
  Leaflet become data URIs. Markers are SVG circle markers and CSS squares (no marker
  images). Nothing is fetched from a CDN.
* **Data, not markup.** All features go into one ``<script type="application/json">``
  block (``<``, ``>`` and ``&`` escaped as ``\\u003c`` ...); the script builds popups, labels
  and the layer control from it with ``textContent``, so a name such as
  ``<svg onload=...>`` is shown as text and never runs.
* **Basemap.** ``basemap="osm"`` lays OpenStreetMap tiles (``tile_url``, attribution
  «© OpenStreetMap contributors») under the network *when the browser is online*
  (``navigator.onLine``); offline the page makes no request and says so. ``basemap="none"``
  has no tile layer at all. In both cases the embedded context layer
  (:mod:`symnet.outputs.context`: the road graph's major roads when routed, OSM towns,
  municipality labels at the centroid of their actors) and a scale bar are drawn.

What is drawn (SVG classes the tests count): ``path.exchange`` (colour by resource,
width 2-9 px by quantity within its resource; dashed = estimated distance; a dark casing
for ``status == "existing"``, dotted grey for ``"ended"``; a missing ``status`` column
means ``"new"``), ``path.actor`` (fill by sector), ``div.site.opened`` /
``div.site.candidate``, ``path.disposal`` (ring, radius 4-12 px by quantity within its
resource), ``path.road``, ``.place-label``. One overlay per resource (its exchanges and
disposal) in the layer control, plus actors, sites, roads and towns. Labels are placed in
priority order (opened sites, actors with exchanges, other actors, candidate sites, then
place names) and a label that would overlap a placed one is hidden until the user zooms
in or points at its marker. The legend lists only what the map shows.
"""

from __future__ import annotations

import base64
import json
import math
import re
from functools import lru_cache
from importlib import resources as pkg_resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from symnet.outputs._format import escape_html as _esc
from symnet.outputs._format import format_quantity, round_public
from symnet.outputs._style import resource_colour, sector_colour
from symnet.outputs.atomic import write_text_atomic
from symnet.outputs.context import ROAD_STYLES, MapContext, context_places
from symnet.outputs.public import result_layers
from symnet.result import Result
from symnet.scenario import Scenario

OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
BASEMAPS: tuple[str, ...] = ("osm", "none")
WGS84 = "EPSG:4326"
STATUSES: tuple[str, ...] = ("new", "existing", "ended")


def _static(name: str) -> bytes:
    return (pkg_resources.files("symnet") / "static" / name).read_bytes()


@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str]:
    """(CSS, JavaScript) to inline: Leaflet's with its image URLs as data URIs and no
    source-map comment, followed by symnet's map style and script."""
    css = _static("leaflet/leaflet.css").decode("utf-8")

    def data_uri(m: re.Match[str]) -> str:
        png = base64.b64encode(_static(f"leaflet/images/{m.group(1)}")).decode("ascii")
        return f"url(data:image/png;base64,{png})"

    css = re.sub(r"url\(images/([A-Za-z0-9_.-]+\.png)\)", data_uri, css)
    js = _static("leaflet/leaflet.js").decode("utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+\s*$", "", js)
    css += "\n" + _static("symnet-map.css").decode("utf-8")
    return css, js + "\n" + _static("symnet-map.js").decode("utf-8")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _scaled(values: np.ndarray, groups: np.ndarray, low: float, high: float) -> np.ndarray:
    """Values scaled by sqrt into [low, high] px within each group (NaN -> low)."""
    out = np.full(len(values), low, dtype=float)
    v = np.nan_to_num(values.astype(float), nan=0.0)
    for g in set(groups.tolist()):
        mask = groups == g
        top = v[mask].max() if mask.any() else 0.0
        if top > 0:
            out[mask] = low + (high - low) * np.sqrt(np.clip(v[mask], 0, None) / top)
    return out


def _money(value: Any, currency: str) -> str:
    return "" if _missing(value) else f"{format_quantity(value)} {currency}/yr"


def _km(value: Any) -> str:
    return "" if _missing(value) else f"{value / 1000:.1f} km"


def _rows(pairs: list[tuple[str, Any]]) -> list[list[str]]:
    return [[k, str(v)] for k, v in pairs if v not in ("", None)]


def _nice(text: Any) -> str:
    return str(text).replace("_", " ")


def _ll(x: float, y: float) -> list[float]:
    return [round(float(y), 5), round(float(x), 5)]


def _exchanges(ex: gpd.GeoDataFrame, currency: str) -> list[dict[str, Any]]:
    if not len(ex):
        return []
    widths = _scaled(ex["quantity"].to_numpy(), ex["resource"].to_numpy(), 2.0, 9.0)
    status = ex["status"].fillna("new").astype(str) if "status" in ex else ["new"] * len(ex)
    out = []
    for (_, row), w, st in sorted(zip(ex.iterrows(), widths, status), key=lambda t: -t[1]):
        if row.geometry is None or row.geometry.is_empty:
            continue
        st = st if st in STATUSES else "new"
        title = f"{row['supplier_name']} → {row['receiver_name']}: {row['quantity_text']} {row['unit']}/yr"
        popup = [
            ("Exchange", f"{row['supplier_name']} → {row['receiver_name']}"),
            ("Resource", _nice(row["resource"])),
            ("Quantity", f"{row['quantity_text']} {row['unit']}/yr"),
            ("Cost", _money(row["cost"], currency)),
            ("Distance", _km(row["distance_m"])),
            ("Distance method", str(row["method"])),
            ("Mode", str(row["mode"])),
            ("Status", {"new": "new exchange", "existing": "existing exchange", "ended": "ended"}[st]),
            ("Drawn as", "road route" if row["geometry_kind"] == "route" else "straight line"),
            ("Rounded (confidential)", "yes" if row["confidential"] else ""),
        ]
        out.append(
            {
                "resource": str(row["resource"]),
                "colour": resource_colour(str(row["resource"])),
                "width": round(float(w), 2),
                "estimated": row["method"] == "estimated",
                "status": st,
                "coords": [_ll(x, y) for x, y in row.geometry.coords],
                "title": title,
                "popup": _rows(popup),
            }
        )
    return out


def _disposal(disp: gpd.GeoDataFrame, currency: str) -> list[dict[str, Any]]:
    if not len(disp):
        return []
    radii = _scaled(disp["quantity"].to_numpy(), disp["resource"].to_numpy(), 4.0, 12.0)
    out = []
    for (_, row), r in zip(disp.iterrows(), radii):
        if row.geometry is None:
            continue
        popup = [
            ("Disposal", str(row["actor_name"])),
            ("Resource", _nice(row["resource"])),
            ("Quantity", f"{row['quantity_text']} {row['unit']}/yr"),
            ("Fate", f"{row['fate']} {row['operation']}".strip()),
            ("Cost", _money(row["cost"], currency)),
        ]
        lat, lon = _ll(row.geometry.x, row.geometry.y)
        out.append(
            {
                "resource": str(row["resource"]),
                "lat": lat,
                "lon": lon,
                "radius": round(float(r), 1),
                "popup": _rows(popup),
            }
        )
    return out


def _sites(sites: gpd.GeoDataFrame, currency: str) -> list[dict[str, Any]]:
    out = []
    for _, row in sites.iterrows():
        if row.geometry is None:
            continue
        opened = bool(row["opened"])
        facility = _nice(row["facility"])
        popup = [
            ("Site", str(row["name"])),
            ("Facility", facility),
            ("Status", "OPENED by the optimum" if opened else "candidate (not opened)"),
            ("Throughput", f"{format_quantity(row['throughput'])} /yr" if opened else ""),
            ("Fixed cost", _money(row["fixed_cost"], currency)),
        ]
        lat, lon = _ll(row.geometry.x, row.geometry.y)
        text = f"{row['name']} ({'opened' if opened else 'candidate'} {facility})"
        out.append({"lat": lat, "lon": lon, "opened": opened, "label": text, "popup": _rows(popup)})
    return out


def _actors(actors: gpd.GeoDataFrame, linked: set[str]) -> list[dict[str, Any]]:
    out = []
    for _, row in actors.iterrows():
        if row.geometry is None:
            continue
        sector = str(row["sector"] or "") or "other"
        popup = [
            ("Actor", str(row["name"])),
            ("Sector", sector),
            ("Municipality", str(row["municipality"])),
            ("Actors aggregated", str(row["n_actors"]) if row["aggregated"] else ""),
        ]
        lat, lon = _ll(row.geometry.x, row.geometry.y)
        out.append(
            {
                "node": str(row["node"]),
                "name": str(row["name"]),
                "sector": sector,
                "colour": sector_colour(sector),
                "linked": str(row["node"]) in linked,
                "lat": lat,
                "lon": lon,
                "popup": _rows(popup),
            }
        )
    return out


def _bounds(layers: dict[str, gpd.GeoDataFrame]) -> list[list[float]]:
    """[[south, west], [north, east]] of the features (a small default area when empty)."""
    boxes = [g.geometry.dropna().total_bounds for g in layers.values() if len(g) and g.geometry.notna().any()]
    if not boxes:
        return [[62.0, 14.0], [62.1, 14.2]]
    b = np.array(boxes)
    w, s, e, n = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    pad = 0.005
    return [[round(s - pad, 5), round(w - pad, 5)], [round(n + pad, 5), round(e + pad, 5)]]


def map_data(
    layers: dict[str, gpd.GeoDataFrame],
    currency: str = "SEK",
    basemap: str = "osm",
    tile_url: str = OSM_TILE_URL,
    context: MapContext | None = None,
) -> dict[str, Any]:
    """The JSON the map's script draws: features in WGS84 [lat, lon] degrees, widths and
    radii in screen pixels, popups as [label, text] rows."""
    if basemap not in BASEMAPS:
        raise ValueError(f"basemap must be one of {', '.join(BASEMAPS)}, not {basemap!r}")
    ll = {n: g.to_crs(WGS84) if len(g) and g.crs is not None else g for n, g in layers.items()}
    ex, disp = ll["exchanges"], ll["disposal"]
    linked = set(ex["supplier"].astype(str)) | set(ex["receiver"].astype(str)) if len(ex) else set()
    res_ids = sorted(set(ex["resource"].astype(str)) | set(disp["resource"].astype(str)))
    ctx = context or MapContext()
    places = context_places(ctx, ll["actors"])
    return {
        "basemap": basemap,
        "tile_url": tile_url if basemap == "osm" else "",
        "bounds": _bounds(ll),
        "osm_context": ctx.from_osm,
        "resources": [{"id": r, "label": _nice(r), "colour": resource_colour(r)} for r in res_ids],
        "exchanges": _exchanges(ex, currency),
        "disposal": _disposal(disp, currency),
        "sites": _sites(ll["sites"], currency),
        "actors": _actors(ll["actors"], linked),
        "road_styles": [{"kind": k, "colour": c, "weight": w} for k, c, w in ROAD_STYLES],
        "roads": [{"kind": r.kind, "coords": [[lat, lon] for lon, lat in r.coords]} for r in ctx.roads],
        "places": [{"name": p.name, "kind": p.kind, "lat": p.lat, "lon": p.lon} for p in places],
    }


def _json_script(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="symnet-data">{text}</script>'


def _row(symbol: str, text: str) -> str:
    return f'<div class="row">{symbol}{_esc(text)}</div>'


def _legend_exchanges(data: dict[str, Any]) -> list[str]:
    """Legend rows of the exchange styles the map uses (status, estimated distance)."""
    rows = []
    statuses = {x["status"] for x in data["exchanges"]}
    if "existing" in statuses:
        rows.append(
            _row('<span class="ln existing" style="background:#999"></span>', "existing exchange (dark outline)")
        )
    if statuses & {"existing", "ended"}:
        rows.append(_row('<span class="ln" style="background:#999"></span>', "new exchange"))
    if "ended" in statuses:
        rows.append(_row('<span class="ln ended"></span>', "ended exchange"))
    if any(x["estimated"] and x["status"] != "ended" for x in data["exchanges"]):
        rows.append(_row('<span class="ln dashed"></span>', "estimated distance (no road route found)"))
    return rows


def _legend_sites(data: dict[str, Any]) -> list[str]:
    """Legend rows of opened / candidate sites and disposal, when the map has them."""
    if not (data["sites"] or data["disposal"]):
        return []
    rows = ["<h2>Sites and disposal</h2>"]
    opened = [s for s in data["sites"] if s["opened"]]
    if opened:
        rows.append(_row('<span class="sq opened"></span>', "site opened by the optimum (bold label)"))
    if len(opened) < len(data["sites"]):
        rows.append(_row('<span class="sq candidate"></span>', "candidate site, not opened"))
    if data["disposal"]:
        disposal = '<span class="sw" style="background:rgba(40,40,40,.15)"></span>'
        rows.append(_row(disposal, "still to its current fate (size by quantity)"))
    return rows


def _legend_network(data: dict[str, Any]) -> list[str]:
    rows = []
    sectors = sorted({a["sector"] for a in data["actors"]})
    if sectors:
        rows.append("<h2>Actors by sector</h2>")
        rows += [_row(f'<span class="sw" style="background:{sector_colour(s)}"></span>', s) for s in sectors]
    exchanged = {x["resource"] for x in data["exchanges"]}
    if exchanged:
        rows.append("<h2>Exchanges by resource</h2>")
        rows += [
            _row(f'<span class="ln" style="background:{r["colour"]}"></span>', r["label"])
            for r in data["resources"]
            if r["id"] in exchanged
        ]
        rows.append('<div class="note">Line width follows the quantity per year (within each resource).</div>')
    left = [r["label"] for r in data["resources"] if r["id"] not in exchanged]
    if left:
        rows.append(f'<div class="note">Not exchanged, only left to their current fate: {_esc(", ".join(left))}.</div>')
    return rows + _legend_exchanges(data) + _legend_sites(data)


def _legend_context(data: dict[str, Any], context: MapContext) -> list[str]:
    rows = ["<h2>Context</h2>"]
    kinds = {r["kind"] for r in data["roads"]}
    for kind, colour, _ in ROAD_STYLES:
        if kind in kinds:
            rows.append(_row(f'<span class="ln road" style="background:{colour}"></span>', f"{kind} road"))
    places = {p["kind"] for p in data["places"]}
    if places - {"municipality"}:
        rows.append(_row('<span class="pl"><b>Aa</b></span>', "town (OpenStreetMap place)"))
    if "municipality" in places:
        rows.append(
            _row('<span class="pl" style="color:#6a6a8a">AA</span>', "municipality (at the centroid of its actors)")
        )
    if data["basemap"] == "osm":
        rows.append(
            '<div class="note">Basemap: OpenStreetMap tiles when the browser is online; offline, only the embedded context layer.</div>'
        )
    else:
        rows.append('<div class="note">No basemap (the map makes no request); embedded context layer only.</div>')
    if context.from_osm and context.source:
        rows.append(
            f'<div class="note">Roads and towns from {_esc(context.source)}, © OpenStreetMap contributors (ODbL).</div>'
        )
    rows.append(
        '<div class="note">Click a feature for its numbers; use the layer control to show or hide a resource. '
        "Labels that would overlap are hidden until you zoom in or point at the marker.</div>"
    )
    return rows


def legend_html(
    title: str, data: dict[str, Any], kpis: dict[str, Any], currency: str, public: bool, context: MapContext
) -> str:
    """The side panel: title, savings, and a legend of exactly what ``data`` draws."""
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
    rows += _legend_network(data) + _legend_context(data, context)
    return f'<div id="legend">{"".join(rows)}</div>'


def map_html(
    layers: dict[str, gpd.GeoDataFrame],
    title: str,
    currency: str = "SEK",
    kpis: dict[str, Any] | None = None,
    public: bool = False,
    basemap: str = "osm",
    *,
    tile_url: str = OSM_TILE_URL,
    context: MapContext | None = None,
) -> str:
    """The self-contained HTML text of the map of ``layers`` (the four layers of
    :func:`symnet.outputs.tables.build_layers`, any CRS) on Leaflet.

    Parameters
    ----------
    basemap : "osm" or "none"
        ``"osm"``: tiles from ``tile_url`` (``{z}/{x}/{y}`` template) when the browser is
        online; ``"none"``: no tile layer, no request at all.
    context : MapContext, optional
        Embedded roads and town labels (municipality labels are always added from the
        actors).
    """
    data = map_data(layers, currency, basemap, tile_url, context)
    css, js = leaflet_assets()
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<style>{css}</style></head><body><div id="wrap"><div id="map"><div id="mapnote"></div></div>'
        f"{legend_html(title, data, kpis or {}, currency, public, context or MapContext())}</div>"
        f"{_json_script(data)}<script>{js}</script></body></html>\n"
    )


def write_map_layers(
    layers: dict[str, gpd.GeoDataFrame],
    result: Result,
    path: str | Path,
    public: bool = False,
    basemap: str = "osm",
    force: bool = False,
    *,
    tile_url: str = OSM_TILE_URL,
    context: MapContext | None = None,
) -> Path:
    """Write the map of already built layers (atomically); see :func:`map_html`."""
    text = map_html(
        layers,
        f"{result.scenario}: symbiosis network",
        result.currency,
        result.kpis,
        public,
        basemap,
        tile_url=tile_url,
        context=context,
    )
    return write_text_atomic(path, text, force)


def write_map(
    result: Result,
    scenario: Scenario | None,
    path: str | Path,
    public: bool = False,
    basemap: str = "osm",
    force: bool = False,
    *,
    context: MapContext | None = None,
) -> Path:
    """Write ``result`` as a self-contained HTML map.

    Parameters
    ----------
    path : path
        Output ``.html`` file; an existing file is replaced only with ``force``.
    public : bool
        Aggregate confidential actors and streams (see :mod:`symnet.outputs.public`).
    basemap : "osm" or "none"
        OpenStreetMap tiles when the browser is online, or no tile layer at all.
    context : MapContext, optional
        Roads and towns of the run (:func:`symnet.outputs.context.map_context`).
    """
    return write_map_layers(
        result_layers(result, scenario, public), result, path, public, basemap, force, context=context
    )
