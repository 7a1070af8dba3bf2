"""Per-client-address rate limits in fixed windows, counted in PostgreSQL.

The counters live in the UNLOGGED table ``rate_limit_hit`` (migration 0022), one row per
(key, window); one upsert counts a request and returns the count, so the limit holds
across every server process without locks. Old windows are pruned now and then.
"""

from __future__ import annotations

import random
import time

from sqlalchemy import Engine, text

from gis.errors import TooManyRequests

PRUNE_CHANCE = 0.01
UPSERT = text(
    """
    INSERT INTO rate_limit_hit (key, window_start, hits) VALUES (:key, :window, 1)
    ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_hit.hits + 1
    RETURNING hits
    """
)
PRUNE = text("DELETE FROM rate_limit_hit WHERE window_start < :before")


def hit(engine: Engine, key: str, allowed: int, window_s: int, now: float | None = None) -> int:
    """Count one request under ``key`` in the database of ``engine`` (the app's); return 0
    when within ``allowed`` per window, else the seconds until the window ends (the
    ``Retry-After``)."""
    now = time.time() if now is None else now
    window = int(now // window_s) * window_s
    with engine.begin() as conn:
        hits = int(conn.execute(UPSERT, {"key": key, "window": window}).scalar_one())
        if random.random() < PRUNE_CHANCE:
            conn.execute(PRUNE, {"before": window - window_s})
    if hits <= allowed:
        return 0
    return max(1, int(window + window_s - now + 0.999))


def check(engine: Engine, key: str, allowed: int, window_s: int) -> None:
    """Raise :class:`TooManyRequests` (429, ``Retry-After``) past ``allowed`` per window."""
    wait = hit(engine, key, allowed, window_s)
    if wait:
        raise TooManyRequests(
            f"请求过于频繁，请 {wait} 秒后再试；too many requests, try again in {wait} s",
            retry_after=wait,
        )
