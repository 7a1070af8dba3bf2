"""Fixtures for parcel tests: touching pairs of current parcels and small helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre.parcels import repository as repo

PAIR_SQL = """
SELECT a.unit_code AS a, b.unit_code AS b
FROM parcel a JOIN parcel b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)
WHERE a.end_lifespan IS NULL AND b.end_lifespan IS NULL
  AND a.reg_status = 'unregistered' AND b.reg_status = 'unregistered'
  AND a.subzone_code = b.subzone_code AND substr(a.unit_code, 13, 2) = substr(b.unit_code, 13, 2)
  AND ST_Dimension(ST_Intersection(a.geom, b.geom)) = 1
  AND ST_NumGeometries(a.geom) = 1 AND ST_NumGeometries(b.geom) = 1
ORDER BY a.id, b.id LIMIT 1 OFFSET :n
"""


def touching_pair(db: Session, n: int = 0) -> tuple[str, str]:
    """Two current single-polygon parcels of one subzone that share a boundary line, both
    awaiting first registration (nothing in the register to carry)."""
    row = db.execute(text(PAIR_SQL), {"n": n}).one()
    return row.a, row.b


def snapshot(db: Session) -> dict[str, Any]:
    """What must not change after a refused edit: current parcels, edits, counters."""
    return {
        "current": db.execute(
            text("SELECT count(*), sum(id) FROM parcel WHERE end_lifespan IS NULL")
        ).one(),
        "versions": db.execute(text("SELECT count(*) FROM parcel")).scalar_one(),
        "edits": db.execute(text("SELECT count(*) FROM parcel_edit")).scalar_one(),
        "counters": db.execute(
            text("SELECT coalesce(sum(last_seq), 0) FROM unit_code_counter")
        ).scalar_one(),
    }


@pytest.fixture
def pair(db: Session) -> tuple[str, str]:
    return touching_pair(db)


def etag_of(client: Any, code: str) -> str:
    r = client.get(f"/api/v1/parcels/{code}")
    assert r.status_code == 200, r.text
    return str(r.headers["ETag"])


@pytest.fixture
def committed(engine: Engine) -> Iterator[Engine]:
    """Lets a test commit; afterwards removes what it added and reopens what it closed."""
    with Session(engine) as s:
        max_id = s.execute(text("SELECT max(id) FROM parcel")).scalar_one()
        max_edit = s.execute(text("SELECT coalesce(max(id), 0) FROM parcel_edit")).scalar_one()
        counters = s.execute(text("SELECT subzone_code, last_seq FROM unit_code_counter")).all()
        t0 = repo.clock(s)
    yield engine
    with Session(engine) as s:
        s.execute(text("DELETE FROM parcel_lineage WHERE edit_id > :m"), {"m": max_edit})
        s.execute(text("DELETE FROM parcel_edit WHERE id > :m"), {"m": max_edit})
        s.execute(text("DELETE FROM parcel WHERE id > :m"), {"m": max_id})
        s.execute(text("UPDATE parcel SET end_lifespan = NULL WHERE end_lifespan >= :t"), {"t": t0})
        s.execute(text("DELETE FROM unit_code_counter"))
        for row in counters:
            s.execute(
                text("INSERT INTO unit_code_counter VALUES (:s, :n)"),
                {"s": row.subzone_code, "n": row.last_seq},
            )
        s.commit()
