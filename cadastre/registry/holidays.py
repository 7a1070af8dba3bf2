"""The working-day calendar in force: the packaged PRC holidays plus an admin's days.

Due dates of new cases are counted with :func:`work_calendar`; admins set days with
:func:`set_day` when the State Council publishes a new year's arrangement.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from cadastre.registry import repository as repo
from cadastre.registry.workdays import KINDS, WorkCalendar, official_calendar, official_days
from gis.errors import InvalidInput, NotFound

MIN_YEAR, MAX_YEAR = 2000, 2100


def work_calendar(session: Session) -> WorkCalendar:
    """The official calendar with the admin's days (``work_calendar_day``) over it."""
    return official_calendar().with_days({d.day: d.kind for d in repo.calendar_days(session)})


def calendar_view(session: Session, year: int) -> dict[str, Any]:
    """Every holiday and adjusted working day of ``year``, and where each comes from."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"year must be from {MIN_YEAR} to {MAX_YEAR}", field="year")
    days: dict[date, dict[str, Any]] = {
        d: {"date": d.isoformat(), "kind": kind, "name": name, "source": "official"}
        for d, (kind, name) in official_days().items()
        if d.year == year
    }
    for row in repo.calendar_days(session):
        if row.day.year == year:
            days[row.day] = {
                "date": row.day.isoformat(),
                "kind": row.kind,
                "name": row.name,
                "source": "admin",
                "added_by": row.added_by,
            }
    return {"year": year, "days": [days[d] for d in sorted(days)]}


def set_day(session: Session, day: date, kind: str, name: str, actor: str) -> None:
    """Make ``day`` a holiday or an adjusted working day for cases submitted from now on."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InvalidInput(f"day must be from {MIN_YEAR} to {MAX_YEAR}", field="day")
    repo.set_calendar_day(session, day, kind, name.strip()[:100], actor)


def remove_day(session: Session, day: date) -> None:
    """Drop an admin's setting of ``day`` (the packaged file applies again)."""
    if not repo.delete_calendar_day(session, day):
        raise NotFound(f"no admin setting for {day.isoformat()}", field="day")
