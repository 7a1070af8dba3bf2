"""Pure bidding rules (no database): minimum next bid, phases, and how a listing closes.

Times are timezone-aware datetimes; money is Decimal yuan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

METHODS = {
    "tender": ("招标", "tender"),
    "auction": ("拍卖", "auction"),
    "listing": ("挂牌", "listing"),
}
STATUSES = {
    "draft": ("草稿", "draft"),
    "published": ("已公告", "published"),
    "closed": ("已截止", "closed"),
    "onsite": ("现场竞价", "on-site auction"),
    "result_published": ("结果已公布", "result published"),
}
PHASES = {
    "draft": ("草稿", "draft"),
    "upcoming": ("即将开始", "upcoming"),
    "open": ("竞价中", "open for bids"),
    "awaiting_close": ("待截止", "awaiting close"),
    "onsite": ("现场竞价", "on-site auction"),
    "closed": ("已截止", "closed"),
    "result_published": ("结果已公布", "result published"),
}
OUTCOMES = {
    "sold": ("成交", "sold"),
    "no_sale": ("流拍", "no sale"),
    "onsite": ("转现场竞价", "moved to on-site auction"),
}


def minimum_bid(current: Decimal | None, start: Decimal, increment: Decimal) -> Decimal:
    """The lowest acceptable open bid: the start price first, then current + one increment."""
    return start if current is None else current + increment


def deadline_after_bid(
    method: str, status: str, deadline: datetime, placed_at: datetime, countdown_s: int
) -> datetime:
    """Auctions (and on-site auctions) restart the countdown at each accepted bid."""
    if method == "auction" or status == "onsite":
        return max(deadline, placed_at + timedelta(seconds=countdown_s))
    return deadline


def phase(status: str, bid_start: datetime, deadline: datetime, now: datetime) -> str:
    """What the public sees: upcoming, open, awaiting close, on-site, closed, result."""
    if status == "published":
        if now < bid_start:
            return "upcoming"
        return "open" if now < deadline else "awaiting_close"
    return status


@dataclass(frozen=True)
class BidView:
    """One bid as the close rules see it."""

    registration_id: int
    amount: Decimal
    seq: int


@dataclass(frozen=True)
class CloseDecision:
    outcome: str  # sold | no_sale | onsite
    winner: BidView | None = None
    onsite_start: Decimal | None = None


def best_bid(bids: Sequence[BidView]) -> BidView | None:
    """Highest amount; on equal amounts the earlier bid (lower seq)."""
    if not bids:
        return None
    return min(bids, key=lambda b: (-b.amount, b.seq))


def close_open_bidding(
    bids: Sequence[BidView],
    reserve: Decimal,
    increment: Decimal,
    onsite_requests: int,
    allow_onsite: bool,
) -> CloseDecision:
    """Listing (挂牌) and auction close rules of the domain file.

    Two or more bidders still wanting to bid at a listing's deadline move it to an
    on-site auction starting at the highest price plus one increment; otherwise the
    best bid wins if it reaches the reserve, else there is no sale.
    """
    top = best_bid(bids)
    if allow_onsite and onsite_requests >= 2:
        base = top.amount if top is not None else None
        return CloseDecision("onsite", onsite_start=None if base is None else base + increment)
    if top is None or top.amount < reserve:
        return CloseDecision("no_sale")
    return CloseDecision("sold", winner=top)


def close_tender(bids: Sequence[BidView], reserve: Decimal) -> CloseDecision:
    """Tender (招标): sealed bids opened together; the best at or above the reserve wins."""
    top = best_bid(bids)
    if top is None or top.amount < reserve:
        return CloseDecision("no_sale")
    return CloseDecision("sold", winner=top)
