"""Public notices of first registrations: the list in force (JSON and a page) and the
route to lodge an objection while one is in force (anyone, or a registrar at the window).

What is public here is what a notice shows: no names or ID numbers (see NoticePublic).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from cadastre.registry import notices
from cadastre.registry.schemas import NoticePublic, ObjectionIn, ObjectionLodged
from cadastre.registry.service import clock
from gis.auth.deps import optional_principal
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import get_session, transaction
from gis.web.templating import SHARED, add_navigation

router = APIRouter(prefix="/api/v1/notices", tags=["registry"])
pages = APIRouter(tags=["maps"], include_in_schema=False)
templates = Jinja2Templates(  # its own templates, then the shared top bar (gis.web)
    env=add_navigation(
        Environment(
            loader=ChoiceLoader(
                [PackageLoader("cadastre.registry", "templates"), FileSystemLoader(SHARED)]
            ),
            autoescape=select_autoescape(),
        )
    )
)


@router.get("", response_model=list[NoticePublic])
def notices_in_force(session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """First-registration notices in force now, ending soonest first (no personal data)."""
    return notices.notices_in_force(session, clock(session))


@router.post("/{public_number}/objections", status_code=201, response_model=ObjectionLodged)
def lodge_objection(
    public_number: str,
    body: ObjectionIn,
    session: Session = Depends(get_session),
    who: Principal | None = Depends(optional_principal),
) -> dict[str, Any]:
    """Lodge an objection (异议) to a notice in force; it is kept with the case and the
    case is then entered only with a reason why it does not stand."""
    by = who.username if who is not None and who.role == Role.REGISTRAR else "public"
    with transaction(session):
        row = notices.lodge_objection(
            session,
            public_number,
            objector=body.objector,
            contact=body.contact,
            reason=body.reason,
            lodged_by=by,
            now=clock(session),
        )
        return {
            "public_number": public_number,
            "objection_id": row.id,
            "lodged_at": row.lodged_at.isoformat(),
        }


@pages.get("/maps/notices", response_class=HTMLResponse)
def notices_page(request: Request, session: Session = Depends(get_session)) -> HTMLResponse:
    """The public page of notices in force, with a form to lodge an objection."""
    items = notices.notices_in_force(session, clock(session))
    return templates.TemplateResponse(request, "notices.html", {"notices": items})
