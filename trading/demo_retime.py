"""Keep the demo market truthful whenever it is opened: its listings are placed relative to
the instant it was loaded (an auction open now, another upcoming in nine days), so a
server started days later would show open listings past their end and countdowns to
past dates. While the market is untouched (every listing and registration in trading is
a demo account's), :func:`retime` moves all its times forward by the whole days since it
was loaded, so every listing shows again the state it was made in, at the same hour.

The four 批后监管 sales (``trading.monitoring.demo``) keep their dates: they belong to
the dated imagery, not to the load instant. Called at ``landgis serve`` and ``setup``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from trading.demo import REGISTRAR

DEMO_USERS = "demo-%"  # the demo's accounts: registrar, cashier, bidders
MONITOR_BIDDER = "demo-bidder-monitor"

_MARKET = (  # the demo market's listings: the demo registrar's, but the 批后监管 sales
    "SELECT l.id FROM trading_listing l JOIN app_user u ON u.id = l.created_by "
    "WHERE u.username = :registrar AND NOT EXISTS (SELECT 1 FROM trading_registration r "
    "JOIN app_user b ON b.id = r.user_id WHERE r.listing_id = l.id AND b.username = :monitor)"
)
_UNTOUCHED = text(
    "SELECT NOT EXISTS (SELECT 1 FROM trading_listing l JOIN app_user u ON u.id = l.created_by "
    "WHERE u.username NOT LIKE :demo) AND NOT EXISTS (SELECT 1 FROM trading_registration r "
    "JOIN app_user u ON u.id = r.user_id WHERE u.username NOT LIKE :demo)"
)
_ANCHOR = text(f"SELECT min(created_at) FROM trading_listing WHERE id IN ({_MARKET})")
# (table, rows of the market, instants that moved, dates that moved); what has happened
# (bids, closing, results) is never moved past now
_SHIFTS = [
    (
        "trading_listing",
        "id IN (SELECT id FROM market)",
        ["bid_start", "bid_end", "deadline", "published_at", "created_at"],
        ["announcement_date"],
        ["closed_at", "result_published_at", "last_bid_at"],
    ),
    (
        "trading_registration",
        "listing_id IN (SELECT id FROM market)",
        [],
        [],
        ["registered_at", "deposit_paid_at", "deposit_settled_at"],
    ),
    ("trading_bid", "listing_id IN (SELECT id FROM market)", [], [], ["placed_at"]),
    (
        "trading_record",
        "listing_id IN (SELECT id FROM market)",
        [],
        ["deal_date", "agreed_start_date", "agreed_completion_date"],
        ["created_at"],
    ),
    (
        "trading_contract",
        "record_id IN (SELECT id FROM trading_record WHERE listing_id IN (SELECT id FROM market))",
        [],
        [],
        ["signed_at"],
    ),
]


def untouched(session: Session) -> bool:
    """True when nobody but the demo's accounts has listed or registered in trading."""
    return bool(session.execute(_UNTOUCHED, {"demo": DEMO_USERS}).scalar_one())


def loaded_at(session: Session) -> datetime | None:
    """When the demo market was made (its listings' creation), None without one."""
    params = {"registrar": REGISTRAR, "monitor": MONITOR_BIDDER}
    return session.execute(_ANCHOR, params).scalar_one()


def _update_sql(table: str, where: str, moved: list[str], dates: list[str], past: list[str]) -> str:
    sets = [f"{c} = {c} + :shift" for c in moved]
    sets += [f"{c} = {c} + :days" for c in dates]
    sets += [
        f"{c} = CASE WHEN {c} IS NULL THEN NULL ELSE least({c} + :shift, :now) END" for c in past
    ]
    return f"WITH market AS ({_MARKET}) UPDATE {table} SET {', '.join(sets)} WHERE {where}"


def retime(session: Session, now: datetime) -> int:
    """Move the untouched demo market forward by the whole days since it was loaded;
    returns the days moved (0: nothing to do, or the market is in use). Flushes only."""
    anchor = loaded_at(session)
    if anchor is None or not untouched(session):
        return 0
    days = (now - anchor) // timedelta(days=1)
    if days < 1:
        return 0
    params = {
        "registrar": REGISTRAR,
        "monitor": MONITOR_BIDDER,
        "shift": timedelta(days=days),
        "days": days,
        "now": now,
    }
    for table, where, moved, dates, past in _SHIFTS:
        session.execute(text(_update_sql(table, where, moved, dates, past)), params)
    return days
