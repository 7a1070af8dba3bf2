"""Fixtures of the raster tests: a private files folder, sample paths, image pairs built
with rasterio over the test district (EPSG:4547) with known changes."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.settings import Settings, get_settings, override_settings

REAL = Path("/work/shared/data/real")
PIXEL_M = 4.0


@pytest.fixture(autouse=True)
def raster_settings(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[Settings]:
    """Rasters and photos of each test go to its own temporary data folder; imports by
    server path may read the test's temporary folder."""
    current = get_settings()
    private = current.model_copy(
        update={
            "data_dir": tmp_path / "data",
            "database_url": current.sqlalchemy_url(),
            "raster_import_root": tmp_path,
        }
    )
    override_settings(private)
    yield private
    override_settings(current)


def staged(name: str) -> Path:
    """A copy of the real sample ``name`` in the import folder (for imports by path)."""
    target = get_settings().raster_import_root / "samples" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        shutil.copyfile(REAL / name, target)
    return target


def files_in(settings: Settings) -> list[Path]:
    """Every file under files_dir (to prove that nothing was left behind)."""
    root = settings.files_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def count_rows(db: Session, table: str) -> int:
    return int(db.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@dataclass(frozen=True)
class Site:
    """Two squares on the test district, snapped to the image grid (EPSG:4547 metres)."""

    origin: tuple[float, float]  # top-left corner of the image
    width: int
    height: int
    illegal: tuple[int, int, int]  # row, col, size in pixels: on registered cropland in farmland
    approved: tuple[int, int, int]  # on a registered construction-land parcel

    def area_m2(self, square: tuple[int, int, int]) -> float:
        return (square[2] * PIXEL_M) ** 2


SITE_SQL = text(
    """
    WITH farm AS (
      SELECT ST_Transform(z.geom, 4547) g FROM plan_zone z
      JOIN plan_edition e ON e.id = z.edition_id AND e.in_force WHERE z.layer = 'farmland'),
    crop AS (
      SELECT ST_Transform(p.geom, 4547) g FROM parcel p, farm
      WHERE p.end_lifespan IS NULL AND left(p.land_use, 2) = '01'
        AND p.reg_status = 'registered'  -- the register reports it under the patch
        AND ST_Within(ST_Transform(p.geom, 4547), ST_Buffer(farm.g, -1))),
    built AS (
      SELECT ST_Transform(p.geom, 4547) g FROM parcel p
      WHERE p.end_lifespan IS NULL AND left(p.land_use, 2) IN ('06', '07'))
    SELECT ST_X(c.center), ST_Y(c.center), c.radius, ST_X(b.center), ST_Y(b.center), b.radius
    FROM (SELECT (ST_MaximumInscribedCircle(g)).* FROM crop) c
    CROSS JOIN LATERAL (
      SELECT (ST_MaximumInscribedCircle(built.g)).* FROM built
      ORDER BY built.g <-> c.center LIMIT 40) b
    WHERE c.radius > 22 AND b.radius > 16 AND ST_Distance(c.center, b.center) < 900
    ORDER BY c.radius DESC, ST_Distance(c.center, b.center) LIMIT 1
    """
)


def _square(cx: float, cy: float, radius: float, origin: tuple[float, float]) -> tuple[int, ...]:
    size = int(radius * 1.2 / PIXEL_M)
    col = int((cx - origin[0]) / PIXEL_M) - size // 2
    row = int((origin[1] - cy) / PIXEL_M) - size // 2
    return row, col, size


@pytest.fixture
def site(db: Session) -> Site:
    """A registered cropland parcel inside basic farmland and a nearby construction parcel."""
    found = db.execute(SITE_SQL).first()
    assert found is not None, "the test district has no cropland parcel in farmland"
    cx, cy, cr, bx, by, br = (float(v) for v in found)
    left = min(cx, bx) - 200.0
    top = max(cy, by) + 200.0
    origin = (left - left % PIXEL_M, top - top % PIXEL_M + PIXEL_M)
    width = int((max(cx, bx) + 200.0 - origin[0]) / PIXEL_M)
    height = int((origin[1] - min(cy, by) + 200.0) / PIXEL_M)
    illegal = _square(cx, cy, cr, origin)
    approved = _square(bx, by, br, origin)
    return Site(origin, width, height, illegal, approved)  # type: ignore[arg-type]


BandValues = dict[str, int]
VEGETATION = {"blue": 400, "green": 700, "red": 800, "nir": 4000}
BUILT = {"blue": 2200, "green": 2300, "red": 2500, "nir": 2800}


def write_image(
    path: Path,
    site: Site,
    squares: list[tuple[int, int, int]],
    bands: tuple[str, ...] = ("blue", "green", "red", "nir"),
    seed: int = 1,
    origin_shift: tuple[float, float] = (0.0, 0.0),
    crs: str | None = "EPSG:4547",
) -> Path:
    """A uint16 image of vegetation with built-up ``squares`` and a little noise."""
    rng = np.random.default_rng(seed)
    data = np.empty((len(bands), site.height, site.width), dtype="uint16")
    for i, band in enumerate(bands):
        layer = np.full((site.height, site.width), VEGETATION[band], dtype="int32")
        for row, col, size in squares:
            layer[row : row + size, col : col + size] = BUILT[band]
        layer += rng.integers(-40, 41, size=layer.shape)
        data[i] = layer.astype("uint16")
    transform = from_origin(
        site.origin[0] + origin_shift[0], site.origin[1] + origin_shift[1], PIXEL_M, PIXEL_M
    )
    profile = {
        "driver": "GTiff",
        "width": site.width,
        "height": site.height,
        "count": len(bands),
        "dtype": "uint16",
        "tiled": True,
        "blockxsize": 128,
        "blockysize": 128,
    }
    if crs is not None:
        profile.update(crs=crs, transform=transform)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
        for i, band in enumerate(bands, start=1):
            dst.set_band_description(i, band)
    return path


@pytest.fixture
def image_pair(tmp_path: Path, site: Site) -> Callable[..., tuple[Path, Path]]:
    """``image_pair()``: before (vegetation) and after (two new built-up squares)."""

    def _make(**kwargs: object) -> tuple[Path, Path]:
        before = write_image(tmp_path / "before.tif", site, [], seed=1, **kwargs)  # type: ignore[arg-type]
        after = write_image(
            tmp_path / "after.tif",
            site,
            [site.illegal, site.approved],
            seed=2,
            **kwargs,  # type: ignore[arg-type]
        )
        return before, after

    return _make
