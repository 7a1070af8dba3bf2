"""Pruning: old change-log rows go (a reader behind them redraws that table's tiles, and
only that table's), disk tiles go by age and then oldest-first above the size limit."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.db import Database
from gis.settings import Settings, get_settings, override_settings
from gis.tiles import freshness
from gis.tiles.cache import CachedTile, TileCache, TileKey, prune_disk
from gis.tiles.matrix import TileAddress
from gis.tiles.repository import Change, Marks, Ranges, changes_since, latest_marks

NOWHERE = TileAddress(16, 0, 0)  # a tile far from the demo district


def edit_two_parcels(db: Session) -> list[int]:
    """Two logged parcel edits; returns their sequence numbers (the update's new rows)."""
    ids = db.execute(
        text("SELECT id FROM parcel WHERE end_lifespan IS NULL ORDER BY id LIMIT 2")
    ).scalars()
    seqs = []
    for pid in list(ids):
        db.execute(text("UPDATE parcel SET land_use = land_use WHERE id = :id"), {"id": pid})
        seqs.append(db.execute(text("SELECT max(seq) FROM tile_change")).scalar_one())
    return seqs


def age_log_and_prune(db: Session) -> int:
    db.execute(text("UPDATE tile_change SET changed_at = changed_at - interval '2 days'"))
    return int(db.execute(text("SELECT tile_change_prune(interval '1 hour')")).scalar_one())


def test_prune_keeps_each_tables_newest_row_and_records_what_went(db: Session) -> None:
    before = latest_marks(db)
    first, second = edit_two_parcels(db)
    marks = latest_marks(db)
    assert marks.get("parcel") == second

    assert age_log_and_prune(db) > 0
    assert latest_marks(db) == marks  # every table's newest row stays: marks still readable
    left = db.execute(text("SELECT table_name, count(*) FROM tile_change GROUP BY 1")).all()
    assert all(n == 1 for _, n in left) and {t for t, _ in left} == marks.tables()
    pruned = dict(db.execute(text("SELECT table_name, upto FROM tile_change_pruned")).all())
    assert pruned["parcel"] == second - 1  # the old-place row of the second edit

    # A reader at the mark before the edits may have lost rows: one whole-table change.
    behind = changes_since(db, {"parcel": (before.get("parcel"), second)})
    assert [(c.table, c.bbox) for c in behind if c.bbox is None] == [("parcel", None)]
    # A reader past the pruned rows gets exactly the rows that are left.
    recent = changes_since(db, {"parcel": (pruned["parcel"], second)})
    assert [c.seq for c in recent] == [second] and recent[0].bbox is not None
    assert first < pruned["parcel"]


def test_a_reader_behind_the_pruned_rows_drops_that_tables_tiles_only(db: Session) -> None:
    def load(ranges: Ranges) -> list[Change]:
        return changes_since(db, ranges)

    start = latest_marks(db)
    parcels, roads = TileKey("parcels", NOWHERE), TileKey("roads", NOWHERE)
    caches = [TileCache(10), TileCache(10)]
    for cache in caches:
        cache.sync(start, load)
        assert cache.put(parcels, CachedTile(b"p", start.only({"parcel"}), frozenset({"parcel"})))
        assert cache.put(roads, CachedTile(b"r", start.only({"road"}), frozenset({"road"})))

    edit_two_parcels(db)
    caught_up, behind = caches
    caught_up.sync(latest_marks(db), load)  # before pruning: the edits are far from NOWHERE
    assert caught_up.get(parcels) is not None

    age_log_and_prune(db)
    behind.sync(latest_marks(db), load)
    assert behind.get(parcels) is None  # it cannot know what the pruned rows touched
    assert behind.get(roads) is not None  # roads changed nothing: kept
    assert caught_up.get(parcels) is not None


def put_file(path: Path, size: int, age_s: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    t = time.time() - age_s
    os.utime(path, (t, t))
    return path


def test_disk_tiles_are_pruned_by_age_then_by_size(tmp_path: Path) -> None:
    day = 86400.0
    old = put_file(tmp_path / "parcels/16/1/1.mvt", 100, 40 * day)
    oldest_young = put_file(tmp_path / "parcels/16/1/2.mvt", 100, 3 * day)
    middle = put_file(tmp_path / "base/16/1/3.mvt", 100, 2 * day)
    newest = put_file(tmp_path / "base/16/1/4.mvt", 100, 1 * day)
    crashed = put_file(tmp_path / "base/16/1/5.mvt.123.456.tmp", 10, 1 * day)
    raster = put_file(tmp_path / "raster-tiles/a/1.png", 1000, 400 * day)

    assert prune_disk(tmp_path, 30 * day, 250) == 3
    assert not old.exists()  # too old
    assert not oldest_young.exists()  # the oldest of those above the size limit
    assert middle.exists() and newest.exists()  # 200 bytes left <= 250
    assert not crashed.exists()  # a temporary file left by a crash
    assert raster.exists()  # another cache's folder is never touched

    assert prune_disk(tmp_path, 30 * day, 10**9) == 0  # nothing more to do


@pytest.fixture
def prune_settings(settings: Settings) -> Iterator[Settings]:
    s = get_settings().model_copy(
        update={"tile_prune_interval_s": 3600, "tile_cache_disk_max_days": 1}
    )
    override_settings(s)
    yield s
    override_settings(settings)


def test_the_pruner_runs_at_most_once_per_interval(
    engine: object, database: Database, prune_settings: Settings, tmp_path: Path
) -> None:
    stale = put_file(tmp_path / "parcels/16/1/1.mvt", 10, 2 * 86400)
    pruner = freshness.Pruner(database)
    thread = pruner.maybe_start(tmp_path)
    assert thread is not None
    thread.join(30)
    assert not stale.exists()
    assert pruner.maybe_start(tmp_path) is None  # the next run is an interval away


def test_marks_compare_only_the_tables_of_a_tile() -> None:
    marks = Marks.of_mapping({"parcel": 5, "road": 9, "plan_zone": 0})
    assert marks.only({"parcel", "plan_edition"}) == Marks.of_mapping({"parcel": 5})
    assert marks.get("plan_zone") == 0 and marks.tables() == {"parcel", "road"}
