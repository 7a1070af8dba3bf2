"""All SQL of 批后监管 (bound parameters only; never commits): the sold parcels with their
contract dates, stored observations and findings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from trading import clock
from trading.monitoring.models import Finding, Observation


@dataclass(frozen=True)
class SoldParcel:
    """A parcel of a sold listing: its record, the sale and the contract's dates."""

    record_id: int
    listing_id: int
    unit_code: str
    parcel_id: int
    land_use: str
    deal_date: date
    signed_at: datetime | None
    agreed_start: date | None
    agreed_completion: date | None
    contract_no: str | None

    @property
    def sale_date(self) -> date:
        """The contract's signing date (local), else the deal date."""
        return clock.local_date(self.signed_at) if self.signed_at else self.deal_date


_SOLD = """
SELECT r.id AS record_id, r.listing_id, lp.unit_code, lp.parcel_id, r.land_use,
       r.deal_date, c.signed_at,
       r.agreed_start_date AS agreed_start, r.agreed_completion_date AS agreed_completion,
       c.contract_no
FROM trading_record r
JOIN trading_listing_parcel lp ON lp.listing_id = r.listing_id
LEFT JOIN trading_contract c ON c.record_id = r.id
WHERE (CAST(:record_id AS bigint) IS NULL OR r.id = :record_id)
ORDER BY r.id, lp.unit_code
"""


def sold_parcels(session: Session, record_id: int | None = None) -> list[SoldParcel]:
    """Every parcel of every transaction record (or of one), oldest record first."""
    rows = session.execute(text(_SOLD), {"record_id": record_id})
    return [SoldParcel(**r._mapping) for r in rows]


def lock_monitor(session: Session) -> None:
    """One monitoring update at a time (case numbers and observations stay consistent)."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('trading_monitor'))"))


def observations(session: Session, record_id: int, unit_code: str) -> dict[int, Observation]:
    """Stored observations of one sold parcel, by scene (raster) id."""
    rows = session.scalars(
        select(Observation).where(
            Observation.record_id == record_id, Observation.unit_code == unit_code
        )
    )
    return {o.raster_id: o for o in rows}


def footprint_wkb(session: Session, observation_id: int) -> bytes | None:
    """An observation's changed footprint as WKB (EPSG:4490), or None."""
    value = session.execute(
        text("SELECT ST_AsBinary(footprint) FROM trading_monitor_observation WHERE id = :i"),
        {"i": observation_id},
    ).scalar()
    return None if value is None else bytes(value)


def finding(session: Session, record_id: int, unit_code: str, kind: str) -> Finding | None:
    return session.scalars(
        select(Finding).where(
            Finding.record_id == record_id, Finding.unit_code == unit_code, Finding.kind == kind
        )
    ).one_or_none()


def findings(session: Session, status: str | None = None) -> list[Finding]:
    """Findings, newest first (optionally of one status)."""
    query = select(Finding).order_by(Finding.id.desc())
    if status:
        query = query.where(Finding.status == status)
    return list(session.scalars(query))


def next_case_no(session: Session, year: int) -> str:
    """The next inspector's case number of ``year``: PHJG-2026-00001 (批后监管)."""
    prefix = f"PHJG-{year}-"
    n = session.execute(
        text("SELECT count(*) FROM trading_monitor_finding WHERE case_no LIKE :p"),
        {"p": prefix + "%"},
    ).scalar_one()
    return f"{prefix}{int(n) + 1:05d}"
