"""The working-day calendar of legal time limits: public to read, admins set days."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from cadastre.registry import holidays
from cadastre.registry.responses import CalendarPublic
from gis.auth.deps import require_role
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import get_session, transaction

router = APIRouter(prefix="/api/v1/calendar", tags=["registry"])
admin = require_role(Role.ADMIN)


class CalendarDayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["holiday", "workday"]
    name: str = Field("", max_length=100)


@router.get("", response_model=CalendarPublic)
def calendar(
    year: int = Query(..., ge=holidays.MIN_YEAR, le=holidays.MAX_YEAR),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Public holidays and adjusted working days (调休) of ``year`` used for due dates."""
    return holidays.calendar_view(session, year)


@router.put("/{day}", status_code=204, response_class=Response)
def set_day(
    day: date,
    body: CalendarDayIn,
    session: Session = Depends(get_session),
    who: Principal = Depends(admin),
) -> Response:
    """Set a day as a holiday or an adjusted working day (admins; applies to new cases)."""
    with transaction(session):
        holidays.set_day(session, day, body.kind, body.name, who.username)
    return Response(status_code=204)


@router.delete("/{day}", status_code=204, response_class=Response)
def remove_day(
    day: date, session: Session = Depends(get_session), _: Principal = Depends(admin)
) -> Response:
    """Remove an admin's setting of a day (the packaged calendar applies again)."""
    with transaction(session):
        holidays.remove_day(session, day)
    return Response(status_code=204)
