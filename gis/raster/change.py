"""Change detection between two rasters, in bounded memory (strips of rows).

1. Common grid: the CRS and pixel size of the *before* raster, over the intersection of
   both rasters' bounds; the *after* raster is reprojected onto it (bilinear, WarpedVRT).
2. Change measure per pixel:
   - ``ndvi``: when both rasters name a ``red`` and a ``nir`` band,
     NDVI = (nir - red) / (nir + red) and change = NDVI_after - NDVI_before
     (negative: vegetation lost, e.g. farmland built over);
   - ``band_difference`` otherwise: for each band, (after - before) divided by that
     band's value range over both rasters (min and max of their catalogue statistics);
     the change is the band difference of largest magnitude (signed), so one strongly
     changed band suffices.
3. Threshold: |change| >= threshold marks a changed pixel.
4. Vectorise each strip with ``rasterio.features.shapes``; pieces split by strip edges
   are merged afterwards; patches under ``min_area_m2`` (EPSG:4547) are dropped.

Only one strip of each raster is in memory at a time (``STRIP_BYTES`` per raster).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import shapely
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.features import rasterize, shapes
from rasterio.io import DatasetReader
from rasterio.transform import Affine, from_origin
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform_bounds, transform_geom
from rasterio.windows import Window
from rasterio.windows import transform as window_transform
from shapely.geometry import mapping, shape

from gis.errors import InvalidInput
from gis.geo import area_m2

STRIP_BYTES = 64 * 1024 * 1024
GDAL_CACHE_MB = 256  # GDAL's block cache would otherwise grow to 5 % of the machine's RAM
Progress = Callable[[int, int], None]


class RastersDoNotOverlap(InvalidInput):
    """The two rasters have no area in common."""


class BandCountsDiffer(InvalidInput):
    """The two rasters have different numbers of bands."""


@dataclass(frozen=True)
class Grid:
    """The common pixel grid both rasters are read on."""

    crs: CRS
    transform: Affine
    width: int
    height: int

    def describe(self) -> dict[str, Any]:
        return {
            "crs": self.crs.to_string(),
            "transform": list(self.transform)[:6],
            "width": self.width,
            "height": self.height,
        }


@dataclass
class Measure:
    """Which change measure and the per-band scales it needs."""

    method: str  # "ndvi" | "band_difference"
    red: int = 0  # 1-based band numbers for ndvi
    nir: int = 0
    ranges: list[float] = field(default_factory=list)  # band_difference divisors


@dataclass
class Patch:
    """One changed patch: polygon in EPSG:4490, its area and mean change."""

    geom: shapely.Geometry
    area_m2: float
    mean_change: float

    @property
    def direction(self) -> str:
        return "decrease" if self.mean_change < 0 else "increase"


def choose_measure(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> Measure:
    """NDVI when both band lists name red and nir, else the per-band difference."""
    if len(before) != len(after):
        raise BandCountsDiffer(
            f"the rasters have {len(before)} and {len(after)} bands; compare like with like",
            field="after_id",
        )
    names_a = [b["name"] for b in before]
    names_b = [b["name"] for b in after]
    if {"red", "nir"} <= set(names_a) and names_a == names_b:
        return Measure("ndvi", red=names_a.index("red") + 1, nir=names_a.index("nir") + 1)
    ranges = []
    for band_a, band_b in zip(before, after, strict=True):
        sa, sb = band_a["statistics"], band_b["statistics"]
        lows = [s["minimum"] for s in (sa, sb) if s["count"]]
        highs = [s["maximum"] for s in (sa, sb) if s["count"]]
        span = (max(highs) - min(lows)) if lows else 0.0
        ranges.append(span if span > 0 else 1.0)
    return Measure("band_difference", ranges=ranges)


def common_grid(a: DatasetReader, b: DatasetReader, max_pixels: int) -> Grid:
    """The before raster's CRS and pixel size over the intersection of both extents."""
    bb = transform_bounds(b.crs, a.crs, *b.bounds, densify_pts=21)
    left, bottom = max(a.bounds.left, bb[0]), max(a.bounds.bottom, bb[1])
    right, top = min(a.bounds.right, bb[2]), min(a.bounds.top, bb[3])
    if right <= left or top <= bottom:
        raise RastersDoNotOverlap("the two rasters do not overlap", field="after_id")
    xres, yres = a.res
    width = max(1, round((right - left) / xres))
    height = max(1, round((top - bottom) / yres))
    if width * height > max_pixels:
        raise InvalidInput(
            f"the common grid of {width} x {height} pixels is over the limit of {max_pixels}",
            field="after_id",
        )
    return Grid(a.crs, from_origin(left, top, xres, yres), width, height)


def _vrt(src: DatasetReader, grid: Grid) -> WarpedVRT:
    return WarpedVRT(
        src,
        crs=grid.crs,
        transform=grid.transform,
        width=grid.width,
        height=grid.height,
        resampling=Resampling.bilinear,
        add_alpha=src.nodata is None,
    )


def strips(grid: Grid, bands: int) -> Iterator[Window]:
    rows = max(1, min(grid.height, STRIP_BYTES // max(1, grid.width * bands * 4)))
    for row in range(0, grid.height, rows):
        yield Window(0, row, grid.width, min(rows, grid.height - row))


def _read(vrt: WarpedVRT, count: int, window: Window) -> tuple[np.ndarray, np.ndarray]:
    data = vrt.read(indexes=list(range(1, count + 1)), window=window, out_dtype="float32")
    valid = vrt.dataset_mask(window=window) > 0
    return data, valid


def change_values(a: np.ndarray, b: np.ndarray, measure: Measure) -> tuple[np.ndarray, np.ndarray]:
    """Signed change per pixel and where it is defined (arrays of one strip)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure.method == "ndvi":
            r, n = measure.red - 1, measure.nir - 1
            ndvi_a = (a[n] - a[r]) / (a[n] + a[r])
            ndvi_b = (b[n] - b[r]) / (b[n] + b[r])
            change = ndvi_b - ndvi_a
        else:
            scale = np.asarray(measure.ranges, dtype="float32")[:, None, None]
            diff = (b - a) / scale
            pick = np.abs(diff).argmax(axis=0)[None, :, :]
            change = np.take_along_axis(diff, pick, axis=0)[0]
    return change, np.isfinite(change)


def _strip_pieces(
    change: np.ndarray, mask: np.ndarray, transform: Affine
) -> list[tuple[shapely.Geometry, float, int]]:
    """Polygons of changed pixels in one strip with their change sum and pixel count."""
    polys = [shape(g) for g, _ in shapes(mask.astype("uint8"), mask=mask, transform=transform)]
    if not polys:
        return []
    labels = rasterize(
        ((mapping(p), i + 1) for i, p in enumerate(polys)),
        out_shape=mask.shape,
        transform=transform,
        dtype="int32",
    )
    labels[~mask] = 0
    sums = np.bincount(
        labels.ravel(), weights=np.nan_to_num(change).ravel(), minlength=len(polys) + 1
    )
    counts = np.bincount(labels.ravel(), minlength=len(polys) + 1)
    return [(p, float(sums[i + 1]), int(counts[i + 1])) for i, p in enumerate(polys)]


def detect(
    before: str | Path,
    after: str | Path,
    measure: Measure,
    threshold: float,
    min_area_m2: float,
    max_pixels: int,
    progress: Progress | None = None,
) -> tuple[Grid, list[Patch]]:
    """Changed patches between two COGs (see the module docstring for the method)."""
    pieces: list[tuple[shapely.Geometry, float, int]] = []
    with (
        rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB),
        rasterio.open(before) as a,
        rasterio.open(after) as b,
    ):
        grid = common_grid(a, b, max_pixels)
        windows = list(strips(grid, a.count))
        with _vrt(a, grid) as va, _vrt(b, grid) as vb:
            for done, window in enumerate(windows, start=1):
                da, ma = _read(va, a.count, window)
                db, mb = _read(vb, b.count, window)
                change, defined = change_values(da, db, measure)
                mask = defined & ma & mb & (np.abs(change) >= threshold)
                pieces.extend(_strip_pieces(change, mask, window_transform(window, grid.transform)))
                if progress:
                    progress(done, len(windows))
    return grid, _merge(pieces, grid.crs, min_area_m2)


def _merge(
    pieces: list[tuple[shapely.Geometry, float, int]], crs: CRS, min_area_m2: float
) -> list[Patch]:
    """Join pieces cut by strip edges; reproject to EPSG:4490; drop patches under min area."""
    if not pieces:
        return []
    merged = shapely.union_all([p for p, _, _ in pieces])
    parts = list(getattr(merged, "geoms", [merged]))
    tree = shapely.STRtree(parts)
    sums = np.zeros(len(parts))
    counts = np.zeros(len(parts))
    for geom, total, count in pieces:
        hits = tree.query(geom.representative_point(), predicate="intersects")
        if len(hits):
            sums[hits[0]] += total
            counts[hits[0]] += count
    out = []
    for i, part in enumerate(parts):
        geom = shape(transform_geom(crs, "EPSG:4490", mapping(part)))
        area = area_m2(geom)
        if area >= min_area_m2 and counts[i] > 0:
            out.append(Patch(geom, area, float(sums[i] / counts[i])))
    return out
