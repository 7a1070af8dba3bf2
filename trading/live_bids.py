"""The bid hot path of the HTTP server: async psycopg connections, one statement per bid.

A bid decision is one self-committing statement (``repository.DECIDE_BID_SQL``) sent on
an autocommit connection from a small per-process pool, awaited on the event loop: no
thread hop, no ORM, no session. Only a bid that lost a race reads the listing again,
and only a sealed tender bid (rare, and it must lock) runs the ORM path in a thread.
The listing row lock still serializes bids, so a few connections per process decide as
fast as many would; ``BID_CONNECTIONS`` of them are opened on demand and reused
(``psycopg_pool``; the app makes the pool in its lifespan, nothing at import).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import anyio.to_thread
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url
from starlette.requests import Request

from gis.auth.service import Principal
from gis.db import Database, transaction
from trading import bidding, repository
from trading.settings import get_trading_settings

# Measured with 200 bidders on one listing (2 cores): 2 and 4 connections per worker decide
# about as fast (1,040-1,280/s); 8 made Postgres backends fight for the row lock (690-730/s).
BID_CONNECTIONS = 4


class BidConnections:
    """A small pool of autocommit async connections (``psycopg_pool``), opened on first use
    and bound to the event loop that used it, to ``database``: the app makes one in its
    lifespan (``app.state.bid_connections``), a test or a benchmark makes its own."""

    def __init__(self, database: Database, size: int = BID_CONNECTIONS) -> None:
        self.database = database
        self.size = size
        self._pool: AsyncConnectionPool | None = None

    def _make(self) -> AsyncConnectionPool:
        url = make_url(self.database.settings.sqlalchemy_url())
        args, kwargs = self.database.engine.dialect.create_connect_args(url)
        conninfo = args[0] if args else ""
        return AsyncConnectionPool(
            conninfo,
            kwargs={**kwargs, "autocommit": True},
            min_size=0,  # opened on demand and reused; a broken one is replaced
            max_size=self.size,
            open=False,
            name="bids",
        )

    async def fetch(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """One statement on a pooled connection; its first row (or None)."""
        if self._pool is None:
            self._pool = self._make()
            await self._pool.open()
        async with self._pool.connection() as conn:
            cur = await conn.execute(sql, params)
            return await cur.fetchone()

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


def bid_connections(request: Request) -> BidConnections:
    """Dependency: the serving process's bid connections (made in the app's lifespan)."""
    conns: BidConnections = request.app.state.bid_connections
    return conns


async def place_bid(
    listing_id: int, amount: Decimal, actor: Principal, conns: BidConnections
) -> dict[str, object]:
    """Decide one bid (the same rules and statement as ``bidding.place_bid``), async."""
    params = repository.decision_params(
        listing_id, actor.user_id, amount, get_trading_settings().countdown_seconds
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
        return await anyio.to_thread.run_sync(_sealed, conns.database, listing_id, amount, actor)
    body = bidding.answer(row, listing_id, amount)
    if body is None:
        assert row is not None
        fresh = await conns.fetch(repository.LISTING_NOW_DRIVER_SQL, {"listing_id": listing_id})
        now = None if fresh is None else repository.ListingNow(*fresh)
        bidding.explain_race(now, amount, bool(row.wants_onsite))
    assert body is not None
    return body


def _sealed(
    database: Database, listing_id: int, amount: Decimal, actor: Principal
) -> dict[str, object]:
    """A sealed tender bid on the ORM path, as its own unit of work."""
    with database.session() as session, transaction(session):
        return bidding.place_bid(session, listing_id, amount, actor)
