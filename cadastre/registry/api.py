"""Registry endpoints under /api/v1: cases (public status, window, online), units, journal.

Public reads (case status, restrictions, journal check) never show names or ID numbers;
everything about people needs a registrar's token.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from cadastre.registry import certificates, journal, views
from cadastre.registry import service as svc
from cadastre.registry.responses import (
    CaseDetailStaff,
    CaseSummaryStaff,
    DocumentAttached,
    JournalVerification,
    UnitHistoryStaff,
    UnitRegisterStaff,
    UnitRestrictionsPublic,
)
from cadastre.registry.schemas import CaseCreate, CaseStatusPublic, CaseSubmitted, HoldersIn, StepIn
from cadastre.registry.sources import add_source
from gis.auth.deps import require_role
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.contracts import file_answer
from gis.db import get_session, transaction
from gis.errors import InvalidInput
from gis.limits import bad_json_text, bad_text, check_text
from gis.settings import get_settings
from gis.store_http import stored_answer, stored_file
from gis.uploads import Received, receive

router = APIRouter(prefix="/api/v1", tags=["registry"])
registrar = require_role(Role.REGISTRAR)  # reads: registrars, and admins overseeing them
# acts on a case: the registrar role itself (an admin is not a registrar; four eyes)
officer = require_role(Role.REGISTRAR, admin=False)
MAX_ONLINE_FILES = 10
CaseSort = Literal["due_date", "-due_date", "submitted_at", "-submitted_at"]


@router.get("/cases/{public_number}", response_model=CaseStatusPublic)
def public_case_status(public_number: str, session: Session = Depends(get_session)) -> Any:
    """Status and dates of a case, for the applicant (no personal data)."""
    return svc.case_status(session, public_number)


@router.post("/cases", status_code=201, response_model=CaseSubmitted)
def submit_case(
    body: CaseCreate,
    session: Session = Depends(get_session),
    who: Principal = Depends(officer),
) -> Any:
    """A case received at the service window."""
    with transaction(session):
        case = svc.open_case(
            session,
            case_type_code=body.case_type,
            submitted_by=who.username,
            role=who.role.value,
            request=body.request(),
            note=body.note,
        )
        return _submitted(case)


@router.post("/cases/online", status_code=201, response_model=CaseSubmitted)
async def submit_online(
    case_type: str = Form(...),
    unit_code: str | None = Form(None),
    note: str = Form("", max_length=2000),
    holders: str | None = Form(None, description="JSON list of holders"),
    files: list[UploadFile] = File(default_factory=list),
    session: Session = Depends(get_session),
) -> Any:
    """Online submission with documents, for pre-review at the window (no token needed).

    Small limits (``limit_online_*``: files, bytes per file and per request; the edge
    rate-limits it per address); the files stream to temporary files, never into memory.
    """
    return await accept_online(session, case_type, unit_code, note, holders, files)


async def accept_online(
    session: Session,
    case_type: str,
    unit_code: str | None,
    note: str,
    holders: str | None,
    files: list[UploadFile],
) -> dict[str, Any]:
    """The online submission's checks and its case: one path for the API and the web form
    (``/maps/services/apply``), so both refuse the same input the same way."""
    for name, value in (("case_type", case_type), ("unit_code", unit_code), ("note", note)):
        check_text(value, name)
    if holders and (bad_text(holders) or bad_json_text(holders)):
        detail = "holders 含有非法字符；holders hold a NUL or a lone surrogate"
        raise InvalidInput(detail, field="holders")
    parsed = _parse_holders(holders)
    s = get_settings()
    async with receive(
        files,
        max_files=s.limit_online_files,
        file_bytes=s.limit_online_file_bytes,
        request_bytes=s.limit_online_request_bytes,
    ) as docs:
        request = {"unit_code": unit_code or None, "holders": parsed}
        return await run_in_threadpool(_open_online_case, session, case_type, note, request, docs)


def _open_online_case(
    session: Session, case_type: str, note: str, request: dict[str, Any], docs: list[Received]
) -> dict[str, Any]:
    """Open the online case and keep its documents (copied from the temporary files)."""
    with transaction(session):
        case = svc.open_case(
            session,
            case_type_code=case_type,
            submitted_by="online",
            role="public",
            channel="online",
            note=note,
            request=request,
        )
        for doc in docs:
            source = {"kind": "application", "title": doc.name, "sha256": None, "path": doc.path}
            add_source(session, source, case.id)
        return _submitted(case, len(docs))


@router.post("/cases/{public_number}/steps", response_model=CaseDetailStaff)
def take_step(
    public_number: str,
    body: StepIn,
    session: Session = Depends(get_session),
    who: Principal = Depends(officer),
) -> dict[str, Any]:
    """Accept, review, enter, issue the certificate, reject or withdraw a case. The
    registrar who accepted a case does not review it, the reviewer does not enter it."""
    with transaction(session):
        case = svc.take_step(
            session,
            public_number,
            body.step,
            actor=who.username,
            role=who.role.value,
            reason=body.reason,
        )
        return views.case_detail(session, case, who)


@router.put("/cases/{public_number}/holders", response_model=CaseDetailStaff)
def amend_holders(
    public_number: str,
    body: HoldersIn,
    session: Session = Depends(get_session),
    who: Principal = Depends(officer),
) -> dict[str, Any]:
    """Set the holders of an open case (completing a survey's new-parcel case at the window)."""
    with transaction(session):
        holders = [h.model_dump(exclude_none=True) for h in body.holders]
        case = svc.amend_holders(session, public_number, holders, actor=who.username)
        return views.case_detail(session, case, who)


@router.post("/cases/{public_number}/documents", status_code=201, response_model=DocumentAttached)
async def attach_document(
    public_number: str,
    kind: str = Form(...),
    title: str = Form(..., max_length=300),
    file: UploadFile = File(...),
    session: Session = Depends(get_session),
    who: Principal = Depends(officer),
) -> dict[str, Any]:
    """Add a document (scanned contract, court order, ...) to an open case; the file is
    streamed to a temporary file (never wholly into memory), up to upload_max_bytes."""
    limit = get_settings().upload_max_bytes
    async with receive(
        [file], max_files=1, file_bytes=limit, request_bytes=limit, field="file"
    ) as docs:
        with transaction(session):
            doc_id = svc.attach_document(
                session,
                public_number,
                kind=kind,
                title=title,
                path=docs[0].path,
                actor=who.username,
            )
    return {"public_number": public_number, "document_id": doc_id}


@router.get("/cases/{public_number}/detail", response_model=CaseDetailStaff)
def case_detail(
    public_number: str,
    session: Session = Depends(get_session),
    who: Principal = Depends(registrar),
) -> dict[str, Any]:
    """Everything about a case, for registrars: request, holders, steps with actors, and
    the steps the caller's role may take now (``allowed_steps``)."""
    case = views.case_or_404(session, public_number)
    return views.case_detail(session, case, who)


@router.get("/cases", response_model=list[CaseSummaryStaff])
def list_cases(
    response: Response,
    status: str | None = Query(None, max_length=200, description="one or more, comma-separated"),
    case_type: str | None = Query(None, max_length=24),
    unit_code: str | None = Query(None, max_length=28),
    submitted_from: date | None = Query(None, description="first local day (YYYY-MM-DD)"),
    submitted_to: date | None = Query(None, description="last local day, included"),
    overdue: bool = Query(False, description="only open cases past their due date"),
    sort: CaseSort = Query("-submitted_at"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    session: Session = Depends(get_session),
    _: Principal = Depends(registrar),
) -> list[dict[str, Any]]:
    """Cases for registrars, newest first unless ``sort`` says otherwise; the number of
    matching cases is in the ``X-Total-Count`` header (page with ``limit``/``offset``)."""
    items, total = views.case_list(
        session,
        status=status,
        case_type=case_type,
        unit_code=unit_code,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
        overdue=overdue,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    response.headers["X-Total-Count"] = str(total)
    return items


@router.get("/cases/{public_number}/certificate", response_class=HTMLResponse)
def certificate_page(
    public_number: str,
    session: Session = Depends(get_session),
    _: Principal = Depends(registrar),
) -> HTMLResponse:
    """The signed, printable certificate of an entered case (save it to verify offline)."""
    html = certificates.page_for_case(session, public_number)
    headers = {"Content-Disposition": f'inline; filename="certificate-{public_number}.html"'}
    return HTMLResponse(html, headers=headers)


@router.get(
    "/cases/{public_number}/certificate.pdf",
    response_class=Response,
    responses=file_answer("application/pdf"),
)
def certificate_pdf(
    public_number: str,
    session: Session = Depends(get_session),
    _: Principal = Depends(registrar),
) -> Response:
    """The certificate as a PDF with its signed payload attached and as a QR code."""
    data = certificates.pdf_for_case(session, public_number)
    headers = {"Content-Disposition": f'inline; filename="certificate-{public_number}.pdf"'}
    return Response(data, media_type="application/pdf", headers=headers)


@router.get("/units/{unit_code}/restrictions", response_model=UnitRestrictionsPublic)
def unit_restrictions(unit_code: str, session: Session = Depends(get_session)) -> dict[str, Any]:
    """Restrictions in force on a unit now (types only), for the public and other domains."""
    found = sorted(svc.restrictions_as_of(session, unit_code))
    return {"unit_code": unit_code, "restrictions": views.named_restrictions(found)}


@router.get(
    "/units/{unit_code}/register",
    dependencies=[Depends(registrar)],
    response_model=UnitRegisterStaff,
)
def unit_register(
    unit_code: str,
    at: datetime | None = Query(None, description="read the register as of this instant"),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """The register page of a unit (holders, shares, restrictions), optionally as of ``at``."""
    return views.unit_register(session, unit_code, at)


@router.get(
    "/units/{unit_code}/history",
    dependencies=[Depends(registrar)],
    response_model=UnitHistoryStaff,
)
def unit_history(unit_code: str, session: Session = Depends(get_session)) -> dict[str, Any]:
    """Every right and restriction version ever on a unit, with its case number."""
    return views.unit_history(session, unit_code)


@router.get("/journal/verify", response_model=JournalVerification)
def verify_journal(session: Session = Depends(get_session)) -> dict[str, Any]:
    """Recompute the journal's hash chain; names every entry that was changed."""
    return journal.verify(session).as_dict()


def _submitted(case: Any, documents: int = 0) -> dict[str, Any]:
    return {
        "public_number": case.public_number,
        "status": case.status,
        "due_date": case.due_date.date().isoformat(),
        "documents": documents,
    }


def _parse_holders(raw: str | None) -> list[dict[str, Any]] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise InvalidInput("holders must be a JSON list", field="holders") from None
    if not isinstance(value, list) or not all(isinstance(h, dict) for h in value):
        raise InvalidInput("holders must be a JSON list of objects", field="holders")
    return value


@router.get(
    "/cases/{public_number}/documents/{source_id}",
    dependencies=[Depends(registrar)],
    response_class=Response,
    responses=stored_answer("application/octet-stream"),
)
def case_document(
    public_number: str, source_id: int, session: Session = Depends(get_session)
) -> Response:
    """Download a document of a case (registrars); on S3 a redirect to a presigned URL."""
    name, key = views.document(session, public_number, source_id)
    return stored_file(key, name, "application/octet-stream", "source_id")
