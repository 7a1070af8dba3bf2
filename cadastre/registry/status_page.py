"""The public case-status page ``/maps/cases/{number}``: the case as a readable timeline
(received, accepted, reviewed, public notice, entered, certificate) with what is still to
come greyed out and the legal due date; status and dates only, nothing about people."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from cadastre.registry import notices
from cadastre.registry import repository as repo
from cadastre.registry.errors import CaseNotFound
from cadastre.registry.models import RegCase
from cadastre.registry.rules import CASE_TYPES
from gis.settings import get_settings

# (status reached, Chinese, English, what it means for the applicant) in the usual order
STAGES = [
    ("submitted", "收件", "received", "申请已收到 the application has been received"),
    ("accepted", "受理", "accepted", "材料齐全，已受理 documents checked and accepted"),
    ("reviewed", "审核", "reviewed", "登记机构已审核 examined by the registry"),
    ("entered", "登簿", "entered", "已记载于不动产登记簿 entered in the register"),
    ("certificate_issued", "发证", "certificate", "可领取不动产权证书 certificate ready"),
]
ENDINGS = {
    "rejected": ("不予登记", "rejected", "登记机构决定不予登记 the registry refused the case"),
    "withdrawn": ("撤回", "withdrawn", "申请人撤回申请 the applicant withdrew"),
}
NOTICE = ("公告", "public notice", "公告期内可提出异议 objections may be lodged during the notice")


def _local(at: datetime) -> str:
    """A moment as local date and minute (the registry's time zone), for people to read."""
    return at.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d %H:%M")


def _event(key: str, zh: str, en: str, says: str, at: str | None, **more: Any) -> dict[str, Any]:
    return {"key": key, "zh": zh, "en": en, "says": says, "at": at, "done": at is not None, **more}


def timeline(session: Session, case: RegCase) -> list[dict[str, Any]]:
    """The case's events in order: those reached carry their local time, those still to
    come (when the case is not closed) have none; the notice sits before the entry."""
    reached = {s.status: s.at for s in repo.case_steps(session, case.id)}
    reached.setdefault("submitted", case.submitted_at)
    closed = case.status in ENDINGS
    events = []
    for key, zh, en, says in STAGES:
        if key == "entered" and notices.needs_notice(case):
            events.append(_notice_event(session, case))
        at = reached.get(key)
        if at is not None or not closed:
            events.append(_event(key, zh, en, says, _local(at) if at else None))
    if closed:
        zh, en, says = ENDINGS[case.status]
        at = reached.get(case.status) or case.updated_at
        events.append(_event(case.status, zh, en, says, _local(at)))
    return events


def _notice_event(session: Session, case: RegCase) -> dict[str, Any]:
    zh, en, says = NOTICE
    notice = notices.notice_of(session, case.id)
    if notice is None:
        return _event("notice", zh, en, says, None)
    public = notices.public_notice(session, case, notice)
    period = f"{public['starts_on']} — {public['ends_on']}"
    return _event("notice", zh, en, says, _local(notice.starts_at), period=period)


def status_view(session: Session, public_number: str) -> dict[str, Any]:
    """The page's facts: number, case type, current status, due date and the timeline."""
    case = repo.case_by_number(session, public_number)
    if case is None:
        raise CaseNotFound(f"没有该办件 no case has number {public_number}", field="number")
    ct = CASE_TYPES[case.case_type]
    return {
        "public_number": case.public_number,
        "case_type": {"code": ct.code, "zh": ct.name_zh, "en": ct.name_en},
        "channel": case.channel,
        "status": case.status,
        "due_date": case.due_date.date().isoformat(),
        "closed": case.status in ENDINGS or case.status == "certificate_issued",
        "events": timeline(session, case),
    }
