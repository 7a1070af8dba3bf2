"""The public service guide: per case type the documents, the time limit and the form.

``/api/v1/services`` (JSON), ``/api/v1/services/{case_type}/form`` (a printable
application form to download) and the page ``/maps/services``. No personal data.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from cadastre.registry.rules import CASE_TYPES, CaseType, case_type
from cadastre.registry.schemas import ServiceGuide

router = APIRouter(prefix="/api/v1/services", tags=["registry"])
pages = APIRouter(tags=["maps"])

_REQUIRED = " <strong>（受理前必须提交 required before acceptance）</strong>"
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
    rows = "".join(
        f"<tr><th>{escape(zh)}<br><small>{escape(en)}</small></th><td></td></tr>"
        for zh, en in FORM_FIELDS
    )
    docs = "".join(
        f"<li>☐ {escape(m.name_zh)} ({escape(m.name_en)}){_REQUIRED if m.kinds else ''}</li>"
        for m in ct.documents
    )
    html = (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{escape(ct.name_zh)}申请书</title><style>"
        "body{font-family:'Noto Sans CJK SC',sans-serif;margin:2em}"
        "table{border-collapse:collapse;width:100%}th,td{border:1px solid #444;padding:.6em}"
        "th{width:35%;text-align:left}td{height:2em}</style></head><body>"
        f"<h1>不动产登记申请书 · {escape(ct.name_zh)}</h1>"
        f"<p>Application for real-estate registration: {escape(ct.name_en)}</p>"
        f"<table>{rows}</table><h2>需提交材料 documents to bring</h2><ul>{docs}</ul>"
        f"<p>法定办理时限 legal time limit: {ct.time_limit_days} 个工作日 working days</p>"
        "<p>申请人签章 signature: ____________ 日期 date: ____________</p></body></html>"
    )
    headers = {"Content-Disposition": f'attachment; filename="application-{ct.code}.html"'}
    return HTMLResponse(html, headers=headers)


@pages.get("/maps/services", response_class=HTMLResponse, include_in_schema=False)
def services_page() -> HTMLResponse:
    """The service guide as a page: what to bring for each case, and how to check a case."""
    items = []
    for ct in CASE_TYPES.values():
        docs = "".join(
            f"<li>{escape(m.name_zh)} <small>{escape(m.name_en)}</small>"
            f"{_REQUIRED if m.kinds else ''}</li>"
            for m in ct.documents
        )
        items.append(
            f'<section id="{ct.code}"><h2>{escape(ct.name_zh)} '
            f"<small>{escape(ct.name_en)}</small></h2><ul>{docs}</ul>"
            f"<p>法定时限 legal time limit: {ct.time_limit_days} 个工作日 working days · "
            f'<a href="/api/v1/services/{ct.code}/form">下载申请书 application form</a>'
            "</p></section>"
        )
    html = (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        "<title>不动产登记办事指南 registration service guide</title><style>"
        "body{font-family:'Noto Sans CJK SC',sans-serif;max-width:900px;margin:auto;padding:1em}"
        "section{border-bottom:1px solid #ddd}</style></head><body>"
        "<h1>不动产登记办事指南 <small>registration service guide</small></h1>"
        '<form onsubmit="q(event)"><label>查询办件进度 check a case: '
        '<input id="pn" placeholder="DJ2026..." required></label> <button>查询 check</button>'
        '</form><pre id="out"></pre>'
        "<script>async function q(ev){ev.preventDefault();"
        "const n=encodeURIComponent(document.getElementById('pn').value.trim());"
        "const r=await fetch('/api/v1/cases/'+n);const j=await r.json();"
        "document.getElementById('out').textContent=r.ok?"
        "(j.status_name_zh+' '+j.status_name_en+' · due '+j.due_date):j.detail;}</script>"
        + "".join(items)
        + "</body></html>"
    )
    return HTMLResponse(html)
