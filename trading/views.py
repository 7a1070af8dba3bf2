"""What each audience may see of a listing. The public never sees the reserve price or a
bidder's identity before the result is published; staff see everything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gis import landuse
from trading import clock, repository, rules
from trading.models import Bid, Listing, Registration
from trading.money import fmt


def _named(table: dict[str, tuple[str, str]], code: str | None) -> dict[str, str] | None:
    if code is None:
        return None
    zh, en = table[code]
    return {"code": code, "zh": zh, "en": en}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(clock.zone()).isoformat()


def listing_public(
    session: Session, listing: Listing, now: datetime | None = None
) -> dict[str, Any]:
    """The public face of a listing (no reserve, no bidder identity before the result)."""
    now = now or clock.now()
    zh, en = landuse.names(listing.land_use)
    phase = rules.phase(listing.status, listing.bid_start, listing.deadline, now)
    published = listing.status == "result_published"
    body: dict[str, Any] = {
        "id": listing.id,
        "code": listing.code,
        "title": listing.title,
        "method": _named(rules.METHODS, listing.method),
        "status": _named(rules.STATUSES, listing.status),
        "phase": _named(rules.PHASES, phase),
        "land_use": {"code": listing.land_use, "zh": zh, "en": en},
        "district_code": listing.district_code,
        "area_m2": fmt(listing.area_m2),
        "far_min": str(listing.far_min),
        "far_max": str(listing.far_max),
        "term_years": listing.term_years,
        "start_price": fmt(listing.start_price),
        "increment": fmt(listing.increment),
        "deposit": fmt(listing.deposit),
        "current_price": None if listing.method == "tender" else fmt(listing.current_price),
        "next_minimum": None,
        "bid_count": listing.bid_count,
        "announcement_date": listing.announcement_date.isoformat(),
        "bid_start": _iso(listing.bid_start),
        "bid_end": _iso(listing.bid_end),
        "deadline": _iso(listing.deadline),
        "server_time": _iso(now),
        "seconds_left": max(0, int((listing.deadline - now).total_seconds())),
        "outcome": _named(rules.OUTCOMES, listing.outcome)
        if listing.status != "published"
        else None,
        "parcels": [
            {"unit_code": p.unit_code, "parcel_code": p.parcel_code, "area_m2": fmt(p.area_m2)}
            for p in repository.listing_parcels(session, listing.id)
        ],
    }
    if listing.method != "tender" and phase in ("open", "onsite", "upcoming"):
        body["next_minimum"] = fmt(
            rules.minimum_bid(listing.current_price, listing.start_price, listing.increment)
        )
    if published:
        body["reserve_price"] = fmt(listing.reserve_price)
        body["final_price"] = fmt(listing.final_price)
        body["result_published_at"] = _iso(listing.result_published_at)
        body["winner"] = _winner(session, listing)
    return body


def _winner(session: Session, listing: Listing) -> dict[str, str] | None:
    if listing.winner_registration_id is None:
        return None
    from trading.records import buyer_name

    reg = session.get(Registration, listing.winner_registration_id)
    assert reg is not None
    return {"bidder_no": reg.bidder_no, "name": buyer_name(session, reg)}


def listing_staff(session: Session, listing: Listing) -> dict[str, Any]:
    """Everything, for the bureau's staff: the reserve, every registration and deposit."""
    body = listing_public(session, listing)
    body["reserve_price"] = fmt(listing.reserve_price)
    body["final_price"] = fmt(listing.final_price)
    body["winner_registration_id"] = listing.winner_registration_id
    body["registrations"] = [registration(r) for r in repository.registrations(session, listing.id)]
    return body


def registration(reg: Registration) -> dict[str, Any]:
    return {
        "id": reg.id,
        "listing_id": reg.listing_id,
        "user_id": reg.user_id,
        "bidder_no": reg.bidder_no,
        "party_kind": reg.party_kind,
        "party_name": reg.party_name,
        "id_number": reg.id_number,
        "registered_at": _iso(reg.registered_at),
        "deposit_status": reg.deposit_status,
        "deposit_amount": fmt(reg.deposit_amount),
        "deposit_paid_at": _iso(reg.deposit_paid_at),
        "deposit_settled_at": _iso(reg.deposit_settled_at),
        "deposit_source": reg.deposit_source,
        "deposit_reference": reg.deposit_reference,
        "wants_onsite": reg.wants_onsite,
    }


def bids_public(session: Session, listing: Listing, bids: list[Bid]) -> list[dict[str, Any]]:
    """Open bids as the public sees them; sealed bids only once the result is published."""
    published = listing.status == "result_published"
    if listing.method == "tender" and listing.status not in ("closed", "result_published"):
        return []
    numbers = (
        {r.id: r.bidder_no for r in repository.registrations(session, listing.id)}
        if published
        else {}
    )
    return [
        {
            "seq": b.seq,
            "amount": fmt(b.amount),
            "phase": b.phase,
            "placed_at": _iso(b.placed_at),
            **({"bidder_no": numbers[b.registration_id]} if published else {}),
        }
        for b in bids
    ]
