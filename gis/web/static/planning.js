/* The planners' map (planning.html): the compliance form posts to the API named in its
 * data-api attribute, lists the verdict, conflicts and warnings (textContent only) and
 * draws the checked parcel on the map in the verdict's colour (red conflict, green
 * compliant), zoomed to. */
(function () {
  "use strict";
  var map = window.landgis.map, form = document.getElementById("compliance");
  var out = document.getElementById("out"), drawn = null;
  var COLOURS = { conflict: "#d7191c", compliant: "#1a9641" };

  function line(parent, tag, text, id) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (id) { el.id = id; }
    parent.appendChild(el);
    return el;
  }

  function show(d) {
    out.textContent = "";
    line(out, "b", d.verdict, "verdict").className = "verdict-" + d.verdict;
    line(out, "div", (d.verdict === "conflict" ? "不符合规划" : "符合规划") + " · " + d.edition_name);
    var list = line(out, "ul", "");
    d.conflicts.forEach(function (c) {
      line(list, "li", c.message_zh + " " + c.message_en + ": " + c.area_m2 + " m²");
    });
    d.warnings.forEach(function (w) { line(list, "li", "⚠ " + w.message_zh + " " + w.message_en); });
  }

  async function draw(unitCode, verdict) {
    if (drawn) { map.removeLayer(drawn); drawn = null; }
    var r = await fetch("/ogc/collections/parcels/items/" + encodeURIComponent(unitCode));
    if (!r.ok) { return; }
    var colour = COLOURS[verdict] || "#333";
    drawn = L.geoJSON(await r.json(), {
      style: { color: colour, weight: 4, fillColor: colour, fillOpacity: 0.35 }
    }).bindTooltip(unitCode + " · " + verdict, { permanent: true }).addTo(map);
    drawn.eachLayer(function (l) { l.getElement().classList.add("compliance-result"); });
    map.fitBounds(drawn.getBounds(), { maxZoom: 18 });
  }

  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var code = document.getElementById("uc").value.trim();
    var body = { unit_code: code, proposed_land_use: document.getElementById("cls").value };
    var r = await fetch(form.dataset.api, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    });
    var d = await r.json();
    if (!r.ok) {
      out.textContent = typeof d.detail === "string" ? d.detail : JSON.stringify(d.detail);
      if (drawn) { map.removeLayer(drawn); drawn = null; }
      return;
    }
    show(d);
    await draw(code, d.verdict);
  });
})();
