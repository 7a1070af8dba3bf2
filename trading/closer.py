"""The background closer: each server process closes listings whose bidding has ended.

Every ``trading_close_interval_s`` seconds (0 turns it off) one pass runs
:func:`close_due`, the function behind ``landgis trading close --due`` too, in a worker
thread so the event loop keeps serving. Several uvicorn workers run a closer each;
close_due claims every listing with SELECT ... FOR UPDATE SKIP LOCKED, so a listing is
closed by exactly one of them. A failed pass is logged and the loop goes on.

This loop is an entry point: it owns the unit of work, one transaction per listing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

import anyio.to_thread
from sqlalchemy.orm import Session

from gis.db import Database, transaction
from trading import clock, repository, service
from trading.models import Listing
from trading.settings import get_trading_settings

log = logging.getLogger(__name__)


@dataclass
class DueClosing:
    """What one pass over the due listings did."""

    closed: list[Listing] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # ids; each failure is logged


def close_due(session: Session, now: datetime | None = None) -> DueClosing:
    """Close every listing whose deadline has passed, each in its own transaction.

    Safe to run in several processes at once (uvicorn workers, the CLI): a listing is
    claimed with SELECT ... FOR UPDATE SKIP LOCKED, so one that another closer (or a
    bid) holds is skipped for now, and a listing is never closed twice. A listing that
    fails to close is rolled back and logged; the others still close.
    """
    now = now or clock.now()
    done = DueClosing()
    for listing_id in repository.listings_due(session, now):
        try:
            with transaction(session):
                if not repository.claim_due(session, listing_id, now):
                    continue
                listing = service.close_listing(session, listing_id, now)
            session.expunge(listing)  # a later rollback in this pass must not expire it
            done.closed.append(listing)
        except Exception:
            log.exception("could not close listing %s", listing_id)
            done.failed.append(listing_id)
    return done


def close_pass(database: Database) -> DueClosing:
    """One pass in its own session: close every due listing (server clock)."""
    with database.session() as session:
        done = close_due(session)
    for listing in done.closed:
        log.info("closed listing %s %s: %s", listing.id, listing.code, listing.outcome)
    return done


async def run(database: Database, interval_s: float | None = None) -> None:
    """Close due listings now and then every ``interval_s`` seconds, until cancelled."""
    interval = get_trading_settings().trading_close_interval_s if interval_s is None else interval_s
    if interval <= 0:
        return
    while True:
        try:
            await anyio.to_thread.run_sync(close_pass, database)
        except Exception:
            log.exception("the listing closer failed; next pass in %s s", interval)
        await asyncio.sleep(interval)
