"""Open a source raster, check it is georeferenced and readable to the last block, and
collect its catalogue metadata (bands, resolution, CRS, nodata, statistics, footprint).

Zip archives (an SRTM ``.hgt.zip`` for example) are opened through GDAL's ``/vsizip/``.
Every error raised here is a :mod:`gis.errors` category naming the field ``file``.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import shapely
from affine import Affine
from rasterio.errors import RasterioError, RasterioIOError
from rasterio.features import shapes
from rasterio.io import DatasetReader
from rasterio.warp import transform_geom
from rasterio.windows import Window
from shapely.geometry import mapping, shape

from gis.errors import InvalidInput, UnsupportedFormat

Progress = Callable[[int, int], None]  # (done, total) in blocks
WINDOW_PIXELS = 16 * 1024 * 1024  # largest window read at once (per band)
OUTLINE_PIXELS = 512  # size of the decimated mask the data outline is traced on
OUTLINE_MARGIN = 1.5  # the outline is grown by this many decimated pixels (see data_outline)
FIELD = "file"
# Formats read from one file (and sidecars beside it). Formats whose file may name other
# files or URLs to read (VRT, GTI, MRF, WMS, STAC, HDF5 external links, ...) are never
# read (checked right after opening, before any pixel): an uploaded or imported VRT could
# otherwise make the server read any file.
SOURCE_DRIVERS = (
    "GTiff",
    "COG",
    "JP2OpenJPEG",
    "JPEG",
    "PNG",
    "WEBP",
    "GIF",
    "BMP",
    "SRTMHGT",
    "DTED",
    "AAIGrid",
    "EHdr",
    "ENVI",
    "HFA",
    "GS7BG",
    "GSAG",
    "GSBG",
    "USGSDEM",
    "XYZ",
    "PCIDSK",
    "RST",
    "SAGA",
    "BT",
    "RMF",
    "Terragen",
)


class RasterUnreadable(InvalidInput):
    """The raster's header opens but its pixel data cannot be decoded."""


class RasterNotGeoreferenced(InvalidInput):
    """The raster has no CRS or no geotransform, so it cannot be placed on a map."""


class RasterTooLarge(InvalidInput):
    """Width x height is over ``raster_max_pixels``."""


class RasterFormatUnsupported(UnsupportedFormat):
    """GDAL cannot open the file as a raster."""


@dataclass
class BandStats:
    """Running min / max / sum / sum of squares of one band's valid pixels."""

    minimum: float = float("inf")
    maximum: float = float("-inf")
    total: float = 0.0
    squares: float = 0.0
    count: int = 0

    def add(self, values: np.ndarray) -> None:
        if values.size == 0:
            return
        v = values.astype("float64")
        self.minimum = min(self.minimum, float(v.min()))
        self.maximum = max(self.maximum, float(v.max()))
        self.total += float(v.sum())
        self.squares += float((v * v).sum())
        self.count += int(v.size)

    def as_dict(self) -> dict[str, float | int | None]:
        if self.count == 0:
            return {"minimum": None, "maximum": None, "mean": None, "stddev": None, "count": 0}
        mean = self.total / self.count
        var = max(self.squares / self.count - mean * mean, 0.0)
        return {
            "minimum": self.minimum,
            "maximum": self.maximum,
            "mean": round(mean, 6),
            "stddev": round(var**0.5, 6),
            "count": self.count,
        }


@dataclass
class RasterInfo:
    """What the catalogue keeps about a source raster."""

    driver: str
    crs: str
    epsg: int | None
    width: int
    height: int
    band_count: int
    dtype: str
    res_x: float
    res_y: float
    nodata: float | None
    native_bbox: list[float]
    footprint: dict[str, Any]  # GeoJSON polygon, EPSG:4490 lon/lat
    bands: list[dict[str, Any]] = field(default_factory=list)


def gdal_path(path: Path) -> str:
    """The GDAL path of a file: ``/vsizip/.../member`` for a zip holding one raster."""
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
    except (zipfile.BadZipFile, OSError):
        raise RasterFormatUnsupported("the zip archive cannot be read", field=FIELD) from None
    if not members:
        raise RasterFormatUnsupported("the zip archive is empty", field=FIELD)
    return f"/vsizip/{path}/{members[0]}"


@contextmanager
def open_source(path: Path) -> Iterator[DatasetReader]:
    """Open ``path`` (or the raster inside a zip) with rasterio; refuse other formats."""
    try:
        src = rasterio.open(gdal_path(path))
    except RasterioIOError as exc:
        raise RasterFormatUnsupported(
            f"not a raster format this server reads: {_short(exc)}", field=FIELD
        ) from None
    with src:
        if src.driver not in SOURCE_DRIVERS:
            raise RasterFormatUnsupported(
                f"{src.driver} files are not accepted (they can name other files to read); "
                "convert the raster to GeoTIFF first",
                field=FIELD,
            )
        yield src


def check_georeferenced(src: DatasetReader, max_pixels: int) -> None:
    """Refuse a raster without CRS or geotransform, or with more pixels than the limit."""
    if src.crs is None:
        raise RasterNotGeoreferenced("the raster has no coordinate reference system", field=FIELD)
    if src.transform.is_identity or src.transform.is_degenerate:
        raise RasterNotGeoreferenced(
            "the raster has no usable geotransform (missing or degenerate)", field=FIELD
        )
    pixels = src.width * src.height
    if pixels > max_pixels:
        raise RasterTooLarge(
            f"{src.width} x {src.height} = {pixels} pixels is over the limit of {max_pixels} "
            "(setting LANDGIS_RASTER_MAX_PIXELS)",
            field=FIELD,
        )


def scan(src: DatasetReader, progress: Progress | None = None) -> list[BandStats]:
    """Read every block of every band (proves the data decodes) and gather statistics."""
    windows = read_windows(src)
    stats = [BandStats() for _ in range(src.count)]
    for done, window in enumerate(windows, start=1):
        try:
            data = src.read(window=window, masked=True)
        except RasterioError as exc:
            raise RasterUnreadable(
                f"the file is damaged: pixel data cannot be decoded at block {done} of "
                f"{len(windows)} ({_short(exc)})",
                field=FIELD,
            ) from None
        for i, band in enumerate(data):
            stats[i].add(np.ma.compressed(band))
        if progress:
            progress(done, len(windows))
    return stats


def read_windows(src: DatasetReader, max_pixels: int = WINDOW_PIXELS) -> list[Window]:
    """The file's own blocks, or strips of rows when a block is too big to hold in memory."""
    block_h, block_w = src.block_shapes[0]
    if block_h * block_w <= max_pixels:
        return [w for _, w in src.block_windows(1)]
    rows = max(1, max_pixels // src.width)
    return [Window(0, r, src.width, min(rows, src.height - r)) for r in range(0, src.height, rows)]


def grid_outline(src: DatasetReader) -> shapely.Polygon:
    """The four corners of the pixel grid (native CRS); rotated when the geotransform is."""
    t, w, h = src.transform, src.width, src.height
    return shapely.Polygon([t * (0, 0), t * (w, 0), t * (w, h), t * (0, h)])


def pixel_size(transform: Affine) -> float:
    """The longer side of one pixel (CRS units), whatever the grid's rotation."""
    return max(math.hypot(transform.a, transform.d), math.hypot(transform.b, transform.e))


def data_outline(src: DatasetReader, size: int = OUTLINE_PIXELS) -> shapely.Geometry:
    """Outline of the valid pixels (native CRS) from a decimated mask, holes filled.

    Uses the overviews of a COG, so it is cheap; the grid's outline when no pixel is
    valid. The decimated mask can lose up to about one of its pixels at the edges (the
    corners of a tilted scene most) and simplifying moves the line by up to one more, so
    the outline is grown by that margin and clipped to the grid: it covers every valid
    pixel and never reaches past the raster.
    """
    factor = max(1.0, max(src.width, src.height) / size)
    width, height = max(1, round(src.width / factor)), max(1, round(src.height / factor))
    mask = src.dataset_mask(out_shape=(height, width))
    transform = src.transform * Affine.scale(src.width / width, src.height / height)
    parts = [
        shapely.Polygon(shape(g).exterior)
        for g, _ in shapes(mask, mask=mask > 0, transform=transform)
    ]
    grid = grid_outline(src)
    if not parts:
        return grid
    pixel = pixel_size(transform)
    outline = shapely.union_all(parts).simplify(pixel, preserve_topology=True)
    grown = outline.buffer(OUTLINE_MARGIN * pixel, join_style="mitre", mitre_limit=2.0)
    return grown.intersection(grid)


def footprint_4490(src: DatasetReader, outline: shapely.Geometry) -> dict[str, Any]:
    """A native-CRS outline as a GeoJSON polygon in EPSG:4490 (densified, then reprojected)."""
    left, bottom, right, top = outline.bounds
    edge = max(right - left, top - bottom) / 40
    moved = shape(transform_geom(src.crs, "EPSG:4490", mapping(shapely.segmentize(outline, edge))))
    moved = moved.buffer(0)
    if moved.geom_type != "Polygon":  # several islands of data: keep their hull
        moved = moved.convex_hull
    return dict(mapping(moved))


def describe(src: DatasetReader, stats: list[BandStats]) -> RasterInfo:
    """The catalogue metadata of an open, scanned raster (footprint: its grid outline)."""
    left, bottom, right, top = src.bounds
    footprint = footprint_4490(src, grid_outline(src))
    bands = [
        {
            "index": i + 1,
            "name": band_name(src, i),
            "dtype": src.dtypes[i],
            "nodata": src.nodata,
            "statistics": stats[i].as_dict(),
        }
        for i in range(src.count)
    ]
    return RasterInfo(
        driver=src.driver,
        crs=src.crs.to_wkt(),
        epsg=src.crs.to_epsg(),
        width=src.width,
        height=src.height,
        band_count=src.count,
        dtype=src.dtypes[0],
        res_x=float(src.res[0]),
        res_y=float(src.res[1]),
        nodata=None if src.nodata is None else float(src.nodata),
        native_bbox=[float(v) for v in (left, bottom, right, top)],
        footprint=footprint,
        bands=bands,
    )


def band_name(src: DatasetReader, i: int) -> str:
    """A band's name: its description, else its colour interpretation (red, nir, gray...)."""
    if src.descriptions[i]:
        return str(src.descriptions[i]).lower()
    interp = src.colorinterp[i].name.lower()
    return "elevation" if interp in ("gray", "undefined") and src.count == 1 else interp


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200]
