"""Layers and configuration of the staff map pages (``staffmap.html`` + ``static/staffmap.js``):
vector tiles of a collection, raster tiles of a catalogued image, or a few features held
in the page. Everything is drawn from this server, so the pages work offline."""

from __future__ import annotations

from typing import Any

from gis.web import vectorlayers
from gis.web.maps import LAND_USE_COLOURS

Bounds = list[list[float]]  # [[south, west], [north, east]], degrees (EPSG:4490)


def vector(collection_id: str, name: str, style: dict[str, Any], **options: Any) -> dict[str, Any]:
    """A collection's MVT tiles (options of :func:`gis.web.vectorlayers.layer`)."""
    return {
        "kind": "vector",
        "id": collection_id,
        **vectorlayers.layer(collection_id, name, style, **options),
    }


def multi_vector(
    layer_id: str, name: str, url: str, styles: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """MVT tiles holding several layers (the base map): ``styles`` maps each MVT layer to
    ``{"style": {...}, "colour_by": property}``; not clickable."""
    return {"kind": "vector", "id": layer_id, "name": name, "url": url, "styles": styles}


def raster(
    layer_id: str, name: str, url: str, show: bool = True, opacity: float = 1.0
) -> dict[str, Any]:
    """PNG tiles (a Leaflet ``{z}/{x}/{y}`` URL on this server)."""
    return {
        "kind": "raster",
        "id": layer_id,
        "name": name,
        "url": url,
        "show": show,
        "opacity": opacity,
    }


def geojson(
    layer_id: str,
    name: str,
    data: dict[str, Any],
    style: dict[str, Any],
    *,
    style_by: tuple[str, dict[str, dict[str, Any]]] | None = None,
    popup: list[tuple[str, str]] | None = None,
    link: str | None = None,
    radius: int = 7,
    show: bool = True,
) -> dict[str, Any]:
    """Features held in the page (a GeoJSON FeatureCollection in lon/lat): ``style`` is
    Leaflet path options, ``style_by`` (property, {value: options}) varies them, points are
    drawn as circle markers of ``radius`` pixels, ``popup`` lists (property, label) pairs."""
    return {
        "kind": "geojson",
        "id": layer_id,
        "name": name,
        "data": data,
        "style": style,
        "style_by": {"property": style_by[0], "styles": style_by[1]} if style_by else None,
        "popup": [list(p) for p in popup or []],
        "link": link,
        "radius": radius,
        "show": show,
    }


def config(
    centre_lon_lat: tuple[float, float],
    zoom: int,
    layers: list[dict[str, Any]],
    bounds: Bounds | None = None,
) -> dict[str, Any]:
    """The JSON a staff map page hands to ``staffmap.js``; ``bounds`` (when given) is fitted."""
    lon, lat = centre_lon_lat
    return {
        "centre": [round(lat, 7), round(lon, 7)],
        "zoom": zoom,
        "bounds": bounds,
        "colours": LAND_USE_COLOURS,
        "layers": layers,
    }


def bounds_of(box: tuple[float, float, float, float]) -> Bounds:
    """Leaflet bounds of a (west, south, east, north) box in degrees."""
    west, south, east, north = box
    return [[south, west], [north, east]]
