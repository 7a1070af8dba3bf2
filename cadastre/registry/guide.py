"""The public service guide: per case type the documents, the time limit and the form.

``/api/v1/services`` (JSON), ``/api/v1/services/{case_type}/form`` (a printable
application form to download) and the page ``/maps/services``. No personal data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from cadastre.registry.rules import CASE_TYPES, CaseType, case_type
from cadastre.registry.schemas import ServiceGuide
from cadastre.registry.service import COURT_CASES
from gis.web.templating import render_template

router = APIRouter(prefix="/api/v1/services", tags=["registry"])
pages = APIRouter(tags=["maps"])

TEMPLATES = Path(__file__).parent.parent / "templates"
FORM_FIELDS = [
    ("申请人姓名/名称", "applicant name"),
    ("证件种类及号码", "identity document and number"),
    ("联系电话", "telephone"),
    ("不动产单元号", "real-estate unit code"),
    ("坐落", "location"),
    ("申请事由", "reason for the application"),
]


def guide_entry(ct: CaseType) -> dict[str, Any]:
    return {
        "case_type": ct.code,
        "name_zh": ct.name_zh,
        "name_en": ct.name_en,
        "documents": [
            {
                "name_zh": m.name_zh,
                "name_en": m.name_en,
                "required_at_acceptance": bool(m.kinds),
                "document_kinds": sorted(m.kinds),
            }
            for m in ct.documents
        ],
        "legal_time_limit_working_days": ct.time_limit_days,
        "application_form_url": f"/api/v1/services/{ct.code}/form",
        "online_submission_url": "/api/v1/cases/online",
    }


@router.get("", response_model=list[ServiceGuide])
def list_services() -> list[dict[str, Any]]:
    """Every registration service with its documents, legal time limit and form."""
    return [guide_entry(ct) for ct in CASE_TYPES.values()]


@router.get("/{code}", response_model=ServiceGuide)
def one_service(code: str) -> dict[str, Any]:
    return guide_entry(case_type(code, field="code"))


@router.get("/{code}/form", response_class=HTMLResponse)
def application_form(code: str) -> HTMLResponse:
    """A printable application form (HTML) to fill in before coming to the window."""
    ct = case_type(code, field="code")
    html = render_template("application_form.html", TEMPLATES, ct=ct, fields=FORM_FIELDS)
    headers = {"Content-Disposition": f'attachment; filename="application-{ct.code}.html"'}
    return HTMLResponse(html, headers=headers)


@pages.get("/maps/services", response_class=HTMLResponse, include_in_schema=False)
def services_page() -> HTMLResponse:
    """The service guide as a page: what to bring for each case, how to apply online and
    how to check a case."""
    return HTMLResponse(
        render_template(
            "services.html",
            TEMPLATES,
            title="不动产登记办事指南 registration service guide",
            nav_current="/maps/services",
            case_types=list(CASE_TYPES.values()),
            court_cases=COURT_CASES,
        )
    )
