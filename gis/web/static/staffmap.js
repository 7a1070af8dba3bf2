/* Staff map pages (staffmap.html), configured by the JSON in <script id="map-config">:
 * {centre: [lat, lon], zoom, bounds: [[s, w], [n, e]] | null, fit: id of a geojson layer
 *  to zoom to, colours, control_collapsed,
 *  layers: [{id, kind: "vector" (the default) | "raster" | "geojson", name, show, ...}]}.
 * vector: MVT tiles of this server (url, layer, style, colour_by, popup, link; or styles:
 *   {mvt layer: {style, colour_by}} for tiles holding several layers);
 * raster: PNG tiles of this server (url, opacity);
 * geojson: features in the page (data, style, style_by, radius, popup, link).
 * Popups are built with textContent (never innerHTML); nothing is loaded from elsewhere.
 * The map, its layers by id and the layer control are left in window.landgis. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("map-config").textContent);
  var map = L.map("map", { maxZoom: 22 }).setView(cfg.centre, cfg.zoom);
  L.control.scale().addTo(map);

  function styleOf(def) {
    return function (props) {
      var st = Object.assign({}, def.style);
      if (def.colour_by && props[def.colour_by] != null) {
        var c = (cfg.colours || {})[String(props[def.colour_by]).slice(0, 2)];
        if (c) { st.fillColor = c; }
      }
      if (def.style_by && props[def.style_by.property] != null) {
        Object.assign(st, def.style_by.styles[String(props[def.style_by.property])] || {});
      }
      return st;
    };
  }

  function popupOf(def, props) {
    var box = document.createElement("div");
    (def.popup || []).forEach(function (pair) {
      var row = document.createElement("div");
      var label = document.createElement("b");
      label.textContent = pair[1] + ": ";
      row.appendChild(label);
      var v = props[pair[0]];
      row.appendChild(document.createTextNode(v == null || v === "" ? "—" : String(v)));
      box.appendChild(row);
    });
    if (def.link) {
      var a = document.createElement("a");
      a.href = def.link.replace(/\{(\w+)\}/g, function (_, k) {
        return encodeURIComponent(props[k] == null ? "" : String(props[k]));
      });
      a.textContent = def.link_label || "详情 details";
      box.appendChild(a);
    }
    return box;
  }

  function vectorLayer(def) {
    var styles = {};
    if (def.styles) {  // several MVT layers in one tile (the base map): a style for each
      Object.keys(def.styles).forEach(function (name) { styles[name] = styleOf(def.styles[name]); });
    } else {
      styles[def.layer] = styleOf(def);
    }
    var layer = L.vectorGrid.protobuf(def.url, {
      vectorTileLayerStyles: styles, interactive: !!(def.popup && def.popup.length),
      maxNativeZoom: 18, maxZoom: 22, attribution: "landgis"
    });
    if (def.popup && def.popup.length) {
      layer.on("click", function (e) {
        L.popup().setLatLng(e.latlng).setContent(popupOf(def, e.layer.properties)).openOn(map);
      });
    }
    return layer;
  }

  function rasterLayer(def) {
    return L.tileLayer(def.url, {
      maxZoom: 22, maxNativeZoom: 22, opacity: def.opacity == null ? 1 : def.opacity,
      attribution: def.attribution || "landgis", bounds: cfg.bounds || undefined
    });
  }

  function geojsonLayer(def) {
    var style = styleOf(def);
    return L.geoJSON(def.data, {
      style: function (f) { return style(f.properties || {}); },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, Object.assign({ radius: def.radius || 7 }, style(f.properties || {})));
      },
      onEachFeature: function (f, lyr) {
        if (def.popup && def.popup.length) { lyr.bindPopup(popupOf(def, f.properties || {})); }
      }
    });
  }

  var makers = { vector: vectorLayer, raster: rasterLayer, geojson: geojsonLayer };
  var layers = {}, overlays = {};
  cfg.layers.forEach(function (def) {
    var layer = makers[def.kind || "vector"](def);
    if (def.show !== false) { layer.addTo(map); }
    layers[def.id || def.name] = layer;
    overlays[def.name] = layer;
  });
  var control = L.control.layers(null, overlays, {
    collapsed: !!cfg.control_collapsed, position: "bottomleft"
  }).addTo(map);
  if (cfg.bounds) { map.fitBounds(cfg.bounds); }
  if (cfg.fit && layers[cfg.fit] && layers[cfg.fit].getBounds().isValid()) {
    map.fitBounds(layers[cfg.fit].getBounds(), { maxZoom: 18 });  // the features in the page
  }
  window.landgis = { map: map, layers: layers, control: control, config: cfg };
})();
