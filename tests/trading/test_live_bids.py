"""The server's bid hot path: one statement on async connections, cached token checks,
and the answers built from the decision row (accepted, refused, or lost a race)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import jwt
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.auth.service import BadCredentials, Principal
from gis.auth.tokens import TokenCache
from gis.db import Database
from gis.errors import LandgisError
from gis.settings import get_settings
from tests.trading.committed import accepted_bids, open_market, remove
from tests.trading.conftest import published, registered, terms
from trading import bidding, live_bids, repository
from trading.errors import BiddingNotOpen, BidTooLow, DepositUnpaid, NotRegistered
from trading.roles import BIDDER

URL = "/api/v1/trading/listings"
T = TypeVar("T")
D = Decimal


def _run(database: Database, job: Callable[[live_bids.BidConnections], Awaitable[T]]) -> T:
    """Run ``job`` with its own bid connections on a fresh loop in a worker thread
    (Playwright's sync API may own this thread's loop), closing them afterwards."""

    async def main() -> T:
        conns = live_bids.BidConnections(database, 2)
        try:
            return await job(conns)
        finally:
            await conns.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


def _bidder(engine: Engine, user_id: int) -> Principal:
    with Session(engine) as session:
        name = session.execute(
            text("SELECT username FROM app_user WHERE id = :id"), {"id": user_id}
        ).scalar_one()
    return Principal(user_id, name, BIDDER)


def test_async_path_accepts_refuses_and_explains(
    engine: Engine, database: Database, free_parcels
) -> None:  # type: ignore[no-untyped-def]
    market = open_market(engine, free_parcels[24], 2, "live")
    a, b = (_bidder(engine, uid) for uid in market.user_ids[1:3])
    lid, inc = market.listing_id, market.increment
    start = market.start_price

    async def job(conns: live_bids.BidConnections) -> list[Any]:
        out: list[Any] = []
        for who, amount in [(a, start), (b, start), (b, start + inc), (a, start + inc / 2)]:
            try:
                out.append(await live_bids.place_bid(lid, amount, who, conns))
            except LandgisError as exc:
                out.append(exc)
        return out

    try:
        first, low, second, half = _run(database, job)
        stored = accepted_bids(engine, lid)
    finally:
        remove(engine, market)
    assert first["seq"] == 1 and first["amount"] == f"{start:.2f}"
    assert set(first) == {"seq", "amount", "placed_at", "deadline"}  # nothing else leaks
    assert first["placed_at"].endswith("+08:00")  # server time, Asia/Shanghai
    assert isinstance(low, BidTooLow) and low.extra["minimum"] == f"{start + inc:.2f}"
    assert second["seq"] == 2
    assert isinstance(half, BidTooLow) and half.field == "amount"
    assert [(s, amt) for s, amt, _ in stored] == [(1, start), (2, start + inc)]


def test_async_path_checks_the_bidder(engine: Engine, database: Database, free_parcels) -> None:  # type: ignore[no-untyped-def]
    market = open_market(engine, free_parcels[25], 1, "livechk")
    paid = _bidder(engine, market.user_ids[1])
    stranger = Principal(market.user_ids[0], "livechk-reg", BIDDER)  # not registered
    with Session(engine) as session:
        session.execute(
            text(
                "UPDATE trading_registration SET deposit_status = 'unpaid', deposit_source = NULL "
                "WHERE user_id = :u"
            ),
            {"u": paid.user_id},
        )
        session.commit()

    async def job(conns: live_bids.BidConnections) -> list[LandgisError]:
        errors = []
        for lid, who in [(market.listing_id, stranger), (market.listing_id, paid), (-1, paid)]:
            with pytest.raises(LandgisError) as caught:
                await live_bids.place_bid(lid, market.start_price, who, conns)
            errors.append(caught.value)
        return errors

    try:
        stranger_err, unpaid_err, missing_err = _run(database, job)
        stored = accepted_bids(engine, market.listing_id)
    finally:
        remove(engine, market)
    assert isinstance(stranger_err, NotRegistered) and stranger_err.field == "registration"
    assert isinstance(unpaid_err, DepositUnpaid) and unpaid_err.field == "deposit"
    assert missing_err.field == "listing_id" and type(missing_err).__name__ == "ListingNotFound"
    assert stored == []


def _decision(**over: Any) -> repository.BidDecision:
    now = datetime(2026, 12, 1, 2, tzinfo=UTC)
    values: dict[str, Any] = {
        "method": "listing",
        "status": "published",
        "start_price": D("100.00"),
        "increment": D("10.00"),
        "current_price": D("200.00"),
        "bid_start": now - timedelta(hours=1),
        "deadline": now + timedelta(days=1),
        "registration_id": 7,
        "deposit_status": "paid",
        "wants_onsite": False,
        "now": now,
        "seq": None,
        "placed_at": None,
        "new_deadline": None,
    }
    return repository.BidDecision(**{**values, **over})


def test_answer_reads_the_decision_row() -> None:
    """Refused by the row as read: the reason at once; allowed by it but not stored: a race
    was lost, and the fresh listing read afterwards names the new minimum."""
    with pytest.raises(BidTooLow) as low:
        bidding.answer(_decision(), 1, D("205.00"))
    assert low.value.extra["minimum"] == "210.00"
    late = _decision(deadline=_decision().now)
    with pytest.raises(BiddingNotOpen, match="deadline"):
        bidding.answer(late, 1, D("500.00"))
    assert bidding.answer(_decision(), 1, D("210.00")) is None  # lost a race
    fresh = repository.ListingNow(
        "listing",
        "published",
        D("100.00"),
        D("10.00"),
        D("230.00"),
        *(_decision().bid_start, _decision().deadline, _decision().now),
    )
    with pytest.raises(BidTooLow) as race:
        bidding.explain_race(fresh, D("210.00"), False)
    assert race.value.extra["minimum"] == "240.00"
    placed = _decision().now
    won = bidding.answer(
        _decision(seq=3, placed_at=placed, new_deadline=placed + timedelta(minutes=5)),
        1,
        D("210"),
    )
    assert won == {
        "seq": 3,
        "amount": "210.00",
        "placed_at": "2026-12-01T10:00:00+08:00",
        "deadline": "2026-12-01T10:05:00+08:00",
    }


def _token(role: str, seconds: float) -> str:
    now = datetime.now(UTC)
    claims = {"sub": "42", "name": "t", "role": role, "iat": now}
    claims["exp"] = now + timedelta(seconds=seconds)
    return jwt.encode(claims, get_settings().jwt_secret(), algorithm="HS256")


def test_token_cache_keeps_a_token_until_it_expires(settings) -> None:  # type: ignore[no-untyped-def]
    tokens = TokenCache()
    token = _token("bidder", 1.5)
    who = tokens.principal(token)
    assert who == Principal(42, "t", BIDDER)
    assert tokens.principal(token) is who  # decoded once
    time.sleep(2)
    with pytest.raises(BadCredentials):
        tokens.principal(token)  # expired: checked again, and refused
    with pytest.raises(BadCredentials):
        tokens.principal(_token("bidder", 60)[:-2] + "xx")
    assert tokens.entries == {}


def test_bid_answer_over_http_is_small_and_anonymous(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar, bidder = person("registrar", "reg"), person("bidder", "b1")
    code, land_use = free_parcels[26]
    listing = published(db, registrar.principal, terms([code], land_use, method="auction"))
    registered(db, listing, bidder.principal)
    resp = client.post(
        f"{URL}/{listing.id}/bids", json={"amount": "1000000.00"}, headers=bidder.headers
    )
    assert resp.status_code == 201, resp.text
    assert resp.headers["content-type"] == "application/json"
    body = resp.json()
    assert set(body) == {"seq", "amount", "placed_at", "deadline"}
    assert "1050000" not in resp.text and bidder.principal.username not in resp.text
    again = client.post(
        f"{URL}/{listing.id}/bids", json={"amount": "1000000.00"}, headers=bidder.headers
    )
    assert again.status_code == 409 and again.json()["minimum"] == "1010000.00"
    assert "1050000" not in again.text
