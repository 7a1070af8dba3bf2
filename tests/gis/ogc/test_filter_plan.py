"""A CQL2 land-use filter's page is read from the index in page order and stops at the limit
(migration 0036: ``ix_parcel_land_use`` on (land_use, unit_code)), not sorted from every
match nor found by walking all unit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.orm import Session

ITEMS = "/ogc/collections/parcels/items"
LIMIT = 5


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _items_statement(client: TestClient, db: Session, cql: str) -> tuple[str, Any]:
    """The SQL (and parameters) the items route ran for ``filter=cql``."""
    seen: list[tuple[str, Any]] = []
    conn = db.connection()

    def capture(_c: Any, _cur: Any, statement: str, params: Any, *_rest: Any) -> None:
        seen.append((statement, params))

    event.listen(conn, "before_cursor_execute", capture)
    try:
        r = client.get(ITEMS, params={"limit": LIMIT, "filter": cql})
    finally:
        event.remove(conn, "before_cursor_execute", capture)
    assert r.status_code == 200, r.text
    assert len(r.json()["features"]) == LIMIT
    return next((s, p) for s, p in seen if "WITH page AS" in s)


def test_land_use_page_is_read_in_order_from_the_index(client: TestClient, db: Session) -> None:
    statement, params = _items_statement(client, db, "land_use='0701'")
    explain = "EXPLAIN (ANALYZE, FORMAT JSON) " + statement
    value = db.connection().exec_driver_sql(explain, params).scalar_one()
    plan = json.loads(value) if isinstance(value, str) else value
    nodes = list(_nodes(plan[0]["Plan"]))
    # the register is partitioned by zone (migration 0050): the index is one per partition,
    # their ordered scans merged (Merge Append), each stopping at the page's end
    names = {"ix_parcel_land_use"} | set(
        db.execute(
            text(
                "SELECT inhrelid::regclass::text FROM pg_inherits "
                "WHERE inhparent = 'ix_parcel_land_use'::regclass"
            )
        ).scalars()
    )
    scans = [n for n in nodes if n.get("Index Name") in names]
    assert scans, [n["Node Type"] for n in nodes]
    for scan in scans:
        assert scan["Node Type"] == "Index Scan"  # in index order, not a bitmap
        assert scan["Actual Rows"] <= LIMIT + 1  # stopped at the page's end
    assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")]
