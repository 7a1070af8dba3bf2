"""A generated elevation model (DEM) of the demo district, so the raster page shows an
elevation model with its colour ramp and legend on first start, with no downloaded data.

The ground rises gently away from the river (a few metres above it by the banks, about
fifteen in the plain), hills stand in the corner farthest from the river (up to about
260 m, like the hills east of Dongguan's plain) and the river's surface lies lowest. Written
in EPSG:4547 (metres), float32 metres, ``PIXEL_M`` pixels; deterministic for a seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
import shapely
from rasterio.features import rasterize
from rasterio.transform import from_origin
from scipy.ndimage import distance_transform_edt, gaussian_filter

from gis.geo import AREA_SRID

PIXEL_M = 10.0
MARGIN_M = 200.0
RIVER_SURFACE_M = 1.5
PLAIN_M, PLAIN_RISE_M, PLAIN_REACH_M = 4.0, 30.0, 1500.0
# hills as (share east, share north of the far corner's frame, height m, spread as a share)
HILLS = ((0.88, 0.9, 260.0, 0.09), (0.7, 0.96, 150.0, 0.06), (0.97, 0.68, 120.0, 0.06))


def elevation(
    bounds: tuple[float, float, float, float], river: shapely.Geometry | None, seed: int
) -> tuple[np.ndarray, object]:
    """The elevation grid (float32 metres, north up) over ``bounds`` (EPSG:4547, with a
    margin) and its affine transform; ``river`` (EPSG:4547) is the valley floor."""
    x0, y0, x1, y1 = np.asarray(bounds) + np.array([-MARGIN_M, -MARGIN_M, MARGIN_M, MARGIN_M])
    width, height = int((x1 - x0) / PIXEL_M) + 1, int((y1 - y0) / PIXEL_M) + 1
    transform = from_origin(x0, y1, PIXEL_M, PIXEL_M)
    u = (np.arange(width) + 0.5)[None, :] / width  # 0 west .. 1 east
    v = 1 - (np.arange(height) + 0.5)[:, None] / height  # 0 south .. 1 north
    wet = np.zeros((height, width), dtype=bool)
    if river is not None:
        wet = rasterize([(river, 1)], out_shape=(height, width), transform=transform) > 0
    far_north = river is None or shapely.centroid(river).y < (y0 + y1) / 2
    if not far_north:  # the hills stand on the side away from the river
        v = 1 - v
    distance = distance_transform_edt(~wet) * PIXEL_M if wet.any() else (1 - v) * 2000
    ground = PLAIN_M + PLAIN_RISE_M * (1 - np.exp(-distance / PLAIN_REACH_M))
    hills = sum(h * np.exp(-((u - cu) ** 2 + (v - cv) ** 2) / (2 * s**2)) for cu, cv, h, s in HILLS)
    rng = np.random.default_rng(seed)
    rough = gaussian_filter(rng.normal(0, 1, (height, width)), 6) * 25  # ~1 m on the plain
    dem = ground + hills + rough * (0.3 + hills / 60)
    dem = np.where(wet, RIVER_SURFACE_M, np.maximum(dem, RIVER_SURFACE_M + 0.5))
    return dem.astype("float32"), transform


def write_dem(
    path: Path, bounds: tuple[float, float, float, float], river: shapely.Geometry | None, seed: int
) -> Path:
    """Write the demo elevation model as a one-band GeoTIFF (band "elevation")."""
    dem, transform = elevation(bounds, river, seed)
    profile = {
        "driver": "GTiff",
        "width": dem.shape[1],
        "height": dem.shape[0],
        "count": 1,
        "dtype": "float32",
        "crs": f"EPSG:{AREA_SRID}",
        "transform": transform,
        "tiled": True,
        "compress": "deflate",
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(dem, 1)
        dst.set_band_description(1, "elevation")
    return path
