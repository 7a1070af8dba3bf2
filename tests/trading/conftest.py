"""Fixtures of the trading tests: compliant parcels, users of each role, listings in any phase."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from shapely import wkb
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre.registry.identity import credit_code_check_char, id_card_check_char
from gis.auth.models import User
from gis.auth.roles import Role
from gis.auth.service import Principal, add_user, issue_token
from gis.db import transaction
from gis.planning import compliance
from trading import bidding, clock, deposits, service
from trading.models import Listing
from trading.schemas import ListingCreate, RegistrationIn

COMPANY_CODE = "91441900MA4UABCD1W"


def company_code(serial: int) -> str:
    """A valid unified social credit code (GB 32100 check character) made from ``serial``."""
    first17 = f"91441900{serial % 10**9:09d}"
    return first17 + credit_code_check_char(first17)


def id_card(serial: int) -> str:
    """A valid resident ID-card number (GB 11643 check character) made from ``serial``."""
    first17 = f"44190019800101{serial % 1000:03d}"
    return first17 + id_card_check_char(first17)


def staff(session: Session, role: str = "cashier") -> Principal:
    """The test cashier (or other staff member), made once per session's transaction."""
    name = f"t-staff-{role}"
    user = session.query(User).filter_by(username=name).one_or_none()
    if user is None:
        user = User(username=name, role=role, password_hash="x", full_name=name)
        session.add(user)
        session.flush()
    return Principal(user.id, user.username, Role(user.role))


@pytest.fixture(scope="session")
def free_parcels(engine: Engine) -> list[tuple[str, str]]:
    """(unit code, land use) of construction parcels that pass the planning check."""
    found: list[tuple[str, str]] = []
    with Session(engine) as session:
        rows = session.execute(
            text(
                "SELECT unit_code, land_use, ST_AsBinary(geom) FROM parcel "
                "WHERE end_lifespan IS NULL AND left(land_use, 2) IN ('05', '06', '07') "
                "ORDER BY id"
            )
        ).all()
        for code, land_use, geom in rows:
            if compliance.check(session, wkb.loads(bytes(geom)), land_use).verdict == "compliant":
                found.append((code, land_use))
            if len(found) >= 40:
                break
    assert len(found) >= 20, "the test district needs compliant construction parcels"
    return found


@dataclass
class Person:
    principal: Principal
    headers: dict[str, str]


@pytest.fixture
def person(db: Session) -> Callable[[str, str], Person]:
    """``person("bidder", "b1")``: a new user of that role, with a bearer token."""

    def make(role: str, name: str) -> Person:
        user = add_user(db, f"t-{name}", "correct horse battery", role, f"Test {name}")
        token = issue_token(user)
        return Person(
            Principal(user.id, user.username, Role(user.role)),
            {"Authorization": f"Bearer {token}"},
        )

    return make


def act(db: Session, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a trading service as an entry point would: in its own unit of work (services
    only flush; in the rolled-back test session the commit releases a savepoint)."""
    with transaction(db):
        return fn(db, *args, **kwargs)


def terms(
    unit_codes: list[str],
    land_use: str,
    method: str = "listing",
    now: datetime | None = None,
    opens_in: timedelta = timedelta(hours=-1),
    runs: timedelta = timedelta(days=11),
    announced_days_before: int = 21,
    **over: Any,
) -> dict[str, Any]:
    """JSON-ready listing terms whose bidding opens ``opens_in`` from ``now``."""
    now = now or clock.now()
    start = now + opens_in
    body: dict[str, Any] = {
        "title": "测试地块 test plot",
        "method": method,
        "unit_codes": unit_codes,
        "land_use": land_use,
        "far_min": "1.00",
        "far_max": "2.50",
        "term_years": 70,
        "start_price": "1000000.00",
        "increment": "10000.00",
        "deposit": "200000.00",
        "reserve_price": "1050000.00",
        "announcement_date": (
            clock.local_date(start) - timedelta(days=announced_days_before)
        ).isoformat(),
        "bid_start": start.isoformat(),
        "bid_end": (start + runs).isoformat(),
    }
    body.update(over)
    return body


def published(db: Session, registrar: Principal, body: dict[str, Any]) -> Listing:
    """Create and publish a listing as of its announcement day (so it may open in the past)."""
    announced = datetime.fromisoformat(body["announcement_date"] + "T09:00:00").replace(
        tzinfo=clock.zone()
    )
    with transaction(db):
        listing = service.create_listing(db, ListingCreate.model_validate(body), registrar)
        return service.publish_listing(db, listing.id, now=announced)


def registered(
    db: Session,
    listing: Listing,
    bidder: Principal,
    pay: bool = True,
    at: datetime | None = None,
    cashier: Principal | None = None,
) -> None:
    """Register ``bidder`` (as a company with its own credit code) for ``listing``; with
    ``pay`` the cashier confirms the deposit (a bidder cannot confirm its own)."""
    party = RegistrationIn(
        kind="legal", name=f"{bidder.username} 有限公司", id_number=company_code(bidder.user_id)
    )
    when = at or min(clock.now(), listing.deadline - timedelta(seconds=1))
    with transaction(db):
        reg = bidding.register(db, listing.id, party, bidder, now=when)
    if pay:
        act(
            db,
            deposits.confirm_by_staff,
            listing.id,
            reg.id,
            Decimal(listing.deposit),
            f"T-{listing.id}-{reg.bidder_no}",
            cashier or staff(db),
            now=when,
        )
