"""Raster tile cache: a second request is served without rendering, strong ETags and 304,
a raster's new content (its COG) never gets the old tiles, options never share an entry,
memory bounded in bytes, tiles on disk shared between processes and removed on delete."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import morecantile
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.raster import service, tilecache
from gis.raster.tiles import TileStyle
from tests.gis.raster.conftest import Site, staged, write_image

Headers = Callable[[str], dict[str, str]]
TMS = morecantile.tms.get("WebMercatorQuad")


def _import(client: TestClient, auth: Headers, path: Path) -> dict:
    resp = client.post("/api/v1/rasters", data={"path": str(path)}, headers=auth("surveyor"))
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _tile_url(item: dict, zoom: int) -> str:
    minx, miny, maxx, maxy = item["bbox"]
    t = TMS.tile((minx + maxx) / 2, (miny + maxy) / 2, zoom)
    return f"/api/v1/rasters/{item['id']}/tiles/{t.z}/{t.x}/{t.y}.png"


def _cache(client: TestClient) -> tilecache.RasterTileCache:
    return tilecache.for_app(client.app.state)  # type: ignore[attr-defined]


def test_second_request_is_served_from_the_cache_with_etag_and_304(
    client: TestClient, auth: Headers
) -> None:
    item = _import(client, auth, staged("RGB.byte.tif"))
    url = _tile_url(item, 9)
    cache = _cache(client)
    first = client.get(url)
    assert first.status_code == 200 and cache.renders == 1 and cache.hits == 0
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "max-age" in first.headers["cache-control"]
    second = client.get(url)
    assert second.status_code == 200 and second.content == first.content
    assert second.headers["etag"] == etag
    assert cache.renders == 1 and cache.hits == 1  # not rendered again
    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get(url, headers={"If-None-Match": sent})
        assert again.status_code == 304 and again.content == b"", sent
        assert again.headers["etag"] == etag
    stale = client.get(url, headers={"If-None-Match": '"not-this-tile"'})
    assert stale.status_code == 200 and stale.content == first.content
    assert cache.renders == 1
    # the OGC API - Tiles address of the same tile shares the entry
    z, x, y = url.removesuffix(".png").split("/")[-3:]
    ogc = client.get(f"/api/v1/rasters/{item['id']}/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert ogc.status_code == 200 and ogc.headers["etag"] == etag and cache.renders == 1


def test_rendering_options_never_share_an_entry(client: TestClient, auth: Headers) -> None:
    item = _import(client, auth, staged("RGB.byte.tif"))
    url = _tile_url(item, 9)
    options: list[dict[str, str]] = [
        {},
        {"bands": "3,2,1"},
        {"bands": "1"},
        {"bands": "1", "colormap": "viridis"},
        {"bands": "1", "colormap": "magma"},
        {"bands": "1", "rescale": "0,120"},
        {"bands": "1", "rescale": "0,121"},
        {"bands": "1", "algorithm": "hillshade"},
    ]
    etags = set()
    for params in options:
        resp = client.get(url, params=params)
        assert resp.status_code == 200, params
        etags.add(resp.headers["etag"])
    cache = _cache(client)
    assert cache.renders == len(options) and len(cache) == len(options)
    assert len(etags) == len(options)  # every option changed the picture, none was reused
    keys = {
        tilecache.RasterTileKey(1, "v", 9, 1, 2, TileStyle(bands=(1,), rescale=((0.0, r),)))
        for r in (120.0, 121.0)
    }
    assert len(keys) == 2 and len({k.style_id for k in keys}) == 2


def test_new_content_of_a_raster_never_gets_its_old_tiles(
    client: TestClient, auth: Headers, db: Session, site: Site, tmp_path: Path
) -> None:
    """The COG of raster ``a`` replaced (as a re-import in place would): new bytes, new ETag."""
    a = _import(client, auth, write_image(tmp_path / "a.tif", site, [], seed=1))
    b = _import(client, auth, write_image(tmp_path / "b.tif", site, [site.illegal], seed=7))
    url = _tile_url(a, 16)
    old = client.get(url)
    assert old.status_code == 200
    cog_b = db.execute(
        text("DELETE FROM raster WHERE id = :b RETURNING path"), {"b": b["id"]}
    ).scalar_one()
    db.execute(text("UPDATE raster SET path = :p WHERE id = :a"), {"a": a["id"], "p": cog_b})
    db.expire_all()  # the session keeps loaded rows; read the new path
    service.tile_sources(client.app.state).forget(int(a["id"]))  # the app's 30 s memo of rows
    cache = _cache(client)
    renders = cache.renders
    new = client.get(url, headers={"If-None-Match": old.headers["etag"]})
    assert new.status_code == 200 and cache.renders == renders + 1
    assert new.content != old.content and new.headers["etag"] != old.headers["etag"]


def test_memory_is_bounded_in_bytes() -> None:
    size = 1000 + tilecache.ENTRY_OVERHEAD
    cache = tilecache.RasterTileCache(max_bytes=3 * size)
    keys = [tilecache.RasterTileKey(1, "v", 5, i, 0, TileStyle()) for i in range(5)]
    for i, key in enumerate(keys):
        cache.tile(key, lambda i=i: bytes([i]) * 1000)  # type: ignore[misc]
    assert len(cache) == 3 and cache.size_bytes == 3 * size and cache.renders == 5
    cache.tile(keys[4], lambda: b"never")
    assert cache.hits == 1
    cache.tile(keys[0], lambda: bytes([0]) * 1000)  # evicted: rendered again
    assert cache.renders == 6
    huge = tilecache.RasterTileKey(1, "v", 5, 99, 0, TileStyle())
    assert cache.tile(huge, lambda: b"x" * 10_000).data == b"x" * 10_000
    assert len(cache) == 3 and cache.size_bytes <= cache.max_bytes  # too big to keep
    off = tilecache.RasterTileCache(max_bytes=0)
    off.tile(keys[0], lambda: b"a")
    off.tile(keys[0], lambda: b"a")
    assert off.renders == 2 and len(off) == 0


def test_disk_tiles_are_shared_and_removed_with_the_raster(tmp_path: Path) -> None:
    key = tilecache.RasterTileKey(7, "cafe", 10, 3, 4, TileStyle(bands=(1,)))
    one = tilecache.RasterTileCache(max_bytes=1 << 20, disk_dir=tmp_path)
    made = one.tile(key, lambda: b"png bytes")
    other = tilecache.RasterTileCache(max_bytes=1 << 20, disk_dir=tmp_path)  # another worker
    got = other.tile(key, lambda: b"rendered again")
    assert got == made and other.disk_hits == 1 and other.renders == 0
    newer = tilecache.RasterTileKey(7, "beef", 10, 3, 4, TileStyle(bands=(1,)))
    assert other.tile(newer, lambda: b"new content").data == b"new content"
    assert not list(tmp_path.rglob("*.tmp"))
    other.forget_raster(7)
    assert len(other) == 0 and not (tmp_path / "7").exists()


def test_a_deleted_raster_serves_no_tiles(client: TestClient, auth: Headers) -> None:
    item = _import(client, auth, staged("RGB.byte.tif"))
    url = _tile_url(item, 9)
    assert client.get(url).status_code == 200
    resp = client.delete(f"/api/v1/rasters/{item['id']}", headers=auth("admin"))
    assert resp.status_code == 204
    assert client.get(url).status_code == 404
    assert len(_cache(client)) == 0
