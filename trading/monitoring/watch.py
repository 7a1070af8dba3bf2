"""The background watcher of 批后监管: each new imagery scene updates the sold parcels.

Every ``trading_monitor_interval_s`` seconds (0 turns it off) each server process asks
the raster catalogue for its newest dated scene (gis port
:func:`gis.raster.parcel_change.newest_scene_id`); when it differs from the one seen on
the last pass (and on the first pass), one update runs in a worker thread, in its own
unit of work: new scenes are measured over every sold parcel and the findings due are
opened. Several processes may pass at once: the update takes an advisory lock and
stored observations are reused, so a scene is measured and a case opened once. A failed
pass is logged and the loop goes on.
"""

from __future__ import annotations

import asyncio
import logging

import anyio.to_thread

from gis.db import Database, transaction
from gis.raster.parcel_change import newest_scene_id
from trading import clock
from trading.monitoring import service
from trading.settings import get_trading_settings

log = logging.getLogger(__name__)


def watch_pass(database: Database, last_seen: int | None) -> int | None:
    """Update the sold parcels if the catalogue's newest scene is not ``last_seen``;
    returns the newest scene id (the next pass's ``last_seen``)."""
    with database.session() as session:
        newest = newest_scene_id(session)
        if newest is None or newest == last_seen:
            return newest
        with transaction(session):
            states = service.update(session, clock.local_date(clock.now()))
    log.info("monitored %s sold parcels up to scene %s", len(states), newest)
    return newest


async def run(database: Database, interval_s: float | None = None) -> None:
    """Watch for new scenes every ``interval_s`` seconds, until cancelled."""
    interval = (
        get_trading_settings().trading_monitor_interval_s if interval_s is None else interval_s
    )
    if interval <= 0:
        return
    last: int | None = None
    while True:
        try:
            last = await anyio.to_thread.run_sync(watch_pass, database, last)
        except Exception:
            log.exception("the 批后监管 watcher failed; next pass in %s s", interval)
        await asyncio.sleep(interval)
