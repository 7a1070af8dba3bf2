"""The result of a listing: deposits settled, transaction record, contract, cadastre case.

Called by :func:`trading.service.publish_result` inside its transaction (never commits).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from gis.auth.service import Principal
from trading import clock, links, repository
from trading.models import Contract, Listing, Registration, TransactionRecord

CENT = Decimal("0.01")


def settle(session: Session, listing: Listing, actor: Principal, now: datetime) -> None:
    """Refund the losers' deposits, credit the winner's, and record a sale if there is one."""
    regs = repository.registrations(session, listing.id)
    for reg in regs:
        if reg.deposit_status != "paid":
            continue
        won = reg.id == listing.winner_registration_id
        reg.deposit_status = "credited" if won else "refunded"
        reg.deposit_settled_at = now
    if listing.outcome == "sold":
        winner = next(r for r in regs if r.id == listing.winner_registration_id)
        record = make_record(session, listing, winner, now)
        make_contract(session, listing, winner, record, actor, now)


def buyer_name(session: Session, reg: Registration) -> str:
    """The registered buyer: the person or company named at registration."""
    return reg.party_name


def make_record(
    session: Session, listing: Listing, winner: Registration, now: datetime
) -> TransactionRecord:
    """成交记录: price per m² of land and per m² of floor area (at the maximum FAR)."""
    price = listing.final_price
    assert price is not None
    floor_area = listing.area_m2 * listing.far_max
    record = TransactionRecord(
        listing_id=listing.id,
        registration_id=winner.id,
        buyer_name=buyer_name(session, winner),
        method=listing.method,
        land_use=listing.land_use,
        district_code=listing.district_code,
        area_m2=listing.area_m2,
        price=price,
        price_per_m2=(price / listing.area_m2).quantize(CENT),
        price_per_floor_m2=(price / floor_area).quantize(CENT),
        deal_date=clock.local_date(listing.closed_at or now),
    )
    session.add(record)
    session.flush()
    return record


def make_contract(
    session: Session,
    listing: Listing,
    winner: Registration,
    record: TransactionRecord,
    actor: Principal,
    now: datetime,
) -> Contract:
    """出让合同, and a first-registration case in the cadastre for each parcel."""
    year = clock.local_date(now).year
    credited = winner.deposit_amount or Decimal("0")
    contract = Contract(
        contract_no=f"CR-{year}-{repository.next_contract_serial(session, year):05d}",
        record_id=record.id,
        buyer_user_id=winner.user_id,
        buyer_name=record.buyer_name,
        price=record.price,
        deposit_credited=credited,
        balance_due=record.price - credited,
        term_years=listing.term_years,
        signed_at=now,
        cadastre_cases=[],
    )
    session.add(contract)
    session.flush()
    holder = {
        "kind": winner.party_kind,
        "name": winner.party_name,
        "id_number": winner.id_number,
        "share": "1",
    }
    terms = {
        "contract_no": contract.contract_no,
        "listing_code": listing.code,
        "buyer": holder,
        "price": str(record.price),
        "land_use": listing.land_use,
        "term_years": listing.term_years,
        "signed_at": now.isoformat(),
    }
    digest = hashlib.sha256(json.dumps(terms, sort_keys=True).encode()).hexdigest()
    source = {
        "title": f"国有建设用地使用权出让合同 {contract.contract_no} ({listing.code})",
        "sha256": digest,
    }
    signed = clock.local_date(now)
    right_terms = {  # 出让: the use right's term runs from the contract's signature
        "nature": "grant",
        "term_start": signed.isoformat(),
        "term_end": years_after(signed, listing.term_years).isoformat(),
    }
    contract.cadastre_cases = [
        links.open_registration(
            session, p.unit_code, holder, source, actor.username, right_terms=right_terms
        )
        for p in repository.listing_parcels(session, listing.id)
    ]
    return contract


def years_after(day: date, years: int) -> date:
    """``day`` moved ``years`` years on (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
