"""Raster tiles on disk are pruned like the vector tiles, within their own budget: too old
ones go, then the oldest above raster_tile_cache_disk_max_bytes; fresh ones stay; a tile
being written (its temporary file) is never broken; a raster tile request starts it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from gis.db import Database
from gis.raster import tilecache
from gis.raster.tiles import TileStyle
from gis.settings import Settings, get_settings, override_settings
from gis.tiles import freshness
from gis.tiles.cache import prune_disk
from tests.gis.tiles.test_pruning import put_file

DAY = 86400.0


@pytest.fixture
def budgets(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    s = get_settings().model_copy(
        update={
            "tile_cache_dir": tmp_path,
            "tile_prune_interval_s": 3600,
            "tile_cache_disk_max_days": 30,
            "tile_cache_disk_max_bytes": 10**9,
            "raster_tile_cache_disk_max_bytes": 250,
        }
    )
    override_settings(s)
    yield s
    override_settings(settings)


def test_raster_tiles_are_pruned_by_age_then_oldest_first_within_their_budget(
    engine: object, database: Database, budgets: Settings, tmp_path: Path
) -> None:
    tiles = tmp_path / "raster-tiles"
    old = put_file(tiles / "7/cafe/s1/12/1/1.png", 100, 40 * DAY)
    oldest_young = put_file(tiles / "7/cafe/s1/12/1/2.png", 100, 3 * DAY)
    middle = put_file(tiles / "8/beef/s2/12/1/3.png", 100, 2 * DAY)
    newest = put_file(tiles / "8/beef/s2/12/1/4.png", 100, 1 * DAY)
    crashed = put_file(tiles / "8/beef/s2/12/1/5.png.123.456.tmp", 10, 2 * DAY)
    writing = put_file(tiles / "8/beef/s2/12/1/6.png.123.789.tmp", 10, 1.0)
    vector = put_file(tmp_path / "parcels/16/1/1.mvt", 1000, 1 * DAY)  # its own budget

    rows, files = freshness.Pruner(database).run_once(tmp_path)
    assert files == 3
    assert not old.exists()  # older than tile_cache_disk_max_days
    assert not oldest_young.exists()  # the oldest of those above the 250-byte budget
    assert middle.exists() and newest.exists()  # 200 bytes left
    assert not crashed.exists()  # a temporary file left by a crash an hour ago or more
    assert writing.exists()  # a tile being written right now
    assert vector.exists()  # 1000 bytes, but within tile_cache_disk_max_bytes
    assert freshness.Pruner(database).run_once(tmp_path)[1] == 0  # nothing more to do


def test_pruning_while_tiles_are_written_never_breaks_a_tile(tmp_path: Path) -> None:
    cache = tilecache.RasterTileCache(max_bytes=0, disk_dir=tmp_path)  # disk only
    keys = [tilecache.RasterTileKey(3, "v1", 14, x, 7, TileStyle()) for x in range(300)]
    done = threading.Event()
    pruned: list[int] = []

    def prune_hard() -> None:  # a budget of 0 bytes: every finished tile goes at once
        while not done.is_set():
            pruned.append(prune_disk(tmp_path, 30 * DAY, 0, None, None))

    pruning = threading.Thread(target=prune_hard)
    pruning.start()
    try:
        for key in keys:
            want = f"tile {key.x}".encode() * 50
            assert cache.tile(key, lambda w=want: w).data == want  # type: ignore[misc]
    finally:
        done.set()
        pruning.join(30)
    assert sum(pruned) > 0  # the pruner did delete tiles meanwhile
    assert not list(tmp_path.rglob("*.tmp"))  # every write was renamed into place
    for key in keys:  # what is left on disk is whole
        got = cache._read_disk(key)
        assert got is None or got.data == f"tile {key.x}".encode() * 50
    fresh = tilecache.RasterTileCache(max_bytes=0, disk_dir=tmp_path)
    assert fresh.tile(keys[0], lambda: b"again").data in (b"again", b"tile 0" * 50)


def test_a_raster_tile_request_starts_the_pruning(
    engine: object, database: Database, budgets: Settings, tmp_path: Path
) -> None:
    stale = put_file(tmp_path / "raster-tiles/9/v/s/1/0/0.png", 10, 40 * DAY)
    app_state = SimpleNamespace(freshness=freshness.Freshness(database))  # as create_app makes
    pruner = app_state.freshness.pruner
    tilecache.prune_soon(app_state)
    thread = pruner._running
    assert thread is not None
    thread.join(30)
    assert not stale.exists()
    tilecache.prune_soon(app_state)
    assert pruner._running is thread  # at most once per tile_prune_interval_s
