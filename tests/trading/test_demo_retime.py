"""The demo market stays truthful when opened days after it was loaded: untouched, it is
moved forward by the whole days elapsed and every listing shows the phase it was made
in (without the move, open listings would be past their end); once a real account has
taken part, nothing moves."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.auth.service import add_user
from trading import clock, rules
from trading.demo import load_demo_listings
from trading.demo_retime import loaded_at, retime

LATER = timedelta(days=5, hours=3)  # the server is started five days and three hours later


def _phases(db: Session, codes: list[str], now: datetime) -> dict[str, str]:
    rows = db.execute(
        text("SELECT code, status, bid_start, deadline FROM trading_listing WHERE code = ANY(:c)"),
        {"c": codes},
    )
    return {code: rules.phase(status, start, end, now) for code, status, start, end in rows}


def test_untouched_demo_moves_to_the_day_it_is_opened(db: Session) -> None:
    codes = load_demo_listings(db)
    loaded = loaded_at(db)
    assert loaded is not None
    made = _phases(db, codes, clock.now())
    later = clock.now() + LATER
    drifted = _phases(db, codes, later)
    assert drifted != made  # what the rule prevents: an open listing past its end
    announced = db.execute(text("SELECT min(announcement_date) FROM trading_listing")).scalar()
    assert retime(db, later) == 5
    assert _phases(db, codes, later) == made
    assert loaded_at(db) == loaded + timedelta(days=5)
    row = db.execute(
        text(
            "SELECT min(announcement_date), (SELECT max(placed_at) FROM trading_bid), "
            "(SELECT max(closed_at) FROM trading_listing), "
            "(SELECT count(*) FROM trading_listing WHERE closed_at IS NULL) FROM trading_listing"
        )
    ).one()
    assert row[0] == announced + timedelta(days=5)
    assert row[1] <= later and row[2] <= later and row[3] > 0  # nothing happened in the future
    assert retime(db, later) == 0  # moved once: it is today's again


def test_a_market_in_use_is_left_as_it_is(db: Session) -> None:
    codes = load_demo_listings(db)
    someone = add_user(db, "li.na", "correct horse battery", "bidder", "李娜")
    listing_id, reg = db.execute(
        text(
            "SELECT id, (SELECT max(id) FROM trading_registration) FROM trading_listing "
            "WHERE code = :c"
        ),
        {"c": codes[0]},
    ).one()
    db.execute(  # a real bidder's registration makes the market real
        text("UPDATE trading_registration SET user_id = :u WHERE id = :r"),
        {"u": someone.id, "r": reg},
    )
    before = db.execute(
        text("SELECT bid_start FROM trading_listing WHERE id = :i"), {"i": listing_id}
    )
    start = before.scalar_one()
    assert retime(db, clock.now() + LATER) == 0
    after = db.execute(
        text("SELECT bid_start FROM trading_listing WHERE id = :i"), {"i": listing_id}
    )
    assert after.scalar_one() == start
