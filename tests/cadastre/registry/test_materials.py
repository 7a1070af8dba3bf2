"""Required materials: accept refuses a case that lacks the document its type needs,
naming what is missing (zh/en), at the window and online alike; attaching it lets the
case through. The trading hand-off attaches its contract, so its cases pass."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from cadastre import handoff
from cadastre.registry import service
from cadastre.registry.errors import MaterialsMissing
from cadastre.registry.rules import CASE_TYPES
from tests.cadastre.registry.conftest import CORP
from tests.cadastre.registry.helpers import officer, required_source, run_case


def test_every_case_type_requires_a_document() -> None:
    for ct in CASE_TYPES.values():
        assert ct.required, ct.code
        assert all(m.kinds and "application" not in m.kinds for m in ct.required)
    assert CASE_TYPES["transfer"].required[0].kinds == {"contract", "deed"}
    assert CASE_TYPES["first_registration"].required[0].kinds == {"contract", "deed", "court_order"}


def test_window_transfer_without_contract_is_refused_naming_it(
    client: TestClient, db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    code = unit_codes[0]
    run_case(db, "first_registration", unit_code=code, holders=holders)
    reg = officer(db, "reg-a")
    body = {"case_type": "transfer", "unit_code": code, "holders": [CORP]}
    number = client.post("/api/v1/cases", json=body, headers=reg).json()["public_number"]
    r = client.post(f"/api/v1/cases/{number}/steps", json={"step": "accept"}, headers=reg)
    assert r.status_code == 409 and r.json()["field"] == "documents"
    detail = r.json()["detail"]
    assert "转移合同" in detail and "transfer contract or deed" in detail and "contract" in detail
    assert client.get(f"/api/v1/cases/{number}").json()["status"] == "submitted"
    desk = client.get(f"/api/v1/cases/{number}/detail", headers=reg).json()
    assert desk["missing_materials"][0]["kinds"] == ["contract", "deed"]
    wrong = client.post(  # an identity card is not the contract
        f"/api/v1/cases/{number}/documents",
        headers=reg,
        data={"kind": "other", "title": "身份证"},
        files={"file": ("id.jpg", b"\xff\xd8 id")},
    )
    assert wrong.status_code == 201
    r = client.post(f"/api/v1/cases/{number}/steps", json={"step": "accept"}, headers=reg)
    assert r.status_code == 409
    client.post(
        f"/api/v1/cases/{number}/documents",
        headers=reg,
        data={"kind": "deed", "title": "赠与契据"},
        files={"file": ("deed.pdf", b"%PDF deed")},
    )
    r = client.post(f"/api/v1/cases/{number}/steps", json={"step": "accept"}, headers=reg)
    assert r.status_code == 200, r.text
    assert r.json()["missing_materials"] == []


def test_online_first_registration_needs_the_source_of_the_right(
    client: TestClient, db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    files = [("files", ("申请书.pdf", b"%PDF-1.4 form", "application/pdf"))]
    data = {
        "case_type": "first_registration",
        "unit_code": unit_codes[1],
        "holders": json.dumps(holders),
    }
    r = client.post("/api/v1/cases/online", files=files, data=data)
    assert r.status_code == 201, r.text
    number = r.json()["public_number"]
    reg = officer(db, "reg-a")
    r = client.post(f"/api/v1/cases/{number}/steps", json={"step": "accept"}, headers=reg)
    assert r.status_code == 409 and "权属来源证明" in r.json()["detail"]
    assert "title source" in r.json()["detail"]
    client.post(
        f"/api/v1/cases/{number}/documents",
        headers=reg,
        data={"kind": "contract", "title": "出让合同"},
        files={"file": ("c.pdf", b"%PDF grant contract")},
    )
    r = client.post(f"/api/v1/cases/{number}/steps", json={"step": "accept"}, headers=reg)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("case_type", ["first_registration", "transfer"])
def test_handoff_cases_carry_their_contract(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]], case_type: str
) -> None:
    code = unit_codes[2]
    if case_type == "transfer":
        run_case(db, "first_registration", unit_code=code, holders=holders)
    number = handoff.open_case(
        db,
        case_type=case_type,
        submitted_by="trading",
        unit_code=code,
        holders=[CORP],
        source={
            "kind": "contract",
            "title": "出让合同 CR-2026-00001",
            "sha256": None,
            "path": None,
        },
    )
    service.take_step(db, number, "accept", actor="li.wei", role="registrar")
    assert service.case_status(db, number)["status"] == "accepted"


def test_service_accept_refuses_without_document(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    run_case(db, "first_registration", unit_code=unit_codes[3], holders=holders)
    case = service.open_case(
        db,
        case_type_code="mortgage",
        submitted_by="x",
        role="registrar",
        request={
            "unit_code": unit_codes[3],
            "mortgage": {"amount": "1", "creditor": "银行", "term_end": "2030-01-01"},
            "source": required_source("cancellation"),  # kind "other": not a contract
        },
    )
    with pytest.raises(MaterialsMissing) as err:
        service.take_step(db, case.public_number, "accept", actor="li.wei", role="registrar")
    assert (
        "抵押合同" in err.value.detail
        and "mortgage and principal loan contracts" in err.value.detail
    )
