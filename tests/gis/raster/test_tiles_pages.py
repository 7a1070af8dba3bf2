"""Raster tiles (rio-tiler) and the offline map pages of rasters."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import morecantile
import numpy as np
import pytest
from fastapi.testclient import TestClient
from rasterio.io import MemoryFile
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.settings import get_settings
from tests.gis.raster.conftest import staged

Headers = Callable[[str], dict[str, str]]
TMS = morecantile.tms.get("WebMercatorQuad")


def imported(client: TestClient, auth: Headers, name: str, **form: str) -> dict:
    resp = client.post(
        "/api/v1/rasters", data={"path": str(staged(name)), **form}, headers=auth("surveyor")
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def centre_tile(item: dict, zoom: int) -> morecantile.Tile:
    minx, miny, maxx, maxy = item["bbox"]
    return TMS.tile((minx + maxx) / 2, (miny + maxy) / 2, zoom)


def png(resp) -> np.ndarray:  # type: ignore[no-untyped-def]
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "image/png"
    with MemoryFile(resp.content) as mem, mem.open() as img:
        assert img.driver == "PNG"
        return np.moveaxis(img.read(), 0, -1)


def test_landsat_tiles_with_bands_rescale_and_colormap(client: TestClient, auth: Headers) -> None:
    item = imported(client, auth, "RGB.byte.tif")
    t = centre_tile(item, 9)
    url = f"/api/v1/rasters/{item['id']}/tiles/{t.z}/{t.x}/{t.y}.png"
    rgb = png(client.get(url))
    assert rgb.shape == (256, 256, 4) and rgb[..., 3].max() == 255
    assert rgb[..., :3].std() > 5  # real imagery, not a flat tile
    one = png(client.get(url, params={"bands": "3", "rescale": "0,120", "colormap": "viridis"}))
    assert one.shape == (256, 256, 4)
    assert not np.array_equal(one[..., :3], rgb[..., :3])
    far = TMS.tile(113.75, 23.0, 9)
    resp = client.get(f"/api/v1/rasters/{item['id']}/tiles/9/{far.x}/{far.y}.png")
    assert resp.status_code == 404


def test_tile_options_are_checked(client: TestClient, auth: Headers) -> None:
    item = imported(client, auth, "RGB.byte.tif")
    t = centre_tile(item, 8)
    url = f"/api/v1/rasters/{item['id']}/tiles/{t.z}/{t.x}/{t.y}.png"
    for params, field in [
        ({"bands": "1,2"}, "bands"),
        ({"bands": "9"}, "bands"),
        ({"rescale": "10,1"}, "rescale"),
        ({"colormap": "rainbowish"}, "colormap"),
        ({"algorithm": "slope"}, "algorithm"),
    ]:
        resp = client.get(url, params=params)
        assert resp.status_code == 422 and resp.json()["field"] == field, params


def test_dem_hillshade_tile_and_tilejson(client: TestClient, auth: Headers) -> None:
    item = imported(client, auth, "N10W110.hgt.zip", sensor="SRTM")
    # the tile's north-east land part (Clipperton is ocean; the tile has some relief at 10N)
    t = centre_tile(item, 8)
    url = f"/api/v1/rasters/{item['id']}/tiles/{t.z}/{t.x}/{t.y}.png"
    shade = png(client.get(url, params={"algorithm": "hillshade"}))
    assert shade.shape[:2] == (256, 256)
    tj = client.get(f"/api/v1/rasters/{item['id']}/tilejson.json", params={"colormap": "terrain"})
    assert tj.status_code == 200
    assert tj.json()["tiles"][0].endswith("/tiles/{z}/{x}/{y}.png?colormap=terrain")
    assert tj.json()["bounds"] == item["bbox"]


def test_raster_page_is_offline_and_shows_the_raster_in_place(
    client: TestClient, auth: Headers
) -> None:
    item = imported(client, auth, "RGB.byte.tif")
    resp = client.get(f"/maps/rasters/{item['id']}")
    assert resp.status_code == 200
    page = resp.text
    assert f"/api/v1/rasters/{item['id']}/tiles/{{z}}/{{x}}/{{y}}.png" in page
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    config = json.loads(re.search(r'id="map-config">(.*?)</script>', page, re.S)[1])
    (south, west), (north, east) = config["bounds"]  # the page fits the raster's bounds
    assert [west, south, east, north] == pytest.approx(item["bbox"], abs=1e-6)
    assert client.get("/maps/rasters/424242").status_code == 404


def test_dem_overlay_defaults_to_hillshade(client: TestClient, auth: Headers) -> None:
    item = imported(client, auth, "N10W110.hgt.zip")
    page = client.get(f"/maps/rasters/{item['id']}").text
    assert "algorithm=hillshade" in page


def test_cog_download_supports_ranges(client: TestClient, auth: Headers) -> None:
    item = imported(client, auth, "RGB.byte.tif")
    href = item["assets"]["cog"]["href"]
    resp = client.get(href, headers={"Range": "bytes=0-3"})
    assert resp.status_code == 206 and resp.content in (b"II*\x00", b"MM\x00*")


def test_ogc_api_tiles_of_a_raster(client: TestClient, auth: Headers) -> None:
    item = imported(client, auth, "RGB.byte.tif")
    sets = client.get(f"/api/v1/rasters/{item['id']}/tiles")
    assert sets.status_code == 200
    tileset = sets.json()["tilesets"][0]
    assert tileset["tileMatrixSetURI"].endswith("WebMercatorQuad") and tileset["dataType"] == "map"
    template = next(link["href"] for link in tileset["links"] if link["rel"] == "item")
    t = centre_tile(item, 9)
    path = template.format(tileMatrix=t.z, tileRow=t.y, tileCol=t.x).split("testserver")[-1]
    ogc = png(client.get(path))
    xyz = png(client.get(f"/api/v1/rasters/{item['id']}/tiles/{t.z}/{t.x}/{t.y}.png"))
    assert np.array_equal(ogc, xyz)
    assert client.get(f"/api/v1/rasters/{item['id']}/tiles/WebMercatorQuad").status_code == 200
    assert client.get("/api/v1/rasters/777777/tiles").status_code == 404


def test_tile_of_a_raster_deleted_elsewhere_is_404_not_a_stale_image(
    client: TestClient, auth: Headers, db: Session
) -> None:
    """Tiles keep catalogue rows and open readers in memory; a raster removed behind this
    process's back (another worker's delete: row and COG gone) must answer 404 at once."""
    item = imported(client, auth, "RGB.byte.tif")
    t = centre_tile(item, 9)
    url = f"/api/v1/rasters/{item['id']}/tiles/{t.z}/{t.x}/{t.y}.png"
    assert client.get(url).status_code == 200  # now cached in this process
    path = db.execute(text("SELECT path FROM raster WHERE id = :i"), {"i": item["id"]}).scalar_one()
    db.execute(text("DELETE FROM raster WHERE id = :i"), {"i": item["id"]})
    (get_settings().files_dir / path).unlink()
    gone = client.get(url)
    assert gone.status_code == 404 and gone.json()["field"] == "raster_id"
