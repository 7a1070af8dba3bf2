"""A collection's extent is kept until a write to its tables is logged, then read again
(at 5M parcels the scans of the plan layers and the roads, once a minute, took
/ogc/collections to 0.7 s); a stale extent is never served after a write."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.orm import Session


def _extent(client: TestClient, cid: str) -> list[float]:
    resp = client.get(f"/ogc/collections/{cid}")
    assert resp.status_code == 200, resp.text
    return list(resp.json()["extent"]["spatial"]["bbox"][0])


def _scans(client: TestClient, db: Session, cid: str) -> tuple[list[float], int]:
    """The extent, and how many statements of the request computed one (ST_Extent)."""
    seen: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    conn = db.connection()
    event.listen(conn, "before_cursor_execute", capture)
    try:
        box = _extent(client, cid)
    finally:
        event.remove(conn, "before_cursor_execute", capture)
    return box, sum("ST_Extent" in s for s in seen)


def test_an_extent_is_kept_until_its_table_is_written_and_then_grows_at_once(
    client: TestClient, db: Session
) -> None:
    for cid, copy_far in (
        (
            "roads",
            "INSERT INTO road (name, road_class, width_m, geom) SELECT name, road_class, "
            "width_m, ST_Translate(geom, 0.5, 0.5) FROM road LIMIT 1",
        ),
        (
            "plan_zoning",
            "INSERT INTO plan_zone (edition_id, layer, code, name, geom) SELECT edition_id, "
            "layer, code, name, ST_Translate(geom, 0.5, 0.5) FROM plan_zone z WHERE "
            "layer = 'zoning' AND edition_id = (SELECT id FROM plan_edition WHERE in_force) "
            "LIMIT 1",
        ),
    ):
        before = _extent(client, cid)  # read (and kept) once
        again, scans = _scans(client, db, cid)
        assert again == before and scans == 0, cid  # kept: no scan while nothing changed
        db.execute(text(copy_far))  # a copy of a feature 0.5 degrees north-east
        after, scans = _scans(client, db, cid)
        assert scans == 1, cid  # the write is logged: read again at once, not a minute later
        assert after[2] > before[2] + 0.4 and after[3] > before[3] + 0.4, (cid, before, after)
        assert after[:2] == before[:2], cid


def test_a_new_plan_in_force_changes_the_plan_layers_extent_at_once(
    client: TestClient, db: Session
) -> None:
    # the layer's rows are chosen by plan_edition.in_force, another table: its writes count
    before = _extent(client, "plan_zoning")
    db.execute(text("UPDATE plan_edition SET in_force = false WHERE in_force"))
    resp = client.get("/ogc/collections/plan_zoning")
    assert resp.status_code == 200
    assert "extent" not in resp.json() or resp.json()["extent"].get("spatial") is None, before
