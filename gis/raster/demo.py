"""Generated multi-band scenes for the demo district: land cover painted with plausible
surface reflectances (blue, green, red, near infrared; x10,000, uint16) and planted
changes between two dates, so that change detection (卫片执法) has something to find
without any downloaded imagery.

Geometries come in EPSG:4490 (lon/lat); the scenes are written in EPSG:4547 (CGCS2000
3-degree Gauss-Krüger zone at 114°E) with square pixels of ``PIXEL_M`` metres.
Deterministic: the same features, plants and seed give the same files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import shapely
from rasterio.features import rasterize
from rasterio.transform import from_origin

from gis.geo import AREA_SRID, STORAGE_SRID, reproject

PIXEL_M = 4.0
BANDS = ("blue", "green", "red", "nir")
# typical surface reflectance x 10,000 (blue, green, red, nir)
SIGNATURES: dict[str, tuple[int, int, int, int]] = {
    "cropland": (500, 900, 700, 3800),
    "orchard": (450, 800, 600, 3500),
    "forest": (300, 600, 350, 4200),
    "grassland": (600, 1000, 900, 3000),
    "built": (2000, 2100, 2300, 2500),
    "road": (1500, 1600, 1700, 1900),
    "water": (600, 700, 400, 200),
    "bare": (1800, 2000, 2400, 2600),
}
COVER_OF_CLASS = {"01": "cropland", "02": "orchard", "03": "forest", "04": "grassland"}
COVER_OF_CLASS |= {"11": "water", "12": "bare"}
NOISE = 0.015  # per-pixel noise: standard deviation relative to the reflectance


def cover_of(land_use: str) -> str:
    """The land cover a GB/T 21010 class shows from above (construction classes: built)."""
    return COVER_OF_CLASS.get(land_use[:2], "built")


@dataclass(frozen=True)
class Plant:
    """A planted change: ``geom`` (EPSG:4490) shows ``before`` on the first scene and
    ``after`` on the second; ``kind`` says what it stands for."""

    kind: str
    geom: shapely.Geometry
    before: str
    after: str


def write_scene(
    path: Path,
    covers: Iterable[tuple[shapely.Geometry, str]],
    plants: Sequence[Plant],
    second: bool,
    seed: int,
    frame: tuple[float, float, float, float] | None = None,
) -> Path:
    """Write one 4-band GeoTIFF: the ``covers`` (EPSG:4490 geometry, cover name) over a
    road-coloured ground, the plants as on the first or the ``second`` scene; over
    ``frame`` (EPSG:4547 bounds), or the covers' extent."""
    shapes = [(reproject(g, STORAGE_SRID, AREA_SRID), c) for g, c in covers]
    planted = [
        (reproject(p.geom, STORAGE_SRID, AREA_SRID), p.after if second else p.before)
        for p in plants
    ]
    extent = frame if frame is not None else shapely.total_bounds([g for g, _ in shapes])
    x0, y0, x1, y1 = np.asarray(extent) + np.array([-80, -80, 80, 80])
    width, height = int((x1 - x0) / PIXEL_M) + 1, int((y1 - y0) / PIXEL_M) + 1
    transform = from_origin(x0, y1, PIXEL_M, PIXEL_M)
    names = list(SIGNATURES)
    index = rasterize(
        [(g, names.index(c)) for g, c in [*shapes, *planted]],
        out_shape=(height, width),
        transform=transform,
        fill=names.index("road"),
        dtype="uint8",
    )
    table = np.array([SIGNATURES[n] for n in names], dtype="int32")  # cover -> 4 bands
    rng = np.random.default_rng(seed + (1 if second else 0))
    clean = table[index].transpose(2, 0, 1)
    data = clean * (1 + rng.normal(0, NOISE, clean.shape))
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": len(BANDS),
        "dtype": "uint16",
        "crs": f"EPSG:{AREA_SRID}",
        "transform": transform,
        "tiled": True,
        "compress": "deflate",
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.clip(data, 1, 10_000).astype("uint16"))
        for i, band in enumerate(BANDS, start=1):
            dst.set_band_description(i, band)
    return path
