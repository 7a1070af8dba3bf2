"""The per-request freshness check, done on the event loop without a thread hop.

Every tile request first learns the newest *committed* change-log sequence number from
a query that started after the request arrived (one indexed query on an autocommit
connection, in a fresh snapshot), so an edit whose response has returned is always
seen. One asynchronous psycopg connection per event loop runs these checks in rounds.
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


RENDER_SLOTS = max(4, 4 * (os.cpu_count() or 1))  # tiles made at once per process
Round = tuple["asyncio.Future[int]", list[TileCache]]


class Checker:
    """The freshness checks of one event loop, batched: requests that arrive while a check
    is running share the *next* check, which starts after they arrived, so each request
    still sees every edit committed before it came; one check then serves many requests.

    Also holds the semaphore bounding how many tiles the loop's worker threads make at
    once (more would only queue in PostgreSQL and churn pooled connections).
    """

    def __init__(self) -> None:
        self.render_slots = asyncio.Semaphore(RENDER_SLOTS)
        self._conn: psycopg.AsyncConnection | None = None
        self._next: Round | None = None
        self._runner: asyncio.Task[None] | None = None

    async def sync(self, cache: TileCache) -> int:
        """Bring ``cache`` up to the newest committed change; returns its sequence number."""
        if self._next is None:
            self._next = (asyncio.get_running_loop().create_future(), [])
        fut, caches = self._next
        if not any(c is cache for c in caches):
            caches.append(cache)
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await asyncio.shield(fut)

    async def _run(self) -> None:
        while self._next is not None:
            fut, caches = self._next
            self._next = None
            try:
                latest = await self.latest()
                for cache in caches:  # in round order, so watermarks only move forward
                    if cache.watermark != latest:
                        await asyncio.to_thread(
                            cache.sync, latest, repository.changes_between_committed
                        )
                fut.set_result(latest)
            except Exception as exc:  # handed to every request of the round
                fut.set_exception(exc)

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

    The common case costs one shared round trip on the event loop; new changes (only
    after an edit) are read through the blocking pool in a worker thread.
    """
    return await checker().sync(cache)
