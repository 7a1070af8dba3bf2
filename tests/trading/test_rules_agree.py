"""The bid rules are written once (``trading.bid_rules``): each rule evaluates in Python
(``bidding.answer`` says why a bid was refused) and compiles into the SQL of
``repository.DECIDE_BID_SQL`` (the statement that decides and records a bid in one round
trip). One table of cases drives three paths on the same database rows: the statement
itself, the Python rules on the facts it read, and a bid over HTTP (the route the
bidders use). They agree on every verdict and reason, and an accepted bid moves the
deadline exactly as ``rules.deadline_after_bid`` says."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import LandgisError
from tests.trading.conftest import Person, published, registered, terms
from trading import bid_rules, bidding, repository, rules
from trading.models import Listing
from trading.settings import get_trading_settings

D = Decimal
URL = "/api/v1/trading/listings"
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
    # not a step multiple: the rule is "beat the price by at least the increment" (domain)
    ("listing", "published", "paid", False, True, "open", "1100000", "1115000.50", "accepted"),
    ("auction", "published", "paid", False, True, "open", "1000000", "1010000.01", "accepted"),
    # the first bid may be any amount from the start price on
    ("listing", "published", "paid", False, True, "open", None, "1000000.01", "accepted"),
    ("listing", "onsite", "paid", True, True, "early", "1100000", "1110000", "BiddingNotOpen"),
    ("listing", "onsite", "unpaid", True, True, "open", "1100000", "1110000", "DepositUnpaid"),
    ("auction", "published", None, False, False, "last", None, "1000000.00", "NotRegistered"),
]
WINDOWS = {
    "open": ("-1 hour", "1 day"),
    "early": ("1 day", "2 days"),
    "late": ("-1 day", "-1 minute"),
    "last": ("-1 hour", "10 seconds"),
}


@pytest.fixture
def market(db: Session, person, free_parcels) -> tuple[Listing, Person, Person]:  # type: ignore[no-untyped-def]
    """One open listing, its registered bidder and a bidder who did not register."""
    registrar = person("registrar", "agree-registrar")
    bidder, stranger = person("bidder", "agree-bidder"), person("bidder", "agree-stranger")
    code, land_use = free_parcels[24]
    listing = published(db, registrar.principal, terms([code], land_use))
    registered(db, listing, bidder.principal)
    return listing, bidder, stranger


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


def _http_verdict(client: TestClient, listing_id: int, amount: str, who: Person) -> str:
    """A bid over HTTP (the bidders' route): ``accepted`` or the problem's error code."""
    r = client.post(f"{URL}/{listing_id}/bids", json={"amount": amount}, headers=who.headers)
    if r.status_code == 201:
        return "accepted"
    assert r.headers["content-type"].startswith("application/problem+json"), r.text
    return str(r.json()["code"])


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{c[5]}-{c[8]}" for c in CASES])
def test_sql_python_and_http_bid_rules_agree(db: Session, client: TestClient, market, case) -> None:  # type: ignore[no-untyped-def]
    listing, bidder, stranger = market
    amount = D(case[7])
    who = bidder if case[4] else stranger
    with db.begin_nested() as savepoint:
        _arrange(db, listing.id, case)
        before = db.execute(
            text("SELECT deadline FROM trading_listing WHERE id = :id"), {"id": listing.id}
        ).scalar_one()
        params = repository.decision_params(
            listing.id, who.principal.user_id, amount, get_trading_settings().countdown_seconds
        )
        row = repository.decide_bid(db, params)
        savepoint.rollback()
    _arrange(db, listing.id, case)  # again, for the HTTP route (the test's rollback undoes it)
    http_verdict = _http_verdict(client, listing.id, case[7], who)
    assert row is not None
    sql_verdict = "accepted" if row.seq is not None else "refused"
    python_verdict = _python_verdict(row, listing.id, amount)
    rule = bid_rules.broken(bid_rules.OPEN_BID, bidding.facts(row, amount))
    assert (sql_verdict == "accepted") == (python_verdict == "accepted") == (rule is None), (
        sql_verdict,
        python_verdict,
        rule,
    )
    assert python_verdict == http_verdict == case[8], (python_verdict, http_verdict)
    if row.seq is not None:
        assert row.placed_at is not None and row.new_deadline is not None
        expected = rules.deadline_after_bid(
            case[0], case[1], before, row.placed_at, get_trading_settings().countdown_seconds
        )
        assert row.new_deadline == expected
        assert amount >= rules.minimum_bid(row.current_price, row.start_price, row.increment)


@pytest.mark.parametrize("path", ["sql", "http"])
def test_own_bid_twice_is_too_low_on_every_path(
    db: Session, client: TestClient, market, path
) -> None:  # type: ignore[no-untyped-def]
    """A bidder who repeats their own accepted bid is refused (the price is theirs now),
    by the statement and over HTTP alike; beating it by the increment is accepted."""
    listing, bidder, _ = market
    countdown = get_trading_settings().countdown_seconds

    def bid(amount: str) -> str:
        if path == "http":
            return _http_verdict(client, listing.id, amount, bidder)
        params = repository.decision_params(
            listing.id, bidder.principal.user_id, D(amount), countdown
        )
        row = repository.decide_bid(db, params)
        return (
            "accepted"
            if row is not None and row.seq is not None
            else _python_verdict(row, listing.id, D(amount))
        )

    verdicts = [bid("1000000"), bid("1000000"), bid("1010000")]  # rolled back after the test
    assert verdicts == ["accepted", "BidTooLow", "accepted"]


def test_the_statement_is_compiled_from_the_rules() -> None:
    """DECIDE_BID_SQL carries no hand-written condition: its WHERE is the rules' SQL."""
    condition = bid_rules.sql_condition(bid_rules.OPEN_BID, repository.BID_FACT_COLUMNS)
    assert condition in repository.DECIDE_BID_SQL
    where = repository.DECIDE_BID_SQL.split("WHERE l.id = ctx.id", 1)[1].split("RETURNING")[0]
    assert where.strip() == "AND " + condition
