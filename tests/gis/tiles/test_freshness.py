"""No stale tile after an edit: committed edits invalidate exactly the tiles they touch.

These tests commit to the test database (as the bureau's editors do) and undo their
edits with a second committed transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.collections import Collection
from gis.tiles.cache import TileCache, TileKey
from gis.tiles.matrix import TileAddress
from tests.gis.tiles.conftest import tile_at, url
from tests.gis.tiles.mvt import decode

Z = 17  # tiles of ~300 m: the demo district spans several


@dataclass(frozen=True)
class Picked:
    id: int
    land_use: str
    tile: TileAddress  # the z17 tile holding the parcel's reference point
    far: TileAddress  # a z17 tile with parcels, at least three tiles away


@pytest.fixture
def picked(engine: Engine) -> Picked:
    """A current parcel and a far tile that also holds parcels."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, land_use, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
                "FROM parcel WHERE end_lifespan IS NULL ORDER BY ST_X(ref_point), id"
            )
        ).all()
    first = rows[len(rows) // 10]
    near = tile_at(first[2], first[3], Z)
    for r in reversed(rows):
        far = tile_at(r[2], r[3], Z)
        if abs(far.x - near.x) >= 3 or abs(far.y - near.y) >= 3:
            return Picked(first[0], first[1], near, far)
    raise AssertionError("the demo district is too small for this test")


@pytest.fixture
def restore(engine: Engine, picked: Picked) -> Iterator[None]:
    """Put the picked parcel back as it was (committed) after the test."""
    with engine.connect() as conn:
        geom = conn.execute(
            text("SELECT geom FROM parcel WHERE id = :id"), {"id": picked.id}
        ).scalar_one()
    yield
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE parcel SET land_use = :lu, geom = :g WHERE id = :id"),
            {"lu": picked.land_use, "g": geom, "id": picked.id},
        )


def commit(engine: Engine, sql: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def land_use_of(client: TestClient, tile: TileAddress, parcel_id: int) -> str | None:
    r = client.get(url(tile, "parcels"))
    assert r.status_code in (200, 204)
    feats = decode(r.content).get("parcels")
    found = [f for f in (feats.features if feats else []) if f["id"] == parcel_id]
    return found[0]["properties"]["land_use"] if found else None


def cache_of(client: TestClient) -> TileCache:
    cache = client.app.state.tile_cache  # type: ignore[attr-defined]
    assert isinstance(cache, TileCache)
    return cache


def test_edit_refreshes_its_tile_and_leaves_far_tiles_cached(
    committed_client: TestClient, engine: Engine, picked: Picked, restore: None
) -> None:
    c = committed_client
    assert land_use_of(c, picked.tile, picked.id) == picked.land_use
    far_before = c.get(url(picked.far, "parcels"))
    assert far_before.status_code == 200
    cache = cache_of(c)
    far_entry = cache._items[TileKey("parcels", picked.far)]
    old_etag = c.get(url(picked.tile, "parcels")).headers["etag"]

    commit(engine, "UPDATE parcel SET land_use = '0999' WHERE id = :id", id=picked.id)

    fresh = c.get(url(picked.tile, "parcels"))
    assert fresh.headers["etag"] != old_etag
    assert land_use_of(c, picked.tile, picked.id) == "0999"
    hits = cache.hits
    far_after = c.get(url(picked.far, "parcels"))
    assert cache.hits == hits + 1  # served from the cache, not re-made
    assert cache._items[TileKey("parcels", picked.far)] is far_entry
    assert far_after.headers["etag"] == far_before.headers["etag"]


def test_moved_parcel_refreshes_old_and_new_place(
    committed_client: TestClient, engine: Engine, picked: Picked, restore: None
) -> None:
    c = committed_client
    with engine.connect() as conn:
        dx, dy = conn.execute(
            text(
                "SELECT ST_X(ST_Centroid(ST_TileEnvelope(:z, :fx, :fy))) - "
                "ST_X(ST_Transform(ST_PointOnSurface(geom), 3857)), "
                "ST_Y(ST_Centroid(ST_TileEnvelope(:z, :fx, :fy))) - "
                "ST_Y(ST_Transform(ST_PointOnSurface(geom), 3857)) FROM parcel WHERE id = :id"
            ),
            {"z": Z, "fx": picked.far.x, "fy": picked.far.y, "id": picked.id},
        ).one()
    assert land_use_of(c, picked.tile, picked.id) == picked.land_use
    assert land_use_of(c, picked.far, picked.id) is None

    commit(
        engine,
        "UPDATE parcel SET geom = ST_Transform(ST_Translate(ST_Transform(geom, 3857), :dx, :dy),"
        " 4490) WHERE id = :id",
        dx=dx,
        dy=dy,
        id=picked.id,
    )

    assert land_use_of(c, picked.tile, picked.id) is None  # gone from the old place
    assert land_use_of(c, picked.far, picked.id) == picked.land_use  # shown at the new one


def test_every_commit_is_seen_by_the_next_request(
    committed_client: TestClient, engine: Engine, picked: Picked, restore: None
) -> None:
    for code in ["0101", "0201", "0702", "0101"]:
        commit(engine, "UPDATE parcel SET land_use = :lu WHERE id = :id", lu=code, id=picked.id)
        assert land_use_of(committed_client, picked.tile, picked.id) == code


@pytest.mark.parametrize("items", [0, 100])
def test_no_request_misses_an_edit_that_returned_before_it(
    committed_client: TestClient, engine: Engine, picked: Picked, restore: None, items: int
) -> None:
    """Raced: a writer commits a new land use 30 times while two readers fetch the tile;
    each answer shows the newest edit committed before its request was sent, or a later
    one, never an older one. With no memory cache (items=0: every tile made without the
    freshness check) and with one (checked, then cached)."""
    app = committed_client.app
    app.state.tile_cache = TileCache(items)  # type: ignore[attr-defined]
    codes = [f"{5000 + i}" for i in range(30)]
    done: list[int] = []  # indexes of the commits that have returned, in order
    seen: list[tuple[int, str | None]] = []  # (newest returned index at send, answer)
    stop = threading.Event()

    def writer() -> None:
        try:
            for i, code in enumerate(codes):
                commit(
                    engine, "UPDATE parcel SET land_use = :lu WHERE id = :id", lu=code, id=picked.id
                )
                done.append(i)
                time.sleep(0.05)  # a few reads between commits, and some during
        finally:
            stop.set()

    def reader() -> None:
        while not stop.is_set():
            before = done[-1] if done else -1
            seen.append((before, land_use_of(committed_client, picked.tile, picked.id)))

    assert land_use_of(committed_client, picked.tile, picked.id) == picked.land_use  # cached
    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    stale = [
        (before, got)
        for before, got in seen
        if before >= 0 and (got not in codes or codes.index(got) < before)
    ]
    assert len(seen) > 30 and not stale, stale[:5]
    assert land_use_of(committed_client, picked.tile, picked.id) == codes[-1]


def test_disk_cache_is_shared_and_never_stale(
    committed_client: TestClient,
    engine: Engine,
    picked: Picked,
    restore: None,
    tmp_path: Path,
) -> None:
    """A second process (a new cache on the same folder) reuses disk tiles while fresh."""
    app = committed_client.app
    app.state.tile_cache = TileCache(100, tmp_path)  # type: ignore[attr-defined]
    first = committed_client.get(url(picked.tile, "parcels"))
    path = tmp_path / "parcels" / str(Z) / str(picked.tile.x) / f"{picked.tile.y}.mvt"
    assert path.exists()

    app.state.tile_cache = TileCache(100, tmp_path)  # type: ignore[attr-defined]
    again = committed_client.get(url(picked.tile, "parcels"))
    assert again.content == first.content
    assert cache_of(committed_client).disk_hits == 1

    commit(engine, "UPDATE parcel SET land_use = '0999' WHERE id = :id", id=picked.id)
    app.state.tile_cache = TileCache(100, tmp_path)  # type: ignore[attr-defined]
    assert land_use_of(committed_client, picked.tile, picked.id) == "0999"
    assert cache_of(committed_client).disk_hits == 0  # the stale file was refused


def test_plan_edition_change_refreshes_plan_tiles_only(
    committed_client: TestClient, engine: Engine, picked: Picked
) -> None:
    """Plan zones show the edition in force: a change to plan_edition drops their tiles."""
    c = committed_client
    assert c.get(url(picked.tile, "plan-zones")).status_code == 200
    assert c.get(url(picked.tile, "parcels")).status_code == 200
    cache = cache_of(c)
    zones, parcels = TileKey("plan-zones", picked.tile), TileKey("parcels", picked.tile)
    assert zones in cache._items and parcels in cache._items

    commit(engine, "UPDATE plan_edition SET name = name WHERE in_force")
    # a request the cache could answer applies the new change first (a tile the cache
    # holds nowhere is made without the check: tests/gis/tiles/test_cache.py)
    c.get(url(picked.tile, "parcels"))

    assert zones not in cache._items
    assert parcels in cache._items


def test_tiles_of_untracked_tables_are_never_cached(
    tiles_client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.execute(
        text("CREATE TABLE tiles_untracked (id serial PRIMARY KEY, geom geometry(Point, 4490))")
    )
    db.execute(
        text(
            "INSERT INTO tiles_untracked (geom) "
            "VALUES (ST_SetSRID(ST_MakePoint(113.75, 23.02), 4490))"
        )
    )
    thing = Collection(
        id="untracked", title="t", description="t", table="tiles_untracked", properties={}
    )
    app = tiles_client.app  # type: ignore[attr-defined]
    app.state.catalog = app.state.catalog.extended([thing])
    tile = tile_at(113.75, 23.02, 15)
    r = tiles_client.get(url(tile, "untracked"))
    assert r.status_code == 200
    assert len(decode(r.content)["untracked"].features) == 1
    assert r.headers["x-tile-cache"] == "off: edits of tiles_untracked untracked"
    assert TileKey("untracked", tile) not in cache_of(tiles_client)._items
