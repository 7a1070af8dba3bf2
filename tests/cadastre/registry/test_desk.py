"""The case desk's API (filters, sorting, paging, allowed steps) and its pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from cadastre.registry import service
from tests.cadastre.registry.helpers import officer

SHANGHAI = ZoneInfo("Asia/Shanghai")
COURT = {"kind": "court_order", "title": "查封裁定书"}


@pytest.fixture
def desk_cases(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]], monkeypatch: Any
) -> list[str]:
    """Five cases on five units, submitted on different days; the first is long overdue."""
    made = []
    plan: list[tuple[str, str, dict[str, Any]]] = [
        ("2026-03-02", "seizure", {"source": COURT}),
        ("2026-03-10", "advance_notice", {"holders": holders}),
        ("2026-04-15", "seizure", {"source": COURT}),
        ("2026-05-20", "objection", {"holders": holders[:1]}),
        ("2026-06-01", "advance_notice", {"holders": holders}),
    ]
    for code, (day, case_type, extra) in zip(unit_codes, plan, strict=False):
        when = datetime.fromisoformat(day + "T09:30").replace(tzinfo=SHANGHAI)
        monkeypatch.setattr(service, "clock", lambda session, w=when: w)
        case = service.open_case(
            db,
            case_type_code=case_type,
            submitted_by="li.wei",
            role="registrar",
            request={"unit_code": code, **extra},
        )
        made.append(case.public_number)
    monkeypatch.undo()
    service.take_step(db, made[2], "accept", actor="li.wei", role="registrar")
    service.take_step(db, made[4], "withdraw", actor="li.wei", role="registrar", reason="撤回")
    db.flush()
    return made


def _list(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    return client.get("/api/v1/cases", params=params, headers=headers)


def test_case_list_filters_sorts_and_pages(
    client: TestClient,
    auth: Callable[[str], dict[str, str]],
    desk_cases: list[str],
    unit_codes: list[str],
) -> None:
    reg = auth("registrar")
    window = {"submitted_from": "2026-03-01", "submitted_to": "2026-06-30"}
    r = _list(client, reg, **window, sort="due_date", limit=500)
    assert r.status_code == 200
    ours = [c["public_number"] for c in r.json() if c["public_number"] in desk_cases]
    assert ours == desk_cases  # due dates follow submission dates here
    assert int(r.headers["X-Total-Count"]) >= 5
    newest = [c["public_number"] for c in _list(client, reg, **window, limit=500).json()]
    assert [n for n in newest if n in desk_cases] == desk_cases[::-1]
    # both ends of the date range are whole local days
    days = _list(client, reg, submitted_from="2026-03-10", submitted_to="2026-04-15").json()
    assert {c["public_number"] for c in days} & set(desk_cases) == set(desk_cases[1:3])
    seizures = _list(client, reg, **window, case_type="seizure").json()
    found = {c["public_number"] for c in seizures} & set(desk_cases)
    assert found == {desk_cases[0], desk_cases[2]}
    accepted = _list(client, reg, status="accepted", unit_code=unit_codes[2]).json()
    assert [c["public_number"] for c in accepted] == [desk_cases[2]]
    open_ = _list(client, reg, **window, status="submitted,accepted,reviewed", limit=500).json()
    assert desk_cases[4] not in {c["public_number"] for c in open_}
    page1 = _list(client, reg, **window, sort="due_date", limit=2, offset=0)
    page2 = _list(client, reg, **window, sort="due_date", limit=2, offset=2)
    assert page1.headers["X-Total-Count"] == page2.headers["X-Total-Count"]
    assert not {c["public_number"] for c in page1.json()} & {
        c["public_number"] for c in page2.json()
    }


def test_overdue_cases_are_flagged_and_filtered(
    client: TestClient, auth: Callable[[str], dict[str, str]], desk_cases: list[str]
) -> None:
    reg = auth("registrar")
    overdue = _list(client, reg, overdue="true", limit=500).json()
    numbers = {c["public_number"] for c in overdue}
    # March-June 2026 cases are past due now; the withdrawn one is closed, not overdue
    assert set(desk_cases[:4]) <= numbers and desk_cases[4] not in numbers
    assert all(c["overdue"] for c in overdue)
    detail = client.get(f"/api/v1/cases/{desk_cases[4]}/detail", headers=reg).json()
    assert detail["overdue"] is False and detail["allowed_steps"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "open"}, "status"),
        ({"status": "submitted,done"}, "status"),
        ({"case_type": "sale"}, "case_type"),
        ({"unit_code": "4419"}, "unit_code"),
        ({"submitted_from": "2026-13-01"}, "query.submitted_from"),
        ({"submitted_from": "2026-05-02", "submitted_to": "2026-05-01"}, "submitted_to"),
        ({"sort": "status"}, "query.sort"),
        ({"limit": 0}, "query.limit"),
    ],
)
def test_bad_filters_are_problems_naming_the_field(
    client: TestClient, auth: Callable[[str], dict[str, str]], params: Any, field: str
) -> None:
    r = _list(client, auth("registrar"), **params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == field


def test_detail_offers_the_steps_of_the_role(
    client: TestClient,
    db: Session,
    auth: Callable[[str], dict[str, str]],
    desk_cases: list[str],
) -> None:
    reg = auth("registrar")
    detail = client.get(f"/api/v1/cases/{desk_cases[0]}/detail", headers=reg).json()
    assert detail["allowed_steps"] == ["accept", "reject", "withdraw"]
    assert detail["steps"][0]["step"] == "submit"
    stepped = client.post(
        f"/api/v1/cases/{desk_cases[2]}/steps", json={"step": "review"}, headers=reg
    ).json()
    assert stepped["status"] == "reviewed"
    assert stepped["allowed_steps"] == ["reject", "withdraw"]  # the reviewer does not enter
    other = client.get(f"/api/v1/cases/{desk_cases[2]}/detail", headers=officer(db, "reg-z"))
    assert other.json()["allowed_steps"] == ["enter", "reject", "withdraw"]
    assert client.get("/api/v1/cases", headers=auth("bidder")).status_code == 403
    assert client.get("/api/v1/cases").status_code == 401


def test_desk_pages_are_offline(client: TestClient, unit_codes: list[str]) -> None:
    page = client.get("/maps/desk")
    assert page.status_code == 200
    for label in ("登录 sign in", "已受理 accepted", "抵押权登记 mortgage", "办结期限 due date"):
        assert label in page.text
    assert '<script src="/static/signin.js">' in page.text  # the staff pages' one sign-in
    signin = client.get("/static/signin.js")
    assert signin.status_code == 200
    assert "sessionStorage" in signin.text and "/api/v1/auth/token" in signin.text
    assert not re.search(r"(src|href)=\"https?://", page.text)
    parcel = client.get("/maps/desk/parcel", params={"unit_code": unit_codes[0]})
    assert parcel.status_code == 200 and "leaflet" in parcel.text
    assert not re.search(r"(src|href)=\"https?://", parcel.text)
    assert unit_codes[0] in parcel.text
    assert client.get("/maps/desk/parcel", params={"unit_code": "x"}).status_code == 422


def test_detail_shows_holders_current_holders_and_who_did_each_step(
    client: TestClient,
    db: Session,
    auth: Callable[[str], dict[str, str]],
    unit_codes: list[str],
    holders: list[dict[str, Any]],
) -> None:
    from tests.cadastre.registry.conftest import CORP
    from tests.cadastre.registry.helpers import run_case

    code = unit_codes[6]
    run_case(db, "first_registration", unit_code=code, holders=holders)
    number = run_case(db, "transfer", unit_code=code, holders=[CORP], through="review")
    detail = client.get(f"/api/v1/cases/{number}/detail", headers=auth("registrar")).json()
    assert detail["holders"] == [dict(CORP, share="1")]
    assert {(h["name"], h["id_number"], h["share"]) for h in detail["current_holders"]} == {
        (h["name"], h["id_number"], h["share"]) for h in holders
    }
    assert [(s["step"], s["actor"]) for s in detail["steps"]] == [
        ("submit", "li.wei"),
        ("accept", "li.wei"),
        ("review", "zhang.min"),
    ]
