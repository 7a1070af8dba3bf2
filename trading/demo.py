"""The demo land market: 24 listings in the demo district, one or more in every state a
listing can show (upcoming, open, awaiting close, on-site, closed, result published), made
through the trading services so every rule holds, and deterministic (a fixed seed).

Dates are relative to "now", so the states are right whenever the demo is loaded. Sales
whose bidding lies in the past get a recorded bid history (:func:`_history`: the bidding
service only takes bids at the database's present instant); their results are published
as of their own dates, so the records, contracts and statistics span about two years.
Only state land with a construction-land use right is sold (住宅 07, 商服 05, 工业 06;
never rural homestead 0702, never collective land). Called by ``landgis demo load``.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shapely import wkb
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cadastre.registry.identity import credit_code_check_char
from gis import landuse
from gis.auth.models import User
from gis.auth.roles import Role
from gis.auth.service import Principal, add_user
from gis.basemap.repository import nearest_road_sql
from gis.db import transaction
from gis.planning import compliance
from trading import bidding, clock, deposits, repository, service
from trading.demo_terms import PLANS, Plan, bid_amounts, prices
from trading.models import Bid, Listing, Registration, TransactionRecord
from trading.schemas import ListingCreate, RegistrationIn
from trading.settings import get_trading_settings

SEED = 14
REGISTRAR = "demo-registrar"
COMPANIES = [
    "东莞示范置业有限公司",
    "广东示范城市发展有限公司",
    "东莞松湖智造实业有限公司",
    "东莞水乡商业管理有限公司",
]


@dataclass(frozen=True)
class Parcel:
    """A parcel the demo may sell: unit code, use, area (m²) and its place (town, road)."""

    unit_code: str
    land_use: str
    area_m2: Decimal
    town: str
    road: str


@dataclass(frozen=True)
class DemoSale:
    """A sold demo listing: what post-sale monitoring needs (parcels and the sale date)."""

    listing_id: int
    code: str
    unit_codes: list[str]
    land_use: str
    deal_date: date


def _user(session: Session, name: str, role: str) -> Principal:
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        user = add_user(session, name, secrets.token_urlsafe(16), role, name)
    return Principal(user.id, user.username, Role(user.role))


FREE_PARCELS_SQL = text(
    "SELECT p.unit_code, p.land_use, p.area_m2, ST_AsBinary(p.geom), z.name AS zone, "
    f"{nearest_road_sql('p.geom')} AS road "
    "FROM parcel p LEFT JOIN cadastral_zone z ON z.code = left(p.subzone_code, 9) "
    "WHERE p.end_lifespan IS NULL AND left(p.land_use, 2) IN ('05', '06', '07') "
    "AND substr(p.unit_code, 13, 2) = 'GB' AND p.land_use <> '0702' "
    "AND NOT EXISTS (SELECT 1 FROM trading_listing_parcel t WHERE t.unit_code = p.unit_code) "
    "ORDER BY row_number() OVER (PARTITION BY z.code, left(p.land_use, 2) ORDER BY p.id), "
    "z.code, left(p.land_use, 2) LIMIT 400"
)


def _free_parcels(session: Session, wanted: int) -> list[Parcel]:
    """Compliant state-owned construction parcels not offered by any listing yet.

    Only land the state may sell at a public land auction: state ownership with a
    construction-land use right (宗地特征码 ``GB``), and no rural homestead (0702, which
    is collective land and never goes to auction). Uses alternate between commerce (05),
    industry (06) and housing (07), and towns take turns, so the demo shows each kind of
    sale all over the district."""
    found: list[Parcel] = []
    for code, use, area, geom, zone, road in session.execute(FREE_PARCELS_SQL):
        if compliance.check(session, wkb.loads(bytes(geom)), use).verdict == "compliant":
            town = (zone or "").removesuffix("地籍区")
            found.append(Parcel(code, use, Decimal(area), town, road or ""))
            if len(found) == wanted:
                break
    return found


def _terms(rng: random.Random, parcel: Parcel, plan: Plan, now: datetime) -> dict[str, Any]:
    start = (now + plan.opens).replace(minute=0, second=0, microsecond=0)
    if abs(plan.opens) >= timedelta(days=1) and plan.state != "onsite":
        start = start.replace(hour=9)  # day-long windows open at 09:00
    use_zh = landuse.names(parcel.land_use)[0]
    return {
        "title": f"{parcel.town}{parcel.road}{use_zh}地块",
        "method": plan.method,
        "unit_codes": [parcel.unit_code],
        "land_use": parcel.land_use,
        **prices(rng, parcel.land_use, parcel.area_m2),
        "announcement_date": (clock.local_date(start) - timedelta(days=21)).isoformat(),
        "bid_start": start.isoformat(),
        "bid_end": (start + plan.runs).isoformat(),
    }


def _publish(session: Session, registrar: Principal, body: dict[str, Any]) -> Listing:
    listing = service.create_listing(session, ListingCreate.model_validate(body), registrar)
    announced = datetime.fromisoformat(body["announcement_date"] + "T09:00:00").replace(
        tzinfo=clock.zone()
    )
    return service.publish_listing(session, listing.id, now=announced)


def _company(index: int) -> RegistrationIn:
    first17 = f"914419007{index:08d}"
    return RegistrationIn(
        kind="legal", name=COMPANIES[index], id_number=first17 + credit_code_check_char(first17)
    )


def _register(
    session: Session, listing: Listing, people: list[Principal], cashier: Principal, n: int
) -> list[Registration]:
    """Register ``n`` demo companies (before bidding opens, or now if it is open already);
    the demo cashier confirms their deposits."""
    when = min(clock.now(), listing.bid_start - timedelta(days=2))
    regs = []
    for i, who in enumerate(people[:n]):
        reg = bidding.register(session, listing.id, _company(i), who, now=when)
        reference = f"DEMO-{listing.code}-{reg.bidder_no}"
        deposits.confirm_by_staff(
            session, listing.id, reg.id, Decimal(listing.deposit), reference, cashier, now=when
        )
        regs.append(reg)
    return regs


def _history(
    session: Session, rng: random.Random, listing: Listing, regs: list[Registration], sell: bool
) -> None:
    """A recorded bid history inside a window that lies in the past: open bids rising by
    whole increments from alternating bidders (an auction's countdown restarts at each), or
    one sealed bid per bidder for a tender. Mirrors what the bidding statement writes."""
    if not regs:
        return
    start, reserve = Decimal(listing.start_price), Decimal(listing.reserve_price)
    amounts = bid_amounts(rng, start, Decimal(listing.increment), reserve, sell)
    tender = listing.method == "tender"
    if tender:  # one sealed bid per bidder, the best one last
        others = rng.sample(amounts[:-1], min(len(regs) - 1, len(amounts) - 1))
        amounts = [*sorted(others), amounts[-1]]
    order = rng.sample(regs, len(regs))
    span = (listing.bid_end - listing.bid_start) * 0.8
    countdown = timedelta(seconds=get_trading_settings().countdown_seconds)
    for seq, amount in enumerate(amounts, start=1):
        placed = listing.bid_start + span * seq / (len(amounts) + 1)
        session.add(
            Bid(
                listing_id=listing.id,
                registration_id=order[(seq - 1) % len(order)].id,
                seq=seq,
                amount=amount,
                sealed=tender,
                phase="sealed" if tender else "online",
                placed_at=placed,
            )
        )
        listing.bid_count, listing.last_bid_at = seq, placed
        if not tender:
            listing.current_price = amount
        if listing.method == "auction":
            listing.deadline = max(listing.deadline, placed + countdown)
    session.flush()


def _open_bids(session: Session, listing: Listing, people: list[Principal], n: int) -> None:
    """Bids placed now through the bidding service (the listing is open)."""
    for i in range(n):
        least = Decimal(listing.current_price or 0) + Decimal(listing.increment)
        amount = Decimal(listing.start_price) if i == 0 else least
        bidding.place_bid(session, listing.id, amount, people[i % 2])
        session.refresh(listing)


def load_demo_listings(session: Session) -> list[str]:
    """Add the demo listings; returns their codes. One unit of work: commits at the end."""
    with transaction(session):
        return _load(session)


def _load(session: Session) -> list[str]:
    now = clock.now()
    rng = random.Random(SEED)
    registrar = _user(session, REGISTRAR, "registrar")
    people = [_user(session, f"demo-bidder-{i}", "bidder") for i in range(1, 5)]
    cashier = _user(session, "demo-cashier", "cashier")
    parcels = _free_parcels(session, len(PLANS))
    codes = []
    for plan, parcel in zip(PLANS, parcels, strict=False):
        listing = _publish(session, registrar, _terms(rng, parcel, plan, now))
        _make_state(session, rng, listing, plan, (registrar, cashier, people))
        codes.append(listing.code)
    return codes


def _make_state(
    session: Session,
    rng: random.Random,
    listing: Listing,
    plan: Plan,
    staff: tuple[Principal, Principal, list[Principal]],
) -> None:
    """Bring a published listing into the state its plan names."""
    registrar, cashier, people = staff
    regs = _register(session, listing, people, cashier, plan.bidders) if plan.bidders else []
    if plan.state in ("upcoming", "open"):
        _open_bids(session, listing, people, plan.open_bids)
        return
    _history(session, rng, listing, regs, sell=plan.state != "no_sale")
    if plan.state == "awaiting_close":
        return
    if plan.state == "onsite":
        for who in people[:2]:
            bidding.request_onsite(session, listing.id, who, now=listing.bid_start + timedelta(1))
        service.close_listing(session, listing.id, now=clock.now())
        return
    closed_at = listing.deadline + timedelta(seconds=1)
    service.close_listing(session, listing.id, now=closed_at)
    if plan.state in ("sold", "no_sale"):
        service.publish_result(session, listing.id, registrar, now=closed_at + timedelta(days=1))


def demo_sales(session: Session) -> list[DemoSale]:
    """The demo's sold listings (result published), oldest sale first: for post-sale
    monitoring (闲置土地, 开竣工) which needs parcels sold one to two years ago."""
    rows = session.execute(
        select(Listing, TransactionRecord.deal_date)
        .join(TransactionRecord, TransactionRecord.listing_id == Listing.id)
        .join(User, User.id == Listing.created_by)
        .where(User.username == REGISTRAR, Listing.status == "result_published")
        .order_by(TransactionRecord.deal_date)
    ).all()
    return [
        DemoSale(
            listing.id,
            listing.code,
            [p.unit_code for p in repository.listing_parcels(session, listing.id)],
            listing.land_use,
            deal_date,
        )
        for listing, deal_date in rows
    ]


def main() -> None:
    from gis.db import Database

    with Database() as database, database.session() as session:
        codes = load_demo_listings(session)
    print("demo listings:", ", ".join(codes) or "none (no free compliant parcels)")


if __name__ == "__main__":
    main()
