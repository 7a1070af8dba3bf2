"""The shared tile cache (issue 15): two real ``landgis serve`` processes and one real
redis-server. A tile one process made is served by the other from Redis, and an edit
through one process never leaves a stale tile in the other or in Redis (many trials)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import Engine

from gis.settings import Settings
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
