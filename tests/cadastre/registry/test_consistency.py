"""`landgis cadastre check` and the quality API check the register's consistency: double
ownership planted with the one-owner trigger off, a right on a retired parcel, a
restriction with no right, a public status that contradicts the register; and the demo
district's map status agrees with its register."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cadastre.cli import app as cadastre_cli
from cadastre.registry import consistency
from tests.cadastre.registry.helpers import TRIGGER_OFF, TRIGGER_ON

REGISTERED_SQL = """
SELECT p.unit_code FROM parcel p WHERE p.end_lifespan IS NULL AND p.reg_status = 'registered'
  AND left(p.unit_code, 9) = :zone AND NOT EXISTS (
      SELECT 1 FROM reg_case c WHERE c.unit_code = p.unit_code)
ORDER BY p.id DESC LIMIT :n
"""
UNREGISTERED_SQL = REGISTERED_SQL.replace("'registered'", "'unregistered'")
SECOND_OWNER = """
INSERT INTO rrr (unit_code, kind, rrr_type, party_uid, share_num, share_den)
SELECT unit_code, kind, rrr_type, party_uid, 1, 1 FROM rrr
WHERE unit_code = :c AND kind = 'right' AND end_lifespan IS NULL
"""
MORTGAGE = """
INSERT INTO rrr (unit_code, kind, rrr_type, amount, creditor)
VALUES (:c, 'restriction', 'mortgage', 1000000, '中国银行东莞分行')
"""


def _zone(db: Session) -> str:
    code: str = db.execute(text("SELECT min(unit_code) FROM parcel")).scalar_one()
    return code[:9]


def _plant(s: Session, zone: str) -> dict[str, str]:
    """One of each inconsistency, the one-owner trigger off for this transaction only."""
    s.execute(text(TRIGGER_OFF))  # on again before the commit (see TRIGGER_ON)
    doubled, retired = s.execute(text(REGISTERED_SQL), {"zone": zone, "n": 2}).scalars()
    bare, lying = s.execute(text(UNREGISTERED_SQL), {"zone": zone, "n": 2}).scalars()
    s.execute(text(SECOND_OWNER), {"c": doubled})
    s.execute(text("UPDATE parcel SET end_lifespan = now() WHERE unit_code = :c"), {"c": retired})
    s.execute(text(MORTGAGE), {"c": bare})
    s.execute(
        text("UPDATE parcel SET reg_status = 'registered' WHERE unit_code = :c"), {"c": lying}
    )
    s.execute(text(TRIGGER_ON))  # the rows above were written without it
    return {
        "shares": doubled,
        "retired_rights": retired,
        "orphan_restriction": bare,
        "status": lying,
    }


def _found(register: dict[str, Any], planted: dict[str, str]) -> None:
    for kind, code in planted.items():
        assert [code] in [f["unit_codes"] for f in register["findings"][kind]], kind
    (double,) = [
        f for f in register["findings"]["shares"] if f["unit_codes"] == [planted["shares"]]
    ]
    assert double["total"] == "2/1" and double["right"] in ("ownership", "use_right")
    (lie,) = [f for f in register["findings"]["status"] if f["unit_codes"] == [planted["status"]]]
    assert (lie["shown"], lie["register"]) == ("registered", "unregistered")


def test_demo_register_agrees_with_the_map(db: Session) -> None:
    """Every demo parcel marked 已登记 has its right; the others have nothing registered."""
    assert consistency.check(db) == {k: [] for k in consistency.KINDS}
    shown = dict(
        db.execute(
            text(
                "SELECT reg_status, count(*) FROM parcel WHERE end_lifespan IS NULL "
                "GROUP BY reg_status"
            )
        ).all()
    )
    assert shown.get("registered", 0) > 0 and shown.get("unregistered", 0) > 0
    truth = db.execute(
        text(
            "SELECT count(*) FROM parcel WHERE end_lifespan IS NULL "
            "AND register_status(unit_code) <> reg_status"
        )
    ).scalar_one()
    assert truth == 0


def test_quality_api_finds_planted_register_defects(client: TestClient, db: Session) -> None:
    zone = _zone(db)
    clean = client.get("/api/v1/cadastre/quality", params={"zone": zone}).json()
    assert sum(clean["register"]["counts"].values()) == 0
    planted = _plant(db, zone)
    r = client.get("/api/v1/cadastre/quality", params={"zone": zone})
    assert r.status_code == 200
    register = r.json()["register"]
    assert all(register["counts"][k] >= 1 for k in consistency.KINDS)
    assert register["kinds"]["shares"]["zh"] and register["kinds"]["shares"]["en"]
    _found(register, planted)


def test_one_pass_over_many_subzones_finds_what_each_subzone_alone_finds(db: Session) -> None:
    """The quality state reads the register side of a bulk load's subzones in one pass
    (``check_subzones``); per subzone it must equal ``check_subzone``, planted defects
    included, and a subzone inside the range but not asked for stays out."""
    planted = _plant(db, _zone(db))
    codes = list(db.execute(text("SELECT code FROM cadastral_subzone ORDER BY code")).scalars())
    middle = codes[len(codes) // 2]  # a status lie there too, then that subzone left out
    db.execute(
        text(
            "UPDATE parcel SET reg_status = 'registered' WHERE id = (SELECT min(id) FROM parcel "
            "WHERE subzone_code = :sz AND end_lifespan IS NULL AND reg_status = 'unregistered')"
        ),
        {"sz": middle},
    )
    one_pass = consistency.check_subzones(db, codes)
    assert one_pass == {sz: consistency.check_subzone(db, sz) for sz in codes}
    for kind, code in planted.items():  # the defects are there, each in its own subzone
        assert [code] in [f["unit_codes"] for f in one_pass[code[:12]][kind]], kind
    assert one_pass[middle]["status"]
    asked = [sz for sz in codes if sz != middle]
    without = consistency.check_subzones(db, asked)
    assert without == {sz: one_pass[sz] for sz in asked}


@pytest.fixture
def planted(engine: Engine) -> Iterator[tuple[str, dict[str, str]]]:
    """The defects committed (the CLI reads the committed register), then removed."""
    with Session(engine) as s:
        zone = _zone(s)
        made = _plant(s, zone)
        s.commit()
    try:
        yield zone, made
    finally:
        with Session(engine) as s:
            s.execute(text(TRIGGER_OFF))  # on again before the commit (see TRIGGER_ON)
            s.execute(
                text("DELETE FROM rrr WHERE id = (SELECT max(id) FROM rrr WHERE unit_code = :c)"),
                {"c": made["shares"]},
            )
            s.execute(
                text("UPDATE parcel SET end_lifespan = NULL WHERE unit_code = :c"),
                {"c": made["retired_rights"]},
            )
            s.execute(
                text("DELETE FROM rrr WHERE unit_code = :c"), {"c": made["orphan_restriction"]}
            )
            s.execute(
                text("UPDATE parcel SET reg_status = 'unregistered' WHERE unit_code = :c"),
                {"c": made["status"]},
            )
            s.execute(text(TRIGGER_ON))
            s.commit()


def test_cli_check_exits_non_zero_on_planted_double_ownership(
    tmp_path: Path, planted: tuple[str, dict[str, str]]
) -> None:
    zone, made = planted
    out = tmp_path / "q.json"
    result = CliRunner().invoke(cadastre_cli, ["check", "--zone", zone, "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert made["shares"] in result.output or made["shares"] in result.stderr
    report = json.loads(out.read_text())
    _found(report["register"], made)
