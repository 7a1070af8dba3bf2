"""Footprints cover the data: a rotated (non-north-up) geotransform is imported with the
exact outline of its grid, and a scene tilted inside a north-up grid keeps its corners."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import morecantile
import numpy as np
import rasterio
import shapely
from affine import Affine
from fastapi.testclient import TestClient
from rasterio.features import rasterize, shapes
from rasterio.transform import array_bounds
from rasterio.warp import transform_geom
from shapely.geometry import mapping, shape

Headers = Callable[[str], dict[str, str]]
ORIGIN = Affine.translation(500_000.0, 2_560_000.0)  # EPSG:4547, metres
TMS = morecantile.tms.get("WebMercatorQuad")


def _write(path: Path, data: np.ndarray, transform: Affine) -> Path:
    profile = {"driver": "GTiff", "width": data.shape[1], "height": data.shape[0], "count": 1}
    profile |= {"dtype": "uint8", "crs": "EPSG:4547", "transform": transform, "nodata": 0}
    profile |= {"tiled": True, "blockxsize": 256, "blockysize": 256}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data[np.newaxis])
    return path


def _import(client: TestClient, auth: Headers, path: Path) -> dict:
    resp = client.post("/api/v1/rasters", data={"path": str(path)}, headers=auth("surveyor"))
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _to_4490(geom: shapely.Geometry) -> shapely.Geometry:
    dense = shapely.segmentize(geom, 5.0)  # metres: follow the projection's curvature
    return shape(transform_geom("EPSG:4547", "EPSG:4490", mapping(dense)))


def test_rotated_geotransform_imports_with_its_grid_as_footprint(
    client: TestClient, auth: Headers, tmp_path: Path
) -> None:
    width, height = 1200, 800
    transform = ORIGIN * Affine.rotation(25) * Affine.scale(4.0, -4.0)
    data = np.random.default_rng(3).integers(1, 255, size=(height, width)).astype("uint8")
    item = _import(client, auth, _write(tmp_path / "rotated.tif", data, transform))
    corners = [transform * c for c in ((0, 0), (width, 0), (width, height), (0, height))]
    exact = _to_4490(shapely.Polygon(corners))
    footprint = shape(item["geometry"])
    assert footprint.symmetric_difference(exact).area < 1e-6 * exact.area
    assert footprint.area < 0.7 * shapely.box(*footprint.bounds).area  # tilted, not a box
    minx, miny, maxx, maxy = item["bbox"]
    t = TMS.tile((minx + maxx) / 2, (miny + maxy) / 2, 15)
    tile = client.get(f"/api/v1/rasters/{item['id']}/tiles/{t.z}/{t.x}/{t.y}.png")
    assert tile.status_code == 200 and tile.headers["content-type"] == "image/png"


def test_a_tilted_scene_keeps_its_corners(
    client: TestClient, auth: Headers, tmp_path: Path
) -> None:
    """Data is a rectangle turned 37 degrees in a north-up grid (nodata around it)."""
    n = 791
    scene = shapely.affinity.rotate(shapely.box(n * 0.15, n * 0.15, n * 0.85, n * 0.85), 37)
    inside = rasterize([scene], out_shape=(n, n), fill=0, default_value=1).astype("uint8")
    values = np.random.default_rng(5).integers(1, 255, size=(n, n)).astype("uint8")
    transform = ORIGIN * Affine.scale(4.0, -4.0)
    item = _import(client, auth, _write(tmp_path / "tilted.tif", inside * values, transform))
    valid = shapely.union_all(
        [shape(g) for g, _ in shapes(inside, mask=inside > 0, transform=transform)]
    )
    data = _to_4490(valid)
    footprint = shape(item["geometry"])
    assert data.difference(footprint).area < 1e-9 * data.area  # every valid pixel inside
    assert footprint.area < 1.05 * data.area  # and close to the data, not its box
    grid = _to_4490(shapely.box(*array_bounds(n, n, transform)))
    assert footprint.difference(grid.buffer(1e-9)).is_empty  # never past the raster
