"""The per-request freshness check, done on the event loop without a thread hop.

Every tile request first reads the newest *committed* change-log sequence number in a
fresh snapshot (one indexed query on an autocommit connection), so an edit whose
response has returned is always seen. One asynchronous psycopg connection per event
loop serves these checks; an asyncio lock keeps check-and-sync of the cache atomic.
"""

from __future__ import annotations

import asyncio
import os
import weakref

import psycopg

from gis.settings import get_settings
from gis.tiles import repository
from gis.tiles.cache import TileCache


def conninfo() -> str:
    """libpq URL of the configured database (the SQLAlchemy URL without its driver name)."""
    return get_settings().sqlalchemy_url().replace("postgresql+psycopg://", "postgresql://", 1)


RENDER_SLOTS = max(2, 2 * (os.cpu_count() or 1))  # tiles made at once per process


class Checker:
    """One autocommit connection of one event loop, opened on first use, and the
    semaphore that bounds how many tiles the loop's worker threads make at once (more
    would only queue in PostgreSQL and churn pooled connections)."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.render_slots = asyncio.Semaphore(RENDER_SLOTS)
        self._conn: psycopg.AsyncConnection | None = None

    async def _latest(self) -> int:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                conninfo(), autocommit=True, connect_timeout=10
            )
        cur = await self._conn.execute(repository.LATEST_SQL)
        row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def latest(self) -> int:
        """The newest committed sequence number; reconnects once if the connection broke."""
        try:
            return await self._latest()
        except psycopg.OperationalError:
            if self._conn is not None:
                await self._conn.close()
            self._conn = None
            return await self._latest()


_checkers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Checker] = (
    weakref.WeakKeyDictionary()
)


def checker() -> Checker:
    loop = asyncio.get_running_loop()
    if loop not in _checkers:
        _checkers[loop] = Checker()
    return _checkers[loop]


async def sync_cache(cache: TileCache) -> int:
    """Bring ``cache`` up to the newest committed change; returns that sequence number.

    New changes (rare: only after an edit) are read through the blocking pool in a
    worker thread; the common case costs one round trip on the event loop.
    """
    check = checker()
    async with check.lock:
        latest = await check.latest()
        if cache.watermark != latest:
            await asyncio.to_thread(cache.sync, latest, repository.changes_between_committed)
    return latest
