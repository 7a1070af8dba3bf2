"""Layers of the vector-tile map pages (``vectormap.html`` + ``static/vectormap.js``):
each draws one collection's MVT tiles from this server, so a page holds no features and
its size does not grow with the data."""

from __future__ import annotations

from typing import Any

from gis.tiles import service
from gis.tiles.tilesets import Tileset
from gis.web.maps import LAND_USE_COLOURS

OGC_TO_LEAFLET = {"{tileMatrix}": "{z}", "{tileCol}": "{x}", "{tileRow}": "{y}"}


def tile_url(collection_id: str) -> str:
    """The relative Leaflet ``{z}/{x}/{y}`` URL of a collection's MVT tiles, read from its
    OGC tileset metadata so that it follows whatever path order the tiles API serves."""
    meta = service.tileset_metadata("", Tileset(id=collection_id, title=collection_id, layers=()))
    href = next(link["href"] for link in meta["links"] if link["rel"] == "item")
    for ogc, leaflet in OGC_TO_LEAFLET.items():
        href = href.replace(ogc, leaflet)
    return str(href)


def layer(
    collection_id: str,
    name: str,
    style: dict[str, Any],
    *,
    show: bool = True,
    colour_by: str | None = None,
    popup: list[tuple[str, ...]] | None = None,
    link: str | None = None,
    links_url: str | None = None,
) -> dict[str, Any]:
    """One layer of a vector map page: ``style`` is Leaflet path options, ``colour_by`` a
    property whose first two characters pick the fill from the land-use colours, ``popup``
    (property, label[, format]) shown on click (the layer is then clickable; format
    ``names`` shows the value's name from the page's ``names`` table, ``area`` an area in
    m² as m² and 亩), ``link`` a URL template such as ``/maps/parcels?unit_code={unit_code}``
    added to the popup, ``links_url`` a URL template answering more links as JSON
    ``[{href, zh, en}]`` (fetched when the popup opens). The tiles' MVT layer is named
    after ``collection_id`` at every zoom: a collection's overviews draw into their parent's
    layer (``extra["layer_name"]``), so a page needs no catalog to name it."""
    return {
        "name": name,
        "url": tile_url(collection_id),
        "layer": collection_id,  # its tiles' layer: overviews draw into their parent's
        "style": style,
        "colour_by": colour_by,
        "show": show,
        "interactive": bool(popup),
        "popup": [list(p) for p in popup or []],
        "link": link,
        "links_url": links_url,
    }


def map_config(
    centre_lon_lat: tuple[float, float],
    zoom: int,
    layers: list[dict[str, Any]],
    *,
    names: dict[str, dict[str, str]] | None = None,
    search_url: str | None = None,
    labels: list[dict[str, Any]] | None = None,
    labels_url: str | None = None,
    shapes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The JSON a vector map page hands to ``vectormap.js`` (centre as lon/lat, EPSG:4490):
    ``names`` maps a property to {code: display name} for popups, ``search_url`` answers
    the page's search box (``?q=``: [{label, kind_zh, kind_en, bbox}]), ``labels`` are
    place names drawn on the map ({text, lon, lat, kind, minzoom}), ``labels_url`` answers
    those of the map's view as it moves (``?bbox=w,s,e,n&zoom=z``: the same objects),
    ``shapes`` a few extra features drawn under the tiles' popups ({name, geojson, style})."""
    lon, lat = centre_lon_lat
    return {
        "centre": [round(lat, 7), round(lon, 7)],
        "zoom": zoom,
        "colours": LAND_USE_COLOURS,
        "layers": layers,
        "names": names or {},
        "search_url": search_url,
        "labels": labels or [],
        "labels_url": labels_url,
        "shapes": shapes or [],
    }
