"""First-registration public notice (首次登记公告): published at review for 15 working days,
shown on a public page without personal data, objections recorded during it; entry before
it ends is refused, entry over objections needs a reason."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.registry import service
from cadastre.registry.errors import NoticeInForce
from cadastre.registry.holidays import work_calendar
from cadastre.registry.rules import add_working_days
from tests.cadastre.registry.conftest import PERSONAL
from tests.cadastre.registry.helpers import (
    end_notice,
    officer,
    register_counts,
    run_case,
)

LOCAL = ZoneInfo("Asia/Shanghai")


def _reviewed(db: Session, code: str, holders: list[dict[str, Any]]) -> str:
    return run_case(db, "first_registration", unit_code=code, holders=holders, through="review")


def test_notice_runs_15_working_days_and_blocks_entry(
    client: TestClient, db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    before = service.case_status(db, run_case(
        db, "first_registration", unit_code=unit_codes[1], holders=holders, through="accept"
    ))  # fmt: skip
    number = _reviewed(db, unit_codes[0], holders)
    starts, ends, due = db.execute(
        text(
            "SELECT n.starts_at, n.ends_at, c.due_date FROM reg_notice n "
            "JOIN reg_case c ON c.id = n.case_id WHERE c.public_number = :n"
        ),
        {"n": number},
    ).one()
    last_day = add_working_days(starts.astimezone(LOCAL), 15, work_calendar(db))
    assert ends.astimezone(LOCAL) == datetime.combine(
        last_day + timedelta(days=1), datetime.min.time(), tzinfo=LOCAL
    )
    # the notice's days do not count toward the legal time limit (30 working days)
    assert due.astimezone(LOCAL).date() > datetime.fromisoformat(before["due_date"]).date()
    counts = register_counts(db)
    with pytest.raises(NoticeInForce) as err:
        service.take_step(db, number, "enter", actor="li.wei", role="registrar")
    assert err.value.field == "step" and "公告" in err.value.detail
    assert last_day.isoformat() in err.value.detail or "until" in err.value.detail
    r = client.post(
        f"/api/v1/cases/{number}/steps", json={"step": "enter"}, headers=officer(db, "li.wei")
    )
    assert r.status_code == 409 and r.json()["code"] == "NoticeInForce"
    assert register_counts(db) == counts
    assert service.case_status(db, number)["status"] == "reviewed"
    end_notice(db, number)
    service.take_step(db, number, "enter", actor="li.wei", role="registrar")
    assert service.case_status(db, number)["status"] == "entered"


def test_public_page_lists_notices_in_force_without_personal_data(
    client: TestClient, db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    number = _reviewed(db, unit_codes[2], holders)
    listed = client.get("/api/v1/notices")
    assert listed.status_code == 200
    mine = next(n for n in listed.json() if n["public_number"] == number)
    assert mine["unit_code"] == unit_codes[2] and mine["case_type_name_zh"] == "首次登记"
    assert mine["land_use"] and float(mine["area_m2"]) > 0
    page = client.get("/maps/notices")
    assert page.status_code == 200 and number in page.text and unit_codes[2] in page.text
    for secret in PERSONAL:
        assert secret not in listed.text and secret not in page.text
    end_notice(db, number)
    assert number not in [n["public_number"] for n in client.get("/api/v1/notices").json()]
    assert number not in client.get("/maps/notices").text


def test_objections_are_recorded_and_entry_over_them_needs_a_reason(
    client: TestClient, db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    number = _reviewed(db, unit_codes[3], holders)
    body = {"objector": "赵异议", "contact": "0769-1234", "reason": "此地为我家祖屋 my family's"}
    r = client.post(f"/api/v1/notices/{number}/objections", json=body)  # anonymous
    assert r.status_code == 201, r.text
    reg = officer(db, "reg-b")
    r = client.post(
        f"/api/v1/notices/{number}/objections",
        json=dict(body, objector="钱某", reason="界址有争议"),
        headers=reg,
    )
    assert r.status_code == 201
    bidi = client.post(
        f"/api/v1/notices/{number}/objections", json=dict(body, objector="赵\u202e某")
    )
    assert bidi.status_code == 422 and bidi.json()["field"] == "objector"
    assert "赵异议" not in client.get("/api/v1/notices").text
    detail = client.get(f"/api/v1/cases/{number}/detail", headers=reg).json()
    lodged = detail["notice"]["objections"]
    assert [(o["objector"], o["lodged_by"]) for o in lodged] == [
        ("赵异议", "public"),
        ("钱某", "reg-b"),
    ]
    end_notice(db, number)
    db.commit()  # as a request would: a refused request below rolls back to here
    late = client.post(f"/api/v1/notices/{number}/objections", json=body)
    assert late.status_code == 409
    a = officer(db, "li.wei")
    r = client.post(f"/api/v1/cases/{number}/steps", json={"step": "enter"}, headers=a)
    assert r.status_code == 409 and r.json()["field"] == "reason", r.text
    r = client.post(
        f"/api/v1/cases/{number}/steps",
        json={"step": "enter", "reason": "经核实异议不成立 objections checked: unfounded"},
        headers=a,
    )
    assert r.status_code == 200, r.text
    events = db.execute(
        text("SELECT event, payload FROM journal WHERE public_number = :n ORDER BY seq"),
        {"n": number},
    ).all()
    assert [e for e, _ in events].count("notice_objection") == 2
    entered = next(p for e, p in events if e == "case_entered")
    assert entered["notice"]["objections"] == 2


def test_objection_to_unknown_or_unnoticed_case(
    client: TestClient, db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    body = {"objector": "赵", "reason": "x"}
    assert (
        client.post("/api/v1/notices/DJ2026010100000000/objections", json=body).status_code == 404
    )
    number = run_case(
        db, "first_registration", unit_code=unit_codes[4], holders=holders, through="accept"
    )
    assert client.post(f"/api/v1/notices/{number}/objections", json=body).status_code == 404
