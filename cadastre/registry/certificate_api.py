"""Public certificate checks: the page a certificate's QR code opens (``/verify/{number}``),
its JSON (``/api/v1/certificates/{number}/status``) and the check of a saved file
(``POST /api/v1/certificates/verify``). No token: anyone holding a certificate may ask.
Each check is journaled (number, answer and channel; never who asked).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Path, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from cadastre.registry import certificates
from cadastre.registry.certificate_facts import zh_date
from cadastre.registry.certificate_page import templates
from cadastre.registry.certificate_schemas import CertificateFileChecked, CertificateStatusPublic
from cadastre.registry.certificate_status import (
    CertificateStatus,
    certificate_status,
    file_status,
    journal_check,
)
from cadastre.registry.errors import CertificateInvalid, CertificateNotFound
from gis.db import get_session, transaction
from gis.errors import PayloadTooLarge
from gis.settings import get_settings

router = APIRouter(tags=["certificates"])
MAX_CERTIFICATE_BYTES = 20 * 1024 * 1024
Number = Path(..., min_length=1, max_length=40, description="证书编号 as printed")


def _checked(session: Session, number: str, channel: str) -> CertificateStatus:
    with transaction(session):
        status = certificate_status(session, number)
        journal_check(session, status, channel)
    return status


@router.get("/verify/{number}", response_class=HTMLResponse, include_in_schema=False)
def verify_page(number: str = Number, session: Session = Depends(get_session)) -> HTMLResponse:
    """The page a certificate's QR code opens: genuine or not, current, superseded or
    cancelled, and the restrictions now on the unit (Chinese first, works on a phone)."""
    s = _checked(session, number, "page").as_dict()
    for key in ("issued_on", "superseded_on", "cancelled_on", "checked_at"):
        s[key.replace("_on", "_zh").replace("_at", "_zh")] = zh_date(s[key])
    for r in s["restrictions"]:
        r["since_zh"] = zh_date(r["since"])
    html = (
        templates()
        .get_template("certificate_verify.html")
        .render(s=s, authority=get_settings().registry_authority)
    )
    return HTMLResponse(html, status_code=404 if s["status"] == "unknown" else 200)


@router.get("/api/v1/certificates/{number}/status", response_model=CertificateStatusPublic)
def status_json(number: str = Number, session: Session = Depends(get_session)) -> Any:
    """A certificate's status now (404 when this register issued no such number)."""
    status = _checked(session, number, "api")
    if status.status == "unknown":
        raise CertificateNotFound(
            f"查无此证；no certificate numbered {number} in this register", field="number"
        )
    return status.as_dict()


@router.post("/api/v1/certificates/verify", response_model=CertificateFileChecked)
async def verify_file(
    file: UploadFile = File(..., description="a saved certificate: PDF or HTML page"),
    session: Session = Depends(get_session),
) -> Any:
    """Check a saved certificate: a 422 problem naming what failed (file, payload, signature,
    certificate_number, ...) when its signature or printed facts do not hold; else 200 with
    its status now (``current`` false when superseded or cancelled)."""
    data = await file.read(MAX_CERTIFICATE_BYTES + 1)
    if len(data) > MAX_CERTIFICATE_BYTES:
        limit = MAX_CERTIFICATE_BYTES
        raise PayloadTooLarge(f"a certificate is at most {limit} bytes", field="file")
    check = await run_in_threadpool(certificates.verify_file, data)
    if not check.ok:
        raise CertificateInvalid(check.reason, field=check.field or "file")
    with transaction(session):
        status = file_status(session, check, "file")
    assert status is not None
    s = status.as_dict()
    return {
        "valid": True,
        "reason": check.reason,
        "certificate_number": check.number,
        "unit_code": check.unit_code,
        **{k: s[k] for k in ("genuine", "current", "status", "verdict_zh", "verdict_en")},
        **{k: s[k] for k in ("superseded_by", "superseded_on", "cancelled_on", "restrictions")},
    }
