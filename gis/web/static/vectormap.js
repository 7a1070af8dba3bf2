/* A Leaflet map drawn from this server's vector tiles (Leaflet.VectorGrid), configured by
 * the JSON in <script id="map-config">: {centre: [lat, lon], zoom, colours, layers: [{name,
 * url, layer, style, colour_by, show, interactive, popup: [[property, label]...], link}]}.
 * No inline script, no CDN; popups are built from tile properties with textContent. */
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
      return st;
    };
  }

  function popupOf(def, props) {
    var box = document.createElement("div");
    def.popup.forEach(function (pair) {
      var row = document.createElement("div");
      var label = document.createElement("b");
      label.textContent = pair[1] + ": ";
      row.appendChild(label);
      row.appendChild(document.createTextNode(props[pair[0]] == null ? "—" : String(props[pair[0]])));
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

  var overlays = {};
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
        L.popup().setLatLng(e.latlng).setContent(popupOf(def, e.layer.properties)).openOn(map);
      });
    }
    if (def.show) { layer.addTo(map); }
    overlays[def.name] = layer;
  });
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  window.landgisMap = map;
  window.landgisOverlays = overlays; // e.g. for the time slider (timeslider.js)
})();
