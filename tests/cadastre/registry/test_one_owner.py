"""One current owner: a case names the right it acts on, and the database refuses two
sole owners whatever code path writes them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.registry import repository as repo
from cadastre.registry import service
from cadastre.registry.errors import RightChanged
from tests.cadastre.registry.conftest import ALICE, BOB, CORP
from tests.cadastre.registry.helpers import cleanup_unit, register_counts, run_case, untouched_unit

SOLE = [dict(ALICE, share="1")]


def _reviewed(db: Session, case_type: str, **req: Any) -> str:
    return run_case(db, case_type, through="review", **req)


def _holders_now(db: Session, code: str) -> set[str]:
    rows = repo.rrrs_as_of(db, code, service.clock(db))
    return {r.party_name for r in rows if r.kind == "right"}


def test_stale_transfer_is_refused_naming_the_case_that_changed_the_right(
    db: Session, unit_codes: list[str]
) -> None:
    """Two transfers opened while X held the unit: the second may not replace the first buyer."""
    code = unit_codes[0]
    run_case(db, "first_registration", unit_code=code, holders=SOLE)
    first = _reviewed(db, "transfer", unit_code=code, holders=[CORP])
    second = _reviewed(db, "transfer", unit_code=code, holders=[dict(BOB, share="1")])
    service.take_step(db, first, "enter", actor="r3", role="registrar")
    counts = register_counts(db)
    with pytest.raises(RightChanged) as err:
        service.take_step(db, second, "enter", actor="r3", role="registrar")
    assert err.value.field == "unit_code"
    assert first in str(err.value) and code in str(err.value)
    assert "权利" in str(err.value)  # zh first, en second
    assert _holders_now(db, code) == {CORP["name"]}
    assert register_counts(db) == counts
    assert service.case_status(db, second)["status"] == "reviewed"


INSERT_RIGHT = """
INSERT INTO rrr (unit_code, kind, rrr_type, party_uid, share_num, share_den)
VALUES (CAST(:c AS text), 'right',
        coalesce(CAST(:t AS text), (SELECT rrr_type FROM rrr WHERE unit_code = CAST(:c AS text)
                                    AND kind = 'right' AND end_lifespan IS NULL LIMIT 1)),
        (SELECT uid FROM party ORDER BY id LIMIT 1), :n, :d)
"""


def _right(conn: Any, code: str, num: int, den: int, rtype: str | None = None) -> None:
    """A right row by raw SQL (of the unit's current right type unless ``rtype``)."""
    conn.execute(text(INSERT_RIGHT), {"c": code, "t": rtype, "n": num, "d": den})


def test_raw_sql_second_current_owner_fails_at_commit(engine: Any) -> None:
    """No code path can commit two sole owners: the deferred trigger refuses the commit."""
    from sqlalchemy.exc import IntegrityError

    with Session(engine) as s:
        code = untouched_unit(s, 9)
        run_case(s, "first_registration", unit_code=code, holders=SOLE)
        s.commit()
        seq = s.execute(text("SELECT max(seq) FROM journal")).scalar_one()
    try:
        with engine.connect() as conn:
            _right(conn, code, 1, 1)  # accepted by the statement: the check is at commit
            with pytest.raises(IntegrityError) as err:
                conn.commit()
            assert "份额之和为2/1" in str(err.value) and code in str(err.value)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT count(*) FROM rrr WHERE unit_code = :c AND end_lifespan IS NULL"),
                {"c": code},
            ).scalar_one()
            assert rows == 1  # the committed register still has its one owner
    finally:
        with Session(engine) as s:
            cleanup_unit(s, code, seq - 1, [ALICE["id_number"]])


@pytest.mark.parametrize(
    ("shares", "ok"),
    [
        ([(1, 3), (1, 3), (1, 3)], True),
        ([(1, 2), (1, 2)], True),
        ([(1, 2)], False),
        ([(1, 1), (1, 1)], False),
        ([(2, 3), (1, 2)], False),
    ],
)
def test_shares_must_add_up_to_exactly_one(
    db: Session, unit_codes: list[str], shares: list[tuple[int, int]], ok: bool
) -> None:
    """Exact fractions: thirds add up to 1, a lone half or two wholes do not."""
    from sqlalchemy.exc import IntegrityError

    conn = db.connection()
    shown = "UPDATE parcel SET reg_status = 'registered' WHERE unit_code = :c"
    conn.execute(text(shown), {"c": unit_codes[5]})  # what the map shows must hold too
    for num, den in shares:
        _right(conn, unit_codes[5], num, den, "use_right")
    if ok:
        db.execute(text("SET CONSTRAINTS rrr_one_owner IMMEDIATE"))
        return
    with pytest.raises(IntegrityError, match="份额之和"), db.begin_nested():
        db.execute(text("SET CONSTRAINTS rrr_one_owner IMMEDIATE"))


def test_a_right_the_map_does_not_show_is_refused(db: Session, unit_codes: list[str]) -> None:
    """The parcel's public status is the register's: a right written on a parcel the map
    shows as 未登记 (raw SQL, no first registration) cannot be committed."""
    from sqlalchemy.exc import IntegrityError

    _right(db.connection(), unit_codes[6], 1, 1, "use_right")
    with pytest.raises(IntegrityError, match="登记簿为registered"), db.begin_nested():
        db.execute(text("SET CONSTRAINTS rrr_one_owner IMMEDIATE"))


def test_mortgage_by_the_former_owner_is_refused_after_a_transfer(
    db: Session, unit_codes: list[str]
) -> None:
    """A mortgage accepted while X held the unit is not entered on the buyer's right;
    an objection (which names no right) still is."""
    code = unit_codes[7]
    run_case(db, "first_registration", unit_code=code, holders=SOLE)
    mortgage = {"amount": "500000", "creditor": "中国银行东莞分行", "term_end": "2031-01-01"}
    stale = _reviewed(db, "mortgage", unit_code=code, mortgage=mortgage)
    objection = _reviewed(db, "objection", unit_code=code, holders=[dict(BOB, share="1")])
    transfer = run_case(db, "transfer", unit_code=code, holders=[CORP])
    with pytest.raises(RightChanged) as err:
        service.take_step(db, stale, "enter", actor="r3", role="registrar")
    assert transfer in str(err.value) and err.value.extra["changed_by"] == transfer
    assert service.restrictions_as_of(db, code) == set()
    service.take_step(db, objection, "enter", actor="r3", role="registrar")
    assert service.restrictions_as_of(db, code) == {"objection"}
