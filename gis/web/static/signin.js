/* Staff sign-in, one copy for the staff pages (registrars' desk, survey map, field syncs).
   The page has a form #login (#username, #password, #login-error), a link #logout and a
   span #who; the token lives in sessionStorage (gone when the tab closes).
   LandgisSignIn.attach({ panel, showRole, roles, refusal, onSignedIn }) wires them and
   returns { token, signedIn, signOut }. */
(function () {
  "use strict";
  var KEYS = ["landgis.token", "landgis.user", "landgis.role"];
  function $(id) { return document.getElementById(id); }
  function token() { return sessionStorage.getItem("landgis.token"); }

  function attach(opts) {
    function signedIn() {
      var t = token();
      $("login").hidden = !!t; $("logout").hidden = !t;
      if (opts.panel) { $(opts.panel).hidden = !t; }
      var who = sessionStorage.getItem("landgis.user") || "";
      if (opts.showRole) { who += " (" + sessionStorage.getItem("landgis.role") + ")"; }
      $("who").textContent = t ? " · " + who : "";
      return !!t;
    }
    function signOut(why) {
      KEYS.forEach(function (k) { sessionStorage.removeItem(k); });
      signedIn();
      $("login-error").textContent = why || "";
    }
    $("login").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var form = new URLSearchParams();
      form.set("username", $("username").value.trim());
      form.set("password", $("password").value);
      fetch("/api/v1/auth/token", { method: "POST", body: form })
        .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
        .then(function (res) {
          if (!res.ok) { $("login-error").textContent = "登录失败 sign-in failed: " + (res.body.detail || ""); return; }
          if (opts.roles && opts.roles.indexOf(res.body.role) < 0) {
            $("login-error").textContent = opts.refusal(res.body.role);
            return;
          }
          sessionStorage.setItem("landgis.token", res.body.access_token);
          sessionStorage.setItem("landgis.user", $("username").value.trim());
          sessionStorage.setItem("landgis.role", res.body.role);
          $("password").value = "";
          signedIn();
          if (opts.onSignedIn) { opts.onSignedIn(); }
        });
    });
    $("logout").addEventListener("click", function (ev) { ev.preventDefault(); signOut(); });
    return { token: token, signedIn: signedIn, signOut: signOut };
  }
  window.LandgisSignIn = { attach: attach };
}());
