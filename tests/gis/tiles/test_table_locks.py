"""One change-log lock per tracked table (migration 0012_tiles_locks): writers of different
tables never wait for each other, and readers, keeping one mark per table, still never
miss a change that commits after a newer change of another table.

These tests commit to the test database and undo their edits with committed updates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from gis.tiles.cache import TileCache, TileKey
from gis.tiles.matrix import TileAddress
from tests.gis.tiles.conftest import tile_at, url
from tests.gis.tiles.mvt import decode

NEW_NAME = "tiles2 晚提交的分区"


@dataclass(frozen=True)
class Zone:
    id: int
    other_id: int  # a second zone of the plan in force
    name: str
    tile: TileAddress  # the z15 tile holding the zone's point on surface


@pytest.fixture
def zone(engine: Engine) -> Iterator[Zone]:
    """A zone of the plan in force; its name is put back (committed) after the test."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, name, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
                "FROM plan_zone WHERE edition_id = (SELECT id FROM plan_edition WHERE in_force) "
                "ORDER BY id LIMIT 2"
            )
        ).all()
    assert len(rows) == 2, "the demo plan has zones"
    (zid, name, lon, lat), other = rows[0], rows[1]
    yield Zone(zid, other[0], name, tile_at(lon, lat, 15))
    with engine.begin() as conn:
        conn.execute(text("UPDATE plan_zone SET name = :n WHERE id = :id"), {"n": name, "id": zid})


@pytest.fixture
def parcel_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(text("SELECT min(id) FROM parcel WHERE end_lifespan IS NULL")).scalar_one()
        )


def begin_with_timeout(conn: Connection, ms: int = 300) -> None:
    conn.begin()
    conn.execute(text(f"SET LOCAL lock_timeout = '{ms}ms'"))


def test_an_open_plan_zone_edit_does_not_block_parcel_edits(
    engine: Engine, zone: Zone, parcel_id: int
) -> None:
    with engine.connect() as planner, engine.connect() as registrar:
        planner.begin()
        planner.execute(
            text("UPDATE plan_zone SET name = name WHERE id = :id"), {"id": zone.id}
        )  # logged, not committed: holds the plan_zone lock
        plan_seq = planner.execute(text("SELECT max(seq) FROM tile_change")).scalar_one()
        begin_with_timeout(registrar)
        # With one database-wide lock this waited for the planner and hit lock_timeout.
        registrar.execute(
            text("UPDATE parcel SET land_use = land_use WHERE id = :id"), {"id": parcel_id}
        )
        logged = registrar.execute(
            text("SELECT count(*) FROM tile_change WHERE table_name = 'parcel' AND seq > :s"),
            {"s": plan_seq},
        ).scalar_one()
        assert logged == 2  # the parcel edit was logged (old and new place), after the plan edit
        # Edits of the *same* table still commit in sequence order: the second writer of
        # plan_zone (another row, so no row lock is involved) waits for the first.
        with pytest.raises(OperationalError) as waited:
            registrar.execute(
                text("UPDATE plan_zone SET name = name WHERE id = :id"), {"id": zone.other_id}
            )
        assert isinstance(waited.value.orig, psycopg.errors.LockNotAvailable)
        registrar.rollback()
        planner.rollback()


def test_a_change_committing_after_a_newer_one_of_another_table_is_not_missed(
    committed_client: TestClient, engine: Engine, zone: Zone, parcel_id: int
) -> None:
    """A plan edit draws its sequence number, then a parcel edit draws a higher one and
    commits first. A reader that saw the parcel edit must still apply the plan edit when
    it commits (one watermark for all tables would already be past it)."""
    c = committed_client

    def zone_name() -> str | None:
        r = c.get(url(zone.tile, "plan-zones"))
        assert r.status_code == 200
        found = [f for f in decode(r.content)["plan-zones"].features if f["id"] == zone.id]
        return found[0]["properties"]["name"] if found else None

    assert zone_name() == zone.name
    with engine.connect() as planner:
        planner.begin()
        planner.execute(
            text("UPDATE plan_zone SET name = :n WHERE id = :id"),
            {"n": NEW_NAME, "id": zone.id},
        )
        plan_seq = planner.execute(text("SELECT max(seq) FROM tile_change")).scalar_one()
        with engine.begin() as registrar:
            registrar.execute(text("SET LOCAL lock_timeout = '2s'"))
            registrar.execute(
                text("UPDATE parcel SET land_use = land_use WHERE id = :id"), {"id": parcel_id}
            )
        with engine.connect() as conn:
            newest = conn.execute(text("SELECT max(seq) FROM tile_change")).scalar_one()
        assert newest > plan_seq  # the parcel change is newer and already committed

        assert zone_name() == zone.name  # the plan edit is not committed yet
        cache = c.app.state.tile_cache  # type: ignore[attr-defined]
        assert isinstance(cache, TileCache)
        assert TileKey("plan-zones", zone.tile) in cache._items  # kept at the reader's marks
        assert cache.watermark is not None and cache.watermark.get("parcel") == newest
        planner.commit()

    assert zone_name() == NEW_NAME  # the late, older change dropped the cached tile
