/* Links fetched when a page opens: every element with data-links-url gets the JSON
 * answer [{href, zh, en}] as anchors (textContent only), so a cached page still shows
 * links that change without it (a listing opened on a parcel). */
(function () {
  "use strict";
  document.querySelectorAll("[data-links-url]").forEach(function (box) {
    fetch(box.getAttribute("data-links-url"), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (links) {
        links.forEach(function (l) {
          var a = document.createElement("a");
          a.href = l.href;
          a.className = "parcel-link";
          a.textContent = l.zh + " " + l.en;
          box.appendChild(a);
          box.appendChild(document.createElement("br"));
        });
        box.setAttribute("data-loaded", String(links.length));
      });
  });
})();
