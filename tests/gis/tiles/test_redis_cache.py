"""The shared tile cache (issue 15): two real ``landgis serve`` processes and one real
redis-server. A tile one process made is served by the other from Redis, and an edit
through one process never leaves a stale tile in the other or in Redis (many trials);
raster tiles are shared by content version; with Redis gone, tiles are still served."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import Engine

from gis.raster import tilecache
from gis.raster.tiles import TileStyle
from gis.settings import Settings
from gis.tiles.shared import SharedTiles
from tests.engines import landgis_server, redis_server
from tests.scale_fixtures import Zone, scale_zone  # noqa: F401 (the zone fixture)

TRIALS = 30


@pytest.fixture(scope="module")
def pair(
    engine: Engine, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, httpx.Client, httpx.Client]]:
    """(Redis URL, client of server A, client of server B), both servers on that Redis."""
    folder: Path = tmp_path_factory.mktemp("redis")
    with redis_server(folder) as url:
        env = {"LANDGIS_REDIS_URL": url, "LANDGIS_TILE_CACHE_ITEMS": "1000"}
        with (
            landgis_server(settings, folder / "a.log", **env) as (a, _),
            landgis_server(settings, folder / "b.log", **env) as (b, _),
            httpx.Client(base_url=a, timeout=30) as ca,
            httpx.Client(base_url=b, timeout=30) as cb,
        ):
            yield url, ca, cb


def _redis_key(r: redis.Redis, zone: Zone) -> str:
    t = zone.tile
    keys = r.keys(f"landgis:*:vector:plan_zoning/{t.z}/{t.x}/{t.y}")
    assert len(keys) == 1, keys
    return keys[0].decode()


def test_a_tile_made_by_one_process_is_served_by_the_other_from_redis(
    pair: tuple[str, httpx.Client, httpx.Client], zone: Zone
) -> None:
    url, a, b = pair
    made = a.get(zone.tile_url)
    assert made.status_code == 200 and zone.name_in_tile(made.content) is not None
    r = redis.Redis.from_url(url)
    key = _redis_key(r, zone)
    stored = r.get(key)
    assert stored is not None and stored.endswith(made.content)
    # mark the bytes in Redis: B (which never made this tile) serves exactly them
    r.set(key, stored + b"\x1a\x00")  # an empty trailing MVT layer field: still valid
    served = b.get(zone.tile_url)
    assert served.status_code == 200
    assert served.content == made.content + b"\x1a\x00"
    r.close()


def test_an_edit_through_one_process_is_never_stale_in_the_other_or_in_redis(
    pair: tuple[str, httpx.Client, httpx.Client], zone: Zone
) -> None:
    url, a, b = pair
    r = redis.Redis.from_url(url)
    for i in range(TRIALS):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        for c in (a, b):  # both processes (and Redis) hold the tile before the edit
            assert c.get(zone.tile_url).status_code == 200
        name = f"redis-trial-{i}"
        assert zone.rename(writer, name).status_code == 204
        got = reader.get(zone.tile_url)
        assert got.status_code == 200
        assert zone.name_in_tile(got.content) == name, f"trial {i}: stale tile"
        again = writer.get(zone.tile_url)
        assert zone.name_in_tile(again.content) == name, f"trial {i}: stale in the writer"
        stored = r.get(_redis_key(r, zone))
        assert stored is not None and stored.endswith(got.content)  # Redis holds the new tile
    r.close()


def test_raster_tiles_are_shared_through_redis_by_content_version(
    pair: tuple[str, httpx.Client, httpx.Client],
) -> None:
    url = pair[0]
    key = tilecache.RasterTileKey(7, "cafe", 10, 3, 4, TileStyle(bands=(1,)))
    one = tilecache.RasterTileCache(1 << 20, shared=SharedTiles(url, "test-raster", 60))
    other = tilecache.RasterTileCache(1 << 20, shared=SharedTiles(url, "test-raster", 60))
    made = one.tile(key, lambda: b"png bytes")
    got = other.tile(key, lambda: b"rendered again")  # another process: from Redis
    assert got == made and other.shared_hits == 1 and other.renders == 0
    again = other.tile(key, lambda: b"never")  # now in its memory
    assert again == made and other.hits == 1
    newer = tilecache.RasterTileKey(7, "beef", 10, 3, 4, TileStyle(bands=(1,)))  # re-imported
    assert other.tile(newer, lambda: b"new content").data == b"new content"
    assert one.tile(newer, lambda: b"never").data == b"new content"


def test_when_redis_goes_down_tiles_are_still_served_and_fresh(
    pair: tuple[str, httpx.Client, httpx.Client], zone: Zone
) -> None:
    """Redis is a cache: stopped (this test runs last in the module), every process
    still answers, and still never stale."""
    url, a, b = pair
    redis.Redis.from_url(url).shutdown(nosave=True)
    for i in range(4):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        name = f"redis-down-{i}"
        assert zone.rename(writer, name).status_code == 204
        got = reader.get(zone.tile_url)
        assert got.status_code == 200 and zone.name_in_tile(got.content) == name
