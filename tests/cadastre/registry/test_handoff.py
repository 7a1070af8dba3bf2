"""The contract others code against: open_case, unit_restrictions, case_status."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cadastre import handoff
from cadastre.registry.models import RegCase
from gis.errors import InvalidInput, NotFound


def test_open_case_returns_public_number_and_status(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    number = handoff.open_case(
        db,
        case_type="first_registration",
        submitted_by="trading",
        unit_code=unit_codes[0],
        holders=holders,
        source={"kind": "contract", "title": "出让合同 2026-001", "sha256": None, "path": None},
    )
    status = handoff.case_status(db, number)
    assert status["public_number"] == number
    assert status["status"] == "submitted"
    assert status["status_name_zh"] == "已申请"
    assert "holders" not in status and "unit_code" not in status


def test_unit_restrictions_empty_for_demo_parcel(db: Session, unit_codes: list[str]) -> None:
    assert handoff.unit_restrictions(db, unit_codes[0]) == set()


def test_unit_restrictions_unknown_code_is_not_found(db: Session) -> None:
    with pytest.raises(NotFound) as err:
        handoff.unit_restrictions(db, "441900999999GB99999W00000000")
    assert err.value.field == "unit_code"


def test_case_status_unknown_number(db: Session) -> None:
    with pytest.raises(NotFound):
        handoff.case_status(db, "DJ2026010199999999")


def test_bad_shares_refused_and_nothing_stored(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    before = db.scalar(select(func.count()).select_from(RegCase))
    third = [dict(holders[0], share="1/3"), dict(holders[1], share="1/3")]
    third.append(
        {"kind": "legal", "name": "X公司", "id_number": "91441900MA4UXXXX13", "share": "1/4"}
    )
    with pytest.raises(InvalidInput) as err:
        handoff.open_case(
            db, case_type="transfer", submitted_by="t", unit_code=unit_codes[0], holders=third
        )
    assert err.value.field == "holders"
    assert db.scalar(select(func.count()).select_from(RegCase)) == before
