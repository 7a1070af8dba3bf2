/* One listing's page: its parcel drawn and framed on the map, and the live figures kept
 * up to date by polling /live (no reload): prices in 万元, the countdown to the next event
 * (opening while upcoming, the deadline while open or on-site), none once bidding is over. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var map = window.landgisMap;
  var page = JSON.parse(document.getElementById("listing-data").textContent);
  var shape = L.geoJSON(page.geometry, {
    style: { color: page.colour, fillColor: page.colour, weight: 3, fillOpacity: 0.45 }
  }).addTo(map);
  map.fitBounds(shape.getBounds(), { maxZoom: 18, padding: [60, 60] });

  var live = page.live;
  var EVENT_PHASES = { upcoming: true, open: true, onsite: true };
  var countdown = document.getElementById("countdown");
  var left = countdown ? Number(countdown.dataset.seconds) : 0;

  function wan(s) {
    if (s === null || s === undefined) { return "—"; }
    var v = Number(s) / 10000;
    return v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " 万元";
  }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function show() {
    if (!countdown) { return; }
    var s = Math.max(0, left);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var text = two(h) + ":" + two(Math.floor((s % 3600) / 60)) + ":" + two(s % 60);
    countdown.textContent = (d > 0 ? d + "天 d " : "") + text;
  }
  function set(id, v) { document.getElementById(id).textContent = v === null ? "—" : v; }
  function stamp(iso) { return Date.parse(iso.replace(/\.\d+/, "")); }
  function when(iso) {
    var m = /^(\d+)-(\d+)-(\d+)T(\d+:\d+)/.exec(iso);
    return m ? Number(m[1]) + "年" + Number(m[2]) + "月" + Number(m[3]) + "日 " + m[4] : iso;
  }
  function poll() {
    fetch("/api/v1/trading/listings/" + live.id + "/live", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        set("current-price", wan(d.current_price));
        set("next-minimum", wan(d.next_minimum));
        set("bid-count", String(d.bid_count));
        set("phase", d.phase.zh + " " + d.phase.en);
        set("deadline", when(d.deadline));
        document.getElementById("listing").dataset.phase = d.phase.code;
        if (!EVENT_PHASES[d.phase.code]) {
          var block = document.querySelector(".next-event");
          if (block) { block.remove(); }
          countdown = null;
        } else if (d.phase.code === "upcoming") {
          left = Math.round((stamp(live.bid_start) - stamp(d.server_time)) / 1000);
        } else {
          left = d.seconds_left;
        }
        show();
        document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
      })
      .catch(function () {});
  }
  show();
  setInterval(function () { if (left > 0) { left -= 1; show(); } }, 1000);
  setInterval(poll, live.every_ms);
});
