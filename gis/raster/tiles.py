"""Raster tiles of a catalogued COG with rio-tiler (Web Mercator XYZ, 256-pixel PNG).

Options: band selection, rescale (``min,max`` per band or one pair for all), a
rio-tiler colormap for one band, and ``hillshade`` for elevation models. Without a
rescale the catalogue statistics give mean ± 2 standard deviations, clipped to the
band's range, which suits both 8-bit imagery and DEMs.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import numpy as np
import rasterio
from rio_tiler.colormap import cmap
from rio_tiler.errors import TileOutsideBounds
from rio_tiler.io import Reader
from rio_tiler.models import ImageData

from gis.errors import InvalidInput, NotFound, TooManyRequests
from gis.raster.models import Raster
from gis.settings import get_settings

TILE_SIZE = 256
# A COG is one self-contained file: do not list its folder on open (titiler's advice).
GDAL_TILE_ENV = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR"}
ALGORITHMS = ("hillshade",)


MAX_ZOOM = 24


class TileNotInRaster(NotFound):
    """The tile lies outside the raster's footprint."""


class TileTooCoarse(NotFound):
    """The tile is far below the scene's native zoom and no overview is that coarse."""


class RenderTimeout(TooManyRequests):
    """Rendering took longer than ``raster_tile_timeout_s``; try again later."""


@dataclass(frozen=True)
class TileStyle:
    """How to render: bands (1-based), rescale ranges, colormap name, algorithm."""

    bands: tuple[int, ...] | None = None
    rescale: tuple[tuple[float, float], ...] | None = None
    colormap: str | None = None
    algorithm: str | None = None


def parse_style(
    bands: str | None, rescale: str | None, colormap: str | None, algorithm: str | None
) -> TileStyle:
    """Parse query options; errors name the parameter at fault."""
    return TileStyle(
        bands=_parse_bands(bands),
        rescale=_parse_rescale(rescale),
        colormap=_parse_colormap(colormap),
        algorithm=_parse_algorithm(algorithm),
    )


def _parse_bands(value: str | None) -> tuple[int, ...] | None:
    if not value:
        return None
    try:
        out = tuple(int(v) for v in value.split(","))
    except ValueError:
        raise InvalidInput("bands must be comma-separated band numbers", field="bands") from None
    if len(out) not in (1, 3):
        raise InvalidInput("give one band or three bands (red,green,blue)", field="bands")
    return out


def _parse_rescale(value: str | None) -> tuple[tuple[float, float], ...] | None:
    if not value:
        return None
    try:
        numbers = [float(v) for v in value.replace(";", ",").split(",")]
    except ValueError:
        raise InvalidInput("rescale must be min,max numbers", field="rescale") from None
    if len(numbers) % 2 or not numbers:
        raise InvalidInput("rescale must be min,max pairs", field="rescale")
    pairs = tuple((numbers[i], numbers[i + 1]) for i in range(0, len(numbers), 2))
    if any(lo >= hi for lo, hi in pairs):
        raise InvalidInput("each rescale range needs min < max", field="rescale")
    return pairs


def _parse_colormap(value: str | None) -> str | None:
    if not value:
        return None
    if value.lower() not in cmap.list():
        raise InvalidInput(f"unknown colormap {value!r}", field="colormap")
    return value.lower()


def _parse_algorithm(value: str | None) -> str | None:
    if not value:
        return None
    if value not in ALGORITHMS:
        raise InvalidInput(f"algorithm must be one of {', '.join(ALGORITHMS)}", field="algorithm")
    return value


def default_bands(raster: Raster) -> tuple[int, ...]:
    """RGB bands when named so, else bands 1-3 of three or more, else band 1."""
    names = [b["name"] for b in raster.bands]
    if all(n in names for n in ("red", "green", "blue")):
        return tuple(names.index(n) + 1 for n in ("red", "green", "blue"))
    return (1, 2, 3) if raster.band_count >= 3 else (1,)


def band_range(raster: Raster, index: int) -> tuple[float, float]:
    """Mean ± 2 stddev of one band's catalogue statistics, clipped to its range."""
    stats = raster.bands[index - 1]["statistics"]
    if stats["count"] == 0:
        return (0.0, 1.0)
    lo = max(stats["minimum"], stats["mean"] - 2 * stats["stddev"])
    hi = min(stats["maximum"], stats["mean"] + 2 * stats["stddev"])
    return (lo, hi) if hi > lo else (stats["minimum"], stats["minimum"] + 1.0)


def default_rescale(rasters: list[Raster], bands: tuple[int, ...]) -> tuple[float, float]:
    """One range for all shown bands of all ``rasters`` (keeps colours and dates comparable)."""
    ranges = [band_range(r, b) for r in rasters for b in bands]
    return (min(lo for lo, _ in ranges), max(hi for _, hi in ranges))


READERS_PER_THREAD = 8
_local = threading.local()


def open_reader(path: str) -> Reader:
    """A COG reader kept open in this thread (GDAL handles are not shared across threads).

    Opening a COG reads its header and overviews; keeping the last few open per worker
    thread saves that on every tile. Catalogued COGs never change in place.
    """
    readers: OrderedDict[str, Reader] | None = getattr(_local, "readers", None)
    if readers is None:
        readers = _local.readers = OrderedDict()
    key = str(path)
    reader = readers.get(key)
    if reader is not None:
        readers.move_to_end(key)
        return reader
    with rasterio.Env(**GDAL_TILE_ENV):
        reader = Reader(key)
    readers[key] = reader
    if len(readers) > READERS_PER_THREAD:
        readers.popitem(last=False)[1].close()
    return reader


def check_tile_address(z: int, x: int, y: int) -> None:
    """z in 0..MAX_ZOOM (422), x and y inside the zoom level's grid (404)."""
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidInput(f"缩放级别须在 0..{MAX_ZOOM}；zoom must be 0..{MAX_ZOOM}", field="z")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise TileNotInRaster(f"瓦片不存在；tile {z}/{x}/{y} does not exist")


def check_overviews(reader: Reader, z: int) -> None:
    """Refuse (404 with the reason) a tile that would read far more than one tile's worth
    of pixels: more than ``raster_tile_overview_gap`` zoom levels below the coarsest
    level the scene (native resolution or its coarsest overview) serves."""
    dataset = reader.dataset
    assert dataset is not None
    factor = max(dataset.overviews(1) or [1])
    coarsest = reader.maxzoom - int(math.log2(factor))
    gap = get_settings().raster_tile_overview_gap
    pixels = (dataset.width / factor) * (dataset.height / factor)
    if z < coarsest - gap and pixels > (TILE_SIZE * 2**gap) ** 2:
        raise TileTooCoarse(
            f"此缩放级别无概览影像，请放大到 {coarsest - gap} 级以上；the scene has no overview "
            f"for zoom {z}: zoom in to {coarsest - gap} or more"
        )


_renderers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="raster-tile")


def render_tile(path: str, raster: Raster, z: int, x: int, y: int, style: TileStyle) -> bytes:
    """One PNG tile of the COG at ``path`` (a file or ``/vsis3/...``), rendered within
    ``raster_tile_timeout_s`` (past it the request gets a 429 with Retry-After; the render
    finishes unseen)."""
    check_tile_address(z, x, y)
    future = _renderers.submit(_render_tile, path, raster, z, x, y, style)
    try:
        return future.result(timeout=get_settings().raster_tile_timeout_s)
    except FutureTimeout:
        raise RenderTimeout(
            "瓦片渲染超时；rendering the tile took too long, try again later", retry_after=10
        ) from None


def _render_tile(path: str, raster: Raster, z: int, x: int, y: int, style: TileStyle) -> bytes:
    bands = style.bands or default_bands(raster)
    if any(b < 1 or b > raster.band_count for b in bands):
        raise InvalidInput(f"the raster has bands 1..{raster.band_count}", field="bands")
    reader = open_reader(path)
    check_overviews(reader, z)
    try:
        if style.algorithm == "hillshade":
            return _hillshade_tile(reader, raster, z, x, y, bands[0])
        img = reader.tile(x, y, z, tilesize=TILE_SIZE, indexes=bands)
    except TileOutsideBounds:
        raise TileNotInRaster(f"tile {z}/{x}/{y} is outside raster {raster.id}") from None
    rescale = style.rescale or (default_rescale([raster], bands),)
    if len(rescale) == 1 and len(bands) > 1:
        rescale = rescale * len(bands)
    img = img.rescale(in_range=rescale)
    colormap = cmap.get(style.colormap) if style.colormap and len(bands) == 1 else None
    return img.render(img_format="PNG", colormap=colormap)


def _hillshade_tile(reader: Reader, raster: Raster, z: int, x: int, y: int, band: int) -> bytes:
    img = reader.tile(x, y, z, tilesize=TILE_SIZE, indexes=(band,), buffer=1)
    elevation = img.array[0].astype("float64").filled(np.nan)
    shaded = hillshade(elevation, _pixel_size_m(img))
    mask = ~np.ma.getmaskarray(img.array[0])[1:-1, 1:-1]
    data = np.ma.MaskedArray(shaded[np.newaxis, :, :], mask=~mask[np.newaxis, :, :])
    return ImageData(data).render(img_format="PNG")


def _pixel_size_m(img: ImageData) -> float:
    """Ground size of one Web Mercator pixel at the tile's latitude, metres."""
    assert img.bounds is not None
    left, bottom, right, top = img.bounds
    lat = np.arctan(np.sinh((top + bottom) / 2 / 6378137.0))
    return float((right - left) / img.width * np.cos(lat))


def hillshade(
    elev: np.ndarray, pixel_m: float, azimuth: float = 315.0, altitude: float = 45.0
) -> np.ndarray:
    """Hillshade (0-255, uint8) of a buffered elevation array (metres); trims one-pixel edge."""
    dy, dx = np.gradient(np.nan_to_num(elev), pixel_m)
    slope = np.pi / 2 - np.arctan(np.hypot(dx, dy))
    aspect = np.arctan2(-dx, dy)
    az, alt = np.radians(360 - azimuth + 90), np.radians(altitude)
    shade = np.sin(alt) * np.sin(slope) + np.cos(alt) * np.cos(slope) * np.cos(az - aspect)
    return np.clip(shade * 255, 0, 255).astype("uint8")[1:-1, 1:-1]


def tilejson(
    raster: Raster, base_url: str, query: str, bounds: tuple[float, ...]
) -> dict[str, Any]:
    """TileJSON 3.0 of a raster's XYZ tiles (bounds in lon/lat)."""
    suffix = f"?{query}" if query else ""
    return {
        "tilejson": "3.0.0",
        "name": raster.name,
        "tiles": [
            f"{base_url.rstrip('/')}/api/v1/rasters/{raster.id}/tiles/{{z}}/{{x}}/{{y}}.png{suffix}"
        ],
        "bounds": list(bounds),
        "minzoom": 0,
        "maxzoom": 22,
    }


def ogc_tileset(raster_id: int, base_url: str) -> dict[str, Any]:
    """OGC API - Tiles tileset description of a raster's map tiles in WebMercatorQuad."""
    url = f"{base_url.rstrip('/')}/api/v1/rasters/{raster_id}/tiles/WebMercatorQuad"
    return {
        "title": f"raster {raster_id}",
        "dataType": "map",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
        "links": [
            {"rel": "self", "href": url, "type": "application/json"},
            {
                "rel": "item",
                "href": url + "/{tileMatrix}/{tileRow}/{tileCol}",
                "type": "image/png",
                "templated": True,
            },
        ],
    }
