"""Layers of the vector-tile map pages (``vectormap.html`` + ``static/vectormap.js``):
each draws one collection's MVT tiles from this server, so a page holds no features and
its size does not grow with the data."""

from __future__ import annotations

from typing import Any

from gis.tiles import service, tilesets
from gis.web.maps import LAND_USE_COLOURS

OGC_TO_LEAFLET = {"{tileMatrix}": "{z}", "{tileCol}": "{x}", "{tileRow}": "{y}"}


def tile_url(collection_id: str) -> str:
    """The relative Leaflet ``{z}/{x}/{y}`` URL of a collection's MVT tiles, read from its
    OGC tileset metadata so that it follows whatever path order the tiles API serves."""
    meta = service.tileset_metadata("", tilesets.for_collection(collection_id))
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
    popup: list[tuple[str, str]] | None = None,
    link: str | None = None,
) -> dict[str, Any]:
    """One layer of a vector map page: ``style`` is Leaflet path options, ``colour_by`` a
    property whose first two characters pick the fill from the land-use colours, ``popup``
    (property, label) pairs shown on click (the layer is then clickable), ``link`` a URL
    template such as ``/maps/parcels?unit_code={unit_code}`` added to the popup."""
    return {
        "name": name,
        "url": tile_url(collection_id),
        "layer": tilesets.layer_name(tilesets.for_collection(collection_id).layers[0]),
        "style": style,
        "colour_by": colour_by,
        "show": show,
        "interactive": bool(popup),
        "popup": [list(p) for p in popup or []],
        "link": link,
    }


def map_config(
    centre_lon_lat: tuple[float, float], zoom: int, layers: list[dict[str, Any]]
) -> dict[str, Any]:
    """The JSON a vector map page hands to ``vectormap.js`` (centre as lon/lat, EPSG:4490)."""
    lon, lat = centre_lon_lat
    return {
        "centre": [round(lat, 7), round(lon, 7)],
        "zoom": zoom,
        "colours": LAND_USE_COLOURS,
        "layers": layers,
    }
