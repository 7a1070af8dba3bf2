"""Land-trading endpoints under /api/v1/trading, plus the public pages (trading/pages.py).

Reads are public and never carry the reserve price or a bidder's identity before the
result is published; writes need a registrar (listings) or a bidder (bids) token.
Registration, bids and on-site requests are for the bidder role itself: an admin is not
a bidder (403). Deposits are confirmed by staff or the bank (trading/api_deposits.py).
Each write opens the unit of work (``with transaction(session):``); services only flush.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy.orm import Session

from cadastre.parcels.service import parse_if_match
from gis.auth.deps import oauth2_scheme, principal_on_loop, require_role
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.contracts import answers, json_or_csv, problems
from gis.db import get_session, transaction
from gis.errors import NotAuthenticated, PermissionDenied
from gis.replica import get_read_session
from trading import (
    api_deposits,
    bidding,
    clock,
    live_bids,
    pages,
    repository,
    service,
    stats,
    views,
)
from trading.roles import BIDDER
from trading.schemas import (
    BidIn,
    BidPlaced,
    BidPublic,
    ListingCreate,
    ListingLive,
    ListingPublic,
    ListingStaff,
    ListingUpdate,
    RecordPublic,
    RegistrationIn,
    RegistrationView,
    StatisticsRow,
)

router = APIRouter()
api = APIRouter(prefix="/api/v1/trading", tags=["trading"])
staff = require_role(Role.REGISTRAR)
bidder = require_role(BIDDER, admin=False)


@api.get("/listings", response_model=list[ListingPublic], response_model_exclude_unset=True)
def list_listings(
    status: Literal["published", "closed", "onsite", "result_published"] | None = None,
    method: Literal["tender", "auction", "listing"] | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    """Published listings (public view), newest bidding start first."""
    now = clock.now()
    return [
        views.listing_public(session, item, now)
        for item in repository.search_listings(session, status, method, limit, offset)
    ]


def _tagged(session: Session, listing_id: int, response: Response) -> None:
    """Put the listing's ETag on the answer (a draft edit sends it back as If-Match)."""
    response.headers["ETag"] = f'"{repository.listing_etag(session, listing_id)}"'


@api.post(
    "/listings", status_code=201, response_model=ListingStaff, response_model_exclude_unset=True
)
def create_listing(
    body: ListingCreate,
    response: Response,
    session: Session = Depends(get_session),
    actor: Principal = Depends(staff),
) -> dict[str, Any]:
    """Record a draft listing (registrar). The answer carries its ETag."""
    with transaction(session):
        listing = service.create_listing(session, body, actor)
    _tagged(session, listing.id, response)
    return views.listing_staff(session, listing)


@api.patch("/listings/{listing_id}", response_model=ListingStaff, response_model_exclude_unset=True)
def update_draft(
    listing_id: int,
    body: ListingUpdate,
    response: Response,
    if_match: str | None = Header(None, alias="If-Match"),
    session: Session = Depends(get_session),
    _: Principal = Depends(staff),
) -> dict[str, Any]:
    """Change a draft's terms (registrar; If-Match with the ETag of .../staff). Checked as
    at creation; 428 without If-Match, 412 if stale, 409 once published."""
    tags = parse_if_match(if_match)
    with transaction(session):
        listing = service.update_draft(session, listing_id, body, tags)
    _tagged(session, listing.id, response)
    return views.listing_staff(session, listing)


@api.get("/listings/{listing_id}", response_model=ListingPublic, response_model_exclude_unset=True)
def get_listing(listing_id: int, session: Session = Depends(get_session)) -> dict[str, Any]:
    return views.listing_public(session, service.get_listing(session, listing_id))


@api.get("/listings/{listing_id}/live", response_model=ListingLive)
def live(listing_id: int, session: Session = Depends(get_session)) -> dict[str, Any]:
    """The few figures a bidding page polls: price, next minimum, deadline, seconds left."""
    body = views.listing_public(session, service.get_listing(session, listing_id))
    keys = ("id", "phase", "status", "current_price", "next_minimum", "bid_count", "deadline")
    return {k: body[k] for k in (*keys, "server_time", "seconds_left", "outcome")}


@api.get(
    "/listings/{listing_id}/staff", response_model=ListingStaff, response_model_exclude_unset=True
)
def get_listing_staff(
    listing_id: int,
    response: Response,
    session: Session = Depends(get_session),
    _: Principal = Depends(staff),
) -> dict[str, Any]:
    """Everything about a listing, the reserve included (registrar), with its ETag."""
    listing = service.get_listing(session, listing_id, drafts=True)
    _tagged(session, listing.id, response)
    return views.listing_staff(session, listing)


@api.delete("/listings/{listing_id}", status_code=204)
def delete_draft(
    listing_id: int, session: Session = Depends(get_session), _: Principal = Depends(staff)
) -> Response:
    with transaction(session):
        service.delete_draft(session, listing_id)
    return Response(status_code=204)


@api.post(
    "/listings/{listing_id}/publish", response_model=ListingStaff, response_model_exclude_unset=True
)
def publish(
    listing_id: int, session: Session = Depends(get_session), _: Principal = Depends(staff)
) -> dict[str, Any]:
    """Announce a draft after the period, seizure and planning checks (registrar)."""
    with transaction(session):
        listing = service.publish_listing(session, listing_id)
    return views.listing_staff(session, listing)


@api.post(
    "/listings/{listing_id}/close", response_model=ListingStaff, response_model_exclude_unset=True
)
def close(
    listing_id: int, session: Session = Depends(get_session), _: Principal = Depends(staff)
) -> dict[str, Any]:
    """Close bidding after the deadline: sold, no sale, or on to an on-site auction."""
    with transaction(session):
        listing = service.close_listing(session, listing_id)
    return views.listing_staff(session, listing)


@api.post(
    "/listings/{listing_id}/result", response_model=ListingStaff, response_model_exclude_unset=True
)
def publish_result(
    listing_id: int, session: Session = Depends(get_session), actor: Principal = Depends(staff)
) -> dict[str, Any]:
    """Publish the result: deposits settled, record, contract and cadastre case (registrar)."""
    with transaction(session):
        listing = service.publish_result(session, listing_id, actor)
    return views.listing_staff(session, listing)


@api.get(
    "/listings/{listing_id}/bids", response_model=list[BidPublic], response_model_exclude_unset=True
)
def list_bids(listing_id: int, session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    listing = service.get_listing(session, listing_id)
    return views.bids_public(session, listing, bidding.bids_of(session, listing_id))


@api.post("/listings/{listing_id}/registrations", status_code=201, response_model=RegistrationView)
def register(
    listing_id: int,
    body: RegistrationIn,
    session: Session = Depends(get_session),
    actor: Principal = Depends(bidder),
) -> dict[str, Any]:
    """Register the caller (as the person or company that would buy) for the listing.
    The first registration binds that identity to the account (one ID number each)."""
    with transaction(session):
        reg = bidding.register(session, listing_id, body, actor)
    return views.registration(reg)


@api.get("/listings/{listing_id}/registrations/me", response_model=RegistrationView)
def my_registration(
    listing_id: int, session: Session = Depends(get_session), actor: Principal = Depends(bidder)
) -> dict[str, Any]:
    return views.registration(bidding.own_registration(session, listing_id, actor))


@api.post("/listings/{listing_id}/onsite-requests", response_model=RegistrationView)
def request_onsite(
    listing_id: int, session: Session = Depends(get_session), actor: Principal = Depends(bidder)
) -> dict[str, Any]:
    """Declare that the caller still wants to bid at the listing's deadline (挂牌 only)."""
    with transaction(session):
        reg = bidding.request_onsite(session, listing_id, actor)
    return views.registration(reg)


# Bids are the hot path: the caller is checked on the event loop from a cache of decoded
# tokens, and the decision is one statement awaited on an async connection (trading/live_bids.py).
# An app whose sessions are overridden (the tests' rolled-back session) decides on that
# session instead, in a thread, with the same statement and rules.


async def bidder_on_loop(request: Request, token: str | None = Depends(oauth2_scheme)) -> Principal:
    """The same check as ``require_role(BIDDER, admin=False)``, run on the event loop."""
    principal = await principal_on_loop(request, token)  # token and user state (identity)
    if principal is None:
        raise NotAuthenticated(
            "sign in first: send 'Authorization: Bearer <token>'", field="Authorization"
        )
    if principal.role != BIDDER:
        raise PermissionDenied(f"role {principal.role.value!r} may not do this; needs bidder")
    return principal


def bid_in_session(
    session: Session, listing_id: int, amount: Any, actor: Principal
) -> dict[str, object]:
    """One bid on a caller's session, as its own unit of work (tests, sealed bids)."""
    with transaction(session):
        return bidding.place_bid(session, listing_id, amount, actor)


@api.post(
    "/listings/{listing_id}/bids",
    status_code=201,
    response_model=None,  # the hot path answers its own JSON; the contract is BidPlaced
    responses={
        **answers(BidPlaced, status=201),
        **problems(
            s403="未报名本宗地；not registered for this listing",
            s409="出价过低、保证金未交或不在竞价时间；bid too low, deposit unpaid or not open",
        ),
    },
)
async def place_bid(
    listing_id: int,
    body: BidIn,
    request: Request,
    actor: Principal = Depends(bidder_on_loop),
) -> Response:
    """Bid (bidder). Server time decides; the database serializes bids on one listing.

    The answer is small: sequence number, amount, time placed and the (new) deadline.
    """
    session_override = request.app.dependency_overrides.get(get_session)
    if session_override is None:
        conns = live_bids.bid_connections(request)
        result = await live_bids.place_bid(listing_id, body.amount, actor, conns)
    else:
        result = await anyio.to_thread.run_sync(
            bid_in_session, session_override(), listing_id, body.amount, actor
        )
    return Response(json.dumps(result), status_code=201, media_type="application/json")


def _filters(
    district: str | None = None,
    land_use: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> stats.Filters:
    return stats.Filters(district, land_use, date_from, date_to)


def _csv(text: str, name: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@api.get("/records", response_model=None, responses=json_or_csv(list[RecordPublic]))
def records(
    filters: stats.Filters = Depends(_filters),
    format: Literal["json", "csv"] = "json",
    limit: int = Query(1000, ge=1, le=10000),
    offset: int = Query(0, ge=0),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]] | Response:
    """Public history of sales (district, land use, period filters); JSON or CSV."""
    rows = stats.history(session, filters, limit, offset)
    return _csv(stats.to_csv(rows), "transactions") if format == "csv" else rows


@api.get("/statistics", response_model=None, responses=json_or_csv(list[StatisticsRow]))
def statistics(
    filters: stats.Filters = Depends(_filters),
    format: Literal["json", "csv"] = "json",
    session: Session = Depends(get_read_session),  # public read: replica (#15)
) -> list[dict[str, Any]] | Response:
    """Count, area, total and median price per m² by month and class; JSON or CSV."""
    rows = stats.statistics(session, filters)
    return _csv(stats.to_csv(rows), "statistics") if format == "csv" else rows


api.include_router(api_deposits.api)
router.include_router(api)
router.include_router(pages.router)
