"""All SQL of land trading. Never commits: the services own the transaction.

Geometries are EPSG:4490; areas m² (computed in EPSG:4547 by the cadastre).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from trading import bid_rules
from trading.models import Bid, Listing, ListingParcel, Registration

ACTIVE = ("published", "closed", "onsite")


def current_parcels(session: Session, unit_codes: list[str]) -> list[Any]:
    """Current versions of the parcels with these unit codes (geometry as WKB, EPSG:4490)."""
    sql = text(
        "SELECT id, unit_code, parcel_code, subzone_code, land_use, area_m2, "
        "ST_AsBinary(geom) AS wkb FROM parcel "
        "WHERE unit_code = ANY(:codes) AND end_lifespan IS NULL ORDER BY unit_code"
    )
    return list(session.execute(sql, {"codes": unit_codes}))


def union_of_parcels(session: Session, parcel_ids: list[int]) -> str:
    """The union of parcels as one EWKT MultiPolygon (EPSG:4490)."""
    sql = text(
        "SELECT ST_AsEWKT(ST_Multi(ST_CollectionExtract(ST_Union(geom), 3))) "
        "FROM parcel WHERE id = ANY(:ids)"
    )
    return str(session.execute(sql, {"ids": parcel_ids}).scalar_one())


def parcels_in_other_listings(
    session: Session, unit_codes: list[str], listing_id: int
) -> list[str]:
    """Unit codes already offered by another published, closed or on-site listing."""
    stmt = (
        select(ListingParcel.unit_code)
        .join(Listing, Listing.id == ListingParcel.listing_id)
        .where(
            ListingParcel.unit_code.in_(unit_codes),
            Listing.id != listing_id,
            Listing.status.in_(ACTIVE),
        )
    )
    return list(session.scalars(stmt))


def listing(session: Session, listing_id: int, *, lock: bool = False) -> Listing | None:
    """One listing, fresh from the database (bids move it with plain SQL).

    ``lock`` takes the row lock (SELECT ... FOR UPDATE) that serializes bids.
    """
    stmt = select(Listing).where(Listing.id == listing_id)
    if lock:
        stmt = stmt.with_for_update()
    options = {"populate_existing": True}
    return session.execute(stmt, execution_options=options).scalar_one_or_none()


def listing_parcels(session: Session, listing_id: int) -> list[ListingParcel]:
    stmt = select(ListingParcel).where(ListingParcel.listing_id == listing_id)
    return list(session.scalars(stmt.order_by(ListingParcel.unit_code)))


def registration(session: Session, listing_id: int, user_id: int) -> Registration | None:
    stmt = select(Registration).where(
        Registration.listing_id == listing_id, Registration.user_id == user_id
    )
    return session.scalar(stmt)


def registrations(session: Session, listing_id: int) -> list[Registration]:
    stmt = select(Registration).where(Registration.listing_id == listing_id)
    return list(session.scalars(stmt.order_by(Registration.id)))


def bidder_numbers(session: Session, listing_id: int) -> set[str]:
    stmt = select(Registration.bidder_no).where(Registration.listing_id == listing_id)
    return set(session.scalars(stmt))


def bids(session: Session, listing_id: int) -> list[Bid]:
    stmt = select(Bid).where(Bid.listing_id == listing_id).order_by(Bid.seq)
    return list(session.scalars(stmt))


def sealed_bid_of(session: Session, registration_id: int) -> Bid | None:
    return session.scalar(select(Bid).where(Bid.registration_id == registration_id))


@dataclass(frozen=True)
class BidContext:
    """What a bid decision needs, read in one round trip (no lock)."""

    method: str
    status: str
    start_price: Decimal
    increment: Decimal
    current_price: Decimal | None
    bid_start: datetime
    deadline: datetime
    registration_id: int | None
    deposit_status: str | None
    wants_onsite: bool | None


BID_CONTEXT_SQL = text(
    "SELECT l.method, l.status, l.start_price, l.increment, l.current_price, l.bid_start, "
    "l.deadline, r.id AS registration_id, r.deposit_status, r.wants_onsite "
    "FROM trading_listing l LEFT JOIN trading_registration r "
    "ON r.listing_id = l.id AND r.user_id = :user_id WHERE l.id = :listing_id"
)
LOCK_SQL = text(
    "SELECT method, status, start_price, increment, current_price, bid_start, deadline, "
    "bid_count FROM trading_listing WHERE id = :listing_id FOR UPDATE"
)
SEALED_SQL = text(
    "WITH b AS (INSERT INTO trading_bid "
    "(listing_id, registration_id, seq, amount, sealed, phase, placed_at) "
    "VALUES (:listing_id, :registration_id, :seq, :amount, true, 'sealed', :placed_at)) "
    "UPDATE trading_listing SET bid_count = :seq, last_bid_at = :placed_at WHERE id = :listing_id"
)


# The facts of trading.bid_rules as the decision statement spells them: the listing row as
# locked (l), the caller's registration (ctx), the database clock and the bid's amount.
BID_FACT_COLUMNS = {
    "registration_id": "ctx.registration_id",
    "deposit_status": "ctx.deposit_status",
    "wants_onsite": "ctx.wants_onsite",
    **{c: f"l.{c}" for c in ("method", "status", "start_price", "increment", "current_price")},
    "bid_start": "l.bid_start",
    "deadline": "l.deadline",
    "now": "clock_timestamp()",
    "amount": "%(amount)s",
}


# One self-committing statement decides and records an open bid (one round trip, no ORM).
# ``ctx`` reads the listing and the caller's registration as of the statement's start.
# ``moved`` takes the listing's row lock; a concurrent bid waits for it and then (READ
# COMMITTED) re-checks the WHERE clause against the row the winner left behind, so each
# accepted bid is compared with the price of the one accepted just before it. The
# conditions are trading.bid_rules.OPEN_BID compiled to SQL (the same rules that say
# why a bid was refused): a paid-up registration, the window (server clock), who may bid
# on-site, and amount >= current + increment (or >= start price for the first bid). The
# countdown restarts for auctions and on-site auctions, from the very instant recorded
# as the bid's time (one clock read: rules.deadline_after_bid). ``bid``
# records the accepted bid. The row back always carries ``ctx`` (to explain a refusal)
# and, if accepted, the bid; no row means no such listing. Parameters are in the
# driver's %(name)s style, so the same text runs on a Session (exec_driver_sql) and on
# the async psycopg connections of trading/live_bids.py.
DECIDE_BID_SQL = """
WITH ctx AS (
  SELECT l.id, l.method, l.status, l.start_price, l.increment, l.current_price,
         l.bid_start, l.deadline, r.id AS registration_id, r.deposit_status, r.wants_onsite,
         clock_timestamp() AS now
    FROM trading_listing l
    LEFT JOIN trading_registration r ON r.listing_id = l.id AND r.user_id = %(user_id)s
   WHERE l.id = %(listing_id)s
),
moved AS (
  UPDATE trading_listing AS l
     SET current_price = %(amount)s,
         bid_count = l.bid_count + 1,
         (last_bid_at, deadline) = (
           SELECT c.t, CASE
             WHEN l.method = 'auction' OR l.status = 'onsite'
             THEN greatest(l.deadline, c.t + make_interval(secs => %(countdown)s))
             ELSE l.deadline END
             FROM (SELECT clock_timestamp() AS t) c)
    FROM ctx
   WHERE l.id = ctx.id
     AND {OPEN_BID_CONDITION}
  RETURNING l.id, l.bid_count, l.status, l.last_bid_at, l.deadline, ctx.registration_id
),
bid AS (
  INSERT INTO trading_bid (listing_id, registration_id, seq, amount, sealed, phase, placed_at)
  SELECT id, registration_id, bid_count, %(amount)s, false,
         CASE WHEN status = 'onsite' THEN 'onsite' ELSE 'online' END, last_bid_at
    FROM moved
  RETURNING seq, placed_at
)
SELECT c.method, c.status, c.start_price, c.increment, c.current_price, c.bid_start,
       c.deadline, c.registration_id, c.deposit_status, c.wants_onsite, c.now,
       b.seq, b.placed_at, (SELECT m.deadline FROM moved m) AS new_deadline
  FROM ctx c LEFT JOIN bid b ON true
""".replace("{OPEN_BID_CONDITION}", bid_rules.sql_condition(bid_rules.OPEN_BID, BID_FACT_COLUMNS))
LISTING_NOW_DRIVER_SQL = (
    "SELECT method, status, start_price, increment, current_price, bid_start, deadline, "
    "clock_timestamp() AS now FROM trading_listing WHERE id = %(listing_id)s"
)


@dataclass(frozen=True)
class BidDecision(BidContext):
    """One row of DECIDE_BID_SQL: the listing and registration as read, and the bid if any."""

    now: datetime
    seq: int | None
    placed_at: datetime | None
    new_deadline: datetime | None


def decision_params(
    listing_id: int, user_id: int, amount: Decimal, countdown: int
) -> dict[str, Any]:
    return {"listing_id": listing_id, "user_id": user_id, "amount": amount, "countdown": countdown}


def decide_bid(session: Session, params: dict[str, Any]) -> BidDecision | None:
    """Run the one-statement decision on the session's connection (see DECIDE_BID_SQL)."""
    row = session.connection().exec_driver_sql(DECIDE_BID_SQL, params).first()
    return None if row is None else BidDecision(*row)


def bid_context(session: Session, listing_id: int, user_id: int) -> BidContext | None:
    row = session.execute(BID_CONTEXT_SQL, {"listing_id": listing_id, "user_id": user_id}).first()
    return None if row is None else BidContext(**row._mapping)


def lock_for_bid(session: Session, listing_id: int) -> Any:
    """Lock the listing row until commit (sealed tender bids wait here, in order)."""
    return session.execute(LOCK_SQL, {"listing_id": listing_id}).one()


def record_sealed_bid(session: Session, **values: Any) -> None:
    session.execute(SEALED_SQL, values)


@dataclass(frozen=True)
class ListingNow:
    """A listing's bidding state and the database clock, read fresh (no lock)."""

    method: str
    status: str
    start_price: Decimal
    increment: Decimal
    current_price: Decimal | None
    bid_start: datetime
    deadline: datetime
    now: datetime


def listing_now(session: Session, listing_id: int) -> ListingNow | None:
    """The listing's bidding state and the database clock, read fresh (no lock)."""
    params = {"listing_id": listing_id}
    row = session.connection().exec_driver_sql(LISTING_NOW_DRIVER_SQL, params).first()
    return None if row is None else ListingNow(*row)


def search_listings(
    session: Session, status: str | None, method: str | None, limit: int, offset: int
) -> list[Listing]:
    stmt = select(Listing).where(Listing.status != "draft")
    if status:
        stmt = stmt.where(Listing.status == status)
    if method:
        stmt = stmt.where(Listing.method == method)
    stmt = stmt.order_by(Listing.bid_start.desc(), Listing.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def all_listings(session: Session, include_drafts: bool) -> list[Listing]:
    stmt = select(Listing)
    if not include_drafts:
        stmt = stmt.where(Listing.status != "draft")
    return list(session.scalars(stmt.order_by(Listing.id)))


def listings_due(session: Session, now: datetime) -> list[int]:
    stmt = select(Listing.id).where(
        Listing.status.in_(("published", "onsite")), Listing.deadline <= now
    )
    return list(session.scalars(stmt.order_by(Listing.id)))


CLAIM_DUE_SQL = text(
    "SELECT id FROM trading_listing WHERE id = :id AND status IN ('published', 'onsite') "
    "AND deadline <= :now FOR UPDATE SKIP LOCKED"
)


def claim_due(session: Session, listing_id: int, now: datetime) -> bool:
    """Row-lock a listing that is still due, unless another transaction holds it (then False).

    The lock lasts until commit; a second closer skips the listing instead of waiting
    for it and then finding it closed.
    """
    row = session.execute(CLAIM_DUE_SQL, {"id": listing_id, "now": now}).first()
    return row is not None


def listing_etag(session: Session, listing_id: int) -> str:
    """The entity tag of a listing: a digest of its whole row and its parcels (unquoted)."""
    sql = text(
        "SELECT md5(l::text || coalesce((SELECT string_agg(p::text, '|' ORDER BY p.unit_code) "
        "FROM trading_listing_parcel p WHERE p.listing_id = l.id), '')) "
        "FROM trading_listing l WHERE l.id = :id"
    )
    return str(session.execute(sql, {"id": listing_id}).scalar_one())


def listing_geojson(session: Session, listing_id: int) -> Any:
    sql = text("SELECT ST_AsGeoJSON(geom, 7)::json FROM trading_listing WHERE id = :id")
    return session.execute(sql, {"id": listing_id}).scalar_one()


def map_rows(session: Session) -> list[Any]:
    """Published listings with their geometry as GeoJSON (EPSG:4490) for the auction map."""
    sql = text(
        "SELECT id, ST_AsGeoJSON(geom, 7)::json AS geometry, "
        "ST_Y(ST_PointOnSurface(geom)) AS lat, ST_X(ST_PointOnSurface(geom)) AS lon "
        "FROM trading_listing WHERE status <> 'draft' ORDER BY id"
    )
    return list(session.execute(sql))


def next_contract_serial(session: Session, year: int) -> int:
    sql = text("SELECT count(*) FROM trading_contract WHERE contract_no LIKE :prefix")
    return int(session.execute(sql, {"prefix": f"CR-{year}-%"}).scalar_one()) + 1


def next_listing_id(session: Session) -> int:
    """A fresh listing id from the table's identity sequence (the code is made from it)."""
    sql = text("SELECT nextval(pg_get_serial_sequence('trading_listing', 'id'))")
    return int(session.execute(sql).scalar_one())


RECORD_FILTER = (
    "WHERE (CAST(:district AS text) IS NULL OR r.district_code = :district) "
    "AND (CAST(:land_use AS text) IS NULL OR r.land_use LIKE :land_use || '%') "
    "AND (CAST(:date_from AS date) IS NULL OR r.deal_date >= :date_from) "
    "AND (CAST(:date_to AS date) IS NULL OR r.deal_date <= :date_to)"
)


def records(session: Session, filters: dict[str, Any], limit: int, offset: int) -> list[Any]:
    sql = text(
        "SELECT r.id, l.code AS listing_code, r.listing_id, r.buyer_name, r.method, r.land_use, "
        "r.district_code, z.name AS district_name, r.area_m2, r.price, r.price_per_m2, "
        "r.price_per_floor_m2, r.deal_date FROM trading_record r "
        "JOIN trading_listing l ON l.id = r.listing_id "
        "LEFT JOIN cadastral_zone z ON z.code = r.district_code "
        f"{RECORD_FILTER} ORDER BY r.deal_date DESC, r.id DESC LIMIT :limit OFFSET :offset"
    )
    return list(session.execute(sql, {**filters, "limit": limit, "offset": offset}))


def statistics(session: Session, filters: dict[str, Any]) -> list[Any]:
    """Count, area, total price and median price per m² by month and first-level class."""
    sql = text(
        "SELECT to_char(r.deal_date, 'YYYY-MM') AS month, left(r.land_use, 2) AS land_class, "
        "count(*) AS count, sum(r.area_m2) AS area_m2, sum(r.price) AS total_price, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY r.price_per_m2) AS median_price_per_m2 "
        f"FROM trading_record r {RECORD_FILTER} GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return list(session.execute(sql, filters))


def deal_dates(session: Session) -> tuple[date | None, date | None]:
    row = session.execute(text("SELECT min(deal_date), max(deal_date) FROM trading_record")).one()
    return row[0], row[1]
