"""Due dates count working days of the PRC calendar: public holidays are skipped and the
adjusted working weekend days (调休) count; admins add days through the calendar API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from cadastre.registry import service
from cadastre.registry.rules import add_working_days
from cadastre.registry.workdays import official_calendar, official_days

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), SHANGHAI).replace(
        hour=hour
    )


@pytest.fixture
def submitted_on(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make the service's clock read 10:00 Beijing time on a given day (the database stays real)."""

    def _set(day: str) -> None:
        monkeypatch.setattr(service, "clock", lambda session: at(day))

    return _set


def test_packaged_calendar_is_consistent() -> None:
    days = official_days()
    workdays = [d for d, (kind, _) in days.items() if kind == "workday"]
    assert {d.isoformat() for d in workdays} >= {"2026-02-14", "2026-02-28", "2026-10-10"}
    assert all(d.weekday() >= 5 for d in workdays), "an adjusted working day is a weekend day"
    assert all(kind in ("holiday", "workday") for kind, _ in days.values())
    spring = [d for d, (k, n) in days.items() if k == "holiday" and n.startswith("春节")]
    assert [d for d in spring if d.year == 2026] == [date(2026, 2, d) for d in range(15, 24)]
    assert {date(2027, 2, 5), date(2027, 10, 1)} <= set(days)


def test_working_days_skip_holidays_and_count_adjusted_saturdays() -> None:
    cal = official_calendar()
    # Thu 12 Feb 2026: Fri 13, Sat 14 (worked), then 15-23 Feb off, Tue 24, Wed 25, Thu 26
    assert add_working_days(at("2026-02-12"), 5, cal) == date(2026, 2, 26)
    assert add_working_days(at("2026-02-12"), 5) == date(2026, 2, 19)  # weekends only
    assert add_working_days(at("2026-02-13"), 1, cal) == date(2026, 2, 14)
    # Tue 29 Sep 2026: Wed 30, 1-7 Oct off, Thu 8, Fri 9, Sat 10 (worked), Mon 12
    assert add_working_days(at("2026-09-29"), 5, cal) == date(2026, 10, 12)
    assert cal.is_working_day(date(2026, 9, 20)) and not cal.is_working_day(date(2026, 10, 5))
    assert add_working_days(at("2026-12-31"), 1, cal) == date(2027, 1, 4)  # New Year 2027


def _open(db: Session, code: str, case_type: str = "transfer", **extra: Any) -> Any:
    request = {"unit_code": code, **extra}
    return service.open_case(
        db, case_type_code=case_type, submitted_by="li.wei", role="registrar", request=request
    )


def test_case_submitted_before_spring_festival_is_due_after_it(
    db: Session,
    unit_codes: list[str],
    holders: list[dict[str, Any]],
    submitted_on: Callable[[str], None],
) -> None:
    submitted_on("2026-02-12")  # advance notice: 5 working days
    case = _open(db, unit_codes[0], "advance_notice", holders=holders)
    assert case.due_date == datetime(2026, 2, 26, 17, 0, tzinfo=SHANGHAI)
    assert service.case_status(db, case.public_number)["due_date"] == "2026-02-26"
    submitted_on("2026-02-14")  # the worked Saturday before the festival; seizure: 1 day
    seizure = _open(db, unit_codes[6], "seizure", source={"kind": "court_order", "title": "裁定"})
    assert seizure.due_date.astimezone(SHANGHAI).date() == date(2026, 2, 24)


def test_case_submitted_before_national_day_is_due_after_it(
    db: Session,
    unit_codes: list[str],
    holders: list[dict[str, Any]],
    submitted_on: Callable[[str], None],
) -> None:
    submitted_on("2026-09-29")
    case = _open(db, unit_codes[1], "advance_notice", holders=holders)
    assert case.due_date.astimezone(SHANGHAI).date() == date(2026, 10, 12)
    submitted_on("2026-09-30")
    seizure = _open(
        db,
        unit_codes[2],
        "seizure",
        source={"kind": "court_order", "title": "查封裁定书"},
    )
    assert seizure.due_date.astimezone(SHANGHAI).date() == date(2026, 10, 8)


def test_adjusted_working_saturday_counts(
    db: Session, unit_codes: list[str], submitted_on: Callable[[str], None]
) -> None:
    submitted_on("2026-02-13")  # a Friday; the next day is the worked Saturday of 14 Feb
    case = _open(db, unit_codes[3], "seizure", source={"kind": "court_order", "title": "裁定"})
    assert case.due_date == datetime(2026, 2, 14, 17, 0, tzinfo=SHANGHAI)


def test_admin_adds_a_holiday_that_new_due_dates_skip(
    db: Session,
    client: TestClient,
    auth: Callable[[str], dict[str, str]],
    unit_codes: list[str],
    submitted_on: Callable[[str], None],
) -> None:
    body = {"kind": "holiday", "name": "台风停工 typhoon closure"}
    assert client.put("/api/v1/calendar/2026-12-01", json=body).status_code == 401
    assert (
        client.put("/api/v1/calendar/2026-12-01", json=body, headers=auth("registrar")).status_code
        == 403
    )
    bad = client.put("/api/v1/calendar/2026-12-01", json={"kind": "x"}, headers=auth("admin"))
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    r = client.put("/api/v1/calendar/2026-12-01", json=body, headers=auth("admin"))
    assert r.status_code == 204, r.text
    cal = client.get("/api/v1/calendar", params={"year": 2026}).json()
    by_day = {d["date"]: d for d in cal["days"]}
    assert by_day["2026-12-01"]["source"] == "admin" and by_day["2026-12-01"]["kind"] == "holiday"
    assert by_day["2026-02-14"] == {
        "date": "2026-02-14",
        "kind": "workday",
        "name": "春节调休上班 adjusted working day (Spring Festival)",
        "source": "official",
    }
    submitted_on("2026-11-30")  # Monday: Tuesday 1 Dec is now off
    case = _open(db, unit_codes[4], "seizure", source={"kind": "court_order", "title": "裁定"})
    assert case.due_date.astimezone(SHANGHAI).date() == date(2026, 12, 2)
    # the admin can also turn an official holiday back into a working day, and undo it
    client.put("/api/v1/calendar/2026-10-08", json={"kind": "workday"}, headers=auth("admin"))
    assert client.delete("/api/v1/calendar/2026-12-01", headers=auth("admin")).status_code == 204
    assert client.delete("/api/v1/calendar/2026-12-01", headers=auth("admin")).status_code == 404
    submitted_on("2026-11-30")
    case = _open(db, unit_codes[5], "seizure", source={"kind": "court_order", "title": "裁定"})
    assert case.due_date.astimezone(SHANGHAI).date() == date(2026, 12, 1)
    assert client.get("/api/v1/calendar", params={"year": 1900}).status_code == 422
