"""Pure bidding rules and exact money (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading import rules
from trading.money import parse_money
from trading.rules import BidView

D = Decimal


def test_minimum_bid_is_start_then_one_increment_up() -> None:
    assert rules.minimum_bid(None, D("100"), D("5")) == D("100")
    assert rules.minimum_bid(D("100"), D("100"), D("5")) == D("105")


def test_auction_countdown_restarts_but_never_shortens() -> None:
    t0 = datetime(2026, 12, 1, 10, tzinfo=UTC)
    far = t0 + timedelta(hours=1)
    assert rules.deadline_after_bid("auction", "published", far, t0, 300) == far
    late = far - timedelta(seconds=10)
    assert rules.deadline_after_bid("auction", "published", far, late, 300) == late + timedelta(
        seconds=300
    )
    assert rules.deadline_after_bid("listing", "published", far, late, 300) == far
    assert rules.deadline_after_bid("listing", "onsite", far, late, 300) > far


def test_listing_close_rules_of_the_domain_file() -> None:
    reserve, inc = D("1000"), D("10")
    one = [BidView(1, D("1000"), 1)]
    assert rules.close_open_bidding(one, reserve, inc, 0, True).outcome == "sold"
    assert rules.close_open_bidding([BidView(1, D("990"), 1)], reserve, inc, 0, True).outcome == (
        "no_sale"
    )
    assert rules.close_open_bidding([], reserve, inc, 0, True).outcome == "no_sale"
    two = [BidView(1, D("1000"), 1), BidView(2, D("1010"), 2)]
    sold = rules.close_open_bidding(two, reserve, inc, 1, True)
    assert sold.winner is not None and sold.winner.registration_id == 2
    onsite = rules.close_open_bidding(two, reserve, inc, 2, True)
    assert onsite.outcome == "onsite" and onsite.onsite_start == D("1020")
    assert rules.close_open_bidding(two, reserve, inc, 2, False).outcome == "sold"


def test_tender_highest_wins_earlier_on_equal_price() -> None:
    bids = [BidView(1, D("2000"), 1), BidView(2, D("2100"), 2), BidView(3, D("2100"), 3)]
    decision = rules.close_tender(bids, D("1500"))
    assert decision.winner is not None and decision.winner.registration_id == 2
    assert rules.close_tender(bids, D("3000")).outcome == "no_sale"


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 10_000)), max_size=30))
def test_best_bid_is_highest_and_earliest(raw: list[tuple[int, int]]) -> None:
    bids = [BidView(r, D(a), i) for i, (r, a) in enumerate(raw, 1)]
    best = rules.best_bid(bids)
    if not bids:
        assert best is None
        return
    assert best is not None
    assert all(b.amount <= best.amount for b in bids)
    assert all(b.seq >= best.seq for b in bids if b.amount == best.amount)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1250000.00", "1250000.00"), (1250000, "1250000.00"), (0.1, "0.10"), ("  7.5 ", "7.50")],
)
def test_money_accepts_exact_values(value: object, expected: str) -> None:
    assert str(parse_money(value)) == expected


@pytest.mark.parametrize(
    "value", ["-1", "abc", 0.005, 1e-3, "NaN", "Infinity", True, None, [], "1e30", "0"]
)
def test_money_refuses_inexact_or_negative(value: object) -> None:
    with pytest.raises(ValueError):
        parse_money(value)


@given(st.integers(0, 10**12), st.integers(0, 99))
def test_money_round_trips_every_whole_fen(yuan: int, fen: int) -> None:
    text = f"{yuan}.{fen:02d}"
    if yuan == 0 and fen == 0:
        return
    assert str(parse_money(text)) == text
