/* The land market page: listings from #auction-data drawn on the map (coloured by state),
 * the list beside it filtered by state, use and town, a pick zooming the map to the
 * listing, and each countdown ticking (seconds left by the server's clock at load).
 * Text goes in with textContent only. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var map = window.landgisMap;
  var data = JSON.parse(document.getElementById("auction-data").textContent);
  var shapes = L.featureGroup().addTo(map);
  var byId = {};

  function row(box, label, value) {
    var div = document.createElement("div");
    var b = document.createElement("b");
    b.textContent = label + ": ";
    div.appendChild(b);
    div.appendChild(document.createTextNode(value == null ? "—" : String(value)));
    box.appendChild(div);
  }

  function popup(c) {
    var box = document.createElement("div");
    box.className = "auction-popup";
    box.dataset.listing = String(c.id);
    var title = document.createElement("strong");
    title.textContent = c.title;
    box.appendChild(title);
    row(box, "编号 listing", c.code);
    row(box, "状态 state", c.phase.zh + " " + c.phase.en);
    row(box, "用途 use", c.use.code + " " + c.use.zh + " " + c.use.en);
    row(box, "坐落 location", c.location);
    row(box, "面积 area", c.area);
    row(box, "起始价 start price", c.start_price);
    if (c.current_price) { row(box, "当前价 current price", c.current_price); }
    if (c.final_price) { row(box, "成交价 final price", c.final_price); }
    row(box, "截止 deadline", c.deadline);
    var a = document.createElement("a");
    a.href = "/maps/auctions/" + c.id;
    a.textContent = "详情 details →";
    box.appendChild(a);
    return box;
  }

  data.forEach(function (c) {
    var shape = L.geoJSON(c.geometry, {
      style: { color: c.colour, fillColor: c.colour, weight: 2, fillOpacity: 0.55 }
    });
    shape.bindPopup(popup(c), { maxWidth: 340 });
    shape.bindTooltip(c.code + " · " + c.phase.zh);
    shape.on("click", function () { mark(c.id); });
    shape.addTo(shapes);
    byId[c.id] = shape;
  });
  if (data.length) { map.fitBounds(shapes.getBounds(), { maxZoom: 16, padding: [20, 20] }); }

  var items = Array.prototype.slice.call(document.querySelectorAll("#listings li.listing"));
  function mark(id) {
    items.forEach(function (li) { li.classList.toggle("picked", li.dataset.id === String(id)); });
    document.body.dataset.picked = String(id);
  }
  function pick(id) {
    var shape = byId[id];
    if (!shape) { return; }
    mark(id);
    map.fitBounds(shape.getBounds(), { maxZoom: 18, padding: [40, 40] });
    shape.openPopup(shape.getBounds().getCenter());
  }
  items.forEach(function (li) {
    li.addEventListener("click", function (e) {
      if (e.target.tagName === "A") { return; }
      pick(li.dataset.id);
    });
  });

  var form = document.getElementById("filters");
  function filter() {
    var want = { phase: form.phase.value, use: form.use.value, town: form.town.value };
    var shown = 0;
    items.forEach(function (li) {
      var ok = ["phase", "use", "town"].every(function (k) {
        return !want[k] || li.dataset[k] === want[k];
      });
      li.hidden = !ok;
      var shape = byId[li.dataset.id];
      if (ok) { shown += 1; shapes.addLayer(shape); } else { shapes.removeLayer(shape); }
    });
    document.getElementById("shown-count").textContent = String(shown);
  }
  form.addEventListener("change", filter);

  function two(n) { return (n < 10 ? "0" : "") + n; }
  function show(s) {
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var text = two(h) + ":" + two(Math.floor((s % 3600) / 60)) + ":" + two(s % 60);
    return (d > 0 ? d + "天 d " : "") + text;
  }
  var loaded = Date.now();
  var clocks = Array.prototype.slice.call(document.querySelectorAll(".countdown[data-seconds]"));
  setInterval(function () {
    var gone = Math.floor((Date.now() - loaded) / 1000);
    clocks.forEach(function (el) {
      var left = Math.max(0, Number(el.dataset.seconds) - gone);
      el.querySelector(".left").textContent = show(left);
    });
  }, 1000);
  document.body.dataset.ready = "1";
});
