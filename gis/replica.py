"""Public reads from a read replica, never older than the primary at the request's start.

Public reads (OGC item lists, tiles, map pages, statistics) may run on the replica named by
``LANDGIS_DATABASE_READ_URL`` (or the running local standby, gis/standby.py). The rule
chosen for read-your-writes is the **LSN wait**, applied to every reader, not only to the
one who wrote: before a read runs on the replica, the primary's WAL position at that
moment (``pg_current_wal_lsn()``, one cheap autocommit query) must have been replayed by
the replica; it waits for that at most ``read_wait_s`` and otherwise reads the primary.
Every commit whose response has returned lies before that position, so no read through
the replica is staler than a read of the primary would have been (also for another
user, another server process, or a write made by a job).

Tiles use the tile cache's own measure: the change-log marks (gis/tiles/repository.py)
the freshness check read on the primary; a tile is made on the replica only once the
replica's marks of its tables reach them (else on the primary), so a cached tile never
predates an invalidation. Writes, ETag/If-Match reads and everything else stay on the
primary. Responses say where they were read with ``X-Landgis-Read: replica|primary``.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from fastapi import Depends
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from gis.db import Database, app_database, driver_args, get_session
from gis.settings import Settings

if TYPE_CHECKING:
    from gis.tiles.matrix import TileAddress
    from gis.tiles.repository import Marks, RenderedTile
    from gis.tiles.tilesets import Tileset

log = logging.getLogger(__name__)
URL_TTL_S = 5.0  # how long the answer "is the local standby running" is reused
HEADER = b"x-landgis-read"

_where: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "landgis_read_where", default=None
)


def read_url(database: Database) -> str | None:
    """The replica's URL, or None (then every read goes to the primary); the answer
    whether the local standby runs is kept in ``database`` for URL_TTL_S seconds."""
    from gis import standby

    now = time.monotonic()
    cached = database.memo.get(_URL_KEY)
    if cached is None or now - cached[0] > URL_TTL_S:
        cached = (now, standby.read_url(database.settings))
        database.memo[_URL_KEY] = cached
    return cached[1]  # type: ignore[no-any-return]


_URL_KEY = "replica.read_url"


def primary_lsn(database: Database) -> str:
    """The primary's WAL write position now (every returned commit lies before it)."""
    with database.autocommit.connect() as conn:
        return str(conn.exec_driver_sql("SELECT pg_current_wal_lsn()::text").scalar_one())


def _wait(conn: Connection, caught_up: Callable[[Connection], bool], settings: Settings) -> bool:
    """Poll ``caught_up`` on the replica until true or ``read_wait_s`` has passed."""
    deadline = time.monotonic() + settings.read_wait_s
    pause = 0.002
    while True:
        if caught_up(conn):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _replayed(lsn: str) -> Callable[[Connection], bool]:
    def check(conn: Connection) -> bool:
        row = conn.exec_driver_sql(
            "SELECT coalesce(pg_last_wal_replay_lsn() >= %(lsn)s::pg_lsn, true)", {"lsn": lsn}
        ).scalar_one()
        return bool(row)

    return check


def note(where: str) -> None:
    """Remember where this request read (the middleware puts it in a response header)."""
    box = _where.get()
    if box is not None:
        box["read"] = where


def get_read_session(
    database: Database = Depends(app_database), primary: Session = Depends(get_session)
) -> Iterator[Session]:
    """FastAPI dependency for public reads: a session on the replica once it has replayed
    the primary's position of now, else the request's primary session."""
    url = read_url(database)
    if url is None:  # no replica, or its standby stopped: the header still says who read
        note("primary")
        yield primary
        return
    conn: Connection | None = None
    try:
        lsn = primary_lsn(database)
        # the session keeps the connection that waited: behind a load-balanced pool of
        # standbys another connection might reach one that has not caught up yet
        conn = database.engine_for(url).connect()
        if not _wait(conn, _replayed(lsn), database.settings):
            conn.close()
            conn = None
    except DBAPIError as exc:  # replica down: the primary answers
        log.warning("read replica unusable, reading the primary: %s", exc.__class__.__name__)
        if conn is not None:
            conn.close()
        conn = None
    note("replica" if conn is not None else "primary")
    if conn is None:
        yield primary
        return
    # the session joins the waiting (read committed) transaction: each of its statements
    # takes a fresh snapshot, at or past the waited-for position; closing rolls it back
    replica = Session(bind=conn, expire_on_commit=False)
    try:
        yield replica
    finally:
        replica.close()
        conn.close()


def render_tile(
    database: Database,
    render: Callable[[Any, Tileset, TileAddress], RenderedTile],
    tileset: Tileset,
    tile: TileAddress,
    latest: Marks,
) -> RenderedTile | None:
    """Make a tile on the replica once its change-log marks of the tileset's tables reach
    ``latest`` (read on the primary by the freshness check); None: make it on the primary."""
    from gis.tiles.repository import marks_of

    url = read_url(database)
    if url is None:
        note("primary")
        return None
    tables = sorted(tileset.tables)

    def caught_up(conn: Connection) -> bool:
        seen = marks_of(conn, tables)
        return all(seen.get(t) >= latest.get(t) for t in tables)

    try:
        with database.engine_for(url, "autocommit").connect() as conn:
            if not _wait(conn, caught_up, database.settings):
                note("primary")
                return None
            made = render(conn, tileset, tile)
    except DBAPIError as exc:
        log.warning("read replica unusable, tiles from the primary: %s", exc.__class__.__name__)
        note("primary")
        return None
    note("replica")
    return made


class ReadHeaderMiddleware:
    """Pure ASGI middleware: ``X-Landgis-Read`` says whether the replica or the primary
    answered a routed read (absent on routes that always use the primary)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        box: dict[str, str] = {}
        token = _where.set(box)

        async def send_with_header(message: Any) -> None:
            if message["type"] == "http.response.start" and "read" in box:
                headers = list(message.get("headers", []))
                headers.append((HEADER, box["read"].encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        finally:
            _where.reset(token)


LAG_SQL = (
    "SELECT coalesce(pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()), 0)::bigint, "
    "CASE WHEN pg_last_wal_replay_lsn() IS NULL "
    "OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8"
)


async def lag_report(database: Database, primary_lsn: str | None) -> dict[str, Any]:
    """For ``/health``: whether the replica answers and how far its replay is behind the
    primary's position ``primary_lsn`` (bytes, and seconds since the last replayed commit
    while it is behind). Empty without a replica; a dead replica does not fail the check
    (reads then go to the primary)."""
    import psycopg

    url = read_url(database)
    if url is None or primary_lsn is None:
        return {}
    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)

    async def query() -> Any:
        conn = await psycopg.AsyncConnection.connect(
            conninfo, autocommit=True, connect_timeout=2, **driver_args(database.settings)
        )
        async with conn:
            cur = await conn.execute(LAG_SQL, (primary_lsn,))
            return await cur.fetchone()

    try:
        row = await asyncio.wait_for(query(), 2.0)
    except (psycopg.Error, OSError, TimeoutError) as exc:
        log.warning("health: read replica unreachable: %s", exc.__class__.__name__)
        return {"replica": "unreachable"}
    lag_bytes, lag_s = row or (0, 0.0)
    return {"replica": "ok", "replica_lag_bytes": max(int(lag_bytes), 0), "replica_lag_s": lag_s}
