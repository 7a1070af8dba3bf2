"""Fixtures of the registry tests: demo unit codes and holders with personal data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

ALICE = {"kind": "natural", "name": "王秀英", "id_number": "44190019900101116X", "share": "1/2"}
BOB = {"kind": "natural", "name": "李建国", "id_number": "441900198506063454", "share": "1/2"}
CORP = {"kind": "legal", "name": "东莞市某某置业有限公司", "id_number": "91441900MA4UQ2K8AN"}
PERSONAL = [ALICE["name"], ALICE["id_number"], BOB["name"], BOB["id_number"]]


@pytest.fixture
def unit_codes(db: Session) -> list[str]:
    """Unit codes of a few current demo parcels awaiting first registration (nothing was
    registered on them, even by others)."""
    rows = db.execute(
        text(
            "SELECT p.unit_code FROM parcel p WHERE p.end_lifespan IS NULL "
            "AND p.reg_status = 'unregistered' "
            "AND NOT EXISTS (SELECT 1 FROM baunit b WHERE b.unit_code = p.unit_code) "
            "AND NOT EXISTS (SELECT 1 FROM reg_case c WHERE c.unit_code = p.unit_code) "
            "ORDER BY p.id LIMIT 12"
        )
    )
    return [r[0] for r in rows]


@pytest.fixture
def holders() -> list[dict[str, Any]]:
    return [dict(ALICE), dict(BOB)]
