/* 批后监管 page (/maps/monitoring): draws the sold parcels of <script id="monitoring-data">
 * (GeoJSON, EPSG:4490 lon/lat; properties unit_code, status, label, verdict, finding;
 * "colours": status -> fill) over the vector map of vectormap.js, fits the view to them,
 * and links each to its entry in the side list. Popups are built with textContent. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("monitoring-data").textContent);
  var map = window.landgisMap;
  if (!map || !data.features.length) { return; }
  function popup(props) {
    var box = document.createElement("div");
    [props.unit_code, props.label, props.verdict, props.finding ? "案件 case " + props.finding : ""]
      .forEach(function (text) {
        if (!text) { return; }
        var row = document.createElement("div");
        row.textContent = text;
        box.appendChild(row);
      });
    return box;
  }
  var layer = L.geoJSON(data, {
    style: function (f) {
      return {
        color: f.properties.finding ? "#000000" : "#333333",
        weight: f.properties.finding ? 3 : 1.5,
        fillColor: data.colours[f.properties.status] || "#999999",
        fillOpacity: 0.7
      };
    },
    onEachFeature: function (f, l) {
      l.bindPopup(function () { return popup(f.properties); });
      l.on("click", function () {
        var item = document.querySelector('[data-unit-code="' + f.properties.unit_code + '"]');
        if (item) { item.scrollIntoView({ block: "nearest" }); }
      });
    }
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [40, 40], maxZoom: 18 });
  window.landgisSold = layer;
})();
