"""The demo's generated elevation model: the river's surface is the lowest ground, the
plain rises away from it, hills stand in the corner farthest from the river, and the
same seed gives the same grid."""

from __future__ import annotations

import numpy as np
import shapely
from rasterio.transform import rowcol
from scipy.ndimage import distance_transform_edt

from gis.demo import DemoDistrict
from gis.demo_shape import river_polygon
from gis.raster.demo_dem import PIXEL_M, RIVER_SURFACE_M, elevation


def _dem(seed: int = 1) -> tuple[np.ndarray, object, shapely.Geometry]:
    district = DemoDistrict(5000)
    river = river_polygon(district.bend, district.to_world)
    bounds = shapely.total_bounds([b.polygon for b, _ in district.blocks()])
    dem, transform = elevation(tuple(bounds), river, seed)
    return dem, transform, river


def test_river_low_plain_rising_hills_in_the_far_corner() -> None:
    dem, transform, river = _dem()
    inner = river.buffer(-10).point_on_surface()
    r, c = rowcol(transform, inner.x, inner.y)
    assert dem[r, c] == RIVER_SURFACE_M == dem.min()
    wet = dem == RIVER_SURFACE_M
    distance = distance_transform_edt(~wet) * PIXEL_M
    near, far = dem[(distance > 20) & (distance < 200)], dem[(distance > 1200) & (distance < 1500)]
    assert np.median(near) + 5 < np.median(far) < 60  # the plain rises gently away
    rows, cols = dem.shape
    corners = {  # mean of each corner's eighth of the grid
        (i, j): float(
            dem[i * rows * 7 // 8 : (i * 7 + 1) * rows // 8 or None][
                :, j * cols * 7 // 8 : (j * 7 + 1) * cols // 8 or None
            ].mean()
        )
        for i in (0, 1)
        for j in (0, 1)
    }
    river_row = rowcol(transform, inner.x, inner.y)[0]
    high = max(corners, key=lambda k: corners[k])
    assert corners[high] > 100 and high[0] == (0 if river_row > rows / 2 else 1)


def test_same_seed_same_dem() -> None:
    a, _, _ = _dem(1)
    b, _, _ = _dem(1)
    c, _, _ = _dem(2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
