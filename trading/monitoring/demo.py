"""批后监管 in the demo district: four parcels sold through the trading services, each to
be painted by the demo imagery (``cadastre.demo_imagery``, extra plants) so that the
monitor finds one parcel in each status and each verdict:

========================  ==========  ============  =======================================
site                      sold        agreed start  scenes (baseline 2025-09-20, spring, autumn)
========================  ==========  ============  =======================================
``sold_on_time``          2025-10-01  2026-03-01    vacant, built, built: 已竣工, on time
``sold_late``             2025-10-01  2026-03-01    vacant, vacant, built: 已开工, late
``sold_idle``             2025-10-01  2025-10-15    vacant throughout: 未开工, 疑似闲置土地
``sold_before_contract``  2026-06-01  2026-09-01    vacant, built, built: built before sale
========================  ==========  ============  =======================================

The auctions run now (bids are placed on the database clock); the record's deal date and
the contract's signing date are then set to the historical dates above, so that the
generated 2026 scenes come after the sales. Demo only: the real sale flow never does so.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import shapely
from shapely import wkb
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cadastre.demo_imagery import scene_window
from gis.auth.models import User
from gis.auth.roles import Role
from gis.auth.service import Principal, add_user
from gis.db import transaction
from gis.planning import compliance
from gis.raster.demo import Plant
from trading import bidding, clock, deposits, service
from trading.models import Contract, TransactionRecord
from trading.monitoring import cases
from trading.monitoring import service as monitoring
from trading.schemas import ListingCreate, RegistrationIn

BASELINE = date(2025, 9, 20)  # the scene at sale time (the demo imagery's third scene)
# site -> (sale date, agreed start, cover on the spring scene, cover on the autumn scene)
SITES: dict[str, tuple[date, date, str, str]] = {
    "sold_on_time": (date(2025, 10, 1), date(2026, 3, 1), "built", "built"),
    "sold_late": (date(2025, 10, 1), date(2026, 3, 1), "grassland", "built"),
    "sold_idle": (date(2025, 10, 1), date(2025, 10, 15), "grassland", "grassland"),
    "sold_before_contract": (date(2026, 6, 1), date(2026, 9, 1), "built", "built"),
}
BUYER = ("东莞示范实业有限公司", "91441900MA4UPH001B")
INSET = 0.00003  # the painted site: the parcel shrunk by about 3 m (degrees)

_FREE = (
    "SELECT unit_code, land_use, ST_AsBinary(geom) FROM parcel p WHERE end_lifespan IS NULL "
    "AND left(land_use, 2) IN ('05', '06', '07') AND land_use <> '0702' "
    "AND substr(unit_code, 13, 2) = 'GB' AND area_m2 > 2500 AND reg_status = 'registered' "
    "AND NOT EXISTS (SELECT 1 FROM trading_listing_parcel t WHERE t.unit_code = p.unit_code) "
)


def _user(session: Session, name: str, role: str) -> Principal:
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        user = add_user(session, name, secrets.token_urlsafe(16), role, name)
    return Principal(user.id, user.username, Role(user.role))


def _parcels(session: Session, wanted: int) -> list[tuple[str, str, shapely.Geometry]]:
    """Compliant state-owned construction parcels not offered yet (from the newest)."""
    window = scene_window(session)  # the sites must be where the demo imagery looks
    inside = "" if window is None else window.inside()
    sql = text(f"{_FREE}{inside} ORDER BY id DESC LIMIT 200")
    found = []
    params = {} if window is None else window.params()
    for code, use, geom in session.execute(sql, params):
        shape = wkb.loads(bytes(geom))
        if compliance.check(session, shape, use).verdict == "compliant":
            found.append((code, use, shape))
            if len(found) == wanted:
                break
    return found


def _terms(code: str, use: str, now: datetime) -> ListingCreate:
    start = now - timedelta(hours=1)
    return ListingCreate.model_validate(
        {
            "title": f"示范地块（批后监管）demo plot {code[12:19]}",
            "method": "auction",
            "unit_codes": [code],
            "land_use": use,
            "far_min": "1.0",
            "far_max": "2.5",
            "term_years": 70 if use.startswith("07") else 40,
            "start_price": "6000000.00",
            "increment": "100000.00",
            "deposit": "1200000.00",
            "reserve_price": "6000000.00",
            "announcement_date": (clock.local_date(start) - timedelta(days=21)).isoformat(),
            "bid_start": start.isoformat(),
            "bid_end": (start + timedelta(minutes=90)).isoformat(),
        }
    )


def _sell(session: Session, code: str, use: str, people: dict[str, Principal]) -> int:
    """One auction from announcement to published result; returns the record id."""
    now = clock.now()
    terms = _terms(code, use, now)
    listing = service.create_listing(session, terms, people["registrar"])
    announced = datetime.combine(terms.announcement_date, time(9), tzinfo=clock.zone())
    listing = service.publish_listing(session, listing.id, now=announced)
    party = RegistrationIn(kind="legal", name=BUYER[0], id_number=BUYER[1])
    reg = bidding.register(session, listing.id, party, people["bidder"])
    deposits.confirm_by_staff(
        session,
        listing.id,
        reg.id,
        Decimal(listing.deposit),
        f"DEMO-PH-{code[12:19]}",
        people["cashier"],
    )
    bidding.place_bid(session, listing.id, Decimal("6000000.00"), people["bidder"])
    service.close_listing(session, listing.id, now=listing.deadline + timedelta(seconds=1))
    service.publish_result(session, listing.id, people["registrar"])
    record = session.scalars(
        select(TransactionRecord).where(TransactionRecord.listing_id == listing.id)
    ).one()
    return record.id


def _date_back(session: Session, record_id: int, sold: date, start: date) -> None:
    """The demo's historical dates: deal and signing on ``sold``, the agreed dates."""
    record = session.get(TransactionRecord, record_id)
    assert record is not None
    record.deal_date = sold
    contract = session.scalars(select(Contract).where(Contract.record_id == record_id)).one()
    contract.signed_at = datetime.combine(sold, time(10), tzinfo=clock.zone())
    cases.set_schedule(session, record_id, start, start + timedelta(days=3 * 365))


def load_demo_sales(session: Session) -> tuple[Plant, ...]:
    """Sell the four demo sites (one unit of work, commits); returns the plants the demo
    imagery paints on them (none when the district has too few free parcels)."""
    with transaction(session):
        people = {
            "registrar": _user(session, "demo-registrar", "registrar"),
            "cashier": _user(session, "demo-cashier", "cashier"),
            "bidder": _user(session, "demo-bidder-monitor", "bidder"),
        }
        parcels = _parcels(session, len(SITES))
        if len(parcels) < len(SITES):
            return ()
        plants = []
        for (kind, (sold, start, spring, autumn)), (code, use, geom) in zip(
            SITES.items(), parcels, strict=True
        ):
            _date_back(session, _sell(session, code, use, people), sold, start)
            plants.append(Plant(kind, geom.buffer(-INSET), spring, autumn))
        return tuple(plants)


def follow_demo(session: Session, as_of: date | None = None) -> int:
    """Run the monitor once over the demo scenes (commits); returns the parcels followed."""
    with transaction(session):
        return len(monitoring.update(session, as_of or clock.local_date(clock.now())))
