/* A Leaflet map drawn from this server's vector tiles (Leaflet.VectorGrid), configured by
 * the JSON in <script id="map-config">: {centre: [lat, lon], zoom, colours, names,
 * search_url, labels: [{text, lon, lat, kind, minzoom}], labels_url, shapes: [{name, geojson,
 * style}], layers: [{name, url, layer,
 * style, colour_by, show, interactive, popup: [[property, label, format?]...], link,
 * links_url}]}. No inline script, no CDN; popups are built with textContent. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("map-config").textContent);
  var map = L.map("map", { maxZoom: 22 }).setView(cfg.centre, cfg.zoom);
  L.control.scale().addTo(map);
  var SQM_PER_MU = 10000 / 15;

  function styleOf(def) {
    return function (props) {
      var st = Object.assign({}, def.style);
      if (def.colour_by && props[def.colour_by] != null) {
        var c = (cfg.colours || {})[String(props[def.colour_by]).slice(0, 2)];
        if (c) { st.fillColor = c; }
      }
      return st;
    };
  }

  function number(value, digits) {
    return Number(value).toLocaleString("zh-CN", {
      minimumFractionDigits: digits, maximumFractionDigits: digits
    });
  }

  function shown(entry, value) {
    if (value == null || value === "") { return "—"; }
    var format = entry[2];
    if (format === "names") {
      var table = (cfg.names || {})[entry[0]] || {};
      return table[String(value)] || String(value);
    }
    if (format === "area") {
      return number(value, 1) + " m² · " + number(Number(value) / SQM_PER_MU, 2) + " 亩";
    }
    return String(value);
  }

  function fill(template, props) {
    return template.replace(/\{(\w+)\}/g, function (_, k) {
      return encodeURIComponent(props[k] == null ? "" : String(props[k]));
    });
  }

  function anchor(href, text, cls) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    a.className = cls;
    return a;
  }

  function popupOf(def, props) {
    var box = document.createElement("div");
    box.className = "landgis-popup";
    def.popup.forEach(function (entry) {
      var row = document.createElement("div");
      var label = document.createElement("b");
      label.textContent = entry[1] + ": ";
      row.appendChild(label);
      var value = document.createElement("span");
      value.className = "popup-" + entry[0];
      value.textContent = shown(entry, props[entry[0]]);
      row.appendChild(value);
      box.appendChild(row);
    });
    var links = document.createElement("div");
    links.className = "popup-links";
    if (def.link) {
      links.appendChild(anchor(fill(def.link, props), def.link_label || "宗地详情 parcel page", "popup-page"));
    }
    box.appendChild(links);
    if (def.links_url) {
      fetch(fill(def.links_url, props), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (more) {
          more.forEach(function (l) {
            links.appendChild(document.createElement("br"));
            links.appendChild(anchor(l.href, l.zh + " " + l.en, "popup-extra"));
          });
          links.setAttribute("data-loaded", "1");
        })
        .catch(function () { links.setAttribute("data-loaded", "0"); });
    }
    return box;
  }

  var overlays = {};
  (cfg.shapes || []).forEach(function (def) {
    var shape = L.geoJSON(def.geojson, { style: def.style, interactive: false });
    shape.addTo(map);
    overlays[def.name] = shape;
  });
  cfg.layers.forEach(function (def) {
    var styles = {};
    styles[def.layer] = styleOf(def);
    var layer = L.vectorGrid.protobuf(def.url, {
      vectorTileLayerStyles: styles,
      interactive: !!def.interactive,
      maxNativeZoom: 18,
      maxZoom: 22,
      attribution: "landgis"
    });
    if (def.interactive && def.popup) {
      layer.on("click", function (e) {
        L.popup({ maxWidth: 360 }).setLatLng(e.latlng).setContent(popupOf(def, e.layer.properties)).openOn(map);
      });
    }
    if (def.show) { layer.addTo(map); }
    overlays[def.name] = layer;
  });

  // place names (镇街, 社区, river, village...) as text labels shown from their zoom on:
  // the district-wide ones come with the page, those of the view from labels_url as the
  // map moves (only the newest answer is drawn)
  var labels = L.layerGroup();
  var viewLabels = L.layerGroup().addTo(labels);
  function labelMarker(p) {
    var icon = L.divIcon({ className: "landgis-label landgis-label-" + p.kind, html: "", iconSize: null });
    var m = L.marker([p.lat, p.lon], { icon: icon, interactive: false, keyboard: false });
    m.on("add", function () {
      var span = document.createElement("span");
      span.textContent = p.text;
      m.getElement().textContent = "";
      m.getElement().appendChild(span);
    });
    m.minzoom = p.minzoom || 0;
    return m;
  }
  (cfg.labels || []).forEach(function (p) { labels.addLayer(labelMarker(p)); });
  function showLabels() {
    labels.eachLayer(function (m) {
      var el = m.getElement && m.getElement();
      if (el) { el.style.display = map.getZoom() >= m.minzoom ? "" : "none"; }
    });
  }
  var asked = 0;
  function loadViewLabels() {
    var ask = ++asked;
    var zoom = Math.round(map.getZoom());
    if (!cfg.labels_url || zoom < 14) { viewLabels.clearLayers(); return; }
    var b = map.getBounds().pad(0.2);
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
      return v.toFixed(6);
    }).join(",");
    fetch(cfg.labels_url + "?bbox=" + bbox + "&zoom=" + zoom, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (found) {
        if (ask !== asked) { return; }
        viewLabels.clearLayers();
        found.forEach(function (p) { viewLabels.addLayer(labelMarker(p)); });
        map.getContainer().dataset.viewLabels = String(found.length);
      })
      .catch(function () { /* the names are a help, not the map: keep the old ones */ });
  }
  if ((cfg.labels || []).length || cfg.labels_url) {
    labels.addTo(map);
    map.on("zoomend", showLabels);
    map.on("moveend", loadViewLabels);
    showLabels();
    loadViewLabels();
    overlays["地名 place names"] = labels;
  }
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);

  // the search box: unit code, road, town or community; a hit zooms the map to it
  var form = document.getElementById("place-search");
  if (form && cfg.search_url) {
    var input = form.querySelector("input[name=q]");
    var list = document.getElementById("place-hits");
    var outline = null;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var q = input.value.trim();
      list.textContent = "";
      if (!q) { return; }
      fetch(cfg.search_url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (hits) {
          if (!hits.length) {
            var none = document.createElement("li");
            none.textContent = "未找到 nothing found";
            list.appendChild(none);
          }
          hits.forEach(function (h, i) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.href = "#";
            a.textContent = h.kind_zh + " " + h.label;
            a.addEventListener("click", function (ev2) { ev2.preventDefault(); go(h); });
            li.appendChild(a);
            list.appendChild(li);
            if (i === 0) { go(h); }
          });
          list.setAttribute("data-count", String(hits.length));
        });
    });
    var go = function (h) {
      var b = L.latLngBounds([h.bbox[1], h.bbox[0]], [h.bbox[3], h.bbox[2]]);
      if (outline) { map.removeLayer(outline); }
      outline = L.rectangle(b, { color: "#d7191c", weight: 2, fill: false, dashArray: "6 4" }).addTo(map);
      map.fitBounds(b, { maxZoom: 19, padding: [30, 30] });
    };
  }
  window.landgisMap = map;
  window.landgisOverlays = overlays; // e.g. for the time slider (timeslider.js)
})();
