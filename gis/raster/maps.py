"""How catalogued rasters and change patches are drawn on the staff map pages.

Tiles come from this server (``/api/v1/rasters/{id}/tiles``), so the pages work with no
internet access. An elevation model is drawn with a colour ramp stretched over its 2nd to
98th elevation percentile (the legend shows the same ramp and range), with an optional
hillshade on top; imagery shows its RGB bands stretched over the 2nd to 98th percentile of
the bands shown, the same range for every date so that two scenes look alike.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import numpy as np
import rasterio
from rio_tiler.colormap import cmap

from gis.raster.models import Raster
from gis.raster.service import cog_path
from gis.raster.tiles import default_bands

DEM_COLORMAP = "terrain"
PERCENTILES = (2.0, 98.0)
SAMPLE_PIXELS = 512  # the longer side of the decimated read the percentiles come from
RAMP_STOPS = 9
VERDICT_COLOURS = {"suspected_illegal": "#d7191c", "approved": "#1a9641"}
PATCH_PROPERTIES = (
    "verdict",
    "verdict_zh",
    "verdict_en",
    "status",
    "status_zh",
    "status_en",
    "area_m2",
    "direction_zh",
    "in_farmland",
)


def raster_tile_url(raster_id: int, **style: str) -> str:
    """The XYZ URL template of a raster's tiles (style: bands, rescale, colormap, algorithm)."""
    query = urlencode({k: v for k, v in style.items() if v})
    return f"/api/v1/rasters/{raster_id}/tiles/{{z}}/{{x}}/{{y}}.png" + (
        f"?{query}" if query else ""
    )


def is_dem(raster: Raster) -> bool:
    """One band named elevation (or a 16-bit/float single band): treat as an elevation model."""
    if raster.band_count != 1:
        return False
    return raster.bands[0]["name"] == "elevation" or raster.dtype in ("int16", "float32")


@lru_cache(maxsize=64)
def _percentiles(path: str, bands: tuple[int, ...]) -> tuple[float, float]:
    """2nd and 98th percentile of the valid pixels of ``bands`` of one COG, read decimated
    (from its overviews). Catalogued COGs never change in place, so this is cached."""
    with rasterio.open(path) as src:
        factor = max(1.0, max(src.width, src.height) / SAMPLE_PIXELS)
        shape = (len(bands), max(1, round(src.height / factor)), max(1, round(src.width / factor)))
        data = src.read(list(bands), out_shape=shape, masked=True)
    values = np.ma.compressed(data).astype("float64")
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (0.0, 1.0)
    lo, hi = (float(v) for v in np.percentile(values, PERCENTILES))
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def stretch(rasters: list[Raster], bands: tuple[int, ...]) -> tuple[float, float]:
    """One percentile range over the shown bands of all ``rasters`` (keeps dates comparable)."""
    ranges = [_percentiles(str(cog_path(r)), bands) for r in rasters]
    return (min(lo for lo, _ in ranges), max(hi for _, hi in ranges))


def _number(value: float) -> str:
    return f"{value:.6g}"


def display_style(*rasters: Raster) -> dict[str, str]:
    """Tile options that draw ``rasters`` alike: a colour ramp for elevation models, RGB
    bands with a percentile stretch for imagery."""
    bands = (1,) if all(is_dem(r) for r in rasters) else default_bands(rasters[0])
    lo, hi = stretch(list(rasters), bands)
    style = {"bands": ",".join(map(str, bands)), "rescale": f"{_number(lo)},{_number(hi)}"}
    if bands == (1,) and is_dem(rasters[0]):
        style["colormap"] = DEM_COLORMAP
    return style


def ramp(name: str = DEM_COLORMAP, stops: int = RAMP_STOPS) -> list[str]:
    """``stops`` evenly spaced colours (``#rrggbb``) of a rio-tiler colormap, low to high."""
    colours: Any = cmap.get(name)  # a continuous map: {0..255: (r, g, b, a)}
    picks = [round(i * 255 / (stops - 1)) for i in range(stops)]
    return ["#{:02x}{:02x}{:02x}".format(*(int(c) for c in colours[i][:3])) for i in picks]


def legend(raster: Raster, style: dict[str, str]) -> dict[str, Any] | None:
    """The colour-ramp legend of an elevation model (None for imagery)."""
    if "colormap" not in style:
        return None
    lo, hi = (float(v) for v in style["rescale"].split(","))
    unit = "m"
    return {
        "gradient": "linear-gradient(to right, " + ", ".join(ramp(style["colormap"])) + ")",
        "low": f"{lo:.0f} {unit}",
        "middle": f"{(lo + hi) / 2:.0f} {unit}",
        "high": f"{hi:.0f} {unit}",
    }


def patch_collection(collection: dict[str, Any]) -> dict[str, Any]:
    """Change patches with only the properties the page shows (no inspector's name)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f["id"],
                "geometry": f["geometry"],
                "properties": {"id": f["id"], **{k: f["properties"][k] for k in PATCH_PROPERTIES}},
            }
            for f in collection["features"]
        ],
    }
