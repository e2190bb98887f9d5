/* symnet map.html: draws the embedded JSON (#symnet-data) with Leaflet.
   Every text from the data goes into the page through textContent (never innerHTML). */
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('symnet-data').textContent);
  var map = L.map('map', {zoomSnap: 0.25, preferCanvas: false});
  map.fitBounds(D.bounds, {padding: [30, 30], maxZoom: 14});
  map.attributionControl.setPrefix(false);
  map.createPane('roads').style.zIndex = 250;
  map.createPane('places').style.zIndex = 450;
  map.getPane('roads').style.pointerEvents = 'none';
  map.getPane('places').style.pointerEvents = 'none';
  var COLOUR = /^#[0-9a-fA-F]{6}$/;
  var PLACE_POSITIONS = ['at', 'above', 'below'];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function table(rows) {
    var t = el('table');
    rows.forEach(function (r) { var tr = el('tr'); tr.appendChild(el('td', '', r[0])); tr.appendChild(el('td', '', r[1])); t.appendChild(tr); });
    return t;
  }
  function swatch(cls, colour) {
    var s = el('span', cls);
    if (colour && COLOUR.test(colour)) { s.style.background = colour; }
    return s;
  }
  // layer-control labels are HTML in Leaflet: build them from escaped text
  function controlLabel(cls, colour, text) {
    var wrap = el('span'); wrap.appendChild(swatch(cls, colour)); wrap.appendChild(document.createTextNode(text));
    var outer = el('div'); outer.appendChild(wrap); return outer.innerHTML;
  }

  // ---- basemap: OSM tiles only when asked and the browser is online -----------------
  var overlays = {};
  var note = document.getElementById('mapnote');
  if (D.basemap === 'osm') {
    var tiles = L.tileLayer(D.tile_url, {maxZoom: 19, attribution: '\u00a9 OpenStreetMap contributors', crossOrigin: false});
    var addTiles = function () { if (!map.hasLayer(tiles)) { tiles.addTo(map); } note.style.display = 'none'; };
    if (navigator.onLine) { addTiles(); } else {
      note.textContent = 'Offline: embedded context layer only (no OpenStreetMap tiles)';
      note.style.display = 'block';
    }
    window.addEventListener('online', addTiles);
    overlays[controlLabel('ln road', '#bbbbbb', 'OpenStreetMap tiles')] = tiles;
  }
  if (D.osm_context) { map.attributionControl.addAttribution('Roads and towns \u00a9 OpenStreetMap contributors (ODbL)'); }

  // ---- context layer: major roads and place labels --------------------------------
  if (D.roads.length) {
    var roads = L.layerGroup();
    D.road_styles.forEach(function (s) {
      var lines = D.roads.filter(function (r) { return r.kind === s.kind; }).map(function (r) { return r.coords; });
      if (lines.length) {
        L.polyline(lines, {pane: 'roads', color: s.colour, weight: s.weight, opacity: 0.9, interactive: false,
          className: 'road road-' + s.kind}).addTo(roads);
      }
    });
    roads.addTo(map);
    overlays[controlLabel('ln road', '#e8a33d', 'Major roads')] = roads;
  }
  var placeMarkers = [];
  if (D.places.length) {
    var places = L.layerGroup();
    D.places.forEach(function (p) {
      var box = el('div'); box.appendChild(el('span', '', p.name));
      var m = L.marker([p.lat, p.lon], {pane: 'places', interactive: false, keyboard: false,
        icon: L.divIcon({className: 'place-label ' + (p.kind === 'municipality' ? 'municipality' : 'town'), html: box, iconSize: [0, 0]})});
      m.addTo(places); placeMarkers.push(m);
    });
    places.addTo(map);
    overlays[controlLabel('pl', '', 'Towns and municipalities')] = places;
  }

  // ---- the network ------------------------------------------------------------------
  var labels = [];  // {layer, priority}
  // data attributes on a vector's SVG path (Leaflet makes a new path each time it is added)
  function tag(layer, name, value) {
    var set = function () { if (layer._path) { layer._path.setAttribute(name, value); } };
    layer.on('add', set); set();
  }
  function popupOf(layer, rows) { layer.bindPopup(function () { return table(rows); }, {maxWidth: 340}); }
  function label(layer, text, cls, priority) {
    layer.bindTooltip(el('span', '', text), {permanent: true, direction: 'right', offset: [8, -8], className: 'label ' + cls, interactive: false});
    labels.push({layer: layer, priority: priority});
    layer.on('mouseover', function () { var t = layer.getTooltip().getElement(); if (t) { t.classList.add('hover'); } });
    layer.on('mouseout', function () { var t = layer.getTooltip().getElement(); if (t) { t.classList.remove('hover'); } });
  }
  var groups = {};
  D.resources.forEach(function (r) { groups[r.id] = L.featureGroup().addTo(map); });
  D.exchanges.forEach(function (x) {
    var style = {color: x.colour, weight: x.width, opacity: 0.85, lineCap: 'round', lineJoin: 'round',
      className: 'exchange status-' + x.status + (x.estimated ? ' estimated' : '')};
    if (x.status === 'ended') { style.dashArray = '1 7'; style.opacity = 0.6; }
    else if (x.estimated) { style.dashArray = '10 7'; }
    if (x.status === 'existing') {
      L.polyline(x.coords, {color: '#222', weight: x.width + 4, opacity: 0.8, interactive: false, className: 'casing'}).addTo(groups[x.resource]);
    }
    var line = L.polyline(x.coords, style);
    popupOf(line, x.popup);
    line.bindTooltip(el('span', '', x.title), {sticky: true});
    line.addTo(groups[x.resource]);
    tag(line, 'data-resource', x.resource);
  });
  D.disposal.forEach(function (d) {
    var c = L.circleMarker([d.lat, d.lon], {radius: d.radius, color: '#252525', weight: 1.5, fillColor: '#282828', fillOpacity: 0.15,
      className: 'disposal'});
    popupOf(c, d.popup);
    c.addTo(groups[d.resource]);
    tag(c, 'data-resource', d.resource);
  });
  var actors = L.featureGroup();
  D.actors.forEach(function (a) {
    var c = L.circleMarker([a.lat, a.lon], {radius: 6, color: '#222', weight: 1.2, fillColor: COLOUR.test(a.colour) ? a.colour : '#999',
      fillOpacity: 1, className: 'actor'});
    popupOf(c, a.popup);
    c.addTo(actors);
    tag(c, 'data-node', a.node);
    label(c, a.name, 'actor-label', a.linked ? 1 : 2);
  });
  actors.addTo(map);
  var sites = L.featureGroup();
  D.sites.forEach(function (s) {
    var size = s.opened ? 15 : 10;
    var m = L.marker([s.lat, s.lon], {icon: L.divIcon({className: 'site ' + (s.opened ? 'opened' : 'candidate'), iconSize: [size, size]}),
      zIndexOffset: s.opened ? 1000 : 0, keyboard: false});
    popupOf(m, s.popup);
    m.addTo(sites);
    label(m, s.label, 'site-label ' + (s.opened ? 'opened' : 'candidate'), s.opened ? 0 : 3);
  });
  sites.addTo(map);
  D.resources.forEach(function (r) { overlays[controlLabel('ln', r.colour, r.label)] = groups[r.id]; });
  overlays[controlLabel('sw', '#cccccc', 'Actors')] = actors;
  if (D.sites.length) { overlays[controlLabel('sq', '', 'Sites')] = sites; }
  L.control.layers(null, overlays, {collapsed: true, position: 'topright'}).addTo(map);
  L.control.scale({metric: true, imperial: false, maxWidth: 150}).addTo(map);

  // ---- labels: placed in priority order, a label overlapping a placed one is hidden ----
  labels.sort(function (a, b) { return a.priority - b.priority; });
  function overlaps(a, b) { return !(a.right < b.left || b.right < a.left || a.bottom < b.top || b.bottom < a.top); }
  // markers are obstacles too: no label is drawn over another feature's marker
  function markerRects() {
    var rects = [];
    document.querySelectorAll('#map path.actor, #map .site').forEach(function (m) { rects.push(m.getBoundingClientRect()); });
    return rects;
  }
  function fits(r, placed, box) { return r.right <= box.right && !placed.some(function (p) { return overlaps(p, r); }); }
  function declutter() {
    var box = document.getElementById('map').getBoundingClientRect();
    var placed = markerRects();
    labels.forEach(function (l) {
      var tip = l.layer.getTooltip(), t = tip && tip.getElement();
      if (!t) { return; }
      t.classList.remove('off');
      if (tip.options.direction !== 'right') { tip.options.direction = 'right'; tip.options.offset = [8, -8]; tip.update(); }
      var r = t.getBoundingClientRect();
      if (!fits(r, placed, box)) {  // no room on the right of the marker: try its left
        tip.options.direction = 'left'; tip.options.offset = [-8, -8]; tip.update(); r = t.getBoundingClientRect();
      }
      if (fits(r, placed, box) && r.left >= box.left) { placed.push(r); } else { t.classList.add('off'); }
    });
    // a place name goes on its point, else above it, else below it, else it is hidden
    placeMarkers.forEach(function (m) {
      var e = m.getElement(); if (!e) { return; }
      var span = e.querySelector('span'), ok = false;
      e.classList.remove('off');
      for (var k = 0; k < PLACE_POSITIONS.length && !ok; k++) {
        span.className = PLACE_POSITIONS[k];
        var r = span.getBoundingClientRect();
        if (fits(r, placed, box)) { placed.push(r); ok = true; }
      }
      if (!ok) { e.classList.add('off'); }
    });
  }
  map.on('zoomend moveend overlayadd overlayremove', declutter);
  declutter();
  window.symnetMap = map;  // for scripting and tests
  document.body.setAttribute('data-ready', '1');
})();
