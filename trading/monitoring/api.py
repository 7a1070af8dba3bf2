"""批后监管 API: the report of sold parcels, the update after new imagery, the inspectors'
findings and the contract's agreed dates. Staff only (registrar, inspector, admin)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from gis.auth.deps import require_role
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import get_session, transaction
from trading import clock
from trading.monitoring import cases, repository, service
from trading.monitoring.schemas import (
    FindingCheck,
    FindingOut,
    MonitoringReport,
    ScheduleIn,
    ScheduleOut,
    UpdateIn,
    finding_out,
    report_out,
)

router = APIRouter(prefix="/api/v1/trading", tags=["trading monitoring 批后监管"])
staff = require_role(Role.REGISTRAR, Role.INSPECTOR)
inspector = require_role(Role.INSPECTOR)
registrar = require_role(Role.REGISTRAR)


@router.get("/monitoring", response_model=MonitoringReport)
def monitoring_report(
    as_of: date | None = Query(None, description="report date (default: today)"),
    session: Session = Depends(get_session),
    _: Principal = Depends(staff),
) -> MonitoringReport:
    """Every sold parcel's status and verdict on ``as_of`` (nothing is written)."""
    when = as_of or clock.local_date(clock.now())
    return report_out(when, service.report(session, when))


@router.post("/monitoring/updates", response_model=MonitoringReport)
def monitoring_update(
    body: UpdateIn,
    session: Session = Depends(get_session),
    _: Principal = Depends(staff),
) -> MonitoringReport:
    """Measure the scenes not yet seen over each sold parcel, open the findings due."""
    when = body.as_of or clock.local_date(clock.now())
    with transaction(session):
        states = service.update(session, when)
        return report_out(when, states)


@router.get("/monitoring/findings", response_model=list[FindingOut])
def findings(
    status: str | None = Query(None, pattern="^(pending|confirmed|dismissed)$"),
    session: Session = Depends(get_session),
    _: Principal = Depends(staff),
) -> list[FindingOut]:
    """The inspectors' cases (疑似闲置土地, construction before the contract), newest first."""
    return [finding_out(f) for f in repository.findings(session, status)]


@router.post("/monitoring/findings/{case_no}/check", response_model=FindingOut)
def check_finding(
    case_no: str,
    body: FindingCheck,
    session: Session = Depends(get_session),
    _: Principal = Depends(inspector),
) -> FindingOut:
    """An inspector records the field check of a pending finding."""
    with transaction(session):
        return finding_out(cases.check_finding(session, case_no, body.status))


@router.put("/records/{record_id}/schedule", response_model=ScheduleOut)
def set_schedule(
    record_id: int,
    body: ScheduleIn,
    session: Session = Depends(get_session),
    _: Principal = Depends(registrar),
) -> ScheduleOut:
    """约定开工日期 and 约定竣工日期 of the record's contract."""
    with transaction(session):
        cases.set_schedule(session, record_id, body.agreed_start_date, body.agreed_completion_date)
    return ScheduleOut(record_id=record_id, **body.model_dump())
