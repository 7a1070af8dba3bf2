"""The WebMercatorQuad tile matrix set (from morecantile) and tile arithmetic.

Tiles are held as ``z/x/y`` (x = tileCol, y = tileRow, row 0 at the north edge); URLs
follow OGC API Tiles: ``{tileMatrix}/{tileRow}/{tileCol}``.
Bounding boxes given to these functions are lon/lat degrees (EPSG:4490, which the
tiles treat as WGS 84: the datums differ by centimetres); results are tile indices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import morecantile

from gis.errors import InvalidInput, NotFound

TMS_ID = "WebMercatorQuad"
TMS = morecantile.tms.get(TMS_ID)
MAX_ZOOM = 24
EXTENT = 4096  # MVT units along a tile edge
BUFFER = 64  # MVT units drawn beyond each tile edge
MAX_LAT = 85.0511287798066
HALF_WORLD_M = 20037508.342789244  # half the EPSG:3857 world width, metres


class TileOutOfRange(InvalidInput):
    """A tile address outside the tile matrix set (``field`` names tileMatrix, tileRow or
    tileCol)."""


class UnknownTileMatrixSet(NotFound):
    """A tile matrix set this server does not offer."""


@dataclass(frozen=True)
class TileAddress:
    """One tile of WebMercatorQuad."""

    z: int
    x: int
    y: int


def check_tms(tms_id: str) -> None:
    """Raise unless ``tms_id`` is the one offered matrix set."""
    if tms_id != TMS_ID:
        raise UnknownTileMatrixSet(
            f"tile matrix set {tms_id!r} is not offered; use {TMS_ID!r}", field="tileMatrixSetId"
        )


def check_tile(z: int, x: int, y: int) -> TileAddress:
    """The tile ``z/x/y`` if it lies inside the matrix set; else TileOutOfRange naming the
    OGC path parameter at fault (tileMatrix = z, tileCol = x, tileRow = y)."""
    if not 0 <= z <= MAX_ZOOM:
        raise TileOutOfRange(
            f"缩放级别 {z} 超出 0..{MAX_ZOOM}；tileMatrix {z} is outside 0..{MAX_ZOOM}",
            field="tileMatrix",
        )
    size = 1 << z
    if not 0 <= x < size:
        raise TileOutOfRange(
            f"列号 {x} 超出 0..{size - 1}；tileCol {x} is outside 0..{size - 1} at zoom {z}",
            field="tileCol",
        )
    if not 0 <= y < size:
        raise TileOutOfRange(
            f"行号 {y} 超出 0..{size - 1}；tileRow {y} is outside 0..{size - 1} at zoom {z}",
            field="tileRow",
        )
    return TileAddress(z, x, y)


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """EPSG:3857 metres of a lon/lat point (latitude clamped to the matrix's ±85.05°)."""
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    x = HALF_WORLD_M * lon / 180.0
    y = HALF_WORLD_M / math.pi * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return x, y


def tile_range(
    bbox: tuple[float, float, float, float], z: int, margin: float = BUFFER / EXTENT
) -> tuple[int, int, int, int]:
    """Inclusive (x0, y0, x1, y1) of the tiles at ``z`` whose area grown by ``margin``
    (a fraction of the tile edge) touches ``bbox`` (lon/lat degrees)."""
    size = 1 << z
    tile_m = 2 * HALF_WORLD_M / size
    mx0, my0 = mercator(bbox[0], bbox[1])
    mx1, my1 = mercator(bbox[2], bbox[3])
    # 10 micrometres more: tiles that only touch count too, and those morecantile counts
    # for a box within its epsilon (1e-11 degrees, ~1.1 micrometres) of their edge
    pad = margin * tile_m + 1e-5
    x0 = math.floor((mx0 - pad + HALF_WORLD_M) / tile_m)
    x1 = math.floor((mx1 + pad + HALF_WORLD_M) / tile_m)
    y0 = math.floor((HALF_WORLD_M - my1 - pad) / tile_m)
    y1 = math.floor((HALF_WORLD_M - my0 + pad) / tile_m)
    clamp = lambda v: max(0, min(size - 1, v))  # noqa: E731
    return clamp(x0), clamp(y0), clamp(x1), clamp(y1)


def tile_bounds(tile: TileAddress) -> tuple[float, float, float, float]:
    """Lon/lat bounds (west, south, east, north) of a tile."""
    b = TMS.bounds(morecantile.Tile(tile.x, tile.y, tile.z))
    return b.left, b.bottom, b.right, b.top


def envelope_lonlat(tile: TileAddress, margin: float) -> tuple[float, float, float, float]:
    """Lon/lat (west, south, east, north) of the tile grown by ``margin`` (a fraction of its
    edge), as ``ST_Transform(ST_TileEnvelope(z, x, y, margin => m), 4490)`` bounds it (on
    the sphere of EPSG:3857; CGCS2000 and WGS 84 coincide to the centimetre), widened by a
    micro-degree (~0.1 m) so that it never falls short of the database's."""
    edge = tile_width_m(tile.z)
    west_m = -HALF_WORLD_M + (tile.x - margin) * edge
    east_m = -HALF_WORLD_M + (tile.x + 1 + margin) * edge
    north_m = HALF_WORLD_M - (tile.y - margin) * edge
    south_m = HALF_WORLD_M - (tile.y + 1 + margin) * edge

    def lon(m: float) -> float:
        return m / HALF_WORLD_M * 180.0

    def lat(m: float) -> float:
        return math.degrees(2 * math.atan(math.exp(m / HALF_WORLD_M * math.pi)) - math.pi / 2)

    pad = 1e-6
    return lon(west_m) - pad, lat(south_m) - pad, lon(east_m) + pad, lat(north_m) + pad


def tile_width_m(z: int) -> float:
    """Edge length of a tile at zoom ``z`` in EPSG:3857 metres."""
    return 2 * HALF_WORLD_M / (1 << z)
