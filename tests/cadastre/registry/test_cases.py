"""Registration cases through the service: every type, the rules, all-or-nothing entry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre import handoff
from cadastre.registry import service
from cadastre.registry.errors import (
    AlreadyRegistered,
    NothingToRelease,
    NotRegistered,
    UnitCancelled,
    UnitSeized,
)
from gis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.cadastre.registry.conftest import CORP
from tests.cadastre.registry.helpers import register_counts, run_case

COURT = {"kind": "court_order", "title": "(2026)粤1971执123号", "sha256": None, "path": None}


def _register(db: Session, code: str, holders: list[dict[str, Any]]) -> str:
    return run_case(db, "first_registration", unit_code=code, holders=holders)


def test_first_registration_enters_rights_with_shares(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    number = _register(db, unit_codes[0], holders)
    reg = service.case_status(db, number)
    assert reg["status"] == "entered" and reg["entered_at"] is not None
    rows = db.execute(
        text("SELECT share_num, share_den FROM rrr WHERE unit_code = :c AND end_lifespan IS NULL"),
        {"c": unit_codes[0]},
    ).all()
    assert sorted(rows) == [(1, 2), (1, 2)]
    with pytest.raises(AlreadyRegistered):
        run_case(db, "first_registration", unit_code=unit_codes[0], holders=[CORP])


def test_transfer_closes_old_rights_and_as_of_reads_history(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    code = unit_codes[1]
    _register(db, code, holders)
    before = service.clock(db)
    run_case(db, "transfer", unit_code=code, holders=[CORP])
    now = service.clock(db)
    from cadastre.registry import repository as repo

    old = {r.party_name for r in repo.rrrs_as_of(db, code, before) if r.kind == "right"}
    new = {r.party_name for r in repo.rrrs_as_of(db, code, now) if r.kind == "right"}
    assert old == {holders[0]["name"], holders[1]["name"]}
    assert new == {CORP["name"]}


def test_no_transfer_or_mortgage_while_seized_and_release(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    code = unit_codes[2]
    _register(db, code, holders)
    run_case(db, "seizure", unit_code=code, source=COURT)
    assert service.restrictions_as_of(db, code) == {"seizure"}
    counts = register_counts(db)
    with pytest.raises(UnitSeized) as err:
        run_case(db, "transfer", unit_code=code, holders=[CORP])
    assert err.value.field == "unit_code"
    mortgage = {"amount": "1000000", "creditor": "中国银行东莞分行", "term_end": "2031-01-01"}
    with pytest.raises(UnitSeized):
        run_case(db, "mortgage", unit_code=code, mortgage=mortgage)
    assert register_counts(db) == counts
    release = run_case(db, "seizure_release", unit_code=code, source=COURT)
    assert service.restrictions_as_of(db, code) == set()
    with pytest.raises(Conflict) as err:
        service.take_step(db, release, "issue", actor="x", role="registrar")
    assert err.value.field == "step"
    run_case(db, "mortgage", unit_code=code, mortgage=mortgage)
    assert service.restrictions_as_of(db, code) == {"mortgage"}
    run_case(db, "mortgage_discharge", unit_code=code)
    assert service.restrictions_as_of(db, code) == set()
    with pytest.raises(NothingToRelease):
        run_case(db, "mortgage_discharge", unit_code=code)


def test_seizure_between_submission_and_entry_blocks_entry_atomically(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    code = unit_codes[3]
    _register(db, code, holders)
    pending = run_case(db, "transfer", unit_code=code, holders=[CORP], through="review")
    run_case(db, "seizure", unit_code=code, source=COURT)
    counts = register_counts(db)
    with pytest.raises(UnitSeized):
        service.take_step(db, pending, "enter", actor="li.wei", role="registrar")
    assert register_counts(db) == counts
    assert service.case_status(db, pending)["status"] == "reviewed"


def test_objection_and_advance_notice_lapse(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    code = unit_codes[4]
    _register(db, code, holders)
    run_case(db, "objection", unit_code=code, holders=[CORP])
    run_case(db, "advance_notice", unit_code=code, holders=[dict(holders[0], share=None)])
    now = service.clock(db)
    assert service.restrictions_as_of(db, code, now) == {"objection", "advance_notice"}
    day16 = now + timedelta(days=16)
    assert service.restrictions_as_of(db, code, day16) == {"advance_notice"}
    assert service.restrictions_as_of(db, code, now + timedelta(days=91)) == set()


def test_cancelled_unit_takes_no_further_registration(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    code = unit_codes[5]
    _register(db, code, holders)
    run_case(db, "cancellation", unit_code=code)
    status = db.execute(
        text("SELECT reg_status FROM parcel WHERE unit_code = :c AND end_lifespan IS NULL"),
        {"c": code},
    ).scalar_one()
    assert status == "cancelled"
    for case_type, extra in [("transfer", {"holders": [CORP]}), ("seizure", {"source": COURT})]:
        with pytest.raises(UnitCancelled):
            run_case(db, case_type, unit_code=code, **extra)


def test_change_renames_party_and_land_use_versions_parcel(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    code = unit_codes[6]
    _register(db, code, holders)
    renamed = [dict(holders[0], name="王秀英（更名）"), holders[1]]
    run_case(db, "change", unit_code=code, holders=renamed, land_use="0702")
    versions = db.execute(
        text("SELECT version, land_use FROM parcel WHERE unit_code = :c ORDER BY version"),
        {"c": code},
    ).all()
    assert versions[-1].land_use == "0702" and len(versions) >= 2
    names = (
        db.execute(
            text("SELECT name FROM party WHERE id_number = :n ORDER BY version"),
            {"n": holders[0]["id_number"]},
        )
        .scalars()
        .all()
    )
    assert names == ["王秀英", "王秀英（更名）"]


def test_correction_replaces_holders(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    code = unit_codes[7]
    _register(db, code, [dict(holders[0], share="1")])
    run_case(db, "correction", unit_code=code, holders=holders)
    from cadastre.registry import repository as repo

    rights = [r for r in repo.rrrs_as_of(db, code, service.clock(db)) if r.kind == "right"]
    assert len(rights) == 2


def test_transfer_needs_registered_right(db: Session, unit_codes: list[str]) -> None:
    with pytest.raises(NotRegistered):
        run_case(db, "transfer", unit_code=unit_codes[8], holders=[CORP])


def test_wrong_role_cannot_take_steps(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    case = service.open_case(
        db,
        case_type_code="first_registration",
        submitted_by="x",
        role="registrar",
        request={"unit_code": unit_codes[9], "holders": holders},
    )
    for role in ("surveyor", "bidder", "planner", "public"):
        with pytest.raises(PermissionDenied):
            service.take_step(db, case.public_number, "accept", actor="x", role=role)
    with pytest.raises(PermissionDenied):
        service.open_case(
            db,
            case_type_code="seizure",
            submitted_by="b",
            role="bidder",
            request={"unit_code": unit_codes[9]},
        )
    assert service.case_status(db, case.public_number)["status"] == "submitted"


def test_steps_follow_the_order_and_reject_needs_reason(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    number = run_case(
        db, "first_registration", unit_code=unit_codes[10], holders=holders, through="accept"
    )
    with pytest.raises(Conflict):
        service.take_step(db, number, "enter", actor="x", role="registrar")
    with pytest.raises(InvalidInput) as err:
        service.take_step(db, number, "reject", actor="x", role="registrar", reason=" ")
    assert err.value.field == "reason"
    service.take_step(db, number, "reject", actor="x", role="registrar", reason="材料不全")
    status = service.case_status(db, number)
    assert status["status"] == "rejected"
    with pytest.raises(Conflict):
        service.take_step(db, number, "accept", actor="x", role="registrar")


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({"unit_code": "441900001002GB0001W00000000"}, "unit_code"),
        ({"unit_code": "441900001002QB00011W00000000"}, "unit_code"),
        ({"unit_code": None}, "unit_code"),
    ],
)
def test_malformed_unit_code_refused(db: Session, request_: dict[str, Any], field: str) -> None:
    counts = register_counts(db)
    with pytest.raises(InvalidInput) as err:
        service.open_case(
            db, case_type_code="seizure", submitted_by="x", role="registrar", request=request_
        )
    assert err.value.field == field
    assert register_counts(db) == counts


def test_unknown_unit_and_case_are_not_found(db: Session) -> None:
    with pytest.raises(NotFound):
        service.open_case(
            db,
            case_type_code="seizure",
            submitted_by="x",
            role="registrar",
            request={"unit_code": "441900999999GB99999W00000000"},
        )
    with pytest.raises(NotFound):
        service.take_step(db, "DJ2026010100000000", "accept", actor="x", role="registrar")


def test_group_party_with_member_shares(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    from cadastre.registry import certificates, repository
    from cadastre.registry.holders import rights_with_holders

    household = {"kind": "group", "name": "王李家庭", "share": "2/3", "members": holders}
    code = unit_codes[11]
    number = run_case(
        db,
        "first_registration",
        unit_code=code,
        holders=[household, dict(CORP, share="1/3")],
        through="issue",
    )
    rights = rights_with_holders(
        db, repository.rrrs_as_of(db, code, service.clock(db)), service.clock(db)
    )
    group = next(r for r in rights if r["kind"] == "group")
    assert group["share"] == "2/3" and group["id_number"].startswith("GRP")
    assert sorted(m["share"] for m in group["members"]) == ["1/2", "1/2"]
    page = certificates.page_for_case(db, number)
    assert "王李家庭" in page and holders[1]["name"] in page and "共有成员" in page
    bad = {
        "kind": "group",
        "name": "X",
        "members": [dict(holders[0], share="1/3"), dict(holders[1], share="1/3")],
    }
    counts = register_counts(db)
    with pytest.raises(InvalidInput) as err:
        run_case(db, "transfer", unit_code=code, holders=[bad])
    assert err.value.field == "holders.0.members"
    assert register_counts(db) == counts


def test_due_date_counts_working_days_in_local_time(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    from zoneinfo import ZoneInfo

    from cadastre.registry.holidays import work_calendar
    from cadastre.registry.rules import add_working_days

    number = run_case(
        db, "first_registration", unit_code=unit_codes[0], holders=holders, through="submit"
    )
    status = service.case_status(db, number)
    submitted = datetime.fromisoformat(status["submitted_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    calendar = work_calendar(db)
    assert status["due_date"] == add_working_days(submitted, 30, calendar).isoformat()


def test_withdrawn_case_changes_nothing_and_takes_no_more_steps(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    number = run_case(
        db, "first_registration", unit_code=unit_codes[1], holders=holders, through="review"
    )
    counts = register_counts(db)
    service.take_step(db, number, "withdraw", actor="x", role="registrar", reason="申请人撤回")
    status = service.case_status(db, number)
    assert status["status"] == "withdrawn" and status["status_name_en"] == "withdrawn"
    with pytest.raises(Conflict):
        service.take_step(db, number, "enter", actor="x", role="registrar")
    after = register_counts(db)
    assert {k: v for k, v in after.items() if k != "journal"} == {
        k: v for k, v in counts.items() if k != "journal"
    }
    assert after["journal"] == counts["journal"] + 1
    assert service.restrictions_as_of(db, unit_codes[1]) == set()


def test_unit_of_retired_parcel_only_takes_closing_cases(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    code = unit_codes[2]
    run_case(db, "first_registration", unit_code=code, holders=holders)
    mortgage = {"amount": "500000", "creditor": "银行", "term_end": "2030-01-01"}
    run_case(db, "mortgage", unit_code=code, mortgage=mortgage)
    # part B retires the parcel (a split or merge closes its last version)
    db.execute(
        text(
            "UPDATE parcel SET end_lifespan = clock_timestamp() "
            "WHERE unit_code = :c AND end_lifespan IS NULL"
        ),
        {"c": code},
    )
    with pytest.raises(UnitCancelled) as err:
        run_case(db, "transfer", unit_code=code, holders=[CORP])
    assert "retired" in err.value.detail and err.value.field == "unit_code"
    run_case(db, "mortgage_discharge", unit_code=code)
    assert handoff.unit_restrictions(db, code) == set()
