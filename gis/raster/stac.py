"""STAC item (1.0, with the projection and raster extensions) of a catalogued raster."""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape

from gis.raster.models import Raster

STAC_VERSION = "1.0.0"
EXTENSIONS = [
    "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
    "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
    "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
]


def stac_item(raster: Raster, footprint: dict[str, Any], base_url: str) -> dict[str, Any]:
    """One STAC item; geometry and bbox in EPSG:4490 lon/lat, ``proj:*`` in the native CRS."""
    base = base_url.rstrip("/")
    self_url = f"{base}/api/v1/rasters/{raster.id}"
    acquired = raster.acquired_on.isoformat() + "T00:00:00Z" if raster.acquired_on else None
    return {
        "type": "Feature",
        "stac_version": STAC_VERSION,
        "stac_extensions": EXTENSIONS,
        "id": str(raster.id),
        "geometry": footprint,
        "bbox": [round(v, 9) for v in shape(footprint).bounds],
        "properties": {
            "title": raster.name,
            "datetime": acquired,
            "created": raster.created_at.isoformat() if raster.created_at else None,
            "constellation": raster.sensor or None,
            "landgis:sensor": raster.sensor,
            "landgis:source_name": raster.source_name,
            "landgis:driver": raster.driver,
            "proj:epsg": raster.epsg,
            "proj:wkt2": None if raster.epsg else raster.crs,
            "proj:shape": [raster.height, raster.width],
            "proj:bbox": raster.native_bbox,
            "gsd": raster.res_x,
            "eo:bands": [{"name": b["name"]} for b in raster.bands],
        },
        "assets": {
            "cog": {
                "href": f"{self_url}/cog",
                "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                "roles": ["data"],
                "file:size": raster.size_bytes,
                "raster:bands": [_band(b, raster) for b in raster.bands],
            }
        },
        "links": [
            {"rel": "self", "href": self_url, "type": "application/geo+json"},
            {"rel": "collection", "href": f"{base}/api/v1/rasters", "type": "application/json"},
            {
                "rel": "xyz",
                "href": f"{self_url}/tiles/{{z}}/{{x}}/{{y}}.png",
                "type": "image/png",
            },
            {"rel": "tilejson", "href": f"{self_url}/tilejson.json", "type": "application/json"},
            {"rel": "preview", "href": f"{base}/maps/rasters/{raster.id}", "type": "text/html"},
        ],
    }


def _band(band: dict[str, Any], raster: Raster) -> dict[str, Any]:
    return {
        "name": band["name"],
        "data_type": band["dtype"],
        "nodata": raster.nodata,
        "spatial_resolution": raster.res_x,
        "statistics": band["statistics"],
    }
