/* A time slider over a vector map page (vectormap.js): replaces one overlay by the same
 * collection's tiles of a past instant (?datetime=), configured by the JSON in
 * <script id="time-slider-config">: {overlay: name of the overlay, url: its {z}/{x}/{y}
 * tile URL, instants: [RFC 3339...] oldest first}. The last slider position is the
 * present (the page's own layer). "Replay" steps through the instants once. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("time-slider-config").textContent);
  var map = window.landgisMap;
  var overlays = window.landgisOverlays || {};
  var current = overlays[cfg.overlay];
  var range = document.getElementById("time-slider-range");
  var label = document.getElementById("time-slider-label");
  var play = document.getElementById("time-slider-play");
  if (!map || !current) { return; }
  var style = current.options.vectorTileLayerStyles;
  var pastLayer = null;
  var timer = null;

  function show(i) {
    if (pastLayer) { map.removeLayer(pastLayer); pastLayer = null; }
    if (i >= cfg.instants.length) {
      label.textContent = "现在 now";
      if (!map.hasLayer(current)) { current.addTo(map); }
      return;
    }
    var at = cfg.instants[i];
    label.textContent = at.replace("T", " ").slice(0, 19);
    if (map.hasLayer(current)) { map.removeLayer(current); }
    pastLayer = L.vectorGrid.protobuf(cfg.url + "?datetime=" + encodeURIComponent(at), {
      vectorTileLayerStyles: style,
      maxNativeZoom: 18,
      maxZoom: 22,
      attribution: "landgis"
    }).addTo(map);
    window.landgisPastLayer = pastLayer;
  }

  range.addEventListener("input", function () { show(Number(range.value)); });
  play.addEventListener("click", function () {
    if (timer) { clearInterval(timer); timer = null; return; }
    var i = 0;
    range.value = "0";
    show(0);
    timer = setInterval(function () {
      i += 1;
      range.value = String(i);
      show(i);
      if (i >= cfg.instants.length) { clearInterval(timer); timer = null; }
    }, 1200);
  });
})();
