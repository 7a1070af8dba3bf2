"""Separation of duties: the registrar who accepted a case does not review it, the one who
reviewed does not enter it; an admin is not a registrar; a one-person office may relax
four eyes by a setting, and the journal then says so on the relaxed step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cadastre.registry import service
from cadastre.registry.errors import SameOfficer
from cadastre.registry.models import JournalEntry
from gis.settings import get_settings, override_settings
from tests.cadastre.registry.conftest import CORP
from tests.cadastre.registry.helpers import (
    officer,
    register_counts,
    required_source,
    run_case,
)

STEPS = ("accept", "review", "enter", "issue", "reject", "withdraw")


def _transfer(client: TestClient, db: Session, code: str, holders: list[dict[str, Any]]) -> str:
    """A unit registered to ``holders`` and a submitted transfer of it to CORP (HTTP)."""
    run_case(db, "first_registration", unit_code=code, holders=holders)
    source = {k: v for k, v in required_source("transfer").items() if k != "path"}
    body = {"case_type": "transfer", "unit_code": code, "holders": [CORP], "source": source}
    r = client.post("/api/v1/cases", json=body, headers=officer(db, "reg-a"))
    assert r.status_code == 201, r.text
    return str(r.json()["public_number"])


def _step(client: TestClient, db: Session, number: str, step: str, who: str) -> Any:
    return client.post(
        f"/api/v1/cases/{number}/steps", json={"step": step}, headers=officer(db, who)
    )


def test_one_registrar_alone_cannot_take_a_transfer_from_accepted_to_entered(
    client: TestClient, db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    number = _transfer(client, db, unit_codes[0], holders)
    assert _step(client, db, number, "accept", "reg-a").status_code == 200
    counts = register_counts(db)
    alone = _step(client, db, number, "review", "reg-a")
    assert alone.status_code == 403 and alone.json()["field"] == "step"
    assert "reg-a" in alone.json()["detail"] and "受理" in alone.json()["detail"]
    assert "acceptance" in alone.json()["detail"] and "four eyes" in alone.json()["detail"]
    assert client.get(f"/api/v1/cases/{number}").json()["status"] == "accepted"
    assert register_counts(db) == counts  # the refused step changed nothing
    assert _step(client, db, number, "review", "reg-b").status_code == 200
    counts = register_counts(db)
    again = _step(client, db, number, "enter", "reg-b")
    assert again.status_code == 403
    assert "reg-b" in again.json()["detail"] and "审核" in again.json()["detail"]
    assert register_counts(db) == counts
    assert client.get(f"/api/v1/cases/{number}").json()["status"] == "reviewed"
    entered = _step(client, db, number, "enter", "reg-a")  # a second pair of eyes
    assert entered.status_code == 200, entered.text
    assert [s["actor"] for s in entered.json()["steps"]] == ["reg-a", "reg-a", "reg-b", "reg-a"]


def test_no_other_role_takes_any_step_admin_included(
    client: TestClient,
    db: Session,
    auth: Any,
    unit_codes: list[str],
    holders: list[dict[str, Any]],
) -> None:
    number = _transfer(client, db, unit_codes[1], holders)
    counts = register_counts(db)
    for role in ("admin", "surveyor", "planner", "inspector", "bidder"):
        for step in STEPS:
            r = client.post(
                f"/api/v1/cases/{number}/steps",
                json={"step": step, "reason": "x"},
                headers=auth(role),
            )
            assert r.status_code == 403, (role, step, r.text)
    assert client.post(f"/api/v1/cases/{number}/steps", json={"step": "accept"}).status_code == 401
    assert register_counts(db) == counts
    assert client.get(f"/api/v1/cases/{number}").json()["status"] == "submitted"
    body = {"case_type": "seizure", "unit_code": unit_codes[1], "source": required_source("x")}
    assert client.post("/api/v1/cases", json=body, headers=auth("admin")).status_code == 403
    for role in ("admin", "surveyor", "bidder"):  # and through the service, every step
        for step in STEPS:
            with pytest.raises(Exception) as err:
                service.take_step(db, number, step, actor="x", role=role, reason="x")
            assert err.value.__class__.__name__ == "PermissionDenied"


def test_the_desk_offers_no_step_four_eyes_forbids(
    client: TestClient, db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    number = _transfer(client, db, unit_codes[2], holders)
    _step(client, db, number, "accept", "reg-a")
    mine = client.get(f"/api/v1/cases/{number}/detail", headers=officer(db, "reg-a")).json()
    theirs = client.get(f"/api/v1/cases/{number}/detail", headers=officer(db, "reg-b")).json()
    assert "review" not in mine["allowed_steps"] and "reject" in mine["allowed_steps"]
    assert "review" in theirs["allowed_steps"]


@pytest.fixture
def single_officer() -> Iterator[None]:
    before = get_settings()
    override_settings(before.model_copy(update={"registry_single_officer": True}))
    try:
        yield
    finally:
        override_settings(before)


def test_single_officer_setting_relaxes_and_journals_it(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]], single_officer: None
) -> None:
    code = unit_codes[3]
    run_case(db, "first_registration", unit_code=code, holders=holders)
    case = service.open_case(
        db,
        case_type_code="transfer",
        submitted_by="solo",
        role="registrar",
        request={"unit_code": code, "holders": [CORP], "source": required_source("transfer")},
    )
    for step in ("accept", "review", "enter"):
        service.take_step(db, case.public_number, step, actor="solo", role="registrar")
    events = {
        e.event: e.payload
        for e in db.scalars(
            select(JournalEntry).where(JournalEntry.public_number == case.public_number)
        )
    }
    assert "four_eyes_relaxed" not in events["case_accepted"]
    assert events["case_reviewed"]["four_eyes_relaxed"] == {"earlier_step": "accept", "by": "solo"}
    assert events["case_entered"]["four_eyes_relaxed"] == {"earlier_step": "review", "by": "solo"}


def test_without_the_setting_the_service_refuses_too(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    assert get_settings().registry_single_officer is False  # off by default
    number = run_case(
        db, "first_registration", unit_code=unit_codes[4], holders=holders, through="accept"
    )
    with pytest.raises(SameOfficer) as err:
        service.take_step(db, number, "review", actor="li.wei", role="registrar")
    assert err.value.field == "step" and "li.wei" in err.value.detail
