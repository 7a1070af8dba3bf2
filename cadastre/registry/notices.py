"""First-registration public notices (首次登记公告) and the objections lodged during them.

Which cases get a notice. 不动产登记暂行条例实施细则 第17条 requires a notice of at least 15
working days before entry for: (一) collective land ownership registered by the government;
(二) the first registration of homestead use rights, collective construction-land use
rights, land-contract rights and the buildings on them; (三) corrections and (四)
cancellations made ex officio; (五) other cases laws name. This register does not record
whether land is state- or collectively owned nor how a right arose, so it cannot tell a
first registration that 第17条 exempts (state land granted by 出让 contract) from one it
covers: we apply the notice to EVERY first registration (stricter than 第17条 asks, never
looser). Corrections and cancellations are made here only on application, never ex
officio, so (三) and (四) do not arise.

The notice is published when the case is reviewed and runs to the end of the 15th working
day after (the registry's working-day calendar, 调休 included); the case is not entered
before. 第17条: the notice period does not count toward the legal time limit, so the case's
due date moves by the same working days. Objections may be lodged while it is in force
(anyone online, or a registrar at the window) and are kept with the case; a case with
objections is entered only with a reason saying why they do not stand (异议不成立).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cadastre.registry import journal
from cadastre.registry import repository as repo
from cadastre.registry.errors import CaseNotFound, NoticeInForce
from cadastre.registry.holidays import work_calendar
from cadastre.registry.models import Notice, NoticeObjection, RegCase
from cadastre.registry.rules import CASE_TYPES, NOTICE_WORKING_DAYS, add_working_days
from gis import landuse
from gis.errors import Conflict, InvalidInput, NotFound
from gis.settings import get_settings

NOTICE_CASES = frozenset({"first_registration"})


def needs_notice(case: RegCase) -> bool:
    """Whether ``case`` is publicly noticed before entry (every first registration)."""
    return case.case_type in NOTICE_CASES


def _local() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def notice_end(session: Session, start: datetime) -> datetime:
    """Local midnight after the NOTICE_WORKING_DAYS-th working day after ``start``."""
    last = add_working_days(start.astimezone(_local()), NOTICE_WORKING_DAYS, work_calendar(session))
    return datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=_local())


def publish(session: Session, case: RegCase, now: datetime, actor: str) -> Notice:
    """Publish the notice of a reviewed case; its due date moves by the notice's days."""
    notice = Notice(
        case_id=case.id, starts_at=now, ends_at=notice_end(session, now), published_by=actor
    )
    session.add(notice)
    due = add_working_days(
        case.due_date.astimezone(_local()), NOTICE_WORKING_DAYS, work_calendar(session)
    )
    case.due_date = datetime.combine(due, time(17, 0), tzinfo=_local())
    session.flush()
    return notice


def notice_of(session: Session, case_id: int) -> Notice | None:
    return session.scalars(select(Notice).where(Notice.case_id == case_id)).first()


def check_entry(session: Session, case: RegCase, now: datetime, reason: str) -> dict[str, Any]:
    """Refuse entering a noticed case before its notice ends (409 naming the end), or with
    objections and no reason why they do not stand; returns what the journal records."""
    notice = notice_of(session, case.id)
    if notice is None:
        raise NoticeInForce(
            f"办件 {case.public_number} 未经公告，不能登簿；"
            f"case {case.public_number} was never publicly noticed and cannot be entered",
            field="step",
        )
    if now < notice.ends_at:
        end = notice.ends_at.astimezone(_local()).isoformat()
        raise NoticeInForce(
            f"首次登记公告期至 {end} 届满，届满前不能登簿；"
            f"the public notice of case {case.public_number} runs until {end}: "
            "no entry before it ends",
            field="step",
        )
    lodged = len(objections(session, notice.id))
    if lodged and not reason.strip():
        raise Conflict(
            f"公告期内有 {lodged} 件异议，登簿须说明异议不成立的理由；"
            f"{lodged} objection(s) were lodged during the notice: say why they do not stand",
            field="reason",
        )
    return {"notice_ended": notice.ends_at.isoformat(), "objections": lodged}


def objections(session: Session, notice_id: int) -> list[NoticeObjection]:
    return list(
        session.scalars(
            select(NoticeObjection)
            .where(NoticeObjection.notice_id == notice_id)
            .order_by(NoticeObjection.id)
        )
    )


def lodge_objection(
    session: Session,
    public_number: str,
    *,
    objector: str,
    contact: str,
    reason: str,
    lodged_by: str,
    now: datetime,
) -> NoticeObjection:
    """Record an objection to the notice of ``public_number`` while it is in force."""
    case = repo.case_for_update(session, public_number)
    if case is None:
        raise CaseNotFound(f"no case has number {public_number}", field="public_number")
    notice = notice_of(session, case.id)
    if notice is None:
        raise NotFound(
            f"办件 {public_number} 没有公告；case {public_number} has no public notice",
            field="public_number",
        )
    if not (notice.starts_at <= now < notice.ends_at) or case.status != "reviewed":
        raise Conflict(
            f"办件 {public_number} 的公告不在公告期内；"
            f"the notice of case {public_number} is not in force",
            field="public_number",
        )
    if not reason.strip() or not objector.strip():
        raise InvalidInput("异议须写明异议人和理由；say who objects and why", field="reason")
    row = NoticeObjection(
        notice_id=notice.id,
        lodged_at=now,
        lodged_by=lodged_by,
        objector=objector.strip(),
        contact=contact.strip(),
        reason=reason.strip(),
    )
    session.add(row)
    session.flush()
    journal.append(
        session,
        "notice_objection",
        {"objection": row.id, "by": lodged_by},
        public_number=public_number,
        unit_code=case.unit_code,
        at=now,
    )
    return row


def notices_in_force(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Notices in force now, for the public: no names or ID numbers (see NoticePublic)."""
    rows = session.execute(
        select(RegCase, Notice)
        .join(Notice, Notice.case_id == RegCase.id)
        .where(Notice.starts_at <= now, Notice.ends_at > now, RegCase.status == "reviewed")
        .order_by(Notice.ends_at, RegCase.public_number)
    ).all()
    return [public_notice(session, case, notice) for case, notice in rows]


def public_notice(session: Session, case: RegCase, notice: Notice) -> dict[str, Any]:
    """What a notice shows: unit, location if known, land use and area, case type, dates."""
    ct = CASE_TYPES[case.case_type]
    land_use, area = _parcel_facts(session, case)
    zh, en = landuse.names(land_use) if land_use else ("", "")
    last_day = (notice.ends_at.astimezone(_local()) - timedelta(days=1)).date()
    return {
        "public_number": case.public_number,
        "case_type": case.case_type,
        "case_type_name_zh": ct.name_zh,
        "case_type_name_en": ct.name_en,
        "unit_code": case.unit_code,
        "location": case.payload.get("location"),
        "land_use": land_use,
        "land_use_name_zh": zh,
        "land_use_name_en": en,
        "area_m2": area,
        "starts_on": notice.starts_at.astimezone(_local()).date().isoformat(),
        "ends_on": last_day.isoformat(),
        "objection_url": f"/api/v1/notices/{case.public_number}/objections",
    }


def _parcel_facts(session: Session, case: RegCase) -> tuple[str | None, str | None]:
    """(land-use class, area in m² as text) of the case's parcel (current or proposed)."""
    if case.unit_code:
        parcel = repo.current_parcel(session, case.unit_code)
        if parcel is not None:
            return parcel.land_use, str(parcel.area_m2)
    wkt = case.payload.get("geometry_wkt")
    if not wkt:
        return case.payload.get("land_use"), None
    area = session.scalar(
        select(func.round(func.ST_Area(func.geography(func.ST_GeomFromText(wkt, 4490)))))
    )
    return case.payload.get("land_use"), str(area) if area is not None else None
