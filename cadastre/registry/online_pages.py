"""Citizens' web pages of the registry: the online application form under
``/maps/services/apply`` and the case-status page ``/maps/cases/{number}``.

The form goes through :func:`cadastre.registry.api.accept_online`, the very path of
``POST /api/v1/cases/online``: the same checks, the same case, nothing kept on refusal
(its unit of work rolls back and the temporary files go). A refusal shows the form again,
with what was typed and the reason beside the field at fault.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from cadastre.registry import status_page
from cadastre.registry.api import accept_online
from cadastre.registry.rules import CASE_TYPES
from cadastre.registry.service import COURT_CASES
from gis.db import get_session
from gis.errors import (
    Conflict,
    InvalidInput,
    LandgisError,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    TooManyRequests,
)
from gis.web.templating import render_template

pages = APIRouter(tags=["maps"], include_in_schema=False)
TEMPLATES = Path(__file__).parent.parent / "templates"
HOLDER_ROWS = 3
HOLDER_KINDS = [("natural", "自然人", "person"), ("legal", "法人", "organisation")]
NOTE_MAX = 2000
REFUSALS: list[tuple[type[LandgisError], int]] = [
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),
    (PermissionDenied, 403),
    (PayloadTooLarge, 413),
    (TooManyRequests, 429),
]


def online_case_types() -> list[Any]:
    """Case types a citizen may apply for online (court-ordered ones come from courts)."""
    return [ct for code, ct in CASE_TYPES.items() if code not in COURT_CASES]


def _form_page(values: dict[str, Any], error: LandgisError | None = None) -> str:
    field = (error.field or "") if error else ""
    return render_template(
        "apply.html",
        TEMPLATES,
        title="网上申请 apply online",
        nav_current="/maps/services",
        case_types=online_case_types(),
        kinds=HOLDER_KINDS,
        v=values,
        rows=range(HOLDER_ROWS),
        error=error,
        error_field=field,
        error_row=_holder_row(field),
    )


def _holder_row(field: str) -> tuple[int, str] | None:
    """``holders.1.id_number`` → (1, "id_number"); other fields → None."""
    parts = field.split(".")
    if len(parts) >= 2 and parts[0] == "holders" and parts[1].isdigit():
        return int(parts[1]), parts[2] if len(parts) > 2 else ""
    return None


@pages.get("/maps/services/apply", response_class=HTMLResponse)
def apply_form(case_type: str | None = None) -> HTMLResponse:
    """The empty application form (``case_type`` preselects a service of the guide)."""
    return HTMLResponse(_form_page({"case_type": case_type or "", "holders": []}))


def holders_json(
    kinds: list[str], names: list[str], ids: list[str], shares: list[str]
) -> str | None:
    """The filled holder rows as the API's ``holders`` JSON (empty rows left out)."""
    rows = []
    for i in range(max(len(kinds), len(names), len(ids), len(shares))):
        name = names[i].strip() if i < len(names) else ""
        number = ids[i].strip() if i < len(ids) else ""
        share = shares[i].strip() if i < len(shares) else ""
        if not (name or number or share):
            continue
        row: dict[str, Any] = {"kind": kinds[i] if i < len(kinds) else "natural", "name": name}
        row["id_number"] = number or None
        if share:
            row["share"] = share
        rows.append(row)
    return json.dumps(rows, ensure_ascii=False) if rows else None


@pages.post("/maps/services/apply", response_class=HTMLResponse)
async def apply_submit(
    case_type: str = Form(""),
    unit_code: str = Form(""),
    note: str = Form(""),
    holder_kind: list[str] = Form(default_factory=list),
    holder_name: list[str] = Form(default_factory=list),
    holder_id: list[str] = Form(default_factory=list),
    holder_share: list[str] = Form(default_factory=list),
    files: list[UploadFile] = File(default_factory=list),
    session: Session = Depends(get_session),
) -> Response:
    """Submit the form: 303 to the new case's status page, or the form again (422) with
    the reason next to the field at fault."""
    holders = holders_json(holder_kind, holder_name, holder_id, holder_share)
    chosen = [f for f in files if f.filename]  # a browser sends an empty part for no file
    values = {
        "case_type": case_type,
        "unit_code": unit_code,
        "note": note,
        "holders": list(zip(holder_kind, holder_name, holder_id, holder_share, strict=False)),
    }
    try:
        if len(note) > NOTE_MAX:
            detail = f"说明过长（最多 {NOTE_MAX} 字）；note longer than {NOTE_MAX}"
            raise InvalidInput(detail, field="note")
        done = await accept_online(
            session, case_type, unit_code.strip() or None, note, holders, chosen
        )
    except LandgisError as exc:
        return HTMLResponse(_form_page(values, exc), status_code=_status(exc))
    number = quote(done["public_number"])
    return RedirectResponse(f"/maps/cases/{number}?submitted={done['documents']}", status_code=303)


def _status(exc: LandgisError) -> int:
    """The refused form's HTTP status, by the error's category (as the API answers)."""
    for cls, status in REFUSALS:
        if isinstance(exc, cls):
            return status
    return 400


@pages.get("/maps/cases", response_class=HTMLResponse)
def find_case(number: str | None = None) -> Response:
    """The status lookup: a number given goes to its page, else the lookup form."""
    if number and number.strip():
        return RedirectResponse(f"/maps/cases/{quote(number.strip(), safe='')}", status_code=303)
    return HTMLResponse(_status_html(None, None, "", None))


@pages.get("/maps/cases/{public_number}", response_class=HTMLResponse)
def case_page(
    public_number: str, submitted: int | None = None, session: Session = Depends(get_session)
) -> HTMLResponse:
    """A case as a timeline (404 with the lookup form for an unknown number)."""
    try:
        view = status_page.status_view(session, public_number)
    except NotFound as exc:
        return HTMLResponse(_status_html(None, None, public_number, exc.detail), status_code=404)
    return HTMLResponse(_status_html(view, submitted, public_number, None))


def _status_html(
    view: dict[str, Any] | None, submitted: int | None, number: str, message: str | None
) -> str:
    return render_template(
        "case_status.html",
        TEMPLATES,
        title=f"办件进度 case {view['public_number']}" if view else "办件查询 check a case",
        nav_current=None,
        case=view,
        submitted=submitted,
        number=number,
        message=message,
    )
