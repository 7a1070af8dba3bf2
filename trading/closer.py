"""The background closer: each server process closes listings whose bidding has ended.

Every ``trading_close_interval_s`` seconds (0 turns it off) one pass runs
:func:`trading.service.close_due`, the function behind ``landgis trading close --due``,
in a worker thread so the event loop keeps serving. Several uvicorn workers run a
closer each; close_due claims every listing with SELECT ... FOR UPDATE SKIP LOCKED, so
a listing is closed by exactly one of them. A failed pass is logged and the loop goes on.
"""

from __future__ import annotations

import asyncio
import logging

import anyio.to_thread

from gis.db import session_factory
from gis.settings import get_settings
from trading import service

log = logging.getLogger(__name__)


def close_pass() -> service.DueClosing:
    """One pass in its own session: close every due listing (server clock)."""
    with session_factory()() as session:
        done = service.close_due(session)
    for listing in done.closed:
        log.info("closed listing %s %s: %s", listing.id, listing.code, listing.outcome)
    return done


async def run(interval_s: float | None = None) -> None:
    """Close due listings now and then every ``interval_s`` seconds, until cancelled."""
    interval = get_settings().trading_close_interval_s if interval_s is None else interval_s
    if interval <= 0:
        return
    while True:
        try:
            await anyio.to_thread.run_sync(close_pass)
        except Exception:
            log.exception("the listing closer failed; next pass in %s s", interval)
        await asyncio.sleep(interval)
