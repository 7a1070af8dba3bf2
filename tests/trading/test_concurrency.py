"""Many simultaneous bids on one listing, against a real server: the database serializes them.

Each accepted bid must beat the one before it by at least the increment, no two accepted
bids share a price, and every 201 answer is a stored bid (none lost, none doubled).
"""

from __future__ import annotations

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import Engine

from tests.trading.committed import accepted_bids, open_market, remove

BIDDERS = 40
ROUNDS = 6


async def _bidder(
    client: httpx.AsyncClient, url: str, token: str, increment: Decimal, rng: random.Random
) -> list[dict[str, Any]]:
    """Read the live price, bid one to three increments above it; repeat."""
    results = []
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(ROUNDS):
        live = (await client.get(f"{url}/live")).json()
        amount = Decimal(live["next_minimum"]) + increment * rng.choice([0, 0, 1, 2])
        resp = await client.post(f"{url}/bids", json={"amount": str(amount)}, headers=headers)
        results.append({"status": resp.status_code, "amount": amount, "body": resp.json()})
    return results


async def _fire(base: str, market: Any) -> list[dict[str, Any]]:
    url = f"{base}/api/v1/trading/listings/{market.listing_id}"
    # No keep-alive: a server closing an idle connection just as a request is sent would
    # fail that request on the client side, which says nothing about the bidding.
    limits = httpx.Limits(max_connections=BIDDERS, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        rng = random.Random(6)
        jobs = [_bidder(client, url, t, market.increment, rng) for t in market.tokens]
        return [r for batch in await asyncio.gather(*jobs) for r in batch]


def _run_in_thread(coro: Any) -> Any:
    """asyncio.run in a worker thread: Playwright's sync API may own this thread's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_concurrent_bids_are_serialized(live_server: str, engine: Engine, free_parcels) -> None:  # type: ignore[no-untyped-def]
    market = open_market(engine, free_parcels[19], BIDDERS, "conc")
    try:
        results = _run_in_thread(_fire(live_server, market))
        stored = accepted_bids(engine, market.listing_id)
    finally:
        remove(engine, market)
    accepted = [r for r in results if r["status"] == 201]
    refused = [r for r in results if r["status"] != 201]
    assert len(results) == BIDDERS * ROUNDS
    assert len(accepted) >= 10 and refused, (len(accepted), len(refused))
    for r in refused:  # a lost race is a clear 409 naming the amount, nothing else
        assert r["status"] == 409 and r["body"]["field"] == "amount", r["body"]
    # None lost or doubled: the 201 answers are exactly the stored bids.
    assert sorted(r["body"]["seq"] for r in accepted) == [s for s, _, _ in stored]
    assert [s for s, _, _ in stored] == list(range(1, len(stored) + 1))
    by_seq = {r["body"]["seq"]: Decimal(r["body"]["amount"]) for r in accepted}
    assert by_seq == {s: a for s, a, _ in stored}
    amounts = [a for _, a, _ in stored]
    assert amounts[0] >= market.start_price
    assert all(b - a >= market.increment for a, b in zip(amounts, amounts[1:], strict=False))
    assert len(set(amounts)) == len(amounts)
