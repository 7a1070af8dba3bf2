"""Listing lifecycle: draft -> published -> (bidding) -> closed | on-site -> result published.

Each function owns its transaction (commits on success) and raises domain errors.
``now`` defaults to server time (Asia/Shanghai); tests pass their own instant.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from geoalchemy2 import WKTElement
from shapely import wkb
from sqlalchemy.orm import Session

from gis import landuse
from gis.auth.service import Principal
from gis.errors import InvalidInput
from gis.settings import get_settings
from trading import clock, links, records, repository, rules
from trading.errors import (
    ListingNotFound,
    ListingStateError,
    ParcelUnavailable,
    PeriodTooShort,
    PlanConflict,
)
from trading.models import Listing, ListingParcel
from trading.schemas import ListingCreate


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
    _check_terms(data)
    parcels = repository.current_parcels(session, data.unit_codes)
    missing = sorted(set(data.unit_codes) - {p.unit_code for p in parcels})
    if missing:
        raise ParcelUnavailable(f"no current parcel {missing[0]}", field="unit_codes")
    listing_id = repository.next_listing_id(session)
    listing = Listing(
        id=listing_id,
        code=f"TR-{data.announcement_date.year}-{listing_id:05d}",
        title=data.title,
        method=data.method,
        status="draft",
        land_use=data.land_use,
        district_code=parcels[0].subzone_code[:9],
        area_m2=sum(p.area_m2 for p in parcels),
        far_min=data.far_min,
        far_max=data.far_max,
        term_years=data.term_years,
        start_price=data.start_price,
        increment=data.increment,
        deposit=data.deposit,
        reserve_price=data.reserve_price,
        announcement_date=data.announcement_date,
        bid_start=data.bid_start,
        bid_end=data.bid_end,
        deadline=data.bid_end,
        bid_count=0,
        created_by=actor.user_id,
        geom=WKTElement(
            repository.union_of_parcels(session, [p.id for p in parcels]), extended=True
        ),
    )
    session.add(listing)
    session.flush()
    for p in parcels:
        session.add(
            ListingParcel(
                listing_id=listing.id,
                unit_code=p.unit_code,
                parcel_id=p.id,
                parcel_code=p.parcel_code,
                area_m2=p.area_m2,
            )
        )
    session.commit()
    return listing


def _check_periods(listing: Listing, now: datetime) -> None:
    settings = get_settings()
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
    session.commit()
    return listing


def delete_draft(session: Session, listing_id: int) -> None:
    listing = get_listing(session, listing_id, drafts=True)
    if listing.status != "draft":
        raise ListingStateError("only drafts can be deleted", field="status")
    session.delete(listing)
    session.commit()


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
    session.commit()
    return listing


def _apply(listing: Listing, decision: rules.CloseDecision, now: datetime) -> None:
    listing.outcome = decision.outcome
    if decision.outcome == "onsite":
        listing.status = "onsite"
        listing.deadline = now + timedelta(seconds=get_settings().countdown_seconds)
        return
    listing.status = "closed"
    listing.closed_at = now
    if decision.winner is not None:
        listing.winner_registration_id = decision.winner.registration_id
        listing.final_price = decision.winner.amount


def close_due(session: Session, now: datetime | None = None) -> list[Listing]:
    """Close every listing whose deadline has passed."""
    now = now or clock.now()
    return [close_listing(session, i, now) for i in repository.listings_due(session, now)]


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
    session.commit()
    return listing
