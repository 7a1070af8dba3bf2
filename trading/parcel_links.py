"""Trading's links in a parcel's popup (:mod:`cadastre.parcels.links`): the public
listings (never drafts) that offer the parcel, each to its listing page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadastre.parcels.links import ParcelLink
from trading import clock, rules
from trading.models import Listing, ListingParcel


def listing_links(session: Session, unit_code: str) -> list[ParcelLink]:
    """Links to the published listings of the parcel ``unit_code``, newest first."""
    rows = session.scalars(
        select(Listing)
        .join(ListingParcel, ListingParcel.listing_id == Listing.id)
        .where(ListingParcel.unit_code == unit_code, Listing.status != "draft")
        .order_by(Listing.announcement_date.desc(), Listing.id.desc())
    ).all()
    now = clock.now()
    out = []
    for listing in rows:
        zh, en = rules.PHASES[rules.phase(listing.status, listing.bid_start, listing.deadline, now)]
        out.append(
            ParcelLink(
                href=f"/maps/auctions/{listing.id}",
                zh=f"土地出让 {listing.code}（{zh}）",
                en=f"listing {listing.code} ({en})",
            )
        )
    return out
