/* Starts Swagger UI with the options in <script id="swagger-config"> (see gis/web/docs.py). */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("swagger-config").textContent);
  cfg.oauth2RedirectUrl = window.location.origin + cfg.oauth2RedirectUrl;
  cfg.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  window.ui = SwaggerUIBundle(cfg);
})();
