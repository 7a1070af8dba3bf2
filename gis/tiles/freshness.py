"""The per-request freshness check, done on the event loop without a thread hop.

Every tile request first learns the newest *committed* change-log sequence number of
each tracked table (:class:`~gis.tiles.repository.Marks`) from a query that started
after the request arrived (a few index probes on an autocommit connection, in a fresh
snapshot), so an edit whose response has returned is always seen. One asynchronous
psycopg connection per app and event loop runs these checks in rounds.

The checks (and the raster tile requests) also start the pruning of the change log and
of the disk tiles, in a background thread, at most every ``tile_prune_interval_s`` per
app. Both live in the app (:class:`Freshness`, ``app.state.freshness``), on its database.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import psycopg

from gis.db import Database, driver_args
from gis.settings import get_settings
from gis.tiles import repository
from gis.tiles.cache import RASTER_FOLDER, SUFFIX, TileCache, prune_disk
from gis.tiles.repository import Marks

log = logging.getLogger(__name__)


def conninfo(database: Database) -> str:
    """libpq URL of ``database`` (the SQLAlchemy URL without its driver name)."""
    url = database.settings.sqlalchemy_url()
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


RENDER_SLOTS = max(4, 4 * (os.cpu_count() or 1))  # tiles made at once per process
Round = tuple["asyncio.Future[Marks]", list[TileCache]]


class Checker:
    """The freshness checks of one event loop, batched: requests that arrive while a check
    is running share the *next* check, which starts after they arrived, so each request
    still sees every edit committed before it came; one check then serves many requests.

    Also holds the semaphore bounding how many tiles the loop's worker threads make at
    once (more would only queue in PostgreSQL and churn pooled connections).
    """

    def __init__(self, database: Database, pruner: Pruner) -> None:
        self.database = database
        self.pruner = pruner
        self.render_slots = asyncio.Semaphore(RENDER_SLOTS)
        self._conn: psycopg.AsyncConnection | None = None
        self._next: Round | None = None
        self._runner: asyncio.Task[None] | None = None

    async def sync(self, cache: TileCache) -> Marks:
        """Bring ``cache`` up to the newest committed change; returns the marks it is at."""
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
                load = functools.partial(repository.changes_since_committed, self.database)
                for cache in caches:  # in round order, so watermarks only move forward
                    if cache.watermark != latest:
                        await asyncio.to_thread(cache.sync, latest, load)
                    self.pruner.maybe_start(cache.disk_dir)
                fut.set_result(latest)
            except Exception as exc:  # handed to every request of the round
                fut.set_exception(exc)

    async def _latest(self) -> Marks:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                conninfo(self.database),
                autocommit=True,
                connect_timeout=10,
                **driver_args(self.database.settings),
            )
        cur = await self._conn.execute(repository.LATEST_SQL)
        return repository.marks_from_rows(await cur.fetchall())

    async def latest(self) -> Marks:
        """The newest committed marks; reconnects once if the connection broke."""
        try:
            return await self._latest()
        except psycopg.OperationalError:
            if self._conn is not None:
                await self._conn.close()
            self._conn = None
            return await self._latest()


class Pruner:
    """Prunes the change log and the disk tiles under ``tile_cache_dir`` (the vector tiles,
    and the raster tiles in its ``raster-tiles`` folder, each within its own budget) in a
    background thread of its app, at most once every ``tile_prune_interval_s`` (the
    first time on first use). Vector and raster tile requests both start it."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._lock = threading.Lock()
        self._next_at = 0.0
        self._running: threading.Thread | None = None

    def maybe_start(self, disk_dir: Path | None) -> threading.Thread | None:
        s = get_settings()
        if s.tile_prune_interval_s <= 0:
            return None
        with self._lock:
            now = time.monotonic()
            if now < self._next_at or (self._running is not None and self._running.is_alive()):
                return None
            self._next_at = now + s.tile_prune_interval_s
            thread = threading.Thread(
                target=self.run_once, args=(disk_dir,), name="tile-prune", daemon=True
            )
            self._running = thread
        thread.start()
        return thread

    def run_once(self, disk_dir: Path | None) -> tuple[int, int]:
        """Prune now; returns (change-log rows, disk files) deleted. Errors are logged."""
        s = get_settings()
        rows = files = 0
        try:
            rows = repository.prune_log(self.database, s.tile_change_keep_hours)
        except Exception:
            log.exception("pruning the tile change log failed")
        if disk_dir is None:
            return rows, files
        max_age = s.tile_cache_disk_max_days * 86400
        folders = [
            (disk_dir, SUFFIX, RASTER_FOLDER, s.tile_cache_disk_max_bytes),
            (disk_dir / RASTER_FOLDER, None, None, s.raster_tile_cache_disk_max_bytes),
        ]
        for folder, suffix, skip, max_bytes in folders:
            try:
                files += prune_disk(folder, max_age, max_bytes, suffix, skip)
            except Exception:
                log.exception("pruning the disk tile cache %s failed", folder)
        return rows, files


class Freshness:
    """The change-log readers of one app (``app.state.freshness``): a :class:`Checker` per
    event loop (its connection belongs to that loop) and the app's :class:`Pruner`."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.pruner = Pruner(database)
        self._checkers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Checker] = (
            weakref.WeakKeyDictionary()
        )

    def checker(self) -> Checker:
        """The checker of the running event loop."""
        loop = asyncio.get_running_loop()
        if loop not in self._checkers:
            self._checkers[loop] = Checker(self.database, self.pruner)
        return self._checkers[loop]

    async def sync_cache(self, cache: TileCache) -> Marks:
        """Bring ``cache`` up to the newest committed change; returns those marks.

        The common case costs one shared round trip on the event loop; new changes (only
        after an edit) are read through the blocking pool in a worker thread.
        """
        return await self.checker().sync(cache)


def of_app(state: Any) -> Freshness:
    """The freshness checks of the app whose ``state`` this is (made in ``create_app``)."""
    return state.freshness  # type: ignore[no-any-return]
