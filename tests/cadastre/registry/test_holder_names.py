"""A holder's name must be the registered name of the party with that ID number: 422 naming
both (not silently replaced by the earlier party's name); the public is not told the
registered name; a change registration (变更登记) is how a registered name changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.registry import service
from cadastre.registry.errors import HolderNameMismatch
from tests.cadastre.registry.conftest import ALICE, CORP
from tests.cadastre.registry.helpers import end_notice, officer, register_counts, run_case


def test_other_name_for_a_registered_id_number_is_422_naming_both(
    client: TestClient, db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    run_case(db, "first_registration", unit_code=unit_codes[0], holders=holders)
    impostor = dict(ALICE, name="王冒名", share="1")
    counts = register_counts(db)
    body = {"case_type": "first_registration", "unit_code": unit_codes[1], "holders": [impostor]}
    r = client.post("/api/v1/cases", json=body, headers=officer(db, "reg-a"))
    assert r.status_code == 422 and r.json()["field"] == "holders.0.name"
    assert "王秀英" in r.json()["detail"] and "王冒名" in r.json()["detail"]
    assert ALICE["id_number"] in r.json()["detail"]
    assert register_counts(db) == counts
    # anonymous online submitters are not told the registered name
    online = client.post(
        "/api/v1/cases/online",
        data={
            "case_type": "first_registration",
            "unit_code": unit_codes[1],
            "holders": json.dumps([impostor]),
        },
    )
    assert online.status_code == 422 and online.json()["field"] == "holders.0.name"
    assert "王冒名" in online.json()["detail"] and "王秀英" not in online.json()["detail"]


def test_group_member_names_are_checked(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    run_case(db, "first_registration", unit_code=unit_codes[2], holders=holders)
    members = [dict(holders[0], name="王某某"), holders[1]]
    household = {"kind": "group", "name": "王李家庭", "share": "1", "members": members}
    with pytest.raises(HolderNameMismatch) as err:
        run_case(db, "first_registration", unit_code=unit_codes[3], holders=[household])
    assert err.value.field == "holders.0.members.0.name"


def test_party_registered_between_submission_and_entry_is_caught_at_entry(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    later = run_case(
        db,
        "first_registration",
        unit_code=unit_codes[4],
        holders=[dict(CORP, name="东莞市另一名称有限公司")],
        through="review",
    )
    run_case(db, "first_registration", unit_code=unit_codes[5], holders=[CORP])
    end_notice(db, later)
    counts = register_counts(db)
    with pytest.raises(HolderNameMismatch):
        service.take_step(db, later, "enter", actor="li.wei", role="registrar")
    assert register_counts(db) == counts
    names = db.execute(
        text("SELECT DISTINCT name FROM party WHERE id_number = :n"), {"n": CORP["id_number"]}
    ).scalars()
    assert list(names) == [CORP["name"]]


def test_a_change_registration_renames(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    run_case(db, "first_registration", unit_code=unit_codes[6], holders=holders)
    renamed = [dict(holders[0], name="王秀英（更名）"), holders[1]]
    run_case(db, "change", unit_code=unit_codes[6], holders=renamed)
