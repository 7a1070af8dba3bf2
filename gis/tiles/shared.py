"""Tiles shared by every server process in Redis (setting ``redis_url``), behind each
process's memory cache.

Redis only stores bytes; it is never the source of freshness. A vector tile is stored
with the change-log marks of the snapshot it was made from (the disk format of
:mod:`gis.tiles.cache`) and, like a disk tile, is served only after the change log shows
that no change between those marks and the newest committed marks touches it. A raster
tile is keyed by its COG's content version, which no edit changes (a re-import writes a
new COG). So an edit's response never leaves a stale tile served by any process, even
when Redis still holds the old bytes: they are simply overwritten by the next render.

Redis is a cache, not a dependency: when it is down or slow, requests render as if it
were empty (each failure is logged, then Redis is left alone for ``BACKOFF_S``).
Entries expire after ``redis_tile_ttl_s``; set ``maxmemory`` with an LRU policy on the
server to bound its size (deploy/README.md).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from gis.settings import get_settings

if TYPE_CHECKING:
    from gis.db import Database

log = logging.getLogger(__name__)

TIMEOUT_S = 0.5  # a cache that answers slower than this costs more than a render
BACKOFF_S = 5.0  # after a failure, skip Redis this long


class SharedTiles:
    """Get and put tile bytes in Redis under ``namespace``; every error is a miss."""

    def __init__(self, url: str, namespace: str, ttl_s: int) -> None:
        import redis  # only when configured: ``make run`` on one machine needs no Redis

        self._redis: Any = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S
        )
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self.namespace = namespace
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._down_until = 0.0
        self.hits = 0
        self.misses = 0

    def _key(self, key: str) -> str:
        return f"landgis:{self.namespace}:{key}"

    def _usable(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, what: str, exc: BaseException) -> None:
        with self._lock:
            self._down_until = time.monotonic() + BACKOFF_S
        log.warning("redis tile cache: %s failed (%s); skipped for %.0f s", what, exc, BACKOFF_S)

    def get(self, key: str) -> bytes | None:
        """The bytes stored under ``key``, or None (absent, or Redis unusable)."""
        if not self._usable():
            return None
        try:
            raw = self._redis.get(self._key(key))
        except self._errors as exc:
            self._failed("get", exc)
            return None
        with self._lock:
            if raw is None:
                self.misses += 1
            else:
                self.hits += 1
        return bytes(raw) if raw is not None else None

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` for ``ttl_s`` (last writer wins; errors ignored)."""
        if not self._usable():
            return
        try:
            self._redis.set(self._key(key), data, ex=self.ttl_s)
        except self._errors as exc:
            self._failed("set", exc)

    def delete(self, key: str) -> None:
        """Remove ``key`` (a stale tile found by a reader; errors ignored)."""
        if not self._usable():
            return
        try:
            self._redis.delete(self._key(key))
        except self._errors as exc:
            self._failed("delete", exc)

    def close(self) -> None:
        self._redis.close()


def from_settings(kind: str, database: Database) -> SharedTiles | None:
    """The shared tile store for ``kind`` ("vector" or "raster"), or None without
    ``redis_url``. The namespace names the database and its ``oid``: a database dropped
    and made again (whose change log starts over) never reads the old one's tiles."""
    s = get_settings()
    if not s.redis_url:
        return None
    return SharedTiles(s.redis_url, f"{database_identity(database)}:{kind}", s.redis_tile_ttl_s)


def database_identity(database: Database) -> str:
    """``<name>.<oid>`` of the app's database (one query, on first use)."""
    from sqlalchemy import text

    with database.engine.connect() as conn:
        row = conn.execute(
            text("SELECT datname, oid FROM pg_database WHERE datname = current_database()")
        ).one()
    return f"{row[0]}.{row[1]}"
