"""Listing lifecycle: draft -> published -> (bidding) -> closed | on-site -> result published.

Each function flushes and raises domain errors; none commits. The entry point (router,
CLI command, the closer loop in trading/closer.py) opens ``with transaction(session):``.
``now`` defaults to server time (Asia/Shanghai); tests pass their own instant.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from geoalchemy2 import WKTElement
from pydantic import ValidationError
from shapely import wkb
from sqlalchemy.orm import Session

from gis import landuse
from gis.auth.service import Principal
from gis.errors import InvalidInput, PreconditionFailed, PreconditionRequired
from trading import clock, links, records, repository, rules
from trading.errors import (
    ListingNotFound,
    ListingStateError,
    ParcelUnavailable,
    PeriodTooShort,
    PlanConflict,
)
from trading.models import Listing, ListingParcel
from trading.schemas import ListingCreate, ListingUpdate
from trading.settings import get_trading_settings


def get_listing(session: Session, listing_id: int, *, drafts: bool = False) -> Listing:
    listing = repository.listing(session, listing_id)
    if listing is None or (listing.status == "draft" and not drafts):
        raise ListingNotFound(f"no listing {listing_id}", field="listing_id")
    return listing


def _check_terms(data: ListingCreate) -> None:
    landuse.check(data.land_use)
    if not landuse.is_construction(data.land_use):
        raise InvalidInput(
            "only construction land (classes 05-10) is offered by tender, auction or listing",
            field="land_use",
        )
    if data.far_max < data.far_min:
        raise InvalidInput("far_max is below far_min", field="far_max")
    if data.bid_end <= data.bid_start:
        raise InvalidInput("bid_end must be after bid_start", field="bid_end")
    if data.increment > data.start_price:
        raise InvalidInput("the increment is larger than the start price", field="increment")


def create_listing(session: Session, data: ListingCreate, actor: Principal) -> Listing:
    """Record a draft listing of current parcels; geometry is their union (EPSG:4490)."""
    listing = Listing(
        id=repository.next_listing_id(session),
        status="draft",
        bid_count=0,
        created_by=actor.user_id,
    )
    _set_terms(session, listing, data)
    session.flush()
    return listing


def update_draft(
    session: Session, listing_id: int, update: ListingUpdate, if_match: list[str]
) -> Listing:
    """Change a draft's terms (If-Match: the ETag the editor read); published ones refuse.

    The changed terms are merged with the stored ones and the whole is checked exactly
    as at creation; new unit codes must name current parcels.
    """
    listing = repository.listing(session, listing_id, lock=True)
    if listing is None:
        raise ListingNotFound(f"no listing {listing_id}", field="listing_id")
    if listing.status != "draft":
        raise _not_a_draft(listing)
    if not if_match:
        raise PreconditionRequired(
            "send If-Match with the listing's ETag (read it first from .../staff)",
            field="If-Match",
        )
    etag = repository.listing_etag(session, listing_id)
    if etag not in if_match:
        raise PreconditionFailed(
            f"listing {listing.code} changed since you read it: read it again "
            f'(current ETag "{etag}")',
            field="If-Match",
        )
    try:
        data = ListingCreate.model_validate({**_terms(session, listing), **update.changes()})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InvalidInput(str(err["msg"]), field=".".join(map(str, err["loc"]))) from None
    _set_terms(session, listing, data)
    session.flush()
    return listing


def _not_a_draft(listing: Listing) -> ListingStateError:
    """409 for an edit of a listing past its draft, said in Chinese and in English."""
    zh, en = rules.STATUSES[listing.status]
    message = {
        "zh": f"出让公告 {listing.code} 状态为「{zh}」，只有草稿可以修改",
        "en": f"listing {listing.code} is {en}, not a draft: only drafts can be edited",
    }
    return ListingStateError(f"{message['zh']} / {message['en']}", field="status", message=message)


def _terms(session: Session, listing: Listing) -> dict[str, Any]:
    """A stored listing's terms as ListingCreate fields."""
    names = set(ListingCreate.model_fields) - {"unit_codes"}
    terms = {name: getattr(listing, name) for name in names}
    terms["unit_codes"] = [p.unit_code for p in repository.listing_parcels(session, listing.id)]
    return terms


def _set_terms(session: Session, listing: Listing, data: ListingCreate) -> None:
    """Give a draft the terms and the (current) parcels of ``data``; flushes, never commits."""
    _check_terms(data)
    parcels = repository.current_parcels(session, data.unit_codes)
    missing = sorted(set(data.unit_codes) - {p.unit_code for p in parcels})
    if missing:
        raise ParcelUnavailable(f"no current parcel {missing[0]}", field="unit_codes")
    for name in ListingCreate.model_fields.keys() - {"unit_codes"}:
        setattr(listing, name, getattr(data, name))  # Python values (dump would give strings)
    listing.code = f"TR-{data.announcement_date.year}-{listing.id:05d}"
    listing.deadline = data.bid_end
    listing.district_code = parcels[0].subzone_code[:9]
    listing.area_m2 = sum(p.area_m2 for p in parcels)
    union = repository.union_of_parcels(session, [p.id for p in parcels])
    listing.geom = WKTElement(union, extended=True)
    session.add(listing)
    session.flush()
    offered = {p.unit_code: p for p in repository.listing_parcels(session, listing.id)}
    for code in set(offered) - set(data.unit_codes):
        session.delete(offered[code])
    for p in parcels:
        item = offered.get(p.unit_code) or ListingParcel(
            listing_id=listing.id, unit_code=p.unit_code
        )
        item.parcel_id, item.parcel_code, item.area_m2 = p.id, p.parcel_code, p.area_m2
        session.add(item)
    session.flush()


def _check_periods(listing: Listing, now: datetime) -> None:
    settings = get_trading_settings()
    if listing.announcement_date < clock.local_date(now):
        raise PeriodTooShort(
            "the announcement date is in the past; publication is the announcement",
            field="announcement_date",
        )
    days = (clock.local_date(listing.bid_start) - listing.announcement_date).days
    if days < settings.announcement_min_days:
        raise PeriodTooShort(
            f"bidding starts {days} days after the announcement; "
            f"at least {settings.announcement_min_days} are required",
            field="announcement_date",
        )
    if listing.method == "listing":
        span = listing.bid_end - listing.bid_start
        if span < timedelta(days=settings.listing_min_days):
            raise PeriodTooShort(
                f"a listing runs at least {settings.listing_min_days} days",
                field="bid_end",
            )


def _check_parcels(session: Session, listing: Listing) -> None:
    parcels = repository.listing_parcels(session, listing.id)
    codes = [p.unit_code for p in parcels]
    current = {p.unit_code: p for p in repository.current_parcels(session, codes)}
    busy = repository.parcels_in_other_listings(session, codes, listing.id)
    for code in codes:
        if code not in current:
            raise ParcelUnavailable(f"parcel {code} is no longer current", field="unit_codes")
        if code in busy:
            raise ParcelUnavailable(
                f"parcel {code} is offered by another listing", field="unit_codes"
            )
        if "seizure" in links.restrictions(session, code):
            raise ParcelUnavailable(f"parcel {code} is seized (查封)", field="unit_codes")
        conflicts = links.compliance_conflicts(
            session, wkb.loads(bytes(current[code].wkb)), listing.land_use
        )
        if conflicts:
            raise PlanConflict(
                f"parcel {code} conflicts with the plan: {', '.join(conflicts)}",
                field="unit_codes",
                conflicts=conflicts,
            )


def publish_listing(session: Session, listing_id: int, now: datetime | None = None) -> Listing:
    """Announce a draft after the period, seizure and planning checks."""
    now = now or clock.now()
    listing = repository.listing(session, listing_id, lock=True)
    if listing is None:
        raise ListingNotFound(f"no listing {listing_id}", field="listing_id")
    if listing.status != "draft":
        raise ListingStateError(
            f"listing {listing.code} is {listing.status}, not a draft", field="status"
        )
    _check_periods(listing, now)
    _check_parcels(session, listing)
    listing.status = "published"
    listing.published_at = now
    session.flush()
    return listing


def delete_draft(session: Session, listing_id: int) -> None:
    listing = get_listing(session, listing_id, drafts=True)
    if listing.status != "draft":
        raise ListingStateError("only drafts can be deleted", field="status")
    session.delete(listing)
    session.flush()


def close_listing(session: Session, listing_id: int, now: datetime | None = None) -> Listing:
    """Close bidding at (or after) the deadline with the domain's close rules."""
    now = now or clock.now()
    listing = repository.listing(session, listing_id, lock=True)
    if listing is None or listing.status == "draft":
        raise ListingNotFound(f"no listing {listing_id}", field="listing_id")
    if listing.status not in ("published", "onsite"):
        raise ListingStateError(f"listing {listing.code} is {listing.status}", field="status")
    if now < listing.deadline:
        raise ListingStateError(
            f"bidding runs until {listing.deadline.isoformat()}", field="deadline"
        )
    regs = repository.registrations(session, listing.id)
    views = [
        rules.BidView(b.registration_id, b.amount, b.seq)
        for b in repository.bids(session, listing.id)
    ]
    if listing.method == "tender":
        decision = rules.close_tender(views, listing.reserve_price)
    else:
        onsite_requests = sum(1 for r in regs if r.wants_onsite and r.deposit_status == "paid")
        decision = rules.close_open_bidding(
            views,
            listing.reserve_price,
            listing.increment,
            onsite_requests,
            allow_onsite=listing.method == "listing" and listing.status == "published",
        )
    _apply(listing, decision, now)
    session.flush()
    return listing


def _apply(listing: Listing, decision: rules.CloseDecision, now: datetime) -> None:
    listing.outcome = decision.outcome
    if decision.outcome == "onsite":
        listing.status = "onsite"
        listing.deadline = now + timedelta(seconds=get_trading_settings().countdown_seconds)
        return
    listing.status = "closed"
    listing.closed_at = now
    if decision.winner is not None:
        listing.winner_registration_id = decision.winner.registration_id
        listing.final_price = decision.winner.amount


def publish_result(
    session: Session, listing_id: int, actor: Principal, now: datetime | None = None
) -> Listing:
    """Publish the result: settle deposits; a sale also makes the record and the contract."""
    now = now or clock.now()
    listing = repository.listing(session, listing_id, lock=True)
    if listing is None or listing.status == "draft":
        raise ListingNotFound(f"no listing {listing_id}", field="listing_id")
    if listing.status != "closed":
        raise ListingStateError(
            f"listing {listing.code} is {listing.status}; close it first", field="status"
        )
    records.settle(session, listing, actor, now)
    listing.status = "result_published"
    listing.result_published_at = now
    session.flush()
    return listing
