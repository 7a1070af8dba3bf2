"""The parcel overview behind the city-wide view (tiles z10-z12): current parcels merged
by (block, land use) for z12, by (cadastral subzone, land use) for z11, and each subzone
as one outline in its main land use (the use of most of its area) for z10, kept up to
date from the tile change log.

A pass reads the parcel rows logged since the position the overview reflects
(``overview_state``), finds the blocks their boxes touch (any version of a parcel, so
retired ones count), and rebuilds exactly those blocks and their subzones; a whole-table
change (a bulk load) or a log pruned past that position rebuilds everything: the overview
is emptied, every subzone waits (``overview_waiting``, migration 0060), and the background
pass builds them ``CHUNK_SUBZONES`` per transaction (at 5M one transaction took 202 s,
lost whenever a server stopped). One pass
runs at a time across all server processes (a transaction advisory lock); a pass that
finds the lock taken does nothing. Geometries are EPSG:4490, simplified by
``BLOCK_TOLERANCE_DEG`` / ``SUBZONE_TOLERANCE_DEG`` (about 1 m and 5 m here, below the
size of a z12 / z10 tile unit). A parcel with an invalid outline (the register should hold
none, but one self-intersecting parcel made every pass fail on a GEOS topology error, and the
city-wide view never came) is merged as ST_MakeValid's polygons. Functions take the
caller's session and never commit, except :func:`refresh_pass`, a unit of work per chunk.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.db import Database, transaction
from gis.settings import get_settings

log = logging.getLogger(__name__)
STATE = "parcel_overview"
BLOCK_TOLERANCE_DEG = 1e-5
SUBZONE_TOLERANCE_DEG = 5e-5
# z10 (one MVT unit about 10 m, one pixel 150 m): the blocks of a subzone are closed over
# the streets between them (buffered out and back in by about 15 m, so gaps under ~30 m
# close) and simplified to about 10 m. A subzone of the 200k demo district becomes one
# outline of ~6 vertices instead of ~25 block polygons: its z10 tile fell from 5,729
# multi-part features (473 KiB, ~500 ms) to 1,024 features (58 KiB, ~25 ms).
MAIN_CLOSE_DEG = 1.5e-4
MAIN_TOLERANCE_DEG = 1e-4
CHUNK_SUBZONES = 2000  # a whole rebuild's subzones per transaction (~16 s at 5M)


@dataclass(frozen=True)
class Refresh:
    """What a pass did: the log position now reflected, the blocks rebuilt (None: a bulk
    load began a whole rebuild), and the subzones the whole rebuild has still to build."""

    seq: int
    blocks: int | None
    skipped: bool = False
    waiting: int = 0


def refresh(session: Session, limit: int | None = None) -> Refresh:
    """Bring the overview up to the newest parcel change the session sees: the blocks edits
    touched, then at most ``limit`` (None: all) subzones a whole rebuild left waiting."""
    locked = session.execute(
        text("SELECT pg_try_advisory_xact_lock(hashtext('landgis.parcel_overview'))")
    ).scalar_one()
    if not locked:
        return Refresh(0, 0, skipped=True)
    after = session.execute(
        text("SELECT seq FROM overview_state WHERE name = :n"), {"n": STATE}
    ).scalar()
    upto = int(session.execute(text(_LATEST)).scalar_one())
    blocks: int | None = 0
    if after is None or _must_rebuild(session, int(after), upto):
        _begin_rebuild(session)
        blocks = None
    elif upto > after:
        session.execute(text(_TOUCHED), {"a": after, "u": upto})
        blocks = _rebuild_touched(session)
    if after is None or upto > after:
        session.execute(text(_SAVE_STATE), {"n": STATE, "seq": upto})
    else:
        upto = int(after)  # nothing logged since: the state stays where it was
    _build_waiting(session, limit)
    waiting = int(session.execute(text("SELECT count(*) FROM overview_waiting")).scalar_one())
    return Refresh(upto, blocks, waiting=waiting)


def rebuild(session: Session) -> None:
    """Rebuild the whole overview from the current parcels, in this transaction."""
    session.execute(text("DELETE FROM overview_waiting"))
    session.execute(text("DELETE FROM parcel_overview"))
    session.execute(text(_INSERT_BLOCKS + " GROUP BY 2, 3, 4"), {"tol": BLOCK_TOLERANCE_DEG})
    session.execute(text(_INSERT_SUBZONES + " GROUP BY 2, 4"), {"tol": SUBZONE_TOLERANCE_DEG})
    session.execute(text(_INSERT_MAIN + " GROUP BY 2"), _MAIN_PARAMS)


def _begin_rebuild(session: Session) -> None:
    """A bulk load: the overview emptied, every subzone waiting to be built."""
    session.execute(text("DELETE FROM parcel_overview"))
    session.execute(text("DELETE FROM overview_waiting"))
    session.execute(text("INSERT INTO overview_waiting SELECT code FROM cadastral_subzone"))


def _build_waiting(session: Session, limit: int | None) -> int:
    """Build up to ``limit`` waiting subzones whole (their blocks from their current
    parcels, read on their partitions) and take them off the list; returns how many."""
    codes = list(session.execute(text(_WAITING), {"n": limit}).scalars())
    if not codes:
        return 0
    session.execute(text(_SUBZONE_BLOCKS), {"codes": codes})
    _rebuild_touched(session)
    session.execute(
        text("DELETE FROM overview_waiting WHERE subzone_code = ANY(CAST(:codes AS text[]))"),
        {"codes": codes},
    )
    return len(codes)


def _must_rebuild(session: Session, after: int, upto: int) -> bool:
    """A whole-table change in the range, or log rows of it already pruned."""
    return bool(session.execute(text(_WHOLE_OR_PRUNED), {"a": after, "u": upto}).scalar_one())


def _rebuild_touched(session: Session) -> int:
    """Rebuild the blocks listed in the temporary table ``touched`` (subzone_code,
    block_code), and their subzones; drops the table."""
    session.execute(
        text(
            "DELETE FROM parcel_overview o USING touched t WHERE o.subzone_code = t.subzone_code "
            "AND (o.block_code = t.block_code OR o.level <> 'block')"
        )
    )
    keys = " AND (p.subzone_code, coalesce(p.block_code, '')) IN (SELECT * FROM touched)"
    session.execute(text(_INSERT_BLOCKS + keys + " GROUP BY 2, 3, 4"), {"tol": BLOCK_TOLERANCE_DEG})
    subzones = " AND b.subzone_code IN (SELECT subzone_code FROM touched)"
    session.execute(
        text(_INSERT_SUBZONES + subzones + " GROUP BY 2, 4"), {"tol": SUBZONE_TOLERANCE_DEG}
    )
    main = " AND s.subzone_code IN (SELECT subzone_code FROM touched)"
    session.execute(text(_INSERT_MAIN + main + " GROUP BY 2"), _MAIN_PARAMS)
    count = int(session.execute(text("SELECT count(*) FROM touched")).scalar_one())
    session.execute(text("DROP TABLE touched"))
    return count


def refresh_pass(database: Database) -> Refresh:
    """The background loop's step: the edits since the last pass, then a whole rebuild's
    waiting subzones :data:`CHUNK_SUBZONES` at a time, each chunk its own unit of work (a
    restart keeps what was built, and the city-wide view fills in as it goes)."""
    while True:
        with database.session() as session, transaction(session):
            done = refresh(session, CHUNK_SUBZONES)
        if done.blocks is None:
            log.info("parcel overview: a bulk load, %s subzones to build", done.waiting)
        if done.skipped or done.waiting == 0:
            return done


async def run(database: Database, interval_s: float | None = None) -> None:
    """Refresh the overview now and every ``interval_s`` seconds, until cancelled."""
    interval = get_settings().overview_refresh_interval_s if interval_s is None else interval_s
    if interval <= 0:
        return
    while True:
        try:
            await anyio.to_thread.run_sync(refresh_pass, database)
        except Exception:
            log.exception("the parcel overview refresh failed; next pass in %s s", interval)
        await asyncio.sleep(interval)


_LATEST = (
    "SELECT coalesce((SELECT seq FROM tile_change WHERE table_name = 'parcel' "
    "ORDER BY seq DESC LIMIT 1), 0)"
)
_SAVE_STATE = (
    "INSERT INTO overview_state (name, seq) VALUES (:n, :seq) "
    "ON CONFLICT (name) DO UPDATE SET seq = excluded.seq"
)
_WHOLE_OR_PRUNED = """
SELECT EXISTS (SELECT 1 FROM tile_change WHERE table_name = 'parcel'
               AND seq > :a AND seq <= :u AND west IS NULL)
    OR EXISTS (SELECT 1 FROM tile_change_pruned WHERE table_name = 'parcel' AND upto > :a)
"""
# the blocks any version of a parcel in a logged box belongs to
_WAITING = (
    "SELECT subzone_code FROM overview_waiting ORDER BY subzone_code LIMIT CAST(:n AS integer)"
)
# every block of the subzones being built (no current parcel: the subzone's rows just go)
_SUBZONE_BLOCKS = """
CREATE TEMP TABLE touched ON COMMIT DROP AS
SELECT s.code AS subzone_code, coalesce(p.block_code, '') AS block_code
FROM unnest(CAST(:codes AS text[])) s(code)
LEFT JOIN parcel p ON p.subzone_code = s.code AND p.end_lifespan IS NULL
  AND p.subzone_code = ANY(CAST(:codes AS text[]))
GROUP BY 1, 2
"""
_TOUCHED = """
CREATE TEMP TABLE touched ON COMMIT DROP AS
SELECT DISTINCT p.subzone_code, coalesce(p.block_code, '') AS block_code
FROM tile_change c
JOIN parcel p ON p.geom && ST_MakeEnvelope(c.west, c.south, c.east, c.north, 4490)
WHERE c.table_name = 'parcel' AND c.seq > :a AND c.seq <= :u
"""
_INSERT_BLOCKS = """
INSERT INTO parcel_overview (level, subzone_code, block_code, land_use, parcels, area_m2, geom)
SELECT 'block', p.subzone_code, coalesce(p.block_code, ''), p.land_use, count(*),
       sum(p.area_m2), ST_Multi(ST_SimplifyPreserveTopology(ST_Union(
         CASE WHEN ST_IsValid(p.geom) THEN p.geom
         ELSE ST_CollectionExtract(ST_MakeValid(p.geom), 3) END), :tol))
FROM parcel p WHERE p.end_lifespan IS NULL
"""
_INSERT_SUBZONES = """
INSERT INTO parcel_overview (level, subzone_code, block_code, land_use, parcels, area_m2, geom)
SELECT 'subzone', b.subzone_code, '', b.land_use, sum(b.parcels), sum(b.area_m2),
       ST_Multi(ST_SimplifyPreserveTopology(ST_Union(b.geom), :tol))
FROM parcel_overview b WHERE b.level = 'block'
"""
_INSERT_MAIN = """
INSERT INTO parcel_overview (level, subzone_code, block_code, land_use, parcels, area_m2, geom)
SELECT 'subzone_main', s.subzone_code, '',
       (array_agg(s.land_use ORDER BY s.area_m2 DESC, s.land_use))[1], sum(s.parcels),
       sum(s.area_m2), ST_Multi(ST_SimplifyPreserveTopology(ST_Buffer(ST_Buffer(
         ST_Union(s.geom), :close, 'join=mitre'), -:close, 'join=mitre'), :tol))
FROM parcel_overview s WHERE s.level = 'subzone'
"""
_MAIN_PARAMS = {"close": MAIN_CLOSE_DEG, "tol": MAIN_TOLERANCE_DEG}
