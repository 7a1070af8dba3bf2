"""The bid rules are written twice: as SQL (``repository.DECIDE_BID_SQL``, the statement
that decides and records a bid in one round trip) and as Python (``trading.rules`` and
``bidding.answer``, which say why a bid was refused). One table of cases drives both on
the same database rows: the SQL accepts a bid exactly when the Python rules allow it,
a refusal names the same reason, and an accepted bid moves the deadline exactly as
``rules.deadline_after_bid`` says."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import LandgisError
from tests.trading.conftest import published, registered, terms
from trading import bidding, repository, rules
from trading.models import Listing
from trading.settings import get_trading_settings

D = Decimal
# method, status, deposit, wants_onsite, registered, window, current, amount -> outcome
# window: "open" (started an hour ago, ends in a day), "early" (opens tomorrow), "late"
# (ended a minute ago), "last" (ends in 10 s: an auction's countdown restarts)
CASES = [
    ("listing", "published", "paid", False, True, "open", None, "1000000.00", "accepted"),
    ("listing", "published", "paid", False, True, "open", None, "999999.99", "BidTooLow"),
    ("listing", "published", "paid", False, True, "open", "1100000", "1110000.00", "accepted"),
    ("listing", "published", "paid", False, True, "open", "1100000", "1109999.99", "BidTooLow"),
    ("listing", "published", "paid", False, True, "open", "1100000", "1100000.00", "BidTooLow"),
    ("listing", "published", "paid", False, True, "open", "1100000", "9999999.00", "accepted"),
    ("listing", "published", "unpaid", False, True, "open", None, "1000000.00", "DepositUnpaid"),
    ("listing", "published", "refunded", False, True, "open", None, "1000000", "DepositUnpaid"),
    ("listing", "published", None, False, False, "open", None, "1000000.00", "NotRegistered"),
    ("listing", "published", "paid", False, True, "early", None, "1000000", "BiddingNotOpen"),
    ("listing", "published", "paid", False, True, "late", None, "1000000", "BiddingNotOpen"),
    ("listing", "closed", "paid", False, True, "open", None, "1000000.00", "BiddingNotOpen"),
    ("listing", "result_published", "paid", False, True, "open", None, "1e6", "BiddingNotOpen"),
    ("listing", "onsite", "paid", True, True, "open", "1100000", "1110000.00", "accepted"),
    ("listing", "onsite", "paid", False, True, "open", "1100000", "1110000", "BiddingNotOpen"),
    ("listing", "onsite", "paid", True, True, "last", "1100000", "1110000.00", "accepted"),
    ("auction", "published", "paid", False, True, "open", None, "1000000.00", "accepted"),
    ("auction", "published", "paid", False, True, "last", "1000000", "1010000.00", "accepted"),
    ("auction", "published", "paid", False, True, "open", "1000000", "1005000", "BidTooLow"),
    ("auction", "published", "unpaid", False, True, "last", None, "1000000", "DepositUnpaid"),
    ("listing", "published", "paid", False, True, "last", None, "1000000.00", "accepted"),
]
WINDOWS = {
    "open": ("-1 hour", "1 day"),
    "early": ("1 day", "2 days"),
    "late": ("-1 day", "-1 minute"),
    "last": ("-1 hour", "10 seconds"),
}


@pytest.fixture
def market(db: Session, person, free_parcels) -> tuple[Listing, int, int]:  # type: ignore[no-untyped-def]
    """One open listing, its registered bidder (user id) and a stranger (user id)."""
    registrar, bidder, stranger = (
        person(r, f"agree-{r}") for r in ("registrar", "bidder", "planner")
    )
    code, land_use = free_parcels[24]
    listing = published(db, registrar.principal, terms([code], land_use))
    registered(db, listing, bidder.principal)
    return listing, bidder.principal.user_id, stranger.principal.user_id


def _arrange(db: Session, listing_id: int, case: tuple) -> None:  # type: ignore[type-arg]
    method, status, deposit, onsite, _, window, current, _, _ = case
    start, end = WINDOWS[window]
    db.execute(
        text(
            "UPDATE trading_listing SET method = :m, status = :s, current_price = :c, "
            "bid_start = clock_timestamp() + CAST(:start AS interval), "
            "deadline = clock_timestamp() + CAST(:end AS interval) WHERE id = :id"
        ),
        {"m": method, "s": status, "c": current, "start": start, "end": end, "id": listing_id},
    )
    db.execute(
        text(
            "UPDATE trading_registration SET deposit_status = :d, wants_onsite = :w, "
            "deposit_source = :src WHERE listing_id = :id"
        ),
        {
            "d": deposit or "unpaid",
            "src": None if deposit in (None, "unpaid") else "staff",
            "w": onsite,
            "id": listing_id,
        },
    )


def _python_verdict(row: repository.BidDecision | None, listing_id: int, amount: D) -> str:
    """What the Python rules say of the state the statement read (its ``ctx``)."""
    unrecorded = None if row is None else replace(row, seq=None, placed_at=None)
    try:
        allowed = bidding.answer(unrecorded, listing_id, amount)
    except LandgisError as exc:
        return type(exc).__name__
    assert allowed is None  # no recorded bid in the row: None means "the rules allow it"
    return "accepted"


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{c[5]}-{c[8]}" for c in CASES])
def test_sql_and_python_bid_rules_agree(db: Session, market, case) -> None:  # type: ignore[no-untyped-def]
    listing, bidder, stranger = market
    amount = D(case[7])
    with db.begin_nested() as savepoint:
        _arrange(db, listing.id, case)
        before = db.execute(
            text("SELECT deadline FROM trading_listing WHERE id = :id"), {"id": listing.id}
        ).scalar_one()
        user = bidder if case[4] else stranger
        params = repository.decision_params(
            listing.id, user, amount, get_trading_settings().countdown_seconds
        )
        row = repository.decide_bid(db, params)
        savepoint.rollback()
    assert row is not None
    sql_verdict = "accepted" if row.seq is not None else "refused"
    python_verdict = _python_verdict(row, listing.id, amount)
    assert (sql_verdict == "accepted") == (python_verdict == "accepted"), (
        sql_verdict,
        python_verdict,
    )
    assert python_verdict == case[8]
    if row.seq is not None:
        assert row.placed_at is not None and row.new_deadline is not None
        expected = rules.deadline_after_bid(
            case[0], case[1], before, row.placed_at, get_trading_settings().countdown_seconds
        )
        assert row.new_deadline == expected
        assert amount >= rules.minimum_bid(row.current_price, row.start_price, row.increment)
