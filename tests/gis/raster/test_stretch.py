"""The percentile stretch of the raster pages: 2nd to 98th percentile of the valid
pixels, nodata left out, read from a decimated copy of the COG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

from gis.raster.maps import _percentiles, ramp


def _write(path: Path, data: np.ndarray, nodata: int) -> str:
    profile = {
        "driver": "GTiff",
        "width": data.shape[1],
        "height": data.shape[0],
        "count": 1,
        "dtype": "int16",
        "crs": "EPSG:4547",
        "nodata": nodata,
        "transform": from_origin(500000, 2550000, 10, 10),
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data.astype("int16"), 1)
    return str(path)


def test_percentiles_skip_nodata_and_outliers(tmp_path: Path) -> None:
    data = np.tile(np.arange(100, dtype="int16"), (100, 1))  # 0..99 in every row
    data[:, :10] = -9999  # nodata: must not pull the low end down
    data[0, 50] = 30000  # one spike: must not stretch the high end
    lo, hi = _percentiles(_write(tmp_path / "a.tif", data, -9999), (1,))
    assert (lo, hi) == (11.0, 98.0)  # 90 valid values x 100 rows: the 2nd and 98th percentile


def test_flat_raster_gets_a_usable_range(tmp_path: Path) -> None:
    lo, hi = _percentiles(_write(tmp_path / "flat.tif", np.full((20, 20), 7), -9999), (1,))
    assert (lo, hi) == (7.0, 8.0)


def test_ramp_runs_low_to_high() -> None:
    colours = ramp("terrain", 5)
    assert len(colours) == 5 and all(len(c) == 7 and c.startswith("#") for c in colours)
    assert colours[0] != colours[-1]
