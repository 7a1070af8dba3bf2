"""The demo's past (cadastre.demo_history): edits made through the register's own services on
dates of the last two years, so a new user's time slider and ``?datetime=`` replay something.

Each edit is checked the way a planner reads it: through OGC API Features with ``datetime``
just before and at the edit, where the parents must give way to children of the same area."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.demo_history import ACTOR, PLAN, replay_demo_history
from cadastre.parcels.timeline import edit_instants
from cadastre.registry import consistency, journal

EDITS = text(
    "SELECT e.id, e.operation, e.at, array_agg(DISTINCT pa.unit_code) AS parents, "
    "array_agg(DISTINCT ch.unit_code) AS children, "
    "(SELECT sum(area_m2) FROM parcel WHERE id IN (SELECT parent_id FROM parcel_lineage "
    " WHERE edit_id = e.id)) AS parent_area, "
    "(SELECT sum(area_m2) FROM parcel WHERE id IN (SELECT child_id FROM parcel_lineage "
    " WHERE edit_id = e.id)) AS child_area "
    "FROM parcel_edit e JOIN parcel_lineage l ON l.edit_id = e.id "
    "JOIN parcel pa ON pa.id = l.parent_id JOIN parcel ch ON ch.id = l.child_id "
    "WHERE e.actor = :actor GROUP BY e.id ORDER BY e.at"
)


def _codes_at(client: TestClient, codes: list[str], instant: str) -> set[str]:
    """The unit codes among ``codes`` that OGC API Features shows as valid at ``instant``."""
    found: set[str] = set()
    for code in codes:
        r = client.get(
            "/ogc/collections/parcels/items",
            params={"filter": f"unit_code = '{code}'", "datetime": instant, "limit": 10},
        )
        assert r.status_code == 200, r.text
        found |= {f["properties"]["unit_code"] for f in r.json()["features"]}
    return found


def test_demo_history_edits_the_past_and_keeps_the_district_whole(
    db: Session, client: TestClient
) -> None:
    now = db.execute(text("SELECT clock_timestamp()")).scalar_one()
    made = replay_demo_history(db, seed=7, now=now)
    assert made >= len(PLAN) - 2, made  # a candidate of each kind is found nearly every time

    edits = db.execute(EDITS, {"actor": ACTOR}).all()
    assert len(edits) == made
    assert {e.operation for e in edits} == {"split", "merge", "change"}
    births = db.execute(text("SELECT min(begin_lifespan) FROM parcel")).scalar_one()
    assert now - timedelta(days=3 * 366) < births < now - timedelta(days=3 * 364)
    for e in edits:
        assert births < e.at < now - timedelta(days=6), e
        assert abs(e.parent_area - e.child_area) <= 1, e  # a split or merge moves no land
        before = (e.at - timedelta(seconds=1)).isoformat()
        at = e.at.isoformat()
        assert _codes_at(client, e.parents, before) == set(e.parents), e
        if e.operation != "change":  # a change keeps its unit code in a new version
            assert _codes_at(client, e.parents, at) == set(), e
        assert _codes_at(client, e.children, at) == set(e.children), e

    instants = edit_instants(db)
    assert sum(births <= t < now - timedelta(days=6) for t in instants) >= made
    assert journal.verify(db).ok
    assert not any(consistency.check(db).values())
