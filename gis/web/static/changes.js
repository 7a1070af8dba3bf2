/* The enforcement map (changes.html): the swipe bar clips the "after" scene so that the
 * "before" one shows left of the bar; a patch picked in the list is zoomed to and opened. */
(function () {
  "use strict";
  var lg = window.landgis, map = lg.map, after = lg.layers.after, patches = lg.layers.patches;
  var input = document.getElementById("landgis-swipe");

  function clip() {
    var c = after.getContainer();
    if (!c) { return; }
    var size = map.getSize(), x = size.x * input.value / 100;
    var nw = map.containerPointToLayerPoint([0, 0]);
    var se = map.containerPointToLayerPoint(size);
    c.style.clip = "rect(" + [nw.y, se.x, se.y, nw.x + x].join("px,") + "px)";
  }
  input.addEventListener("input", clip);
  map.on("move zoom moveend zoomend", clip);
  after.on("load", clip);
  clip();

  document.querySelectorAll("#patch-list li.patch").forEach(function (item) {
    item.addEventListener("click", function () {
      patches.eachLayer(function (layer) {
        if (String(layer.feature.id) === item.dataset.id) {
          map.fitBounds(layer.getBounds(), { maxZoom: 18 });
          layer.openPopup();
        }
      });
    });
  });
})();
