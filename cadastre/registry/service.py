"""Registration cases at the service window: submission, steps with roles, public status.

Functions take a Session and flush but never commit; the caller (an API request, the
CLI, or another domain through :mod:`cadastre.handoff`) owns the transaction. Entering
a case runs in a savepoint, so the register changes all together or not at all.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.registry import basis, certificates, duties, entry, journal, notices
from cadastre.registry import repository as repo
from cadastre.registry.errors import CaseNotFound, UnitNotFound
from cadastre.registry.holidays import work_calendar
from cadastre.registry.models import CaseStep, RegCase
from cadastre.registry.rules import (
    SOURCE_KINDS,
    STATUSES,
    STEP_ROLES,
    add_working_days,
    case_type,
    check_step,
)
from cadastre.registry.sources import add_source, add_upload
from cadastre.registry.validation import (
    SHARED_RIGHT_CASES,
    check_holder_names,
    check_holders,
    check_register,
    check_request,
)
from cadastre.unit_code import parse_unit_code
from gis.errors import Conflict, InvalidInput, PermissionDenied
from gis.settings import get_settings

OPEN_STATUSES = frozenset({"submitted", "accepted", "reviewed"})
COURT_CASES = frozenset({"seizure", "seizure_release"})
# a court's seizure and its release, and a cancellation, end at entry: nothing to hand out
NO_CERTIFICATE = frozenset({"seizure", "seizure_release", "cancellation"})


def clock(session: Session) -> datetime:
    """The database's wall clock (not the transaction start), for lifespans and steps."""
    value: datetime = session.execute(text("SELECT clock_timestamp()")).scalar_one()
    return value


def open_case(
    session: Session,
    *,
    case_type_code: str,
    submitted_by: str,
    role: str,
    request: dict[str, Any],
    note: str = "",
    channel: str = "window",
) -> RegCase:
    """Check and record a new case in status ``submitted``; journal the submission."""
    if role not in STEP_ROLES["submit"]:
        raise PermissionDenied(f"role {role!r} may not submit registration cases", field="role")
    ct = case_type(case_type_code)
    if role == "public" and ct.code in COURT_CASES:
        raise PermissionDenied(
            f"a {ct.name_en} is registered on a court's order at the window, not online",
            field="case_type",
        )
    payload = check_request(session, ct, request, reveal=role != "public")
    now = clock(session)
    code = request.get("unit_code")
    check_register(session, ct.code, code, now)
    case = RegCase(
        public_number=repo.next_case_number(session, now),
        case_type=ct.code,
        status="submitted",
        channel=channel,
        unit_code=code,
        payload=payload,
        note=note,
        submitted_by=submitted_by,
        submitted_at=now,
        updated_at=now,
        due_date=due_date(session, now, ct.time_limit_days),
    )
    with session.begin_nested():  # the case, its source, step and journal entry, or nothing
        session.add(case)
        session.flush()
        if "source" in payload:
            add_source(session, payload["source"], case.id)
        step = CaseStep(
            case_id=case.id,
            step="submit",
            status="submitted",
            actor=submitted_by,
            role=role,
            at=now,
        )
        session.add(step)
        journal.append(
            session,
            "case_submitted",
            {"case_type": ct.code, "channel": channel},
            public_number=case.public_number,
            unit_code=code,
            at=now,
        )
    return case


def due_date(session: Session, now: datetime, working_days: int) -> datetime:
    """17:00 local time (settings.timezone) ``working_days`` working days after ``now``;
    weekends and public holidays are skipped, adjusted working days (调休) count."""
    local = ZoneInfo(get_settings().timezone)
    due = add_working_days(now.astimezone(local), working_days, work_calendar(session))
    return datetime.combine(due, time(17, 0), tzinfo=local)


def take_step(
    session: Session, public_number: str, step: str, *, actor: str, role: str, reason: str = ""
) -> RegCase:
    """Move a case one step (accept, review, enter, issue, reject, withdraw) as ``actor``."""
    case = repo.case_for_update(session, public_number)
    if case is None:
        raise CaseNotFound(f"no case has number {public_number}", field="public_number")
    target = check_step(step, case.status, role)
    if step in ("reject", "withdraw") and not reason.strip():
        raise InvalidInput(f"say why the case is {target}", field="reason")
    if step == "issue" and case.case_type in NO_CERTIFICATE:
        raise Conflict(f"a {case.case_type} case issues no certificate", field="step")
    now = clock(session)
    event: dict[str, Any] = {"step": step, "status": target, "role": role}
    event.update(duties.check_four_eyes(session, case, step, actor))
    if step == "accept":
        duties.check_materials(session, case)
        basis.record(session, case, now)  # the rights the case acts on, re-checked at entry
    if step == "review" and notices.needs_notice(case):
        event["notice_ends_at"] = notices.publish(session, case, now, actor).ends_at.isoformat()
    if step == "enter":
        if notices.needs_notice(case):
            event["notice"] = notices.check_entry(session, case, now, reason)
        event["changes"], now = entry.enter(session, case)  # locks the unit, then re-checks
        case.entered_at = now
    case.status = target
    case.updated_at = now
    if reason:
        case.reason = reason
    session.add(
        CaseStep(
            case_id=case.id,
            step=step,
            status=target,
            actor=actor,
            role=role,
            at=now,
            reason=reason or None,
        )
    )
    if step == "issue":
        event["certificate"] = certificates.issue(session, case).number
    journal.append(
        session,
        f"case_{target}",
        event,
        public_number=case.public_number,
        unit_code=case.unit_code,
        at=now,
    )
    session.flush()
    return case


def amend_holders(
    session: Session, public_number: str, holders: list[dict[str, Any]], *, actor: str
) -> RegCase:
    """Set the holders of an open case (e.g. a survey's new parcel, completed at the window)."""
    case = repo.case_for_update(session, public_number)
    if case is None:
        raise CaseNotFound(f"no case has number {public_number}", field="public_number")
    if case.status not in OPEN_STATUSES:
        raise Conflict(f"a {case.status} case cannot be amended", field="public_number")
    checked = check_holders(holders, case.case_type in SHARED_RIGHT_CASES)
    check_holder_names(session, case.case_type, checked)
    case.payload = {**case.payload, "holders": checked}
    case.updated_at = clock(session)
    journal.append(
        session,
        "case_amended",
        {"holders": len(checked), "by": actor},
        public_number=public_number,
        unit_code=case.unit_code,
    )
    session.flush()
    return case


def attach_document(
    session: Session,
    public_number: str,
    *,
    kind: str,
    title: str,
    actor: str,
    data: bytes | None = None,
    path: Path | None = None,
) -> int:
    """Keep a document (its bytes, or an uploaded file streamed to ``path``) for an open
    case before entry; journal its SHA-256. Returns its id."""
    case = repo.case_for_update(session, public_number)
    if case is None:
        raise CaseNotFound(f"no case has number {public_number}", field="public_number")
    if case.status not in OPEN_STATUSES:
        raise Conflict(f"a {case.status} case takes no more documents", field="public_number")
    if kind not in SOURCE_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(SOURCE_KINDS)}", field="kind")
    empty = not data if path is None else path.stat().st_size == 0
    if not title.strip() or empty:
        raise InvalidInput(
            "a document needs a title and content", field="file" if empty else "title"
        )
    name = title.strip()[:300]
    if path is not None:
        source = add_source(session, {"kind": kind, "title": name, "path": path}, case.id)
    else:
        assert data is not None
        source = add_upload(session, kind, name, data, case.id)
    journal.append(
        session,
        "document_attached",
        {"kind": kind, "sha256": source.sha256, "size_bytes": source.size_bytes, "by": actor},
        public_number=public_number,
        unit_code=case.unit_code,
    )
    return source.id


def case_status(session: Session, public_number: str) -> dict[str, Any]:
    """What the public may know of a case: its status and dates, nothing about people."""
    case = repo.case_by_number(session, public_number)
    if case is None:
        raise CaseNotFound(f"no case has number {public_number}", field="public_number")
    zh, en = STATUSES[case.status]
    return {
        "public_number": case.public_number,
        "status": case.status,
        "status_name_zh": zh,
        "status_name_en": en,
        "submitted_at": case.submitted_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "due_date": case.due_date.date().isoformat(),
        "entered_at": case.entered_at.isoformat() if case.entered_at else None,
        "steps": [
            {
                "status": s.status,
                "status_name_zh": STATUSES[s.status][0],
                "status_name_en": STATUSES[s.status][1],
                "at": s.at.isoformat(),
            }
            for s in repo.case_steps(session, case.id)
        ],
    }


def restrictions_as_of(session: Session, unit_code: str, at: datetime | None = None) -> set[str]:
    """Restriction types in force on ``unit_code`` at ``at`` (now by default); lapsed ones out."""
    parse_unit_code(unit_code)
    if not repo.unit_exists(session, unit_code, ever=True):
        raise UnitNotFound(f"no parcel or unit has unit code {unit_code}", field="unit_code")
    when = at or clock(session)
    return {
        r.rrr_type for r in repo.rrrs_as_of(session, unit_code, when) if r.kind == "restriction"
    }
