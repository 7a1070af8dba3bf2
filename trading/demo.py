"""A few listings in the demo district, made through the trading services.

Not called from anywhere shared; run it with ``python -m trading.demo`` after
``landgis setup`` (or wire :func:`load_demo_listings` into the demo loader). It adds:
an upcoming listing (挂牌), an open listing with two bids, an open auction (拍卖), and
one auction already sold with its result published (record, contract, cadastre case).
Demo bidders get random passwords: to bid yourself, add a user with the bidder role.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from shapely import wkb
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gis.auth.models import User
from gis.auth.roles import Role
from gis.auth.service import Principal, add_user
from gis.db import transaction
from gis.planning import compliance
from trading import bidding, clock, deposits, service
from trading.models import Listing
from trading.schemas import ListingCreate, RegistrationIn

COMPANIES = [
    ("东莞示范置业有限公司", "91441900MA4UABCD1W"),
    ("广东示范城市发展有限公司", "91441900707654321X"),
]


def _user(session: Session, name: str, role: str) -> Principal:
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        user = add_user(session, name, secrets.token_urlsafe(16), role, name)
    return Principal(user.id, user.username, Role(user.role))


def _free_parcels(session: Session, wanted: int) -> list[tuple[str, str]]:
    """Compliant state-owned construction parcels not offered by any listing yet.

    Only land the state may sell at a public land auction: state ownership with a
    construction-land use right (宗地特征码 ``GB``), and no rural homestead (0702, which
    is collective land and never goes to auction). Uses alternate between commerce (05),
    industry (06) and housing (07), so the demo shows each kind of sale."""
    rows = session.execute(
        text(
            "SELECT unit_code, land_use, ST_AsBinary(geom) FROM parcel p "
            "WHERE end_lifespan IS NULL AND left(land_use, 2) IN ('05', '06', '07') "
            "AND substr(unit_code, 13, 2) = 'GB' AND land_use <> '0702' "
            "AND NOT EXISTS (SELECT 1 FROM trading_listing_parcel t "
            "WHERE t.unit_code = p.unit_code) "
            "ORDER BY row_number() OVER (PARTITION BY left(land_use, 2) ORDER BY id), "
            "left(land_use, 2) LIMIT 400"
        )
    ).all()
    found: list[tuple[str, str]] = []
    for code, use, geom in rows:
        if compliance.check(session, wkb.loads(bytes(geom)), use).verdict == "compliant":
            found.append((code, use))
            if len(found) == wanted:
                break
    return found


def _terms(
    parcel: tuple[str, str], method: str, start: datetime, runs: timedelta
) -> dict[str, Any]:
    return {
        "title": f"示范地块 demo plot {parcel[0][12:19]}",
        "method": method,
        "unit_codes": [parcel[0]],
        "land_use": parcel[1],
        "far_min": "1.0",
        "far_max": "2.8",
        "term_years": 70 if parcel[1].startswith("07") else 40,
        "start_price": "8000000.00",
        "increment": "100000.00",
        "deposit": "1600000.00",
        "reserve_price": "8500000.00",
        "announcement_date": (clock.local_date(start) - timedelta(days=21)).isoformat(),
        "bid_start": start.isoformat(),
        "bid_end": (start + runs).isoformat(),
    }


def _publish(session: Session, registrar: Principal, body: dict[str, Any]) -> Listing:
    listing = service.create_listing(session, ListingCreate.model_validate(body), registrar)
    announced = datetime.fromisoformat(body["announcement_date"] + "T09:00:00+08:00")
    return service.publish_listing(session, listing.id, now=announced)


def _bidders(
    session: Session, listing: Listing, people: list[Principal], cashier: Principal
) -> None:
    """Register the demo companies; the demo cashier confirms their deposits."""
    for who, (name, code) in zip(people, COMPANIES, strict=True):
        party = RegistrationIn(kind="legal", name=name, id_number=code)
        reg = bidding.register(session, listing.id, party, who)
        reference = f"DEMO-{listing.code}-{reg.bidder_no}"
        deposits.confirm_by_staff(
            session, listing.id, reg.id, Decimal(listing.deposit), reference, cashier
        )


def load_demo_listings(session: Session) -> list[str]:
    """Add the demo listings; returns their codes. One unit of work: commits at the end."""
    with transaction(session):
        return _load(session)


def _load(session: Session) -> list[str]:
    now = clock.now()
    registrar = _user(session, "demo-registrar", "registrar")
    people = [_user(session, f"demo-bidder-{i}", "bidder") for i in (1, 2)]
    cashier = _user(session, "demo-cashier", "cashier")
    parcels = _free_parcels(session, 4)
    if len(parcels) < 4:
        return []
    upcoming = _publish(
        session,
        registrar,
        _terms(parcels[0], "listing", now + timedelta(days=21), timedelta(days=10)),
    )
    open_listing = _publish(
        session,
        registrar,
        _terms(parcels[1], "listing", now - timedelta(days=2), timedelta(days=10)),
    )
    _bidders(session, open_listing, people, cashier)
    bidding.place_bid(session, open_listing.id, Decimal("8000000.00"), people[0])
    bidding.place_bid(session, open_listing.id, Decimal("8200000.00"), people[1])
    auction = _publish(
        session,
        registrar,
        _terms(parcels[2], "auction", now - timedelta(hours=1), timedelta(days=3)),
    )
    _bidders(session, auction, people, cashier)
    sold = _publish(
        session,
        registrar,
        _terms(parcels[3], "auction", now - timedelta(hours=1), timedelta(minutes=90)),
    )
    _bidders(session, sold, people, cashier)
    bidding.place_bid(session, sold.id, Decimal("8600000.00"), people[1])
    service.close_listing(session, sold.id, now=sold.deadline + timedelta(seconds=1))
    service.publish_result(session, sold.id, registrar)
    return [x.code for x in (upcoming, open_listing, auction, sold)]


def main() -> None:
    from gis.db import session_factory

    with session_factory()() as session:
        codes = load_demo_listings(session)
    print("demo listings:", ", ".join(codes) or "none (no free compliant parcels)")


if __name__ == "__main__":
    main()
