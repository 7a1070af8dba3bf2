"""批后监管 over HTTP: the report (staff only, typed), the update after new scenes, the
inspectors' findings and their field check, the contract's dates, and the page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.trading.test_monitoring import (  # private_files: the fixture, used by name
    ROLES,
    _geometry,
    _scenes,
    _sell,
    private_files,  # noqa: F401
)

URL = "/api/v1/trading/monitoring"


def _district(db: Session, person: Any, free_parcels: list[tuple[str, str]], tmp: Path) -> Any:
    records = _sell(db, person, free_parcels[30:34])
    sale = records["on_time"].deal_date
    codes = {role: free_parcels[30 + i][0] for i, role in enumerate(ROLES)}
    _scenes(db, tmp, sale, {role: _geometry(db, c) for role, c in codes.items()})
    return records, codes, sale


@pytest.mark.usefixtures("private_files")
def test_report_update_findings_and_page(
    client: TestClient,
    db: Session,
    auth: Any,
    person: Any,
    free_parcels: list[tuple[str, str]],
    tmp_path: Path,
) -> None:
    records, codes, sale = _district(db, person, free_parcels, tmp_path)
    as_of = (sale + timedelta(days=600)).isoformat()
    # who may read: staff; a bidder or nobody may not
    assert client.get(URL, params={"as_of": as_of}).status_code == 401
    assert client.get(URL, headers=auth("bidder")).status_code == 403
    # the read-only report judges without opening cases
    r = client.get(URL, params={"as_of": as_of}, headers=auth("inspector"))
    assert r.status_code == 200, r.text
    body = r.json()
    mine = {p["unit_code"]: p for p in body["parcels"] if p["unit_code"] in codes.values()}
    assert mine[codes["idle"]]["verdict"]["zh"] == "疑似闲置土地"
    assert mine[codes["idle"]]["finding"] is None
    assert client.get(f"{URL}/findings", headers=auth("inspector")).json() == []
    # the update opens the cases, with the evidence scene
    r = client.post(f"{URL}/updates", json={"as_of": as_of}, headers=auth("registrar"))
    assert r.status_code == 200, r.text
    idle = next(p for p in r.json()["parcels"] if p["unit_code"] == codes["idle"])
    assert idle["finding"]["kind"]["code"] == "idle_suspected"
    assert idle["evidence"]["acquired_on"] == (sale + timedelta(days=560)).isoformat()
    assert r.json()["by_status"]["completed"] >= 3
    cases = client.get(f"{URL}/findings", headers=auth("inspector")).json()
    assert {c["kind"]["code"] for c in cases} == {"idle_suspected", "built_before_contract"}
    assert "buyer" not in r.text and "有限公司" not in r.text  # no buyer names
    # the field check: inspectors only, once
    case_no = idle["finding"]["case_no"]
    check = f"{URL}/findings/{case_no}/check"
    assert (
        client.post(check, json={"status": "confirmed"}, headers=auth("registrar")).status_code
        == 403
    )
    assert (
        client.post(check, json={"status": "maybe"}, headers=auth("inspector")).status_code == 422
    )
    done = client.post(check, json={"status": "confirmed"}, headers=auth("inspector"))
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    again = client.post(check, json={"status": "dismissed"}, headers=auth("inspector"))
    assert again.status_code == 409 and again.json()["field"] == "status"
    missing = client.post(
        f"{URL}/findings/PHJG-1999-00001/check",
        json={"status": "confirmed"},
        headers=auth("inspector"),
    )
    assert missing.status_code == 404
    # the page: sold parcels coloured by status, each with its timeline
    page = client.get("/maps/monitoring", params={"as_of": as_of})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for code in codes.values():
        assert f'data-unit-code="{code}"' in page.text
    assert 'data-status="not_started"' in page.text and 'data-status="completed"' in page.text
    assert case_no in page.text and "有限公司" not in page.text


def test_schedule_of_a_record(
    client: TestClient, db: Session, auth: Any, person: Any, free_parcels: list[tuple[str, str]]
) -> None:
    records = _sell(db, person, free_parcels[30:34])
    record = records["late"]
    url = f"/api/v1/trading/records/{record.id}/schedule"
    body = {"agreed_start_date": "2027-06-01", "agreed_completion_date": "2029-06-01"}
    assert client.put(url, json=body, headers=auth("inspector")).status_code == 403
    r = client.put(url, json=body, headers=auth("registrar"))
    assert r.status_code == 200, r.text
    db.refresh(record)
    assert record.agreed_start_date.isoformat() == "2027-06-01"
    bad = {"agreed_start_date": "2027-06-01", "agreed_completion_date": "2027-01-01"}
    assert client.put(url, json=bad, headers=auth("registrar")).status_code == 422
    gone = client.put(
        "/api/v1/trading/records/999999999/schedule", json=body, headers=auth("registrar")
    )
    assert gone.status_code == 404 and gone.json()["field"] == "record_id"
