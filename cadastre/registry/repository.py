"""SQL over the registry tables. Never commits: the service owns the transaction.

"As of" reads use half-open lifespans: a version is in force at ``t`` when
``begin_lifespan <= t < coalesce(end_lifespan, 'infinity')``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, func, select, text, update
from sqlalchemy.orm import Session

from cadastre.registry.models import RRR, BAUnit, CalendarDay, CaseStep, Party, RegCase

IN_FORCE = "begin_lifespan <= :at AND (end_lifespan IS NULL OR end_lifespan > :at)"


def current_parcel(session: Session, unit_code: str) -> Row[Any] | None:
    """The current version of the parcel with ``unit_code`` (geometry as GeoJSON in 4490)."""
    return session.execute(
        text(
            "SELECT id, uid, version, unit_code, land_use, area_m2, reg_status, "
            "ST_AsGeoJSON(geom, 7) AS geojson FROM parcel "
            "WHERE unit_code = :code AND end_lifespan IS NULL"
        ),
        {"code": unit_code},
    ).first()


def ewkb_from_wkt(session: Session, wkt: str) -> str:
    """Hex EWKB of a (multi)polygon given as WKT in EPSG:4490, as a MultiPolygon."""
    value: str = session.execute(
        text("SELECT encode(ST_AsEWKB(ST_Multi(ST_GeomFromText(:w, 4490))), 'hex')"), {"w": wkt}
    ).scalar_one()
    return value


def unit_exists(session: Session, unit_code: str, ever: bool = False) -> bool:
    """Whether a current parcel or BAUnit carries ``unit_code`` (``ever``: any version)."""
    current = "" if ever else " AND end_lifespan IS NULL"
    found: bool = session.execute(
        text(
            f"SELECT EXISTS (SELECT 1 FROM parcel WHERE unit_code = :c{current}) "
            f"OR EXISTS (SELECT 1 FROM baunit WHERE unit_code = :c{current})"
        ),
        {"c": unit_code},
    ).scalar_one()
    return found


def parcel_is_current(session: Session, unit_code: str) -> bool:
    found: bool = session.execute(
        text("SELECT EXISTS (SELECT 1 FROM parcel WHERE unit_code = :c AND end_lifespan IS NULL)"),
        {"c": unit_code},
    ).scalar_one()
    return found


def parcel_as_of(session: Session, unit_code: str, at: datetime) -> Row[Any] | None:
    """The parcel version with ``unit_code`` in force at ``at``."""
    return session.execute(
        text(
            "SELECT id, uid, version, unit_code, land_use, area_m2, reg_status, "
            f"ST_AsGeoJSON(geom, 7) AS geojson FROM parcel WHERE unit_code = :code AND {IN_FORCE} "
            "ORDER BY version DESC LIMIT 1"
        ),
        {"code": unit_code, "at": at},
    ).first()


def baunit_as_of(session: Session, unit_code: str, at: datetime | None = None) -> BAUnit | None:
    """The BAUnit version with ``unit_code`` in force at ``at`` (now: the current one)."""
    query = select(BAUnit).where(BAUnit.unit_code == unit_code)
    if at is None:
        query = query.where(BAUnit.end_lifespan.is_(None))
    else:
        query = query.where(
            BAUnit.begin_lifespan <= at,
            (BAUnit.end_lifespan.is_(None)) | (BAUnit.end_lifespan > at),
        )
    return session.scalars(query.order_by(BAUnit.version.desc()).limit(1)).first()


def rrrs_as_of(session: Session, unit_code: str, at: datetime) -> list[Row[Any]]:
    """Rights and restrictions on ``unit_code`` in force at ``at`` (lapsed ones left out)."""
    return list(
        session.execute(
            text(
                "SELECT r.uid, r.version, r.kind, r.rrr_type, r.share_num, r.share_den, "
                "r.amount, r.creditor, r.term_end, r.expires_at, r.begin_lifespan, "
                "p.uid AS party_uid, p.kind AS party_kind, p.name AS party_name, "
                "p.id_number AS party_id_number "
                "FROM rrr r LEFT JOIN party p ON p.uid = r.party_uid "
                "AND p.begin_lifespan <= :at AND (p.end_lifespan IS NULL OR p.end_lifespan > :at) "
                "WHERE r.unit_code = :code AND r.begin_lifespan <= :at "
                "AND (r.end_lifespan IS NULL OR r.end_lifespan > :at) "
                "AND (r.expires_at IS NULL OR r.expires_at > :at) ORDER BY r.uid"
            ),
            {"code": unit_code, "at": at},
        )
    )


def close_rrrs(
    session: Session, unit_code: str, at: datetime, types: set[str], uid: int | None = None
) -> int:
    """End the current RRRs of ``types`` on ``unit_code`` at ``at``; returns how many."""
    query = (
        update(RRR)
        .where(
            RRR.unit_code == unit_code,
            RRR.end_lifespan.is_(None),
            RRR.rrr_type.in_(sorted(types)),
        )
        .values(end_lifespan=at)
    )
    if uid is not None:
        query = query.where(RRR.uid == uid)
    return int(session.execute(query).rowcount)  # type: ignore[attr-defined]


def current_party_by_id_number(session: Session, id_number: str) -> Party | None:
    return session.scalars(
        select(Party).where(Party.id_number == id_number, Party.end_lifespan.is_(None)).limit(1)
    ).first()


def next_case_number(session: Session, at: datetime) -> str:
    """A public case number: DJ + date + 8-digit sequence (16 characters)."""
    seq = session.execute(text("SELECT nextval('reg_case_number_seq')")).scalar_one()
    return f"DJ{at:%Y%m%d}{int(seq) % 100_000_000:08d}"


def case_for_update(session: Session, public_number: str) -> RegCase | None:
    """The case with ``public_number``, row-locked for a step."""
    return session.scalars(
        select(RegCase).where(RegCase.public_number == public_number).with_for_update()
    ).first()


def case_by_number(session: Session, public_number: str) -> RegCase | None:
    return session.scalars(select(RegCase).where(RegCase.public_number == public_number)).first()


def case_steps(session: Session, case_id: int) -> list[CaseStep]:
    return list(
        session.scalars(select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.id))
    )


def lock_unit(session: Session, unit_code: str) -> None:
    """Serialise registrations on one unit until the transaction ends."""
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": "unit:" + unit_code}
    )


@dataclass(frozen=True)
class CaseFilters:
    """What the case desk filters on; ``submitted_from``/``submitted_to`` are instants
    (the start of the first day and the start of the day after the last, local time)."""

    statuses: tuple[str, ...] = ()
    case_type: str | None = None
    unit_code: str | None = None
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    overdue_at: datetime | None = None


CASE_SORTS = {
    "due_date": (RegCase.due_date.asc(), RegCase.id.asc()),
    "-due_date": (RegCase.due_date.desc(), RegCase.id.desc()),
    "submitted_at": (RegCase.submitted_at.asc(), RegCase.id.asc()),
    "-submitted_at": (RegCase.submitted_at.desc(), RegCase.id.desc()),
}
OPEN_STATUSES = ("submitted", "accepted", "reviewed")


def _case_query(query: Select[Any], f: CaseFilters) -> Select[Any]:
    if f.statuses:
        query = query.where(RegCase.status.in_(f.statuses))
    if f.case_type:
        query = query.where(RegCase.case_type == f.case_type)
    if f.unit_code:
        query = query.where(RegCase.unit_code == f.unit_code)
    if f.submitted_from is not None:
        query = query.where(RegCase.submitted_at >= f.submitted_from)
    if f.submitted_to is not None:
        query = query.where(RegCase.submitted_at < f.submitted_to)
    if f.overdue_at is not None:
        query = query.where(RegCase.status.in_(OPEN_STATUSES), RegCase.due_date < f.overdue_at)
    return query


def list_cases(
    session: Session, filters: CaseFilters, sort: str, limit: int, offset: int
) -> tuple[list[RegCase], int]:
    """One page of the cases matching ``filters`` in ``sort`` order, and how many match."""
    query = _case_query(select(RegCase), filters)
    page = list(session.scalars(query.order_by(*CASE_SORTS[sort]).limit(limit).offset(offset)))
    total = session.scalar(_case_query(select(func.count()).select_from(RegCase), filters))
    return page, int(total or 0)


def unit_history(session: Session, unit_code: str) -> list[Row[Any]]:
    """Every RRR version ever on ``unit_code``, oldest first (for the registrars' timeline),
    with the records of split or merged parent units it was carried from (``carried_from``,
    a JSON list of {unit_code, uid}, or None)."""
    return list(
        session.execute(
            text(
                "SELECT r.uid, r.kind, r.rrr_type, r.share_num, r.share_den, r.begin_lifespan, "
                "r.end_lifespan, r.expires_at, c.public_number, "
                "(SELECT json_agg(json_build_object('unit_code', f.unit_code, 'uid', f.uid) "
                "ORDER BY f.unit_code, f.uid) FROM rrr_carry k JOIN rrr f ON f.id = k.from_id "
                "WHERE k.to_id = r.id) AS carried_from FROM rrr r "
                "LEFT JOIN reg_case c ON c.id = r.case_id WHERE r.unit_code = :code "
                "ORDER BY r.begin_lifespan, r.uid"
            ),
            {"code": unit_code},
        )
    )


def group_members(session: Session, group_uids: list[int], at: datetime) -> dict[int, list[Any]]:
    """Members (name, ID number, share) of group parties as of ``at``, by group uid."""
    if not group_uids:
        return {}
    rows = session.execute(
        text(
            "SELECT m.group_uid, p.kind, p.name, p.id_number, m.share_num, m.share_den "
            "FROM party_member m JOIN party p ON p.uid = m.member_uid "
            "AND p.begin_lifespan <= :at AND (p.end_lifespan IS NULL OR p.end_lifespan > :at) "
            "WHERE m.group_uid = ANY(:g) ORDER BY m.group_uid, p.id_number"
        ),
        {"g": group_uids, "at": at},
    )
    out: dict[int, list[Any]] = {}
    for r in rows:
        out.setdefault(int(r.group_uid), []).append(r)
    return out


def calendar_days(session: Session) -> list[CalendarDay]:
    """The days an admin set in the working-day calendar, oldest first."""
    return list(session.scalars(select(CalendarDay).order_by(CalendarDay.day)))


def set_calendar_day(session: Session, day: date, kind: str, name: str, actor: str) -> None:
    """Set ``day`` as a holiday or an adjusted working day (replacing an earlier setting)."""
    session.execute(
        text(
            "INSERT INTO work_calendar_day (day, kind, name, added_by) VALUES (:d, :k, :n, :a) "
            "ON CONFLICT (day) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, "
            "added_by = EXCLUDED.added_by, added_at = now()"
        ),
        {"d": day, "k": kind, "n": name, "a": actor},
    )


def delete_calendar_day(session: Session, day: date) -> bool:
    """Remove an admin's setting of ``day``; whether there was one."""
    deleted = session.execute(text("DELETE FROM work_calendar_day WHERE day = :d"), {"d": day})
    return bool(deleted.rowcount)  # type: ignore[attr-defined]
