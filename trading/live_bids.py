"""The bid hot path of the HTTP server: async psycopg connections, one statement per bid.

A bid decision is one self-committing statement (``repository.DECIDE_BID_SQL``) sent on
an autocommit connection from a small per-process pool, awaited on the event loop: no
thread hop, no ORM, no session. Only a bid that lost a race reads the listing again,
and only a sealed tender bid (rare, and it must lock) runs the ORM path in a thread.
The listing row lock still serializes bids, so a few connections per process decide as
fast as many would; ``BID_CONNECTIONS`` of them are opened on demand and reused.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import anyio.to_thread
import psycopg
from sqlalchemy.engine import make_url

from gis.auth.service import Principal
from gis.db import get_engine, session_factory, transaction
from gis.settings import get_settings
from trading import bidding, repository

# Measured with 200 bidders on one listing (2 cores): 2 and 4 connections per worker decide
# about as fast (1,040-1,280/s); 8 made Postgres backends fight for the row lock (690-730/s).
BID_CONNECTIONS = 4


class BidConnections:
    """A small pool of autocommit async connections, bound to the event loop that made it."""

    def __init__(self, size: int = BID_CONNECTIONS) -> None:
        self.size = size
        self._idle: asyncio.LifoQueue[psycopg.AsyncConnection[Any]] = asyncio.LifoQueue()
        self._opened = 0
        self._loop = asyncio.get_running_loop()

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        url = make_url(get_settings().sqlalchemy_url())
        args, kwargs = get_engine().dialect.create_connect_args(url)
        return await psycopg.AsyncConnection.connect(*args, autocommit=True, **kwargs)

    async def acquire(self) -> psycopg.AsyncConnection[Any]:
        if self._idle.empty() and self._opened < self.size:
            self._opened += 1
            try:
                return await self._connect()
            except BaseException:
                self._opened -= 1
                raise
        return await self._idle.get()

    def release(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Give a connection back; a broken one is closed and replaced on demand."""
        if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self._opened -= 1
            self._loop.create_task(conn.close())
            return
        self._idle.put_nowait(conn)

    async def fetch(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """One statement on a pooled connection; its first row (or None)."""
        conn = await self.acquire()
        try:
            cur = await conn.execute(sql, params)
            return await cur.fetchone()
        finally:
            self.release(conn)

    async def close(self) -> None:
        while not self._idle.empty():
            await self._idle.get_nowait().close()
        self._opened = 0


_pools: dict[asyncio.AbstractEventLoop, BidConnections] = {}


def pool() -> BidConnections:
    """This event loop's bid connections (one loop per uvicorn worker process)."""
    loop = asyncio.get_running_loop()
    if loop not in _pools:
        for old in [lp for lp in _pools if lp.is_closed()]:
            del _pools[old]
        _pools[loop] = BidConnections()
    return _pools[loop]


async def place_bid(
    listing_id: int, amount: Decimal, actor: Principal, conns: BidConnections | None = None
) -> dict[str, object]:
    """Decide one bid (the same rules and statement as ``bidding.place_bid``), async."""
    conns = conns or pool()
    params = repository.decision_params(
        listing_id, actor.user_id, amount, get_settings().countdown_seconds
    )
    # The one documented exception to the unit of work (gis.db.transaction): the decision
    # commits itself, as one statement on an autocommit connection, so the listing row lock
    # is never held across a client round trip (a BEGIN/statement/COMMIT transaction holds
    # it over the COMMIT's). benchmarks/bench_bidding.py, direct mode, 8 threads on one
    # listing, 2 cores at load 12-17 (results/bidding-20261202-1901.json and -1903.json):
    # a transaction per bid decided 112.8 and 79.3 bids/s (p50 67 / 95 ms), one
    # self-committing statement 153.5 and 135.9 bids/s (p50 48 / 55 ms): 1.4-1.7x.
    found = await conns.fetch(repository.DECIDE_BID_SQL, params)
    row = None if found is None else repository.BidDecision(*found)
    if row is not None and row.method == "tender" and row.status != "draft":
        return await anyio.to_thread.run_sync(_sealed, listing_id, amount, actor)
    body = bidding.answer(row, listing_id, amount)
    if body is None:
        assert row is not None
        fresh = await conns.fetch(repository.LISTING_NOW_DRIVER_SQL, {"listing_id": listing_id})
        now = None if fresh is None else repository.ListingNow(*fresh)
        bidding.explain_race(now, amount, bool(row.wants_onsite))
    assert body is not None
    return body


def _sealed(listing_id: int, amount: Decimal, actor: Principal) -> dict[str, object]:
    """A sealed tender bid on the ORM path, as its own unit of work."""
    with session_factory()() as session, transaction(session):
        return bidding.place_bid(session, listing_id, amount, actor)
