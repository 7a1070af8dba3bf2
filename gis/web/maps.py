"""Offline folium maps: Leaflet and jQuery come from this server, never from a CDN.

Call :func:`offline_map` instead of ``folium.Map``; the vendor files are served
under ``/static/vendor`` by :data:`gis.web.static.router`.
"""

from __future__ import annotations

from typing import Any

import folium

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


def render(fmap: folium.Map, title: str, header_html: str = "") -> str:
    """The map as a full HTML page with a title bar."""
    root = page_root(fmap)
    root.title = title  # type: ignore[attr-defined]
    root.html.add_child(
        folium.Element(
            f'<div class="landgis-bar"><a href="/">landgis</a> · {title}{header_html}</div>'
        )
    )
    return root.render()
