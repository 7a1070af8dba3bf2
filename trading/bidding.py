"""Bidders and bids: registration, open bids serialized by the database, sealed bids.

The listing row lock (``SELECT ... FOR UPDATE``) orders every bid on one listing: each
accepted bid is checked against the price left by the one before it, so accepted bids
strictly rise by at least the increment and none is lost. A unique index on
(listing, amount) of open bids is the last line of defence.

Nothing here commits: the entry point (router, CLI, demo) opens ``transaction(session)``.
Deposits are confirmed by staff or the bank (trading/deposits.py), never here.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from gis.auth.service import Principal
from trading import bid_rules, clock, identity, repository
from trading.errors import (
    AlreadyDone,
    BiddingNotOpen,
    BidTooLow,
    ListingNotFound,
    NotRegistered,
)
from trading.models import Bid, Registration
from trading.money import fmt
from trading.schemas import RegistrationIn
from trading.settings import get_trading_settings


def register(
    session: Session,
    listing_id: int,
    party: RegistrationIn,
    actor: Principal,
    now: datetime | None = None,
) -> Registration:
    """竞买登记: a bidder registers for a published listing before its deadline."""
    now = now or clock.now()
    listing = repository.listing(session, listing_id)
    if listing is None or listing.status == "draft":
        raise ListingNotFound(f"no listing {listing_id}", field="listing_id")
    if listing.status != "published" or now >= listing.deadline:
        raise BiddingNotOpen("registration is closed for this listing", field="listing_id")
    if repository.registration(session, listing_id, actor.user_id) is not None:
        raise AlreadyDone("you are registered for this listing already", field="listing_id")
    identity.bind(session, actor, party, now)
    taken = repository.bidder_numbers(session, listing_id)
    number = next(
        n for n in iter(lambda: f"{secrets.randbelow(9000) + 1000}", None) if n not in taken
    )
    reg = Registration(
        listing_id=listing_id,
        user_id=actor.user_id,
        bidder_no=number,
        party_kind=party.kind,
        party_name=party.name,
        id_number=party.id_number,
        registered_at=now,
        deposit_status="unpaid",
        wants_onsite=False,
    )
    session.add(reg)
    session.flush()
    return reg


def own_registration(session: Session, listing_id: int, actor: Principal) -> Registration:
    reg = repository.registration(session, listing_id, actor.user_id)
    if reg is None:
        raise NotRegistered("register for this listing first", field="registration")
    return reg


def request_onsite(
    session: Session, listing_id: int, actor: Principal, now: datetime | None = None
) -> Registration:
    """A bidder declares it still wants to bid at a listing's deadline (现场竞价 request)."""
    now = now or clock.now()
    ctx = repository.bid_context(session, listing_id, actor.user_id)
    check_bidder(ctx, listing_id)
    assert ctx is not None
    if ctx.method != "listing" or ctx.status != "published":
        raise BiddingNotOpen(
            "on-site requests are for open listings (挂牌) only", field="listing_id"
        )
    if not ctx.bid_start <= now < ctx.deadline:
        raise BiddingNotOpen("outside the bidding window", field="listing_id")
    reg = own_registration(session, listing_id, actor)
    reg.wants_onsite = True
    session.flush()
    return reg


FACTS: tuple[str, ...] = ("method", "status", "start_price", "increment", "current_price")
FACTS += ("bid_start", "deadline", "now", "registration_id", "deposit_status", "wants_onsite")


def facts(row: object, amount: Decimal | None, **known: object) -> dict[str, object]:
    """The facts trading.bid_rules reads, from a row of the decision statement (or of a
    fresh or locked read of the listing, completed by ``known``)."""
    return {**{n: getattr(row, n, None) for n in FACTS}, "amount": amount, **known}


def place_bid(
    session: Session, listing_id: int, amount: Decimal, actor: Principal
) -> dict[str, object]:
    """Decide one bid in one statement; the database clock and the listing row lock decide.

    A refused bid lost to a concurrent one costs a second, lock-free read of the listing
    to say by how much (see :func:`answer`). Tenders take the sealed-bid path.
    """
    session.flush()  # the statement below reads with plain SQL: pending ORM changes first
    params = repository.decision_params(
        listing_id, actor.user_id, amount, get_trading_settings().countdown_seconds
    )
    row = repository.decide_bid(session, params)
    if row is not None and row.method == "tender" and row.status != "draft":
        check_bidder(row, listing_id)
        return _sealed_bid(session, listing_id, row, amount, clock.now())
    body = answer(row, listing_id, amount)
    if body is None:
        explain_race(
            repository.listing_now(session, listing_id), amount, bool(row and row.wants_onsite)
        )
    assert body is not None
    return body


def check_bidder(row: repository.BidContext | None, listing_id: int) -> None:
    """The listing exists for the public, and the caller is registered and paid up."""
    if row is None or row.status == "draft":
        raise ListingNotFound(f"no listing {listing_id}", field="listing_id")
    bid_rules.check(bid_rules.BIDDER, facts(row, None))


def answer(
    row: repository.BidDecision | None, listing_id: int, amount: Decimal
) -> dict[str, object] | None:
    """The answer to an open bid from its decision row: the accepted bid (small: sequence,
    amount, server times in Asia/Shanghai), a domain error saying why it was refused, or
    None when the row as read allowed the bid, i.e. a concurrent bid won the race and
    the fresh listing must be read to say why (:func:`explain_race`)."""
    check_bidder(row, listing_id)
    assert row is not None
    if row.seq is not None:
        assert row.placed_at is not None and row.new_deadline is not None
        zone = clock.zone()
        return {
            "seq": row.seq,
            "amount": fmt(amount),
            "placed_at": row.placed_at.astimezone(zone).isoformat(),
            "deadline": row.new_deadline.astimezone(zone).isoformat(),
        }
    bid_rules.check(bid_rules.OPEN_BID, facts(row, amount))  # the statement's own rules
    return None


def explain_race(now: repository.ListingNow | None, amount: Decimal, onsite: bool) -> None:
    """Say why the database refused a bid the first read allowed (prices only rise and
    windows only close, so the state read now still shows the reason)."""
    if now is None:
        raise ListingNotFound("the listing is gone", field="listing_id")
    bid_rules.check(bid_rules.LISTING, facts(now, amount, wants_onsite=onsite))
    raise BiddingNotOpen("the bid was refused; read the listing and try again", field="amount")


def _sealed_bid(
    session: Session,
    listing_id: int,
    ctx: repository.BidDecision,
    amount: Decimal,
    now: datetime,
) -> dict[str, object]:
    """A tender's sealed bid: one per bidder, at least the start price, hidden until opening.
    The listing row lock (held to the entry point's commit) orders sealed bids."""
    locked = repository.lock_for_bid(session, listing_id)
    bid_rules.check(bid_rules.WINDOW, facts(locked, amount, now=now))
    if amount < locked.start_price:
        raise BidTooLow(
            f"the lowest acceptable bid is {fmt(locked.start_price)} yuan", field="amount"
        )
    assert ctx.registration_id is not None
    if repository.sealed_bid_of(session, ctx.registration_id) is not None:
        raise AlreadyDone("a sealed bid is final; you have bid already", field="amount")
    seq = locked.bid_count + 1
    repository.record_sealed_bid(
        session,
        listing_id=listing_id,
        registration_id=ctx.registration_id,
        seq=seq,
        amount=amount,
        placed_at=now,
    )
    return {"seq": seq, "sealed": True, "placed_at": now.isoformat()}


def bids_of(session: Session, listing_id: int) -> list[Bid]:
    return repository.bids(session, listing_id)
