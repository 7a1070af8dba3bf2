"""Write a validated Cloud-Optimized GeoTIFF: temp file in the target folder, then rename.

An interrupted or failed conversion leaves no file behind (the temp file is removed),
and the final name appears only once the COG has passed ``rio_cogeo.cog_validate``.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import rasterio
from rasterio.io import DatasetReader
from rio_cogeo.cogeo import cog_translate, cog_validate
from rio_cogeo.profiles import cog_profiles

from gis.errors import InvalidInput


class CogInvalid(InvalidInput):
    """The written COG did not validate."""


def cog_profile(dtype: str) -> dict[str, object]:
    """DEFLATE with a predictor suited to the data type, 512-pixel internal tiles."""
    profile = dict(cog_profiles.get("deflate"))
    profile.update(blockxsize=512, blockysize=512, predictor=3 if "float" in dtype else 2)
    return profile


def needs_staging(src: DatasetReader) -> bool:
    """A GCP CRS without GCPs (JPEG 2000 does this) makes rio-cogeo build a broken warp."""
    gcps, gcp_crs = src.gcps
    return gcp_crs is not None and not gcps


def stage_gtiff(src: DatasetReader, path: Path) -> None:
    """Copy ``src`` window by window into a plain tiled GeoTIFF (CRS + geotransform only)."""
    from gis.raster.reading import read_windows

    profile = {
        "driver": "GTiff",
        "width": src.width,
        "height": src.height,
        "count": src.count,
        "dtype": src.dtypes[0],
        "crs": src.crs,
        "transform": src.transform,
        "nodata": src.nodata,
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
        "BIGTIFF": "IF_SAFER",
    }
    with rasterio.open(path, "w", **profile) as dst:
        for window in read_windows(src):
            dst.write(src.read(window=window), window=window)
        dst.descriptions = src.descriptions
        dst.colorinterp = src.colorinterp


def write_cog(src: DatasetReader, folder: Path) -> Path:
    """Convert an open raster to a COG with overviews in ``folder``; return its final path."""
    folder.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    tmp = folder / f".{name}.tmp.tif"
    staged = folder / f".{name}.staged.tif"
    final = folder / f"{name}.tif"
    try:
        if needs_staging(src):
            stage_gtiff(src, staged)
            with rasterio.open(staged) as plain:
                _translate(plain, tmp)
        else:
            _translate(src, tmp)
        valid, errors, _warnings = cog_validate(str(tmp), quiet=True)
        if not valid:
            raise CogInvalid("the converted COG did not validate: " + "; ".join(errors))
        os.replace(tmp, final)
    finally:
        for leftover in (tmp, staged):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return final


def _translate(src: DatasetReader, tmp: Path) -> None:
    cog_translate(
        src,
        str(tmp),
        cog_profile(src.dtypes[0]),
        overview_resampling="average" if src.count > 1 else "bilinear",
        in_memory=False,
        quiet=True,
        forward_band_tags=True,
        config={"GDAL_NUM_THREADS": "1", "GDAL_TIFF_OVR_BLOCKSIZE": "512"},
    )


def remove_quietly(path: Path) -> None:
    """Delete a file if it exists (rolling back an import)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
