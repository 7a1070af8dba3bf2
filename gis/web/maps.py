"""Offline folium maps: Leaflet and jQuery come from this server, never from a CDN.

Call :func:`offline_map` instead of ``folium.Map``; the vendor files are served
under ``/static/vendor`` by :data:`gis.web.static.router`.
"""

from __future__ import annotations

from typing import Any

import folium
from branca.element import Template
from folium.elements import JSCSSMixin
from folium.map import Layer

from gis.web.nav import bar_html

VENDOR = "/static/vendor"
OFFLINE_JS = [
    ("leaflet", f"{VENDOR}/leaflet/leaflet.js"),
    ("jquery", f"{VENDOR}/jquery/jquery.min.js"),
]
OFFLINE_CSS = [
    ("leaflet_css", f"{VENDOR}/leaflet/leaflet.css"),
    ("landgis_css", "/static/landgis.css"),
]

LAND_USE_COLOURS = {
    "01": "#f2e35c",
    "02": "#c7e07a",
    "03": "#3f9b4f",
    "04": "#a6d96a",
    "05": "#e8516e",
    "06": "#9d7bb8",
    "07": "#f6a04d",
    "08": "#4a90d9",
    "09": "#8c6d46",
    "10": "#9a9a9a",
    "11": "#5bc0eb",
    "12": "#d8c9a8",
}


def configure_offline() -> None:
    """Point folium's default Leaflet/jQuery links at this server's copies (idempotent)."""
    folium.Map.default_js = list(OFFLINE_JS)
    folium.Map.default_css = list(OFFLINE_CSS)


def offline_map(location: tuple[float, float], zoom: int = 14, **kwargs: Any) -> folium.Map:
    """A folium map with no external tile layer; ``location`` is (lat, lon) as folium wants."""
    configure_offline()
    fmap = folium.Map(
        location=list(location),
        zoom_start=zoom,
        tiles=None,
        control_scale=True,
        max_zoom=22,
        **kwargs,
    )
    page_root(fmap).header.add_child(
        folium.Element('<meta name="viewport" content="width=device-width, initial-scale=1">')
    )
    return fmap


def page_root(fmap: folium.Map) -> folium.Figure:
    """The HTML document a map belongs to (to add header or body elements)."""
    root = fmap.get_root()
    assert isinstance(root, folium.Figure)
    return root


def land_use_colour(code: str) -> str:
    return LAND_USE_COLOURS.get(code[:2], "#cccccc")


def render(fmap: folium.Map, title: str, header_html: str = "", current: str | None = None) -> str:
    """The map as a full HTML page with the shared top bar (title and navigation);
    ``header_html`` is trusted HTML after the title, ``current`` the page's nav href."""
    root = page_root(fmap)
    root.title = title  # type: ignore[attr-defined]
    root.html.add_child(folium.Element(bar_html(title, current, header_html)))
    return root.render()


VECTORGRID_JS = f"{VENDOR}/vectorgrid/Leaflet.VectorGrid.bundled.min.js"
BASEMAP_TILES = "/ogc/tiles/WebMercatorQuad/{z}/{y}/{x}"  # OGC order: matrix/row/col
DEFAULT_BASEMAP_STYLES: dict[str, dict[str, Any]] = {
    "style": {"weight": 0.6, "color": "#666666", "fill": True, "fillOpacity": 0.4},
}


class VectorBasemap(JSCSSMixin, Layer):
    """A Leaflet.VectorGrid layer drawing this server's MVT tiles (no CDN, no raster tiles).

    ``styles`` maps an MVT layer (a collection id) to ``{"style": {...Leaflet path
    options...}, "colour_by": "land_use", "colours": {"01": "#..."}}``; ``colour_by``
    fills each feature by the first two characters of that property.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var styles = {{ this.styles|tojson }};
            var fallback = {{ this.fallback|tojson }};
            var layerStyles = {};
            Object.keys(styles).forEach(function (name) {
                var s = styles[name];
                layerStyles[name] = function (p) {
                    var st = Object.assign({}, s.style || fallback);
                    if (s.colour_by && p[s.colour_by] != null) {
                        var c = s.colours[String(p[s.colour_by]).slice(0, 2)];
                        if (c) { st.fillColor = c; }
                    }
                    return st;
                };
            });
            return L.vectorGrid.protobuf({{ this.url|tojson }}, {
                vectorTileLayerStyles: layerStyles,
                interactive: false,
                maxNativeZoom: {{ this.max_native_zoom }},
                maxZoom: 22,
                attribution: "landgis"
            });
        })();
        {% endmacro %}
        """
    )
    default_js = [("leaflet_vectorgrid", VECTORGRID_JS)]

    def __init__(
        self,
        url: str,
        styles: dict[str, dict[str, Any]],
        name: str = "底图 base map",
        max_native_zoom: int = 18,
    ) -> None:
        super().__init__(name=name, overlay=False, control=True, show=True)
        self._name = "VectorBasemap"
        self.url = url
        self.styles = styles
        self.fallback = DEFAULT_BASEMAP_STYLES["style"]
        self.max_native_zoom = max_native_zoom


def add_vector_basemap(
    fmap: folium.Map,
    layers: dict[str, dict[str, Any]] | None = None,
    url: str = BASEMAP_TILES,
    name: str = "底图 base map",
) -> VectorBasemap:
    """Add this server's vector base map to an :func:`offline_map`; returns the layer.

    ``layers`` maps collection ids to styles (see :class:`VectorBasemap`); when given,
    only those collections are requested (OGC ``collections`` parameter), else every
    public collection comes in the default style. ``url`` is a Leaflet ``{z}/{y}/{x}`` template
    on this server (relative URLs keep the page working offline).
    """
    if layers:
        sep = "&" if "?" in url else "?"
        url = f"{url}{sep}collections={','.join(layers)}"
    layer = VectorBasemap(url, dict(layers or {}), name=name)
    layer.add_to(fmap)
    return layer
