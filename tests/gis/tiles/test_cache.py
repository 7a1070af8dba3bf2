"""The tile cache's rules, without a database: freshness watermark, exact invalidation, LRU."""

from __future__ import annotations

from pathlib import Path

import morecantile
from hypothesis import given, settings
from hypothesis import strategies as st

from gis.tiles.cache import CachedTile, TileCache, TileKey, touches
from gis.tiles.matrix import TMS, TileAddress, tile_range
from gis.tiles.repository import Change, Marks, Ranges

DISTRICT = (113.742, 23.014, 113.762, 23.028)
TABLES = frozenset({"parcel"})


def key_at(lon: float, lat: float, z: int = 16, tileset: str = "parcels") -> TileKey:
    t = TMS.tile(lon, lat, z)
    return TileKey(tileset, TileAddress(t.z, t.x, t.y))


def marks(parcel: int, road: int = 0) -> Marks:
    return Marks.of_mapping({"parcel": parcel, "road": road})


def tile(seq: int, data: bytes = b"x", tables: frozenset[str] = TABLES) -> CachedTile:
    """A tile made when the log's newest change of each of its tables was ``seq``."""
    return CachedTile(data, Marks.of_mapping(dict.fromkeys(tables, seq)), tables)


def no_changes(ranges: Ranges) -> list[Change]:
    raise AssertionError("no changes expected")


def test_a_tile_made_before_the_watermark_is_not_kept() -> None:
    cache = TileCache(10)
    cache.sync(marks(5), no_changes)
    k = key_at(113.75, 23.02)
    assert not cache.put(k, tile(4))  # made from an older snapshot: may miss change 5
    assert cache.get(k) is None
    assert cache.put(k, tile(5))
    assert cache.get(k) is not None


def test_only_a_synced_memory_cache_without_the_tile_skips_the_check(tmp_path: Path) -> None:
    """A tile held nowhere is made without the freshness check (gis.tiles.api._serve);
    a cache that never synced, holds the tile (at any age) or keeps disk files may not."""
    cache = TileCache(10)
    k = key_at(113.75, 23.02)
    assert not cache.cannot_answer(k)  # never synced: no watermark to keep tiles at
    cache.sync(marks(5), no_changes)
    assert cache.cannot_answer(k)
    assert cache.put(k, tile(5))
    assert not cache.cannot_answer(k)  # held: only a check tells whether it is fresh
    assert cache.cannot_answer(key_at(113.745, 23.016))
    disk = TileCache(10, tmp_path)
    disk.sync(marks(5), no_changes)
    assert not disk.cannot_answer(k)  # a file may hold it: checked against the log


def test_a_tile_newer_than_the_watermark_makes_the_next_request_check() -> None:
    """Made after an edit the cache has not applied: not kept, and the next request syncs
    (else a process serving only new tiles would never keep one again)."""
    cache = TileCache(10)
    cache.sync(marks(5), no_changes)
    k = key_at(113.75, 23.02)
    assert not cache.put(k, tile(6))
    assert not cache.cannot_answer(k) and not cache.cannot_answer(key_at(113.745, 23.016))
    cache.sync(marks(6), lambda r: [])
    assert cache.cannot_answer(k)
    assert not cache.put(k, tile(4))  # an older one turned away does not force a check
    assert cache.cannot_answer(k)


def test_sync_drops_exactly_the_touched_tiles() -> None:
    cache = TileCache(100)
    cache.sync(marks(1, road=1), no_changes)
    near, far = key_at(113.745, 23.016), key_at(113.760, 23.026)
    roads = key_at(113.745, 23.016, tileset="roads")
    cache.put(near, tile(1))
    cache.put(far, tile(1))
    cache.put(roads, tile(1, tables=frozenset({"road"})))
    edit = Change(2, "parcel", (113.7449, 23.0159, 113.7451, 23.0161))
    cache.sync(marks(2, road=1), lambda r: [edit] if r == {"parcel": (1, 2)} else [])
    assert cache.get(near) is None
    assert cache.get(far) is not None
    assert cache.get(roads) is not None  # another table's tiles are untouched


def test_truncate_drops_every_tile_of_the_table() -> None:
    cache = TileCache(100)
    cache.sync(marks(1), no_changes)
    a, b = key_at(113.745, 23.016), key_at(113.760, 23.026)
    cache.put(a, tile(1))
    cache.put(b, tile(1))
    cache.sync(marks(2), lambda r: [Change(2, "parcel", None)])
    assert len(cache) == 0


def test_log_going_backwards_clears_the_cache() -> None:
    cache = TileCache(100)
    cache.sync(marks(9, road=4), no_changes)
    k = key_at(113.75, 23.02)
    cache.put(k, tile(9))
    cache.sync(marks(3, road=5), no_changes)  # e.g. the database was reset
    assert cache.get(k) is None and cache.watermark == marks(3, road=5)


def test_a_tile_is_kept_whatever_other_tables_did() -> None:
    """Only the marks of the tile's own tables matter: a road edit that committed while
    a parcel tile was made does not stop it being kept, a parcel edit does."""
    cache = TileCache(10)
    cache.sync(marks(5, road=7), no_changes)
    k = key_at(113.75, 23.02)
    assert cache.put(k, CachedTile(b"x", Marks.of_mapping({"parcel": 5}), TABLES))
    assert not cache.put(k, CachedTile(b"x", Marks.of_mapping({"parcel": 6}), TABLES))


def test_each_table_is_read_from_its_own_mark() -> None:
    """A table whose older change committed late (another table's newer change was
    already applied) is still read from its own mark: the late change is not missed."""
    cache = TileCache(10)
    cache.sync(marks(5, road=3), no_changes)
    loads: list[Ranges] = []

    def load(ranges: Ranges) -> list[Change]:
        loads.append(dict(ranges))
        return []

    cache.sync(marks(9, road=3), load)  # a parcel edit (seq 9) committed first
    cache.sync(marks(9, road=8), load)  # then the road edit that drew seq 8
    assert loads == [{"parcel": (5, 9)}, {"road": (3, 8)}]


def test_least_recently_used_tiles_go_first() -> None:
    cache = TileCache(2)
    cache.sync(marks(0), no_changes)
    keys = [TileKey("parcels", TileAddress(3, i, 0)) for i in range(3)]
    cache.put(keys[0], tile(0))
    cache.put(keys[1], tile(0))
    assert cache.get(keys[0]) is not None  # keys[1] is now the oldest
    cache.put(keys[2], tile(0))
    assert cache.get(keys[1]) is None
    assert cache.get(keys[0]) is not None and cache.get(keys[2]) is not None


def test_buffer_neighbours_are_touched_too() -> None:
    """An edit just inside one tile's edge also reaches the neighbour (its buffer draws it)."""
    z = 16
    west, south, east, north = TMS.bounds(morecantile.Tile(53000, 28000, z))
    inside_edge = (east - 1e-7, south + 1e-4, east - 1e-7, south + 2e-4)
    here = TileKey("parcels", TileAddress(z, 53000, 28000))
    right = TileKey("parcels", TileAddress(z, 53001, 28000))
    far_right = TileKey("parcels", TileAddress(z, 53002, 28000))
    change = Change(1, "parcel", inside_edge)
    assert touches(change, here, TABLES) and touches(change, right, TABLES)
    assert not touches(change, far_right, TABLES)


lon = st.floats(-179.9, 179.9)
lat = st.floats(-85.0, 85.0)


@settings(max_examples=200, deadline=None)
@given(lon, lat, st.floats(0, 0.05), st.floats(0, 0.05), st.integers(0, 18))
def test_tile_range_covers_what_morecantile_covers(
    w: float, s: float, dw: float, ds: float, z: int
) -> None:
    e, n = min(w + dw, 179.99), min(s + ds, 85.0)
    x0, y0, x1, y1 = tile_range((w, s, e, n), z, margin=0.0)
    for t in TMS.tiles(w, s, e, n, [z]):
        assert x0 <= t.x <= x1 and y0 <= t.y <= y1
    # and no more than one tile of slack on each side
    tiles = list(TMS.tiles(w, s, e, n, [z]))
    assert x1 - x0 <= max(t.x for t in tiles) - min(t.x for t in tiles) + 2
    assert y1 - y0 <= max(t.y for t in tiles) - min(t.y for t in tiles) + 2
