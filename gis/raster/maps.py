"""Add catalogued rasters and change patches to offline folium maps.

Tiles come from this server (``/api/v1/rasters/{id}/tiles``), so the maps work with no
internet access; build the map with :func:`gis.web.maps.offline_map`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import folium

from gis.raster.models import Raster
from gis.raster.tiles import default_bands, default_rescale

VERDICT_COLOURS = {"suspected_illegal": "#d7191c", "approved": "#1a9641"}


def raster_tile_url(raster_id: int, **style: str) -> str:
    """The XYZ URL template of a raster's tiles (style: bands, rescale, colormap, algorithm)."""
    query = urlencode({k: v for k, v in style.items() if v})
    return f"/api/v1/rasters/{raster_id}/tiles/{{z}}/{{x}}/{{y}}.png" + (
        f"?{query}" if query else ""
    )


def add_raster_overlay(
    fmap: folium.Map,
    raster: Raster,
    name: str | None = None,
    show: bool = True,
    style: dict[str, str] | None = None,
) -> folium.raster_layers.TileLayer:
    """Add one catalogued raster as a tile overlay of ``fmap``; return the layer.

    ``style`` holds tile options (bands, rescale, colormap, algorithm); by default a DEM
    is hillshaded and imagery shows its RGB bands stretched by the catalogue statistics.
    """
    if style is None:
        style = {"algorithm": "hillshade"} if is_dem(raster) else {}
    layer = folium.raster_layers.TileLayer(
        tiles=raster_tile_url(raster.id, **style),
        attr=f"raster {raster.id}: {raster.sensor or raster.source_name}",
        name=name or raster.name,
        overlay=True,
        control=True,
        show=show,
        max_zoom=22,
        max_native_zoom=22,
    )
    layer.add_to(fmap)
    return layer


def shared_style(*rasters: Raster) -> dict[str, str]:
    """The same bands and stretch for several rasters, so two dates look alike."""
    if all(is_dem(r) for r in rasters):
        return {"algorithm": "hillshade"}
    bands = default_bands(rasters[0])
    lo, hi = default_rescale(list(rasters), bands)
    return {"bands": ",".join(map(str, bands)), "rescale": f"{lo:g},{hi:g}"}


def is_dem(raster: Raster) -> bool:
    """One band named elevation (or a 16-bit/float single band): treat as an elevation model."""
    if raster.band_count != 1:
        return False
    return raster.bands[0]["name"] == "elevation" or raster.dtype in ("int16", "float32")


def add_patches(fmap: folium.Map, collection: dict[str, Any]) -> folium.GeoJson:
    """Change patches coloured by verdict, with a popup per patch."""
    layer = folium.GeoJson(
        collection,
        name="变化图斑 change patches",
        style_function=lambda f: {
            "color": VERDICT_COLOURS.get(f["properties"]["verdict"], "#333"),
            "weight": 2,
            "fillOpacity": 0.15,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["verdict_zh", "verdict_en", "area_m2", "status_zh", "in_farmland"],
            aliases=["判定", "verdict", "面积 m²", "核查", "基本农田 farmland"],
        ),
    )
    layer.add_to(fmap)
    return layer
