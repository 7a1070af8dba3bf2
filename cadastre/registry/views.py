"""Read models of the registry for registrars (with people) and for the public (without)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadastre.registry import duties, notices, rules
from cadastre.registry import repository as repo
from cadastre.registry.errors import CaseNotFound, UnitNotFound
from cadastre.registry.holders import rights_with_holders
from cadastre.registry.models import CaseDocument, CaseStep, RegCase, Source
from cadastre.registry.rules import CASE_TYPES, RESTRICTION_TYPES, STATUSES
from cadastre.registry.service import NO_CERTIFICATE, OPEN_STATUSES, clock
from cadastre.unit_code import parse_unit_code
from gis import landuse
from gis.auth.service import Principal
from gis.errors import InvalidInput, NotFound
from gis.settings import get_settings


def case_or_404(session: Session, public_number: str) -> RegCase:
    case = repo.case_by_number(session, public_number)
    if case is None:
        raise CaseNotFound(f"no case has number {public_number}", field="public_number")
    return case


def _case_summary(case: RegCase, now: datetime) -> dict[str, Any]:
    ct = CASE_TYPES[case.case_type]
    zh, en = STATUSES[case.status]
    return {
        "public_number": case.public_number,
        "case_type": case.case_type,
        "case_type_name_zh": ct.name_zh,
        "case_type_name_en": ct.name_en,
        "status": case.status,
        "status_name_zh": zh,
        "status_name_en": en,
        "channel": case.channel,
        "unit_code": case.unit_code,
        "submitted_by": case.submitted_by,
        "submitted_at": case.submitted_at.isoformat(),
        "due_date": case.due_date.date().isoformat(),
        "entered_at": case.entered_at.isoformat() if case.entered_at else None,
        "overdue": case.status in OPEN_STATUSES and case.due_date < now,
    }


def case_detail(session: Session, case: RegCase, who: Principal | None = None) -> dict[str, Any]:
    """A case for registrars: its request, the holders it registers and the unit's current
    holders (names, ID numbers, shares), steps (who, role, when, why), documents, missing
    materials, the public notice with its objections, and the steps ``who`` may take on
    it now (``allowed_steps``: role and four eyes; empty without a caller)."""
    docs = session.execute(
        select(Source)
        .join(CaseDocument, CaseDocument.source_id == Source.id)
        .where(CaseDocument.case_id == case.id)
        .order_by(Source.id)
    ).scalars()
    now = clock(session)
    steps = repo.case_steps(session, case.id)
    return {
        **_case_summary(case, now),
        "allowed_steps": allowed_steps(case, who, steps) if who else [],
        "holders": case.payload.get("holders", []),
        "current_holders": _current_holders(session, case, now),
        "missing_materials": [
            {"name_zh": m.name_zh, "name_en": m.name_en, "kinds": sorted(m.kinds)}
            for m in duties.missing_materials(session, case)
        ],
        "notice": _notice(session, case),
        "request": {k: v for k, v in case.payload.items() if k != "geometry_wkt"},
        "note": case.note,
        "reason": case.reason,
        "steps": [
            {
                "step": s.step,
                "status": s.status,
                "status_name_zh": STATUSES[s.status][0],
                "status_name_en": STATUSES[s.status][1],
                "actor": s.actor,
                "role": s.role,
                "at": s.at.isoformat(),
                "reason": s.reason,
            }
            for s in steps
        ],
        "documents": [
            {
                "id": d.id,
                "kind": d.kind,
                "title": d.title,
                "sha256": d.sha256,
                "size_bytes": d.size_bytes,
            }
            for d in docs
        ],
    }


def case_list(
    session: Session,
    *,
    status: str | None = None,
    case_type: str | None = None,
    unit_code: str | None = None,
    submitted_from: date | None = None,
    submitted_to: date | None = None,
    overdue: bool = False,
    sort: str = "-submitted_at",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """A page of cases for the desk and how many match; ``status`` may list several
    (comma-separated) and dates are local days (settings.timezone), both ends included."""
    statuses = tuple(s.strip() for s in (status or "").split(",") if s.strip())
    for s in statuses:
        if s not in STATUSES:
            raise InvalidInput(
                f"unknown status {s!r}; known: {', '.join(STATUSES)}", field="status"
            )
    if case_type:
        rules.case_type(case_type)
    if unit_code:
        parse_unit_code(unit_code)
    if submitted_from and submitted_to and submitted_from > submitted_to:
        raise InvalidInput("submitted_to is before submitted_from", field="submitted_to")
    if sort not in repo.CASE_SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(repo.CASE_SORTS)}", field="sort")
    now = clock(session)
    filters = repo.CaseFilters(
        statuses=statuses,
        case_type=case_type or None,
        unit_code=unit_code or None,
        submitted_from=_local_midnight(submitted_from),
        submitted_to=_local_midnight(submitted_to + timedelta(days=1) if submitted_to else None),
        overdue_at=now if overdue else None,
    )
    rows, total = repo.list_cases(session, filters, sort, limit, offset)
    return [_case_summary(c, now) for c in rows], total


def _local_midnight(day: date | None) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(get_settings().timezone))


def allowed_steps(case: RegCase, who: Principal, steps: list[CaseStep]) -> list[str]:
    """The steps ``who`` may take on ``case`` now (what the desk offers as buttons): by
    role, and not the later step of four eyes after taking the earlier one (unless the
    single-officer setting relaxes it)."""
    relaxed = get_settings().registry_single_officer
    took = {s.step for s in steps if s.actor == who.username}
    return [
        step
        for step, (sources, _) in rules.STEPS.items()
        if case.status in sources
        and who.role.value in rules.STEP_ROLES[step]
        and not (step == "issue" and case.case_type in NO_CERTIFICATE)
        and (relaxed or rules.FOUR_EYES.get(step) not in took)
    ]


def _current_holders(session: Session, case: RegCase, at: datetime) -> list[dict[str, Any]]:
    """The unit's right holders now (the transferors of a transfer, say); [] without a unit."""
    if not case.unit_code:
        return []
    return rights_with_holders(session, repo.rrrs_as_of(session, case.unit_code, at), at)


def _notice(session: Session, case: RegCase) -> dict[str, Any] | None:
    """The case's public notice and the objections lodged (with the objectors, for staff)."""
    notice = notices.notice_of(session, case.id)
    if notice is None:
        return None
    return {
        "starts_at": notice.starts_at.isoformat(),
        "ends_at": notice.ends_at.isoformat(),
        "published_by": notice.published_by,
        "objections": [
            {
                "lodged_at": o.lodged_at.isoformat(),
                "lodged_by": o.lodged_by,
                "objector": o.objector,
                "contact": o.contact,
                "reason": o.reason,
            }
            for o in notices.objections(session, notice.id)
        ],
    }


def named_restrictions(types: list[str]) -> list[dict[str, str]]:
    return [
        {"type": t, "name_zh": RESTRICTION_TYPES[t][0], "name_en": RESTRICTION_TYPES[t][1]}
        for t in types
    ]


def unit_register(session: Session, unit_code: str, at: datetime | None) -> dict[str, Any]:
    """The register of one unit as of ``at`` (now by default): parcel, holders, restrictions."""
    parse_unit_code(unit_code)
    when = at or clock(session)
    parcel = repo.parcel_as_of(session, unit_code, when)
    unit = repo.baunit_as_of(session, unit_code, when)
    if parcel is None and unit is None:
        raise UnitNotFound(f"no unit {unit_code} at {when.isoformat()}", field="unit_code")
    rrrs = repo.rrrs_as_of(session, unit_code, when)
    zh, en = landuse.names(parcel.land_use) if parcel else ("", "")
    return {
        "unit_code": unit_code,
        "as_of": when.isoformat(),
        "unit_status": unit.status if unit else "unregistered",
        "parcel": None
        if parcel is None
        else {
            "version": parcel.version,
            "land_use": parcel.land_use,
            "land_use_name_zh": zh,
            "land_use_name_en": en,
            "area_m2": str(parcel.area_m2),
            "reg_status": parcel.reg_status,
        },
        "rights": rights_with_holders(session, rrrs, when),
        "restrictions": [_restriction(r) for r in rrrs if r.kind == "restriction"],
    }


def _restriction(r: Any) -> dict[str, Any]:
    zh, en = RESTRICTION_TYPES[r.rrr_type]
    return {
        "uid": r.uid,
        "type": r.rrr_type,
        "name_zh": zh,
        "name_en": en,
        "party": r.party_name,
        "amount": str(r.amount) if r.amount is not None else None,
        "creditor": r.creditor,
        "term_end": r.term_end.date().isoformat() if r.term_end else None,
        "expires_at": r.expires_at.isoformat() if r.expires_at else None,
        "since": r.begin_lifespan.isoformat(),
    }


def unit_history(session: Session, unit_code: str) -> dict[str, Any]:
    parse_unit_code(unit_code)
    rows = repo.unit_history(session, unit_code)
    return {
        "unit_code": unit_code,
        "events": [
            {
                "uid": r.uid,
                "kind": r.kind,
                "type": r.rrr_type,
                "share": f"{r.share_num}/{r.share_den}" if r.share_den else None,
                "begin": r.begin_lifespan.isoformat(),
                "end": r.end_lifespan.isoformat() if r.end_lifespan else None,
                "expires_at": r.expires_at.isoformat() if r.expires_at else None,
                "case": r.public_number,
                "carried_from": r.carried_from or [],
            }
            for r in rows
        ],
    }


def document(session: Session, public_number: str, source_id: int) -> tuple[str, str]:
    """(file name, store key) of a case's document."""
    case = case_or_404(session, public_number)
    src = session.execute(
        select(Source)
        .join(CaseDocument, CaseDocument.source_id == Source.id)
        .where(CaseDocument.case_id == case.id, Source.id == source_id)
    ).scalar_one_or_none()
    if src is None or not src.path:
        raise NotFound(f"case {public_number} has no document {source_id}", field="source_id")
    return f"document-{source_id}", src.path
