"""The staff's acts of 批后监管: entering a contract's agreed dates, and an inspector's
field check of a finding (flush, never commit)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.errors import Conflict, NotFound
from trading.models import TransactionRecord
from trading.monitoring.models import Finding


class RecordNotFound(NotFound):
    """No transaction record has this id."""


class FindingNotFound(NotFound):
    """No finding has this case number."""


class FindingAlreadyChecked(Conflict):
    """The finding's field check is already recorded."""


def set_schedule(session: Session, record_id: int, start: date, completion: date) -> None:
    """约定开工日期 and 约定竣工日期 of a record's contract (the schema checks their order)."""
    record = session.get(TransactionRecord, record_id, with_for_update=True)
    if record is None:
        raise RecordNotFound(f"无此成交记录；no transaction record {record_id}", field="record_id")
    record.agreed_start_date = start
    record.agreed_completion_date = completion
    session.flush()


def check_finding(session: Session, case_no: str, status: str) -> Finding:
    """Record the inspector's field check (confirmed | dismissed) of a pending finding."""
    finding = session.scalars(
        select(Finding).where(Finding.case_no == case_no).with_for_update()
    ).one_or_none()
    if finding is None:
        raise FindingNotFound(f"无此案件；no finding {case_no!r}", field="case_no")
    if finding.status != "pending":
        raise FindingAlreadyChecked(
            f"该案件已核查（{finding.status}）；already checked: {finding.status}", field="status"
        )
    finding.status = status
    session.flush()
    return finding
