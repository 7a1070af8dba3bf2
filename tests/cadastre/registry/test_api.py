"""The registry over HTTP: window cases, steps by role, online submission, guide, errors."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.cadastre.registry.conftest import CORP
from tests.cadastre.registry.helpers import (
    free_square,
    http_steps,
    register_counts,
    required_source,
)

PROBLEM = "application/problem+json"


def _submit(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    """Submit at the window, with the case type's required document unless one is given."""
    if "source" not in body and isinstance(body.get("case_type"), str):
        source = required_source(body["case_type"])
        body["source"] = {k: source[k] for k in ("kind", "title", "sha256")}
    return client.post("/api/v1/cases", json=body, headers=headers)


def _steps(client: TestClient, db: Session, number: str, *steps: str) -> Any:
    return http_steps(client, db, number, *steps)


def test_window_case_through_certificate(
    client: TestClient,
    db: Session,
    auth: Any,
    unit_codes: list[str],
    holders: list[dict[str, Any]],
) -> None:
    reg = auth("registrar")
    r = _submit(
        client, reg, case_type="first_registration", unit_code=unit_codes[0], holders=holders
    )
    assert r.status_code == 201, r.text
    number = r.json()["public_number"]
    detail = _steps(client, db, number, "accept", "review", "enter", "issue").json()
    assert detail["status"] == "certificate_issued"
    assert [s["step"] for s in detail["steps"]] == ["submit", "accept", "review", "enter", "issue"]
    actors = [s["actor"] for s in detail["steps"]]
    assert actors == ["test-registrar", "reg-a", "reg-b", "reg-a", "reg-a"]
    public = client.get(f"/api/v1/cases/{number}").json()
    assert public["status"] == "certificate_issued" and len(public["steps"]) == 5
    cert = client.get(f"/api/v1/cases/{number}/certificate", headers=reg)
    assert cert.status_code == 200 and unit_codes[0] in cert.text and "<svg" in cert.text
    register = client.get(f"/api/v1/units/{unit_codes[0]}/register", headers=reg).json()
    assert {h["share"] for h in register["rights"]} == {"1/2"}


def test_step_by_wrong_role_is_403_and_changes_nothing(
    client: TestClient,
    db: Session,
    auth: Any,
    unit_codes: list[str],
    holders: list[dict[str, Any]],
) -> None:
    r = _submit(
        client,
        auth("registrar"),
        case_type="first_registration",
        unit_code=unit_codes[1],
        holders=holders,
    )
    number = r.json()["public_number"]
    counts = register_counts(db)
    for role in ("surveyor", "bidder"):
        bad = client.post(
            f"/api/v1/cases/{number}/steps", json={"step": "accept"}, headers=auth(role)
        )
        assert bad.status_code == 403 and bad.headers["content-type"] == PROBLEM
    assert client.post(f"/api/v1/cases/{number}/steps", json={"step": "accept"}).status_code == 401
    assert register_counts(db) == counts
    assert client.get(f"/api/v1/cases/{number}").json()["status"] == "submitted"


def test_bad_shares_is_422_naming_holders(
    client: TestClient,
    db: Session,
    auth: Any,
    unit_codes: list[str],
    holders: list[dict[str, Any]],
) -> None:
    counts = register_counts(db)
    bad = [dict(holders[0], share="1/3"), dict(holders[1], share="1/3"), dict(CORP, share="1/4")]
    r = _submit(
        client,
        auth("registrar"),
        case_type="first_registration",
        unit_code=unit_codes[2],
        holders=bad,
    )
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert r.json()["field"] == "holders" and "11/12" in r.json()["detail"]
    assert register_counts(db) == counts


def test_transfer_of_seized_unit_is_409(
    client: TestClient,
    db: Session,
    auth: Any,
    unit_codes: list[str],
    holders: list[dict[str, Any]],
) -> None:
    reg = auth("registrar")
    code = unit_codes[3]
    n1 = _submit(client, reg, case_type="first_registration", unit_code=code, holders=holders)
    _steps(client, db, n1.json()["public_number"], "accept", "review", "enter")
    n2 = _submit(
        client,
        reg,
        case_type="seizure",
        unit_code=code,
        source={"kind": "court_order", "title": "(2026)粤1971执1号"},
    )
    _steps(client, db, n2.json()["public_number"], "accept", "review", "enter")
    restr = client.get(f"/api/v1/units/{code}/restrictions").json()
    assert restr["restrictions"] == [{"type": "seizure", "name_zh": "查封", "name_en": "seizure"}]
    counts = register_counts(db)
    r = _submit(client, reg, case_type="transfer", unit_code=code, holders=[CORP])
    assert r.status_code == 409 and r.json()["field"] == "unit_code"
    assert r.json()["code"] == "UnitSeized"
    assert register_counts(db) == counts


def test_bad_inputs_are_4xx_problems(
    client: TestClient, db: Session, auth: Any, unit_codes: list[str]
) -> None:
    reg = auth("registrar")
    counts = register_counts(db)
    cases = [
        ({"case_type": "seizure", "unit_code": "44190000100XGB00011W00000000"}, 422, "unit_code"),
        ({"case_type": "seizure", "unit_code": "441900999999GB99999W00000000"}, 404, "unit_code"),
        ({"case_type": "teleport", "unit_code": unit_codes[4]}, 422, "case_type"),
        ({"case_type": "change", "unit_code": unit_codes[4], "land_use": "9999"}, 422, "land_use"),
        (
            {
                "case_type": "first_registration",
                "land_use": "07",
                "holders": [CORP],
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [113.7, 23.0],
                            [113.71, 23.01],
                            [113.71, 23.0],
                            [113.7, 23.01],
                            [113.7, 23.0],
                        ]
                    ],
                },
            },
            422,
            "geometry",
        ),
    ]
    for body, status, field in cases:
        r = _submit(client, reg, **body)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["field"] == field, r.json()
    assert "Self-intersection" in _submit(client, reg, **cases[-1][0]).json()["detail"]
    assert register_counts(db) == counts
    missing = client.get("/api/v1/cases/DJ2026010100000000")
    assert missing.status_code == 404 and missing.json()["field"] == "public_number"


def test_first_registration_of_new_parcel_from_geometry(
    client: TestClient, db: Session, auth: Any
) -> None:
    square = free_square(db)
    reg = auth("registrar")
    r = _submit(
        client,
        reg,
        case_type="first_registration",
        geometry=square,
        land_use="0701",
        holders=[CORP],
        source={"kind": "contract", "title": "出让合同 2026-7"},
    )
    assert r.status_code == 201, r.text
    number = r.json()["public_number"]
    detail = _steps(client, db, number, "accept", "review", "enter").json()
    code = detail["unit_code"]
    assert code is not None and len(code) == 28 and code[12:14] == "GB"
    register = client.get(f"/api/v1/units/{code}/register", headers=reg).json()
    assert register["parcel"]["land_use"] == "0701"
    assert float(register["parcel"]["area_m2"]) > 0


def test_online_submission_with_documents(
    client: TestClient, db: Session, auth: Any, unit_codes: list[str]
) -> None:
    files = [
        ("files", ("合同.pdf", b"%PDF-1.4 contract", "application/pdf")),
        ("files", ("id.jpg", b"\xff\xd8\xff id card", "image/jpeg")),
    ]
    r = client.post(
        "/api/v1/cases/online",
        files=files,
        data={"case_type": "mortgage_discharge", "unit_code": unit_codes[5]},
    )
    # nothing registered on the unit: refused, nothing stored
    assert r.status_code == 409 and r.json()["field"] == "unit_code"
    r = client.post(
        "/api/v1/cases/online",
        files=files,
        data={
            "case_type": "objection",
            "unit_code": unit_codes[5],
            "holders": json.dumps([dict(CORP)]),
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["documents"] == 2
    number = r.json()["public_number"]
    detail = client.get(f"/api/v1/cases/{number}/detail", headers=auth("registrar")).json()
    assert detail["channel"] == "online" and len(detail["documents"]) == 2
    assert all(len(d["sha256"]) == 64 for d in detail["documents"])
    doc = detail["documents"][0]
    got = client.get(f"/api/v1/cases/{number}/documents/{doc['id']}", headers=auth("registrar"))
    assert got.status_code == 200 and got.content == b"%PDF-1.4 contract"
    court = client.post(
        "/api/v1/cases/online", data={"case_type": "seizure", "unit_code": unit_codes[5]}
    )
    assert court.status_code == 403 and court.json()["field"] == "case_type"
    bad = client.post(
        "/api/v1/cases/online",
        data={"case_type": "objection", "unit_code": unit_codes[5], "holders": "[{"},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "holders"


def test_service_guide_and_form(client: TestClient) -> None:
    guide = client.get("/api/v1/services").json()
    assert len(guide) == 11
    first = next(g for g in guide if g["case_type"] == "first_registration")
    assert first["legal_time_limit_working_days"] == 30 and first["documents"]
    required = [d for d in first["documents"] if d["required_at_acceptance"]]
    assert [d["document_kinds"] for d in required] == [["contract", "court_order", "deed"]]
    assert "权属来源证明" in required[0]["name_zh"]
    form = client.get(first["application_form_url"])
    assert form.status_code == 200 and "attachment" in form.headers["content-disposition"]
    assert "首次登记" in form.text
    page = client.get("/maps/services")
    assert page.status_code == 200 and "办事指南" in page.text and "异议登记" in page.text
    assert "受理前必须提交 required before acceptance" in page.text
    assert "http://" not in page.text and "https://" not in page.text
    missing = client.get("/api/v1/services/teleport")
    assert missing.status_code == 422 and missing.json()["field"] == "code"


def test_window_documents_and_register_as_of(
    client: TestClient,
    db: Session,
    auth: Any,
    unit_codes: list[str],
    holders: list[dict[str, Any]],
) -> None:
    reg = auth("registrar")
    code = unit_codes[6]
    r = _submit(client, reg, case_type="first_registration", unit_code=code, holders=holders)
    number = r.json()["public_number"]
    up = client.post(
        f"/api/v1/cases/{number}/documents",
        headers=reg,
        data={"kind": "contract", "title": "出让合同"},
        files={"file": ("c.pdf", b"%PDF contract 7", "application/pdf")},
    )
    assert up.status_code == 201, up.text
    bad = client.post(
        f"/api/v1/cases/{number}/documents",
        headers=reg,
        data={"kind": "selfie", "title": "x"},
        files={"file": ("x", b"x")},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    _steps(client, db, number, "accept", "review", "enter")
    entered = client.get(f"/api/v1/cases/{number}").json()["entered_at"]
    late = client.post(
        f"/api/v1/cases/{number}/documents",
        headers=reg,
        data={"kind": "deed", "title": "late"},
        files={"file": ("d", b"d")},
    )
    assert late.status_code == 409
    t = _submit(client, reg, case_type="transfer", unit_code=code, holders=[CORP])
    _steps(client, db, t.json()["public_number"], "accept", "review", "enter")
    then = client.get(f"/api/v1/units/{code}/register", params={"at": entered}, headers=reg)
    now = client.get(f"/api/v1/units/{code}/register", headers=reg)
    assert {h["name"] for h in then.json()["rights"]} == {h["name"] for h in holders}
    assert [h["name"] for h in now.json()["rights"]] == [CORP["name"]]
    history = client.get(f"/api/v1/units/{code}/history", headers=reg).json()["events"]
    assert len(history) == 3 and sum(e["end"] is None for e in history) == 1
    sources = (
        db.execute(
            text(
                "SELECT s.sha256 FROM source s JOIN rrr r ON r.source_id = s.id "
                "WHERE r.unit_code = :c"
            ),
            {"c": code},
        )
        .scalars()
        .all()
    )
    assert sources and all(len(s) == 64 for s in sources)


def test_registrars_list_cases_by_unit_and_status(
    client: TestClient,
    db: Session,
    auth: Any,
    unit_codes: list[str],
    holders: list[dict[str, Any]],
) -> None:
    reg = auth("registrar")
    code = unit_codes[7]
    first = _submit(client, reg, case_type="first_registration", unit_code=code, holders=holders)
    _steps(client, db, first.json()["public_number"], "accept", "review", "enter")
    _submit(
        client,
        reg,
        case_type="seizure",
        unit_code=code,
        source={"kind": "court_order", "title": "裁定"},
    )
    listed = client.get("/api/v1/cases", params={"unit_code": code}, headers=reg).json()
    assert [c["case_type"] for c in listed] == ["seizure", "first_registration"]
    assert listed[0]["case_type_name_zh"] == "查封登记"
    entered = client.get(
        "/api/v1/cases", params={"unit_code": code, "status": "entered"}, headers=reg
    ).json()
    assert [c["public_number"] for c in entered] == [first.json()["public_number"]]
    assert client.get("/api/v1/cases", headers=auth("bidder")).status_code == 403
    rights = client.get(f"/api/v1/units/{code}/register", headers=reg).json()["rights"]
    assert {r["type_name_zh"] for r in rights} == {"使用权"}
