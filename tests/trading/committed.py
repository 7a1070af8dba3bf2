"""Committed test data for a real server: a published open listing with paid-up bidders.

Used by the concurrency and browser tests (a live server cannot see a rolled-back
session). :func:`remove` deletes every row made here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.auth.models import User
from gis.auth.roles import Role
from gis.auth.service import Principal, add_user, issue_token
from tests.trading.conftest import published, registered, terms
from trading.roles import BIDDER, CASHIER


@dataclass
class Market:
    """One open listing and its bidders (tokens), all committed."""

    listing_id: int
    increment: Decimal
    start_price: Decimal
    tokens: list[str]
    user_ids: list[int] = field(default_factory=list)


def open_market(
    engine: Engine, parcel: tuple[str, str], bidders: int, tag: str, **over: Any
) -> Market:
    """Commit a registrar, a cashier, ``bidders`` paid-up bidders and an open listing of
    ``parcel``."""
    with Session(engine, expire_on_commit=False) as session:
        users = [add_user(session, f"{tag}-reg", "correct horse battery", "registrar")]
        registrar = Principal(users[0].id, users[0].username, Role.REGISTRAR)
        listing = published(session, registrar, terms([parcel[0]], parcel[1], **over))
        tokens = []
        hashed = users[0].password_hash  # one argon2 hash for all: quick set-up
        cashier_user = User(username=f"{tag}-cashier", role="cashier", password_hash=hashed)
        session.add(cashier_user)
        session.flush()
        cashier = Principal(cashier_user.id, cashier_user.username, CASHIER)
        for i in range(bidders):
            user = User(username=f"{tag}-b{i}", role="bidder", password_hash=hashed)
            session.add(user)
            session.flush()
            users.append(user)
            registered(session, listing, Principal(user.id, user.username, BIDDER), cashier=cashier)
            tokens.append(issue_token(user))
        users.append(cashier_user)  # last: user_ids[1:] start with the bidders
        session.commit()  # the services only flush: this set-up is the unit of work
        return Market(
            listing.id,
            Decimal(listing.increment),
            Decimal(listing.start_price),
            tokens,
            [u.id for u in users],
        )


def remove(engine: Engine, market: Market) -> None:
    """Delete the listing (bids and registrations cascade) and the users made for it."""
    with Session(engine) as session:
        session.execute(
            text("DELETE FROM trading_listing WHERE id = :id"), {"id": market.listing_id}
        )
        session.execute(text("DELETE FROM app_user WHERE id = ANY(:ids)"), {"ids": market.user_ids})
        session.commit()


def accepted_bids(engine: Engine, listing_id: int) -> list[tuple[int, Decimal, int]]:
    """(seq, amount, registration id) of every stored bid, in sequence order."""
    with Session(engine) as session:
        rows = session.execute(
            text(
                "SELECT seq, amount, registration_id FROM trading_bid "
                "WHERE listing_id = :id ORDER BY seq"
            ),
            {"id": listing_id},
        ).all()
    return [(int(r[0]), Decimal(r[1]), int(r[2])) for r in rows]
